"""Summary of inputs received: who sent what, when, on which themes and priorities."""

from __future__ import annotations

from collections import Counter, defaultdict

from ..inputs import StrategyInputs
from ..inputs.records import Consent, PartnerInput, PartnerKind, Region, Timing
from .consent import (SMALL_CELLS_NOTE, Audience, Cell, attribution, consent_clauses, may_name, may_show,
                      small_cells, unnamed_partners)
from .markdown import (PARTNERS, front_matter, long_date, id_list, input_link, md_escape, number, partner_text, priority_link,
                       quote_block, table)
from .charts import Chart
from .ranking import ranked_priorities

TITLE = "Summary of inputs received"


def summary_of_inputs(inputs: StrategyInputs, audience: Audience, charts: list[Chart] = ()) -> str:
    items = list(inputs.partner_inputs.values())
    shown = [i for i in items if may_show(i, audience)]
    partners = {i.partner for i in items}
    withheld = [i for i in items if i.consent is Consent.WITHHELD]
    unnamed = unnamed_partners(inputs, audience)
    before = [i for i in items if i.timing is Timing.BEFORE_MEETING]
    during = [i for i in items if i.timing is Timing.DURING_MEETING]
    first, last = min(i.received for i in items), max(i.received for i in items)

    out = [front_matter(TITLE, "Who sent inputs for the Phase III strategy, when, and what they proposed."),
           f"# {TITLE}\n"]
    out.append(
        f"Between {long_date(first)} and {long_date(last)}, **{number(len(partners))} partners** sent "
        f"**{number(len(items))} inputs** for the Phase III strategy: {number(len(before))} before the "
        f"partners meeting of {long_date(inputs.meeting.date)} and {number(len(during))} during it. "
        + _consent_sentence(len(unnamed), len(withheld), audience)
        + " Each input has an ID, such as " + (input_link(shown[0]) if shown else "PI-001")
        + ", that leads to its entry in the register of partner inputs.\n"
    )

    out.append("## Who contributed\n")
    out.append(_by_kind(inputs, items, audience) + "\n")
    out.append("## When and how inputs came in\n")
    out.append(_by_timing(items, audience) + "\n")
    out.append("## Inputs by region\n")
    out.append("Partners that work across regions are counted under *Global*. To protect partners who asked "
               "not to be named, only the IDs of named inputs are listed by region.\n")
    out.append(_by_region(inputs, items, audience) + "\n")
    out.append("## Inputs by thematic area\n")
    out.append(_by_theme(inputs, items, audience) + "\n")
    out.append("## Proposed priorities for Phase III\n")
    out.append("Each proposal in an input was coded against the candidate priorities. A priority's support is the "
               "number of distinct partners that proposed it.\n")
    out.append(_priorities(inputs, audience) + "\n")
    out.append("## In partners' words\n")
    out.append(_quotes(inputs, shown, audience))
    out.append(f"The partners who may be named are listed in the [list of partners]({PARTNERS}).\n")
    return "\n".join(out)


def _consent_sentence(unnamed: int, withheld: int, audience: Audience) -> str:
    parts = consent_clauses(unnamed, withheld, audience, who="partner", what="input", shown="shown")
    return ("; ".join(parts) + ".") if parts else "Every partner agreed to be named."


def _links(items: list[PartnerInput], audience: Audience, *, named_only: bool = False) -> str:
    visible = [i for i in items if may_show(i, audience) and (not named_only or may_name(i, audience))]
    hidden = len(items) - len(visible)
    return id_list([input_link(i) for i in visible], hidden, "not listed" if named_only else "withheld")


def _by_timing(items: list[PartnerInput], audience: Audience) -> str:
    rows = []
    for timing in Timing:
        group = [i for i in items if i.timing is timing]
        channels = Counter(i.channel.label for i in group)
        how = "; ".join(f"{name.lower()}: {count}" for name, count in sorted(channels.items()))
        rows.append([timing.label, number(len(group)), how or "–", _links(group, audience)])
    return table(["When", "Inputs", "How they came in", "Input IDs"], rows, numeric=(1,),
                 caption="Inputs before and during the partners meeting", table_id="tbl-by-timing",
                 illustrative=any(i.illustrative for i in items))


def _by_kind(inputs: StrategyInputs, items: list[PartnerInput], audience: Audience) -> str:
    return _by_partner_attribute(inputs, items, audience, "kind", PartnerKind, "Kind of partner", named_only=False,
                                 caption="Partners and inputs by kind of partner", table_id="tbl-by-kind")


def _by_region(inputs: StrategyInputs, items: list[PartnerInput], audience: Audience) -> str:
    return _by_partner_attribute(inputs, items, audience, "region", Region, "Region", named_only=True,
                                 caption="Partners and inputs by region", table_id="tbl-by-region")


def _by_partner_attribute(inputs: StrategyInputs, items: list[PartnerInput], audience: Audience, attribute: str,
                          values, header: str, *, named_only: bool, caption: str, table_id: str) -> str:
    """Partners and inputs counted by one attribute of the partner (its kind or its region).

    `named_only` lists only named inputs' IDs: a region next to an anonymous input could identify its partner.
    """
    groups: dict = defaultdict(list)
    for item in items:
        groups[getattr(inputs.partner_of(item), attribute)].append(item)
    cells, merged = _protected([Cell(value.label, {i.partner for i in groups[value]}, groups[value])
                                for value in values if groups.get(value)], inputs, audience)
    rows = [[cell.label, number(len(cell.partners)), number(len(cell.items)),
             _links(cell.items, audience, named_only=named_only)] for cell in cells]
    rows.append(["**Total**", f"**{number(len({i.partner for i in items}))}**", f"**{number(len(items))}**", ""])
    ids = "Named input IDs" if named_only else "Input IDs"
    return table([header, "Partners", "Inputs", ids], rows, numeric=(1, 2), caption=caption,
                 table_id=table_id,
                 illustrative=any(i.illustrative for i in items)) + _note(merged)


def _protected(cells: list[Cell], inputs: StrategyInputs, audience: Audience) -> tuple[list[Cell], bool]:
    """Outside internal builds, no row may narrow an unnamed partner down to fewer than three (consent.py)."""
    if audience is Audience.INTERNAL:
        return cells, False
    return small_cells(cells, unnamed_partners(inputs, audience))


def _note(merged: bool) -> str:
    return f"\n\n{SMALL_CELLS_NOTE}" if merged else ""


def _by_theme(inputs: StrategyInputs, items: list[PartnerInput], audience: Audience) -> str:
    groups: dict[str, list[PartnerInput]] = defaultdict(list)
    for item in items:
        for theme in item.themes:
            groups[theme].append(item)
    order = sorted(groups, key=lambda t: (-len({i.partner for i in groups[t]}), inputs.thematic_areas[t].title))
    cells, merged = _protected([Cell(md_escape(inputs.thematic_areas[t].title), {i.partner for i in groups[t]},
                                     groups[t]) for t in order], inputs, audience)
    rows = [[cell.label, number(len(cell.partners)), _links(cell.items, audience)] for cell in cells]
    unmentioned = [inputs.thematic_areas[t].title for t in inputs.thematic_areas if t not in groups]
    note = (f"\n\nNo input named these thematic areas: {', '.join(md_escape(t) for t in unmentioned)}."
            if unmentioned else "")
    return table(["Thematic area", "Partners", "Input IDs"], rows, numeric=(1,),
                 caption="Partners naming each thematic area", table_id="tbl-by-theme",
                 illustrative=any(i.illustrative for i in items)) + note + _note(merged)


def _priorities(inputs: StrategyInputs, audience: Audience) -> str:
    rows = []
    for rank, support in enumerate(ranked_priorities(inputs), start=1):
        rows.append([str(rank), priority_link(support.priority.id, support.priority.title),
                     number(len(support.partners)), _links(support.inputs, audience)])
    return table(["Rank", "Priority", "Partners", "Input IDs"], rows, numeric=(0, 2),
                 caption="Proposed priorities for Phase III, by partner support", table_id="tbl-priorities",
                 illustrative=any(i.illustrative for s in ranked_priorities(inputs) for i in s.inputs))


def _quotes(inputs: StrategyInputs, shown: list[PartnerInput], audience: Audience) -> str:
    """One quote per kind of partner, the first by ID that has a key quote."""
    chosen: dict[PartnerKind, PartnerInput] = {}
    for item in shown:
        kind = inputs.partner_of(item).kind
        if item.key_quote and kind not in chosen:
            chosen[kind] = item
    if not chosen:
        return "No input offered a quotable sentence.\n"
    blocks = []
    for kind in PartnerKind:
        item = chosen.get(kind)
        if item:
            who = md_escape(attribution(item, inputs.partner_of(item), audience))
            blocks.append(quote_block(partner_text(item.key_quote), f"{who} ({input_link(item)})",
                                      illustrative=item.illustrative))
    return "\n\n".join(blocks) + "\n"
