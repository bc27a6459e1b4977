"""The synthesis charts (issue 10): the team's titles of thematic areas and priorities are drawn as labels.

A title may hold what a chart library reads as markup (a dollar sign opens TeX math in Matplotlib) or a word
too long for a label; the build must draw them as typed, within three lines, never stop on them.
"""

from __future__ import annotations

from pathlib import Path

from corpus import Case, replace_in

# Single-quoted in YAML, so that the backslash stays a backslash (in double quotes "\f" is a form feed).
HOSTILE = r"'US$ 2 billion: $\frac{ financing $x^$ " + "Sozialversicherungsfinanzierung" * 6 + "'"


def hostile_titles(root: Path) -> None:
    replace_in(root / "inputs/thematic-areas.yaml", "title: Financing", f"title: {HOSTILE}")
    replace_in(root / "inputs/priorities.yaml", "title: Sustainable and equitable financing", f"title: {HOSTILE}")


CASES = [
    Case("charts-title-as-tex-and-long-word", "chart-labels", hostile_titles, "valid", command="build",
         seconds=240),
]
