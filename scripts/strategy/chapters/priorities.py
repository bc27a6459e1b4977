"""Priorities for Phase III: each priority with the inputs and sessions behind it."""

from __future__ import annotations

from collections import Counter

from ..inputs import StrategyInputs
from ..inputs.consistency import third_person_opening
from ..inputs.records import PartnerInput, PartnerKind, ProposedPriority, Wording
from ..names import NameFinder, partner_variants
from .consent import MINIMUM_CELL, Audience, attribution, may_show
from .markdown import (front_matter, illustrative_mark, input_link, key_messages, md_escape, number, partner_text,
                       priority_link, quote_block, references, session_link)
from .ranking import PrioritySupport, ranked_priorities

TITLE = "Priorities for Phase III"
PROPOSALS_SHOWN = 3


def priorities_chapter(inputs: StrategyInputs, audience: Audience) -> str:
    ranking = ranked_priorities(inputs)
    out = [front_matter(TITLE, "The priorities proposed for Phase III, with the inputs and sessions behind each."),
           f"# {TITLE}\n"]
    messages = _messages(inputs, ranking)
    out.append(key_messages([m for m, _ in messages], illustrative=[flag for _, flag in messages]))
    out.append(f"Partners' proposals and the meeting's sessions point to {len(ranking)} candidate priorities. "
               "They are listed by how many partners support each, with the kinds of partner that propose each "
               "most often and the sessions that discussed it. Proposals in the partner's own words are quoted; "
               "the others are summarised.\n")
    variants = partner_variants(inputs)
    for rank, support in enumerate(ranking, start=1):
        out.append(_section(inputs, audience, support, rank, len(ranking), variants))
    return "\n".join(out)


def _section(inputs: StrategyInputs, audience: Audience, support: PrioritySupport, rank: int, ranked: int,
             variants: dict) -> str:
    priority = support.priority
    out = [f"## {md_escape(priority.title)} {{#{priority.id}}}\n", f"{md_escape(priority.description)}\n"]
    visible = [i for i in support.inputs if may_show(i, audience)]
    partners = len(support.partners)
    kinds = f", most often by {_kinds(_pressing(inputs, support))}" if support.inputs else ""
    out.append(f"**Support:** ranked {rank} of {ranked}; proposed by {number(partners)} "
               f"partner{'s' if partners != 1 else ''} in {number(len(support.inputs))} "
               f"input{'s' if len(support.inputs) != 1 else ''}{kinds}."
               f"{references([input_link(i) for i in visible], len(support.inputs) - len(visible))}\n")
    if support.sessions:
        titles = "; ".join(md_escape(s.title) for s in support.sessions)
        out.append(f"**Discussed at the partners meeting in:** {titles}."
                   f"{references([session_link(s.id) for s in support.sessions])}\n")
    quoted, summarised = [], []
    for item in visible[:PROPOSALS_SHOWN]:
        proposal = next(p for p in item.priorities if p.priority == priority.id)
        who = md_escape(attribution(item, inputs.partner_of(item), audience))
        if proposal.wording is Wording.QUOTATION:
            quoted.append(quote_block(partner_text(proposal.proposal), who + references([input_link(item)]),
                                      illustrative=item.illustrative) + "\n")
        else:
            summarised.append(_summary(item, proposal, who, NameFinder(variants.get(item.partner, ()))))
    out += quoted
    if summarised:
        out.append("Proposals as the drafting team summarised them:\n")
        out += summarised
        out.append("")
    return "\n".join(out)


def _summary(item: PartnerInput, proposal: ProposedPriority, who: str, names: NameFinder) -> str:
    """A summary is running text, never a quotation; it names its partner (as consent allows) unless its own
    text opens with that name, as in "Luxembourg proposes ..." (for an unnamed partner, the view's text opens
    with its kind instead, which the view's variants hold as the partner's name)."""
    text = partner_text(proposal.proposal)
    label = "" if third_person_opening(proposal.proposal, names) else f"**{who}:** "
    mark = f" {illustrative_mark()}" if item.illustrative else ""
    return f"- {label}{text}{references([input_link(item)])}{mark}"


def _pressing(inputs: StrategyInputs, support: PrioritySupport) -> list[PartnerKind]:
    """The one or two kinds of partner with the most partners supporting the priority."""
    counts = Counter(inputs.partners[p].kind for p in support.partners)
    order = list(PartnerKind)
    top = sorted(counts, key=lambda k: (-counts[k], order.index(k)))
    return [k for k in top[:2] if counts[k] == counts[top[0]] or counts[k] >= 2]


def kind_plural(kind: PartnerKind) -> str:
    """The kind as running text names it: "workers' organizations", "UN agencies"."""
    label = kind.label
    if kind is PartnerKind.ACADEMIA:
        return "academic and research institutions"
    return lower_first(label)


def lower_first(text: str) -> str:
    """A title inside a sentence: "Social health protection" reads "social health protection"; a title opening
    with an acronym ("UN agencies", "SDG targets") keeps it."""
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


def _kinds(kinds: list[PartnerKind]) -> str:
    return " and ".join(kind_plural(k) for k in kinds)


def _messages(inputs: StrategyInputs, ranking: list[PrioritySupport]) -> list[tuple[str, bool]]:
    """Three to five messages about which priorities lead and who presses for them, each with whether it
    rests on illustrative records."""
    supported = [s for s in ranking if s.partners]
    if not supported:
        return [("No partner input proposes a priority yet.", False)]
    items = list(inputs.partner_inputs.values())
    invented = any(i.illustrative for i in items)
    contributors = {i.partner for i in items}
    total = len(contributors)
    link = lambda s: priority_link(s.priority.id, s.priority.title)  # noqa: E731
    first = supported[0]
    messages = [(f"{link(first)} leads: {number(len(first.partners))} of the {number(total)} partners who sent "
                 f"inputs propose it, most often {_kinds(_pressing(inputs, first))}.", invented)]
    if len(supported) > 1:
        follow = [f"{link(s)} ({number(len(s.partners))} partners, most often {_kinds(_pressing(inputs, s))})"
                  for s in supported[1:3]]
        messages.append((f"Next come {' and '.join(follow)}.", invented))
    messages += [(m, invented) for m in _distinctive(inputs, supported, contributors)]
    if meeting := _meeting_message(inputs, supported):
        messages.append((meeting, inputs.meeting.illustrative))
    return messages[:5]


def _distinctive(inputs: StrategyInputs, ranking: list[PrioritySupport], contributors: set[str]) -> list[str]:
    """Up to two kinds of partner that press for a priority far more than partners as a whole: where kinds of
    partner differ. Only kinds and groups of at least MINIMUM_CELL partners, so that no count singles one out."""
    members: dict[PartnerKind, set[str]] = {}
    for pid in contributors:
        members.setdefault(inputs.partners[pid].kind, set()).add(pid)
    found = []
    for kind, group in members.items():
        for support in ranking:
            backing = len(support.partners & group)
            lift = backing / len(group) - len(support.partners) / len(contributors)
            if backing >= MINIMUM_CELL and lift > 0:
                found.append((lift, kind, support, backing, len(group)))
    found.sort(key=lambda f: (-f[0], list(PartnerKind).index(f[1]), f[2].priority.title))
    messages, kinds, priorities = [], set(), set()
    for _, kind, support, backing, size in found:
        if kind in kinds or support.priority.id in priorities:
            continue
        kinds.add(kind)
        priorities.add(support.priority.id)
        share = f"all {number(size)} of them" if backing == size else f"{number(backing)} of their {number(size)}"
        plural = kind_plural(kind)
        messages.append(f"{plural[:1].upper() + plural[1:]} press hardest for "
                        f"{priority_link(support.priority.id, lower_first(support.priority.title))}: {share} propose "
                        f"it, against {number(len(support.partners))} of all {number(len(contributors))} partners.")
        if len(messages) == 2:
            break
    return messages


def _meeting_message(inputs: StrategyInputs, ranking: list[PrioritySupport]) -> str | None:
    """Whether the meeting's sessions and the partners' inputs put the same priority first."""
    sessions = inputs.meeting.sessions
    discussed = [s for s in ranking if s.sessions]
    if not discussed:
        return None
    most = max(discussed, key=lambda s: len(s.sessions))  # the first of equals in the ranking
    count = f"{number(len(most.sessions))} of the {number(len(sessions))} sessions"
    if most is ranking[0]:
        return (f"The meeting agrees: its sessions discussed {md_escape(lower_first(most.priority.title))} more "
                f"than any other priority ({count}).")
    return (f"The meeting weighed priorities differently: its sessions discussed "
            f"{md_escape(lower_first(most.priority.title))} most ({count}), while partners' inputs put "
            f"{md_escape(lower_first(ranking[0].priority.title))} first.")
