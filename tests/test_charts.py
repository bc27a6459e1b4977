"""The charts: the Phase II results, drawn from the bundled example's records, and the synthesis of the inputs
(heat map of themes by kind of partner, priorities by support), drawn from the example and from hand-made records
with known answers."""

from __future__ import annotations

import dataclasses
import io
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from PIL import Image

from conftest import REPO
from strategy.chapters import generate_chapters
from strategy.chapters.charts import Chart, results_charts, synthesis_charts
from strategy.consent import SMALL_CELLS_NOTE, Audience, audience_view
from strategy.inputs import StrategyInputs
from strategy.inputs.records import Consent, Partner, PartnerInput, PartnerKind, ProposedPriority, Region

SVG = "{http://www.w3.org/2000/svg}"
NAMESPACES = ("http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink")


@pytest.fixture(scope="module")
def charts(example_inputs: StrategyInputs) -> dict[str, Chart]:
    view = audience_view(example_inputs, Audience.PARTNERS)
    drawn = results_charts(example_inputs) + synthesis_charts(view, Audience.PARTNERS)
    return {chart.file_name: chart for chart in drawn}


RESULTS = ["results-targets.svg", "results-regions.svg", "results-people.svg"]
SYNTHESIS = ["inputs-heat-map.svg", "priority-support.svg"]


def as_int(cell: str) -> int:
    return int(cell.replace(",", ""))


def test_every_chart_with_its_data(charts: dict[str, Chart]) -> None:
    assert list(charts) == RESULTS + SYNTHESIS
    for chart in charts.values():
        assert chart.title and chart.alt and chart.data_rows
        assert all(len(row) == len(chart.data_headers) for row in chart.data_rows)


@pytest.mark.parametrize("name", RESULTS + SYNTHESIS)
def test_svg_is_accessible_and_scalable(charts: dict[str, Chart], name: str) -> None:
    chart = charts[name]
    root = ET.fromstring(chart.svg.encode("utf-8"))
    assert root.tag == f"{SVG}svg"
    assert len(root.get("viewBox", "").split()) == 4
    assert root.get("role") == "img"
    assert root.get("aria-label") == chart.alt != ""
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == chart.title


@pytest.mark.parametrize("name", RESULTS + SYNTHESIS)
def test_svg_needs_no_font_and_nothing_outside(charts: dict[str, Chart], name: str) -> None:
    svg = charts[name].svg
    assert "<text" not in svg  # text drawn as paths
    assert "<image" not in svg  # shapes, not an embedded bitmap
    for namespace in NAMESPACES:
        svg = svg.replace(namespace, "")
    assert "http" not in svg
    assert "<!DOCTYPE" not in svg


def test_targets_chart(charts: dict[str, Chart], example_inputs: StrategyInputs) -> None:
    summary = example_inputs.results
    chart = charts["results-targets.svg"]
    assert f"{summary.institutional_changes.achieved:,}" in chart.alt
    assert f"{summary.institutional_changes.target:,}" in chart.alt
    targets = {row[0]: (as_int(row[1]), as_int(row[2])) for row in chart.data_rows}
    assert targets["Institutional changes"] == (summary.institutional_changes.target,
                                                summary.institutional_changes.achieved)
    for people in summary.people:
        assert targets[f"People: {people.dimension.label.lower()}"] == (people.target, people.achieved)


def test_region_chart_adds_up_and_is_sorted(charts: dict[str, Chart], example_inputs: StrategyInputs) -> None:
    chart = charts["results-regions.svg"]
    column = chart.data_headers.index("Institutional changes")
    values = [as_int(row[column]) for row in chart.data_rows]
    assert sum(values) == example_inputs.results.institutional_changes.achieved
    assert values == sorted(values, reverse=True)
    assert sum(as_int(row[chart.data_headers.index("Countries")]) for row in chart.data_rows) == len(
        example_inputs.country_results)
    for row in chart.data_rows:
        assert f"{row[0]} {row[column]}" in chart.alt


def test_people_chart_adds_up(charts: dict[str, Chart], example_inputs: StrategyInputs) -> None:
    chart = charts["results-people.svg"]
    for people in example_inputs.results.people:
        column = chart.data_headers.index(people.dimension.label)
        from_countries = sum(r.people(people.dimension) for r in example_inputs.country_results)
        assert sum(as_int(row[column]) for row in chart.data_rows) == from_countries
    for row in chart.data_rows:
        assert as_int(row[-1]) == sum(as_int(cell) for cell in row[1:-1])


def test_svg_and_png_are_the_same_in_every_process() -> None:
    """Two fresh interpreters, with different hash seeds and no SOURCE_DATE_EPOCH, write the same bytes."""
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    script = ("import sys; from pathlib import Path; from strategy.inputs import load_inputs; "
              "from strategy.chapters.charts import results_charts, synthesis_charts; "
              "from strategy.consent import Audience, audience_view; "
              "inputs = load_inputs(Path(sys.argv[1]) / 'inputs', Path(sys.argv[1])); "
              "charts = results_charts(inputs) + synthesis_charts(audience_view(inputs, Audience.PARTNERS), "
              "Audience.PARTNERS); "
              "sys.stdout.buffer.write(b'\\0'.join(c.svg.encode('utf-8') + c.png for c in charts))")
    runs = [subprocess.run([sys.executable, "-c", script, str(REPO)], capture_output=True, check=True, timeout=120,
                           env={**env, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")]
    assert runs[0] == runs[1]
    assert runs[0].count(b"<svg ") == 5 and runs[0].count(b"\x89PNG") == 5



def test_png_for_the_word_version_is_a_print_resolution_drawing(charts: dict[str, Chart]) -> None:
    import struct

    for chart in charts.values():
        assert chart.png.startswith(b"\x89PNG\r\n\x1a\n") and chart.png_file_name.endswith(".png")
        width, height = struct.unpack(">II", chart.png[16:24])
        assert 1200 <= width <= 1300 and height >= 400  # 200 dpi over the text width (16 cm)
        assert b"Matplotlib" not in chart.png  # no version stamp: the bytes stay the same across upgrades
        with Image.open(io.BytesIO(chart.png)) as picture:  # in a palette: a third the size, for Word
            assert picture.mode == "P" and round(picture.info["dpi"][0]) == 200
            assert len(picture.getcolors(256) or []) > 8  # the chart's colours and their edges' shades


def test_charts_are_drawn_again_only_when_the_results_they_show_change(example_inputs: StrategyInputs) -> None:
    """Live preview rebuilds the chapters on every edit: unchanged results reuse the charts already drawn."""
    first = results_charts(example_inputs)
    assert all(a is b for a, b in zip(first, results_charts(example_inputs)))
    summary = example_inputs.results
    changes = summary.institutional_changes.model_copy(update={"achieved": summary.institutional_changes.achieved + 1})
    edited = example_inputs.__class__(**{**example_inputs.__dict__,
                                         "results": summary.model_copy(update={"institutional_changes": changes})})
    redrawn = results_charts(edited)
    assert redrawn[0].svg != first[0].svg and redrawn[0].png != first[0].png
    assert f"{changes.achieved} institutional changes" in redrawn[0].alt


# --- the synthesis charts, from hand-made records with known answers ---------------------------------------

def _partner(pid: str, kind: PartnerKind) -> Partner:
    return Partner(id=pid, name=f"Partner {pid.upper()}", kind=kind, region=Region.GLOBAL)


def _input(number: int, partner: str, themes: list[str], priorities: list[str], consent: Consent = Consent.NAMED,
           illustrative: bool = False) -> PartnerInput:
    return PartnerInput(id=f"PI-{number:03d}", partner=partner, received=date(2025, 3, 1), timing="before-meeting",
                        channel="written-submission", consent=consent, themes=themes, vision="A vision.",
                        priorities=[ProposedPriority(priority=p, proposal="A proposal.") for p in priorities],
                        illustrative=illustrative)


def _records(example: StrategyInputs, illustrative: bool = False) -> StrategyInputs:
    """Four development partner governments' inputs from three partners, one workers' organization, and two
    academic partners of whom one asked not to be named (so that kind is too small to show outside internal
    builds). Shares: financing 3/4 of the governments' inputs, 1/1 of the workers', 1/2 of academia's."""
    partners = {p.id: p for p in [_partner("d1", PartnerKind.DONOR_GOVERNMENT),
                                  _partner("d2", PartnerKind.DONOR_GOVERNMENT),
                                  _partner("d3", PartnerKind.DONOR_GOVERNMENT),
                                  _partner("w1", PartnerKind.WORKERS_ORGANISATION),
                                  _partner("a1", PartnerKind.ACADEMIA), _partner("a2", PartnerKind.ACADEMIA)]}
    items = [_input(1, "d1", ["financing"], ["sustainable-financing"], illustrative=illustrative),
             _input(2, "d1", ["financing"], ["sustainable-financing"]),
             _input(3, "d2", ["financing", "gender-equality"], ["sustainable-financing"]),
             _input(4, "d3", ["gender-equality"], ["informal-economy"], Consent.WITHHELD),
             _input(5, "w1", ["financing", "social-dialogue"], ["informal-economy"]),
             _input(6, "a1", ["social-dialogue"], ["digital-transformation"], Consent.ANONYMOUS),
             _input(7, "a2", ["financing"], ["sustainable-financing"])]
    return dataclasses.replace(example, partners=partners, partner_inputs={i.id: i for i in items}, feedback=[])


def _synthesis(inputs: StrategyInputs, audience: Audience) -> dict[str, Chart]:
    return {c.file_name: c for c in synthesis_charts(audience_view(inputs, audience), audience)}


def _cells(chart: Chart) -> dict[str, list[int]]:
    return {row[0]: [int(cell.removesuffix("%")) for cell in row[1:]] for row in chart.data_rows}


def test_heat_map_shows_each_kinds_share_of_inputs(example_inputs: StrategyInputs) -> None:
    chart = _synthesis(_records(example_inputs), Audience.INTERNAL)["inputs-heat-map.svg"]
    assert chart.data_headers == ["Thematic area", "Development partner governments (4 inputs)",
                                  "Workers' organizations (1 input)", "Academia and research (2 inputs)"]
    # Most raised first (by partners: financing 4, then two themes of 2 partners each, by title).
    assert _cells(chart) == {"Financing": [75, 100, 50], "Gender equality": [50, 0, 0],
                             "Social dialogue": [0, 100, 50]}
    assert list(_cells(chart)) == ["Financing", "Gender equality", "Social dialogue"]
    assert "Workers' organizations: Financing and Social dialogue (100%)" in chart.alt
    assert "merged" not in chart.alt  # internal builds show every kind
    unraised = [a.title for a in example_inputs.thematic_areas.values()
                if a.id not in {"financing", "gender-equality", "social-dialogue"}]
    assert f"No input raised {', '.join(unraised)}." in chart.alt


def test_heat_map_merges_kinds_and_themes_that_would_single_out_an_unnamed_partner(
        example_inputs: StrategyInputs) -> None:
    """As the tables of kinds and of themes do. Academia (two partners, one unnamed) is too small; the merged
    column takes the smallest kind left (the workers' organization): 3 partners, 3 inputs. Gender equality
    (d2 and d3, whose only input is withheld) and social dialogue (w1 and the anonymous a1) are merged rows."""
    chart = _synthesis(_records(example_inputs), Audience.PARTNERS)["inputs-heat-map.svg"]
    assert chart.data_headers == ["Thematic area", "Development partner governments (4 inputs)",
                                  "Other kinds of partner (3 inputs)"]
    # Other thematic areas: PI-003 and PI-004 of the governments' four; PI-005 and PI-006 of the other three.
    assert _cells(chart) == {"Financing": [75, 67], "Other thematic areas": [50, 67]}
    shown = chart.alt + chart.svg + "".join(chart.data_headers) + "".join(row[0] for row in chart.data_rows)
    assert not any(word in shown for word in ("Academia", "Gender equality", "Social dialogue"))
    assert ("Kinds of partner and thematic areas counting fewer than 3 partners, one of whom asked not to be "
            "named, are merged into Other kinds of partner and Other thematic areas") in chart.alt
    assert SMALL_CELLS_NOTE.split(",")[1] in chart.alt  # the note's reason, word for word


def test_priority_chart_ranks_by_supporting_partners(example_inputs: StrategyInputs) -> None:
    inputs = _records(example_inputs)
    chart = _synthesis(inputs, Audience.PARTNERS)["priority-support.svg"]
    titles = {p.id: p.title for p in inputs.priorities.values()}
    rows = [(row[0], int(row[1]), int(row[2])) for row in chart.data_rows]
    # Financing: d1 (twice), d2, a2; informal economy: d3 (withheld, still counted) and w1; digital: a1.
    assert rows[:3] == [(titles["sustainable-financing"], 3, 4), (titles["informal-economy"], 2, 2),
                        (titles["digital-transformation"], 1, 1)]
    unsupported = sorted(t for pid, t in titles.items()
                         if pid not in {"sustainable-financing", "informal-economy", "digital-transformation"})
    assert rows[3:] == [(title, 0, 0) for title in unsupported]
    assert f"{titles['sustainable-financing']} 3; {titles['informal-economy']} 2" in chart.alt


def test_synthesis_charts_are_deterministic_and_drawn_again_only_when_their_data_changes(
        example_inputs: StrategyInputs) -> None:
    import strategy.chapters.charts as charts_module

    inputs = _records(example_inputs)
    first = _synthesis(inputs, Audience.PARTNERS)
    assert all(a is b for a, b in zip(first.values(), _synthesis(inputs, Audience.PARTNERS).values()))
    charts_module._last_drawn.clear()  # drawn afresh: the same bytes
    again = _synthesis(inputs, Audience.PARTNERS)
    for name, chart in first.items():
        assert again[name] is not chart and (again[name].svg, again[name].png) == (chart.svg, chart.png)
    internal = _synthesis(inputs, Audience.INTERNAL)  # other columns: drawn again
    assert internal["inputs-heat-map.svg"].svg != first["inputs-heat-map.svg"].svg


def test_synthesis_charts_carry_the_illustrative_stamp_only_from_illustrative_records(
        example_inputs: StrategyInputs) -> None:
    plain = _synthesis(_records(example_inputs), Audience.INTERNAL)
    marked = _synthesis(_records(example_inputs, illustrative=True), Audience.INTERNAL)
    assert not any(c.illustrative for c in plain.values()) and all(c.illustrative for c in marked.values())
    for name in SYNTHESIS:  # the stamp is drawn in the image, not only beside the caption
        assert marked[name].svg != plain[name].svg and marked[name].data_rows == plain[name].data_rows


def test_the_build_writes_the_synthesis_charts_for_the_site_and_the_word_version(
        example_inputs: StrategyInputs) -> None:
    files = {c.file_name: c for c in generate_chapters(example_inputs, Audience.PARTNERS)}
    assert files["charts/inputs-heat-map.svg"].markdown.lstrip().startswith("<?xml")
    assert files["charts/priority-support.png"].image.startswith(b"\x89PNG")
    assert files["charts/inputs-heat-map.png"].image.startswith(b"\x89PNG")


def test_the_pictures_drawn_apart_are_the_pictures_drawn_together(example_inputs: StrategyInputs, tmp_path) -> None:
    """A build draws the charts' SVGs and their PNGs in two workers (charts.drawing_only): each is drawn from a
    figure of its own, so they are the bytes `mkdocs serve` and `strategy chapters` draw together, with the
    same data; each picture is kept in the render cache apart, and found there again."""
    import strategy.chapters.charts as charts_module
    from strategy import cache
    from strategy.cache import RenderCache
    from strategy.chapters import chart_pngs

    view = audience_view(example_inputs, Audience.PARTNERS)

    def drawn() -> list[Chart]:
        return results_charts(view) + synthesis_charts(view, Audience.PARTNERS)

    charts_module._last_drawn.clear()
    together = drawn()
    charts_module._last_drawn.clear()
    with cache.using(RenderCache(tmp_path / "cache", "partners")) as renders:
        with charts_module.drawing_only("svg"):
            svgs = drawn()
        assert all(chart.svg and not chart.png for chart in svgs)
        assert set(renders.rendered) == {f"chart {c.file_name}" for c in svgs}
    charts_module._last_drawn.clear()  # another process: the PNGs drawn there, the SVGs found in the cache
    with cache.using(RenderCache(tmp_path / "cache", "partners")) as renders:
        pngs = {c.file_name.removeprefix("charts/"): c.content for c in chart_pngs(example_inputs, Audience.PARTNERS)}
        assert set(renders.rendered) == {f"chart {name}" for name in pngs}
        both = drawn()
        assert set(renders.reused) == {f"chart {c.file_name}" for c in svgs}
    assert [dataclasses.replace(c, png=b"") for c in both] == svgs
    assert [(c.svg, c.png) for c in both] == [(c.svg, c.png) for c in together]
    assert pngs == {c.png_file_name: c.png for c in together}
