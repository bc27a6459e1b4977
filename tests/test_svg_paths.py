"""WeasyPrint's SVG paths drawn once per shape (publish/svg_paths.py): the same PDF bytes as WeasyPrint's own
drawing, for every chart of the example, on a first draw and on the draws after it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from strategy.audience import Audience
from strategy.chapters.charts import results_charts, synthesis_charts
from strategy.consent import audience_view

# Renders each SVG file given, twice in a row, in a fresh process: with `kept`, through svg_paths; prints the
# PDF's bytes (hex) for each render.
RENDER = """
import json, sys
from weasyprint import HTML
if sys.argv[1] == "kept":
    from strategy.publish import svg_paths
    svg_paths.install()
out = {}
for name in sys.argv[2:]:
    html = f'<img src="file://{name}" style="width: 16cm"><img src="file://{name}" style="width: 8cm">'
    out[name] = [HTML(string=html).write_pdf().hex() for _ in range(2)]
print(json.dumps(out))
"""


def _rendered(files: list[Path], how: str) -> dict[str, list[str]]:
    done = subprocess.run([sys.executable, "-c", RENDER, how, *map(str, files)], capture_output=True, text=True,
                          timeout=300, check=True)
    return json.loads(done.stdout)


def test_every_chart_draws_to_the_same_bytes_as_weasyprint_draws_it(tmp_path, example_inputs):
    view = audience_view(example_inputs, Audience.PARTNERS)
    charts = [*results_charts(view), *synthesis_charts(view, Audience.PARTNERS)]
    files = []
    for chart in charts:
        (path := tmp_path / chart.file_name).write_text(chart.svg, encoding="utf-8")
        files.append(path)
    # Matplotlib's text as glyph paths used again and again: what the kept shapes are for.
    assert sum(chart.svg.count("<use ") for chart in charts) > 1000
    plain, kept = _rendered(files, "plain"), _rendered(files, "kept")
    for name in plain:
        assert kept[name][0] == plain[name][0], name  # the first draw of each shape
        assert kept[name][1] == plain[name][1] == plain[name][0], name  # drawn again from the kept shapes


def test_a_path_too_long_to_keep_and_a_path_at_another_size_draw_as_weasyprint_draws_them(tmp_path):
    from strategy.publish.svg_paths import LONGEST_KEPT

    long = "M 0 0 " + " ".join(f"L {i % 97} {i % 89}" for i in range(LONGEST_KEPT // 6)) + " Z"
    assert len(long) > LONGEST_KEPT
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" width="100" height="100">'
           f'<path d="{long}" stroke="black" fill="none"/>'
           '<path id="p" d="M 10 10 L 90 10 L 50 80 Z" fill="blue"/>'
           '<svg x="0" y="0" width="50%" height="50%" viewBox="0 0 200 200">'
           '<path d="M 10 10 L 90 10 L 50 80 Z" fill="red"/></svg></svg>')
    (path := tmp_path / "shapes.svg").write_text(svg, encoding="utf-8")
    plain, kept = _rendered([path], "plain"), _rendered([path], "kept")
    assert kept == plain
