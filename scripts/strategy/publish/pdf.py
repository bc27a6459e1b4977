"""Stage 4: print HTML -> PDF with WeasyPrint, reading only the project's assets.

Two editions come from one print HTML: the reading edition (tagged, PDF/UA-1,
chapters on a new page) and the archive edition (PDF/A-3a and PDF/UA-1, title
page and chapters on a right-hand page as in the printed book). Both carry
page labels that match the printed numbers: lower-roman front matter, arabic
from the first chapter, and a /Scope on every table header cell.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pydyf

from ..chapters.markdown import mentions
from ..glyphs import printable
from ..problems import Problem, ProblemsFound
from .print_html import MAIN_MATTER_ID
from .print_markup import unprefixed

if TYPE_CHECKING:  # WeasyPrint is imported where a PDF is rendered: the build's own process never needs it
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    from .fetcher import AssetFetcher

PRINT_CSS = Path(__file__).with_name("print.css")
# Printers need this much clear of every page edge; the layout audit (checks/audit.py) keeps the same margin.
PRINTABLE_MARGIN_MM = 10.0
PX_PER_MM = 96 / 25.4
DRAFT_CSS = Path(__file__).with_name("draft.css")


@dataclass(frozen=True)
class PdfEdition:
    name: str
    variant: str
    extra_css: str = ""
    also_ua: bool = False  # a PDF/A file that declares PDF/UA-1 as well (its tags are the reading edition's)


READING = PdfEdition("reading", "pdf/ua-1")
# The book as printed: the title page and every chapter open on a right-hand page, the copyright page is
# on the title page's back (the cover's back is left blank). As accessible as the reading edition.
ARCHIVE = PdfEdition("archive", "pdf/a-3a",
                     "section.title-page, section.chapter, nav.toc, nav.list-of { break-before: right; }"
                     " section.rights-page { break-before: left; }", also_ua=True)


@dataclass(frozen=True)
class PdfPlace:
    """Where an anchor of the site's pages ended up in the PDF: its own spot, or a link to it."""

    anchor: str  # as on the site: "pi-004"
    page: str  # the printed page number: "iv", "27"
    section: str  # the heading (as bookmarked) that the place falls under
    kind: str  # "entry" where the anchor is, "reference" where a link points to it or its label is printed


@dataclass(frozen=True)
class RenderedPdf:
    pages: int
    places: list[PdfPlace]


def import_renderer() -> None:
    """Import WeasyPrint (about 0.2 s), where a render starts, or in a render worker while it would wait
    anyway, not when its first part arrives.

    Its libraries are opened by their file names. WeasyPrint tries each library under the names of several
    platforms ("libgobject-2.0-0", "gobject-2.0", …, "libgobject-2.0.so.0"), and cffi looks up every name
    that is not a file with ctypes.util.find_library, which on Linux runs ldconfig, gcc and ld: about 200
    processes and 0.14 s of an import. Each library's last Linux name is a file name that the dynamic
    loader finds by itself, so the look-up is skipped (on Linux only; the same libraries load)."""
    if "weasyprint.pdf" in sys.modules:
        return
    with _library_names_not_looked_up():
        import weasyprint.document  # noqa: F401  (the modules a render and its PDF writing load)
        import weasyprint.pdf  # noqa: F401

    from . import fetcher  # noqa: F401


@contextmanager
def _library_names_not_looked_up() -> Iterator[None]:
    if not sys.platform.startswith("linux"):
        yield
        return
    import ctypes.util

    looking_up = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        yield
    finally:
        ctypes.util.find_library = looking_up


def render_pdf(document_html: str, base_folder: Path, font_css: Path, output: Path,
               allowed_folders: list[Path], edition: PdfEdition = READING, draft: bool = True,
               locate: Mapping[str, str] | None = None) -> RenderedPdf:
    """Render the print HTML to `output`; say how many pages it has and where each record in `locate` (its
    anchor on the site -> the label it prints as: "pi-004" -> "PI-004") appears.

    Characters the shipped fonts lack are shown as markers ("[U+1F600]"), so no system font reaches the PDF.
    Raise ProblemsFound, before anything is written, if text lies outside the printable area of a page,
    naming the page and the partner inputs printed on it."""
    import_renderer()
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    from .fetcher import AssetFetcher

    document_html = prepared(document_html, font_css)
    fetcher = AssetFetcher([*allowed_folders, PRINT_CSS.parent])
    # @font-face rules only count when the same font configuration reaches CSS() and write_pdf():
    # without it the self-hosted fonts are ignored and system fonts (if any) are used.
    fonts = FontConfiguration()
    stylesheets = print_stylesheets(font_css, fetcher, fonts, draft, edition.extra_css)
    document = HTML(string=document_html, base_url=f"{base_folder.resolve().as_uri()}/",
                    url_fetcher=fetcher).render(stylesheets=stylesheets, font_config=fonts)
    main_start = next((i for i, page in enumerate(document.pages) if MAIN_MATTER_ID in page.anchors), 0)
    printed = printed_numbers(len(document.pages), main_start)
    if problems := off_the_page(document.pages, main_start, dict(locate or {}), output.name, printed):
        raise ProblemsFound(problems)
    document.write_pdf(str(output), pdf_variant=edition.variant, pdf_tags=True,
                       finisher=lambda doc, pdf: _finish(pdf, main_start, edition))
    return RenderedPdf(len(document.pages), places_in(document.pages, printed, dict(locate or {})))


def prepared(document_html: str, font_css: Path) -> str:
    """The print HTML as WeasyPrint gets it: unprintable characters as markers, long tokens in cells breakable."""
    return breakable_cells(printable(document_html, font_css))


def print_stylesheets(font_css: Path, fetcher: AssetFetcher, fonts: FontConfiguration, draft: bool,
                      extra_css: str = "") -> list[CSS]:
    """The fonts' stylesheet, print.css, draft.css for a draft and the edition's own rules, in that order.
    Every render loads them first: WeasyPrint's SVG paths are made to draw once per shape here (svg_paths)."""
    from weasyprint import CSS

    from . import svg_paths

    svg_paths.install()

    stylesheets = [CSS(filename=str(font_css), url_fetcher=fetcher, font_config=fonts),
                   CSS(filename=str(PRINT_CSS), url_fetcher=fetcher, font_config=fonts)]
    if draft:
        stylesheets.append(CSS(filename=str(DRAFT_CSS), url_fetcher=fetcher, font_config=fonts))
    if extra_css:
        stylesheets.append(CSS(string=extra_css, url_fetcher=fetcher, font_config=fonts))
    return stylesheets


def printed_numbers(count: int, main_start: int, first_main: int = 1) -> list[str]:
    """The printed number of each page: lower roman before the main matter, arabic from `first_main` on."""
    return [_roman(n + 1) if n < main_start else str(n - main_start + first_main) for n in range(count)]


def places_in(pages, printed: list[str], locate: dict[str, str], section: str = "") -> list[PdfPlace]:
    """Every spot where an anchor in `locate` is, is linked to, or has its label printed; with the printed
    page number (`printed`, by page) and the section (the last bookmarked heading above it; `section` before
    the first)."""
    from weasyprint.formatting_structure.boxes import TextBox

    named_in = mentions(locate)
    places: list[PdfPlace] = []
    for number, page in enumerate(pages):
        events = [(y, 0, label, "") for _, label, (_, y), _ in page.bookmarks]
        # WeasyPrint 70 gives anchors as (x1, y1, x2, y2), not the (x, y) its docstring says.
        events += [(box[1], 1, unprefixed(name), "entry") for name, box in page.anchors.items()]
        events += [(rect[1], 2, unprefixed(target), "reference")
                   for kind, target, rect, _ in page.links if kind == "internal"]
        if locate:
            # A reference whose link was dropped (its target is not in print) still prints the label. Page
            # boxes are not public API; WeasyPrint is pinned, and the tests would notice a change.
            events += [(box.position_y, 2, name, "reference")
                       for box in page._page_box.descendants() if isinstance(box, TextBox)
                       for name in named_in(box.text)]
        for _, order, name, kind in sorted(events, key=lambda e: (e[0], e[1])):
            if order == 0:
                section = name
            elif name in locate and (place := PdfPlace(name, printed[number], section, kind)) not in places:
                places.append(place)
    return places


_CELL = re.compile(r"(<t[dh]\b[^>]*>)(.*?)(</t[dh]>)", re.S)
_TAG = re.compile(r"(<[^>]*>)")
_LONG_TOKEN = re.compile(r"[^\s<>]{30,}")
_UNIT = re.compile(r"&#?\w+;|.", re.S)  # a character, or a character reference (never split)
ZERO_WIDTH_SPACE = "\u200b"


def breakable_cells(document_html: str, every: int = 15) -> str:
    """Tokens of 30 characters or more in table cells (a partner's name, an address) get a break
    opportunity every `every` characters: a table sizes its columns by their longest unbreakable word, so
    without one such a token pushes the table off the page."""
    def token(match: re.Match) -> str:
        units = _UNIT.findall(match.group())
        return ZERO_WIDTH_SPACE.join("".join(units[i:i + every]) for i in range(0, len(units), every))

    def cell(match: re.Match) -> str:
        parts = _TAG.split(match.group(2))
        inner = "".join(part if part.startswith("<") else _LONG_TOKEN.sub(token, part) for part in parts)
        return match.group(1) + inner + match.group(3)

    return _CELL.sub(cell, document_html)


def off_the_page(pages, main_start: int, locate: dict[str, str], pdf_name: str, printed: list[str] | None = None,
                 first_index: int = 0) -> list[Problem]:
    """A problem for each page with text outside its printable area (PRINTABLE_MARGIN_MM from every edge),
    read from WeasyPrint's laid-out boxes: the text that runs furthest out, and the inputs on that page.
    `printed` gives the pages' printed numbers (else from `main_start`), `first_index` the first page's
    place in the PDF (a part of a PDF rendered on its own, parts.py)."""
    from weasyprint.formatting_structure.boxes import TextBox

    printed = printed or printed_numbers(len(pages), main_start)
    named_in = mentions(locate)
    margin = PRINTABLE_MARGIN_MM * PX_PER_MM
    problems = []
    for number, page in enumerate(pages):
        texts = [box for box in page._page_box.descendants() if isinstance(box, TextBox) and box.text.strip()]
        outside = [(overshoot, box) for box in texts
                   if (overshoot := _overshoot(box, page.width, page.height, margin))[0] > 0.05]
        if not outside:
            continue
        (distance, edge), box = max(outside, key=lambda found: found[0][0])
        ids = list(dict.fromkeys(locate[name] for text in texts for name in named_in(text.text)))
        ids += [label for name, label in locate.items() if name in page.anchors and label not in ids]
        where = f"page {printed[number]} ({first_index + number + 1} of the PDF)"
        shown = box.text if len(box.text) <= 40 else box.text[:39] + "…"
        problems.append(Problem(
            pdf_name, None, None, f"text inside the printable area ({PRINTABLE_MARGIN_MM:g} mm from each edge)",
            f"'{shown}' {distance / PX_PER_MM:.1f} mm past it at the {edge} edge of {where}"
            + (f", where partner input{'s' * (len(ids) > 1)} {', '.join(ids)} {'are' if len(ids) > 1 else 'is'}"
               " printed: a word or address too long to wrap?" if ids else "")))
    return problems


def _overshoot(box, width: float, height: float, margin: float) -> tuple[float, str]:
    """How far (in CSS px) the box reaches past the printable area, and at which edge."""
    x0, y0 = box.position_x, box.position_y
    x1, y1 = x0 + box.width, y0 + box.height
    return max((margin - x0, "left"), (x1 - (width - margin), "right"),
               (margin - y0, "top"), (y1 - (height - margin), "bottom"))


def _roman(number: int) -> str:
    """Lower-roman page numbers, as the front matter prints them."""
    digits = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
              (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]
    out = ""
    for value, letters in digits:
        while number >= value:
            out += letters
            number -= value
    return out


def _finish(pdf: pydyf.PDF, main_start: int, edition: PdfEdition) -> None:
    _page_labels(pdf, main_start)
    _header_scopes(pdf)
    if edition.also_ua:
        _declare_pdf_ua(pdf)


# PDF/A accepts XMP properties outside its own schemas only when the metadata describes them: this is the
# description of pdfuaid:part that ISO 14289-1 (PDF/UA-1) gives for files that are PDF/A as well.
PDF_UA_IN_PDF_A = b"""<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/" \
pdfuaid:part="1" /><rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" \
xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">\
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">\
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>\
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix><pdfaSchema:schema>PDF/UA identification schema</pdfaSchema:schema>\
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource"><pdfaProperty:category>internal</pdfaProperty:category>\
<pdfaProperty:description>PDF/UA version identifier</pdfaProperty:description><pdfaProperty:name>part</pdfaProperty:name>\
<pdfaProperty:valueType>Integer</pdfaProperty:valueType></rdf:li></rdf:Seq></pdfaSchema:property></rdf:li></rdf:Bag>\
</pdfaExtension:schemas></rdf:Description>"""


def _declare_pdf_ua(pdf: pydyf.PDF) -> None:
    """Add the PDF/UA-1 identifier to the XMP metadata WeasyPrint wrote for a PDF/A variant."""
    metadata = pdf.objects[int(pdf.catalog["Metadata"].split()[0])]
    xmp = b"".join(metadata.stream)
    assert xmp.count(b"</rdf:RDF>") == 1, "WeasyPrint's XMP packet has one rdf:RDF"
    metadata.stream = [xmp.replace(b"</rdf:RDF>", PDF_UA_IN_PDF_A + b"</rdf:RDF>")]


def _header_scopes(pdf: pydyf.PDF) -> None:
    """Every table header cell (TH) gets a /Scope beside the /ID that WeasyPrint's data cells name in their
    /Headers: PDF/UA-1 accepts either way, but some checkers (pdfua) and screen readers read only Scope.
    A TH that the data cells of its own row name heads that row (HTML scope="row"); any other, its column."""
    objects = pdf.objects

    def kids(element: pydyf.Dictionary) -> list[pydyf.Dictionary]:
        # Structure kids are references (b"12 0 R"), marked-content ids (int) or dictionaries.
        return [objects[int(kid.split()[0])] for kid in element.get("K", []) if isinstance(kid, bytes)]

    for row in (o for o in objects if isinstance(o, pydyf.Dictionary) and o.get("S") == "/TR"):
        cells = kids(row)
        named = {getattr(header, "string", header) for cell in cells if cell.get("S") == "/TD"
                 for header in cell.get("A", {}).get("Headers", [])}
        for cell in (c for c in cells if c.get("S") == "/TH"):
            scope = "/Row" if getattr(cell.get("ID"), "string", None) in named else "/Column"
            cell.setdefault("A", pydyf.Dictionary({"O": "/Table"}))["Scope"] = scope


def _page_labels(pdf: pydyf.PDF, main_start: int) -> None:
    """Page labels as printed: i, ii, … for the front matter, then 1, 2, … from the first chapter."""
    numbers = pydyf.Array([0, pydyf.Dictionary({"S": "/r"})])
    if main_start:
        numbers.extend([main_start, pydyf.Dictionary({"S": "/D"})])
    pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": numbers})
