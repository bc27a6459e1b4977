"""Paragraph numbers that comments can cite, and the site's Comment action.

A review draft numbers its body paragraphs as Governing Body documents do, so that a reviewer can write
"paragraph 3.12" and the authors find it in the site, either PDF and the Word version alike. One step,
`number_paragraphs`, does it on a chapter's cleaned HTML; the site (website/plugin.py) and the print HTML
(publish/print_html.py) both run it, so a number cannot differ between the outputs.

Which paragraphs count:
- only the numbered chapters (the "Chapters" section of mkdocs.yml's nav), numbered per chapter: "3.12" is
  the twelfth paragraph of chapter 3, so a change in one chapter leaves the others' numbers as they were;
  front matter (foreword, executive summary, abbreviations) and annexes are not numbered, as in a GB
  document, whose summary box and appendices carry none;
- only the chapter's own paragraphs: a `<p>` at the top level of its body, with text. List items, table
  cells, captions, footnotes, block quotes (a partner's words) and boxes (admonitions: the chapter summary,
  notes) are parts of something else and carry none; nor do labels such as "Illustrative".

The numbers follow from the text alone, so the same text gives the same numbers on every build.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

# Paragraph-like blocks that are labels or notes, not body text (a withheld-note also comes and goes with the
# audience, and a changed-note with the edition compared, neither of which must move the numbers).
NOT_BODY_CLASSES = frozenset({"illustrative-label", "table-caption", "provenance", "withheld-note", "comment-action",
                              "changed-note"})
# What a paragraph's text, as quoted in a comment, leaves out: footnote calls and inline footnotes, the
# heading permalinks, the number itself and the Comment link.
_SKIPPED_TEXT = {"sup": None, "span": {"footnote", "paragraph-number"}, "a": {"headerlink", "comment-link"}}
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                   "wbr"})
# A mailto: link longer than this may be cut by some mail programs and browsers.
MAILTO_LIMIT = 1800
QUOTE_LIMIT = 300


@dataclass
class Block:
    """A top-level paragraph or a heading of a chapter's HTML, with where it is in the text."""

    tag: str
    start: int  # offset of its start tag
    body: int  # offset just after its start tag
    end: int = -1  # offset of its end tag
    attrs: dict[str, str | None] = field(default_factory=dict)
    text: list[str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    @property
    def plain(self) -> str:
        return " ".join("".join(self.text).split())


class _Blocks(HTMLParser):
    """The top-level paragraphs and the headings (h1–h3, at any depth) of an HTML fragment, in order.

    The fragment has been through safe_html.clean_html, whose serialiser closes every element it opens."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.blocks: list[Block] = []
        self.open: list[str] = []
        self.current: Block | None = None
        self.current_depth = 0
        self.skipping = 0  # depth inside an element whose text is left out (see _SKIPPED_TEXT)
        self.feed(text)
        self.close()

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        # A numbered paragraph is found at any depth: in the print HTML, chapters sit inside sections.
        top_p = tag == "p" and (not self.open or "data-paragraph" in dict(attrs))
        if self.current is None and (top_p or tag in ("h1", "h2", "h3")):
            start = self._offset()
            self.current = Block(tag, start, start + len(self.get_starttag_text() or ""), attrs=dict(attrs))
            self.current_depth = len(self.open)
        elif self.current is not None and (self.skipping or (
                tag in _SKIPPED_TEXT and (_SKIPPED_TEXT[tag] is None or classes & _SKIPPED_TEXT[tag]))):
            self.skipping += 1
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID or not self.open:
            return
        self.open.pop()
        if self.current is None:
            return
        if self.skipping:
            self.skipping -= 1
        elif len(self.open) == self.current_depth and tag == self.current.tag:
            self.current.end = self._offset()
            self.blocks.append(self.current)
            self.current = None

    def handle_data(self, data: str) -> None:
        if self.current is not None and not self.skipping:
            self.current.text.append(data)


@dataclass(frozen=True)
class Paragraph:
    number: str  # "3.12"
    section: str  # the heading it is under, as the page shows it
    text: str  # its words, without its number, footnotes or Comment link

    @property
    def anchor(self) -> str:
        return paragraph_anchor(self.number)


def paragraph_anchor(number: str) -> str:
    """The id of a numbered paragraph, the same on the site and in print: "para-3.12"."""
    return f"para-{number}"


def number_paragraphs(fragment: str, chapter_number: str) -> str:
    """A chapter's HTML with its body paragraphs numbered "<chapter>.<n>"; unchanged outside the numbered
    chapters (an empty `chapter_number`).

    `<p>Text</p>` becomes `<p id="para-3.12" data-paragraph="3.12"><span class="paragraph-number">3.12</span>
    Text</p>`; a paragraph that has an id of its own (an author's `{: #id }`) keeps it, and its number's span
    takes the paragraph's anchor. The Word version reads the number as the paragraph's first word."""
    if not chapter_number:
        return fragment
    out, done, count = [], 0, 0
    for block in _Blocks(fragment).blocks:
        if block.tag != "p" or block.classes & NOT_BODY_CLASSES or not block.plain:
            continue
        count += 1
        number = f"{chapter_number}.{count}"
        anchor = paragraph_anchor(number)
        own_id = block.attrs.get("id")
        tag = fragment[block.start:block.body]
        tag = tag[:2] + (f' data-paragraph="{number}"' if own_id else f' id="{anchor}" data-paragraph="{number}"') \
            + tag[2:]
        span_id = f' id="{anchor}"' if own_id else ""
        out += [fragment[done:block.start], tag, f'<span class="paragraph-number"{span_id}>{number}</span> ']
        done = block.body
    return "".join(out) + fragment[done:]


# --- the site's Comment action --------------------------------------------------------------------------


@dataclass(frozen=True)
class CommentContext:
    """What every comment e-mail of one page says about where it comes from."""

    address: str
    short_title: str
    edition: str  # "Draft 1, 20 November 2025"
    edition_label: str  # "Draft 1"
    page_title: str
    page_url: str  # absolute when mkdocs.yml has a site_url, else the page's path in the site ("context.html")


def mailto(address: str, subject: str, body: str) -> str:
    """A mailto: URL, every part percent-encoded (spaces as %20, which every mail program reads)."""
    return f"mailto:{quote(address, safe='@')}?subject={quote(subject, safe='')}&body={quote(body, safe='')}"


def first_sentence(text: str, limit: int = QUOTE_LIMIT) -> str:
    """The paragraph's first sentence, cut at a word and marked "…" when it is longer than `limit`."""
    match = re.search(r"[.!?][\"'”’)]*(?=\s+[A-Z\"“‘(])", text)
    sentence = (text[:match.end()] if match else text).strip()
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"


def comment_href(context: CommentContext, section: str, paragraph: Paragraph | None = None) -> str:
    """The e-mail a reviewer's Comment link opens: to the comments address, saying which edition, page,
    section and paragraph the comment is on and quoting the paragraph's first sentence. Kept under
    MAILTO_LIMIT characters by quoting less of a long sentence."""
    where = f"paragraph {paragraph.number}" if paragraph else f"section “{section}”"
    subject = f"{context.short_title}, {context.edition_label}: {where}"
    anchor = f"#{paragraph.anchor}" if paragraph else ""

    def body(quoted: str) -> str:
        lines = [f"Edition: {context.edition}", f"Page: {context.page_title} ({context.page_url}{anchor})",
                 f"Section: {section}"]
        if paragraph:
            lines += [f"Paragraph: {paragraph.number}", f"Quoted: “{quoted}”"]
        return "\n".join([*lines, "", "Comment:", "", "", "Proposed text (if any):", "", ""])

    limit = QUOTE_LIMIT
    while True:
        quoted = first_sentence(paragraph.text, limit) if paragraph else ""
        href = mailto(context.address, subject, body(quoted))
        if len(href) <= MAILTO_LIMIT or limit <= 0:
            return href
        limit -= 40


def with_comment_links(fragment: str, href: Callable[[str, Paragraph | None], str]) -> str:
    """A page's HTML with a Comment link after each h2 and h3 and at the end of each numbered paragraph.

    `href(section, paragraph)` makes the link's address (see comment_href). Each link is a plain `<a>`:
    reachable with the keyboard, named for what it comments on, and working without JavaScript."""
    out, done, section = [], 0, ""
    for block in _Blocks(fragment).blocks:
        if block.tag in ("h1", "h2", "h3"):
            section = block.plain
        if block.tag in ("h2", "h3"):
            link = _link(href(section, None), f"Comment on section “{section}”", "Comment on this section")
            out += [fragment[done:block.end], fragment[block.end:block.end + len(block.tag) + 3],
                    f'<div class="comment-action">{link}</div>']
            done = block.end + len(block.tag) + 3
        elif block.tag == "p" and (number := block.attrs.get("data-paragraph")):
            paragraph = Paragraph(number, section, block.plain)
            link = _link(href(section, paragraph), f"Comment on paragraph {number}", "Comment")
            out += [fragment[done:block.end], " ", link]
            done = block.end
    return "".join(out) + fragment[done:]


def _link(href: str, name: str, words: str) -> str:
    return (f'<a class="comment-link" href="{html.escape(href)}" aria-label="{html.escape(name)}">'
            f"{html.escape(words)}</a>")


def numbered_paragraphs(fragment: str) -> list[Paragraph]:
    """The numbered paragraphs of a page or of the print HTML, in order, with their sections."""
    found, section = [], ""
    for block in _Blocks(fragment).blocks:
        if block.tag in ("h1", "h2", "h3"):
            section = block.plain
        elif block.tag == "p" and (number := block.attrs.get("data-paragraph")):
            found.append(Paragraph(number, section, block.plain))
    return found


# --- the numbers an edition prints, kept between checks ------------------------------------------------------

NUMBERS_FILE = "cache/paragraph-numbers.json"  # in the work folder (check_cache); replaced when a source changes


def kept_numbers(work: Path, key: str, make: Callable[[], set[str] | None]) -> set[str] | None:
    """The paragraph numbers `make` works out (it renders chapters), kept in the work folder under `key`, the
    hash of everything they follow from (numbers_key): `strategy check` of the example spent a seventh of
    its time rendering the chapters that open comments cite, to learn which numbers they print."""
    from .check_cache import kept

    def load(value: object) -> set[str]:
        if not isinstance(value, list) or not all(isinstance(n, str) for n in value):
            raise TypeError("not paragraph numbers")
        return set(value)

    return kept(work, "paragraph-numbers", key, make, load, sorted)


def numbers_key(root: Path, inputs_folder: Path, chapters: Iterable[str], inputs_fingerprint: str = "") -> str:
    """The hash of everything the paragraph numbers of these chapters follow from: the chapters are rendered
    from the author pages (macros expanded with the inputs) and the generated chapters (made from the inputs),
    by the extensions mkdocs.yml names, for the edition strategy.yml describes, by this package's code and
    Python-Markdown's. Every such file's bytes count, and the names and sizes of the others in docs/ and the
    inputs (pictures, which a page may show or not). `inputs_fingerprint`, the loaded records' (StrategyInputs),
    stands for the inputs folder's files, which are then not read again."""
    from .check_cache import add, add_code, add_files, new_key

    digest = new_key("paragraph-numbers 1")
    add(digest, "chapters", "\n".join(sorted(chapters)).encode())
    for name in ("mkdocs.yml", "strategy.yml"):
        try:
            add(digest, name, (root / name).read_bytes())
        except OSError:
            add(digest, name, b"unreadable")
    add(digest, "inputs", inputs_fingerprint.encode())
    add_files(digest, root / "docs", root / "docs" / "generated")
    if not inputs_fingerprint:
        add_files(digest, inputs_folder)
    add_code(digest)
    return digest.hexdigest()
