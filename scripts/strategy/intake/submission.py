"""A partner's Word submission -> inputs/partner-inputs/PI-NNN.yaml (and its images beside it).

How the document becomes the input:

- The text is the document **as accepted**: tracked insertions kept, tracked deletions removed (what the
  partner would send if they accepted their own changes). pandoc reads it (in its sandbox, within time and
  memory limits) and writes Markdown that python-markdown reads the same way: pipe tables with their
  alignment, `[^n]` footnotes, lists nested by four spaces, `*emphasis*` and `**strong**`.
- Headings keep their shape but move under the input's own heading: the submission's highest level becomes
  `####` (the register prints the input as `##` and its Vision as `###`), deeper ones follow, down to `######`.
- Word comments (with author, date, the text they are on and their replies) and tracked changes (author, date
  and the words inserted or deleted) become the input's `notes`, never part of its text.
- Pictures in PNG or JPEG (an SVG picture through the PNG that Word stores beside it) are checked by their
  bytes and size, written to `partner-inputs/PI-NNN/imageK.png` and referenced with their alt text. Links
  become their text followed by the address in brackets.
- Fields: a section whose heading says "Priorities" gives `priorities` (one proposal per item of its lists;
  an item's `priority` ID only when its text names one priority of priorities.yaml and no other), one headed
  "Key message" or "Quote" gives `key_quote` (when it is one paragraph), one headed "Country experience" or
  "Experience" gives `country_experience`; everything else, including a "Vision" section, is the `vision`.
  Nothing is invented: what the document does not make clear is left for the author and named.

What cannot be carried over (a text box, a chart, a picture in another format, the text of page headers) is
named in the result, never dropped silently.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import io
import json
import os
import posixpath
import re
import shutil
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..environment import seconds_from_environment
from ..inputs import records as r
from ..inputs.loading import ASSET_BYTES, PARTNER_INPUTS, PARTNERS, PRIORITIES, THEMATIC_AREAS, asset_kind
from ..inputs.sources import read_yaml
from ..pandoc import HEAP_BYTES, SECONDS, SECONDS_VARIABLE, run_pandoc
from ..problems import Problem, ProblemsFound, display_path, shown
from .word import W, WordPackage, open_docx
from .writing import next_input_ids, write_new_file, yaml_text

MARKDOWN = "markdown_strict+pipe_tables+footnotes+four_space_rule-raw_html"
TOP_HEADING = 4  # the submission's highest heading level becomes this one
MAX_PIXELS = 40_000_000  # a picture bigger than this (a decompression bomb, or a poster) is not carried over
W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"
W15 = "{http://schemas.microsoft.com/office/word/2012/wordml}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
GRAPHIC_DATA = "{http://schemas.openxmlformats.org/drawingml/2006/main}graphicData"
DRAWING = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
SVG = "{http://schemas.microsoft.com/office/drawing/2016/SVG/main}"
OFFICE_RELATIONSHIPS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


@dataclass(frozen=True)
class Submission:
    """What the command line says about the document: who sent it, when, and what they agreed to."""

    file: Path
    partner: str
    consent: r.Consent
    themes: tuple[str, ...]
    received: str  # as typed: YYYY-MM-DD, checked here so that a bad date is a problem, not a usage error
    timing: r.Timing


@dataclass
class Imported:
    """What the import wrote and what the author should know about it."""

    id: str
    file: str
    dropped: list[str] = field(default_factory=list)  # what could not be carried over
    left: list[str] = field(default_factory=list)  # fields left for the author
    kept: list[str] = field(default_factory=list)  # carried over somewhere else than the text (notes)


def import_submission(root: Path, inputs_folder: str, submission: Submission) -> Imported:
    """Write the next free partner input from `submission`; ProblemsFound (nothing written) if it cannot."""
    folder = root / inputs_folder
    shown_file = display_path(submission.file, root) if submission.file.is_absolute() else str(submission.file)
    references = _References.read(folder, root)
    received = _checked_options(submission, references)
    package = open_docx(submission.file, shown_file)
    input_id = next_input_ids(folder / PARTNER_INPUTS)[0]
    result = Imported(input_id, display_path(folder / PARTNER_INPUTS / f"{input_id}.yaml", root))
    converter = _Converter(package, input_id, result)
    document = converter.document(_pandoc(package, ["--from=docx", "--to=json", "--track-changes=accept"]))
    fields = _fields(document, converter, references, result)
    notes = _notes(package)
    if notes:
        comments = sum(1 for n in notes if n.kind is r.NoteKind.COMMENT)
        changes = len(notes) - comments
        result.kept.append(f"{_count(comments, 'comment')} and {_count(changes, 'tracked change')} kept as the "
                           "input's notes (for the drafting team, never in its text)")
    result.dropped += _unsupported(package)
    data = {"id": input_id, "partner": submission.partner, "received": received,
            "timing": submission.timing.value, "channel": r.Channel.WRITTEN_SUBMISSION.value,
            "consent": submission.consent.value, "themes": list(submission.themes), **fields,
            "imported_from": submission.file.name,
            "notes": [_note_data(n) for n in notes]}
    data = {key: value for key, value in data.items() if value not in (None, "", []) or key == "priorities"}
    header = f"Imported from {submission.file.name} with `strategy import submission`."
    if result.left:
        header += "\nLeft for the author:" + "".join(f"\n- {line}" for line in result.left)
    _write(folder / PARTNER_INPUTS, input_id, yaml_text(data, header), converter.images, result.file)
    return result


# --- the command line's options, against the inputs --------------------------------------------------------


@dataclass(frozen=True)
class _References:
    partners: list[str]
    themes: list[str]
    priorities: list[r.Priority]
    files: dict[str, str]

    @classmethod
    def read(cls, folder: Path, root: Path) -> _References:
        """The partners, thematic areas and priorities, read alone: a project whose other inputs are not
        valid yet (an earlier import left a field for the author) can still import."""
        problems, lists, files = [], {}, {}
        for name, model in ((PARTNERS, r.Partner), (THEMATIC_AREAS, r.ThematicArea), (PRIORITIES, r.Priority)):
            path = folder / name
            files[name] = display_path(path, root)
            source = read_yaml(path, files[name], root)
            problems += source.problems
            items = source.data if isinstance(source.data, list) else []
            lists[name] = [model.model_validate(i) for i in items if isinstance(i, dict) and _valid(model, i)]
        if problems:
            raise ProblemsFound(problems)
        return cls([p.id for p in lists[PARTNERS]], [t.id for t in lists[THEMATIC_AREAS]], lists[PRIORITIES],
                   files)


def _valid(model: type[r.Record], item: dict) -> bool:
    try:
        model.model_validate(item)
        return True
    except ValueError:
        return False


def _note_data(note: r.PartnerNote) -> dict[str, Any]:
    data = note.model_dump(mode="json", exclude_defaults=True)
    if note.date:  # a date as an author types it, not quoted text
        data["date"] = note.date
    return data


def _checked_options(submission: Submission, references: _References) -> dt.date | None:
    problems = []
    if submission.partner not in references.partners:
        problems.append(_unknown(references.files[PARTNERS], "--partner", "a partner ID of this file",
                                 submission.partner, references.partners))
    if not submission.themes:
        problems.append(Problem(references.files[THEMATIC_AREAS], None, "--themes",
                                "one or more thematic area IDs, separated by commas", "none"))
    for theme in submission.themes:
        if theme not in references.themes:
            problems.append(_unknown(references.files[THEMATIC_AREAS], "--themes", "thematic area IDs of this file",
                                     theme, references.themes))
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", submission.received):
            raise ValueError
        received = dt.date.fromisoformat(submission.received)
    except ValueError:
        received = None
        problems.append(Problem("command line", None, "--received", "a date written YYYY-MM-DD that exists",
                                shown(submission.received)))
    if problems:
        raise ProblemsFound(problems)
    return received


def _unknown(file: str, option: str, expected: str, value: str, known: list[str]) -> Problem:
    guess = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
    hint = f" (did you mean '{guess[0]}'?)" if guess else ""
    return Problem(file, None, option, expected + hint, shown(value) + "; nothing was written")


# --- pandoc's reading of the document ----------------------------------------------------------------------


def _pandoc(package: WordPackage, options: list[str], stdin: bytes | None = None) -> bytes:
    seconds = seconds_from_environment(SECONDS_VARIABLE, SECONDS)
    return run_pandoc(options, package.data if stdin is None else stdin, file=package.shown_as,
                      expected=f"a Word document that pandoc can read within {seconds:g} seconds and "
                               f"{HEAP_BYTES / 2**30:g} GiB", seconds=seconds, makes="result")


def _markdown(package: WordPackage, blocks: list, api_version: list) -> str:
    """Blocks of pandoc's document model as the Markdown partner text is written in."""
    if not blocks:
        return ""
    document = json.dumps({"pandoc-api-version": api_version, "meta": {}, "blocks": blocks}).encode()
    text = _pandoc(package, ["--from=json", f"--to={MARKDOWN}", "--wrap=none"], document).decode("utf-8")
    return text.strip()


def _el(kind: str, content: Any = None) -> dict:
    return {"t": kind} if content is None else {"t": kind, "c": content}


def stringify(node: Any) -> str:
    """The plain text of a piece of pandoc's document model (footnotes left out)."""
    if isinstance(node, list):
        return "".join(stringify(n) for n in node)
    if not isinstance(node, dict):
        return ""
    kind, content = node.get("t"), node.get("c")
    if kind == "Str":
        return content
    if kind in ("Space", "SoftBreak", "LineBreak"):
        return " "
    if kind in ("Code", "Math"):
        return content[-1]
    if kind in ("Para", "Plain", "BlockQuote", *_WRAPPERS):
        return stringify(content) if kind != "BlockQuote" else " ".join(stringify(b) for b in content)
    if kind in ("Link", "Image", "Span", "Cite", "Div"):
        return stringify(content[1])
    if kind == "Quoted":
        return "“" + stringify(content[1]) + "”"
    if kind == "Header":
        return stringify(content[2])
    if kind == "BulletList":
        return " ".join(stringify(item) for item in content)
    if kind == "OrderedList":
        return " ".join(stringify(item) for item in content[1])
    return ""  # notes, tables, code blocks


_WRAPPERS = ("Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps")


class _Converter:
    """Rewrites pandoc's reading of the document into what partner text can carry, naming what it cannot."""

    def __init__(self, package: WordPackage, input_id: str, result: Imported):
        self.package = package
        self.input_id = input_id
        self.result = result
        self.images: dict[str, bytes] = {}  # file name in the assets folder -> bytes
        self.image_names: dict[str, str | None] = {}  # pandoc's media path -> file name (None: refused)
        self.counts: Counter[str] = Counter()
        self.relationships = package.relationships("word/document.xml")
        self.api_version: list = []
        self.svg_fallbacks = self._svg_fallbacks()

    def document(self, pandoc_json: bytes) -> list:
        document = json.loads(pandoc_json)
        self.api_version = document["pandoc-api-version"]
        title = document.get("meta", {}).get("title")
        if title:
            text = stringify(title.get("c", []))
            self.result.dropped.append(f"the document's title ({shown(text)}) not carried over: the input's "
                                       "heading names the partner")
        blocks = self.blocks(document["blocks"])
        for what, count in sorted(self.counts.items()):
            self.result.dropped.append(what.format(count=count, s="" if count == 1 else "s"))
        return blocks

    # blocks ---------------------------------------------------------------------------------------------

    def blocks(self, blocks: list) -> list:
        out: list = []
        for block in blocks:
            out += self.block(block)
        return out

    def block(self, block: dict) -> list:
        kind, content = block["t"], block.get("c")
        if kind in ("Para", "Plain"):
            inlines = self.inlines(content)
            return [_el(kind, inlines)] if inlines else []
        if kind == "Header":
            return [_el("Header", [content[0], ["", [], []], self.inlines(content[2])])]
        if kind == "BlockQuote":
            return [_el("BlockQuote", self.blocks(content))]
        if kind == "BulletList":
            return [_el("BulletList", [self.blocks(item) for item in content])]
        if kind == "OrderedList":
            return [_el("OrderedList", [content[0], [self.blocks(item) for item in content[1]]])]
        if kind == "Div":
            return self.blocks(content[1])
        if kind == "Figure":
            return self.figure(content)
        if kind == "Table":
            return self.table(content)
        if kind == "LineBlock":
            lines = [self.inlines(line) for line in content]
            joined: list = []
            for number, line in enumerate(lines):
                joined += ([_el("LineBreak")] if number else []) + line
            return [_el("Para", joined)]
        if kind in ("CodeBlock", "HorizontalRule"):
            return [block]
        if kind == "DefinitionList":
            out: list = []
            for term, definitions in content:
                out.append(_el("Para", [_el("Strong", self.inlines(term))]))
                for definition in definitions:
                    out += self.blocks(definition)
            return out
        self.counts["{count} block{s} of raw markup dropped"] += 1
        return []

    def figure(self, content: list) -> list:
        body = self.blocks(content[2])
        body = [_el("Para", b["c"]) if b["t"] == "Plain" else b for b in body]
        caption = content[1][1]
        caption_text = stringify(caption).strip()
        alts = [stringify(image["c"][1]).strip() for image in _images(body)]
        if caption_text and caption_text not in alts:
            caption_inlines = [i for b in self.blocks(caption) for i in (b["c"] if b["t"] in ("Para", "Plain") else [])]
            body.append(_el("Para", [_el("Emph", caption_inlines)]))
        return body

    def table(self, content: list) -> list:
        """A table pipe tables can hold: one line of text a cell, no merged cells (their text stays in the
        first cell of the span, the others are left empty), one header row (the first row when Word marks
        none); its caption, if any, as a paragraph before it."""
        attr, caption, colspecs, head, bodies, foot = content
        width = len(colspecs)
        rows = [row for row in head[1]]
        body_rows = [row for body in bodies for row in (body[2] + body[3])] + list(foot[1])
        if not rows and body_rows:
            rows, body_rows = [body_rows[0]], body_rows[1:]
        flattened = 0
        merged = 0
        grid_rows: list[list] = []
        pending: dict[int, int] = {}  # column -> rows still covered by a cell spanning rows above
        for row in [*rows, *body_rows]:
            cells_out: list = []
            cells = list(row[1])
            column = 0
            while column < width:
                if pending.get(column, 0) > 0:
                    pending[column] -= 1
                    cells_out.append(self._cell([], colspecs[column][0]))
                    column += 1
                    continue
                if not cells:
                    cells_out.append(self._cell([], colspecs[column][0]))
                    column += 1
                    continue
                cell = cells.pop(0)
                _, align, rowspan, colspan, blocks = cell
                inlines, was_flat = self._cell_inlines(blocks)
                flattened += not was_flat
                if rowspan > 1 or colspan > 1:
                    merged += 1
                for extra in range(colspan):
                    if column + extra < width:
                        if rowspan > 1:
                            pending[column + extra] = rowspan - 1
                        cells_out.append(self._cell(inlines if extra == 0 else [], align))
                column += colspan
            grid_rows.append([["", [], []], cells_out])
        if flattened:
            self.counts["{count} table cell{s} with several paragraphs or a list put on one line"] += flattened
        if merged:
            self.counts["{count} merged table cell{s} split (the text stays in the first cell)"] += merged
        new_head = [["", [], []], grid_rows[:1]]
        new_body = [[["", [], []], 0, [], grid_rows[1:]]]
        colspecs = [[_column_alignment(spec[0], [row[1][n][1] for row in grid_rows]),
                     _el("ColWidthDefault")] for n, spec in enumerate(colspecs)]
        table = _el("Table", [attr, [None, []], colspecs, new_head, new_body, [["", [], []], []]])
        return [*self.blocks(caption[1]), table]

    def _cell(self, inlines: list, align: dict) -> list:
        return [["", [], []], align, 1, 1, [_el("Plain", inlines)] if inlines else []]

    def _cell_inlines(self, blocks: list) -> tuple[list, bool]:
        converted = self.blocks(blocks)
        if len(converted) <= 1 and all(b["t"] in ("Plain", "Para") for b in converted):
            return (converted[0]["c"] if converted else []), True
        pieces = [_cell_text(b) for b in converted]
        joined: list = []
        for piece in pieces:
            if piece:
                joined += ([_el("Str", ";"), _el("Space")] if joined else []) + piece
        return joined, False

    # inlines --------------------------------------------------------------------------------------------

    def inlines(self, inlines: list) -> list:
        out: list = []
        for inline in inlines:
            out += self.inline(inline)
        return out

    def inline(self, inline: dict) -> list:
        kind, content = inline["t"], inline.get("c")
        if kind in _WRAPPERS:
            return [_el(kind, self.inlines(content))]
        if kind == "Quoted":
            return [_el(kind, [content[0], self.inlines(content[1])])]
        if kind == "Span":
            return self.inlines(content[1])
        if kind == "Cite":
            return self.inlines(content[1])
        if kind == "Link":
            return self.link(content)
        if kind == "Image":
            return self.image(content)
        if kind == "Note":
            return [_el("Note", self.blocks(content))]
        if kind == "Math":
            self.counts["{count} equation{s} kept as their TeX source"] += 1
            return [_el("Code", [["", [], []], content[1]])]
        if kind == "RawInline":
            self.counts["{count} piece{s} of raw markup dropped"] += 1
            return []
        return [inline]

    def link(self, content: list) -> list:
        text = self.inlines(content[1])
        target = content[2][0]
        if target.startswith("#") or not target or stringify(text).strip() == target:
            return text
        return [*text, _el("Space"), _el("Str", f"({target})")]

    def image(self, content: list) -> list:
        attr, alt, (source, _title) = content
        name = self._image_file(source)
        if name is None:
            return []
        alt_inlines = self.inlines(alt)
        if not stringify(alt_inlines).strip():
            self.result.left.append(f"the alt text of {self.input_id}/{name} (the picture has none)")
        return [_el("Image", [["", [], []], alt_inlines, [f"{self.input_id}/{name}", ""]])]

    def _image_file(self, source: str) -> str | None:
        if source in self.image_names:
            return self.image_names[source]
        number = len(self.image_names) + 1
        data, kind = self._image_bytes(source)
        name = None
        if data is None:
            self.counts["{count} picture{s} dropped: it could not be found in the document"] += 1
        elif kind is None:
            suffix = Path(source).suffix.lstrip(".").upper() or "unknown"
            self.counts[f"{{count}} picture{{s}} in {suffix} format dropped: only PNG and JPEG pictures are "
                        "carried over"] += 1
        elif len(data) > ASSET_BYTES:
            self.counts[f"{{count}} picture{{s}} over {ASSET_BYTES // 2**20} MiB dropped"] += 1
        elif (problem := _picture_problem(data, kind)) is not None:
            self.counts[f"{{count}} picture{{s}} dropped: {problem}"] += 1
        else:
            name = f"image{number}.{kind}"
            self.images[name] = data
        self.image_names[source] = name
        return name

    def _image_bytes(self, source: str) -> tuple[bytes | None, str | None]:
        """The picture pandoc names `media/...` as the package stores it, and its kind by its bytes."""
        parts = self.package.parts
        name = "word/" + source
        if name not in parts:  # pandoc may name a picture after its relationship: media/rId7.png
            relationship = self.relationships.get(Path(source).stem)
            if relationship and not relationship.external:
                name = _part_name(relationship.target)
        # pandoc prefers an SVG picture to the PNG that Word keeps beside it; an SVG may hold scripts, the
        # PNG cannot: take the PNG.
        name = self.svg_fallbacks.get(name, name)
        data = parts.get(name)
        return (None, None) if data is None else (data, asset_kind(data))

    def _svg_fallbacks(self) -> dict[str, str]:
        """Each SVG picture's part -> the part of the PNG (or JPEG) Word stores for readers without SVG."""
        document = self.package.xml("word/document.xml")
        out: dict[str, str] = {}
        for blip in (document.iter(f"{DRAWING}blip") if document is not None else []):
            fallback = self.relationships.get(blip.get(f"{OFFICE_RELATIONSHIPS}embed", ""))
            for svg in blip.iter(f"{SVG}svgBlip"):
                picture = self.relationships.get(svg.get(f"{OFFICE_RELATIONSHIPS}embed", ""))
                if picture and fallback and not picture.external and not fallback.external:
                    out[_part_name(picture.target)] = _part_name(fallback.target)
        return out


def _part_name(target: str) -> str:
    """A relationship's target (relative to word/) as the name of the part in the package."""
    return posixpath.normpath(posixpath.join("word", target)).lstrip("/")  # "/word/..." is absolute already


def _picture_problem(data: bytes, kind: str) -> str | None:
    """Why a PNG or JPEG cannot be carried over (damaged, or too many pixels), or None."""
    from PIL import Image  # Pillow, which matplotlib brings; only needed here

    try:
        with Image.open(io.BytesIO(data)) as picture:
            if picture.format != {"png": "PNG", "jpg": "JPEG"}[kind]:
                return "its bytes do not match its format"
            if picture.width * picture.height > MAX_PIXELS:
                return f"more than {MAX_PIXELS // 1_000_000} million pixels"
            picture.verify()
    except Exception:  # Pillow raises many kinds for a damaged picture; every one means the same here
        return "a damaged picture"
    return None


def _column_alignment(declared: dict, cells: list[dict]) -> dict:
    """A column's alignment: as declared, or else as most of its cells are aligned (Word aligns paragraphs,
    not columns, and pipe tables align columns)."""
    if declared["t"] != "AlignDefault":
        return declared
    counts = Counter(cell["t"] for cell in cells if cell["t"] != "AlignDefault")
    return _el(counts.most_common(1)[0][0]) if counts else declared


def _cell_text(block: dict) -> list:
    if block["t"] in ("Para", "Plain", "Header"):
        return block["c"] if block["t"] != "Header" else block["c"][2]
    if block["t"] in ("BulletList", "OrderedList"):  # one item after the other: "first; second"
        items = block["c"] if block["t"] == "BulletList" else block["c"][1]
        text = "; ".join(t for item in items if (t := stringify(item).strip()))
    else:
        text = stringify(block).strip()
    return [_el("Str", text)] if text else []


def _images(node: Any):
    """Every Image inline in a piece of pandoc's document model."""
    if isinstance(node, list):
        for item in node:
            yield from _images(item)
    elif isinstance(node, dict):
        if node.get("t") == "Image":
            yield node
        yield from _images(node.get("c"))


# --- the schema's fields -----------------------------------------------------------------------------------

_FIELD_WORDS = (("priorities", ("priorit",)), ("key_quote", ("key message", "quote", "key sentence")),
                ("country_experience", ("experience",)), ("vision", ("vision",)))


def _claim(heading: str) -> str | None:
    """The field a heading opens, when its words say so and name no other field."""
    text = _normal(heading)
    found = {name for name, words in _FIELD_WORDS if any(word in text for word in words)}
    return found.pop() if len(found) == 1 else None


def _normal(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _sections(blocks: list) -> list[tuple[str | None, dict | None, list]]:
    """The document cut at the headings that open a field: (field or None, its heading, its blocks)."""
    sections: list[tuple[str | None, dict | None, list]] = [(None, None, [])]
    level = None
    for block in blocks:
        if block["t"] == "Header":
            claim = _claim(stringify(block["c"][2]))
            if claim:
                sections.append((claim, block, []))
                level = block["c"][0]
                continue
            if level is not None and block["c"][0] <= level:
                sections.append((None, None, []))
                level = None
        sections[-1][2].append(block)
    return sections


def _fields(blocks: list, converter: _Converter, references: _References, result: Imported) -> dict[str, Any]:
    vision: list = []
    experience: list = []
    proposals: list[list] = []
    quotes: list[list] = []
    for claim, heading, content in _sections(blocks):
        if claim is None or claim == "vision":
            vision += content
        elif claim == "country_experience":
            experience += content
        elif claim == "priorities":
            items = [item for b in content if b["t"] in ("BulletList", "OrderedList")
                     for item in (b["c"] if b["t"] == "BulletList" else b["c"][1])]
            rest = [b for b in content if b["t"] not in ("BulletList", "OrderedList")]
            proposals += items
            if rest or not items:  # text that is not a list item stays in the text, under its heading
                vision += [heading, *rest]
        elif claim == "key_quote":
            paragraphs = [b for b in content if b["t"] in ("Para", "Plain")]
            if len(content) == 1 and len(paragraphs) == 1 or _one_quote(content):
                quotes.append(content)
            else:
                vision += [heading, *content]
    package, version = converter.package, converter.api_version
    highest = min((b["c"][0] for b in blocks if b["t"] == "Header"), default=1)
    out: dict[str, Any] = {}
    out["priorities"] = [_proposal(package, version, item, references, n, result)
                         for n, item in enumerate(proposals)]
    if not proposals:
        result.left.append("priorities (no list under a heading that says \"Priorities\"); "
                           "`strategy check` names this field until it is filled in")
    out["vision"] = _markdown(package, _demoted(vision, highest), version)
    out["country_experience"] = _markdown(package, _demoted(experience, highest), version)
    if len(quotes) == 1:
        quote = _markdown(package, _plain_paragraphs(quotes[0]), version)
        out["key_quote"] = _unquoted(quote)
    else:
        result.left.append("key_quote (optional: " + ("several sections" if quotes else "no section") +
                           " headed \"Key message\" or \"Quote\" with one paragraph)")
    if not out["vision"] and not out["country_experience"]:
        raise ProblemsFound([Problem(converter.package.shown_as, None, None,
                                     "a submission with text besides its priorities and key message",
                                     "none; nothing was written")])
    return {name: out[name] for name in ("priorities", "vision", "country_experience", "key_quote") if name in out}


def _unquoted(text: str) -> str:
    """A quotation without the quotation marks around it: the site and the PDF add their own."""
    text = text.strip()
    pairs = {'"': '"', "“": "”", "‘": "’", "«": "»", "'": "'"}
    if len(text) > 2 and text[0] in pairs and text[-1] == pairs[text[0]]:
        return text[1:-1].strip()
    return text


def _one_quote(content: list) -> bool:
    return len(content) == 1 and content[0]["t"] == "BlockQuote" and len(content[0]["c"]) == 1 \
        and content[0]["c"][0]["t"] in ("Para", "Plain")


def _plain_paragraphs(content: list) -> list:
    return content[0]["c"] if content[0]["t"] == "BlockQuote" else content


def _proposal(package: WordPackage, version: list, item: list, references: _References, number: int,
              result: Imported) -> dict[str, str]:
    text = _markdown(package, item, version)
    named = _priorities_named(stringify(item), references.priorities)
    if len(named) == 1:
        return {"priority": named[0], "proposal": text}
    why = (f"it names {len(named)} priorities ({', '.join(named)})" if named
           else "it names no priority of priorities.yaml")
    result.left.append(f"priorities[{number}].priority ({why})")
    return {"proposal": text}


def _priorities_named(text: str, priorities: list[r.Priority]) -> list[str]:
    """The priorities whose title, or ID read as words, appears in `text` as whole words."""
    words = f" {_normal(text)} "
    return [p.id for p in priorities
            if f" {_normal(p.title)} " in words or f" {_normal(p.id.replace('-', ' '))} " in words]


def _demoted(blocks: list, highest: int) -> list:
    """The headings moved under the input's own: the document's `highest` level becomes TOP_HEADING, the
    others follow (so a subsection of a "Vision" section stays one level below where "Vision" would be)."""
    shift = TOP_HEADING - highest
    out = []
    for block in blocks:
        if block["t"] == "Header":
            block = copy.deepcopy(block)
            block["c"][0] = min(6, block["c"][0] + shift)
        out.append(block)
    return out


# --- notes: comments and tracked changes -----------------------------------------------------------------


def _notes(package: WordPackage) -> list[r.PartnerNote]:
    """The Word comments (with their anchors and replies), then the tracked changes in document order."""
    comments = package.xml("word/comments.xml")
    anchors = _anchors(package.xml("word/document.xml"))
    notes: list[r.PartnerNote] = []
    number_of: dict[str, int] = {}  # the paraId of a comment's last paragraph -> its note number
    parents = _reply_parents(package.xml("word/commentsExtended.xml"))
    for comment in (comments.iter(f"{W}comment") if comments is not None else []):
        text = _paragraphs_text(comment)
        paragraphs = list(comment.iter(f"{W}p"))
        para_id = paragraphs[-1].get(f"{W14}paraId") if paragraphs else None
        if not text:
            continue
        reply_to = number_of.get(parents.get(para_id or "", ""))
        notes.append(r.PartnerNote(kind=r.NoteKind.COMMENT, text=text, author=_author(comment),
                                   date=_date(comment), anchor=anchors.get(comment.get(f"{W}id", "")) or None,
                                   reply_to=reply_to))
        if para_id:
            number_of[para_id] = len(notes)
    for part in ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml"):
        root = package.xml(part)
        if root is not None:
            notes += _changes(root)
    return notes


def _reply_parents(extended) -> dict[str, str]:
    if extended is None:
        return {}
    return {c.get(f"{W15}paraId", ""): c.get(f"{W15}paraIdParent", "")
            for c in extended.iter(f"{W15}commentEx") if c.get(f"{W15}paraIdParent")}


def _anchors(document) -> dict[str, str]:
    """Each comment's anchored text, as accepted (inserted words in, deleted ones out)."""
    if document is None:
        return {}
    open_ranges: dict[str, list[str]] = {}
    done: dict[str, str] = {}
    for element in document.iter():
        if element.tag == f"{W}commentRangeStart":
            open_ranges[element.get(f"{W}id", "")] = []
        elif element.tag == f"{W}commentRangeEnd":
            key = element.get(f"{W}id", "")
            done[key] = " ".join("".join(open_ranges.pop(key, [])).split())
        elif element.tag == f"{W}t" and element.text:
            for pieces in open_ranges.values():
                pieces.append(element.text)
        elif element.tag in (f"{W}tab", f"{W}br", f"{W}p"):
            for pieces in open_ranges.values():
                pieces.append(" ")
    return done


def _changes(root) -> list[r.PartnerNote]:
    notes: list[r.PartnerNote] = []
    for element in root.iter():
        if element.tag == f"{W}ins":
            kind, text_tag = r.NoteKind.INSERTION, f"{W}t"
        elif element.tag == f"{W}del":
            kind, text_tag = r.NoteKind.DELETION, f"{W}delText"
        else:
            continue
        text = " ".join("".join(t.text or "" for t in element.iter(text_tag)).split())
        if text:  # a paragraph mark inserted or deleted carries no words
            notes.append(r.PartnerNote(kind=kind, text=text, author=_author(element), date=_date(element)))
    return notes


def _paragraphs_text(element) -> str:
    paragraphs = ["".join(t.text or "" for t in p.iter(f"{W}t")).strip() for p in element.iter(f"{W}p")]
    return "\n\n".join(p for p in paragraphs if p)


def _author(element) -> str | None:
    return (element.get(f"{W}author") or "").strip() or None


def _date(element) -> str | None:
    value = element.get(f"{W}date") or ""
    try:
        return dt.date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None


# --- what pandoc does not carry over -----------------------------------------------------------------------


def _unsupported(package: WordPackage) -> list[str]:
    """What the document holds that its Markdown cannot: text boxes, charts, SmartArt, page headers..."""
    counts: Counter[str] = Counter()
    document = package.xml("word/document.xml")
    if document is not None:
        _count_unsupported(document, counts)
    headers = [n for n in package.parts if re.fullmatch(r"word/(header|footer)[0-9]*\.xml", n)]
    with_text = [n for n in headers if _paragraphs_text(package.xml(n))]
    out = [f"{_count(n, what)} dropped" for what, n in counts.items()]
    if with_text:
        out.append(f"the text of {_count(len(with_text), 'page header or footer', 'page headers and footers')} "
                   "dropped")
    return out


def _count_unsupported(element, counts: Counter[str]) -> None:
    for child in element:
        if child.tag == MC_FALLBACK:  # the same drawing again, for older readers
            continue
        if child.tag == f"{W}txbxContent":
            counts["text box"] += 1
        elif child.tag == GRAPHIC_DATA:
            uri = child.get("uri", "")
            if uri.endswith("/chart"):
                counts["chart"] += 1
            elif uri.endswith("/diagram"):
                counts["SmartArt graphic"] += 1
        _count_unsupported(child, counts)


def _count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number} {singular if number == 1 else (plural or singular + 's')}"


# --- writing -----------------------------------------------------------------------------------------------


def _write(folder: Path, input_id: str, text: str, images: dict[str, bytes], shown_as: str) -> None:
    """The pictures' folder, then the input: both, or neither."""
    assets = folder / input_id
    if images:
        if os.path.lexists(assets):
            raise ProblemsFound([Problem(display_path(assets, folder.parent.parent), None, None,
                                         "no folder of that name yet", "one already: nothing was written")])
        partial = folder / f".{input_id}.new-{os.getpid()}"
        try:
            partial.mkdir()
            for name, data in images.items():
                (partial / name).write_bytes(data)
            os.rename(partial, assets)
        finally:
            shutil.rmtree(partial, ignore_errors=True)
    try:
        write_new_file(folder / f"{input_id}.yaml", r.PartnerInput, text, shown_as, left_for_author={"priorities"})
    except BaseException:
        if images:
            shutil.rmtree(assets, ignore_errors=True)
        raise
