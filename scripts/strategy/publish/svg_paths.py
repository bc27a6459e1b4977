"""WeasyPrint's SVG paths drawn once per shape: the charts' text is drawn again and again from a few shapes.

Matplotlib writes a chart's text as paths: each glyph once, as a `<path>` in the SVG's definitions, and every
letter of every label as a `<use>` of it (the heat map of inputs has about 1,200). WeasyPrint parses a path's
`d` attribute each time it is drawn, which was 40% of drawing a chart and about 1.3 CPU seconds of the
example's PDF. Here a path's drawing operators (the bytes WeasyPrint appends to the page's content stream) and
its marker vertices are kept the first time, under everything they depend on (the `d` attribute, the font
size for em lengths, the viewport for percentages), and appended again on the next draw of the same shape:
the same bytes, a third less time for the charts.

It replaces WeasyPrint's drawing function for `<path>` (`weasyprint.svg.TAGS`, not public API: WeasyPrint is
pinned, and tests/test_svg_paths.py compares the bytes with WeasyPrint's own drawing).
"""

from __future__ import annotations

MOST_KEPT = 20_000  # shapes kept per process: a chart has a few hundred
LONGEST_KEPT = 50_000  # characters of a `d` attribute: a longer path is drawn as WeasyPrint draws it

_KEPT: dict[tuple, tuple[list, list]] = {}


def install() -> None:
    """Draw SVG paths through the kept shapes from now on, in this process (idempotent)."""
    from weasyprint import svg

    svg.TAGS["path"] = _kept_path


def _kept_path(svg, node, font_size) -> None:
    from weasyprint.svg.path import path

    data = node.get("d", "")
    if len(data) > LONGEST_KEPT:
        path(svg, node, font_size)
        return
    key = (data, font_size, svg.inner_width, svg.inner_height)
    out = svg.stream.stream  # the content stream's operators, as pydyf appends them
    if (found := _KEPT.get(key)) is None:
        before, vertices = len(out), len(node.vertices)
        path(svg, node, font_size)
        if len(_KEPT) >= MOST_KEPT:
            _KEPT.clear()
        _KEPT[key] = (out[before:], list(node.vertices)[vertices:])
        return
    operators, vertices = found
    out.extend(operators)
    node.vertices.extend(vertices)
