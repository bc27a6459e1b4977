"""Paragraph numbers and the site's Comment action (issue 9, part 3): where reviewers' comments go, and the
setting that turns numbers off. A partners build without an address, an address that reaches nobody in a final
edition, and a setting that is not a yes or no are refused; a draft with an example address is warned about."""

from __future__ import annotations

import re
from pathlib import Path

from corpus import Case, line_of

STRATEGY = "strategy.yml"


def _line(text: str) -> int:
    from conftest import REPO

    return line_of(REPO / STRATEGY, text)


def _address(address: str | None, final: bool = False):
    def make(root: Path) -> None:
        path = root / STRATEGY
        text = path.read_text(encoding="utf-8")
        line = "" if address is None else f"comments_email: {address}\n"
        text = re.sub(r"^comments_email:.*\n", line, text, count=1, flags=re.M)
        if final:
            text = text.replace("final: false", "final: true", 1)
        path.write_text(text, encoding="utf-8")
    return make


def _setting(value: str):
    def make(root: Path) -> None:
        path = root / STRATEGY
        path.write_text(path.read_text(encoding="utf-8") + f"paragraph_numbers: {value}\n", encoding="utf-8")
    return make


NO_ADDRESS = "the address where reviewers' comments go"

CASES = [
    Case("paranumbers-partners-check-refuses-no-comments-address", "comments-address", _address(None), "problem",
         STRATEGY, field="comments_email", says=NO_ADDRESS),
    Case("paranumbers-partners-build-refuses-no-comments-address", "comments-address", _address(None), "problem",
         STRATEGY, field="comments_email", says=NO_ADDRESS, command="build", seconds=60),
    Case("paranumbers-draft-warns-test-domain-address", "comments-address", _address("comments@review.test"),
         "warning", STRATEGY, _line("comments_email"), "comments_email", says="reserved for tests"),
    Case("paranumbers-draft-warns-example-com-address", "comments-address", _address("team@example.com"),
         "warning", STRATEGY, _line("comments_email"), "comments_email", says="which no comment reaches"),
    Case("paranumbers-final-refuses-invalid-domain-address", "comments-address",
         _address("comments@strategy.invalid", final=True), "problem", STRATEGY, _line("comments_email"),
         "comments_email", says="this is a final edition"),
    Case("paranumbers-refuses-an-address-without-domain", "comments-address", _address("comments"), "problem",
         STRATEGY, _line("comments_email"), "comments_email", says="an e-mail address"),
    Case("paranumbers-draft-accepts-a-real-address", "comments-address", _address("spf-comments@ilo.org"), "valid"),
    Case("paranumbers-setting-neither-yes-nor-no", "paragraph-numbers-setting", _setting("sometimes"), "problem",
         STRATEGY, field="paragraph_numbers"),
]
