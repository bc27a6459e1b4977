"""Stage 3b: the chapters as one print HTML document (cover, contents, chapters).

The chapter order comes from the site navigation in mkdocs.yml, so the site
and the PDF never disagree about what is in the document. Every id is
prefixed with its chapter's slug and every link between pages is rewritten to
point inside the one document, so links and page references work in the PDF.
"""

from __future__ import annotations

import html
import posixpath
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import markdown
import yaml
from mkdocs.utils.meta import get_data

from ..chapters import Audience
from ..chapters.macros import expand_macros
from ..chapters.markdown import long_date
from ..inputs import StrategyInputs
from ..inputs.records import Publication
from ..problems import Problem, ProblemsFound, display_path


@dataclass(frozen=True)
class PrintChapter:
    """One page of the site as it appears in the PDF."""

    path: str  # inside the docs folder, as in the nav
    title: str
    role: str  # "front", "chapter" or "annex"

    @property
    def slug(self) -> str:
        return "ch-" + Path(self.path).stem


@dataclass
class Heading:
    level: int
    id: str
    text: str


@dataclass
class RenderedChapter:
    chapter: PrintChapter
    html: str
    headings: list[Heading] = field(default_factory=list)


def document_outline(mkdocs_yml: Path) -> tuple[list[PrintChapter], dict[str, Any]]:
    """The chapters in nav order, and the Markdown extensions the site uses."""
    config = yaml.load(mkdocs_yml.read_text(encoding="utf-8"), Loader=_IgnoreTagsLoader)
    chapters = []
    for entry in config.get("nav", []):
        (title, target), = entry.items()
        if isinstance(target, str):
            chapters.append(PrintChapter(target, title, "front"))
        else:
            role = "annex" if title.strip().lower() == "annexes" else "chapter"
            for sub in target:
                (sub_title, sub_target), = sub.items()
                chapters.append(PrintChapter(sub_target, sub_title, role))
    return chapters, _extensions(config.get("markdown_extensions", []))


def render_chapters(chapters: list[PrintChapter], extensions: dict[str, Any], docs_dir: Path,
                    inputs: StrategyInputs, audience: Audience, project_root: Path) -> list[RenderedChapter]:
    """Markdown -> HTML for every chapter meant for print (pages with `pdf: false` are skipped)."""
    problems: list[Problem] = []
    loaded = []
    for chapter in chapters:
        path = docs_dir / chapter.path
        if not path.is_file():
            problems.append(Problem(display_path(path, project_root), None, None,
                                    "a chapter file named in the nav of mkdocs.yml", "nothing there"))
            continue
        source = path.read_text(encoding="utf-8")
        body, meta = get_data(source)
        if meta.get("pdf") is False:
            continue
        loaded.append((chapter, path, source, body, meta))
    in_print = {c.path: c for c, *_ in loaded}
    rendered = []
    for chapter, path, source, body, meta in loaded:
        if not meta.get("generated"):
            try:
                body = expand_macros(body, inputs, audience, file=display_path(path, project_root),
                                     page_path=chapter.path,
                                     first_line=max(1, source.count("\n") - body.count("\n") + 1))
            except ProblemsFound as found:
                problems += found.problems
                continue
        rendered.append(_to_html(chapter, body, extensions, in_print))
    if problems:
        raise ProblemsFound(problems)
    return rendered


def print_document(publication: Publication, rendered: list[RenderedChapter]) -> str:
    """The whole print HTML: cover, contents, then each chapter in its section."""
    edition = publication.edition
    e = html.escape
    head = [
        f'<meta charset="utf-8"><title>{e(publication.title)}: {e(publication.subtitle)}</title>',
        f'<meta name="author" content="{e(publication.author)}">',
        f'<meta name="description" content="{e(publication.subject)}">',
        f'<meta name="keywords" content="{e(", ".join(publication.keywords))}">',
        f'<meta name="dcterms.created" content="{edition.date.isoformat()}">',
        f'<meta name="dcterms.modified" content="{edition.date.isoformat()}">',
    ]
    cover = (
        '<section class="cover">'
        f'<p class="cover-programme">{e(publication.programme)}</p>'
        f'<h1 class="cover-title">{e(publication.title)}</h1>'
        f'<p class="cover-subtitle">{e(publication.subtitle)}</p>'
        f'<p class="cover-edition">{e(edition.label)}</p>'
        f'<p class="cover-date">{e(long_date(edition.date))}</p>'
        f'<p class="cover-publisher">{e(publication.publisher)}</p>'
        "</section>"
    )
    body_class = "edition-final" if edition.final else "edition-draft"
    sections = []
    for item in rendered:
        classes = {"front": "chapter front-matter", "chapter": "chapter numbered", "annex": "chapter annex"}
        sections.append(f'<section class="{classes[item.chapter.role]}" id="{item.chapter.slug}">'
                        f"{item.html}</section>")
    return (f'<!DOCTYPE html>\n<html lang="{e(publication.language)}"><head>{"".join(head)}</head>'
            f'<body class="{body_class}">{cover}{_contents(rendered)}{"".join(sections)}</body></html>\n')


def _contents(rendered: list[RenderedChapter]) -> str:
    items = []
    for item in rendered:
        top = next((h for h in item.headings if h.level == 1), None)
        if top is None:
            continue
        subs = [h for h in item.headings if h.level == 2] if item.chapter.role != "annex" else []
        inner = "".join(f'<li class="toc-level-2"><a href="#{h.id}">{html.escape(h.text)}</a></li>' for h in subs)
        role = item.chapter.role
        items.append(f'<li class="toc-level-1 toc-{role}"><a href="#{top.id}">{html.escape(top.text)}</a>'
                     + (f"<ol>{inner}</ol>" if inner else "") + "</li>")
    return f'<nav class="toc" id="contents"><h1 class="toc-title">Contents</h1><ol>{"".join(items)}</ol></nav>'


def _to_html(chapter: PrintChapter, body: str, extensions: dict[str, Any],
             in_print: dict[str, PrintChapter]) -> RenderedChapter:
    links = _PrintLinks(chapter, in_print)
    md = markdown.Markdown(extensions=[*extensions, links], extension_configs=extensions)
    text = md.convert(body)
    return RenderedChapter(chapter, text, links.headings)


class _PrintLinks(markdown.Extension):
    """Prefix ids with the chapter slug and point links between pages inside the document."""

    def __init__(self, chapter: PrintChapter, in_print: dict[str, PrintChapter]):
        super().__init__()
        self.chapter = chapter
        self.in_print = in_print
        self.headings: list[Heading] = []

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        md.treeprocessors.register(_PrintLinksProcessor(md, self), "strategy-print-links", 1)


class _PrintLinksProcessor(markdown.treeprocessors.Treeprocessor):
    def __init__(self, md: markdown.Markdown, ext: _PrintLinks):
        super().__init__(md)
        self.ext = ext

    def run(self, root: etree.Element) -> None:
        slug = self.ext.chapter.slug
        for element in root.iter():
            if "id" in element.attrib:
                element.set("id", f"{slug}--{element.get('id')}")
            if element.tag == "a" and "href" in element.attrib:
                target = self._target(element.get("href"))
                if target is None:
                    del element.attrib["href"]
                else:
                    element.set("href", target)
            if element.tag in ("h1", "h2") and element.get("id"):
                text = "".join(element.itertext()).strip()
                self.ext.headings.append(Heading(int(element.tag[1]), element.get("id"), text))

    def _target(self, href: str) -> str | None:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc:
            return href if parts.scheme in ("http", "https", "mailto") else None
        current = self.ext.chapter
        if not parts.path:
            return f"#{current.slug}--{parts.fragment}" if parts.fragment else f"#{current.slug}"
        path = posixpath.normpath(posixpath.join(posixpath.dirname(current.path), unquote(parts.path)))
        target = self.ext.in_print.get(path)
        if target is None:
            return None  # a page that is not in the PDF: keep the words, drop the link
        return f"#{target.slug}--{parts.fragment}" if parts.fragment else f"#{target.slug}"


def _extensions(configured: list) -> dict[str, Any]:
    """mkdocs.yml's markdown_extensions as {name: config}, without web-only permalinks."""
    out: dict[str, Any] = {}
    for entry in configured:
        name, options = (entry, {}) if isinstance(entry, str) else next(iter(entry.items()))
        out[name] = dict(options or {})
    if "toc" in out:
        out["toc"]["permalink"] = False
    return out


class _IgnoreTagsLoader(yaml.SafeLoader):
    """mkdocs.yml may use !ENV or !!python/name tags; the outline needs neither."""


_IgnoreTagsLoader.add_multi_constructor("", lambda loader, suffix, node: None)
_IgnoreTagsLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
