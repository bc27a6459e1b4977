"""Outcomes of the partners meeting: objectives, then each session."""

from __future__ import annotations

import re

from ..inputs import StrategyInputs
from ..inputs.records import PartnerInput, Session, Speaker
from .consent import Audience, attribution, may_name, may_show
from .markdown import (anchor, front_matter, illustrative_mark, input_link, key_messages, long_date, md_escape,
                       number, priority_link, references, session_link)
from .priorities import lower_first
from .ranking import ranked_priorities

TITLE = "Outcomes of the partners meeting"


def meeting_outcomes(inputs: StrategyInputs, audience: Audience) -> str:
    meeting = inputs.meeting
    out = [front_matter(TITLE, "Objectives, sessions, speakers, key messages and outcomes of the partners meeting."),
           f"# {TITLE}\n"]
    # Every message rests on what the sessions discussed and concluded: invented in the bundled example.
    out.append(key_messages(_messages(inputs), illustrative=meeting.illustrative))
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
            out.append(_inputs_made(inputs, made_here, audience))
    return "\n".join(out)


def _inputs_made(inputs: StrategyInputs, made_here: list[PartnerInput], audience: Audience) -> str:
    """Who made inputs in the session, as consent allows, with the inputs as references."""
    visible = [i for i in made_here if may_show(i, audience)]
    hidden = len(made_here) - len(visible)
    who = []
    for n, item in enumerate(visible):
        said = attribution(item, inputs.partner_of(item), audience)
        # "A UN agency" opens the list; further on it reads "a UN agency".
        who.append(md_escape(said if n == 0 or may_name(item, audience) else lower_first(said)))
    if hidden:  # said here, so not again in the references
        who.append(f"{number(hidden)} withheld input{'s' if hidden != 1 else ''}")
    listed = ", ".join(who[:-1]) + (" and " if len(who) > 1 else "") + who[-1]
    return (f"**Partner inputs made in this session:** {listed}."
            f"{references([input_link(i) for i in visible])}\n")


# "Representative of Côte d'Ivoire": a placeholder for a partner's speaker, not a person's name.
_PLACEHOLDER = re.compile(r"representative of\b", re.IGNORECASE)


def _person(speaker: Speaker) -> str:
    """A speaker's line, each thing said once: a placeholder name gives way to the organisation that says
    who the speaker represents, and a representative's role that only repeats the rest ("Government
    representative" beside "Government of Togo", "Workers' representative" beside "Representative of a
    workers' organization") is left out. A speaker for an unnamed partner comes without an organisation
    (consent.audience_view)."""
    name = None if _PLACEHOLDER.match(speaker.name) and speaker.organisation else speaker.name
    others = _words(" ".join(filter(None, (name, speaker.organisation))))
    role = None if _words(speaker.role) - {"representative"} <= others else speaker.role
    return ", ".join(md_escape(p) for p in (name, role, speaker.organisation) if p)


def _words(text: str) -> set[str]:
    return {w.strip("'’").casefold() for w in re.findall(r"[\w'’-]+", text)}


def _messages(inputs: StrategyInputs) -> list[str]:
    """What the sessions discussed most and concluded: the priority on most sessions' agendas, then the first
    outcome of each of the three sessions that took up the most priorities."""
    sessions = inputs.meeting.sessions
    ranking = [s for s in ranked_priorities(inputs) if s.sessions]
    messages = []
    if ranking:
        # The ranking by partners breaks ties between priorities discussed in as many sessions.
        by_sessions = sorted(ranking, key=lambda s: -len(s.sessions))
        first = by_sessions[0]
        line = (f"{priority_link(first.priority.id, first.priority.title)} was on the agenda of more sessions "
                f"than any other priority ({number(len(first.sessions))} of {number(len(sessions))})")
        if len(by_sessions) > 1 and len(by_sessions[1].sessions) > 1:
            second = by_sessions[1]
            line += (f", followed by {priority_link(second.priority.id, lower_first(second.priority.title))} "
                     f"({number(len(second.sessions))})")
        messages.append(line + ".")
    concluding = sorted(sessions, key=lambda s: -len(s.priorities))[:3]
    messages += [_concluded(s) for s in sessions if s in concluding]
    return messages


def _concluded(session: Session) -> str:
    outcome = session.outcomes[0].rstrip(".")
    return f"{md_escape(outcome)} (*{md_escape(session.title)}*).{references([session_link(session.id)])}"
