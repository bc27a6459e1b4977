"""Author pages that `strategy build` could not build: `strategy check` must say so first, naming page and line
(its promise is that a check that passes means a build that can succeed)."""

from __future__ import annotations

from pathlib import Path

from corpus import Case, appending

PAGE = "docs/vision.md"


def _lines(relative: str) -> int:
    return (Path(__file__).resolve().parents[2] / relative).read_text(encoding="utf-8").count("\n")


def _write_bytes(relative: str, data: bytes):
    def make(root: Path) -> None:
        (root / relative).write_bytes(data)
    return make


END = _lines(PAGE) + 2  # the appended line, after a blank one

CASES = [
    Case("pages-quote-unknown-input", "author-page-macros", appending(PAGE, '\n{{ quote("PI-999") }}\n'),
         "problem", PAGE, END, says="the ID of a partner input"),
    Case("pages-quote-withheld-input", "author-page-macros", appending(PAGE, '\n{{ quote("PI-019") }}\n'),
         "problem", PAGE, END, says="an input that a partners build may show"),
    Case("pages-unknown-macro", "author-page-macros", appending(PAGE, '\n{{ include("secrets.md") }}\n'),
         "problem", PAGE, END, says="a known macro"),
    Case("pages-unknown-figure", "author-page-macros", appending(PAGE, '\nAbout {{ figure("no-such-figure") }}.\n'),
         "problem", PAGE, END),
    Case("pages-not-utf8", "author-page-encoding", _write_bytes("docs/notes.md", "Café crème\n".encode("cp1252")),
         "problem", "docs/notes.md", says="a page of UTF-8 text"),
    Case("pages-quote-named-input", "author-page-macros", appending(PAGE, '\n{{ quote("PI-001") }}\n'), "valid"),
]
