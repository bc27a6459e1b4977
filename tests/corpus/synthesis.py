"""Synthesis cases (issue 10, section 1): the summary of inputs received is written from whatever records
there are, and consent holds in it.

`strategy check` writes the generated chapters' headings for an internal and a partners build, so a check case
runs the synthesis twice: four inputs only, no sentence that may be quoted, and a quotation wording that the
schema does not know. One build case plants canaries in a withheld input's own words, one of them in a
proposal marked as a quotation, which the synthesis would quote if it forgot consent.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from corpus import Case, replace_in

FOLDER = "inputs/partner-inputs"
CANARY_QUOTATION = "CANARYWITHHELDQUOTATION7Q"
CANARY_KEY_QUOTE = "CANARYWITHHELDKEYQUOTE3K"
WITHHELD = f"{FOLDER}/PI-008.yaml"  # Finland: consent withheld


# The inputs the author pages quote or cite: the few inputs a case keeps.
CITED = {"PI-001.yaml", "PI-004.yaml", "PI-010.yaml", "PI-012.yaml"}


def _few_inputs(root: Path) -> None:
    """Four inputs from four kinds of partner: every theme too small for a section, every kind too small
    for a share."""
    for path in (root / FOLDER).glob("PI-*.yaml"):
        if path.name not in CITED:
            path.unlink()


def _nothing_quotable(root: Path) -> None:
    """No key quote anywhere, and every proposal an author's summary: the synthesis quotes no one."""
    for path in (root / FOLDER).glob("PI-*.yaml"):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        record.pop("key_quote", None)
        path.write_text(yaml.safe_dump(record, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _unknown_wording(root: Path) -> None:
    replace_in(root / f"{FOLDER}/PI-001.yaml", "  proposal:", "  wording: verbatim\n  proposal:")


def _withheld_own_words(root: Path) -> None:
    path = root / WITHHELD
    replace_in(path, "  proposal:", f"  wording: quotation\n  proposal: {CANARY_QUOTATION}, then")
    path.write_text(path.read_text(encoding="utf-8") + f"key_quote: {CANARY_KEY_QUOTE} said in confidence.\n",
                    encoding="utf-8")


CASES = [
    Case("synthesis-few-inputs", "synthesis", _few_inputs, "valid"),
    Case("synthesis-nothing-quotable", "synthesis", _nothing_quotable, "valid"),
    Case("synthesis-wording-unknown", "synthesis", _unknown_wording, "problem", file=f"{FOLDER}/PI-001.yaml",
         says="wording"),
    Case("synthesis-withheld-quotation-never-quoted", "synthesis-consent", _withheld_own_words, "valid",
         command="build", audience="public", canaries=(CANARY_QUOTATION, CANARY_KEY_QUOTE), seconds=240),
]
