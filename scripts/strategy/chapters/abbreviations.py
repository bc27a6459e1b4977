"""Abbreviations, from the glossary."""

from __future__ import annotations

import html

from ..inputs import StrategyInputs
from .consent import Audience
from .markdown import front_matter

TITLE = "Abbreviations"


def abbreviations(inputs: StrategyInputs, audience: Audience) -> str:
    out = [front_matter(TITLE, "Abbreviations and acronyms used in the strategy."), f"# {TITLE}\n"]
    out.append('<dl class="abbreviations" markdown="1">')
    for entry in inputs.glossary:
        out.append(f"<dt>{html.escape(entry.term)}</dt>\n<dd>{html.escape(entry.expansion)}</dd>")
    out.append("</dl>\n")
    return "\n".join(out)
