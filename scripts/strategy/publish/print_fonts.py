"""The fonts the PDF renderer reads: the project's WOFF2 fonts decompressed once, not in every render.

The site serves the fonts as WOFF2 (`docs/assets/stylesheets/fonts.css`). WeasyPrint can read them too, but
it decompresses every @font-face's WOFF2 file in every render, and every render loads them all: profiling
put that at about 8% of a render. So a build decompresses them once, with fontTools' own WOFF2 decoder (the
one WeasyPrint calls, so the fonts it embeds are the same bytes), and keeps the TrueType files in the render
cache (`.build/cache/`, keyed by the fonts' bytes, the stylesheet and fontTools' version). Each build copies
them into a folder of its own with a stylesheet of the same @font-face rules pointing at them: that folder is
the only one the renderer is allowed to read fonts from besides the project's assets.

Only fonts inside the folders the renderer may read are converted (the same rule as fetcher.py): a font
elsewhere stops the build with a problem naming it, rather than letting a system font into the PDF.
"""

from __future__ import annotations

import hashlib
import re
from concurrent.futures import Executor
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..cache import RenderCache, render_key, versions
from ..problems import Problem, ProblemsFound, display_path, shown
from ..files import is_readable_asset

OUTPUT = "print fonts"  # its name in the render cache and in BuildResult.rendered / .reused
STYLESHEET = "fonts.css"
# A source of an @font-face rule, with the format() hint that may follow it.
_SOURCE = re.compile(r"""url\(\s*(?P<quote>["']?)(?P<url>[^"')]+)(?P=quote)\s*\)"""
                     r"""(?:\s*format\(\s*["']?[\w-]+["']?\s*\))?""")
_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}", re.S)


@dataclass(frozen=True)
class FontSource:
    """One font file that the stylesheet names, and the name of its converted copy."""

    url: str  # as the stylesheet writes it: "../fonts/NotoSans-Regular.woff2"
    path: Path  # the file it names
    name: str  # its converted copy's file name: "NotoSans-Regular.ttf"


def write_print_fonts(font_css: Path, allowed_folders: list[Path], into: Path,
                      renders: RenderCache | None = None, project_root: Path | None = None,
                      pool: Executor | None = None) -> Path:
    """Write into `into` (a new folder) the fonts of `font_css` as TrueType/OpenType files and a stylesheet
    of the same @font-face rules that points at them; return the stylesheet. The fonts come from the render
    cache when it has them (`renders`), else they are converted now (in one of `pool`'s processes, when given)
    and kept there. Problems name the stylesheet relative to `project_root`."""
    text = font_css.read_text(encoding="utf-8")
    shown_as = display_path(font_css, project_root) if project_root else font_css.as_posix()
    sources = font_sources(text, font_css, allowed_folders, shown_as)
    stylesheet = print_stylesheet(text, font_css, sources)
    into.mkdir(parents=True, exist_ok=True)
    files = {source.name: into / source.name for source in sources}

    def convert() -> None:
        paths = [source.path for source in sources]
        fonts = pool.submit(decompressed_files, paths).result() if pool else decompressed_files(paths)
        for source, font in zip(sources, fonts):
            files[source.name].write_bytes(font)

    if renders is None:
        convert()
    else:
        key = render_key(OUTPUT, text, [(s.url, s.name, _sha256(s.path.read_bytes())) for s in sources],
                         versions("fonttools", "brotli"))
        renders.reuse_or_render(OUTPUT, key, files, convert)
    (into / STYLESHEET).write_text(stylesheet, encoding="utf-8")
    return into / STYLESHEET


def font_sources(text: str, font_css: Path, allowed_folders: list[Path], shown_as: str) -> list[FontSource]:
    """Every font file the @font-face rules of `text` name, in order, each once; a problem for a source
    that is not a readable file inside the allowed folders (a web address, a file elsewhere)."""
    found: dict[str, FontSource] = {}
    names: set[str] = set()
    problems = []
    for face in _FONT_FACE.finditer(text):
        for source in _SOURCE.finditer(face.group()):
            url = source.group("url")
            if url in found:
                continue
            parts = urlsplit(url)
            path = (font_css.parent / unquote(parts.path)).resolve()
            if parts.scheme or parts.netloc or not is_readable_asset(path, [f.resolve() for f in allowed_folders]):
                line = text.count("\n", 0, face.start() + source.start()) + 1
                problems.append(Problem(shown_as, line, "src", "a font file inside the project's assets (docs/assets)",
                                        shown(url)))
                continue
            found[url] = FontSource(url, path, _free_name(path, names))
    if problems:
        raise ProblemsFound(problems)
    return list(found.values())


def print_stylesheet(text: str, font_css: Path, sources: list[FontSource]) -> str:
    """`text` with every font source replaced by its converted copy (beside the new stylesheet)."""
    names = {source.url: source.name for source in sources}

    def replace(match: re.Match) -> str:
        name = names[match.group("url")]
        kind = "opentype" if name.endswith(".otf") else "truetype"
        return f'url("{name}") format("{kind}")'

    converted = _FONT_FACE.sub(lambda face: _SOURCE.sub(replace, face.group()), text)
    return (f"/* The @font-face rules of {font_css.name} with each font decompressed once for the PDF renderer "
            "(strategy/publish/print_fonts.py). */\n" + converted)


def decompressed_files(paths: list[Path]) -> list[bytes]:
    """The font files at `paths`, decompressed (a function of its own so that a worker process can run it:
    one job for all, so that the other worker is free for the charts)."""
    return [decompressed(path.read_bytes()) for path in paths]


def decompressed(font: bytes) -> bytes:
    """A WOFF2 or WOFF font as the TrueType/OpenType file it packs, as WeasyPrint would unpack it; any other
    font as it is."""
    from fontTools.ttLib import TTFont, woff2

    out = BytesIO()
    if font[:4] == b"wOF2":
        woff2.decompress(BytesIO(font), out)
    elif font[:4] == b"wOFF":
        packed = TTFont(BytesIO(font))
        packed.flavor = packed.flavorData = None
        packed.save(out)
    else:
        return font
    return out.getvalue()


def _free_name(path: Path, taken: set[str]) -> str:
    """The converted copy's name: the source's, with the suffix of what it holds; numbered if taken."""
    suffix = ".otf" if _is_cff(path) else ".ttf"
    name, number = f"{path.stem}{suffix}", 1
    while name in taken:
        number += 1
        name = f"{path.stem}-{number}{suffix}"
    taken.add(name)
    return name


def _is_cff(path: Path) -> bool:
    """Whether the font holds PostScript outlines (an .otf), read from its header, packed or not."""
    with path.open("rb") as font:
        head = font.read(8)
    flavour = head[4:8] if head[:4] in (b"wOF2", b"wOFF") else head[:4]
    return flavour == b"OTTO"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
