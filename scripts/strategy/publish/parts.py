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

Two passes find those values: a layout (no PDF) of each part with placeholder numbers gives its page count
and the page of each anchor; each part is then rendered with the numbers filled in; were a page count to
change with them, the values are worked out again from the rendered counts (a fixed point, reached in one
round on the example). Both are kept in the render cache (cache.py) under the hash of the part's HTML, the
values given to it and everything else that decides its bytes, so an edit to one chapter lays out and
renders that chapter again, and the front matter only if a number it prints moved.

`merge` joins the parts' PDFs with pikepdf: pages, the structure tree (one Document element; the parent
tree renumbered as WeasyPrint numbers it, pages first, then annotations), the named destinations, the
outline, the page labels; the catalog, the XMP metadata and the document information are the front part's
(every part has the same head). Saved with a deterministic /ID: a merge of the same parts is the same bytes.

Only an edition whose chapters do not open on a right-hand page (the reading edition) can be split: a blank
page to make a chapter open on the right belongs to no part.
"""

from __future__ import annotations

import html
import io
import os
import re
import warnings
from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from ..cache import Entry, RenderCache, folders_fingerprint, render_key, versions
from ..problems import ProblemsFound
from .pdf import (PdfEdition, PdfPlace, RenderedPdf, _declare_pdf_ua, _header_scopes, _roman,
                  off_the_page, places_in, prepared, print_stylesheets, printed_numbers)

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
    """One part to lay out (`pdf` False) or render, as a worker gets it."""

    html: str
    start: int  # the printed number of its first page (main matter); 1 for the front matter
    footnotes_before: int
    main: bool
    pdf: bool
    locate: dict[str, str] = field(default_factory=dict)


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


def can_split(edition: PdfEdition) -> bool:
    """A part starts on its own first page: editions that open chapters on a right-hand page cannot be split."""
    return "right" not in edition.extra_css and "left" not in edition.extra_css


def split_document(document_html: str) -> Split:
    """The print HTML (print_html.print_document) as its front matter and each section of its main matter."""
    head, rest = document_html.split(_FRONT, 1)
    front, main = rest.split(_MAIN, 1)
    main = main[:main.rindex(_END)]
    bodies = [f"{_FRONT}{front}</div>"] + [f'<div class="main-matter">{section}</div>'
                                            for section in _SECTION.split(main) if section]
    names = ["front"] + [_ID.search(body).group(1) for body in bodies[1:]]
    return Split(head, [Part(name, body, frozenset(_ID.findall(body)), len(_FOOTNOTE.findall(body)))
                        for name, body in zip(names, bodies)])


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


def _worker_render(renderer: Renderer, task: PartTask, first_index: int) -> tuple[Layout | PartRender, bytes]:
    """Lay out or render one part (in a worker process); `first_index`: the place of its first page in the
    whole PDF, which only a problem's message names (so it is no part of the task, nor of its cache key)."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from .fetcher import AssetFetcher
    from .pdf import PRINT_CSS

    if renderer not in _LOADED:
        fetcher = AssetFetcher([*renderer.allowed_folders, PRINT_CSS.parent])
        fonts = FontConfiguration()
        _LOADED[renderer] = (fetcher, fonts, print_stylesheets(renderer.font_css, fetcher, fonts, renderer.draft,
                                                               renderer.edition.extra_css)
                             + [CSS(string=NUMBERS_CSS, url_fetcher=fetcher, font_config=fonts)])
    fetcher, fonts, stylesheets = _LOADED[renderer]
    starts = (f"@page :nth(1 of main) {{ counter-set: page {task.start}; }}"
              f" html {{ counter-reset: footnote {task.footnotes_before}; }}")
    document = HTML(string=task.html, base_url=f"{renderer.base_folder.resolve().as_uri()}/",
                    url_fetcher=fetcher).render(
        stylesheets=[*stylesheets, CSS(string=starts, url_fetcher=fetcher, font_config=fonts)], font_config=fonts)
    anchors = {}
    for index, page in enumerate(document.pages):
        for name in page.anchors:
            anchors.setdefault(name, index)
    if not task.pdf:
        return Layout(len(document.pages), anchors), b""
    count = len(document.pages)
    printed = [_roman(n + 1) for n in range(count)] if not task.main else printed_numbers(count, 0, task.start)
    if problems := off_the_page(document.pages, 0, task.locate, renderer.pdf_name, printed, first_index):
        raise ProblemsFound(problems)
    output = io.BytesIO()
    document.write_pdf(output, pdf_variant=renderer.edition.variant, pdf_tags=True,
                       finisher=lambda doc, pdf: _finish_part(pdf, renderer.edition))
    for page in document.pages:  # links into other parts are links inside the document
        page.links[:] = [("internal", target[len(PART_LINK):], rect, box)
                         if kind == "external" and target.startswith(PART_LINK) else (kind, target, rect, box)
                         for kind, target, rect, box in page.links]
    places = places_in(document.pages, printed, task.locate)
    sections = [label for page in document.pages for _, label, _, _ in page.bookmarks]
    return PartRender(count, anchors, [vars(p) for p in places], sections[-1] if sections else ""), output.getvalue()


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
    layouts = _run(pool, renders, f"{label} layout", [
        (part.name, PartTask(part_html(split, part, None), 1, 0, part.name != "front", False), 0)
        for part in split.parts], renderer, key_parts, Layout)
    counts = [layouts[p.name][0].pages for p in split.parts]
    anchors = [layouts[p.name][0].anchors for p in split.parts]
    for _ in range(MAX_ROUNDS):
        tasks = _render_tasks(split, counts, anchors, locate)
        rendered = _run(pool, renders, f"{label} part", tasks, renderer, key_parts, PartRender)
        new_counts = [rendered[p.name][0].pages for p in split.parts]
        new_anchors = [rendered[p.name][0].anchors for p in split.parts]
        if new_counts == counts and _pages_of(split, counts, new_anchors) == _pages_of(split, counts, anchors):
            break
        counts, anchors = new_counts, new_anchors
    else:
        raise AssertionError("page numbers of the parts did not settle")  # not seen; a bug if ever
    merged = merge([rendered[p.name][1] for p in split.parts], counts[0])
    output.write_bytes(merged)
    return RenderedPdf(sum(counts), _places(split, [rendered[p.name][0] for p in split.parts]))


def _render_tasks(split: Split, counts: list[int], anchors: list[dict[str, int]],
                  locate: dict[str, str]) -> list[tuple[str, PartTask, int]]:
    pages_of = _pages_of(split, counts, anchors)
    tasks, start, index, footnotes = [], 1, 0, 0
    for part, count in zip(split.parts, counts):
        main = part.name != "front"
        tasks.append((part.name, PartTask(part_html(split, part, pages_of), start if main else 1, footnotes, main,
                                          True, locate), index))
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
         key_parts: tuple, kind: type) -> dict[str, tuple]:
    """Each task's result from the cache, or from the pool; (result, pdf bytes) by part name."""
    results: dict[str, tuple] = {}
    waiting = {}
    for name, task, first_index in tasks:
        # The folders' paths are a build's private ones (their files are in `key_parts`, by content); the PDF's
        # name is only in problems, which a cached part has none of.
        key = render_key(label, task, renderer.edition, renderer.draft, key_parts)
        if (found := renders.fetch(f"{label} {name}", key)) is not None:
            results[name] = (kind(**found.said), found.files.get("pdf", b""))
        else:
            waiting[name] = (key, pool.submit(_worker_render, renderer, task, first_index))
    problems = []
    for name, (key, job) in waiting.items():
        try:
            result, pdf = job.result()
        except ProblemsFound as found:  # every part's problems at once, in page order, as one render says them
            problems += found.problems
            continue
        renders.keep(f"{label} {name}", key, Entry({"pdf": pdf} if pdf else {}, vars(result)))
        results[name] = (result, pdf)
    if problems:
        raise ProblemsFound(problems)
    return results


def renderer_key(font_css: Path, allowed_folders: list[Path], source_date_epoch: int) -> tuple:
    """What decides every part's bytes besides its HTML and its task: files the renderer reads, versions."""
    return (source_date_epoch, font_css.read_bytes().decode("utf-8", "replace"), folders_fingerprint(allowed_folders),
            versions("weasyprint", "pydyf", "fonttools"))


# ---------- The merge ----------

def merge(parts: list[bytes], main_start: int) -> bytes:
    """One PDF of the parts' PDFs, in order: the front part's catalog and metadata, every part's pages,
    tags, destinations and bookmarks; page labels i, ii, … then 1, 2, … from page `main_start`."""
    sources = [pikepdf.open(io.BytesIO(data)) for data in parts]
    out = sources[0]
    total = sum(len(source.pages) for source in sources)
    document = out.Root.StructTreeRoot.K[0]
    kids = Array()
    parent_tree: list[tuple[int, object]] = []
    annotation_key = total
    destinations: dict[str, object] = {}
    outline_items: list[Dictionary] = []
    outline_count = 0
    first_page = 0
    for number, source in enumerate(sources):
        own = number == 0
        copy = (lambda o: o) if own else (lambda o: _copied(out, o))
        part_document = source.Root.StructTreeRoot.K[0]
        part_kids = list(part_document.K)
        for kid in part_kids:  # their parent is the merged Document, not the part's
            if Name.P in kid:
                del kid[Name.P]
        if not own:
            with warnings.catch_warnings():  # the named destinations are merged below
                warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
                out.pages.extend(source.pages)
        pages = list(out.pages)[first_page:first_page + len(source.pages)]
        renumbered = {}  # the part's parent-tree key -> the merged one
        for index, page in enumerate(pages):
            renumbered[int(page.StructParents)] = first_page + index
            page.StructParents = first_page + index
        for page in pages:
            for annotation in page.get(Name.Annots, []):
                _link_across_parts(annotation)
                if Name.StructParent in annotation:
                    renumbered[int(annotation.StructParent)] = annotation_key
                    annotation.StructParent = annotation_key
                    annotation_key += 1
        nums = source.Root.StructTreeRoot.ParentTree.Nums
        for i in range(0, len(nums), 2):
            parent_tree.append((renumbered[int(nums[i])], copy(nums[i + 1])))
        for kid in part_kids:
            copied = copy(kid)
            copied.P = document
            kids.append(copied)
        if Name.Names in source.Root and Name.Dests in source.Root.Names:
            names = source.Root.Names.Dests.Names
            for i in range(0, len(names), 2):
                destinations.setdefault(str(names[i]), copy(names[i + 1]))
        if Name.Outlines in source.Root and Name.First in source.Root.Outlines:
            item = source.Root.Outlines.First
            while True:
                outline_items.append(copy(item))
                if Name.Next not in item:
                    break
                item = item.Next
            outline_count += int(source.Root.Outlines.get(Name.Count, 0))
        first_page += len(source.pages)
    document.K = kids
    root = out.Root
    root.StructTreeRoot.ParentTree = out.make_indirect(Dictionary(
        Nums=Array([v for key, value in sorted(parent_tree, key=lambda kv: kv[0]) for v in (key, value)])))
    if destinations:
        root.Names = Dictionary(Dests=Dictionary(Names=Array(
            [v for name in sorted(destinations) for v in (String(name), destinations[name])])))
    if outline_items:
        _link_outline(out, outline_items, outline_count)
    labels = Array([0, Dictionary(S=Name.r)])
    if main_start:
        labels.extend([main_start, Dictionary(S=Name.D)])
    root.PageLabels = Dictionary(Nums=labels)
    buffer = io.BytesIO()
    out.save(buffer, deterministic_id=True, compress_streams=True,
             object_stream_mode=pikepdf.ObjectStreamMode.generate)
    for source in sources:
        source.close()
    return buffer.getvalue()


def _copied(out: pikepdf.Pdf, value):
    """A part's object in the merged PDF (objects copied once: a page and a reference to it stay one)."""
    if isinstance(value, (Array, Dictionary)) and not value.is_indirect:
        if isinstance(value, Array):
            return Array([_copied(out, item) for item in value])
        return Dictionary({key: _copied(out, item) for key, item in value.items()})
    if isinstance(value, pikepdf.Object) and value.is_indirect:
        return out.copy_foreign(value)
    return value


def _link_across_parts(annotation: Dictionary) -> None:
    """A part's link into another part (PART_LINK) as WeasyPrint writes a link inside the document."""
    action = annotation.get(Name.A)
    if action is None or Name.URI not in action or not str(action.URI).startswith(PART_LINK):
        return
    target = str(action.URI)[len(PART_LINK):]
    del annotation[Name.A]
    annotation.Dest = String(target)
    annotation.Contents = String(target)


def _link_outline(out: pikepdf.Pdf, items: list[Dictionary], count: int) -> None:
    """The parts' top-level bookmarks as one outline, in order."""
    outlines = out.make_indirect(Dictionary(Count=count, First=items[0], Last=items[-1]))
    for previous, item in zip([None, *items], items):
        item.Parent = outlines
        if Name.Prev in item:
            del item[Name.Prev]
        if Name.Next in item:
            del item[Name.Next]
        if previous is not None:
            item.Prev = previous
            previous.Next = item
    out.Root.Outlines = outlines


def workers() -> int:
    """As many workers as cores, up to four (two on the machine the README's figures come from)."""
    return max(1, min(4, os.cpu_count() or 1))
