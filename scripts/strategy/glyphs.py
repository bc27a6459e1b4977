"""Which characters the shipped fonts can print, and what becomes of the others.

The PDF may embed only the self-hosted Noto fonts (docs/assets/fonts, OFL): a character none of them has
(an emoji, CJK, Arabic, Devanagari…) would make WeasyPrint reach for a system font, which then ends up in
the record and differs from machine to machine. So the print HTML shows such a character as a visible
marker, "[U+1F600]", set in the shipped fonts, and `strategy check` names the character and its input.
Invisible formatting characters that the fonts lack (a variation selector, a bidirectional control) are
dropped instead: they have no glyph to show.

Kept apart from `publish` so that `strategy check` can use it without importing a renderer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from .problems import Problem, warning

# The fonts' declarations beside this code, for callers that do not name a project.
DEFAULT_FONT_CSS = Path(__file__).resolve().parents[2] / "docs" / "assets" / "stylesheets" / "fonts.css"

# Bidirectional controls (Trojan Source): partner text drops them, and so does the PDF.
BIDI_CONTROLS = frozenset([0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_ALWAYS_FINE = frozenset(map(ord, "\t\n\r"))

_FONT_FACE = re.compile(r"@font-face\s*\{(?P<body>[^}]*)\}", re.S)
_FAMILY = re.compile(r"font-family:\s*[\"']?(?P<family>[^\"';]+)")
_SOURCE = re.compile(r"url\(\s*[\"']?(?P<url>[^\"')]+)")
_RANGE = re.compile(r"U\+(?P<start>[0-9A-F?]+)(?:-(?P<end>[0-9A-F]+))?", re.I)


@lru_cache(maxsize=4)
def covered(font_css: Path = DEFAULT_FONT_CSS, work: Path | None = None) -> frozenset[int]:
    """The code points every text family of `font_css` prints, itself or through a family limited by
    unicode-range (a symbols face that every font stack lists second).

    With the project's work folder, the answer is kept there (.build/cache/glyph-coverage.json) under the hash
    of the stylesheet and the fonts it names: reading the fonts is a tenth of `strategy check` of the example,
    and they seldom change. A stored answer that is damaged, or for other fonts, is worked out again."""
    key = _fonts_key(font_css) if work is not None else None
    if key is not None and (stored := _stored_coverage(work, key)) is not None:
        return stored
    points = _read_coverage(font_css)
    if key is not None:
        _store_coverage(work, key, points)
    return points


def _read_coverage(font_css: Path) -> frozenset[int]:
    from fontTools.ttLib import TTFont  # here: a check whose answer is stored imports no font library

    families: dict[str, list[set[int]]] = {}
    helpers: set[int] = set()  # faces limited to a unicode-range fill in for every family
    for face in _FONT_FACE.finditer(font_css.read_text(encoding="utf-8")):
        body = face.group("body")
        family, source = _FAMILY.search(body), _SOURCE.search(body)
        if not (family and source):
            continue
        with TTFont(font_css.parent / source.group("url"), lazy=True) as font:
            points = set(font.getBestCmap())
        if "unicode-range" in body:
            helpers |= points & _unicode_range(body.split("unicode-range", 1)[1])
        else:
            families.setdefault(family.group("family").strip(), []).append(points)
    faces = [points for group in families.values() for points in group]
    text = set.intersection(*faces) if faces else set()
    return frozenset(text | helpers | _ALWAYS_FINE)


COVERAGE_FILE = "cache/glyph-coverage.json"  # in the work folder; one file, replaced when the fonts change


def _fonts_key(font_css: Path) -> str | None:
    """The hash of the stylesheet and of every font it names, in order; None if one cannot be read (then the
    fonts are read as before, and say what is wrong)."""
    import hashlib

    try:
        css = font_css.read_bytes()
        digest = hashlib.sha256(b"glyph-coverage 1\0" + css)
        for face in _FONT_FACE.finditer(css.decode("utf-8")):
            if (source := _SOURCE.search(face.group("body"))) and _FAMILY.search(face.group("body")):
                font = (font_css.parent / source.group("url")).read_bytes()
                digest.update(b"\0%d\0" % len(font) + font)
    except (OSError, UnicodeDecodeError):
        return None
    return digest.hexdigest()


def _stored_coverage(work: Path, key: str) -> frozenset[int] | None:
    import json

    try:
        stored = json.loads((work / COVERAGE_FILE).read_text(encoding="utf-8"))
        if stored["key"] != key:
            return None
        ranges = [(int(low), int(high)) for low, high in stored["ranges"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not all(0 <= low <= high <= 0x10FFFF for low, high in ranges):
        return None
    return frozenset(point for low, high in ranges for point in range(low, high + 1))


def _store_coverage(work: Path, key: str, points: frozenset[int]) -> None:
    """Kept if the work folder can take it; a check never fails for a cache it cannot write."""
    import json

    from .files import replace_atomically

    try:
        replace_atomically(work / COVERAGE_FILE, json.dumps({"key": key, "ranges": _ranges(points)}).encode())
    except OSError:
        pass


def _ranges(points: frozenset[int]) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    for point in sorted(points):
        if ranges and ranges[-1][1] == point - 1:
            ranges[-1] = (ranges[-1][0], point)
        else:
            ranges.append((point, point))
    return ranges


def _unicode_range(declaration: str) -> set[int]:
    points: set[int] = set()
    for found in _RANGE.finditer(declaration.split(";", 1)[0]):
        start = found.group("start")
        if "?" in start:
            low, high = int(start.replace("?", "0"), 16), int(start.replace("?", "F"), 16)
        else:
            low = int(start, 16)
            high = int(found.group("end") or start, 16)
        points.update(range(low, high + 1))
    return points


def invisible(character: str) -> bool:
    """A formatting character with nothing to print: dropped rather than marked."""
    point = ord(character)
    return (point in BIDI_CONTROLS or unicodedata.category(character) == "Cf"
            or 0xFE00 <= point <= 0xFE0F or 0xE0100 <= point <= 0xE01EF)  # variation selectors


def marker(character: str) -> str:
    return f"[U+{ord(character):04X}]"


def printable(text: str, font_css: Path = DEFAULT_FONT_CSS) -> str:
    """`text` with every character the shipped fonts lack shown as its marker (or dropped if invisible);
    bidirectional controls are dropped even where a font has them, so the text reads in the order typed."""
    return _unprintable(font_css).sub(lambda m: "" if invisible(m.group()) else marker(m.group()), text)


@lru_cache(maxsize=4)
def _unprintable(font_css: Path, work: Path | None = None) -> re.Pattern[str]:
    ranges = _ranges(covered(font_css, work) - BIDI_CONTROLS)
    klass = "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)
    return re.compile(f"[^{klass}]")


def uncovered_characters(inputs, root: Path | None = None, font_css: Path = DEFAULT_FONT_CSS,
                         work: Path | None = None) -> list[Problem]:
    """A warning for each character of an input that the shipped fonts cannot print (or an invisible
    formatting character), naming the character, the file and line, and what the PDF shows instead. One
    warning per character and field. `root` is the project folder, for the line; without it, the record's.
    `work`, the project's work folder, keeps what the fonts cover (see `covered`)."""
    pattern = _unprintable(font_css, work)
    found: list[Problem] = []
    printable: dict[str, bool] = {}
    for key, origin in inputs.origins.items():
        if origin.file not in printable:
            printable[origin.file] = _all_printable(getattr(inputs, "texts", {}).get(origin.file), pattern)
        if printable[origin.file]:
            continue
        record = _record(inputs, key)
        if record is None:
            continue
        for field, value in _strings(record.model_dump(mode="json")):
            for character in dict.fromkeys(pattern.findall(value)):
                found.append(warning(origin.file, _line(root, origin, character), field,
                                     "characters that the shipped fonts print" if not invisible(character)
                                     else "no invisible formatting character",
                                     _what(character)))
    return found


def _all_printable(text: str | None, pattern: re.Pattern[str]) -> bool:
    """Whether every value read from a YAML or CSV file with this text (as UTF-8) is printable, known from the
    text alone: a value is the text's own characters, and the spaces and line breaks YAML folds lines into,
    unless an escape
    ("\\U0001F600") writes a character the text does not hold. Other files, and records' defaults (plain ASCII
    words of the code), are read value by value."""
    return text is not None and "\\" not in text and not pattern.search(text)


def _what(character: str) -> str:
    name = unicodedata.name(character, "unnamed")
    if invisible(character):
        return f"{marker(character)} {name}, which the PDF and partner text drop"
    return f"'{character}' {marker(character)} {name}, which the PDF shows as {marker(character)}"


def _record(inputs, key: str):
    kind, _, ident = key.partition(":")
    tables = {"PartnerInput": inputs.partner_inputs, "Partner": inputs.partners, "Country": inputs.countries,
              "ThematicArea": inputs.thematic_areas, "Priority": inputs.priorities, "Session": inputs.sessions}
    if kind in tables:
        return tables[kind].get(ident)
    if kind == "Meeting":
        return inputs.meeting.model_copy(update={"sessions": []})  # each session is a record of its own
    if kind == "ResultsSummary":
        return inputs.results
    if kind == "GlossaryEntry":
        return next((entry for entry in inputs.glossary if entry.term == ident), None)
    if kind == "CountryResult":
        return next((row for row in inputs.country_results if row.country == ident), None)
    if kind == "FeedbackComment":  # a reviewer's comment and the team's response, printed in the matrix
        return next((c for f in getattr(inputs, "feedback", []) for c in f.comments if c.id == ident), None)
    return None


def _strings(value, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _strings(inner, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _strings(inner, f"{path}[{index}]")


def _line(root: Path | None, origin, character: str) -> int | None:
    """The line of the record's file where the character first appears at or after the record's line (a
    YAML escape such as "\\U0001F600" is not found: then the record's own line)."""
    if root is None:
        return origin.line
    try:
        lines = (root / origin.file).read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeError):
        return origin.line
    start = (origin.line or 1) - 1
    return next((number + 1 for number in range(start, len(lines)) if character in lines[number]), origin.line)
