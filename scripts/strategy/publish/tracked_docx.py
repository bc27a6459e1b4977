"""The Word version of the new edition with tracked changes against the previous edition.

A Word user steps through what changed since the previous edition (Review > Next change) and may accept or
reject each change: insertions and deletions are real Word revisions (w:ins, w:del), authored by the new
edition's label ("Draft 2") and dated by its date.

How: the redline (strategy.redline) is written into the new edition's print HTML as the spans that pandoc's
docx writer turns into revisions (`<span class="insertion" data-author=… data-date=…>`; pandoc's HTML reader
drops the `data-` prefix, and its docx writer reads the attributes `author` and `date`). Then the reviewer
DOCX's own pipeline (publish/docx.render_docx) renders it, so the copy has the same styles, numbering,
notes and metadata. Last, the package is touched up where pandoc cannot write what Word expects (see
`_revision_marks`): the paragraph marks of whole inserted and deleted paragraphs and the rows of inserted
and deleted table rows are marked too, so that accepting or rejecting every change leaves no empty
paragraph, and every revision gets an id of its own (pandoc counts insertions and deletions apart).

Each block of the redline is found in its chapter's section of the print HTML (`<section id="ch-<stem>">`)
by its tag and its text, in order. Inside a changed block, only the text changes: the kept, inserted and
deleted words are laid over the block's own text nodes, so its links, emphasis and notes stay; a deleted
run takes the formatting of the place it is put back at. Where the block's text and its words do not agree,
the block is replaced whole: its old text deleted (as plain text) at its start, all of its text inserted. A
deleted block comes back as a block of the same tag whose text is a deletion, after the block that precedes
it in the new edition; a moved block is a deletion at its old place and an insertion at its new one (pandoc
writes no w:moveFrom / w:moveTo). Paragraph numbers that changed are not revisions: the copy shows the new
edition's numbers (a deleted paragraph shows its old one, deleted with it).

Every piece of text is escaped: partner text is untrusted.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from itertools import combinations
from pathlib import Path

from lxml import etree

from ..files import replace_atomically
from ..inputs.records import Publication
from ..redline import BlockChange, PageChanges, Redline, TextBlock, Word, WordOp
from .docx import DocxMetadata, render_docx
from .ooxml import rewritten
from .outline import PrintChapter

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Marks a text node inherits from the elements around it; a block's text (redline.TextBlock.text) leaves the
# first three out always, the others perhaps (the variants tried in `_Element.matches`).
ALWAYS_LEFT_OUT = frozenset({"paragraph-number", "sup", "headerlink"})
PERHAPS_LEFT_OUT = ("footnote", "heading-number", "caption-label")
# Elements that hold a paragraph of their own in Word: each one of an inserted or deleted block is marked.
PARAGRAPHS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "figcaption", "caption", "td", "th"}
# Which children a parent takes; any other parent takes anything but these children.
CONTAINED = {"ul": {"li"}, "ol": {"li"}, "table": {"tr", "caption"}, "thead": {"tr"}, "tbody": {"tr"},
             "tfoot": {"tr"}, "tr": {"td", "th"}, "dl": {"dt", "dd"}}
NEEDS_CONTAINER = {"li", "tr", "td", "th", "dt", "dd", "caption"}
MARKER = "tracked-"  # the id prefix of the bookmarks that carry paragraph and row marks through pandoc


@dataclass(frozen=True)
class Revision:
    """Who made the changes and when: the new edition, by its label and its date."""

    author: str
    date: str  # ISO 8601, as w:date wants it: "2026-12-01T00:00:00Z"

    @classmethod
    def of(cls, author: str, date: dt.date) -> Revision:
        return cls(author, f"{date.isoformat()}T00:00:00Z")

    def span(self, kind: str, text: str) -> str:
        """`text` (plain, untrusted) as a pandoc revision span; "" for no text."""
        if not text:
            return ""
        e = html.escape
        return (f'<span class="{kind}" data-author="{e(self.author)}" data-date="{e(self.date)}">'
                f"{e(text, quote=False)}</span>")


def tracked_docx_file_name(publication: Publication, since_label: str) -> str:
    """"strategy-changes-since-draft-1.docx": the PDF's name, and the earlier edition it is compared with."""
    return f"{publication.pdf_file.removesuffix('.pdf')}-changes-since-{_slug(since_label)}.docx"


def _slug(label: str) -> str:
    # As editions.edition_slug names an edition's folder: "Draft 1" -> "draft-1".
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-") or "edition"


def render_tracked_docx(document_html: str, redline: Redline, output: Path, metadata: DocxMetadata, *,
                        author: str, date: dt.date, base_folder: Path, allowed_folders: Sequence[Path],
                        source_date_epoch: int, seconds: float | None = None) -> None:
    """Write the new edition's print HTML to `output` as the reviewer DOCX with the redline as Word tracked
    changes, authored `author` and dated `date`. The same inputs give the same bytes; any failure raises
    ProblemsFound and leaves `output` as it was."""
    revision = Revision.of(author, date)
    marked = tracked_changes_html(document_html, redline, author, date)
    with tempfile.TemporaryDirectory(prefix="strategy-tracked-") as folder:
        plain = Path(folder) / "tracked.docx"
        render_docx(marked, plain, metadata, base_folder=base_folder, allowed_folders=allowed_folders,
                    source_date_epoch=source_date_epoch, seconds=seconds)
        package = plain.read_bytes()
    replace_atomically(output, _revision_marks(package, source_date_epoch, revision))


def tracked_changes_html(document_html: str, redline: Redline, author: str, date: dt.date) -> str:
    """The print HTML with the redline written in as pandoc's insertion and deletion spans (and the
    bookmarks that `render_tracked_docx` turns into paragraph and row marks). Blocks that cannot be found
    in the document are left as they are."""
    return _place(document_html, redline, Revision.of(author, date)).html


@dataclass
class Placed:
    html: str
    unplaced: list[BlockChange] = field(default_factory=list)  # blocks not found in the document


def _place(document_html: str, redline: Redline, revision: Revision) -> Placed:
    document = _Document.parse(document_html)
    edits = _Edits(document_html, revision)
    unplaced: list[BlockChange] = []
    for page in redline.pages:
        section = document.section(PrintChapter(page.path, page.title, page.role).slug)
        if section is not None:
            unplaced += _place_page(page, section, edits)
    return Placed(edits.applied(), unplaced)


# --- the print HTML, indexed -------------------------------------------------------------------------------


@dataclass
class _Text:
    """A piece of text in the document: where its raw HTML is, what it reads, what it is inside of."""

    start: int
    end: int
    text: str
    marks: frozenset[str]


@dataclass
class _Element:
    tag: str
    classes: frozenset[str]
    id: str | None
    start: int  # of its start tag
    content_start: int  # after its start tag
    content_end: int = -1  # its end tag
    end: int = -1  # after its end tag
    parent: _Element | None = None
    children: list[_Element] = field(default_factory=list)
    texts: list[_Text] = field(default_factory=list)  # every text inside, in order
    keys: dict[frozenset[str], str] = field(default_factory=dict)  # its text's key, by the marks left out

    def own_texts(self, left_out: frozenset[str]) -> list[_Text]:
        return [t for t in self.texts if not t.marks & left_out]

    def matches(self, key: str) -> frozenset[str] | None:
        """Which text nodes make `key` (its text without whitespace): the marks left out, or None."""
        for size in range(len(PERHAPS_LEFT_OUT) + 1):
            for extra in combinations(PERHAPS_LEFT_OUT, size):
                left_out = ALWAYS_LEFT_OUT | set(extra)
                if left_out not in self.keys:
                    self.keys[left_out] = _key("".join(t.text for t in self.own_texts(left_out)))
                if self.keys[left_out] == key:
                    return left_out
        return None

    def descendants(self) -> Iterable[_Element]:
        for child in self.children:
            yield child
            yield from child.descendants()


def _key(text: str) -> str:
    """Text as blocks are matched: without any whitespace (block texts collapse it their own way)."""
    return "".join(text.split())


class _Document(HTMLParser):
    def __init__(self, source: str):
        super().__init__(convert_charrefs=False)
        self.source = source
        self.lines = [0] + [m.end() for m in re.finditer("\n", source)]
        self.root = _Element("#root", frozenset(), None, 0, 0, len(source), len(source))
        self.stack = [self.root]
        self.sections: dict[str, _Element] = {}

    @classmethod
    def parse(cls, source: str) -> _Document:
        document = cls(source)
        document.feed(source)
        document.close()
        return document

    def section(self, slug: str) -> _Element | None:
        return self.sections.get(slug)

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.lines[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        start = self._offset()
        values = dict(attrs)
        element = _Element(tag, frozenset((values.get("class") or "").split()), values.get("id"), start,
                           start + len(self.get_starttag_text() or ""), parent=self.stack[-1])
        self.stack[-1].children.append(element)
        if tag in VOID:
            element.content_end = element.end = element.content_start
            return
        self.stack.append(element)
        if tag == "section" and element.id:
            self.sections[element.id] = element

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:  # <span/>: an empty element
            self.handle_endtag(tag, at_end=True)

    def handle_endtag(self, tag: str, at_end: bool = False) -> None:
        if not any(e.tag == tag for e in self.stack[1:]):
            return  # a stray end tag
        start = self.stack[-1].content_start if at_end else self._offset()
        end = start if at_end else self.source.index(">", start) + 1
        while self.stack[-1].tag != tag:  # an element left open: it ends where its parent does
            self._close(start, start)
        self._close(start, end)

    def _close(self, content_end: int, end: int) -> None:
        element = self.stack.pop()
        element.content_end, element.end = content_end, end

    def handle_data(self, data: str) -> None:
        start = self._offset()
        self._text(start, start + len(data), data)

    def handle_entityref(self, name: str) -> None:
        self._reference(f"&{name}")

    def handle_charref(self, name: str) -> None:
        self._reference(f"&#{name}")

    def _reference(self, raw: str) -> None:
        start = self._offset()
        if self.source.startswith(raw + ";", start):
            raw += ";"
        self._text(start, start + len(raw), html.unescape(raw))

    def _text(self, start: int, end: int, text: str) -> None:
        marks: set[str] = set()
        for element in self.stack:
            marks |= element.classes & {*ALWAYS_LEFT_OUT, *PERHAPS_LEFT_OUT}
            if element.tag == "sup":
                marks.add("sup")
        piece = _Text(start, end, text, frozenset(marks))
        for element in self.stack[1:]:
            element.texts.append(piece)


# --- the edits, made on the source text so that everything else stays byte for byte -------------------------


class _Edits:
    def __init__(self, source: str, revision: Revision):
        self.source = source
        self.revision = revision
        self.splices: list[tuple[int, int, int, str]] = []  # start, end, order, replacement
        self.markers = 0

    def replace(self, start: int, end: int, text: str) -> None:
        self.splices.append((start, end, len(self.splices), text))

    def insert(self, at: int, text: str) -> None:
        self.replace(at, at, text)

    def marker(self, kind: str) -> str:
        """An empty span whose id pandoc keeps as a bookmark: where the package gets its paragraph mark."""
        self.markers += 1
        return f'<span id="{MARKER}{kind}-{self.markers}"></span>'

    def applied(self) -> str:
        out, last = [], 0
        for start, end, _, text in sorted(self.splices):
            if start < last:
                continue  # overlapping edits of one place (a block given twice): the first one wins
            out += [self.source[last:start], text]
            last = end
        out.append(self.source[last:])
        return "".join(out)


# --- one page -----------------------------------------------------------------------------------------------


def _place_page(page: PageChanges, section: _Element, edits: _Edits) -> list[BlockChange]:
    candidates = list(section.descendants())
    used: set[int] = set()
    cursor = section.content_start
    located: list[_Element | None] = []
    unplaced: list[BlockChange] = []
    for change in page.changes:
        block = _where_now(change)
        found = None
        if block is not None:
            found = _locate(block, candidates, used, cursor)
            if found is None and change.kind != "unchanged":
                unplaced.append(change)
            elif found is not None:
                element, left_out = found
                used.add(id(element))
                cursor = element.start
                _mark(change, element, left_out, edits)
        located.append(found[0] if found else None)
    for index, change in enumerate(page.changes):
        gone = _where_before(change)
        if gone is not None:
            anchor = next((e for e in reversed(located[:index]) if e is not None), None)
            _put_back(gone, anchor, section, edits)
    return unplaced


def _where_now(change: BlockChange) -> TextBlock | None:
    """The block as the new edition has it, if it is in the new edition at this place."""
    if change.kind == "deleted" or (change.kind == "moved" and _old_place(change)):
        return None
    return change.new or change.old


def _where_before(change: BlockChange) -> TextBlock | None:
    """The block the old edition had here and the new one has not (a deletion, a move's old place)."""
    if change.kind == "deleted" or (change.kind == "moved" and _old_place(change)):
        return change.old or change.new
    return None


def _old_place(change: BlockChange) -> bool:
    if change.moved_to is not None or change.moved_from is not None:
        return change.moved_to is not None
    return change.new is None


def _locate(block: TextBlock, candidates: list[_Element], used: set[int],
            cursor: int) -> tuple[_Element, frozenset[str]] | None:
    """The first element after the cursor (else anywhere in the page) of the block's tag and text."""
    key = _key(block.text)
    for after in (True, False):
        for element in candidates:
            if element.tag != block.tag or id(element) in used or (after and element.start <= cursor):
                continue
            left_out = element.matches(key)
            if left_out is not None:
                return element, left_out
    return None


def _mark(change: BlockChange, element: _Element, left_out: frozenset[str], edits: _Edits) -> None:
    if change.kind == "changed":
        _mark_changed(change, element, left_out, edits)
    elif change.kind in ("inserted", "moved"):
        _mark_inserted(element, edits)


def _mark_inserted(element: _Element, edits: _Edits) -> None:
    """Every word of the block (its number and notes too) inserted, and its paragraphs or row marked."""
    for piece in element.texts:
        if piece.text.strip():
            edits.replace(piece.start, piece.end, edits.revision.span("insertion", piece.text))
    _mark_paragraphs(element, "inserted", edits)


def _mark_paragraphs(element: _Element, how: str, edits: _Edits) -> None:
    if element.tag == "tr":
        cell = next((c for c in element.children if c.tag in ("td", "th")), None)
        if cell is not None:
            edits.insert(cell.content_start, edits.marker(f"row-{how}"))
        return
    for paragraph in [element, *element.descendants()]:
        if paragraph.tag in PARAGRAPHS:
            edits.insert(paragraph.content_start, edits.marker(f"paragraph-{how}"))


def _mark_changed(change: BlockChange, element: _Element, left_out: frozenset[str], edits: _Edits) -> None:
    texts = [t for t in element.own_texts(left_out) if t.text.strip()]
    plan = _Plan.of(change.words, "".join(c for t in texts for c in t.text if not c.isspace()))
    if plan is None:  # the words do not read as the block: all of it out, all of it in, flattened
        old = change.old.text if change.old else ""
        for piece in texts:
            edits.replace(piece.start, piece.end, edits.revision.span("insertion", piece.text))
        at = texts[0].start if texts else element.content_start
        edits.insert(at, edits.revision.span("deletion", old + " " if texts else old))
        return
    k = 0
    for piece in texts:
        edits.replace(piece.start, piece.end, plan.rewrite(piece.text, k, piece is texts[-1], edits.revision))
        k += sum(1 for c in piece.text if not c.isspace())


@dataclass
class _Plan:
    """The redline's words laid over a block's text, counted in characters other than whitespace:
    what each character is (kept or inserted), what each space between two characters is, and the deleted
    runs to put back between them (before or after that space)."""

    ops: list[WordOp]  # of each character
    gaps: dict[int, WordOp]  # of the whitespace before character k (k = len(ops): after the last)
    deletions: dict[tuple[int, bool], list[str]]  # (gap k, after its whitespace) -> deleted runs

    @classmethod
    def of(cls, words: Sequence[Word], characters: str) -> _Plan | None:
        ops: list[WordOp] = []
        seen: list[str] = []
        gaps: dict[int, WordOp] = {}
        spaced: set[int] = set()
        deletions: dict[tuple[int, bool], list[str]] = {}
        for word in words:
            if word.op == "delete":
                k = len(ops)
                deletions.setdefault((k, k in spaced), []).append(word.text)
                continue
            for c in word.text:
                if c.isspace():
                    k = len(ops)
                    spaced.add(k)
                    gaps[k] = "same" if gaps.get(k) == "same" else word.op
                else:
                    ops.append(word.op)
                    seen.append(c)
        if not words or "".join(seen) != characters:
            return None
        return cls(ops, gaps, deletions)

    def rewrite(self, text: str, k: int, last: bool, revision: Revision) -> str:
        """One text node of the block, whose first character (not whitespace) is character k."""
        pieces: list[tuple[WordOp, str]] = []

        def put(op: WordOp, chunk: str) -> None:
            if pieces and pieces[-1][0] == op:
                pieces[-1] = (op, pieces[-1][1] + chunk)
            else:
                pieces.append((op, chunk))

        n = len(self.ops)
        for c in text:
            if not c.isspace():
                # Deleted runs after the space before this character (and, at the block's start, all of them).
                for before in ((0, False), (0, True)) if k == 0 else ((k, True),):
                    for run in self.deletions.pop(before, []):
                        put("delete", run)
                put(self.ops[k], c)
                k += 1
                # Deleted runs right after this character, before the space that follows it.
                for run in self.deletions.pop((k, False), []):
                    put("delete", run)
            else:
                put(self.gaps.get(k, "same") if 0 < k < n else "same", c)
        if last:
            for key in sorted(self.deletions):
                for run in self.deletions.pop(key):
                    put("delete", run)
        return "".join(html.escape(chunk, quote=False) if op == "same" else
                       revision.span("insertion" if op == "insert" else "deletion", chunk)
                       for op, chunk in pieces)


# --- deleted blocks, put back --------------------------------------------------------------------------------


def _put_back(block: TextBlock, anchor: _Element | None, section: _Element, edits: _Edits) -> None:
    """The old block, as a block of its tag whose text is a deletion, after the block before it now."""
    tag = block.tag if re.fullmatch(r"h[1-6]|p|li|tr|dt|dd|blockquote", block.tag) else "p"
    text = f"{block.paragraph} {block.text}" if block.paragraph else block.text
    deleted = edits.revision.span("deletion", text)
    while anchor is not None and anchor is not section and anchor.parent is not None \
            and anchor.parent is not section and not _takes(anchor.parent.tag, tag):
        anchor = anchor.parent
    parent = anchor.parent if anchor is not None else section
    at = anchor.end if anchor is not None else _section_start(section)
    if tag == "tr":
        cells = len([c for c in anchor.children if c.tag in ("td", "th")]) if anchor is not None \
            and anchor.tag == "tr" else 1
        markup = (f"<tr><td>{edits.marker('row-deleted')}{deleted}</td>" + "<td></td>" * (cells - 1) + "</tr>")
    elif tag == "blockquote":
        markup = f"<blockquote><p>{edits.marker('paragraph-deleted')}{deleted}</p></blockquote>"
    else:
        markup = f"<{tag}>{edits.marker('paragraph-deleted')}{deleted}</{tag}>"
    if parent is not None and not _takes(parent.tag, tag):
        markup = {"li": "<ul>{}</ul>", "tr": "<table>{}</table>", "dt": "<dl>{}</dl>",
                  "dd": "<dl>{}</dl>"}.get(tag, "{}").format(markup)
    edits.insert(at, markup)


def _takes(parent: str, child: str) -> bool:
    if parent in CONTAINED:
        return child in CONTAINED[parent]
    return child not in NEEDS_CONTAINER


def _section_start(section: _Element) -> int:
    # After the main-matter marker the first chapter opens with (print_html._section), if any.
    first = section.children[0] if section.children else None
    if first is not None and first.tag == "a" and first.start == section.content_start:
        return first.end
    return section.content_start


# --- the package, touched up ---------------------------------------------------------------------------------


def _revision_marks(package: bytes, source_date_epoch: int, revision: Revision) -> bytes:
    """The DOCX with each marker bookmark made a paragraph or row mark, and every revision numbered apart."""
    taken = {"next": 0}

    def edit(name: str, data: bytes) -> bytes:
        if name not in ("word/document.xml", "word/footnotes.xml"):
            return data
        root = etree.fromstring(data)
        _marks_from_bookmarks(root, revision)
        # Revision ids apart from each other (in both parts) and from every other id (bookmarks, notes).
        others = [int(v) for v in root.xpath("//@w:id", namespaces={"w": W_NS}) if v.isdigit()]
        taken["next"] = max(taken["next"], 1 + max(others, default=0))
        for change in root.iter(f"{W}ins", f"{W}del"):
            change.set(f"{W}id", str(taken["next"]))
            taken["next"] += 1
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    return rewritten(package, source_date_epoch, edit)


def _marks_from_bookmarks(root: etree._Element, revision: Revision) -> None:
    for start in list(root.iter(f"{W}bookmarkStart")):
        name = start.get(f"{W}name") or ""
        match = re.fullmatch(MARKER + r"(paragraph|row)-(inserted|deleted)-\d+", name)
        if match is None:
            continue
        what, how = match.groups()
        tag = "ins" if how == "inserted" else "del"
        for end in root.iterfind(f".//{W}bookmarkEnd[@{W}id='{start.get(f'{W}id')}']"):
            end.getparent().remove(end)
        holder = next((a for a in start.iterancestors(f"{W}p" if what == "paragraph" else f"{W}tr")), None)
        start.getparent().remove(start)
        if holder is None:
            continue
        mark = etree.Element(f"{W}{tag}", {f"{W}id": "0", f"{W}author": revision.author,
                                           f"{W}date": revision.date})
        if what == "paragraph":
            _paragraph_properties(holder, "rPr").append(mark)
        else:
            _row_properties(holder).append(mark)


def _paragraph_properties(paragraph: etree._Element, child: str) -> etree._Element:
    """The paragraph's w:pPr/w:rPr (the paragraph mark's run properties), made if missing, in schema order."""
    properties = paragraph.find(f"{W}pPr")
    if properties is None:
        properties = etree.Element(f"{W}pPr")
        paragraph.insert(0, properties)
    run = properties.find(f"{W}{child}")
    if run is None:
        run = etree.SubElement(properties, f"{W}{child}")
        # w:rPr comes before w:sectPr and w:pPrChange, the last of a w:pPr.
        for later in properties.findall(f"{W}sectPr") + properties.findall(f"{W}pPrChange"):
            properties.remove(later)
            properties.append(later)
    return run


def _row_properties(row: etree._Element) -> etree._Element:
    properties = row.find(f"{W}trPr")
    if properties is None:
        properties = etree.Element(f"{W}trPr")
        exceptions = row.find(f"{W}tblPrEx")
        row.insert(0 if exceptions is None else row.index(exceptions) + 1, properties)
    return properties
