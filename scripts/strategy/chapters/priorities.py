"""Priorities for Phase III: each priority with the inputs and sessions behind it."""

from __future__ import annotations

from ..inputs import StrategyInputs
from .consent import Audience, attribution, may_show
from .markdown import front_matter, id_list, key_messages, input_link, md_escape, number, partner_text, quote_block, session_link
from .ranking import ranked_priorities

TITLE = "Priorities for Phase III"
PROPOSALS_SHOWN = 3


def priorities_chapter(inputs: StrategyInputs, audience: Audience) -> str:
    ranking = ranked_priorities(inputs)
    out = [front_matter(TITLE, "The priorities proposed for Phase III, with the inputs and sessions behind each."),
           f"# {TITLE}\n"]
    partners = len({i.partner for i in inputs.partner_inputs.values()})
    top = ranking[:3]
    out.append(key_messages([
        f"{len(ranking)} candidate priorities emerged from {len(inputs.partner_inputs)} partner inputs and "
        f"{len(inputs.meeting.sessions)} meeting sessions.",
        *(f"{md_escape(s.priority.title)}: proposed by {len(s.partners)} of {partners} partners." for s in top),
    ], illustrative=any(i.illustrative for i in inputs.partner_inputs.values()) or inputs.meeting.illustrative))
    out.append(f"Partners' proposals and the meeting's sessions point to {len(ranking)} candidate priorities. "
               "They are listed by how many partners support each; every priority names the inputs and sessions "
               "behind it, and quotes some of the proposals.\n")
    for rank, support in enumerate(ranking, start=1):
        priority = support.priority
        out.append(f"## {md_escape(priority.title)} {{#{priority.id}}}\n")
        out.append(f"{md_escape(priority.description)}\n")
        visible = [i for i in support.inputs if may_show(i, audience)]
        links = id_list([input_link(i) for i in visible], len(support.inputs) - len(visible))
        out.append(f"**Support:** ranked {rank} of {len(ranking)}; proposed by {number(len(support.partners))} "
                   f"partner{'s' if len(support.partners) != 1 else ''} in {number(len(support.inputs))} "
                   f"input{'s' if len(support.inputs) != 1 else ''} ({links}).\n")
        if support.sessions:
            sessions = ", ".join(f"{session_link(s.id)} {md_escape(s.title)}" for s in support.sessions)
            out.append(f"**Discussed at the partners meeting in:** {sessions}.\n")
        for item in visible[:PROPOSALS_SHOWN]:
            proposal = next(p.proposal for p in item.priorities if p.priority == priority.id)
            who = md_escape(attribution(item, inputs.partner_of(item), audience))
            out.append(quote_block(partner_text(proposal), f"{who} ({input_link(item)})",
                                   illustrative=item.illustrative) + "\n")
    return "\n".join(out)
