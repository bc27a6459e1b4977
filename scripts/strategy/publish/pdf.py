"""Stage 4: print HTML -> PDF with WeasyPrint, reading only the project's assets.

Two editions come from one print HTML: the reading edition (tagged, PDF/UA-1,
chapters on a new page) and the archive edition (PDF/A-3a, chapters on a
right-hand page as in the printed book). Both carry page labels that match
the printed numbers: lower-roman front matter, arabic from the first chapter.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pydyf
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from .fetcher import AssetFetcher
from .print_html import MAIN_MATTER_ID

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


def render_pdf(document_html: str, base_folder: Path, font_css: Path, output: Path,
               allowed_folders: list[Path], edition: PdfEdition = READING, draft: bool = True) -> int:
    """Render the print HTML to `output`; return the number of pages."""
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
    return len(document.pages)


def _page_labels(pdf: pydyf.PDF, main_start: int) -> None:
    """Page labels as printed: i, ii, … for the front matter, then 1, 2, … from the first chapter."""
    numbers = pydyf.Array([0, pydyf.Dictionary({"S": "/r"})])
    if main_start:
        numbers.extend([main_start, pydyf.Dictionary({"S": "/D"})])
    pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": numbers})
