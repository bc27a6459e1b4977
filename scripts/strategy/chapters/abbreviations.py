"""Abbreviations, from the glossary."""

from __future__ import annotations

import html
import re

from ..inputs import StrategyInputs
from .consent import Audience, names_to_keep_out
from .markdown import front_matter

TITLE = "Abbreviations"


def abbreviations(inputs: StrategyInputs, audience: Audience, used_in: str) -> str:
    """The glossary entries that the document's text uses, and no others."""
    out = [front_matter(TITLE, "Abbreviations and acronyms used in the strategy."), f"# {TITLE}\n"]
    out.append('<dl class="abbreviations" markdown="1">')
    # A glossary entry spelling out an unnamed partner would name it after all.
    hidden = names_to_keep_out(inputs, audience)
    for entry in inputs.glossary:
        if entry.expansion in hidden or entry.term in hidden or not _uses(used_in, entry.term):
            continue
        out.append(f"<dt>{html.escape(entry.term)}</dt>\n<dd>{html.escape(entry.expansion)}</dd>")
    out.append("</dl>\n")
    return "\n".join(out)


def _uses(text: str, term: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", text) is not None


def abbreviation_definitions(inputs: StrategyInputs, audience: Audience) -> str:
    """Markdown `abbr` definitions for every page: each use of a term becomes <abbr title="…">.

    Readers get the expansion on hover; the PDF keeps acronyms whole (they are never hyphenated).
    """
    hidden = names_to_keep_out(inputs, audience)
    lines = [f"*[{entry.term}]: {entry.expansion}" for entry in inputs.glossary
             if entry.expansion not in hidden and entry.term not in hidden]
    return "\n\n" + "\n".join(lines) + "\n"
