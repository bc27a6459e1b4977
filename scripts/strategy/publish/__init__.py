"""Stages 3b and 4: the chapters as print HTML, rendered to the PDF for the record.

The names are imported when first used: `strategy check` reads the print chapters' paragraphs
(print_html.edition_paragraphs) and must not pay for loading the PDF renderer."""

from importlib import import_module
from typing import Any

_WHERE = {"document_outline": ".outline", "render_pdf": ".pdf", "print_document": ".print_html",
          "render_chapters": ".print_html"}

__all__ = ["document_outline", "print_document", "render_chapters", "render_pdf"]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_WHERE[name], __name__), name)
