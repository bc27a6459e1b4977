"""Quotes are quotes (issue 10): a text set as the partner's own words that reads as an author's summary in
the third person is a warning naming the file, the line and the field; a wording that is neither quotation nor
summary is a problem."""

from __future__ import annotations

from pathlib import Path

from corpus import Case, replace_in

PI002 = "inputs/partner-inputs/PI-002.yaml"
PI026 = "inputs/partner-inputs/PI-026.yaml"


def _line(relative: str, text: str) -> int:
    from conftest import REPO
    from corpus import line_of

    return line_of(REPO / relative, text)


def _quotation_in_third_person(root: Path) -> None:
    replace_in(root / PI002, "    economy, including in agriculture and home-based work.\n",
               "    economy, including in agriculture and home-based work.\n  wording: quotation\n")


def _key_quote_of_the_partner(root: Path) -> None:
    replace_in(root / PI026, "key_quote: Health coverage", "key_quote: The partner stresses that health coverage")


def _unknown_wording(root: Path) -> None:
    replace_in(root / PI002, "    economy, including in agriculture and home-based work.\n",
               "    economy, including in agriculture and home-based work.\n  wording: quoted\n")


CASES = [
    Case("messages-proposal-quotation-in-the-third-person", "wording", _quotation_in_third_person, "warning",
         PI002, _line(PI002, "proposal: Ireland encourages"), "priorities[0].proposal", "'Ireland encourages'"),
    Case("messages-key-quote-the-partner-stresses", "wording", _key_quote_of_the_partner, "warning",
         PI026, _line(PI026, "key_quote:"), "key_quote", "'The partner stresses'"),
    Case("messages-wording-neither-quotation-nor-summary", "wording", _unknown_wording, "problem",
         PI002, _line(PI002, "home-based work.") + 1, "priorities[0].wording", "quotation"),
]
