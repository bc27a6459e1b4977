"""What changed between two editions, block by block and word by word (a redline).

Both editions are compared as their readers get them: the chapters rendered for one audience (the print
HTML of each page, paragraphs numbered), so consent is applied before anything is compared and a withheld
input's text can never show as a deletion or an insertion. The comparison works on text blocks (headings,
paragraphs, list items, table rows, captions...) in document order:

- blocks are aligned page by page (pages matched by their path in the docs folder);
- a block whose text is unchanged is `unchanged`; an aligned block with other words is `changed`, with its
  words marked as kept, inserted or deleted; a block only in the new edition is `inserted`, only in the old
  one `deleted`; a block whose text left one place and appears at another (on the same page or another one)
  is `moved`, not a deletion and an insertion.

The result (`Redline`) feeds the "What changed" page and annex (`changes_page`), the marks in the site's
navigation and the PDF's contents (`Redline.changed_pages`, `PageChanges.changed_sections`), the Word copy with
tracked changes (publish/tracked_docx.py, from the BlockChange and Word records) and the comment-response matrix
(`Redline.answer`: which paragraph of the new edition answers a comment on the old one).

Named thresholds: SIMILAR_ENOUGH (when two aligned blocks are one changed block) and MOVE_MIN_CHARACTERS (when
a text that left one place and appears at another counts as moved).
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote

import lxml.html

from .chapters.markdown import front_matter, md_escape, number
from .paragraphs import paragraph_anchor
from .site_paths import CHANGES_FILE
from .publish.print_markup import unprefixed

if TYPE_CHECKING:
    from .publish.print_html import RenderedChapter

# The generated page and PDF annex "What changed since <previous edition>" (docs path generated/changes.md).
CHANGES_PATH = f"generated/{CHANGES_FILE}"  # its path in the docs folder, as the nav names it

WordOp = Literal["same", "insert", "delete"]
ChangeKind = Literal["unchanged", "changed", "inserted", "deleted", "moved"]


@dataclass(frozen=True)
class Word:
    """A run of text (words with the spaces and punctuation between them) kept, inserted or deleted."""

    op: WordOp
    text: str


@dataclass(frozen=True)
class TextBlock:
    """One block of a rendered page: what a reader sees as a unit of text."""

    tag: str  # "h1".."h6", "p", "li", "tr", "dt", "dd", "figcaption", "caption", "blockquote"...
    text: str  # its words, whitespace collapsed, without paragraph numbers, permalinks or footnote calls
    id: str | None = None  # its own id in the page's HTML, when it has one (headings: their anchor)
    paragraph: str | None = None  # its number as the edition prints it ("3.12"), for a numbered paragraph
    section: str = ""  # the heading it is under, as printed
    section_id: str | None = None  # that heading's id


@dataclass(frozen=True)
class BlockChange:
    kind: ChangeKind
    old: TextBlock | None  # None for an inserted block
    new: TextBlock | None  # None for a deleted block
    words: tuple[Word, ...] = ()  # for a changed block: its words, kept, inserted and deleted, in order
    moved_from: str | None = None  # for a moved block in its new place: the page (path) it came from
    moved_to: str | None = None  # for a moved block in its old place: the page (path) it went to

    @property
    def block(self) -> TextBlock:
        """The block as the reader finds it now (the old one for a deletion)."""
        return self.new or self.old  # type: ignore[return-value]


@dataclass(frozen=True)
class PageChanges:
    """One page (chapter, annex or front page) of the two editions, aligned."""

    path: str  # in the docs folder, as in the nav: "vision.md", "generated/partners.md"
    title: str  # as the nav names it
    role: str  # "front", "chapter" or "annex" (publish.outline.PrintChapter.role)
    number: str  # "3" for chapter 3, "A2" for annex 2, "" for front matter (PrintChapter.label)
    changes: tuple[BlockChange, ...] = ()  # every block of both editions, in the new edition's order
    status: Literal["same", "changed", "new", "removed"] = "same"  # the page as a whole

    @property
    def changed(self) -> bool:
        return self.status != "same"

    def changed_sections(self) -> list[tuple[str, str | None]]:
        """(heading text, heading id) of each section of the new page with a change in it, in order."""
        found: list[tuple[str, str | None]] = []
        for where, change in zip(_sections_now(self.changes), self.changes):
            if change.kind != "unchanged" and where not in found:
                found.append(where)
        return found


@dataclass(frozen=True)
class Answer:
    """Where the new edition stands on a place of the old one that a comment points at."""

    kind: Literal["unchanged", "changed", "moved", "removed", "not-found"]
    page: str | None = None  # the page (docs path) of the new edition that holds the place now
    paragraph: str | None = None  # its paragraph number now, when it is a numbered paragraph
    anchor: str | None = None  # the id to link to on that page (paragraph or section)


@dataclass(frozen=True)
class Redline:
    since: str  # the earlier edition's label: "Draft 1"
    current: str  # this edition's label: "Draft 2"
    pages: tuple[PageChanges, ...] = field(default_factory=tuple)

    @property
    def changed_pages(self) -> set[str]:
        return {p.path for p in self.pages if p.changed}

    def answer(self, paragraph: str | None, section: str | None) -> Answer:
        """The new edition's place for the old edition's paragraph number (or, without one, its section).

        A paragraph: `unchanged`, `changed` (its words), `moved` (its text elsewhere, maybe on another page),
        `removed` (the page and the section where it stood, when they are still there) or `not-found` (no
        such number in the old edition). A section (its heading's text as the old edition printed it, with or
        without the chapter's number): `changed` when anything in it changed, its heading included."""
        if paragraph:
            found = self._find_old(lambda block: block.paragraph == paragraph.strip())
        elif section:
            found = self._find_old(lambda block: block.tag in SECTION_TAGS and _same_heading(block.text, section))
        else:
            found = None
        if found is None:
            return Answer("not-found")
        page, index = found
        change = page.changes[index]
        if change.kind == "moved":  # the old place: follow it to its new one
            return self._moved_answer(change)
        if change.kind == "deleted":
            where = _sections_now(page.changes)[index]
            alive = page.status != "removed"
            return Answer("removed", page.path if alive else None, None, where[1] if alive else None)
        new = change.new
        assert new is not None
        if paragraph:
            return Answer(change.kind, page.path, new.paragraph, _anchor(new))
        kind = "changed" if (new.text, new.id) in page.changed_sections() else "unchanged"
        return Answer(kind, page.path, None, new.id)

    def _find_old(self, test: Callable[[TextBlock], bool]) -> tuple[PageChanges, int] | None:
        """The page and position of the first block of the old edition that passes `test`."""
        for page in self.pages:
            for index, change in enumerate(page.changes):
                if change.old is not None and (change.new is None or change.kind != "moved") and test(change.old):
                    return page, index
        return None

    def _moved_answer(self, old_place: BlockChange) -> Answer:
        for page in self.pages:
            for change in page.changes:
                if change.kind == "moved" and change.new is not None and change.old == old_place.old:
                    return Answer("moved", page.path, change.new.paragraph, _anchor(change.new))
        return Answer("removed")  # not reached: every old place has its new one


# --- the blocks of a page ----------------------------------------------------------------------------------

# Headings that open a section: the sections that comments cite (paragraphs.numbered_paragraphs) and the site's
# navigation shows.
SECTION_TAGS = frozenset({"h1", "h2", "h3"})
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Blocks whose whole text is their own (anything nested in them is inline).
_LEAF_TAGS = HEADING_TAGS | {"p", "dt", "figcaption", "caption", "summary", "pre"}
# Blocks with text of their own and, nested inside, blocks of their own (a list inside a list item).
_ITEM_TAGS = frozenset({"li", "dd"})
# Nested in a list item or a description, these are blocks of their own, not part of its text.
_NESTED_BLOCKS = frozenset({"ul", "ol", "dl", "table", "div", "blockquote", "figure", "details", "pre", "section",
                            "nav", "h1", "h2", "h3", "h4", "h5", "h6", "hr"})
# What a block's text leaves out, as paragraphs.py does (footnote calls and inline footnotes, the number, the
# permalinks, the Comment link), and the numbers print adds to headings and captions ("4", "Table 2.1"): a
# chapter or table inserted before them renumbers them without changing a word.
_SKIPPED = {"sup": None, "span": {"footnote", "paragraph-number", "heading-number", "caption-label"},
            "a": {"headerlink", "comment-link"}}
_CELL_SEPARATOR = " | "


def text_blocks(fragment: str) -> list[TextBlock]:
    """The text blocks of one rendered page's HTML (cleaned by safe_html, paragraphs numbered), in order.

    Headings, paragraphs, list items (without their nested lists, which give blocks of their own), table rows
    (cells joined with " | "; a header row has the tag "th"), definition terms and descriptions, figure and
    table captions (a `p.table-caption` has the tag "caption"), and the paragraphs of block quotes (tag
    "blockquote") and boxes. Ids are the site's: print's chapter prefix ("ch-vision--") is taken off, so that
    one link works in both."""
    if not fragment.strip():
        return []
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    walker = _Walker()
    walker.walk(root, quoted=False)
    return walker.blocks


@dataclass
class _Walker:
    blocks: list[TextBlock] = field(default_factory=list)
    section: str = ""
    section_id: str | None = None

    def walk(self, element, quoted: bool) -> None:
        for child in element:
            if isinstance(child.tag, str):  # not a comment
                self.visit(child, quoted)

    def visit(self, element, quoted: bool) -> None:
        tag = element.tag.lower()
        if tag in _LEAF_TAGS:
            self.add(element, tag, _own_text(element, nested=False), quoted)
        elif tag in _ITEM_TAGS:
            self.add(element, tag, _own_text(element, nested=True), quoted)
            for child in element:
                if isinstance(child.tag, str) and child.tag.lower() in _NESTED_BLOCKS:
                    self.visit(child, quoted)
        elif tag == "tr":
            cells = [c for c in element if isinstance(c.tag, str) and c.tag in ("td", "th")]
            header = bool(cells) and all(c.tag == "th" for c in cells)
            self.add(element, "th" if header else "tr",
                     _CELL_SEPARATOR.join(_own_text(c, nested=False) for c in cells), quoted)
        else:
            self.walk(element, quoted or tag == "blockquote")

    def add(self, element, tag: str, text: str, quoted: bool) -> None:
        if not text:
            return
        classes = set((element.get("class") or "").split())
        own_id = unprefixed(element.get("id")) if element.get("id") else None
        if tag in SECTION_TAGS:
            self.section, self.section_id = text, own_id
        if tag == "p" and "table-caption" in classes:
            tag = "caption"
        elif tag == "p" and quoted:
            tag = "blockquote"
        self.blocks.append(TextBlock(tag, text, own_id, element.get("data-paragraph"), self.section,
                                     self.section_id))


def _own_text(element, nested: bool) -> str:
    """The element's words, whitespace collapsed, without what _SKIPPED leaves out (and, for a list item,
    without its nested blocks)."""
    parts: list[str] = []

    def visit(node) -> None:
        parts.append(node.text or "")
        for child in node:
            if isinstance(child.tag, str) and not _skipped(child) and not (nested and child.tag in _NESTED_BLOCKS):
                # A paragraph inside a loose list item is a separate line of its text.
                if child.tag == "p":
                    parts.append(" ")
                visit(child)
            parts.append(child.tail or "")

    visit(element)
    return " ".join("".join(parts).split())


def _skipped(element) -> bool:
    tag = element.tag.lower()
    if tag not in _SKIPPED:
        return False
    classes = _SKIPPED[tag]
    return classes is None or bool(classes & set((element.get("class") or "").split()))


def _anchor(block: TextBlock) -> str | None:
    """Where to link for a block: its paragraph's id, its own id or its section's."""
    if block.paragraph:
        return paragraph_anchor(block.paragraph)
    return block.id or block.section_id


def _same_heading(text: str, cited: str) -> bool:
    """A heading as the old edition printed it, its chapter number given or not ("4 Vision" / "Vision")."""
    cited = " ".join(cited.split())
    return text == cited or text == re.sub(r"^(?:Annex\s+)?[A-Z]?\d+(?:\.\d+)*\s+", "", cited)


def _sections_now(changes: Sequence[BlockChange]) -> list[tuple[str, str | None]]:
    """For each change of a page, the section of the new page it sits in: a deleted block sits where it was,
    in the section of the block before it."""
    out: list[tuple[str, str | None]] = []
    current: tuple[str, str | None] = ("", None)
    for change in changes:
        if change.new is not None:
            current = (change.new.section, change.new.section_id)
        out.append(current)
    return out


# --- comparing two editions ------------------------------------------------------------------------------

# Two aligned blocks are one changed block (words marked inside) when at least this share of their words is
# the same (difflib's ratio on words); below it, the old one is shown deleted and the new one inserted.
SIMILAR_ENOUGH = 0.5
# A block is shown as moved only when its text is at least this long and found once in each edition: short
# or repeated texts ("Illustrative", a table's header row, "Vision") leave one place and appear at another
# without having moved.
MOVE_MIN_CHARACTERS = 40
# Above this many pairs in one replaced run, blocks are paired by position only (the best pairing costs one
# comparison per pair).
_PAIRING_LIMIT = 40_000
_TOKENS = re.compile(r"\w+|\s+|[^\w\s]")
_WORDS = re.compile(r"\w+")


def compare(since: str, current: str, old: Sequence[RenderedChapter], new: Sequence[RenderedChapter]) -> Redline:
    """The redline between two editions' rendered pages (print_html.render_chapters, then numbered).

    Pages are matched by their path, in the new edition's order; a page only in the old edition is
    `removed` and stays where it was. Every block of both editions is in one BlockChange: unchanged, changed
    (with its words), inserted, deleted or moved (twice: at its old place, with `moved_to` and no new block,
    and at its new place, with `moved_from` and both blocks). The "What changed" page itself is left out: it
    is about the comparison, not part of what is compared."""
    old = [r for r in old if r.chapter.path != CHANGES_PATH]
    new = [r for r in new if r.chapter.path != CHANGES_PATH]
    old_pages = {r.chapter.path: r for r in old}
    new_pages = {r.chapter.path: r for r in new}
    order = _page_order([r.chapter.path for r in old], [r.chapter.path for r in new])
    old_blocks = {path: text_blocks(r.html) for path, r in old_pages.items()}
    new_blocks = {path: text_blocks(r.html) for path, r in new_pages.items()}
    aligned = {path: _align(old_blocks.get(path, []), new_blocks.get(path, [])) for path in order}
    moves = _moves(aligned, old_blocks, new_blocks)
    pages = []
    for path in order:
        chapter = (new_pages.get(path) or old_pages[path]).chapter
        changes = tuple(_resolve(aligned[path], moves))
        if path not in new_pages:
            status = "removed"
        elif path not in old_pages:
            status = "new"
        else:
            status = "changed" if any(c.kind != "unchanged" for c in changes) else "same"
        pages.append(PageChanges(path, chapter.title, chapter.role, chapter.label, changes, status))
    return Redline(since, current, tuple(pages))


def _page_order(old: list[str], new: list[str]) -> list[str]:
    """The new edition's pages in order, each page only in the old one right after the page it followed."""
    order = list(new)
    for index, path in enumerate(old):
        if path in order:
            continue
        before = next((old[i] for i in range(index - 1, -1, -1) if old[i] in order), None)
        order.insert(order.index(before) + 1 if before else 0, path)
    return order


# One step of a page's alignment before moves are known: a pair of equal blocks, or runs of old and new
# blocks that differ (either may be empty).
_Step = tuple[list[TextBlock], list[TextBlock], bool]


def _align(old: list[TextBlock], new: list[TextBlock]) -> list[_Step]:
    matcher = SequenceMatcher(None, [b.text for b in old], [b.text for b in new], autojunk=False)
    steps: list[_Step] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            steps += [([o], [n], True) for o, n in zip(old[i1:i2], new[j1:j2])]
        else:
            steps.append((old[i1:i2], new[j1:j2], False))
    return steps


@dataclass(frozen=True)
class _Moves:
    """Texts that left one place and appear at another."""

    to: dict[str, str]  # text -> the page (path) of its new place
    left: dict[str, tuple[str, TextBlock]]  # text -> the page (path) of its old place, and the old block


def _moves(aligned: dict[str, list[_Step]], old: dict[str, list[TextBlock]],
           new: dict[str, list[TextBlock]]) -> _Moves:
    old_count = Counter(b.text for blocks in old.values() for b in blocks)
    new_count = Counter(b.text for blocks in new.values() for b in blocks)
    gone = {b.text: (path, b) for path, steps in aligned.items() for o, _, same in steps if not same for b in o}
    came = {b.text: (path, b) for path, steps in aligned.items() for _, n, same in steps if not same for b in n}
    texts = [t for t in gone.keys() & came.keys()
             if len(t) >= MOVE_MIN_CHARACTERS and old_count[t] == 1 and new_count[t] == 1 and came[t][1].tag != "th"]
    return _Moves({t: came[t][0] for t in texts}, {t: gone[t] for t in texts})


def _resolve(steps: list[_Step], moves: _Moves) -> Iterator[BlockChange]:
    for old, new, same in steps:
        if same:
            yield BlockChange("unchanged", old[0], new[0])
        else:
            yield from _replaced(old, new, moves)


def _replaced(old_run: list[TextBlock], new_run: list[TextBlock], moves: _Moves) -> Iterator[BlockChange]:
    """One replaced run: pairs of similar blocks as changed, the rest deleted or inserted (moved, when their
    text moved), each deletion before the insertions that follow it."""
    pairs = _pairs([b for b in old_run if b.text not in moves.to], [b for b in new_run if b.text not in moves.to])
    partner = {id(o): n for o, n in pairs}
    arrivals = iter(new_run)

    def arrivals_before(target: TextBlock | None) -> Iterator[BlockChange]:
        for block in arrivals:
            if block is target:
                return
            if block.text in moves.left:
                source, old = moves.left[block.text]
                yield BlockChange("moved", old, block, moved_from=source)
            else:
                yield BlockChange("inserted", None, block)

    for block in old_run:
        if block.text in moves.to:
            yield BlockChange("moved", block, None, moved_to=moves.to[block.text])
        elif (new := partner.get(id(block))) is not None:
            yield from arrivals_before(new)
            yield BlockChange("changed", block, new, tuple(word_diff(block.text, new.text)))
        else:
            yield BlockChange("deleted", block, None)
    yield from arrivals_before(None)


def _pairs(old: list[TextBlock], new: list[TextBlock]) -> list[tuple[TextBlock, TextBlock]]:
    """The pairing of similar blocks (same tag, SIMILAR_ENOUGH) that keeps both orders and is most similar in
    all (a dynamic programme, as for a longest common subsequence)."""
    if not old or not new:
        return []
    if len(old) * len(new) > _PAIRING_LIMIT:
        return [(o, n) for o, n in zip(old, new) if _similarity(o, n) >= SIMILAR_ENOUGH]
    rows, cols = len(old), len(new)
    best = [[0.0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(rows - 1, -1, -1):
        for j in range(cols - 1, -1, -1):
            score = _similarity(old[i], new[j])
            take = best[i + 1][j + 1] + score if score >= SIMILAR_ENOUGH else -1.0
            best[i][j] = max(take, best[i + 1][j], best[i][j + 1])
    pairs, i, j = [], 0, 0
    while i < rows and j < cols:
        score = _similarity(old[i], new[j])
        if score >= SIMILAR_ENOUGH and best[i][j] == best[i + 1][j + 1] + score:
            pairs.append((old[i], new[j]))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs


def _similarity(old: TextBlock, new: TextBlock) -> float:
    if old.tag != new.tag:
        return 0.0
    matcher = SequenceMatcher(None, _WORDS.findall(old.text), _WORDS.findall(new.text), autojunk=False)
    if matcher.real_quick_ratio() < SIMILAR_ENOUGH or matcher.quick_ratio() < SIMILAR_ENOUGH:
        return 0.0
    return matcher.ratio()


def word_diff(old: str, new: str) -> list[Word]:
    """The words of a changed block, kept, deleted and inserted, in reading order: the kept and inserted runs
    join to `new` exactly, the kept and deleted runs to `old`.

    Tokens are words and the spaces or punctuation between them. Two touches make the marks read as a person
    would make them: a lone space or mark kept between two changes goes into them ("<del>red car</del><ins>blue
    bus</ins>", not "<del>red</del><ins>blue</ins> <del>car</del><ins>bus</ins>"), and an inserted or deleted
    sentence starts at its first word ("here. <ins>New words. </ins>Then", not "here<ins>. New words</ins>.")."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    ops = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    runs: list[tuple[bool, list[str], list[str]]] = []  # (kept, old tokens, new tokens)
    for index, (op, i1, i2, j1, j2) in enumerate(ops):
        glue = 0 < index < len(ops) - 1 and i2 - i1 == 1 and not _WORDS.search(a[i1])
        kept = op == "equal" and not glue
        if runs and not kept and not runs[-1][0]:
            runs[-1] = (False, runs[-1][1] + a[i1:i2], runs[-1][2] + b[j1:j2])
        else:
            runs.append((kept, a[i1:i2], b[j1:j2]))
    words: list[Word] = []
    for kept, old_tokens, new_tokens in _slid(runs):
        if kept:
            words.append(Word("same", "".join(new_tokens)))
            continue
        if old_tokens:
            words.append(Word("delete", "".join(old_tokens)))
        if new_tokens:
            words.append(Word("insert", "".join(new_tokens)))
    return words


def _slid(runs: list[tuple[bool, list[str], list[str]]]) -> list[tuple[bool, list[str], list[str]]]:
    """Each pure insertion or deletion that starts with the spaces or marks that follow it, moved on by them
    (the same text either way), so that it starts with a word."""
    runs = [(kept, list(o), list(n)) for kept, o, n in runs]
    for index, (kept, old_tokens, new_tokens) in enumerate(runs):
        moving = new_tokens if not old_tokens else old_tokens if not new_tokens else None
        if kept or moving is None or index + 1 >= len(runs):
            continue
        after = runs[index + 1][2]  # kept: its old and new tokens are the same
        while moving and after and moving[0] == after[0] and not _WORDS.match(moving[0]):
            token = moving.pop(0)
            if index == 0 or not runs[index - 1][0]:
                runs.insert(index, (True, [], []))
                index += 1
            runs[index - 1][1].append(token)
            runs[index - 1][2].append(token)
            moving.append(token)
            runs[index + 1][1].pop(0)
            runs[index + 1][2].pop(0)
    return [run for run in runs if run[1] or run[2]]


# --- the "What changed" page -------------------------------------------------------------------------------

# Generated pages live in docs/generated/: links to the pages they compare go up one folder.
_TO_DOCS = "../"
# What a block is, said before its text where the text alone would not tell (a heading, a table row...).
_WHAT = {"h1": "Heading", "h2": "Heading", "h3": "Heading", "h4": "Heading", "h5": "Heading", "h6": "Heading",
         "tr": "Table row", "th": "Table header", "li": "List item", "dt": "Term", "dd": "Description",
         "caption": "Table caption", "figcaption": "Figure caption", "blockquote": "Quote", "summary": "Summary",
         "pre": "Code"}
# Words a screen reader says where the eye sees an underline or a strike-through (visually hidden on screen).
_SAID = {"insert": ("[inserted: ", "]"), "delete": ("[deleted: ", "]")}
_MARK_TAG = {"insert": "ins", "delete": "del"}


def changes_page(redline: Redline | None, current: str) -> str:
    """The Markdown of generated/changes.md: "What changed since <since>", chapter by chapter in document
    order, every word of partner or author text escaped. Without an earlier edition (`redline` None), a short
    page saying this is the first edition, kept out of the PDF (`pdf: false`).

    Each changed block is a paragraph of raw HTML (`p.redline.redline-<kind>`: what it is, its paragraph
    number, its words with `<ins>`/`<del>`, where it moved), so that no text of it is ever read as Markdown;
    runs of unchanged blocks are folded into one line (`p.redline-folded`)."""
    if redline is None:
        return _first_edition(current)
    title = f"What changed since {redline.since}"
    out = [front_matter(title, f"What changed in {redline.current} since {redline.since}, page by page."),
           f"# {md_escape(title)}\n", _opening(redline), _legend()]
    for page in redline.pages:
        if page.changed:
            out.append(_page_section(page, redline))
    unchanged = [p for p in redline.pages if not p.changed]
    if unchanged:
        names = ", ".join(md_escape(_page_name(p)) for p in unchanged)
        out.append(f"{_count(len(unchanged), 'other page is', 'other pages are')} unchanged: {names}.\n")
    return "\n".join(out)


def _first_edition(current: str) -> str:
    # front_matter marks the page generated; `pdf: false` keeps it out of the PDF (print_html.render_chapters).
    head = front_matter("What changed", f"{current} is the first edition of the strategy.")
    head = head.replace("generated: true\n", "generated: true\npdf: false\n", 1)
    return (f"{head}# What changed\n\n{md_escape(current)} is the first edition: there is no earlier edition to "
            "compare it with. Later editions will show here what changed since the edition before them, page "
            "by page and word by word.\n")


def _opening(redline: Redline) -> str:
    counts = Counter(c.kind for p in redline.pages for c in p.changes
                     if c.kind != "moved" or c.new is not None)  # a move counts once, at its new place
    parts = [f"{number(counts[kind])} {kind}" for kind in ("changed", "inserted", "deleted", "moved")]
    return (f"This page compares **{md_escape(redline.current)}** with **{md_escape(redline.since)}**: "
            f"{_count(len(redline.changed_pages), 'page', 'pages')} changed; paragraphs (headings, list items and "
            f"table rows included) {', '.join(parts[:-1])} and {parts[-1]}. The pages follow the order of the "
            "document; paragraphs that did not change are folded.\n")


def _legend() -> str:
    return (f'<p class="redline-legend">How to read it: {_marked("insert", "inserted words")} are underlined, '
            f'{_marked("delete", "deleted words")} are struck through, and a moved paragraph says where it came '
            "from and where it went.</p>\n")


def _page_section(page: PageChanges, redline: Redline) -> str:
    name = md_escape(_page_name(page))
    if page.status == "removed":
        out = [f"## {name} (removed)\n", f"This page is no longer in {md_escape(redline.current)}.\n"]
    else:
        out = [f"## [{name}]({_href(page.path)})\n"]
        if page.status == "new":
            out.append(f"A new page in {md_escape(redline.current)}.\n")
    pages = {p.path: p for p in redline.pages}
    for (heading, heading_id), changes in _by_section(page):
        if all(c.kind == "unchanged" for c in changes):
            continue
        opens_page = changes[0].block.tag == "h1"  # the page's own heading: the ## above says it
        if heading and not opens_page:
            linked = page.status != "removed"
            out.append(f"### [{md_escape(heading)}]({_href(page.path, heading_id)})\n" if linked
                       else f"### {md_escape(heading)}\n")
        out += _blocks(changes, pages, heading_shown=bool(heading) and changes[0].kind == "unchanged")
    return "\n".join(out)


def _by_section(page: PageChanges) -> list[tuple[tuple[str, str | None], list[BlockChange]]]:
    """The page's changes cut at each section heading of the new page (of the old one, for a removed page)."""
    if page.status == "removed":
        places = [(c.block.section, None) for c in page.changes]
    else:
        places = _sections_now(page.changes)
    groups: list[tuple[tuple[str, str | None], list[BlockChange]]] = []
    for where, change in zip(places, page.changes):
        if not groups or groups[-1][0] != where:
            groups.append((where, []))
        groups[-1][1].append(change)
    return groups


def _blocks(changes: list[BlockChange], pages: dict[str, PageChanges], heading_shown: bool) -> list[str]:
    """A section's changes; each run of unchanged blocks folded into one line (its unchanged heading, shown
    as the ### above, is not counted)."""
    out: list[str] = []
    folded = 0
    for index, change in enumerate(changes):
        if change.kind == "unchanged":
            folded += 0 if heading_shown and index == 0 else 1
            continue
        if folded:
            out.append(_folded(folded))
            folded = 0
        out.append(_block(change, pages))
    if folded:
        out.append(_folded(folded))
    return out


def _folded(count: int) -> str:
    return f'<p class="redline-folded">{_count(count, "unchanged paragraph", "unchanged paragraphs")}</p>\n'


def _block(change: BlockChange, pages: dict[str, PageChanges]) -> str:
    """One change as a paragraph of raw HTML: what it is, then its words, every one escaped."""
    block = change.block
    if change.kind == "changed":
        body = "".join(_marked(w.op, w.text) if w.op != "same" else html.escape(w.text) for w in change.words)
    elif change.kind == "inserted":
        body = _marked("insert", block.text)
    elif change.kind == "deleted":
        body = _marked("delete", block.text)
    else:  # moved: the text as it is, and where it came from or went to
        body = html.escape(block.text)
    label = _label(change)
    what = f'<span class="redline-what">{html.escape(label)}</span> ' if label else ""
    where = (f' <span class="redline-where">{html.escape(_move_note(change, pages))}</span>'
             if change.kind == "moved" else "")
    return f'<p class="redline redline-{change.kind}">{what}{body}{where}</p>\n'


def _label(change: BlockChange) -> str:
    """"Paragraph 4.3 (was 4.2)", "Table row", "Heading"... or nothing for an unnumbered paragraph."""
    now = change.new.paragraph if change.new is not None else None
    then = change.old.paragraph if change.old is not None else None
    if now and then and now != then and change.kind != "moved":
        return f"Paragraph {now} (was {then})"
    if change.kind == "moved":  # each place says its own number; the note says the other one
        now = now if change.new is not None else then
        then = None
    if now or then:
        return f"Paragraph {now or then}"
    return _WHAT.get(change.block.tag, "")


def _move_note(change: BlockChange, pages: dict[str, PageChanges]) -> str:
    if change.new is not None:
        return f"(moved here from {_place(pages.get(change.moved_from or ''), change.old)})"
    return f"(moved to {_place(pages.get(change.moved_to or ''), _new_place(change, pages))})"


def _new_place(change: BlockChange, pages: dict[str, PageChanges]) -> TextBlock | None:
    page = pages.get(change.moved_to or "")
    for other in page.changes if page else ():
        if other.kind == "moved" and other.new is not None and other.old == change.old:
            return other.new
    return None


def _place(page: PageChanges | None, block: TextBlock | None) -> str:
    """Where a block is, in words: "paragraph 4.3, 4 Vision for Phase III, section “Principles”"."""
    parts = [f"paragraph {block.paragraph}"] if block is not None and block.paragraph else []
    if page is not None:
        parts.append(_page_name(page))
    if block is not None and block.section and block.tag not in SECTION_TAGS:
        parts.append(f"section “{block.section}”")
    return ", ".join(parts)


def _page_name(page: PageChanges) -> str:
    """"4 Vision for Phase III", "Annex 2 List of partners", "Foreword"."""
    if page.role == "chapter" and page.number:
        return f"{page.number} {page.title}"
    if page.role == "annex" and page.number:
        return f"Annex {page.number.removeprefix('A')} {page.title}"
    return page.title


def _href(path: str, anchor: str | None = None) -> str:
    """A link from docs/generated/ to a page of the docs folder (and a place on it), as Markdown writes it."""
    target = path.removeprefix("generated/") if path.startswith("generated/") else _TO_DOCS + path
    return quote(target, safe="/._-~") + (f"#{quote(anchor, safe='._-~')}" if anchor else "")


def _marked(op: str, text: str) -> str:
    """Inserted or deleted words: underlined or struck through, and said as such to a screen reader."""
    before, after = _SAID[op]
    tag = _MARK_TAG[op]
    return (f'<{tag}><span class="redline-said">{before}</span>{html.escape(text)}'
            f'<span class="redline-said">{after}</span></{tag}>')


def _count(count: int, one: str, many: str) -> str:
    return f"{number(count)} {one if count == 1 else many}"
