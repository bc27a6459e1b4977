"""`strategy check` at scale (issue 12) reports exactly what it reported before it was made fast.

The acronym check reads the generated chapters' words without rendering each partner text to HTML (it renders
one only where the choice between its Markdown and its plain fallback changes the acronyms it holds). These
tests pin the whole report, file, line and words, on the example and on copies with acronyms placed where
that choice matters: the expected reports were recorded from `strategy check` before the change.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import copy_project, strategy

PI = "inputs/partner-inputs"


def _insert_after(path: Path, anchor: str, text: str) -> None:
    source = path.read_text(encoding="utf-8")
    assert anchor in source, (path, anchor)
    path.write_text(source.replace(anchor, anchor + text, 1), encoding="utf-8")


def _replace(path: Path, old: str, new: str) -> None:
    source = path.read_text(encoding="utf-8")
    assert old in source, (path, old)
    path.write_text(source.replace(old, new, 1), encoding="utf-8")


def acronyms_in_inputs(root: Path) -> None:
    """Acronyms missing from the glossary, each on a line of the inputs: where a partner text renders as
    Markdown, where it falls back to plain paragraphs, in a withheld input, in the team's own words."""
    inputs = root / PI
    # Renders as Markdown: after "/", WXYZ is no acronym ("A/RES/70/1"); UNDP is one.
    _replace(inputs / "PI-005.yaml", "with a focus on extending coverage in ASEAN countries.",
             "with a focus on extending coverage in ASEAN countries, with the UNDP/WXYZ team.")
    # An indented line in a list makes a code block, which partner text may not become: the text falls back to
    # plain paragraphs, where "/" is a character reference, and ABCD is an acronym after all. EFGH either way.
    _insert_after(inputs / "PI-001.yaml", "vision: |-\n",
                  "  - a point on EFGH\n\n          an indented line about ILO/ABCD\n\n")
    # A withheld input: a partners build never shows it, its acronyms are not the reader's.
    _replace(inputs / "PI-008.yaml", "vision: Our cooperation with the ILO",
             "vision: Our cooperation with the ILO and the QRST")
    # The team's own words: a thematic area's title.
    _replace(root / "inputs/thematic-areas.yaml", "title: Old-age pensions", "title: Old-age pensions (OAPX)")
    # Code spans and links are no text a reader reads as words (a code span in a partner's Markdown is).
    _insert_after(inputs / "PI-013.yaml", "country_experience: |-\n",
                  "  Code `NOPQ` and [a link](https://RSTU.example.org).\n\n")
    _insert_after(inputs / "PI-004.yaml", "  proposal: ", "Code `CDEF` and [a link](https://GHIJ.example.org). ")


def acronyms_off_the_lines(root: Path) -> None:
    """Acronyms that no line of the inputs holds as written: the chapter's own line is named."""
    inputs = root / PI
    # Written with a YAML escape: no line of the inputs holds the word, the chapter's own line is named.
    _replace(inputs / "PI-002.yaml", "  proposal: Ireland encourages Phase III to set explicit coverage targets "
             "for women working in the informal\n    economy, including in agriculture and home-based work.\n",
             '  proposal: "Ireland asks the \\x55VWX network to set coverage targets for the informal economy."\n')
    # A heading of a partner's Markdown: its line, which opens with "#", is taken for a comment.
    _insert_after(inputs / "PI-013.yaml", "country_experience: |-\n", "  # The JKLM programme\n\n")
    # Before them, acronyms whose place depends on how the partner text above them renders.
    acronyms_in_inputs(root)
