"""Abbreviations, from the glossary."""

from __future__ import annotations

import html
import re

from ..inputs import StrategyInputs
from ..typeset import smart_text
from ..inputs.records import GlossaryEntry
from .consent import Audience, kept_out
from .markdown import front_matter

TITLE = "Abbreviations"


def abbreviations(inputs: StrategyInputs, audience: Audience, used_in: str) -> str:
    """The glossary entries that the document's text uses, and no others."""
    out = [front_matter(TITLE, "Abbreviations and acronyms used in the strategy."), f"# {TITLE}\n"]
    out.append('<dl class="abbreviations" markdown="1">')
    for entry in _shown(inputs, audience):
        if not _uses(used_in, entry.term):
            continue
        out.append(f"<dt>{html.escape(entry.term)}</dt>\n<dd>{html.escape(smart_text(entry.expansion))}</dd>")
    out.append("</dl>\n")
    return "\n".join(out)


def _uses(text: str, term: str) -> bool:
    """Whether `text` has `term` as a word of its own. Each place the term occurs is found by str.find and
    checked there: a search of the whole pattern, which starts with a look-behind, tries every position of
    a long text (most of the abbreviations chapter's cost)."""
    whole = re.compile(rf"(?<![\w-]){re.escape(term)}(?![\w-])")
    at = text.find(term)
    while at >= 0:
        if whole.match(text, at):  # the look-behind sees the text before `at`
            return True
        at = text.find(term, at + 1)
    return False


def abbreviation_definitions(inputs: StrategyInputs, audience: Audience) -> str:
    """Markdown `abbr` definitions for every page: each use of a term becomes <abbr title="…">.

    Readers get the expansion on hover; the PDF keeps acronyms whole (they are never hyphenated).
    """
    lines = [f"*[{entry.term}]: {entry.expansion}" for entry in _shown(inputs, audience)]
    return "\n\n" + "\n".join(lines) + "\n"


def _shown(inputs: StrategyInputs, audience: Audience) -> list[GlossaryEntry]:
    """The glossary entries this audience may see: one naming an unnamed partner, by its term, its expansion
    or any variant of the partner's name, would name it after all."""
    finder = kept_out(inputs, audience)
    return [e for e in inputs.glossary if audience is Audience.INTERNAL or not finder.find(f"{e.term}\n{e.expansion}")]
