"""Register of partner inputs: one entry per input a reader may see, the target of every input ID link."""

from __future__ import annotations

from ..inputs import StrategyInputs
from ..inputs.records import Consent, PartnerInput
from .consent import Audience, attribution, capitalise, may_name, may_show
from .markdown import (anchor, front_matter, illustrative_label, long_date, md_escape, partner_text, priority_link,
                       session_link)

TITLE = "Register of partner inputs"


def register_of_inputs(inputs: StrategyInputs, audience: Audience) -> str:
    items = list(inputs.partner_inputs.values())
    shown = [i for i in items if may_show(i, audience)]
    hidden = len(items) - len(shown)
    out = [front_matter(TITLE, "Every partner input that may be shown, under its ID."), f"# {TITLE}\n"]
    out.append(f"This register lists {len(shown)} of the {len(items)} inputs received, each under the ID that "
               "the rest of the strategy uses to refer to it. Inputs from partners who asked not to be named "
               "show the kind of partner only."
               + (f" {hidden} input{'s' if hidden != 1 else ''} sent on condition of not being published "
                  f"{'are' if hidden != 1 else 'is'} not listed." if hidden else "") + "\n")
    if any(i.illustrative for i in shown):
        out.append('<div class="illustrative-note" markdown="1">\n\n**Illustrative data.** The inputs in the '
                   "bundled example were invented to show how the pipeline works; they are not real "
                   "submissions.\n\n</div>\n")
    for item in shown:
        out.append(_entry(inputs, item, audience))
    return "\n".join(out)


def _entry(inputs: StrategyInputs, item: PartnerInput, audience: Audience) -> str:
    partner = inputs.partner_of(item)
    named = may_name(item, audience)
    heading = md_escape(attribution(item, partner, audience))
    lines = [f"## {item.id} · {heading} {{#{anchor(item.id)}}}\n", illustrative_label(item.illustrative)]
    origin = inputs.origins.get(f"PartnerInput:{item.id}")
    if origin and audience is Audience.INTERNAL:
        lines.append(f"*Source: `{origin}`*\n")
    if item.consent is Consent.WITHHELD:
        lines.append('<p class="withheld-note"><strong>Withheld:</strong> the partner asked that this input not '
                     "be published. It appears only in internal builds.</p>\n")
    facts = [("Kind of partner", capitalise(partner.kind.anonymous_label.split(" ", 1)[1]))]
    if named:
        facts.append(("Region", partner.region.label))
        if partner.country:
            facts.append(("Country", inputs.countries[partner.country].name))
    received = f"{long_date(item.received)}, {item.timing.label.lower()} ({item.channel.label.lower()})"
    facts.append(("Received", received))
    if item.session:
        session = inputs.sessions[item.session]
        facts.append(("Session", f"{session_link(session.id)} {md_escape(session.title)}"))
    facts.append(("Thematic areas", "; ".join(md_escape(inputs.thematic_areas[t].title) for t in item.themes)))
    facts.append(("Priorities proposed",
                  "; ".join(priority_link(p.priority, inputs.priorities[p.priority].title) for p in item.priorities)))
    lines.append('<dl class="register-entry" markdown="1">')
    for term, value in facts:
        lines.append(f'<dt>{term}</dt>\n<dd markdown="1">{value}</dd>')
    lines.append("</dl>\n")
    if item.vision:
        lines.append(f"### Vision {{#{anchor(item.id)}-vision}}\n\n{partner_text(item.vision)}\n")
    if item.country_experience:
        lines.append(f"### Country experience {{#{anchor(item.id)}-country-experience}}\n\n"
                     f"{partner_text(item.country_experience)}\n")
    lines.append("### Proposals\n")
    for proposed in item.priorities:
        title = inputs.priorities[proposed.priority].title
        lines.append(f"- **{md_escape(title)}:** {partner_text(proposed.proposal)}")
    return "\n".join(lines) + "\n"
