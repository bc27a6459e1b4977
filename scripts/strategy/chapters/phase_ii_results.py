"""Phase II results: targets against achievements, overall, by region and by country."""

from __future__ import annotations

from collections import defaultdict

from ..inputs import StrategyInputs
from ..inputs.records import CountryResult, HeadlineFigure, Region
from .consent import Audience
from .charts import Chart
from .markdown import figure, front_matter, key_messages, long_date, md_escape, millions, number, percent, table

TITLE = "Phase II results"


def phase_ii_results(inputs: StrategyInputs, audience: Audience, charts: list[Chart]) -> str:
    summary = inputs.results
    changes = summary.institutional_changes
    people_target = sum(p.target for p in summary.people)
    people_achieved = sum(p.achieved for p in summary.people)
    out = [front_matter(TITLE, "Phase II targets against achievements, overall, by region and by country."),
           f"# {TITLE}\n"]
    messages = _messages(inputs)
    out.append(key_messages([m for m, _ in messages], illustrative=[flag for _, flag in messages]))
    out.append(_headline_paragraph(inputs) or
               f"In {md_escape(summary.phase)}, the Programme worked in {summary.priority_countries} priority "
               f"countries. Over {md_escape(summary.reporting_period)} it contributed to "
               f"**{number(changes.achieved)} institutional changes** against a target of {number(changes.target)} "
               f"({percent(changes.achieved, changes.target)} of the target), and extended coverage to "
               f"**{millions(people_achieved)} people** against a target of {millions(people_target)}.\n")
    if summary.illustrative_note:
        out.append(f'<div class="illustrative-note" markdown="1">\n\n**Illustrative data.** '
                   f"{md_escape(summary.illustrative_note)}\n\n</div>\n")
    out.append("## Targets and achievements\n")
    rows = [["Institutional changes", number(changes.target), number(changes.achieved),
             percent(changes.achieved, changes.target)]]
    for people in summary.people:
        rows.append([f"People: {people.dimension.label.lower()}", number(people.target), number(people.achieved),
                     percent(people.achieved, people.target)])
    rows.append(["**People: all dimensions**", f"**{number(people_target)}**", f"**{number(people_achieved)}**",
                 f"**{percent(people_achieved, people_target)}**"])
    out.append(table(["Indicator", "Target", "Achieved", "Share of target"], rows, numeric=(1, 2, 3),
                     caption="Phase II targets and achievements", table_id="tbl-targets",
                     illustrative=bool(summary.illustrative_note)) + "\n")
    out.append(f"Source: {md_escape(summary.source.rstrip('.'))}.\n")
    figures = {c.file_name.removesuffix(".svg"): figure(c, f"fig-{c.file_name.removesuffix('.svg')}") for c in charts}
    out.append(figures.pop("results-targets", ""))

    by_region: dict[Region, list[CountryResult]] = defaultdict(list)
    for row in inputs.country_results:
        by_region[inputs.countries[row.country].region].append(row)
    dimensions = [p.dimension for p in summary.people]

    out.append("## Results by region\n")
    rows = []
    for region in Region:
        group = by_region.get(region)
        if group:
            rows.append([region.label, number(len(group)), number(sum(r.institutional_changes for r in group)),
                         *(number(sum(r.people(d) for r in group)) for d in dimensions)])
    headers = ["Region", "Countries", "Institutional changes", *(d.label for d in dimensions)]
    out.append(table(headers, rows, numeric=tuple(range(1, len(headers))),
                     caption="Phase II results by region", table_id="tbl-regions",
                     illustrative=any(r.illustrative for r in inputs.country_results)) + "\n")
    out.extend(figures.values())

    out.append("## Results by country\n")
    out.append("Each row is one priority country, with its three-letter country code in brackets.\n")
    for region in Region:
        group = by_region.get(region)
        if not group:
            continue
        out.append(f"### {region.label}\n")
        rows = [[f'<span id="result-{r.country.lower()}"></span>{md_escape(inputs.countries[r.country].name)} '
                 f"({r.country})", number(r.institutional_changes), *(number(r.people(d)) for d in dimensions)]
                for r in sorted(group, key=lambda r: inputs.countries[r.country].name)]
        headers = ["Country", "Institutional changes", *(d.label for d in dimensions)]
        out.append(table(headers, rows, numeric=tuple(range(1, len(headers))),
                         caption=f"Phase II results by country: {region.label}",
                         table_id=f"tbl-countries-{region.value}",
                         illustrative=any(r.illustrative for r in group)) + "\n")
    return "\n".join(out)




def _headline_paragraph(inputs: StrategyInputs) -> str | None:
    """The headline figures as the one record states them, with its source; None without that record."""
    headline = inputs.headline
    figures = {f: headline.figure(f) for f in ("priority-countries", "period", "institutional-changes", "people")} \
        if headline else {}
    if not figures or None in figures.values():
        return None
    source = headline.source_of(headline.source)
    changes, people = figures["institutional-changes"], figures["people"]
    against = lambda f: f", against {md_escape(f.target_text)}" if f.target_text else ""  # noqa: E731
    return (f"In {md_escape(inputs.results.phase)}, the Programme worked in "
            f"{md_escape(figures['priority-countries'].text)}. In {md_escape(figures['period'].text)} it contributed "
            f"to **{md_escape(changes.text)}**{against(changes)}, and legal and effective coverage increased for "
            f"**{md_escape(people.text)}**{against(people)}."
            + (f" Source: {md_escape(source.title)}.\n" if source else "\n"))


def _messages(inputs: StrategyInputs) -> list[tuple[str, bool]]:
    """Each key message, and whether it rests on illustrative records."""
    summary = inputs.results
    changes = summary.institutional_changes
    people = sum(p.achieved for p in summary.people)
    target = sum(p.target for p in summary.people)
    by_region: dict[Region, int] = defaultdict(int)
    for row in inputs.country_results:
        by_region[inputs.countries[row.country].region] += row.institutional_changes
    top = max(by_region, key=by_region.get) if by_region else None
    short = [p for p in summary.people if p.achieved < p.target]
    split_invented = bool(summary.illustrative_note)
    rows_invented = any(r.illustrative for r in inputs.country_results)
    messages = [_changes_message(inputs), _people_message(inputs, split_invented)]
    if top:
        messages.append((f"{top.label} accounted for the most institutional changes ({number(by_region[top])} of "
                         f"{number(sum(by_region.values()))}).", rows_invented))
    if short:
        gaps = " and ".join(f"{p.dimension.label.lower()} ({percent(p.achieved, p.target)} of the "
                            f"{millions(p.target)} targeted)" for p in short)
        messages.append((f"Targets were not reached for {gaps}: the gap Phase III inherits.", split_invented))
    return messages


def _changes_message(inputs: StrategyInputs) -> tuple[str, bool]:
    """Institutional changes against their target, as the headline record states them (real), or from the
    results summary."""
    changes = inputs.results.institutional_changes
    figure = inputs.headline.figure("institutional-changes") if inputs.headline else None
    stated = md_escape(figure.text) if figure else f"{number(changes.achieved)} institutional changes"
    period = f" in {md_escape(figure.period)}" if figure and figure.period else ""
    target = (md_escape(figure.target_text) if figure and figure.target_text
              else f"a target of {number(changes.target)}")
    verdict = "went beyond its target" if changes.achieved >= changes.target else "fell short of its target"
    return (f"Phase II {verdict} for institutional changes: {stated}{period}, against {target} "
            f"({percent(changes.achieved, changes.target)}){_update(inputs, figure)}.", False)


def _people_message(inputs: StrategyInputs, split_invented: bool) -> tuple[str, bool]:
    """People covered against the target: the headline record's words (real) where there is one."""
    summary = inputs.results
    figure = inputs.headline.figure("people") if inputs.headline else None
    if figure is None:
        people = sum(p.achieved for p in summary.people)
        target = sum(p.target for p in summary.people)
        return (f"Coverage was extended to {millions(people)} people, {percent(people, target)} of the "
                f"{millions(target)} targeted.", split_invented)
    against = ""
    if figure.target_text:
        # "more than 50 million" against 60 million: short of the target, whatever lies beyond the bound.
        short = figure.value is not None and figure.target is not None and figure.value < figure.target
        against = f", {'short of' if short else 'against'} {md_escape(figure.target_text)}"
    period = f" in {md_escape(figure.period)}" if figure.period else ""
    return (f"Legal and effective coverage increased for {md_escape(figure.text)}{period}{against}"
            f"{_update(inputs, figure)}.", False)


def _update(inputs: StrategyInputs, figure: HeadlineFigure | None) -> str:
    """The figure's latest dated update, with its source: "; by 29 October 2025, nearly 56 million people"."""
    if figure is None or not figure.updates:
        return ""
    update = max(figure.updates, key=lambda u: u.as_of)
    source = inputs.headline.source_of(update.source)
    cited = f" (source: {md_escape(source.title)})" if source else ""
    return f"; by {long_date(update.as_of)}, {md_escape(update.text)}{cited}"
