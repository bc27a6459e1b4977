"""A partner input's own Markdown (its vision, its country experience), as a Word submission brings it.

What `markdown.partner_text` keeps (paragraphs, emphasis, lists, line breaks, code spans), and also:

- headings, demoted under the field's own heading (h3 in the register): the partner's top level becomes h4,
  the next h5, anything deeper h6. Each gets an id of the input's own ("pi-018-vision-h1"), so it can take
  no anchor of the page; h4-h6 stay out of the PDF's contents and bookmarks (print.css) and sit under the
  input's entry in the site's "On this page" list and in Word's navigation pane.
- pipe tables, with each column's alignment (`:--`, `--:`, `:-:`);
- footnotes (`[^1]` and `[^1]: …`), renamed after the input and field ("pi-018-vision-1") so that two inputs
  never share one; they are the page's footnotes on the site and print at the foot of the page;
- images from the input's own folder (`PI-018/image1.png`, PNG or JPEG, read by inputs/loading.py), with
  their alt text. Any other path, a URL, a data: URI or `..` shows the alt text instead.

Raw HTML and links still show as typed. The result is rendered once with the site's extensions and checked
element by element; if anything else came out, the field falls back to plain paragraphs.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from ..problems import Problem, ProblemsFound, display_path
from ..typeset import LETTERED_CLASS, SHORT_CLASS
from .consent import Audience, may_show
from .markdown import (_BIDI_CONTROLS, _CODE_SPAN, _CONTROL, _INLINE_SYNTAX, _LIST_MARKER, _code_span,
                       _neutral_line, _plain, _ref, safe_or_plain, site_rendering)

if TYPE_CHECKING:
    from ..inputs import StrategyInputs

# Where an input's images go in the generated chapters' folder: generated/partner-images/PI-018/image1.png.
IMAGES_FOLDER = "partner-images"
TOP_LEVEL = 4  # the field's heading is h3

_HEADING = re.compile(r"(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_DELIMITER_ROW = re.compile(r"\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_FOOTNOTE_DEFINITION = re.compile(r"\[\^([^\]\s]{1,60})\]:[ \t]*(.*)$")
_FOOTNOTE_CALL = re.compile(r"\[\^([^\]\s]{1,60})\](?!:)")
# ![alt](path "title"){width=…}: pandoc may add a title and an attribute list; both are dropped.
_IMAGE = re.compile(r"!\[((?:[^\[\]\n\\]|\\.){0,500})\]\([ \t]*<?([^\s()<>]{0,300})>?(?:[ \t]+\"[^\"\n]*\")?[ \t]*\)"
                    r"(?:\{[^{}\n]*\})?")
_IMAGE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.(?:png|jpe?g)", re.IGNORECASE)
_PLACEHOLDER = re.compile("\x00(\\d+)\x00")
FALLBACK_ALT = "Image from the partner's input"


def image_references(text: str, input_id: str, images: Mapping[str, object]) -> list[str]:
    """The images of the input's own folder that its text shows ("PI-018/image1.png"), in order."""
    return list(dict.fromkeys(ref for _, ref in (_image_parts(m) for m in _IMAGE.finditer(text))
                              if _own_image(ref, input_id, images)))


def _image_parts(match: re.Match) -> tuple[str, str]:
    return re.sub(r"\\(.)", r"\1", match.group(1)), match.group(2)


def _own_image(ref: str, input_id: str, images: Mapping[str, object]) -> bool:
    """Only a plain name in the input's own folder, that the loader found there: no URL, no data:, no `..`,
    no absolute path, no other input's folder."""
    parts = PurePosixPath(ref).parts
    return (len(parts) == 2 and parts[0] == input_id and bool(_IMAGE_NAME.fullmatch(parts[1]))
            and ref in images)


class _Converter:
    """One field of one input, from the partner's Markdown to the chapter's."""

    def __init__(self, text: str, prefix: str, input_id: str, images: Mapping[str, str]):
        self.prefix, self.input_id, self.images = prefix, input_id, images
        self.tokens: list[str] = []  # what placeholders stand for, already safe
        self.defined = {m.group(1) for line in text.split("\n") if (m := _FOOTNOTE_DEFINITION.match(line))}
        self.numbers: dict[str, int] = {}  # footnote label -> its number, in order of first call
        self.srcs: set[str] = set()
        self.headings = 0

    def keep(self, safe: str) -> str:
        self.tokens.append(safe)
        return f"\x00{len(self.tokens) - 1}\x00"

    # Inline ---------------------------------------------------------------------------------------

    def protect(self, text: str) -> list[str]:
        """The text's lines, with code spans, images and footnote calls as placeholders; the rest is left for
        `inline`. A call inside a footnote's own text shows as typed: a note that calls itself, or another
        note, would link the notes in a loop."""
        text = _CODE_SPAN.sub(lambda m: self.keep(_code_span(m.group(2))), text)
        lines = _IMAGE.sub(self._image, text).split("\n")
        in_notes = set()
        i = 0
        while i < len(lines):
            if definition := _FOOTNOTE_DEFINITION.match(lines[i]):
                _, end = self._note_body(definition.group(2), lines, i + 1)
                in_notes.update(range(i, end))
                i = end
            else:
                i += 1
        return [line if n in in_notes else _FOOTNOTE_CALL.sub(self._call, line) for n, line in enumerate(lines)]

    def _image(self, match: re.Match) -> str:
        alt, ref = _image_parts(match)
        if not _own_image(ref, self.input_id, self.images):
            return self.keep(self.inline(alt)) if alt.strip() else ""
        src = self.images[ref]
        self.srcs.add(src)
        # Alt text is an attribute: Markdown escapes it there, so it must hold no syntax of its own.
        shown = " ".join(re.sub(r"[\[\]<>&\"\\`{}|]", " ", alt).split()) or FALLBACK_ALT
        return self.keep(f"![{shown}]({src})")

    def _call(self, match: re.Match) -> str:
        label = match.group(1)
        if label not in self.defined:
            return match.group()  # shown as typed
        number = self.numbers.setdefault(label, len(self.numbers) + 1)
        return self.keep(f"[^{self.prefix}-{number}]")

    def inline(self, text: str, restore: bool = True) -> str:
        """Text whose only syntax is emphasis (and the placeholders made above)."""
        text = _INLINE_SYNTAX.sub(lambda m: _ref(m.group()), html.escape(text, quote=False))
        return self.restore(text) if restore else text

    def restore(self, text: str) -> str:
        while _PLACEHOLDER.search(text):
            text = _PLACEHOLDER.sub(lambda m: self.tokens[int(m.group(1))], text)
        return text

    # Blocks ---------------------------------------------------------------------------------------

    def convert(self, text: str) -> str:
        lines = self.protect(text)
        top = min((len(m.group(1)) for line in lines if (m := _HEADING.match(line))), default=1)
        out: list[str] = []
        notes: dict[str, list[str]] = {}
        in_list, list_kind = False, None
        i = 0
        while i < len(lines):
            line = lines[i]
            if (heading := _HEADING.match(line)) and heading.group(2).strip():
                out += ["", self._heading(len(heading.group(1)) - top, heading.group(2)), ""]
                in_list = False
            elif definition := _FOOTNOTE_DEFINITION.match(line):
                body, i = self._note_body(definition.group(2), lines, i + 1)
                notes.setdefault(definition.group(1), body)
                in_list = False
                continue
            elif self._table_starts(lines, i):
                rows, i = self._table(lines, i)
                out += ["", *rows, ""]
                in_list = False
                continue
            else:
                if (marker := _LIST_MARKER.match(line)) and in_list and list_kind not in (None, _kind(marker)):
                    out += ["", "<!-- -->", ""]  # Markdown would carry on the list before it: end that one
                if marker:
                    list_kind = _kind(marker)
                # Block syntax is neutralised before the placeholders come back: an image opens its line with "!".
                neutral, in_list = _neutral_line(self.inline(line, restore=False), in_list)
                out.append(self.restore(neutral))
            i += 1
        out += self._notes(notes)
        return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n")

    def _heading(self, depth: int, title: str) -> str:
        self.headings += 1
        level = min(TOP_LEVEL + depth, 6)
        return f"{'#' * level} {self.inline(title.strip())} {{: #{self.prefix}-h{self.headings} .partner-heading }}"

    @staticmethod
    def _table_starts(lines: list[str], i: int) -> bool:
        return (lines[i].startswith("|") and i + 1 < len(lines) and "|" in lines[i + 1]
                and bool(_DELIMITER_ROW.match(lines[i + 1])))

    def _table(self, lines: list[str], i: int) -> tuple[list[str], int]:
        header = _cells(lines[i])
        aligns = [_alignment(cell) for cell in _cells(lines[i + 1])]
        width = len(header)
        aligns = (aligns + ["---"] * width)[:width]
        rows = [header]
        i += 2
        while i < len(lines) and lines[i].strip().startswith("|"):
            rows.append((_cells(lines[i]) + [""] * width)[:width])
            i += 1
        body = ["| " + " | ".join(self.inline(cell) or " " for cell in row) + " |" for row in rows]
        return [body[0], "| " + " | ".join(aligns) + " |", *body[1:]], i

    def _note_body(self, first: str, lines: list[str], i: int) -> tuple[list[str], int]:
        """A footnote's paragraphs: its line, the lines that follow it, and paragraphs indented under it."""
        paragraphs = [[first]]
        while i < len(lines):
            line = lines[i]
            if not line.strip():
                if i + 1 < len(lines) and lines[i + 1].startswith("    ") and lines[i + 1].strip():
                    paragraphs.append([])
                    i += 1
                    continue
                break
            if _FOOTNOTE_DEFINITION.match(line) or (not paragraphs[-1] and not line.startswith("    ")):
                break
            paragraphs[-1].append(line.strip())
            i += 1
        return [" ".join(p) for p in paragraphs if p], i

    def _notes(self, notes: dict[str, list[str]]) -> list[str]:
        """The definitions of the footnotes called, in the order of their numbers; a definition that no
        call uses shows as typed, as a paragraph."""
        out = []
        for label, number in sorted(self.numbers.items(), key=lambda item: item[1]):
            paragraphs = [self.restore(_not_a_block(self.inline(p, restore=False))) for p in notes.get(label, [""])]
            out += ["", f"[^{self.prefix}-{number}]: {paragraphs[0]}",
                    *(f"\n    {p}" for p in paragraphs[1:])]
        for label, paragraphs in notes.items():
            if label not in self.numbers:
                out += ["", self.restore(_not_a_block(self.inline(f"[^{label}]: " + " ".join(paragraphs), False)))]
        return out


def _kind(marker: re.Match) -> str:
    return "ol" if marker.group()[0].isdigit() else "ul"


def _cells(row: str) -> list[str]:
    """A pipe table row's cells; `\\|` is a pipe inside a cell."""
    row = row.strip()
    row = row[1:] if row.startswith("|") else row
    row = row[:-1] if row.endswith("|") and not row.endswith("\\|") else row
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", row)]


def _alignment(cell: str) -> str:
    cell = cell.strip()
    left, right = cell.startswith(":"), cell.endswith(":")
    return {(True, True): ":---:", (True, False): ":---", (False, True): "---:"}.get((left, right), "---")


def _not_a_block(text: str) -> str:
    """A paragraph that cannot open a list, heading or other block: a footnote holds running text."""
    neutral, _ = _neutral_line(text, False)
    return re.sub(r"^(\d+)([.)])", r"\1\\\2", neutral)


def partner_markdown(text: str, *, prefix: str, input_id: str, images: Mapping[str, str]) -> str:
    """A partner input's Markdown made safe to put into a generated chapter (see the module's docstring).

    `prefix` makes its heading and footnote ids unique on the page ("pi-018-vision"); `images` maps each
    image of the input's folder, as its text names it ("PI-018/image1.png"), to its path from the chapter."""
    text = _CONTROL.sub("", _BIDI_CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n")))
    cleaned = text.expandtabs(4)
    converter = _Converter(cleaned, prefix, input_id, images)
    out = converter.convert(cleaned)
    return safe_or_plain(out, lambda: _plain(cleaned), lambda: _renders_as_allowed(out, prefix, converter.srcs))


# What a partner's text may become once Markdown has rendered it, tag by tag.
_ALLOWED_TAGS = {"p", "em", "strong", "ul", "ol", "li", "code", "br", "h4", "h5", "h6", "table", "thead",
                 "tbody", "tr", "th", "td", "img", "sup", "a", "div", "hr"}
_ALIGNMENT = re.compile(r"text-align: (left|right|center);")


def _renders_as_allowed(markdown_text: str, prefix: str, srcs: set[str]) -> bool:
    """Whether Markdown, with the site's extensions, makes of the text only the allowed elements: links only
    to and from this field's footnotes, images only of the input's folder, alignment as the only style."""
    rendered = site_rendering(markdown_text)
    return all(_allowed(tag, attrs, prefix, srcs) for tag, attrs in _elements(rendered))


def _allowed(tag: str, attrs: dict[str, str | None], prefix: str, srcs: set[str]) -> bool:
    allowed = {"h4": {"id", "class"}, "h5": {"id", "class"}, "h6": {"id", "class"}, "img": {"src", "alt"},
               "th": {"style", "class"}, "td": {"style", "class"}, "ol": {"start", "type", "class"}, "div": {"class"},
               "a": {"class", "href", "title"},
               "li": {"id"}, "sup": {"id"}}.get(tag, set())
    if tag not in _ALLOWED_TAGS or not set(attrs) <= allowed:
        return False
    ids = [v for k, v in attrs.items() if k in ("id", "href") and v]
    if any(not re.fullmatch(rf"#?(fn|fnref\d*):{re.escape(prefix)}-\d+|{re.escape(prefix)}-h\d+", v) for v in ids):
        return False
    if tag == "img":
        return attrs.get("src") in srcs
    if tag == "a":
        return attrs.get("class") in ("footnote-ref", "footnote-backref") and bool(attrs.get("href"))
    if tag == "div":
        return attrs.get("class") == "footnote"
    # typeset.py: short table columns keep to one line, "(a)" lists are lettered.
    if tag in ("th", "td") and attrs.get("class", SHORT_CLASS) != SHORT_CLASS:
        return False
    if tag == "ol" and (attrs.get("class", LETTERED_CLASS) != LETTERED_CLASS or attrs.get("type", "a") not in ("a", "i")):
        return False
    if tag in ("th", "td") and "style" in attrs:
        return bool(_ALIGNMENT.fullmatch(attrs["style"] or ""))
    return tag not in ("h4", "h5", "h6") or attrs.get("class") == "partner-heading"


def _elements(rendered: str) -> Iterator[tuple[str, dict[str, str | None]]]:
    found: list[tuple[str, dict[str, str | None]]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs)))

    Collect(convert_charrefs=True).feed(rendered)
    return iter(found)


def partner_images(inputs: "StrategyInputs", audience: Audience) -> list[tuple[str, bytes]]:
    """The images that the inputs this audience may see show in their text, with their bytes: the site and
    the print edition get these and no other (an image of a withheld input, or one no text shows, stays in
    inputs/)."""
    out = []
    for item in inputs.partner_inputs.values():
        if not may_show(item, audience):
            continue
        for text in (item.vision, item.country_experience):
            for ref in image_references(text or "", item.id, inputs.partner_images):
                path = inputs.partner_images[ref]
                try:
                    out.append((ref, path.read_bytes()))
                except OSError as err:
                    raise ProblemsFound([Problem(display_path(path, path.parents[3]), None, None,
                                                 "an image that can be read", err.strerror or str(err))]) from None
    return list(dict(out).items())


def first_paragraph(text: str) -> str:
    """The first paragraph of running text, for a quote: no heading, table, image or footnote (a quote is
    partner_text, which would show their syntax as typed), and no footnote call."""
    for block in re.split(r"\n[ \t]*\n", text.strip()):
        start = block.lstrip()
        if start and not _HEADING.match(start) and not start.startswith(("|", "![", "[^")):
            return _FOOTNOTE_CALL.sub("", block).strip()
    return text.strip().split("\n\n")[0]
