"""Which priorities partners support, ranked: shared by two chapters."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..inputs import StrategyInputs
from ..inputs.records import PartnerInput, Priority, Session


@dataclass
class PrioritySupport:
    priority: Priority
    inputs: list[PartnerInput] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)

    @property
    def partners(self) -> set[str]:
        return {i.partner for i in self.inputs}


def ranked_priorities(inputs: StrategyInputs) -> list[PrioritySupport]:
    """Every candidate priority, most-supported first (by partners, then inputs, then title)."""
    support = {p.id: PrioritySupport(p) for p in inputs.priorities.values()}
    for item in inputs.partner_inputs.values():
        for proposed in dict.fromkeys(p.priority for p in item.priorities):
            support[proposed].inputs.append(item)
    for session in inputs.meeting.sessions:
        for priority in session.priorities:
            support[priority].sessions.append(session)
    return sorted(support.values(),
                  key=lambda s: (-len(s.partners), -len(s.inputs), s.priority.title))
