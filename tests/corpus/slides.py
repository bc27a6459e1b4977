"""The meeting's slides (issue 10): what consent keeps out of the site stays out of the slides too.

The build writes the slides (a PPTX beside the PDF, and a page of the site); the canaries are searched for in
every byte of the site, the PPTX unpacked.
"""

from __future__ import annotations

from pathlib import Path

from corpus import Case, replace_in

WITHHELD_QUOTE = "Our support was always meant to help countries build systems"  # PI-001's key quote


def withhold_a_quoted_input(root: Path) -> None:
    """PI-001, a quote the slides would show, withheld (and its macro taken out of the way forward); a quote
    turned into a hostile one that names the partners build's unnamed Netherlands."""
    replace_in(root / "inputs/partner-inputs/PI-001.yaml", "consent: named", "consent: withheld")
    replace_in(root / "docs/way-forward.md", '{{ quote("PI-001") }}', "")
    replace_in(root / "inputs/partner-inputs/PI-002.yaml", "key_quote: ",
               "key_quote: <script>alert(1)</script> As the Netherlands told us, ")


CASES = [
    Case("slides-withheld-quote-and-unnamed-partner-stay-out", "slides-consent", withhold_a_quoted_input, "valid",
         command="build", audience="partners", seconds=300,
         canaries=(WITHHELD_QUOTE, "the Netherlands told us", "<script>alert(1)")),
]
