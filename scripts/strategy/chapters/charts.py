"""Charts of the Phase II results, drawn once as SVG files that both the site and the PDF show.

One file serves both outputs, so a chart must not depend on its viewer: text is drawn as paths
(no font needed where it is shown), the root has a viewBox (CSS can scale it), a <title> and an
accessible name, and the bytes are the same on every build (fixed id salt, no date, no version).
Each chart also carries its data as a table, for readers who cannot see it.
"""

from __future__ import annotations

import dataclasses
import html
import io
import re
import textwrap
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from typing import TYPE_CHECKING

from ..consent import OTHER, SMALL_CELLS_NOTE, Audience, Cell, capitalise, small_cells, unnamed_partners
from ..inputs import StrategyInputs
from ..inputs.records import CountryResult, CoverageDimension, PartnerKind, Region
from .markdown import millions, number, percent
from .ranking import ranked_priorities

if TYPE_CHECKING:  # matplotlib is imported where a chart is drawn: `strategy check` and macros need none of it
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


BLUE, LIGHT = "#1e2dbe", "#b8bde8"  # achieved, target
# Stacked segments after blue: at least 3:1 against white, told apart with red-green colour blindness.
ORANGE, GREEN = "#e35d00", "#006b4f"
INK, MUTED = "#1a1a1a", "#595959"
CM = 1 / 2.54
WIDTH = 16 * CM
RC = {
    "svg.fonttype": "path", "svg.hashsalt": "spf-strategy", "font.family": "DejaVu Sans", "font.size": 8,
    "text.color": INK, "axes.labelcolor": INK, "axes.edgecolor": MUTED, "axes.linewidth": 0.6,
    "axes.spines.top": False, "axes.spines.right": False, "xtick.color": MUTED, "ytick.color": INK,
    "xtick.labelcolor": INK, "xtick.major.width": 0.6, "ytick.major.size": 0, "legend.frameon": False,
    # Labels are the team's text ("US$ 2 billion"): a dollar sign is a dollar sign, never TeX math.
    "text.parse_math": False,
}
# Without these the SVG gets a metadata block with a timestamp, the Matplotlib version and outside URLs.
METADATA: dict[str, str | None] = {"Date": None, "Creator": None, "Format": None, "Type": None}


# Where the charts go, inside the generated chapters' folder.
CHARTS_FOLDER = "charts"


@dataclass(frozen=True)
class Chart:
    file_name: str
    svg: str
    title: str
    alt: str
    data_headers: list[str]
    data_rows: list[list[str]]
    # The same chart as an image for the Word version: Word before 2016 and LibreOffice show no SVG there.
    png: bytes = b""
    illustrative: bool = False  # drawn from illustrative records: marked in the image and beside its caption

    @property
    def png_file_name(self) -> str:
        return self.file_name.removesuffix(".svg") + ".png"


def results_charts(inputs: StrategyInputs) -> list[Chart]:
    """The Phase II results as three charts: targets and achievements, changes by region, people by region.

    Drawing them takes about a second, so each chart is drawn again only when the records it shows change
    (`_drawn`): kept for the process (the rebuilds of `mkdocs serve`) and in the build's render cache.
    """
    results = inputs.results.model_dump(mode="json")
    rows = [row.model_dump(mode="json") for row in inputs.country_results]
    countries = {code: country.model_dump(mode="json") for code, country in sorted(inputs.countries.items())}
    return [_drawn("results-targets.svg", results, lambda: _targets(inputs)),
            _drawn("results-regions.svg", [rows, countries], lambda: _changes_by_region(inputs)),
            _drawn("results-people.svg", [[p["dimension"] for p in results["people"]], rows, countries],
                   lambda: _people_by_region(inputs))]


# The last chart drawn under each file name, with the hash of what it shows (its SVG or PNG may be missing, when
# only the other was asked for: `drawing_only`).
_last_drawn: dict[str, tuple[str, Chart]] = {}
PICTURES = ("svg", "png")  # a chart's pictures, each in a cache entry of its own; the rest is kept as JSON
_drawing: tuple[str, ...] = PICTURES  # what a chart not found is drawn as (`drawing_only`)


@contextmanager
def drawing_only(*pictures: str) -> Iterator[None]:
    """Within this block the charts come with only these pictures ("svg", "png"), the others left empty:
    a build draws the SVGs, which the chapters need, apart from the PNGs, which only the Word version, the
    slides and the site's files need, later (build.py)."""
    global _drawing
    before, _drawing = _drawing, tuple(pictures)
    try:
        yield
    finally:
        _drawing = before


def _drawn(file_name: str, shown: object, draw: Callable[[], Chart]) -> Chart:
    """The chart of `shown` (JSON: exactly what it depicts) with the pictures asked for (`drawing_only`): from
    this process's memory, else from the build's render cache (its SVG and its PNG each in an entry of its
    own), else drawn now (and kept in both). Matplotlib's version is part of the key."""
    from .. import cache

    key = cache.render_key(f"chart {file_name}", shown, cache.versions("matplotlib"))
    build_cache = cache.active()
    last = _last_drawn.get(file_name)
    chart = last[1] if last is not None and last[0] == key else None
    if chart is not None and not _lacks(chart, _drawing):
        if build_cache is not None:
            for picture in _drawing:
                build_cache.noted_reuse(_output(file_name, picture))
        return chart
    for picture in _lacks(chart, _drawing) if build_cache is not None else ():
        output = _output(file_name, picture)
        if (found := build_cache.fetch(output, cache.render_key(output, key))) is not None:
            chart = _with(chart, Chart(**{"svg": "", "png": b"", **found.said,
                                                picture: _picture(picture, found.files[picture])}))
    for picture in _lacks(chart, _drawing):
        import matplotlib

        # Each picture from a figure of its own (drawing it again costs little): a figure saved twice lays
        # itself out again from where the first save left it, so a PNG drawn after the SVG differs from one
        # drawn alone, as a build's worker draws it.
        with matplotlib.rc_context(RC), drawing_only(picture):
            drawn = draw()
        chart = _with(chart, drawn)
        if build_cache is not None:
            said = {f.name: getattr(drawn, f.name) for f in dataclasses.fields(drawn) if f.name not in PICTURES}
            output, data = _output(file_name, picture), getattr(drawn, picture)
            build_cache.keep(output, cache.render_key(output, key),
                             cache.Entry({picture: data.encode("utf-8") if picture == "svg" else data}, said))
    assert chart is not None
    _last_drawn[file_name] = (key, chart)
    return chart


def _lacks(chart: Chart | None, pictures: Iterable[str]) -> list[str]:
    return [p for p in pictures if chart is None or not getattr(chart, p)]


def _with(chart: Chart | None, other: Chart) -> Chart:
    """`chart` with the pictures `other` has and it lacks."""
    if chart is None:
        return other
    return dataclasses.replace(chart, **{p: getattr(other, p) for p in PICTURES if not getattr(chart, p)})


def _output(file_name: str, picture: str) -> str:
    """The render cache's name for a chart's picture: "chart results-targets.svg", "chart results-targets.png"."""
    return f"chart {file_name.removesuffix('.svg')}.{picture}"


def _picture(picture: str, data: bytes) -> str | bytes:
    return data.decode("utf-8") if picture == "svg" else data


def synthesis_charts(inputs: StrategyInputs, audience: Audience) -> list[Chart]:
    """The summary of inputs received as pictures: a heat map of thematic areas by kind of partner
    (`inputs-heat-map.svg`) and the candidate priorities ranked by supporting partners (`priority-support.svg`).

    `inputs` is the audience's view of the records. Like the results charts, each is drawn again only when
    what it shows changes (the numbers are cheap to count; drawing is not).
    """
    heat, support = _heat_map_data(inputs, audience), _support_data(inputs)
    # No heat map without inputs (loading refuses an inputs folder without any, but a view may be empty).
    heat_map = [_drawn("inputs-heat-map.svg", dataclasses.asdict(heat), lambda: _heat_map(heat))] if heat.themes else []
    return [*heat_map,
            _drawn("priority-support.svg", dataclasses.asdict(support), lambda: _priority_support(support))]

# The heat map's colour scale: one hue (the house blue), six steps evenly spaced in lightness (CIE L* 96, 80,
# 64, 48, 33, 18), so that the steps stay apart in greyscale and for every kind of colour blindness.
# Steps are bins of the rounded percentage printed in the cell, so a cell's colour and its number agree.
HEAT_STEPS = [(0, "0%", "#f2f3fc"), (1, "1–19%", "#bfc4ed"), (20, "20–39%", "#8e96df"),
              (40, "40–59%", "#5d68d0"), (60, "60–79%", "#2d3bc2"), (80, "80–100%", "#131d7e")]
OTHER_KINDS, OTHER_THEMES = "Other kinds of partner", "Other thematic areas"


@dataclass(frozen=True)
class _HeatMapData:
    themes: list[str]  # raised by at least one input, most raised (by partners) first; small ones merged last
    kinds: list[str]  # kinds of partner that sent inputs; small ones merged last (outside internal builds)
    inputs_by_kind: list[int]
    raised: list[list[int]]  # raised[theme][kind]: that kind's inputs that raised the theme
    unraised: list[str]  # thematic areas no input raised
    merged: list[str]  # the merged rows' and columns' labels, outside internal builds
    illustrative: bool

    def share(self, theme: int, kind: int) -> int:
        """The share as the whole percentage printed in the cell."""
        return round(100 * self.raised[theme][kind] / self.inputs_by_kind[kind])


@dataclass(frozen=True)
class _SupportData:
    priorities: list[str]  # ranked: most supporting partners first
    partners: list[int]
    inputs: list[int]
    illustrative: bool


def _heat_map_data(inputs: StrategyInputs, audience: Audience) -> _HeatMapData:
    """Every input counts, withheld ones too (as in the count tables). Outside internal builds a kind of
    partner, or a thematic area, that would narrow an unnamed partner down to one or two is merged, as the
    tables of kinds and of thematic areas beside the chart do: the picture tells no more than they do."""
    items = list(inputs.partner_inputs.values())
    kinds = [Cell(kind.label, {i.partner for i in group}, group) for kind in PartnerKind
             if (group := [i for i in items if inputs.partner_of(i).kind is kind])]
    raised = {t: [i for i in items if t in i.themes] for t in inputs.thematic_areas}
    order = sorted((t for t in raised if raised[t]),
                   key=lambda t: (-len({i.partner for i in raised[t]}), inputs.thematic_areas[t].title))
    themes = [Cell(inputs.thematic_areas[t].title, {i.partner for i in raised[t]}, raised[t]) for t in order]
    merged = []
    if audience is not Audience.INTERNAL:
        unnamed = unnamed_partners(inputs, audience)
        (kinds, kinds_merged), (themes, themes_merged) = small_cells(kinds, unnamed), small_cells(themes, unnamed)
        merged = [label for label, done in ((OTHER_KINDS, kinds_merged), (OTHER_THEMES, themes_merged)) if done]
    return _HeatMapData(
        [OTHER_THEMES if theme.label == OTHER else theme.label for theme in themes],
        [OTHER_KINDS if kind.label == OTHER else kind.label for kind in kinds],
        [len(kind.items) for kind in kinds],
        [[len({i.id for i in kind.items} & {i.id for i in theme.items}) for kind in kinds] for theme in themes],
        [area.title for t, area in inputs.thematic_areas.items() if not raised[t]],
        merged, any(i.illustrative for i in items))


def _support_data(inputs: StrategyInputs) -> _SupportData:
    ranked = ranked_priorities(inputs)
    return _SupportData([s.priority.title for s in ranked], [len(s.partners) for s in ranked],
                        [len(s.inputs) for s in ranked], any(i.illustrative for i in inputs.partner_inputs.values()))


def _heat_map(data: _HeatMapData) -> Chart:
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch

    rows, columns = len(data.themes), len(data.kinds)
    fig = _figure((5 + 0.72 * rows) * CM)
    ax = fig.subplots()
    shares = [[data.share(t, k) for k in range(columns)] for t in range(rows)]
    bounds = [step for step, _, _ in HEAT_STEPS] + [101]
    colours = [colour for _, _, colour in HEAT_STEPS]
    # Cells as vector shapes (imshow would embed a bitmap in the SVG), white lines between them.
    ax.pcolormesh(shares, cmap=ListedColormap(colours), norm=BoundaryNorm(bounds, len(colours)),
                  edgecolors="white", linewidth=1.2)
    for t in range(rows):
        for k in range(columns):
            colour = colours[sum(shares[t][k] >= b for b in bounds[1:-1])]
            ax.text(k + 0.5, t + 0.5, f"{shares[t][k]}%", ha="center", va="center", fontsize=7.5,
                    color=_text_on(colour))
    ax.set_xlim(0, columns)
    ax.set_ylim(rows, 0)
    if columns < 6:  # a few kinds would stretch each cell across several centimetres: keep them compact, left
        ax.set_aspect(0.45, adjustable="box", anchor="W")
    ax.xaxis.tick_top()
    # Eight kinds' names do not fit side by side across 16 cm: slanted, each on at most two lines.
    ax.set_xticks([k + 0.5 for k in range(columns)],
                  [f"{_wrap(kind, 24)} ({number(n)})" for kind, n in zip(data.kinds, data.inputs_by_kind)],
                  rotation=45, ha="left", va="bottom", rotation_mode="anchor", fontsize=7, linespacing=1.05)
    ax.set_yticks([t + 0.5 for t in range(rows)], [_wrap(theme, 36) for theme in data.themes], linespacing=1.1)
    ax.tick_params(length=0, pad=3)
    for spine in ax.spines.values():
        spine.set_visible(False)
    fig.legend(handles=[Patch(facecolor=colour, edgecolor=MUTED, linewidth=0.4, label=label)
                        for _, label, colour in HEAT_STEPS],
               loc="outside lower left", ncols=len(HEAT_STEPS), handlelength=1.4, columnspacing=1.2,
               title="Share of the kind's inputs that raised the theme (inputs from the kind in brackets)",
               title_fontsize=7, fontsize=7, alignment="left")
    illustrative = _stamp(fig, data.illustrative)
    title = "Thematic areas raised by each kind of partner (share of inputs)"
    alt = _heat_map_alt(data, shares)
    headers = ["Thematic area", *(f"{kind} ({number(n)} input{'s' if n != 1 else ''})"
                                  for kind, n in zip(data.kinds, data.inputs_by_kind))]
    data_rows = [[theme, *(f"{share}%" for share in row)] for theme, row in zip(data.themes, shares)]
    return Chart("inputs-heat-map.svg", _svg(fig, title, alt), title, alt, headers, data_rows, _png(fig),
                 illustrative)


def _heat_map_alt(data: _HeatMapData, shares: list[list[int]]) -> str:
    total = sum(data.inputs_by_kind)
    parts = [f"Heat map of the {number(total)} inputs received: for each thematic area they raised (rows, most "
             "raised first) and each kind of partner (columns), the share of that kind's inputs that raised it."]
    most = []
    for k, kind in enumerate(data.kinds):
        top = max((row[k] for row in shares), default=0)
        themes = [theme for theme, row in zip(data.themes, shares) if row[k] == top]
        named = " and ".join(themes[:3]) + (f" and {number(len(themes) - 3)} more" if len(themes) > 3 else "")
        most.append(f"{kind}: {named} ({top}%)")
    if most:
        parts.append("The themes each kind raised most: " + "; ".join(most) + ".")
    if data.unraised:
        parts.append("No input raised " + ", ".join(data.unraised) + ".")
    if data.merged:
        # The note is written for a table's rows; here the merged rows or columns have their own names.
        what = " and ".join(label.removeprefix("Other ") for label in data.merged)
        parts.append(SMALL_CELLS_NOTE.replace("Rows counting", f"{capitalise(what)} counting")
                     .replace(f"*{OTHER}*", " and ".join(data.merged)))
    return " ".join(parts)


def _priority_support(data: _SupportData) -> Chart:
    fig = _figure((2.2 + 0.95 * len(data.priorities)) * CM)
    ax = fig.subplots()
    bars = ax.barh(range(len(data.priorities)), data.partners, height=0.6, color=BLUE)
    ax.bar_label(bars, labels=[number(n) for n in data.partners], padding=3)
    _category_axis(ax, [_wrap(title, 40) for title in data.priorities], max(data.partners, default=0), integer=True)
    ax.set_xlabel("Partners that proposed the priority (number)", loc="left")  # the right corner has the stamp
    illustrative = _stamp(fig, data.illustrative)
    title = "Candidate priorities for Phase III by number of supporting partners"
    alt = (f"Bar chart of the {number(len(data.priorities))} candidate priorities for Phase III, ranked by the "
           "number of partners that proposed each: "
           + "; ".join(f"{p} {number(n)}" for p, n in zip(data.priorities, data.partners)) + ".")
    rows = [[p, number(n), number(i)] for p, n, i in zip(data.priorities, data.partners, data.inputs)]
    return Chart("priority-support.svg", _svg(fig, title, alt), title, alt,
                 ["Priority", "Supporting partners", "Inputs"], rows, _png(fig), illustrative)


def _wrap(text: str, width: int) -> str:
    """A label on at most three lines (the full text is in the data table and the alt text)."""
    return "\n".join(textwrap.wrap(text, width, max_lines=3, placeholder=" …"))


def _text_on(background: str) -> str:
    """INK or white, whichever contrasts more with the background (WCAG relative luminance)."""
    from matplotlib.colors import to_rgb

    def luminance(colour: str) -> float:
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(colour))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    cell = luminance(background)
    return "white" if 1.05 / (cell + 0.05) > (cell + 0.05) / (luminance(INK) + 0.05) else INK


def _figure(height: float) -> "Figure":
    from matplotlib.figure import Figure

    return Figure(figsize=(WIDTH, height), layout="constrained")


def _targets(inputs: StrategyInputs) -> Chart:
    summary = inputs.results
    changes = summary.institutional_changes
    fig = _figure(8.5 * CM)
    top, bottom = fig.subplots(2, 1, height_ratios=[1, len(summary.people)])
    _paired_bars(top, ["Institutional changes"], [changes.target], [changes.achieved], number, scale=1, integer=True)
    top.set_xlabel("Institutional changes (number)")
    _paired_bars(bottom, [p.dimension.label for p in summary.people], [p.target for p in summary.people],
                 [p.achieved for p in summary.people], lambda v: f"{v / 1e6:,.1f}", scale=1e6, integer=False)
    bottom.set_xlabel("People covered (millions)")
    fig.legend(handles=top.containers[:2], labels=["Target", "Achieved"], loc="outside upper right", ncols=2)
    fig.get_layout_engine().set(h_pad=0.06)
    illustrative = _stamp(fig, bool(summary.illustrative_note))
    people = "; ".join(f"{p.dimension.label.lower()} {millions(p.achieved)} of {millions(p.target)} "
                       f"({percent(p.achieved, p.target)})" for p in summary.people)
    title = "Phase II targets and achievements"
    alt = (f"Bar chart of Phase II targets against achievements: {number(changes.achieved)} institutional changes "
           f"against a target of {number(changes.target)} ({percent(changes.achieved, changes.target)} of the "
           f"target). People covered, achieved against target: {people}.")
    rows = [["Institutional changes", number(changes.target), number(changes.achieved),
             percent(changes.achieved, changes.target)]]
    rows += [[f"People: {p.dimension.label.lower()}", number(p.target), number(p.achieved),
              percent(p.achieved, p.target)] for p in summary.people]
    return Chart("results-targets.svg", _svg(fig, title, alt), title, alt,
                 ["Indicator", "Target", "Achieved", "Share of target"], rows, _png(fig), illustrative)


def _changes_by_region(inputs: StrategyInputs) -> Chart:
    groups = sorted(_by_region(inputs).items(), key=lambda item: (-_sum(item[1], None), item[0].label))
    fig = _figure(7 * CM)
    ax = fig.subplots()
    labels = [f"{region.label} ({len(rows)} {'country' if len(rows) == 1 else 'countries'})" for region, rows in groups]
    values = [_sum(rows, None) for _, rows in groups]
    bars = ax.barh(range(len(groups)), values, height=0.6, color=BLUE)
    ax.bar_label(bars, labels=[number(v) for v in values], padding=3)
    _category_axis(ax, labels, max(values, default=0), integer=True)
    ax.set_xlabel("Institutional changes (number)")
    total = sum(values)
    illustrative = _stamp(fig, any(r.illustrative for r in inputs.country_results))
    title = "Phase II institutional changes by ILO region"
    alt = (f"Bar chart of the {number(total)} institutional changes of Phase II by ILO region, largest first: "
           + ", ".join(f"{region.label} {number(v)}" for (region, _), v in zip(groups, values)) + ".")
    rows = [[region.label, number(len(group)), number(v)] for (region, group), v in zip(groups, values)]
    return Chart("results-regions.svg", _svg(fig, title, alt), title, alt,
                 ["Region", "Countries", "Institutional changes"], rows, _png(fig), illustrative)


def _people_by_region(inputs: StrategyInputs) -> Chart:
    dimensions = [p.dimension for p in inputs.results.people]
    groups = sorted(((region, [_sum(rows, d) for d in dimensions]) for region, rows in _by_region(inputs).items()),
                    key=lambda item: (-sum(item[1]), item[0].label))
    fig = _figure(7.5 * CM)
    ax = fig.subplots()
    left = [0.0] * len(groups)
    for i, (dimension, colour) in enumerate(zip(dimensions, [BLUE, ORANGE, GREEN, MUTED])):
        widths = [values[i] / 1e6 for _, values in groups]
        ax.barh(range(len(groups)), widths, left=left, height=0.6, color=colour, label=dimension.label,
                edgecolor="white", linewidth=0.6)
        left = [a + b for a, b in zip(left, widths)]
    for y, x in enumerate(left):
        ax.annotate(f"{x:,.1f}", (x, y), xytext=(3, 0), textcoords="offset points", va="center")
    _category_axis(ax, [region.label for region, _ in groups], max(left, default=0), integer=False)
    ax.set_xlabel("People covered (millions)")
    fig.legend(loc="outside upper left", ncols=len(dimensions), handlelength=1.2, columnspacing=1.2)
    illustrative = _stamp(fig, any(r.illustrative for r in inputs.country_results))
    title = "People covered in Phase II by region and coverage dimension"
    totals = [sum(values) for _, values in groups]
    by_dimension = ", ".join(f"{d.label.lower()} {millions(sum(v[i] for _, v in groups))}"
                             for i, d in enumerate(dimensions))
    alt = (f"Stacked bar chart of the {millions(sum(totals))} people covered in Phase II, by ILO region and "
           "coverage dimension: " + ", ".join(f"{region.label} {millions(t)}" for (region, _), t in zip(groups, totals))
           + f". Across all regions: {by_dimension}.")
    rows = [[region.label, *(number(v) for v in values), number(t)] for (region, values), t in zip(groups, totals)]
    return Chart("results-people.svg", _svg(fig, title, alt), title, alt,
                 ["Region", *(d.label for d in dimensions), "Total"], rows, _png(fig), illustrative)


def _stamp(fig: Figure, illustrative: bool) -> bool:
    """Mark a chart drawn from illustrative records in the image itself, so that a copy taken out of the
    document keeps the mark (the caption's mark is the one that reaches the PDF's text)."""
    if illustrative:
        fig.text(0.995, 0.005, "Illustrative data", ha="right", va="bottom", fontsize=7, color=ORANGE,
                 fontweight="bold")
    return illustrative


def _by_region(inputs: StrategyInputs) -> dict[Region, list[CountryResult]]:
    groups: dict[Region, list[CountryResult]] = defaultdict(list)
    for row in inputs.country_results:
        groups[inputs.countries[row.country].region].append(row)
    return groups


def _sum(rows: Sequence[CountryResult], dimension: CoverageDimension | None) -> int:
    """Institutional changes (no dimension) or people covered in one dimension, over some countries."""
    return sum(r.institutional_changes if dimension is None else r.people(dimension) for r in rows)


def _paired_bars(ax: Axes, labels: list[str], targets: list[int], achieved: list[int],
                 fmt: Callable[[int], str], scale: float, integer: bool) -> None:
    """Target and achieved bars per category, target above; the achieved bar says its share of the target."""
    ys = range(len(labels))
    target = ax.barh([y - 0.19 for y in ys], [t / scale for t in targets], height=0.36, color=LIGHT)
    done = ax.barh([y + 0.19 for y in ys], [a / scale for a in achieved], height=0.36, color=BLUE)
    ax.bar_label(target, labels=[fmt(t) for t in targets], padding=3, color=MUTED)
    ax.bar_label(done, labels=[f"{fmt(a)}  ({percent(a, t)} of target)" for a, t in zip(achieved, targets)],
                 padding=3)
    _category_axis(ax, [textwrap.fill(label, 20) for label in labels], max(targets + achieved) / scale, integer)


def _category_axis(ax: Axes, labels: list[str], largest: float, integer: bool) -> None:
    """Categories top to bottom, room at the right for the value labels, thousands separators on the x axis."""
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlim(0, (largest or 1) * 1.32)
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10], integer=integer))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if v == round(v) else f"{v:,.1f}"))
    ax.spines["left"].set_color(MUTED)


PNG_DPI = 200  # print resolution over the text width (16 cm): 1,260 pixels wide


def _png(fig: Figure) -> bytes:
    """The figure as PNG at print resolution, without the Software entry that names the Matplotlib version;
    b"" when the PNG is not asked for (`drawing_only`)."""
    if "png" not in _drawing:
        return b""
    from ..pictures import in_palette

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": None})
    # In a palette, a third the size: the Word version embeds it (pandoc read the 24-bit ones twice as
    # slowly), and the Word file is sent round.
    return in_palette(buffer.getvalue(), PNG_DPI)


def _svg(fig: Figure, title: str, alt: str) -> str:
    """The figure as SVG text, with a title and an accessible name, and no DOCTYPE (it links to w3.org); ""
    when the SVG is not asked for (`drawing_only`)."""
    if "svg" not in _drawing:
        return ""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata=METADATA)
    svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", buffer.getvalue(), count=1)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{html.escape(alt)}" ', 1)
    end = svg.index(">", svg.index("<svg ")) + 1
    return f"{svg[:end]}\n <title>{html.escape(title)}</title>{svg[end:]}"
