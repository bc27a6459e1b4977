"""What a publications officer would return (issue 10, part 2): acronyms missing from the abbreviations list,
wherever the text that reaches the reader holds them, a table that would print without number or caption,
and kinds of partner the schema does not know."""

from __future__ import annotations

from pathlib import Path

from corpus import Case, line_of, replace_in

VISION = "docs/vision.md"
PI_005 = "inputs/partner-inputs/PI-005.yaml"


def _line(relative: str, text: str) -> int:
    from conftest import REPO

    return line_of(REPO / relative, text)


def _author_acronym(root: Path) -> None:
    replace_in(root / VISION, "## A vision that endures\n", "## A vision that endures\n\nThe OECD agrees.\n")


def _partner_acronym(root: Path) -> None:
    replace_in(root / PI_005, "ASEAN countries", "ASEAN and APEC countries")


def _final_with_acronym(root: Path) -> None:
    _author_acronym(root)
    replace_in(root / "strategy.yml", "final: false", "final: true")


def _unknown_kind(root: Path) -> None:
    replace_in(root / "inputs/partners.yaml", "kind: international-organisation", "kind: association")


def _uncaptioned_table(root: Path) -> None:
    replace_in(root / VISION, "## A vision that endures\n",
               "## A vision that endures\n\n| Principle | Meaning |\n|---|---|\n| Inclusion | Everyone |\n")


def _roman_and_ids(root: Path) -> None:
    """Roman numerals, record IDs and document symbols are no acronyms: no warning, nothing to add."""
    replace_in(root / VISION, "## A vision that endures\n",
               "## A vision that endures\n\nPhase IV, PI-004, FB-001 and A/RES/70/1 are named here.\n")


CASES = [
    Case("polish-acronym-missing-in-author-page", "acronyms", _author_acronym, "warning", VISION,
         _line(VISION, "## A vision that endures") + 2, says="OECD, not in the glossary"),
    Case("polish-acronym-missing-in-partner-text", "acronyms", _partner_acronym, "warning", PI_005,
         _line(PI_005, "ASEAN countries"), says="APEC, not in the glossary"),
    Case("polish-acronym-missing-in-final-edition", "acronyms", _final_with_acronym, "problem", VISION,
         _line(VISION, "## A vision that endures") + 2, says="OECD, not in the glossary"),
    Case("polish-partner-kind-unknown", "partner-kinds", _unknown_kind, "problem", "inputs/partners.yaml",
         _line("inputs/partners.yaml", "kind: international-organisation"), "kind",
         says="regional-organisation"),
    Case("polish-author-table-without-caption", "captions", _uncaptioned_table, "warning", VISION,
         _line(VISION, "## A vision that endures") + 2, says="a table without a caption"),
    Case("polish-roman-numerals-and-ids-are-no-acronyms", "acronyms", _roman_and_ids, "valid"),
]
