"""Register of partner inputs: one entry per input a reader may see, the target of every input ID link."""

from __future__ import annotations

from ..inputs import StrategyInputs
from ..inputs.records import Consent, PartnerInput, Wording
from .consent import Audience, attribution, capitalise, may_name, may_show
from .markdown import (anchor, front_matter, illustrative_label, long_date, md_escape, partner_text, priority_link,
                       session_link)
from .partner_markdown import IMAGES_FOLDER, partner_markdown

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
        # For the authors who look at the Markdown; never a repository path in the reader's text.
        lines.append(f"<!-- source: {origin} -->\n")
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
    images = {ref: f"{IMAGES_FOLDER}/{ref}" for ref in inputs.partner_images if ref.startswith(f"{item.id}/")}
    for field, title in (("vision", "Vision"), ("country_experience", "Country experience")):
        if text := getattr(item, field):
            prefix = f"{anchor(item.id)}-{field.replace('_', '-')}"
            lines.append(f"### {title} {{#{prefix}}}\n\n"
                         f"{partner_markdown(text, prefix=prefix, input_id=item.id, images=images)}\n")
    # An id of the input's own, as every heading of the entry has: the entry's HTML is then the same wherever
    # the entry stands in the register, which lets the preview render only the entries that changed.
    lines.append(f"### Proposals {{#{anchor(item.id)}-proposals}}\n")
    for proposed in item.priorities:
        title = inputs.priorities[proposed.priority].title
        text = partner_text(proposed.proposal)
        # The partner's own words in quotation marks; a summary (or a quotation of several lines) as written.
        if proposed.wording is Wording.QUOTATION and "\n" not in text:
            text = f"“{text}”"
        lines.append(f"- **{md_escape(title)}:** {text}")
    if item.notes and audience is Audience.INTERNAL:
        lines.append(_notes(item))
    return "\n".join(lines) + "\n"


def _notes(item: PartnerInput) -> str:
    """The Word comments and tracked changes of the partner's submission, for the authors only: never in a
    partners or public build (consent.audience_view drops them there too)."""
    kinds = {"comment": "Comment", "insertion": "Inserted", "deletion": "Deleted"}
    out = [f'\n<div class="partner-notes internal-only" markdown="1">\n\n'
           f"### The partner's notes (internal build only) {{#{anchor(item.id)}-notes}}\n\n"
           "Comments and tracked changes in the partner's submission. They are not part of the input's text "
           "and are never shown outside an internal build.\n"]
    for number, note in enumerate(item.notes, start=1):
        who = ", ".join(x for x in (note.author and md_escape(note.author), note.date and long_date(note.date)) if x)
        about = f" on “{partner_text(' '.join(note.anchor.split()))}”" if note.anchor else ""
        reply = f" (reply to note {note.reply_to})" if note.reply_to else ""
        out.append(f"{number}. **{kinds[note.kind.value]}{reply}**{' (' + who + ')' if who else ''}{about}: "
                   f"{partner_text(' '.join(note.text.split()))}")
    return "\n".join(out) + "\n\n</div>\n"
