"""Stages 3b and 4: the chapters as print HTML, rendered to the PDF for the record."""

from .outline import document_outline
from .pdf import render_pdf
from .print_html import print_document, render_chapters

__all__ = ["document_outline", "print_document", "render_chapters", "render_pdf"]
