"""Outcomes of the partners meeting: objectives, then each session."""

from __future__ import annotations

from ..inputs import StrategyInputs
from ..inputs.records import Speaker
from .consent import Audience, may_show
from .markdown import (anchor, front_matter, illustrative_mark, key_messages, long_date, id_list, input_link,
                       md_escape, priority_link)

TITLE = "Outcomes of the partners meeting"


def meeting_outcomes(inputs: StrategyInputs, audience: Audience) -> str:
    meeting = inputs.meeting
    out = [front_matter(TITLE, "Objectives, sessions, speakers, key messages and outcomes of the partners meeting."),
           f"# {TITLE}\n"]
    messages = _messages(inputs, audience)
    # The last message states the objectives, which are real; the others count the (invented) sessions.
    out.append(key_messages(messages, illustrative=[meeting.illustrative] * (len(messages) - 1) + [False]))
    # What is real (from the meeting's own source) and what is invented, said where the reader meets it.
    note = f" Source: {md_escape(meeting.source.rstrip('.'))}." if meeting.source else ""
    if meeting.illustrative:
        note += (f"\n\n{illustrative_mark()} The sessions below are illustrative: who spoke in each, their key "
                 "messages and their outcomes were invented for the bundled example.")
    out.append(f"The {md_escape(meeting.title)} took place on {long_date(meeting.date)} ({md_escape(meeting.venue)}; "
               f"{md_escape(meeting.format.lower())} format). It had {len(meeting.objectives)} objectives and "
               f"{len(meeting.sessions)} sessions.{note}\n")
    out.append("## Objectives\n")
    for objective in meeting.objectives:
        out.append(f"- **{objective.id}.** {md_escape(objective.text)}")
    out.append("")
    for session in meeting.sessions:
        origin = inputs.origins.get(f"Session:{session.id}")
        out.append(f"## {session.id} · {md_escape(session.title)} {{#{anchor(session.id)}}}\n")
        if origin:
            out.append(f"<!-- source: {origin} -->\n")
        objectives = ", ".join(session.objectives)
        mark = f"{illustrative_mark()} " if meeting.illustrative else ""
        out.append(f"{mark}*Objectives served: {objectives}.*\n")
        if session.chair:
            out.append(f"**Chair:** {_person(session.chair)}\n")
        out.append("**Speakers:**\n")
        out.extend(f"- {_person(s)}" for s in session.speakers)
        out.append("\n### Key messages\n")
        out.extend(f"- {md_escape(m)}" for m in session.key_messages)
        out.append("\n### Outcomes\n")
        out.extend(f"- {md_escape(o)}" for o in session.outcomes)
        out.append("")
        if session.priorities:
            links = [priority_link(p, inputs.priorities[p].title) for p in session.priorities]
            out.append(f"**Priorities for Phase III this session supports:** {', '.join(links)}.\n")
        made_here = [i for i in inputs.partner_inputs.values() if i.session == session.id]
        if made_here:
            visible = [input_link(i) for i in made_here if may_show(i, audience)]
            out.append(f"**Partner inputs made in this session:** "
                       f"{id_list(visible, len(made_here) - len(visible))}.\n")
    return "\n".join(out)


def _person(speaker: Speaker) -> str:
    # A speaker for an unnamed partner comes without an organisation (consent.audience_view).
    parts = [speaker.name, speaker.role, *([speaker.organisation] if speaker.organisation else [])]
    return ", ".join(md_escape(p) for p in parts)


def _messages(inputs: StrategyInputs, audience: Audience) -> list[str]:
    meeting = inputs.meeting
    speakers = sum(len(s.speakers) + (1 if s.chair else 0) for s in meeting.sessions)
    during = [i for i in inputs.partner_inputs.values() if i.session]
    counts: dict[str, int] = {}
    for session in meeting.sessions:
        for priority in session.priorities:
            counts[priority] = counts.get(priority, 0) + 1
    messages = [f"{len(meeting.sessions)} sessions heard {speakers} chairs and speakers and "
                f"{len(during)} partner interventions."]
    if counts:
        top = max(sorted(counts), key=counts.get)
        messages.append(f"The priority discussed in most sessions was "
                        f"{md_escape(inputs.priorities[top].title.lower())} ({counts[top]} of "
                        f"{len(meeting.sessions)}).")
    messages.append(f"Its {len(meeting.objectives)} objectives ran from taking stock of Phase II to identifying "
                    "key priorities for Phase III.")
    return messages
