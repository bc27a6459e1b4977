"""Summary of inputs received: what partners proposed, theme by theme, where kinds of partner agree and
where they differ (chapters/synthesis.py writes it); and its annex, the inputs received in numbers: who sent
what, when, on which themes and priorities."""

from __future__ import annotations

from collections import Counter, defaultdict

from ..inputs import StrategyInputs
from ..inputs.records import Consent, PartnerInput, PartnerKind, Region, Timing
from .consent import (SMALL_CELLS_NOTE, Audience, Cell, consent_clauses, may_name, may_show, small_cells,
                      unnamed_partners)
from .markdown import (PARTNERS, REGISTER, figure, front_matter, id_list, input_link, key_messages, long_date,
                       md_escape, number, partner_text, priority_link, quote_block, table)
from .charts import Chart
from .ranking import ranked_priorities
from .synthesis import Quote, Synthesis, synthesize

TITLE = "Summary of inputs received"
NUMBERS_TITLE = "Inputs received in numbers"
NUMBERS = "inputs-in-numbers.md"  # the annex's file, next to this chapter's
# The synthesis's pictures (charts.synthesis_charts), shown when drawn, in this order.
FIGURES = ("inputs-heat-map.svg", "priority-support.svg")


def summary_of_inputs(inputs: StrategyInputs, audience: Audience, charts: list[Chart] = ()) -> str:
    """The synthesis as a chapter: key messages, the picture of the whole, a section per theme, and partners'
    own words. The counts behind it are the annex `inputs_in_numbers`."""
    synthesis = synthesize(inputs, audience)
    out = [front_matter(TITLE, "What partners proposed for Phase III, theme by theme, where they agree and "
                               "where they differ."),
           f"# {TITLE}\n"]
    if synthesis.key_messages:
        out.append(key_messages(synthesis.key_messages, synthesis.illustrative))
    out.append(_introduction(inputs, audience) + "\n")
    out.append(_whole(synthesis, charts))
    for finding in synthesis.themes:
        if finding.minor:
            continue
        out.append(f"## {md_escape(finding.theme.title)} {{#theme-{finding.theme.id}}}\n")
        out.extend(f"{paragraph}\n" for paragraph in finding.paragraphs)
        out.extend(_quote(q) + "\n" for q in finding.quotes)
    if synthesis.minor_themes:
        out.append("## Other themes\n")
        out.append(synthesis.minor_themes + "\n")
    out.append("## In partners' words\n")
    out.append(_quotes(synthesis))
    out.append(f"The partners who may be named are listed in the [list of partners]({PARTNERS}).\n")
    return "\n".join(out)


def _introduction(inputs: StrategyInputs, audience: Audience) -> str:
    items = list(inputs.partner_inputs.values())
    partners = {i.partner for i in items}
    withheld = [i for i in items if i.consent is Consent.WITHHELD]
    before = [i for i in items if i.timing is Timing.BEFORE_MEETING]
    during = [i for i in items if i.timing is Timing.DURING_MEETING]
    first, last = min(i.received for i in items), max(i.received for i in items)
    return (f"Between {long_date(first)} and {long_date(last)}, **{number(len(partners))} partners** sent "
            f"**{number(len(items))} inputs** for the Phase III strategy: {number(len(before))} before the "
            f"partners meeting of {long_date(inputs.meeting.date)} and {number(len(during))} during it. "
            + _consent_sentence(len(unnamed_partners(inputs, audience)), len(withheld), audience)
            + " This chapter sets out what they proposed, theme by theme: who raised each theme, the priorities "
            "proposed under it, where kinds of partner agree and where they differ, in partners' own words where "
            "they allow it. The inputs behind each paragraph are listed in brackets at its end; each leads to its "
            f"entry in the [register of partner inputs]({REGISTER}). The counts are in the annex "
            f"[{NUMBERS_TITLE}]({NUMBERS}).")


def _whole(synthesis: Synthesis, charts: list[Chart]) -> str:
    by_name = {c.file_name: c for c in charts}
    figures = [figure(by_name[name], f"fig-{name.removesuffix('.svg')}") for name in FIGURES if name in by_name]
    if not synthesis.overview and not figures:
        return ""
    return "\n".join(["## A picture of the whole\n", *([synthesis.overview + "\n"] if synthesis.overview else []),
                      *figures])


def _quote(quote: Quote) -> str:
    who = md_escape(quote.attribution)
    return quote_block(partner_text(quote.text), f"{who} ({input_link(quote.input)})",
                       illustrative=quote.input.illustrative)


def _quotes(synthesis: Synthesis) -> str:
    """The synthesis's representative quotes: one per kind of partner, none already quoted above."""
    if not synthesis.quotes:
        return "No other input offered a quotable sentence.\n"
    lead = "A few more partners in their own words, no more than one of each kind:\n\n"
    return lead + "\n\n".join(_quote(q) for q in synthesis.quotes) + "\n"


def inputs_in_numbers(inputs: StrategyInputs, audience: Audience) -> str:
    """The annex: the count tables the summary of inputs received is written from."""
    items = list(inputs.partner_inputs.values())
    shown = [i for i in items if may_show(i, audience)]
    partners = {i.partner for i in items}
    withheld = [i for i in items if i.consent is Consent.WITHHELD]
    unnamed = unnamed_partners(inputs, audience)
    out = [front_matter(NUMBERS_TITLE, "Who sent inputs for the Phase III strategy, when, and what they proposed, "
                                       "counted."),
           f"# {NUMBERS_TITLE}\n"]
    out.append(
        f"These tables count the **{number(len(items))} inputs** that **{number(len(partners))} partners** sent "
        f"for the Phase III strategy; the [{TITLE.lower()}](inputs-received.md) says what they proposed. "
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
