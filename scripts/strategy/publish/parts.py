"""The PDF rendered in parts: each chapter on its own, in parallel and cached, then merged into one PDF.

WeasyPrint lays out a whole document at once, so a one-word edit would lay out every page again. Here the
print HTML is split into parts (the front matter with the contents; then each chapter and annex), and each
part is a document of its own, rendered in a worker process that keeps the stylesheets and fonts loaded
(`_worker_render`). What a part cannot know on its own is given to it as literal values:

- where its pages start: `@page :nth(1 of main) { counter-set: page N }` and the footnotes before it;
- the page numbers it prints of anchors in other parts (the contents, the lists of figures and tables, the
  cross-references' "(page 27)"): a `data-page` attribute that an override of print.css prints instead of
  `target-counter()`;
- its links into other parts: an address of its own (`PART_LINK`) that the merge turns back into the named
  destination WeasyPrint writes for a link inside a document.

Each part is laid out once (measured on the example: a cold render in parts took 1.7 times the CPU of one
whole render when every part was laid out twice, first with placeholder numbers and then with the numbers
filled in). What makes that possible:

- a part's page breaks do not depend on its start page: the reading edition has no :left/:right page rules,
  so the start page only changes the digits WeasyPrint prints in the page margins, and it makes the margin
  boxes last, after the pages are broken, from each page's counters. A part laid out from a guessed start
  page gets its margin boxes only once the build has answered with the right one (`_renumbered`: 0.04 s
  against 0.35 s for a layout of a 6-page chapter; the first layout makes none, which a guess would waste),
  and writes the PDF a layout from the right start writes, byte for byte. A
  part that prints the page number of one of its own anchors (a cross-reference within the chapter: that
  number is in its text) is laid out again when its guess was wrong;
- the main matter's parts go to the worker pool in order (`_FirstRound`). A worker sends the layout of its
  part (page count, the page of each anchor) to the build as soon as it is done, through a socket of the
  build's own (`Asking`), and waits for its numbers: the start page follows from the page counts of the
  parts before it, which went to the pool first, so the earliest waiting part never waits for one that has
  not started; its cross-references are to parts laid out before it;
- footnote numbers are counted in the HTML, before any layout;
- the front matter, which prints every other part's page numbers (the contents, the lists), goes last, as
  soon as every layout of the main matter is known, while the last parts are still being written.

What each render gives is kept in the render cache (cache.py): the PDF under the hash of the part's HTML,
its numbers and everything else that decides its bytes ("part"), and its layout (page count and anchors)
under the same without the start page ("layout"). A rebuild walks the parts in order: a part whose numbers
are known is taken from the cache when its PDF is there; a part whose layout is there but whose start page
depends on a part being laid out again waits for that part's page count (so an edit that moves no page
count renders only the edited parts, and an edit that does also renders the parts after it, without
laying them out to find their page counts). The numbers a part was rendered with are checked at the end
against the page counts and anchors of every rendered part; a part whose numbers moved (a cross-reference to
a later part, or a number whose width moved a page break) is rendered again, to a fixed point (reached in
one round on the example).

A part is a chapter, or a few entries of the register of partner inputs (`register_parts`): the register is
a third of the example's pages and every input edit lands in it, so as one part it made an input edit cost
half a cold build. print.css opens each register entry on a new page (but the first, after the annex's
introduction), so a part can begin at any entry and break its pages where the whole document breaks them.
Its first part keeps the annex's heading and introduction; each other part is a section of the same classes
without the annex's id, and prints the annex's title at the head of its pages (`running_head`: the whole
document prints the string the annex's h1 set, which the part does not hold). The merge puts those parts'
bookmarks under the annex's, as a whole render nests them; the structure tree needs nothing: WeasyPrint
tags each page's boxes apart, a section on each page it spans. Parts hold `ENTRIES_PER_PART` entries each,
counted from the register's first entry (`entry_groups`), chosen by measurement on the example (40 entries
of a page each; rendering the register's parts in one worker, and merging the whole PDF):

    entries a part   parts   register CPU   per part   merge    PDF
    40 (one part)    1       1.85 s         1.85 s     0.21 s   1.08 MB
    8                5       1.64 s         0.33 s     0.18 s   1.16 MB
    4                10      1.66 s         0.17 s     0.23 s   1.24 MB
    1                40      2.13 s         0.05 s     0.22 s   1.65 MB

A part's own cost (its HTML parsed, the styles cascaded, a round trip to the build) is about 0.01 s, and
smaller documents lay out faster, so parts of four cost a cold render nothing and an input edit renders
0.17 s of PDF, on either worker. (The file grew with the parts, each carrying its own subsets of the fonts,
until the parts embedded their fonts whole and the merge kept one copy of each: part_fonts.py.)
Counting by position, not at entries whose ID hashes to a boundary: an edit of an input's text moves no
entry between parts either way, and fixed counts keep every part at most four entries (on the example's 40
entries, a boundary after each entry whose id's sha256 is 0 mod 4 made parts of 1 to 10 entries; with two
other salts the longest held 8 and 11). An input added or withdrawn in the middle of the register moves
the entries after it between parts, which are then rendered again; an input added last, the usual case,
changes the last part only.

`_renumbered` relies on WeasyPrint's layout context and margin boxes (not public API; WeasyPrint is pinned,
and the tests compare the bytes with a layout from the right start).

`merge` joins the parts' PDFs with pikepdf: pages, the structure tree (one Document element; the parent
tree renumbered as WeasyPrint numbers it, pages first, then annotations), the named destinations, the
outline, the page labels; the catalog, the XMP metadata and the document information are the first main
part's (every part has the same head); one copy of each font program (part_fonts.share_font_programs). It
goes in two steps (`MainMatter`): the main matter's parts are joined while the front matter, which goes
last, still renders, and the front matter is put first once it is done. Saved with a deterministic /ID: a
merge of the same parts is the same bytes, whichever way the parts came.

Only an edition whose chapters do not open on a right-hand page (the reading edition) can be split: a blank
page to make a chapter open on the right belongs to no part.
"""

from __future__ import annotations

import copy
import dataclasses
import html
import io
import itertools
import os
import queue
import re
import threading
from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Listener
from pathlib import Path
from typing import TYPE_CHECKING

from ..cache import Entry, RenderCache, folders_fingerprint, render_key, versions
from ..problems import Problem, ProblemsFound
from .part_fonts import whole_fonts
from .pdf import (PdfEdition, PdfPlace, RenderedPdf, _declare_pdf_ua, _header_scopes, _roman, import_renderer,
                  off_the_page, places_in, prepared, print_stylesheets, printed_numbers)

if TYPE_CHECKING:
    from .part_merge import MainMatter

# A link into another part, as the part's HTML gives it to WeasyPrint: an external link, so that WeasyPrint
# keeps it, in a scheme no page can hold (print_markup.print_url lets only http, https and mailto through), so
# that the merge turns back into links to named destinations exactly these.
PART_LINK = "x-strategy-part:"
PLACEHOLDER_PAGE = "00"
# print.css prints these links' target page with target-counter(); a part prints a given number instead.
NUMBERS_CSS = ("nav.toc a[data-page]::after, nav.list-of a[data-page]::after"
               " { content: attr(data-page) !important; }"
               ' a.xref[data-page]::after { content: " (page " attr(data-page) ")" !important; }')
MAX_ROUNDS = 4


@dataclass(frozen=True)
class Part:
    """One part of the print HTML: the front matter, or one chapter or annex of the main matter."""

    name: str  # "front", or the section's id ("ch-vision")
    body: str  # its HTML inside <body>, with its matter's div
    ids: frozenset[str]  # the anchors it holds
    footnotes: int  # how many footnotes it has
    prints_own_pages: bool  # prints the page number of an anchor of its own (target-counter, its start's digits)
    # A part that continues a chapter (the register's second part on): the chapter's title, which it prints at
    # the head of its pages where the whole document prints the title its h1 set; "" for any other part.
    running_head: str = ""


@dataclass(frozen=True)
class Split:
    head: str  # everything up to and with <body …>
    parts: list[Part]


@dataclass(frozen=True)
class Layout:
    """What a part's layout says: its pages and the anchors on each."""

    pages: int
    anchors: dict[str, int]  # anchor -> page index in the part


@dataclass(frozen=True)
class PartRender:
    pages: int
    anchors: dict[str, int]
    places: list[dict]  # PdfPlace fields; section "" before the part's first bookmark
    last_section: str


@dataclass(frozen=True)
class PartTask:
    """One part to render, as a worker gets it (and its render is keyed in the cache)."""

    html: str
    start: int  # the printed number of its first page (main matter); 1 for the front matter
    footnotes_before: int
    main: bool
    locate: dict[str, str]
    running_head: str = ""  # Part.running_head


@dataclass(frozen=True)
class Renderer:
    """What every part of one edition is rendered with."""

    base_folder: Path
    font_css: Path
    allowed_folders: tuple[Path, ...]
    edition: PdfEdition
    draft: bool
    pdf_name: str  # the output's name, for problems


_FRONT = '<div class="front-matter">'
_MAIN = '</div><div class="main-matter">'
_END = "</div></body></html>"
_SECTION = re.compile(r'(?=<section class="chapter (?:numbered|annex)")')
_ID = re.compile(r'\bid="([^"]+)"')
_FOOTNOTE = re.compile(r'<span class="footnote"')
# The register of partner inputs' section (outline.PrintChapter.slug of chapters/markdown.REGISTER; not imported:
# the chapters package is not for the build's process) and its entries, the h2s with ids of its own.
REGISTER = "ch-partner-inputs"
_ENTRY = re.compile(rf'(?=<h2 id="{REGISTER}--)')
ENTRIES_PER_PART = 4  # measured (module docstring): an input edit renders 0.17 s of PDF; a cold render no more


def can_split(edition: PdfEdition) -> bool:
    """A part starts on its own first page: editions that open chapters on a right-hand page cannot be split."""
    return "right" not in edition.extra_css and "left" not in edition.extra_css


def split_document(document_html: str) -> Split:
    """The print HTML (print_html.print_document) as its front matter and each section of its main matter,
    the register annex in parts of a few entries each (register_parts)."""
    head, rest = document_html.split(_FRONT, 1)
    front, main = rest.split(_MAIN, 1)
    main = main[:main.rindex(_END)]
    found = [_part("front", f"{_FRONT}{front}</div>")]
    for section in _SECTION.split(main):
        if not section:
            continue
        name = _ID.search(section).group(1)
        if name == REGISTER:
            found += register_parts(section)
        else:
            found.append(_part(name, f'<div class="main-matter">{section}</div>'))
    return Split(head, found)


def register_parts(section: str) -> list[Part]:
    """The register annex's section as parts of entries (entry_groups): the first with the annex's heading and
    introduction, the others each in a section of the same classes without its id, printing the annex's title
    at the head of their pages as the whole document does there."""
    opening, inside = section.split(">", 1)
    end = inside.rindex("</section>")
    introduction, *entries = _ENTRY.split(inside[:end])
    bounds = [0, *itertools.accumulate(entry_groups([_ID.search(entry).group(1) for entry in entries]))]
    groups = [entries[start:end] for start, end in zip(bounds, bounds[1:])] or [[]]
    continued, title = re.sub(r'\s+id="[^"]*"', "", opening), _running_head(introduction)
    found = []
    for number, group in enumerate(groups):
        inner = "".join(group) + (inside[end:] if number == len(groups) - 1 else "</section>")
        if number == 0:
            found.append(_part(REGISTER, f'<div class="main-matter">{opening}>{introduction}{inner}</div>'))
        else:
            found.append(_part(_ID.search(group[0]).group(1), f'<div class="main-matter">{continued}>{inner}</div>',
                               title))
    return found


def entry_groups(ids: list[str]) -> list[int]:
    """How many of the register's entries (by their anchors, in order) go in each part."""
    return [len(ids[i:i + ENTRIES_PER_PART]) for i in range(0, len(ids), ENTRIES_PER_PART)]


def _running_head(introduction: str) -> str:
    """The chapter's title as print.css sets it for the page heads (`string-set: chapter content(text)` on the
    h1): the text of its text boxes run together, as WeasyPrint joins them, its spaces collapsed."""
    heading = re.search(r"<h1\b[^>]*>(.*?)</h1>", introduction, re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]*>", "", heading.group(1))).split()) if heading else ""


def _part(name: str, body: str, running_head: str = "") -> Part:
    ids = frozenset(_ID.findall(body))
    numbered = "".join(_NUMBERED.findall(body))
    own = any(match.group(2) in ids for match in _LINK.finditer(numbered)) or any(
        match.group(2) in ids and 'class="xref"' in match.group(1) + match.group(3) for match in _LINK.finditer(body))
    return Part(name, body, ids, len(_FOOTNOTE.findall(body)), own, running_head)


_LINK = re.compile(r'<a\b([^>]*?)\bhref="#([^"]+)"([^>]*)>')
_NUMBERED = re.compile(r'<nav class="(?:toc|list-of)[^"]*"[^>]*>.*?</nav>', re.S)


def part_html(split: Split, part: Part, pages_of: Mapping[str, str] | None) -> str:
    """The part as a document of its own: its links into other parts rewritten (PART_LINK), and those that
    print their target's page given it (`pages_of`: anchor -> printed page; None: placeholders)."""
    def link(match: re.Match, numbered: bool) -> str:
        before, target, after = match.groups()
        if target in part.ids:
            return match.group(0)
        page = ""
        if numbered or 'class="xref"' in before + after:
            page = f' data-page="{html.escape((pages_of or {}).get(target, PLACEHOLDER_PAGE))}"'
        return f'<a{before}href="{PART_LINK}{target}"{page}{after}>'

    def numbered_nav(match: re.Match) -> str:
        return _LINK.sub(lambda m: link(m, True), match.group(0))

    body = _NUMBERED.sub(numbered_nav, part.body)
    # Links outside the contents and the lists (an xref, a link to a paragraph in another chapter)
    body = "".join(piece if piece.startswith("<nav") else _LINK.sub(lambda m: link(m, False), piece)
                   for piece in _split_keep(_NUMBERED, body))
    return f"{split.head}{body}</body></html>\n"


def _split_keep(pattern: re.Pattern, text: str) -> list[str]:
    pieces, last = [], 0
    for match in pattern.finditer(text):
        pieces += [text[last:match.start()], match.group(0)]
        last = match.end()
    return [*pieces, text[last:]]


# ---------- In the worker ----------

_LOADED: dict = {}  # the worker's stylesheets and fonts, by Renderer: loaded once, used for every part
_CONTEXT: list = []  # the layout context of the worker's last layout (_laid_out), for _renumbered
_WITHOUT_MARGINS: list = []  # not empty: the layout under way makes no margin boxes (_laid_out)


@dataclass(frozen=True)
class Asking:
    """How a worker asks the build for a part's numbers once its layout is done (multiprocessing.connection:
    a socket of the build's own, with a key). `renumber`: the part prints no page number of its own in its
    text, so a wrong start page is mended in its page margins alone (_renumbered), without a new layout."""

    address: str
    authkey: bytes
    name: str
    renumber: bool

    def numbers(self, layout: Layout) -> PartTask | None:
        """The part's task with its numbers as the whole document gives them; None: the build gave up."""
        with Client(self.address, authkey=self.authkey) as connection:
            connection.send((self.name, layout.pages, layout.anchors))
            return connection.recv()


def _worker_render(renderer: Renderer, task: PartTask, asking: Asking | None = None
                   ) -> tuple[PartRender, bytes, PartTask, int] | None:
    """Lay out one part (in a worker process) and write its PDF: (what it says, its PDF, the task as written,
    how many layouts it took). With `asking`, the layout's page count and anchors go to the build first and
    the build answers with the part's numbers, which may differ from the guessed ones in `task` (module
    docstring). A problem's "(N of the PDF)" counts from the part's first page: the build adds the rest."""
    # Asking, the page margins wait for the part's numbers: made once, with the right ones (_renumbered).
    document = _laid_out(renderer, task, margins=asking is None)
    layouts = 1
    if asking is not None:
        final = asking.numbers(_layout(document))
        if final is None:
            return None
        if final == task or (asking.renumber and final == dataclasses.replace(task, start=final.start)):
            _renumbered(document, final.start - task.start)
        else:
            document = _laid_out(renderer, final)
            layouts += 1
        task = final
    count = len(document.pages)
    printed = [_roman(n + 1) for n in range(count)] if not task.main else printed_numbers(count, 0, task.start)
    if problems := off_the_page(document.pages, 0, task.locate, renderer.pdf_name, printed):
        raise ProblemsFound(problems)
    output = io.BytesIO()
    with whole_fonts():  # each font whole: the merge keeps one copy of it for every part (part_fonts)
        document.write_pdf(output, pdf_variant=renderer.edition.variant, pdf_tags=True,
                           finisher=lambda doc, pdf: _finish_part(pdf, renderer.edition))
    for page in document.pages:  # links into other parts are links inside the document
        page.links[:] = [("internal", target[len(PART_LINK):], rect, box)
                         if kind == "external" and target.startswith(PART_LINK) else (kind, target, rect, box)
                         for kind, target, rect, box in page.links]
    places = places_in(document.pages, printed, task.locate)
    sections = [label for page in document.pages for _, label, _, _ in page.bookmarks]
    layout = _layout(document)
    _CONTEXT.clear()  # the layout's boxes are no longer needed: not kept in the worker until its next part
    return (PartRender(count, layout.anchors, [vars(p) for p in places], sections[-1] if sections else ""),
            output.getvalue(), task, layouts)


def _laid_out(renderer: Renderer, task: PartTask, margins: bool = True):
    """The part laid out by WeasyPrint with the task's numbers (its layout context kept in _CONTEXT); without
    `margins`, its pages have no margin boxes and no backgrounds laid out yet: _renumbered makes them."""
    import_renderer()
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from .fetcher import AssetFetcher
    from .pdf import PRINT_CSS

    if renderer not in _LOADED:
        _keep_layout_contexts()
        fetcher = AssetFetcher([*renderer.allowed_folders, PRINT_CSS.parent])
        fonts = FontConfiguration()
        _LOADED[renderer] = (fetcher, fonts, print_stylesheets(renderer.font_css, fetcher, fonts, renderer.draft,
                                                               renderer.edition.extra_css)
                             + [CSS(string=NUMBERS_CSS, url_fetcher=fetcher, font_config=fonts)])
    fetcher, fonts, stylesheets = _LOADED[renderer]
    starts = (f"@page :nth(1 of main) {{ counter-set: page {task.start}; }}"
              f" html {{ counter-reset: footnote {task.footnotes_before}; }}{_running_head_css(task.running_head)}")
    _CONTEXT.clear()
    _WITHOUT_MARGINS[:] = [] if margins else [True]
    try:
        return HTML(string=task.html, base_url=f"{renderer.base_folder.resolve().as_uri()}/",
                    url_fetcher=fetcher).render(
            stylesheets=[*stylesheets, CSS(string=starts, url_fetcher=fetcher, font_config=fonts)], font_config=fonts)
    finally:
        _WITHOUT_MARGINS.clear()


def _running_head_css(title: str) -> str:
    """What a part that continues a chapter prints at the head of its pages: the title, where print.css prints
    the string its h1 set (`string(chapter, first-except)`), which the part does not hold."""
    if not title:
        return ""
    quoted = title.replace("\\", "\\\\").replace('"', '\\"')
    return f' @page {{ @top-left {{ content: "{quoted}"; }} }}'


def _layout(document) -> Layout:
    anchors: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for name in page.anchors:
            anchors.setdefault(name, index)
    return Layout(len(document.pages), anchors)


def _keep_layout_contexts() -> None:
    """Keep the layout context of each WeasyPrint render in _CONTEXT: _renumbered needs its page states.
    WeasyPrint (pinned) passes the context only to layout_document, which Document._render calls by this
    module-level name. And lay out no margin boxes or backgrounds while _WITHOUT_MARGINS says so:
    layout_document calls both by their names in its module, once the pages are broken."""
    import weasyprint.document
    import weasyprint.layout

    laying_out = weasyprint.document.layout_document
    if getattr(laying_out, "keeps_context", False):
        return

    def layout_document(html, root_box, context, *args, **kwargs):
        _CONTEXT[:] = [context]
        yield from laying_out(html, root_box, context, *args, **kwargs)

    layout_document.keeps_context = True
    weasyprint.document.layout_document = layout_document
    making, laying_backgrounds = weasyprint.layout.make_margin_boxes, weasyprint.layout.layout_backgrounds
    weasyprint.layout.make_margin_boxes = lambda *args: () if _WITHOUT_MARGINS else making(*args)
    weasyprint.layout.layout_backgrounds = lambda *args: None if _WITHOUT_MARGINS else laying_backgrounds(*args)


def _renumbered(document, shift: int) -> None:
    """The laid-out part with its page numbers `shift` higher: only the page margins print them (the part
    prints none in its text), and WeasyPrint makes the margin boxes last, once the pages are broken, from each
    page's counters; they are made again here from the same counters shifted. Page breaks do not depend on
    the start page (the reading edition has no :left/:right rules), so the PDF is byte for byte the one a
    layout from the right start writes (tested)."""
    from weasyprint.formatting_structure.boxes import MarginBox
    from weasyprint.layout.background import layout_backgrounds
    from weasyprint.layout.page import make_margin_boxes

    context = _CONTEXT[0]
    for index, page in enumerate(document.pages):
        box = page._page_box
        state = copy.deepcopy(context.page_maker[index + 1][3])
        state[1]["page"] = [value + shift for value in state[1]["page"]]
        context.current_page = index + 1
        box.children = (*[child for child in box.children if not isinstance(child, MarginBox)],
                        *make_margin_boxes(context, box, state))
        layout_backgrounds(box, context.get_image_from_uri)


def _finish_part(pdf, edition: PdfEdition) -> None:
    _header_scopes(pdf)
    if edition.also_ua:
        _declare_pdf_ua(pdf)


# ---------- In the build ----------

def render_in_parts(document_html: str, renderer: Renderer, output: Path, renders: RenderCache, pool: Executor,
                    locate: Mapping[str, str] | None = None, key_parts: tuple = ()) -> RenderedPdf:
    """Render the print HTML to `output` part by part, each from `renders` when its key is known, else in
    `pool` (worker processes), and merge them: the same RenderedPdf as render_pdf gives for the whole
    document. `key_parts`: what else decides every part's bytes (renderer_key)."""
    return _render_in_parts(document_html, renderer, output, renders, pool, dict(locate or {}), key_parts)


def _render_in_parts(document_html: str, renderer: Renderer, output: Path, renders: RenderCache, pool: Executor,
                     locate: dict[str, str], key_parts: tuple) -> RenderedPdf:
    split = split_document(prepared(document_html, renderer.font_css))
    label = f"{renderer.edition.name} PDF"
    first_round = _FirstRound(split, renderer, renders, pool, locate, key_parts, label)
    rendered, tasks = first_round.run()
    main_matter = first_round.main_matter  # merged while the front matter rendered
    # The safety net: numbers that a layout in the first round moved (a forward cross-reference, a page
    # count changed by a number's width) are worked out again from the rendered parts, to a fixed point.
    for _ in range(MAX_ROUNDS):
        counts = [rendered[p.name][0].pages for p in split.parts]
        exact = _render_tasks(split, counts, [rendered[p.name][0].anchors for p in split.parts], locate)
        again = [(name, task, index) for name, task, index in exact if task != tasks[name]]
        if not again:
            break
        rendered |= _run(pool, renders, f"{label} part", again, renderer, key_parts)
        tasks |= {name: task for name, task, _ in again}
        main_matter = None  # a part rendered again: merged afresh
    else:
        raise AssertionError("page numbers of the parts did not settle")  # not seen; a bug if ever
    from .part_merge import merge  # pikepdf: loaded when a PDF is merged, not with the build

    if main_matter is not None:
        merged = main_matter.with_front(rendered[split.parts[0].name][1], counts[0])
    else:
        merged = merge([rendered[p.name][1] for p in split.parts], counts[0],
                       [number for number, part in enumerate(split.parts) if part.running_head])
    output.write_bytes(merged)
    return RenderedPdf(sum(counts), _places(split, [rendered[p.name][0] for p in split.parts]))


class _FirstRound:
    """Every part laid out once, in the worker pool, with its numbers known or guessed (module docstring).

    The main matter's parts go to the pool in order. A part whose start page is known (every part before it
    laid out, or its layout known from the render cache) is looked up in the cache first. Each worker sends
    its part's layout here (Asking) and waits for the part's numbers, which are known once every part before
    it has sent its layout: parts before it went to the pool first, so the earliest waiting part never waits
    for a part that has not started. The front matter, which prints everyone's page numbers, goes last, as
    soon as every layout of the main matter is known."""

    def __init__(self, split: Split, renderer: Renderer, renders: RenderCache, pool: Executor,
                 locate: dict[str, str], key_parts: tuple, label: str) -> None:
        self.split, self.renderer, self.renders, self.pool = split, renderer, renders, pool
        self.locate, self.key_parts, self.label = locate, key_parts, label
        self.main = [part for part in split.parts if part.name != "front"]
        self.events: queue.Queue = queue.Queue()
        self.layouts: dict[str, Layout] = {}
        self.results: dict[str, tuple[PartRender, bytes]] = {}
        self.tasks: dict[str, PartTask] = {}
        self.asked: dict[str, tuple] = {}  # part -> (the task it was given, the worker's connection)
        self.deferred: list[Part] = []  # parts whose layout the cache knows, waiting for their start page
        self.running: set[str] = set()
        self.kept_layouts: set[str] = set()  # the keys of the layouts in the cache (found there or kept)
        self.problems: dict[str, list[Problem]] = {}
        self.failure: BaseException | None = None
        self.front_done = False
        self.main_matter: "MainMatter | None" = None  # the main matter's parts merged, once all are rendered

    def run(self) -> tuple[dict[str, tuple[PartRender, bytes]], dict[str, PartTask]]:
        authkey = os.urandom(32)  # only this build's workers may answer
        with Listener(family="AF_UNIX", authkey=authkey) as listener:
            threading.Thread(target=self._listen, args=(listener,), daemon=True).start()
            self.address, self.authkey = listener.address, authkey
            for part in self.main:
                self._start(part)
            self._settle()
            while self.running:
                self._handle(self.events.get())
                self._settle()
                self._merge_main_matter()
            with Client(self.address, authkey=authkey) as connection:  # the listening thread's last call
                connection.send((None, 0, {}))
        if self.failure is not None:
            raise self.failure
        if self.problems:
            raise ProblemsFound(self._problems_in_the_pdf())
        return self.results, self.tasks

    def _merge_main_matter(self) -> None:
        """Merge the main matter's parts once all are rendered, while the front matter still renders (it
        goes last): the merge's first step, off the end of the render."""
        if self.main_matter is None and self.failure is None and not self.problems \
                and "front" in self.running and all(p.name in self.results for p in self.main):
            from .part_merge import MainMatter

            self.main_matter = MainMatter([self.results[p.name][1] for p in self.main],
                                          [number for number, part in enumerate(self.main) if part.running_head])

    def _problems_in_the_pdf(self) -> list[Problem]:
        """Every part's problems at once, in page order, each page counted in the whole PDF (as one render)."""
        found, first_index = [], 0
        for part in self.split.parts:
            found += [_in_the_pdf(problem, first_index) for problem in self.problems.get(part.name, [])]
            first_index += self.layouts[part.name].pages if part.name in self.layouts else 0
        return found

    # --- the numbers

    def _start_page(self, part: Part) -> int | None:
        """The printed number of the part's first page, if every main part before it is laid out."""
        start = 1
        for other in self.main:
            if other is part:
                return start
            if other.name not in self.layouts:
                return None
            start += self.layouts[other.name].pages
        raise ValueError(part.name)

    def _task(self, part: Part, start: int | None) -> PartTask:
        """The part's task with every number known now (placeholders for the others; `start` 1 if unknown)."""
        index = self.split.parts.index(part)
        footnotes = sum(other.footnotes for other in self.split.parts[:index])
        main = part.name != "front"
        return PartTask(part_html(self.split, part, self._known_pages()), (start or 1) if main else 1, footnotes,
                        main, self.locate, part.running_head)

    def _known_pages(self) -> dict[str, str]:
        """The printed page of every anchor whose page is known now: in the front matter once it is laid
        out, in the main matter up to the first part not laid out yet."""
        known = [p for p in self.split.parts if p.name == "front" and p.name in self.layouts]
        for part in self.main:
            if part.name not in self.layouts:
                break
            known.append(part)
        counts = [self.layouts[p.name].pages for p in known]
        return _pages_of(Split(self.split.head, known), counts, [self.layouts[p.name].anchors for p in known])

    def _layout_key(self, part: Part, task: PartTask) -> str:
        """The layout's key: the task without its start page where the layout cannot depend on it."""
        identity = task if part.prints_own_pages else dataclasses.replace(task, start=0, locate={})
        return render_key(f"{self.label} layout", identity, self.renderer.edition, self.renderer.draft,
                          self.key_parts)

    def _render_key(self, task: PartTask) -> str:
        return render_key(f"{self.label} part", task, self.renderer.edition, self.renderer.draft, self.key_parts)

    # --- the parts

    def _start(self, part: Part) -> None:
        start = self._start_page(part)
        if start is not None:
            if not self._from_cache(part, self._task(part, start)):
                self._submit(part, self._task(part, start), asking=True)
            return
        task = self._task(part, None)
        key = self._layout_key(part, task)
        if (found := self.renders.fetch(f"{self.label} layout {part.name}", key)) is not None:
            self.layouts[part.name] = Layout(**found.said)
            self.kept_layouts.add(key)
            self.deferred.append(part)
        else:
            self._submit(part, task, asking=True)

    def _from_cache(self, part: Part, task: PartTask) -> bool:
        found = self.renders.fetch(f"{self.label} part {part.name}", self._render_key(task))
        if found is None:
            return False
        result = PartRender(**found.said)
        self.results[part.name], self.tasks[part.name] = (result, found.files["pdf"]), task
        self.layouts[part.name] = Layout(result.pages, result.anchors)
        return True

    def _submit(self, part: Part, task: PartTask, asking: bool) -> None:
        ask = Asking(self.address, self.authkey, part.name, not part.prints_own_pages) if asking else None
        self.tasks[part.name] = task
        self.running.add(part.name)
        job = self.pool.submit(_worker_render, self.renderer, task, ask)
        job.add_done_callback(lambda done, name=part.name: self.events.put(("done", name, done)))

    def _keep_layout(self, part: Part, task: PartTask, layout: Layout) -> None:
        key = self._layout_key(part, task)
        self.kept_layouts.add(key)
        self.renders.keep(f"{self.label} layout {part.name}", key, Entry({}, vars(layout)))

    def _listen(self, listener: Listener) -> None:
        while True:
            try:
                connection = listener.accept()
                name, pages, anchors = connection.recv()
            except (OSError, EOFError, AuthenticationError):
                continue  # a worker stopped midway (a CPU limit), or a caller without the build's key
            if name is None:
                connection.close()
                return  # the round is over
            self.events.put(("laid out", name, (Layout(pages, anchors), connection)))

    def _handle(self, event: tuple) -> None:
        kind, name, said = event
        part = next(p for p in self.split.parts if p.name == name)
        if kind == "laid out":
            layout, connection = said
            self.layouts[name] = layout
            self._keep_layout(part, self.tasks[name], layout)
            self.asked[name] = (self.tasks[name], connection)
            return
        self.running.discard(name)
        try:
            done = said.result()
        except ProblemsFound as found:
            self.problems[name] = found.problems
            return
        except BaseException as failure:  # noqa: BLE001 - the build reports it (build._finished)
            self.failure = self.failure or failure
            return
        if done is None:
            return
        result, pdf, task, layouts = done
        if self._layout_key(part, task) not in self.kept_layouts:  # a layout not known before
            self._keep_layout(part, task, Layout(result.pages, result.anchors))
        self.layouts[name] = Layout(result.pages, result.anchors)
        self.results[name], self.tasks[name] = (result, pdf), task
        self.renders.keep(f"{self.label} part {name}", self._render_key(task), Entry({"pdf": pdf}, vars(result)))
        if layouts > 1:  # a guess that proved wrong: said beside the renders, for the tests and the log
            self.renders.rendered[f"{self.label} layout {name} again"] = None

    def _settle(self) -> None:
        """Answer the workers whose numbers are known now; start what can start."""
        for name, (task, connection) in list(self.asked.items()):
            part = next(p for p in self.split.parts if p.name == name)
            if self.failure is not None:
                answer = None
            elif (start := self._start_page(part)) is None:
                continue
            else:
                answer = self._task(part, start)
            try:
                connection.send(answer)
            except OSError:
                pass  # the worker is gone: its job says why
            connection.close()
            del self.asked[name]
        if self.failure is not None:
            return  # nothing more is started; the running parts finish
        for part in list(self.deferred):
            if (start := self._start_page(part)) is not None:
                self.deferred.remove(part)
                if not self._from_cache(part, self._task(part, start)):
                    self._submit(part, self._task(part, start), asking=False)
        if not self.front_done and all(p.name in self.layouts for p in self.main):
            self.front_done = True
            front = self.split.parts[0]
            if not self._from_cache(front, self._task(front, 1)):
                self._submit(front, self._task(front, 1), asking=False)


def _render_tasks(split: Split, counts: list[int], anchors: list[dict[str, int]],
                  locate: dict[str, str]) -> list[tuple[str, PartTask, int]]:
    pages_of = _pages_of(split, counts, anchors)
    tasks, start, index, footnotes = [], 1, 0, 0
    for part, count in zip(split.parts, counts):
        main = part.name != "front"
        tasks.append((part.name, PartTask(part_html(split, part, pages_of), start if main else 1, footnotes, main,
                                          locate, part.running_head), index))
        start += count if main else 0
        index += count
        footnotes += part.footnotes
    return tasks


def _pages_of(split: Split, counts: list[int], anchors: list[dict[str, int]]) -> dict[str, str]:
    """Every anchor's printed page, as target-counter() would print it in the whole document."""
    found: dict[str, str] = {}
    start = 1
    for part, count, where in zip(split.parts, counts, anchors):
        main = part.name != "front"
        for name, index in where.items():
            found.setdefault(name, str(start + index) if main else _roman(index + 1))
        start += count if main else 0
    return found


def _places(split: Split, rendered: list[PartRender]) -> list[PdfPlace]:
    """The parts' places, in order, each section carried over from the part before (as one render finds them)."""
    places: list[PdfPlace] = []
    section = ""
    for result in rendered:
        for place in result.places:
            found = PdfPlace(**{**place, "section": place["section"] or section})
            if found not in places:
                places.append(found)
        section = result.last_section or section
    return places


def _run(pool: Executor, renders: RenderCache, label: str, tasks: list[tuple[str, PartTask, int]], renderer: Renderer,
         key_parts: tuple) -> dict[str, tuple]:
    """Each task's result from the cache, or from the pool; (result, pdf bytes) by part name."""
    results: dict[str, tuple] = {}
    waiting = {}
    for name, task, first_index in tasks:
        # The folders' paths are a build's private ones (their files are in `key_parts`, by content); the PDF's
        # name is only in problems, which a cached part has none of.
        key = render_key(label, task, renderer.edition, renderer.draft, key_parts)
        if (found := renders.fetch(f"{label} {name}", key)) is not None:
            results[name] = (PartRender(**found.said), found.files["pdf"])
        else:
            waiting[name] = (key, first_index, pool.submit(_worker_render, renderer, task))
    problems = []
    for name, (key, first_index, job) in waiting.items():
        try:
            result, pdf, _, _ = job.result()
        except ProblemsFound as found:  # every part's problems at once, in page order, as one render says them
            problems += [_in_the_pdf(problem, first_index) for problem in found.problems]
            continue
        renders.keep(f"{label} {name}", key, Entry({"pdf": pdf}, vars(result)))
        results[name] = (result, pdf)
    if problems:
        raise ProblemsFound(problems)
    return results


_PLACE_IN_PDF = re.compile(r"\((\d+) of the PDF\)")


def _in_the_pdf(problem: Problem, first_index: int) -> Problem:
    """A part's problem with its page counted in the whole PDF (the worker counts from the part's first)."""
    found = _PLACE_IN_PDF.sub(lambda m: f"({int(m.group(1)) + first_index} of the PDF)", problem.found or "")
    return dataclasses.replace(problem, found=found) if problem.found else problem


def renderer_key(font_css: Path, allowed_folders: list[Path], source_date_epoch: int) -> tuple:
    """What decides every part's bytes besides its HTML and its task: files the renderer reads, versions."""
    return (source_date_epoch, font_css.read_bytes().decode("utf-8", "replace"), folders_fingerprint(allowed_folders),
            versions("weasyprint", "pydyf", "fonttools"))


def workers() -> int:
    """As many workers as cores, up to four (two on the machine the README's figures come from)."""
    return max(1, min(4, os.cpu_count() or 1))
