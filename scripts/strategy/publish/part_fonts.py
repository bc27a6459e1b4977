"""Fonts in a PDF rendered in parts: each part embeds its fonts whole, and the merge keeps one copy of each.

WeasyPrint embeds in a PDF only the glyphs the document uses, cutting a subset of each font with HarfBuzz.
A PDF rendered in parts (parts.py) did that in every part: on the example, 101 subsets for 22 parts, about
0.7 CPU seconds of the reading edition's render, and a file that carried a subset of the same font 22 times.
Here a part embeds each font whole and uncompressed (`whole_fonts`, in the worker), and the merge points
every part's font descriptors at one copy of each font program, which the merge's writer compresses once
(`share_font_programs`). The parts keep their own font dictionaries, whose widths and ToUnicode maps list
the glyphs each part uses: WeasyPrint subsets fonts keeping every glyph's ID, so a part's text shows the same
glyphs from the whole font as from its subset. The merged PDF is smaller (one whole copy of each of the few
faces it uses instead of a subset per part), and its bytes do not depend on which parts came from the cache.

It wraps WeasyPrint's `build_fonts_dictionary` (not public API: WeasyPrint is pinned, and
tests/test_part_fonts.py checks the fonts of a merged PDF against a whole render's).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pikepdf is loaded where a PDF is merged (part_merge.py), not in every render worker's job
    import pikepdf

FONT_PROGRAMS = ("/FontFile", "/FontFile2", "/FontFile3")
_writing_whole = False  # set inside `whole_fonts`, in a render worker


@contextmanager
def whole_fonts() -> Iterator[None]:
    """Within this block, PDFs that WeasyPrint writes in this process embed their fonts whole, uncompressed."""
    global _writing_whole
    _install()
    _writing_whole = True
    try:
        yield
    finally:
        _writing_whole = False


def _install() -> None:
    import weasyprint.pdf

    building = weasyprint.pdf.build_fonts_dictionary
    if getattr(building, "whole_fonts", False):
        return

    def build_fonts_dictionary(pdf, fonts, compress, subset, options):
        if not _writing_whole:
            return building(pdf, fonts, compress, subset, options)
        from weasyprint.pdf.fonts import Font

        first, subsetting = len(pdf.objects), Font.subset
        Font.subset = _keep_whole  # `subset` stays true: the widths and ToUnicode maps list the used glyphs only
        try:
            dictionary = building(pdf, fonts, compress, subset, options)
        finally:
            Font.subset = subsetting
        for written in pdf.objects[first:]:
            if _is_font_program(written):
                written.compress = False  # compressed once, in the merge: not in each part
        return dictionary

    build_fonts_dictionary.whole_fonts = True
    weasyprint.pdf.build_fonts_dictionary = build_fonts_dictionary


def _keep_whole(font, to_unicode, hinting) -> None:
    """Font.subset that keeps the font as it is."""


def _is_font_program(written) -> bool:
    """A font file stream as WeasyPrint writes one: TrueType with its length, or OpenType (CFF)."""
    extra = getattr(written, "extra", None)
    return extra is not None and ("Length1" in extra or extra.get("Subtype") == "/OpenType")


def share_font_programs(pdf: pikepdf.Pdf) -> int:
    """Point every font descriptor of `pdf` whose font program has the same bytes as an earlier one at that
    earlier one (the others are then written nowhere); how many font programs the PDF keeps."""
    from pikepdf import Name

    kept: dict[bytes, pikepdf.Object] = {}
    seen: set[tuple[int, int]] = set()
    for page in pdf.pages:
        resources = page.obj.get(Name.Resources)
        fonts = resources.get(Name.Font) if resources is not None else None
        if fonts is None or fonts.objgen in seen:
            continue
        seen.add(fonts.objgen)
        for font in fonts.values():
            for descendant in font.get(Name.DescendantFonts, []):
                descriptor = descendant.get(Name.FontDescriptor)
                if descriptor is not None:
                    _share(descriptor, kept)
    return len(kept)


def _share(descriptor: pikepdf.Dictionary, kept: dict[bytes, pikepdf.Object]) -> None:
    from pikepdf import Name

    for key in FONT_PROGRAMS:
        if key in descriptor:
            program = descriptor[key]
            digest = hashlib.sha256(repr(program.get(Name.Filter)).encode() + b"\0"
                                    + program.read_raw_bytes()).digest()
            descriptor[key] = kept.setdefault(digest, program)
