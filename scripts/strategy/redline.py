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
navigation and the PDF's contents, the Word copy with tracked changes (publish/tracked_docx.py) and the
comment-response matrix (which paragraph of the new edition answers a comment on the old one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .publish.print_html import RenderedChapter

# The generated page and PDF annex "What changed since <previous edition>" (docs path generated/changes.md).
CHANGES_FILE = "changes.md"

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
        raise NotImplementedError


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
        """The new edition's place for the old edition's paragraph number (or, without one, its section)."""
        raise NotImplementedError


def text_blocks(fragment: str) -> list[TextBlock]:
    """The text blocks of one rendered page's HTML (cleaned by safe_html, paragraphs numbered), in order."""
    raise NotImplementedError


def compare(since: str, current: str, old: Sequence[RenderedChapter], new: Sequence[RenderedChapter]) -> Redline:
    """The redline between two editions' rendered pages (print_html.render_chapters, then numbered)."""
    raise NotImplementedError


def changes_page(redline: Redline | None, current: str) -> str:
    """The Markdown of generated/changes.md: "What changed since <since>", chapter by chapter in document
    order, every word of partner or author text escaped. Without an earlier edition (`redline` None), a short
    page saying this is the first edition, kept out of the PDF (`pdf: false`)."""
    raise NotImplementedError
