"""Stage 4: print HTML -> PDF with WeasyPrint, reading only the project's assets.

Two editions come from one print HTML: the reading edition (tagged, PDF/UA-1,
chapters on a new page) and the archive edition (PDF/A-3a, chapters on a
right-hand page as in the printed book). Both carry page labels that match
the printed numbers: lower-roman front matter, arabic from the first chapter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pydyf
from weasyprint import CSS, HTML
from weasyprint.formatting_structure.boxes import TextBox
from weasyprint.text.fonts import FontConfiguration

from ..chapters.markdown import mentions
from .fetcher import AssetFetcher
from .print_html import MAIN_MATTER_ID
from .print_markup import unprefixed

PRINT_CSS = Path(__file__).with_name("print.css")
DRAFT_CSS = Path(__file__).with_name("draft.css")


@dataclass(frozen=True)
class PdfEdition:
    name: str
    variant: str
    extra_css: str = ""


READING = PdfEdition("reading", "pdf/ua-1")
# The book as printed: every chapter opens on a right-hand page.
ARCHIVE = PdfEdition("archive", "pdf/a-3a",
                     "section.chapter, nav.toc, nav.list-of { break-before: right; }")


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


def render_pdf(document_html: str, base_folder: Path, font_css: Path, output: Path,
               allowed_folders: list[Path], edition: PdfEdition = READING, draft: bool = True,
               locate: Mapping[str, str] | None = None) -> RenderedPdf:
    """Render the print HTML to `output`; say how many pages it has and where each record in `locate` (its
    anchor on the site -> the label it prints as: "pi-004" -> "PI-004") appears."""
    fetcher = AssetFetcher([*allowed_folders, PRINT_CSS.parent])
    # @font-face rules only count when the same font configuration reaches CSS() and write_pdf():
    # without it the self-hosted fonts are ignored and system fonts (if any) are used.
    fonts = FontConfiguration()
    stylesheets = [CSS(filename=str(font_css), url_fetcher=fetcher, font_config=fonts),
                   CSS(filename=str(PRINT_CSS), url_fetcher=fetcher, font_config=fonts)]
    if draft:
        stylesheets.append(CSS(filename=str(DRAFT_CSS), url_fetcher=fetcher, font_config=fonts))
    if edition.extra_css:
        stylesheets.append(CSS(string=edition.extra_css, url_fetcher=fetcher, font_config=fonts))
    document = HTML(string=document_html, base_url=f"{base_folder.resolve().as_uri()}/",
                    url_fetcher=fetcher).render(stylesheets=stylesheets, font_config=fonts)
    main_start = next((i for i, page in enumerate(document.pages) if MAIN_MATTER_ID in page.anchors), 0)
    document.write_pdf(str(output), pdf_variant=edition.variant, pdf_tags=True,
                       finisher=lambda doc, pdf: _page_labels(pdf, main_start))
    return RenderedPdf(len(document.pages), _places(document.pages, main_start, dict(locate or {})))


def _places(pages, main_start: int, locate: dict[str, str]) -> list[PdfPlace]:
    """Every spot where an anchor in `locate` is, is linked to, or has its label printed; with the printed
    page number and the section (the last bookmarked heading above it)."""
    named_in = mentions(locate)
    places: list[PdfPlace] = []
    section = ""
    for number, page in enumerate(pages):
        printed = _roman(number + 1) if number < main_start else str(number - main_start + 1)
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
            elif name in locate and (place := PdfPlace(name, printed, section, kind)) not in places:
                places.append(place)
    return places


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


def _page_labels(pdf: pydyf.PDF, main_start: int) -> None:
    """Page labels as printed: i, ii, … for the front matter, then 1, 2, … from the first chapter."""
    numbers = pydyf.Array([0, pydyf.Dictionary({"S": "/r"})])
    if main_start:
        numbers.extend([main_start, pydyf.Dictionary({"S": "/D"})])
    pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": numbers})
