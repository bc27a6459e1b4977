"""What partners said, computed from the records: the synthesis that the summary of inputs received, the
key messages and the meeting's slides are written from.

Deterministic: the same records give the same findings, in the same order, every time. Every finding keeps
the inputs behind it, so the sentence made from it can cite them (and provenance can trace it). Made from the
audience's view of the records (consent.audience_view): a finding never rests on what consent keeps out of
that audience's text, though counts include every input, as the count tables do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..inputs import StrategyInputs
from ..inputs.records import PartnerInput, PartnerKind, ThematicArea
from .consent import Audience, attribution, may_show
from .ranking import PrioritySupport, ranked_priorities


@dataclass(frozen=True)
class Quote:
    """A partner's own words (a key quote, or a proposal whose wording is `quotation`), attributed as
    consent allows."""

    text: str  # as the partner wrote it: escape it (markdown.partner_text) where it is set
    attribution: str
    input: PartnerInput


@dataclass(frozen=True)
class ThemeFinding:
    """One thematic area: who raised it, what they proposed under it, where kinds of partner agree or differ."""

    theme: ThematicArea
    inputs: list[PartnerInput]
    partners: set[str]
    # Share of each kind's inputs that raised the theme (0-1), for every kind that sent any input.
    share_by_kind: dict[PartnerKind, float]
    priorities: list[PrioritySupport]  # proposed under this theme, most supported first
    paragraphs: list[str] = field(default_factory=list)  # the theme's text, Markdown, with its references
    quotes: list[Quote] = field(default_factory=list)


@dataclass(frozen=True)
class Synthesis:
    key_messages: list[str]  # three to five sentences about content, Markdown
    themes: list[ThemeFinding]  # most raised first
    priorities: list[PrioritySupport]  # ranked by supporting partners
    quotes: list[Quote]  # a few representative quotes, one per kind of partner at most
    illustrative: bool  # made from any illustrative record


def synthesize(inputs: StrategyInputs, audience: Audience) -> Synthesis:
    """The synthesis of the inputs for `audience`. (A first cut: themes, ranking and quotes; the paragraphs
    and key messages are written by the synthesis proper.)"""
    items = list(inputs.partner_inputs.values())
    kinds = {k: [i for i in items if inputs.partner_of(i).kind is k] for k in PartnerKind}
    kinds = {k: group for k, group in kinds.items() if group}
    themes = []
    for theme in inputs.thematic_areas.values():
        raised = [i for i in items if theme.id in i.themes]
        if not raised:
            continue
        themes.append(ThemeFinding(
            theme, raised, {i.partner for i in raised},
            {k: sum(theme.id in i.themes for i in group) / len(group) for k, group in kinds.items()},
            [s for s in ranked_priorities(inputs) if any(i in raised for i in s.inputs)]))
    themes.sort(key=lambda t: (-len(t.partners), t.theme.title))
    quotes = [Quote(i.key_quote, attribution(i, inputs.partner_of(i), audience), i)
              for i in items if i.key_quote and may_show(i, audience)]
    return Synthesis([], themes, ranked_priorities(inputs), quotes,
                     any(i.illustrative for i in items))
