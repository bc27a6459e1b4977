"""Stage 3b: the chapters as one print HTML document.

Front matter (cover, title page, copyright page, the pages marked
`pdf: before-contents`, contents, lists of figures and tables, the other
front pages) in lower-roman page numbers; then the numbered chapters and the
annexes, numbered from 1. The order is the site navigation's (see outline.py).
"""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import markdown
from mkdocs.utils.meta import get_data

from .. import cache
from ..cache import KeptResults, RenderCache, fetch_results, keep_results, render_key, versions
from ..chapters import GENERATED_FOLDER, Audience
from ..chapters.abbreviations import abbreviation_definitions
from ..chapters.macros import expand_macros, first_body_line
from ..chapters.markdown import long_date
from ..inputs import StrategyInputs
from ..inputs.records import Publication
from ..paragraphs import Paragraph, number_paragraphs, numbered_paragraphs
from ..problems import Problem, ProblemsFound, display_path
from ..safe_html import clean_html
from ..typeset import smart_text
from .outline import PrintChapter
from .print_markup import Caption, Heading, PrintMarkup, print_url

# The id of the first page of the main matter: where arabic page numbers start.
MAIN_MATTER_ID = "main-matter"


@dataclass
class RenderedChapter:
    chapter: PrintChapter
    html: str
    before_contents: bool = False
    headings: list[Heading] = field(default_factory=list)
    captions: list[Caption] = field(default_factory=list)


def render_chapters(chapters: list[PrintChapter], extensions: dict[str, Any], docs_dir: Path,
                    inputs: StrategyInputs, audience: Audience, project_root: Path,
                    generated: Mapping[str, str] | None = None,
                    only: Collection[str] | None = None) -> list[RenderedChapter]:
    """Markdown -> HTML for every chapter meant for print (pages with `pdf: false` are skipped).

    `generated` holds the generated chapters by their path in the docs folder ("generated/partners.md"),
    as this build made them for its audience: a page under docs/generated is taken from there, never from
    the disk, where another command may have left chapters for another audience. `only` renders just the
    pages of those paths, their links to the others resolved as in the whole document."""
    problems: list[Problem] = []
    loaded = []
    for chapter in chapters:
        path = docs_dir / chapter.path
        if chapter.path.startswith(f"{GENERATED_FOLDER}/"):
            source = (generated or {}).get(chapter.path)
        else:
            source = path.read_text(encoding="utf-8") if path.is_file() else None
        if source is None:
            problems.append(Problem(display_path(path, project_root), None, None,
                                    "a chapter file named in the nav of mkdocs.yml", "nothing there"))
            continue
        body, meta = get_data(source)
        if meta.get("pdf") is False:
            continue
        loaded.append((chapter, path, source, body, meta))
    in_print = {c.path: c for c, *_ in loaded}
    abbreviations = abbreviation_definitions(inputs, audience)
    kept = _kept_chapters(audience)
    rendered = []
    for chapter, path, source, body, meta in loaded:
        if only is not None and chapter.path not in only:
            continue
        if not meta.get("generated"):
            try:
                body = expand_macros(body, inputs, audience, file=display_path(path, project_root),
                                     page_path=chapter.path,
                                     first_line=first_body_line(source, body))
            except ProblemsFound as found:
                problems += found.problems
                continue
        rendered.append(_rendered(chapter, in_print, body + abbreviations, extensions,
                                  meta.get("pdf") == "before-contents", kept))
    if problems:
        raise ProblemsFound(problems)
    if kept is not None:
        _save_kept_chapters(audience)
    return rendered


PRINT_CHAPTERS = "print chapters"  # the store's name in the render cache
_LIBRARIES = ("markdown", "pymdown-extensions", "nh3")
# The store of the build running in this process (by its render cache, held so that its id stays its own).
_KEPT: dict[tuple, tuple[RenderCache, KeptResults]] = {}


def _kept_chapters(audience: Audience) -> KeptResults | None:
    """The pages' print HTML kept in the active render cache (a build's, cache.using) for `audience`: one entry
    per audience holding each page's rendering under the hash of everything it is made from (its Markdown
    with the macros expanded for the audience, the pages in print, the extensions; the package's code and the
    libraries' versions are in the entry's key), so that a build in a new process renders for print only the
    pages whose Markdown changed. Read once per build; None outside a build."""
    if (renders := cache.active()) is None:
        return None
    where = (id(renders), audience)
    if where not in _KEPT:
        _KEPT.clear()
        _KEPT[where] = (renders, fetch_results(_store(renders), PRINT_CHAPTERS, _store_key(audience)))
    return _KEPT[where][1]


def _save_kept_chapters(audience: Audience) -> None:
    """Keep what this build used so far, when it rendered something new (else the entry already holds that)."""
    renders, kept = _KEPT[(id(cache.active()), audience)]
    if kept.made:
        keep_results(_store(renders), PRINT_CHAPTERS, _store_key(audience), kept)
        kept.made = 0  # the build's next pages are kept with these, should they hold new ones


def _store(renders: RenderCache) -> RenderCache:
    """A render cache of its own for the store: it is not an output, so it is not among what the build says it
    rendered or reused; its entry still counts as used by this build when the cache is pruned."""
    return RenderCache(renders.folder, renders.audience)


def _store_key(audience: Audience) -> str:
    return render_key(PRINT_CHAPTERS, audience.value, versions(*_LIBRARIES))


# Each chapter's rendering by everything it is made from, for the process: `mkdocs serve` compares this edition
# with the previous one on every rebuild (changes.site_changes), and after an edit only the edited chapter is new.
_RENDERED: dict[tuple, RenderedChapter] = {}
RENDERED_KEPT = 256  # chapters: a few editions and audiences of a large document


def _rendered(chapter: PrintChapter, in_print: dict[str, PrintChapter], body: str, extensions: dict[str, Any],
              before_contents: bool, kept: KeptResults | None = None) -> RenderedChapter:
    """A chapter's Markdown (macros expanded, abbreviations added) as print HTML, with its headings and captions.
    Its links resolve against the pages in print; a new copy each time (callers may change theirs). From this
    process's memory, else from `kept` (the render cache's, for a build in a new process), else rendered."""
    key = (chapter, tuple(in_print.items()), body, repr(extensions), before_contents)
    found = _RENDERED.get(key)
    if kept is not None:
        said = kept.result(key, lambda: _said(found or _render(chapter, in_print, body, extensions, before_contents)))
        found = found or _from_said(chapter, said)
    elif found is None:
        found = _render(chapter, in_print, body, extensions, before_contents)
    if key not in _RENDERED:
        while len(_RENDERED) >= RENDERED_KEPT:
            _RENDERED.pop(next(iter(_RENDERED)))
        _RENDERED[key] = found
    return copy.deepcopy(found)


def _render(chapter: PrintChapter, in_print: dict[str, PrintChapter], body: str, extensions: dict[str, Any],
            before_contents: bool) -> RenderedChapter:
    markup = PrintMarkup(chapter, in_print)
    md = markdown.Markdown(extensions=[*extensions, markup], extension_configs=extensions)
    # As on the site (plugin.on_page_content): only allow-listed markup reaches the PDF renderer, and of
    # links and images only those a PDF may hold.
    text = clean_html(md.convert(body), attribute_filter=print_url)
    return RenderedChapter(chapter, text, before_contents, markup.found.headings, markup.found.captions)


def _said(rendered: RenderedChapter) -> dict:
    """A rendering as the store keeps it (JSON)."""
    return {"html": rendered.html, "before_contents": rendered.before_contents,
            "headings": [vars(h) for h in rendered.headings], "captions": [vars(c) for c in rendered.captions]}


def _from_said(chapter: PrintChapter, said: dict) -> RenderedChapter:
    return RenderedChapter(chapter, said["html"], said["before_contents"], [Heading(**h) for h in said["headings"]],
                           [Caption(**c) for c in said["captions"]])


def print_document(publication: Publication, rendered: list[RenderedChapter], changed: Collection[str] = (),
                   since: str = "") -> str:
    """The whole print HTML, ready for WeasyPrint.

    `changed` names the pages (their paths in the docs folder) that changed since the previous edition,
    `since` (its label, "Draft 1"); the contents mark those chapters."""
    e = html.escape
    edition = publication.edition
    head = "".join([
        f'<meta charset="utf-8"><title>{e(publication.title)}: {e(publication.subtitle)}</title>',
        f'<meta name="author" content="{e(publication.author)}">',
        f'<meta name="description" content="{e(publication.subject)}">',
        f'<meta name="keywords" content="{e(", ".join(publication.keywords))}">',
        f'<meta name="dcterms.created" content="{edition.date.isoformat()}">',
        f'<meta name="dcterms.modified" content="{edition.date.isoformat()}">',
    ])
    if publication.numbers_paragraphs:  # the site numbers them in the same step (website/plugin.py)
        rendered = [numbered(r) for r in rendered]
    front = [r for r in rendered if r.chapter.role == "front"]
    main = [r for r in rendered if r.chapter.role != "front"]
    captions = [c for r in rendered for c in r.captions]
    front_html = "".join([
        _cover(publication), _title_page(publication), _rights_page(publication),
        *(_section(r) for r in front if r.before_contents),
        _contents(rendered, changed, since),
        _list_of("figure", "Figures", captions), _list_of("table", "Tables", captions),
        *(_section(r) for r in front if not r.before_contents),
    ])
    main_html = "".join(_section(r, first=(i == 0)) for i, r in enumerate(main))
    document = (f'<!DOCTYPE html>\n<html lang="{e(publication.language)}"><head>{head}</head>'
                f'<body class="{"edition-final" if edition.final else "edition-draft"}">'
                f'<div class="front-matter">{front_html}</div><div class="main-matter">{main_html}</div>'
                "</body></html>\n")
    return _paragraph_links(_resolve_cross_references(document, captions))


def edition_paragraphs(mkdocs_yml: Path, docs_dir: Path, inputs: StrategyInputs, audience: Audience,
                       project_root: Path, generated: Callable[[], Mapping[str, str]],
                       chapters: Collection[str] | None = None) -> list[Paragraph]:
    """The numbered paragraphs that a build for `audience` prints, in document order, with their sections:
    the chapters rendered and numbered as `print_document` does, without the rest of the document.

    `chapters` limits the work to the chapters of those numbers ("4"); `generated` gives the generated
    chapters' Markdown for that audience (chapters.text_chapters), asked for only if one of them is needed."""
    from .outline import document_outline

    outline, extensions = document_outline(mkdocs_yml)
    wanted = [c for c in outline if c.role == "chapter" and (chapters is None or c.number in chapters)]
    made = generated() if any(c.path.startswith(f"{GENERATED_FOLDER}/") for c in wanted) else {}
    rendered = render_chapters(wanted, extensions, docs_dir, inputs, audience, project_root, made)
    return [paragraph for item in rendered for paragraph in numbered_paragraphs(numbered(item).html)]


def numbered(item: RenderedChapter) -> RenderedChapter:
    """The chapter with its body paragraphs numbered as the outputs number them (paragraphs.py)."""
    number = item.chapter.number if item.chapter.role == "chapter" else ""
    return RenderedChapter(item.chapter, number_paragraphs(item.html, number), item.before_contents,
                           item.headings, item.captions)


def _section(item: RenderedChapter, first: bool = False) -> str:
    classes = {"front": "chapter front-matter", "chapter": "chapter numbered", "annex": "chapter annex"}
    marker = f'<a id="{MAIN_MATTER_ID}"></a>' if first else ""
    return (f'<section class="{classes[item.chapter.role]}" id="{item.chapter.slug}">{marker}'
            f"{item.html}</section>")


def _cover(p: Publication) -> str:
    date = long_date(p.edition.date)
    return _page_of_lines("cover", [("programme", p.programme), ("title", p.title), ("subtitle", p.subtitle),
                                    ("edition", p.edition.label), ("date", date), ("publisher", p.publisher)],
                          heading="title")


def _title_page(p: Publication) -> str:
    edition = f"{p.edition.label} · {long_date(p.edition.date)}"
    return _page_of_lines("title-page", [("programme", p.programme), ("title", p.title), ("subtitle", p.subtitle),
                                         ("edition", edition), ("publisher", p.publisher)])


def _page_of_lines(kind: str, lines: list[tuple[str, str]], heading: str | None = None) -> str:
    """A page of single lines, each with its class (`cover-title`, `title-page-edition`, …)."""
    parts = []
    for name, text in lines:
        tag = "h1" if name == heading else "p"
        parts.append(f'<{tag} class="{kind}-{name}">{html.escape(smart_text(text))}</{tag}>')
    return f'<section class="{kind}">{"".join(parts)}</section>'


def _rights_page(p: Publication) -> str:
    e = lambda text: html.escape(smart_text(text))  # noqa: E731 (typographic quotes, as in the chapters)
    r = p.rights
    return ('<section class="rights-page">'
            f'<p>© {e(r.holder)} {r.year}<br>{e(p.edition.label)}, {e(long_date(p.edition.date))}</p>'
            f'<p class="licence"><strong>{e(r.licence)}.</strong> {e(r.licence_text)}</p>'
            f'<p class="citation"><strong>Required citation:</strong> {e(r.citation)}</p>'
            f'<p class="isbn">ISBN {e(r.isbn)}</p>'
            f'<p class="disclaimer">{e(r.disclaimer)}</p>'
            "</section>")


# After a changed chapter's title in the contents, and in the legend under the heading.
CHANGED_MARK = "changed"  # audit.TOC_CHANGED_MARK reads it


def _contents(rendered: list[RenderedChapter], changed: Collection[str] = (), since: str = "") -> str:
    items = []
    for item in rendered:
        top = next((h for h in item.headings if h.level == 1), None)
        if top is None:
            continue
        chapter = item.chapter
        number = {"chapter": chapter.number, "annex": f"Annex {chapter.number}"}.get(chapter.role, "")
        number_html = f'<span class="toc-number">{html.escape(number)}</span> ' if number else ""
        subs = [h for h in item.headings if h.level == 2] if chapter.role == "chapter" else []
        inner = "".join(f'<li class="toc-level-2"><a href="#{h.id}">{html.escape(h.text)}</a></li>' for h in subs)
        # The number and the mark stay outside the link: WeasyPrint tags each element inside a link as its own
        # annotation under a Span, not under the Link (PDF/UA, Matterhorn 28-011; Kozea/WeasyPrint issue 185).
        # A word, boxed (print.css): it reads in greyscale, and is text to a screen reader.
        mark = f' <span class="toc-changed">{CHANGED_MARK}</span>' if chapter.path in changed else ""
        items.append(f'<li class="toc-level-1 toc-{chapter.role}">{number_html}<a href="#{top.id}">'
                     f'{html.escape(top.text)}</a>{mark}' + (f"<ol>{inner}</ol>" if inner else "") + "</li>")
    legend = ""
    if any(item.chapter.path in changed for item in rendered):
        what = f"since {html.escape(since)}" if since else "since the previous edition"
        legend = (f'<p class="toc-legend"><span class="toc-changed">{CHANGED_MARK}</span> marks the chapters '
                  f"changed {what}</p>")
    return (f'<nav class="toc" id="contents"><h1 class="toc-title">Contents</h1>{legend}'
            f'<ol>{"".join(items)}</ol></nav>')


def _list_of(kind: str, title: str, captions: list[Caption]) -> str:
    entries = [c for c in captions if c.kind == kind]
    if not entries:
        return ""
    items = "".join(f'<li><span class="caption-label">{html.escape(c.label)}</span> '
                    f'<a href="#{c.id}">{html.escape(c.text)}</a></li>' for c in entries)
    return (f'<nav class="list-of list-of-{kind}s" id="list-of-{kind}s">'
            f'<h1 class="toc-title">{title}</h1><ol>{items}</ol></nav>')


# A "the" just before the link goes with the words it replaces: "the [table below]" prints "Table 2.3".
_XREF = re.compile(r'(\b[Tt]he\s+)?<a (?=[^>]*\bclass="xref")[^>]*\bhref="#([^"]+)"[^>]*>(.*?)</a>', re.S)


def _resolve_cross_references(document: str, captions: list[Caption]) -> str:
    """`[the words](page.md#tbl-x){: .xref }` prints as "Table 2.3 (page 27)", which reads as part of the
    sentence ("Table 2.3 (page 27) compares them"); the stylesheet adds the page."""
    labels = {c.id: c.label for c in captions}

    def replace(match: re.Match) -> str:
        label = labels.get(match.group(2))
        if label is None:
            return match.group(0)
        return f'<a class="xref" href="#{match.group(2)}">{html.escape(label)}</a>'

    return _XREF.sub(replace, document)


# A link from one chapter to a numbered paragraph of another ("vision.md#para-4.6", in the comment-response
# matrix) comes out of print_markup with the chapter's prefix; a paragraph's id has none ("para-4.6"), so
# that it is the same on the site and in print.
_PARAGRAPH_LINK = re.compile(r'href="#[a-z0-9-]+--(para-[0-9A-Za-z.]+)"')


def _paragraph_links(document: str) -> str:
    """Links to numbered paragraphs pointed at the paragraphs' own ids."""
    return _PARAGRAPH_LINK.sub(r'href="#\1"', document)
