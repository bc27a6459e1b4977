"""A Markdown extension for what a publications officer looks at in a list and a table.

It is named in mkdocs.yml's markdown_extensions (`strategy.typeset`), so the site, the print edition (which
takes its extensions from there) and the check of partner text (chapters/markdown.py) all see it.

- A bulleted list whose items open with "(a)", "(b)", … (or "(i)", "(ii)", …), as legal texts number their
  clauses, becomes a lettered list: the letters are the markers (`<ol class="lettered" type="a">`), so
  that no bullet is drawn beside them ("• (a)"). The stylesheets set them in brackets; pandoc reads the
  `type` for the Word version, where publish/docx.py brackets them too.
- In a table, the columns whose every cell is short (a country with its code, a region, a number, an ID)
  get the class `short`, which keeps each of their cells on one line; a long column beside them wraps
  instead. A budget of characters keeps a table of many short columns inside the page.
"""

from __future__ import annotations

import html
import re
import threading
import xml.etree.ElementTree as etree

import markdown
from markdown.extensions.toc import render_inner_html, strip_tags

# A cell this long or shorter may keep to one line ("Côte d'Ivoire (CIV)", "Europe and Central Asia").
SHORT_CELL = 24
# The characters of all the short columns of one table together: about two thirds of a printed line of
# table text, so that the long columns keep room to wrap.
SHORT_COLUMNS_BUDGET = 60
LETTERED_CLASS = "lettered"
SHORT_CLASS = "short"

_ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv", "xv"]
_MARKER = re.compile(r"\(([a-z]{1,4})\)[ \u00a0]+")


class Typeset(markdown.Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        # Priority 6: after inline text (20) and attribute lists (8), before the print edition's reshaping (1).
        md.treeprocessors.register(_Typeset(md), "strategy-typeset", 6)


def makeExtension(**kwargs) -> Typeset:  # noqa: N802 (Markdown's API)
    return Typeset(**kwargs)


class _Typeset(markdown.treeprocessors.Treeprocessor):
    def run(self, root: etree.Element) -> None:
        for element in list(root.iter()):
            if element.tag == "ul":
                lettered(element)
            elif element.tag == "table":
                mark_short_columns(element, self.md)


def reader_text(element: etree.Element, md: markdown.Markdown) -> str:
    """An element's text as the reader sees it. Python-Markdown keeps raw HTML and the typographic quotes
    of smarty as placeholders in the tree until the end; they are put back here (tags dropped)."""
    return html.unescape(strip_tags(render_inner_html(element, md))).strip()


def _opening(item: etree.Element) -> tuple[etree.Element, str]:
    """The element whose text opens a list item (the item, or its first paragraph in a loose list)."""
    first = item[0] if len(item) and not (item.text or "").strip() and item[0].tag == "p" else item
    return first, first.text or ""


def lettered(element: etree.Element) -> None:
    """A bulleted list of "(a) …", "(b) …" items made a lettered list, its letters the markers."""
    items = [child for child in element if child.tag == "li"]
    if not items:
        return
    markers = [_MARKER.match(_opening(item)[1]) for item in items]
    if not all(markers):
        return
    letters = [m.group(1) for m in markers]
    if letters == [chr(ord("a") + i) for i in range(len(letters))]:
        kind = "a"
    elif letters == _ROMAN[:len(letters)]:
        kind = "i"
    else:
        return
    for item, marker in zip(items, markers):
        opening, text = _opening(item)
        opening.text = text[marker.end():]
    element.tag = "ol"
    element.set("type", kind)
    element.set("class", " ".join([*element.get("class", "").split(), LETTERED_CLASS]))


def mark_short_columns(table: etree.Element, md: markdown.Markdown) -> None:
    """The class `short` on every cell of the columns that may keep to one line."""
    rows = [row for row in table.iter("tr")]
    longest: dict[int, int] = {}
    for row in rows:
        for column, cell in enumerate(c for c in row if c.tag in ("th", "td")):
            length = len(" ".join(reader_text(cell, md).split()))
            longest[column] = max(longest.get(column, 0), length)
    chosen, used = set(), 0
    for column, length in sorted(longest.items(), key=lambda pair: pair[1]):
        if length > SHORT_CELL or used + length > SHORT_COLUMNS_BUDGET:
            break
        chosen.add(column)
        used += length
    if not chosen or len(chosen) == len(longest) == 1:
        return
    for row in rows:
        for column, cell in enumerate(c for c in row if c.tag in ("th", "td")):
            if column in chosen:
                cell.set("class", " ".join([*cell.get("class", "").split(), SHORT_CLASS]))


def smart_text(text: str) -> str:
    """Plain text (a title, a rights statement from strategy.yml, a glossary expansion) with the typographic
    quotes, apostrophes and dashes that Markdown's smarty gives the pages: "the ILO's name" -> "the ILO’s
    name". Text that Markdown would read as more than one paragraph of text is returned as it is."""
    escaped = re.sub(r"([\\`*_\[\]{}#|<>&!])", lambda m: f"&#{ord(m.group())};", text)
    rendered = _smarty().reset().convert(escaped)
    if not (rendered.startswith("<p>") and rendered.endswith("</p>")) or "<" in rendered[3:-4]:
        return text
    return html.unescape(rendered[3:-4])


_SMARTY = threading.local()


def _smarty() -> markdown.Markdown:
    """This thread's Markdown with smarty only: made once (making one is most of the time of a short text),
    reset before each text (the site and the Word version run in threads of their own)."""
    if (md := getattr(_SMARTY, "md", None)) is None:
        md = _SMARTY.md = markdown.Markdown(extensions=["smarty"])
    return md


_CAPTION = re.compile(r'(<p class="table-caption">)|(<figcaption>)')


def number_captions(page_html: str, label: str) -> str:
    """The site's captions numbered as the print edition numbers them (publish/print_markup.py): "Table 2.1",
    "Figure A1.2", per chapter (`label`: "2", "A1"; "" for a front page), tables and figures apart, so that a
    reviewer reading the site cites the number the PDF and the Word version print."""
    prefix = f"{label}." if label else ""
    counts = {"table": 0, "figure": 0}

    def number(match: re.Match) -> str:
        kind = "table" if match.group(1) else "figure"
        counts[kind] += 1
        return f'{match.group()}<span class="caption-label">{kind.capitalize()} {prefix}{counts[kind]}</span> '

    return _CAPTION.sub(number, page_html)
