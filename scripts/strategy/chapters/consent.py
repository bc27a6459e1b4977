"""What each audience may see of a partner input, decided in one place.

Consent is the partner's: named (quote and name), anonymous (quote, attributed
by kind of partner only) or withheld (counted, never shown). The audience is
the build's: `internal` authors see everything, withheld material marked as
such; `partners` and `public` see only what consent allows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..audience import Audience
from ..inputs.records import Consent, Partner, PartnerInput

if TYPE_CHECKING:
    from ..inputs import StrategyInputs


def may_show(item: PartnerInput, audience: Audience) -> bool:
    """Whether the input's ID and text may appear at all."""
    return item.consent is not Consent.WITHHELD or audience is Audience.INTERNAL


def may_name(item: PartnerInput, audience: Audience) -> bool:
    """Whether the partner behind the input may be named next to it."""
    return item.consent is Consent.NAMED or audience is Audience.INTERNAL


def attribution(item: PartnerInput, partner: Partner, audience: Audience) -> str:
    """Who said it, as far as consent allows."""
    if item.consent is Consent.NAMED:
        return partner.display_name
    if audience is Audience.INTERNAL:
        return f"{partner.display_name} ({item.consent.value}: not shown outside internal builds)"
    return capitalise(partner.kind.anonymous_label)


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def unnamed_partners(inputs: "StrategyInputs", audience: Audience) -> set[str]:
    """IDs of partners that contributed but may not be named in this audience's build."""
    contributed = {i.partner for i in inputs.partner_inputs.values()}
    named = {i.partner for i in inputs.partner_inputs.values() if may_name(i, audience)}
    return contributed - named


def names_to_keep_out(inputs: "StrategyInputs", audience: Audience) -> set[str]:
    """Every name and short name of the partners this build may not name."""
    out = set()
    for partner_id in unnamed_partners(inputs, audience):
        partner = inputs.partners[partner_id]
        out |= {partner.name, *([partner.short_name] if partner.short_name else [])}
    return out
