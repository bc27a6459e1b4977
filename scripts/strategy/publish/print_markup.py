"""The site's HTML of one chapter, reshaped for print.

A Markdown tree processor, run last, that makes one chapter fit into one
document: ids are prefixed with the chapter's slug and links between pages
point inside the document; images resolve from the docs folder; footnotes
move to where they are called so that they print at the foot of their page;
tables and figures get their numbers ("Table 2.3"); headings are collected
for the contents and the chapter heading gets its number.

`print_url` then decides, for every link and image of the finished HTML (raw
HTML in author pages included, which the tree processor never sees), what a PDF
may hold: WeasyPrint resolves any other address against the docs folder, so
`<a href="/etc/passwd">` would become a file:// link naming the build machine.
"""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import markdown

from ..typeset import reader_text
from .outline import PrintChapter

# Between a chapter's slug and an id of its own: "ch-partner-inputs--pi-004". Slugs hold no "--".
PREFIX_SEPARATOR = "--"

# The only links a PDF or Word version may hold besides those inside the document.
OUTSIDE_LINK_SCHEMES = ("http", "https", "mailto")


def print_url(tag: str, attribute: str, value: str) -> str | None:
    """The value an attribute keeps in print, or None to drop it (the words of a link stay, an image prints
    its alt text). Links: inside the document (`#…`) or to the web; images: paths inside the docs folder,
    which the renderers' own rules then check."""
    if (tag, attribute) == ("a", "href"):
        parts = urlsplit(value.strip())
        inside = value.strip().startswith("#") and len(value.strip()) > 1
        outside = parts.scheme in OUTSIDE_LINK_SCHEMES and bool(parts.netloc or parts.scheme == "mailto")
        return value if inside or outside else None
    if (tag, attribute) == ("img", "src"):
        parts = urlsplit(value.strip())
        path = posixpath.normpath(unquote(parts.path)) if parts.path else ""
        escapes = path in ("", ".", "..") or path.startswith(("/", "../")) or "\\" in value
        relative = not parts.scheme and not parts.netloc and not escapes
        return value if relative else None
    return value


@dataclass
class Heading:
    level: int
    id: str
    text: str


@dataclass
class Caption:
    """A numbered table or figure, for the lists of tables and figures and for cross-references."""

    kind: str  # "table" or "figure"
    id: str
    label: str  # "Table 2.3"
    text: str


@dataclass
class ChapterMarkup:
    """What the tree processor learnt about one chapter while reshaping it."""

    headings: list[Heading] = field(default_factory=list)
    captions: list[Caption] = field(default_factory=list)


class PrintMarkup(markdown.Extension):
    def __init__(self, chapter: PrintChapter, in_print: dict[str, PrintChapter]):
        super().__init__()
        self.chapter = chapter
        self.in_print = in_print
        self.found = ChapterMarkup()

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        # Priority 1: after footnotes (50), attribute lists (8) and the table of contents (5) have run.
        md.treeprocessors.register(_Reshape(md, self), "strategy-print-markup", 1)


class _Reshape(markdown.treeprocessors.Treeprocessor):
    def __init__(self, md: markdown.Markdown, ext: PrintMarkup):
        super().__init__(md)
        self.ext = ext
        self.chapter = ext.chapter

    def run(self, root: etree.Element) -> None:
        self._inline_footnotes(root)
        self._number_captions(root)
        slug = self.chapter.slug
        for element in root.iter():
            if "id" in element.attrib:
                element.set("id", prefixed(slug, element.get("id")))
            if element.tag == "a" and "href" in element.attrib:
                target = self._link(element.get("href"))
                if target is None:
                    del element.attrib["href"]
                else:
                    element.set("href", target)
            if element.tag == "img" and element.get("src"):
                element.set("src", self._image(element.get("src")))
        for element in root.iter():
            if element.tag in ("h1", "h2") and element.get("id"):
                text = reader_text(element, self.md)
                self.ext.found.headings.append(Heading(int(element.tag[1]), element.get("id"), text))
        self._number_heading(root)

    # Links and images -------------------------------------------------------------------------

    def _link(self, href: str) -> str | None:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc:
            return href if parts.scheme in ("http", "https", "mailto") else None
        if not parts.path:
            return f"#{prefixed(self.chapter.slug, parts.fragment)}" if parts.fragment else f"#{self.chapter.slug}"
        path = posixpath.normpath(posixpath.join(posixpath.dirname(self.chapter.path), unquote(parts.path)))
        target = self.ext.in_print.get(path)
        if target is None:
            return None  # a page that is not in the PDF: keep the words, drop the link
        return f"#{prefixed(target.slug, parts.fragment)}" if parts.fragment else f"#{target.slug}"

    def _image(self, src: str) -> str:
        """Image paths relative to the docs folder, which is the print document's base."""
        parts = urlsplit(src)
        if parts.scheme or parts.netloc or src.startswith("/"):
            return src  # the renderer's fetcher decides; remote and absolute paths are refused there
        return posixpath.normpath(posixpath.join(posixpath.dirname(self.chapter.path), unquote(parts.path)))

    # Footnotes --------------------------------------------------------------------------------

    def _inline_footnotes(self, root: etree.Element) -> None:
        """Move each footnote's text to its call, where `float: footnote` prints it at the page foot."""
        container = next((d for d in root.iter("div") if "footnote" in d.get("class", "").split()), None)
        if container is None:
            return
        notes: dict[str, etree.Element] = {}
        for item in container.iter("li"):
            if item.get("id"):
                notes[item.get("id")] = item
        parents = {child: parent for parent in root.iter() for child in parent}
        for sup in list(root.iter("sup")):
            link = next(iter(sup), None)
            if link is None or link.tag != "a" or "footnote-ref" not in link.get("class", ""):
                continue
            note = notes.get(link.get("href", "").lstrip("#"))
            if note is None:
                continue
            span = etree.Element("span", {"class": "footnote"})
            _copy_inline(note, span)
            parent = parents[sup]
            index = list(parent).index(sup)
            span.tail = sup.tail
            parent.remove(sup)
            parent.insert(index, span)
        parents[container].remove(container)

    # Numbers ----------------------------------------------------------------------------------

    def _number_captions(self, root: etree.Element) -> None:
        prefix = f"{self.chapter.label}." if self.chapter.label else ""
        counts = {"table": 0, "figure": 0}
        for element in root.iter():
            classes = element.get("class", "").split()
            if element.tag == "div" and "data-table" in classes:
                caption = next((p for p in element if "table-caption" in p.get("class", "")), None)
                kind = "table"
            elif element.tag == "figure":
                caption = next((c for c in element if c.tag == "figcaption"), None)
                kind = "figure"
            else:
                continue
            if caption is None or not element.get("id"):
                continue
            counts[kind] += 1
            label = f"{kind.capitalize()} {prefix}{counts[kind]}"
            text = reader_text(caption, self.md)
            number = etree.Element("span", {"class": "caption-label"})
            number.text = label
            number.tail = " " + (caption.text or "").lstrip()
            caption.text = None
            caption.insert(0, number)
            self.ext.found.captions.append(Caption(kind, prefixed(self.chapter.slug, element.get("id")), label, text))

    def _number_heading(self, root: etree.Element) -> None:
        heading = next(root.iter("h1"), None)
        if heading is None or not self.chapter.number:
            return
        label = self.chapter.number if self.chapter.role == "chapter" else f"Annex {self.chapter.number}"
        number = etree.Element("span", {"class": "heading-number"})
        number.text = label
        number.tail = " " + (heading.text or "").lstrip()
        heading.text = None
        heading.insert(0, number)


def prefixed(slug: str, site_id: str) -> str:
    """An id of the site made unique in the print document, which holds every chapter."""
    return f"{slug}{PREFIX_SEPARATOR}{site_id}"


def unprefixed(print_id: str) -> str:
    """The id an element has on the site, from its id in the print document ("ch-x--pi-004" -> "pi-004")."""
    return print_id.split(PREFIX_SEPARATOR, 1)[-1]


def _copy_inline(note: etree.Element, target: etree.Element) -> None:
    """A footnote's paragraphs, joined, without the back-link."""
    for paragraph in [p for p in note if p.tag == "p"] or [note]:
        if target.text is None and len(target) == 0:
            target.text = paragraph.text
        else:
            _append_text(target, " " + (paragraph.text or ""))
        for child in paragraph:
            if child.tag == "a" and "footnote-backref" in child.get("class", ""):
                _append_text(target, child.tail or "")
                continue
            target.append(child)


def _append_text(target: etree.Element, text: str) -> None:
    if len(target):
        target[-1].tail = (target[-1].tail or "") + text
    else:
        target.text = (target.text or "") + text
