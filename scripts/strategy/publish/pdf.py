"""Stage 4: print HTML -> PDF with WeasyPrint, reading only the project's assets."""

from __future__ import annotations

from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from .fetcher import AssetFetcher

PRINT_CSS = Path(__file__).with_name("print.css")


def render_pdf(document_html: str, base_folder: Path, font_css: Path, output: Path,
               allowed_folders: list[Path]) -> None:
    """Render the print HTML to `output`. Tagged, so bookmarks and structure survive."""
    fetcher = AssetFetcher([*allowed_folders, PRINT_CSS.parent])
    # @font-face rules only count when the same font configuration reaches CSS() and write_pdf():
    # without it the self-hosted fonts are ignored and system fonts (if any) are used.
    fonts = FontConfiguration()
    stylesheets = [CSS(filename=str(font_css), url_fetcher=fetcher, font_config=fonts),
                   CSS(filename=str(PRINT_CSS), url_fetcher=fetcher, font_config=fonts)]
    document = HTML(string=document_html, base_url=f"{base_folder.resolve().as_uri()}/", url_fetcher=fetcher)
    document.write_pdf(str(output), stylesheets=stylesheets, font_config=fonts, pdf_tags=True)
