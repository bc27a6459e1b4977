"""The Phase II results charts, drawn from the bundled example's records."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from conftest import REPO
from strategy.chapters.charts import Chart, results_charts
from strategy.inputs import StrategyInputs

SVG = "{http://www.w3.org/2000/svg}"
NAMESPACES = ("http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink")


@pytest.fixture(scope="module")
def charts(example_inputs: StrategyInputs) -> dict[str, Chart]:
    return {chart.file_name: chart for chart in results_charts(example_inputs)}


def as_int(cell: str) -> int:
    return int(cell.replace(",", ""))


def test_three_charts_with_their_data(charts: dict[str, Chart]) -> None:
    assert list(charts) == ["results-targets.svg", "results-regions.svg", "results-people.svg"]
    for chart in charts.values():
        assert chart.title and chart.alt and chart.data_rows
        assert all(len(row) == len(chart.data_headers) for row in chart.data_rows)


@pytest.mark.parametrize("name", ["results-targets.svg", "results-regions.svg", "results-people.svg"])
def test_svg_is_accessible_and_scalable(charts: dict[str, Chart], name: str) -> None:
    chart = charts[name]
    root = ET.fromstring(chart.svg.encode("utf-8"))
    assert root.tag == f"{SVG}svg"
    assert len(root.get("viewBox", "").split()) == 4
    assert root.get("role") == "img"
    assert root.get("aria-label") == chart.alt != ""
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == chart.title


@pytest.mark.parametrize("name", ["results-targets.svg", "results-regions.svg", "results-people.svg"])
def test_svg_needs_no_font_and_nothing_outside(charts: dict[str, Chart], name: str) -> None:
    svg = charts[name].svg
    assert "<text" not in svg  # text drawn as paths
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
              "from strategy.chapters.charts import results_charts; "
              "charts = results_charts(load_inputs(Path(sys.argv[1]) / 'inputs', Path(sys.argv[1]))); "
              "sys.stdout.buffer.write(b'\\0'.join(c.svg.encode('utf-8') + c.png for c in charts))")
    runs = [subprocess.run([sys.executable, "-c", script, str(REPO)], capture_output=True, check=True, timeout=120,
                           env={**env, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")]
    assert runs[0] == runs[1]
    assert runs[0].count(b"<svg ") == 3 and runs[0].count(b"\x89PNG") == 3



def test_png_for_the_word_version_is_a_print_resolution_drawing(charts: dict[str, Chart]) -> None:
    import struct

    for chart in charts.values():
        assert chart.png.startswith(b"\x89PNG\r\n\x1a\n") and chart.png_file_name.endswith(".png")
        width, height = struct.unpack(">II", chart.png[16:24])
        assert width >= 1200 and height >= 400  # 200 dpi over the text width
        assert b"Matplotlib" not in chart.png  # no version stamp: the bytes stay the same across upgrades


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
