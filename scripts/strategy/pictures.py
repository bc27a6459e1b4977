"""Pictures as files: a chart's PNG in a palette (the charts' and the Word version's concern, apart from the
chapters' code, whose string literals the acronym check reads as text a chapter may print)."""

from __future__ import annotations

import io


def in_palette(png: bytes, dpi: int) -> bytes:
    """An opaque PNG (as Matplotlib draws a chart) in a palette of 256 colours at `dpi`: a chart has a few
    colours and their edges' shades, and the file is a third the size. A PNG with a transparent pixel is
    returned as it is."""
    from PIL import Image

    drawn = Image.open(io.BytesIO(png))
    if drawn.mode == "RGBA" and drawn.getchannel("A").getextrema() != (255, 255):
        return png
    palette = drawn.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    palette.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()
