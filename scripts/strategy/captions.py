"""Every table of an author page is numbered, captioned and listed.

The print edition numbers a table ("Table 1.1"), lists it after the contents and lets cross-references name
it only when it sits in a `<div class="data-table" id="tbl-…" markdown="1">` with a
`<p class="table-caption">` (README.md, "Tables, figures and cross-references"). `strategy check` names
each pipe table of an author page that has no such wrapper, with its file and line: a warning in a draft, a
problem in a final edition.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .problems import Problem, display_path, warning

if TYPE_CHECKING:
    from .inputs.records import Publication

_DELIMITER_ROW = re.compile(r"\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$")
_WRAPPER = re.compile(r'<div\b[^>]*\bclass="data-table[^"]*"[^>]*\bid="[^"]+"|<div\b[^>]*\bid="[^"]+"[^>]*'
                      r'\bclass="data-table')
_CAPTION = re.compile(r'class="table-caption"')
_FENCE = re.compile(r"\s*(```|~~~)")
LOOK_BACK = 12  # lines above a table where its caption and wrapper are written


def uncaptioned_tables(root: Path, publication: "Publication", pages: Iterable[Path]) -> list[Problem]:
    """The pipe tables of the author pages that would print without a number and a caption."""
    expected = ('a table with a caption and an id, to be numbered and listed: <div class="data-table" '
                'id="tbl-…" markdown="1"> with <p class="table-caption" markdown="1">…</p> above the table')
    problems = []
    for page in pages:
        lines = page.read_text(encoding="utf-8", errors="replace").splitlines()  # bad bytes: named elsewhere
        fenced = False
        for number, line in enumerate(lines[1:], start=2):
            fenced ^= bool(_FENCE.match(line))  # a table shown as code in a code block is not a table
            if fenced or not _DELIMITER_ROW.match(line) or "|" not in lines[number - 2]:
                continue
            above = "\n".join(lines[max(0, number - 2 - LOOK_BACK):number - 2])
            if _WRAPPER.search(above) and _CAPTION.search(above):
                continue
            found = "a table without a caption"
            file = display_path(page, root)
            problems.append(Problem(file, number - 1, None, expected, found) if publication.edition.final
                            else warning(file, number - 1, None, expected, found))
    return problems
