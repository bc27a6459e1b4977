"""Small Markdown builders shared by the generated chapters.

Partner text is untrusted: `partner_text` escapes HTML so that it stays text
with Markdown formatting, and breaks the macro syntax so that a partner cannot
invoke a macro.
"""

from __future__ import annotations

import functools
import html
import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from ..dates import long_date  # noqa: F401 (the chapters take it from here)
from ..inputs.records import PartnerInput

# Where the generated chapters sit relative to each other; links use these.
REGISTER = "partner-inputs.md"
MEETING = "meeting-outcomes.md"
PRIORITIES = "priorities.md"
RESULTS = "phase-ii-results.md"
PARTNERS = "partners.md"


def anchor(record_id: str) -> str:
    return record_id.lower()


def mentions(records: Mapping[str, str]) -> Callable[[str], list[str]]:
    """A finder of the records a text names: `records` maps each anchor to the ID it prints as ("pi-004" ->
    "PI-004"); the finder returns the anchors of the IDs in a text, as whole words, the longest ID first so
    that "PI-1001" is not read as "PI-100"."""
    anchor_of = {label: name for name, label in records.items()}
    ids = sorted(anchor_of, key=len, reverse=True)
    pattern = re.compile("|".join(rf"\b{re.escape(i)}\b" for i in ids) or r"(?!)")
    return lambda text: [anchor_of[found] for found in pattern.findall(text)]


def input_link(item: PartnerInput | str, page: str = REGISTER) -> str:
    record_id = item if isinstance(item, str) else item.id
    return f'[{record_id}]({page}#{anchor(record_id)}){{: .record-id }}'


def session_link(session_id: str) -> str:
    return f"[{session_id}]({MEETING}#{anchor(session_id)}){{: .record-id }}"


def priority_link(priority_id: str, title: str) -> str:
    return f"[{md_escape(title)}]({PRIORITIES}#{priority_id})"


def id_list(links: Sequence[str], hidden: int = 0, hidden_what: str = "withheld") -> str:
    """A comma-separated list of record links, with a count of those not shown."""
    parts = list(links)
    if hidden:
        parts.append(f"{hidden} {hidden_what}")
    return ", ".join(parts) if parts else "none"


def references(links: Sequence[str], hidden: int = 0, hidden_what: str = "withheld") -> str:
    """The records behind a paragraph as a light reference at its end, not in its prose: " [PI-001, PI-004]".
    Each ID still links to its record (and so feeds provenance); the brackets are the page's, not Markdown's."""
    listed = id_list(links, hidden, hidden_what)
    return f' <span class="references">\\[{listed}\\]</span>' if links or hidden else ""


def illustrative_mark() -> str:
    """The visible mark on a table, chart, key message or quote made from illustrative records: a word of
    text (not an icon), so that it reaches the PDF's text and the Word version too."""
    return ('<span class="illustrative-mark" title="Made from illustrative records, invented for the bundled '
            'example: not real data">Illustrative</span>')


def illustrative_label(illustrative: bool, kind: str = "") -> str:
    """The mark on a line of its own (above a caption, under a heading), or nothing for real data."""
    classes = f"illustrative-label {kind}".strip()
    return f'<p class="{classes}" markdown="1">{illustrative_mark()}</p>\n\n' if illustrative else ""


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int] = (), *,
          caption: str | None = None, table_id: str | None = None, illustrative: bool = False) -> str:
    """A pipe table; `numeric` columns are right-aligned. A caption (with an id) makes it a numbered table.
    A table made from illustrative records carries the mark above its caption."""
    align = ["---:" if i in numeric else ":---" for i in range(len(headers))]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(align) + " |"]
    for row in rows:
        lines.append("| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in row) + " |")
    # md_in_html keeps the class on a wrapper: attr_list cannot reach a table.
    ident = f' id="{table_id}"' if table_id else ""
    wide = " wide" if len(headers) > 5 else ""
    title = f'<p class="table-caption" markdown="1">{caption}</p>\n\n' if caption else ""
    return (f'<div class="data-table{wide}"{ident} markdown="1">\n\n{illustrative_label(illustrative)}{title}'
            + "\n".join(lines)
            + "\n\n</div>")


def figure(chart, figure_id: str) -> str:
    """A numbered figure: caption, the chart with its alt text, and (on the site) its data as a table."""
    from .charts import CHARTS_FOLDER

    alt = chart.alt.replace("[", "(").replace("]", ")")
    data = table(chart.data_headers, chart.data_rows, numeric=tuple(range(1, len(chart.data_headers))))
    # The mark goes before the figure, not inside it: pandoc turns a figure holding more than its image and
    # caption into a table in the Word version.
    return (f"{illustrative_label(chart.illustrative, 'for-figure')}"
            f'<figure id="{figure_id}" markdown="1">\n\n<figcaption>{md_escape(chart.title)}</figcaption>\n\n'
            f"![{alt}]({CHARTS_FOLDER}/{chart.file_name})\n\n"
            f'<details class="chart-data" markdown="1">\n<summary>Data shown in this figure</summary>\n\n{data}\n\n'
            "</details>\n\n</figure>\n")


def key_messages(messages: Sequence[str], illustrative: bool | Sequence[bool] = False) -> str:
    """The "Key messages" box that opens every chapter, as author chapters write it. Each message made from
    illustrative records (`illustrative`: one flag for all, or one per message) carries the mark."""
    flags = [illustrative] * len(messages) if isinstance(illustrative, bool) else list(illustrative)
    return '!!! abstract "Key messages"\n' + "\n".join(
        f"    - {illustrative_mark() + ' ' if flag else ''}{m}" for m, flag in zip(messages, flags)) + "\n"


def number(value: int) -> str:
    return f"{value:,}"


def percent(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "–"


def millions(value: int) -> str:
    return f"{value / 1_000_000:,.1f} million"


# Partner text (inputs/README.md, "Partner text"): paragraphs, emphasis, bulleted and numbered lists, line
# breaks and code spans; everything else Markdown or our extensions would make of it is shown as typed.
# Characters are replaced by numeric references, which Markdown passes through and the reader sees as typed.
_BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")  # Trojan Source, RLO...
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")  # no place in text; \x00 marks code spans below
_CODE_SPAN = re.compile(r"(?<![\\`])(`+)(?!`)((?:(?!\n[ \t]*\n).)+?)(?<!`)\1(?!`)", re.S)
_LIST_MARKER = re.compile(r"(?:[*+-]|\d+\.)[ \t]+")
# Line openings that start a block we do not allow: ATX headings, admonitions (!!!), details (???), definition
# list terms (: ), fenced code (``` ~~~), and tables or attribute lists anywhere.
_BLOCK_OPENING = re.compile(r"#|!|\?|:(?=\s|$)|`{3,}|~{3,}")
# A line that is only -, =, * or _ (with spaces) is a setext underline or a thematic break.
_RULE_LINE = re.compile(r"(?:([-=*_])[ \t]*)(?:\1[ \t]*)*$")
# Links, images, footnotes, abbreviations ([...]), attribute lists and macros ({...}), tables (|).
_INLINE_SYNTAX = re.compile(r"[\\\[\]{}|]")
# What a partner's text may become once Markdown has rendered it; anything else falls back to plain text.
_ALLOWED_TAGS = {"p", "em", "strong", "ul", "ol", "li", "code", "br"}


# Characters that a backslash makes literal in Python-Markdown (its ESCAPED_CHARS, without ">", which
# html.escape has already turned into "&gt;"); any other is written as a numeric character reference.
_BACKSLASHABLE = frozenset("\\`*_{}[]()#+-.!")


def _ref(character: str) -> str:
    """The character as typed, never as syntax."""
    return f"\\{character}" if character in _BACKSLASHABLE else _entity(character)


def _entity(character: str) -> str:
    return f"&#{ord(character)};"


def _code_span(content: str) -> str:
    """A code span as inline HTML: every character Markdown or a macro could read is a reference, and the
    content is escaped once (Markdown's own code span would escape it a second time)."""
    return "<code>" + re.sub(r"[^\w \n]", lambda m: _entity(m.group()), content.strip()) + "</code>"


def _neutral_line(line: str, in_list: bool) -> tuple[str, bool]:
    """One line with block syntax made literal; whether it is (still) inside a list."""
    stripped = line.lstrip(" ")
    indent = len(line) - len(stripped)
    if not stripped:
        return line, in_list
    markers = ""
    while (marker := _LIST_MARKER.match(stripped)) and not _RULE_LINE.match(stripped):
        markers += marker.group()
        stripped = stripped[marker.end():]
    if markers and indent < 4 + 4 * in_list:
        in_list = True
    elif indent >= 4 and not in_list:
        indent = 0  # an indented code block outside a list: the text, not a code block
    elif indent == 0:
        in_list = False
    if _RULE_LINE.match(stripped) or _BLOCK_OPENING.match(stripped):
        stripped = _ref(stripped[0]) + (re.sub(r"[`~]", lambda m: _ref(m.group()), stripped[1:])
                                        if stripped[0] in "`~" else stripped[1:])
    return " " * indent + markers + stripped, in_list


def _plain(text: str) -> str:
    """The fallback: paragraphs of text, every punctuation character a reference."""
    paragraphs = [" ".join(part.split()) for part in re.split(r"\n[ \t]*\n", text)]
    return "\n\n".join(re.sub(r"[^\w ]", lambda m: _entity(m.group()), p) for p in paragraphs if p)


def partner_text(text: str) -> str:
    """Partner-written Markdown made safe to put into a generated chapter.

    What survives is what inputs/README.md documents: paragraphs, emphasis, lists, line breaks and code
    spans. HTML and every other construct show as typed; bidirectional controls are removed.
    """
    text = _CONTROL.sub("", _BIDI_CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n")))
    text = cleaned = text.expandtabs(4)
    spans: list[str] = []

    def keep(match: re.Match) -> str:
        spans.append(_code_span(match.group(2)))
        return f"\x00{len(spans) - 1}\x00"

    text = html.escape(_CODE_SPAN.sub(keep, text), quote=False)
    text = _INLINE_SYNTAX.sub(lambda m: _ref(m.group()), text)
    lines, in_list = [], False
    for line in text.split("\n"):
        line, in_list = _neutral_line(line, in_list)
        lines.append(line)
    text = "\n".join(lines)
    text = re.sub(r"\x00(\d+)\x00", lambda m: spans[int(m.group(1))], text)
    return safe_or_plain(text, lambda: _plain(cleaned), lambda: _renders_as_allowed(text))


# A reader of the chapters for their words only (the acronym check) may say when a partner text's Markdown and
# its plain fallback read alike to it; then the text is not rendered to choose between them. Rendering each
# partner text is most of the cost of making the chapters, and the choice rarely changes a word.
_READ_ALIKE: ContextVar[Callable[[str, str], bool] | None] = ContextVar("read_alike", default=None)


@contextmanager
def reading_words(read_alike: Callable[[str, str], bool]) -> Iterator[None]:
    """Chapters made inside this block are for `read_alike`'s reader only: where it finds a partner text's
    Markdown and plain fallback alike, the Markdown stands, rendered or not. Never for a chapter that is
    published: what is published is always checked by rendering."""
    token = _READ_ALIKE.set(read_alike)
    try:
        yield
    finally:
        _READ_ALIKE.reset(token)


def safe_or_plain(markdown_text: str, plain: Callable[[], str], renders_as_allowed: Callable[[], bool]) -> str:
    """The partner text's Markdown if it renders as allowed, else its plain fallback (see `reading_words`)."""
    read_alike = _READ_ALIKE.get()
    if read_alike is not None:
        fallback = plain()
        if read_alike(markdown_text, fallback):
            return markdown_text
        return markdown_text if renders_as_allowed() else fallback
    return markdown_text if renders_as_allowed() else plain()


def _renders_as_allowed(markdown_text: str) -> bool:
    """Whether Markdown, with the site's extensions, makes nothing of the text but the allowed tags."""
    return set(re.findall(r"<([a-zA-Z][\w-]*)", site_rendering(markdown_text))) <= _ALLOWED_TAGS


@functools.lru_cache(maxsize=8192)
def site_rendering(markdown_text: str) -> str:
    """The HTML that Markdown with the site's extensions makes of a text. Kept by the text: each build of
    `mkdocs serve` checks the same partner texts again, and only an edited one is new."""
    return _site_markdown().reset().convert(markdown_text)


_PER_THREAD = threading.local()  # a Markdown instance keeps state while it converts: one per thread


def _site_markdown():
    if not hasattr(_PER_THREAD, "markdown"):
        import markdown  # here: `strategy check` imports this module and needs no Markdown renderer

        _PER_THREAD.markdown = markdown.Markdown(extensions=_SITE_EXTENSIONS)
    return _PER_THREAD.markdown


# The extensions of mkdocs.yml that act on a page's text, so that the check above sees what the site sees.
_SITE_EXTENSIONS = ["abbr", "admonition", "attr_list", "def_list", "footnotes", "md_in_html", "smarty", "tables",
                    "pymdownx.details", "pymdownx.superfences", "strategy.typeset"]


def md_escape(text: str) -> str:
    """Plain text (a name, a title) that must not be read as Markdown or HTML."""
    text = html.escape(text, quote=False)
    return re.sub(r"([\\`*_\[\]{}#|])", r"\\\1", text)


def quote_block(markdown: str, attribution: str, illustrative: bool = False) -> str:
    """A partner's words with who said them, as consent allows; an invented quote carries the mark."""
    mark = f" {illustrative_mark()}" if illustrative else ""
    return (f'<blockquote class="partner-input" markdown="1">\n\n{markdown.strip()}\n\n'
            f'<p class="attribution" markdown="1">— {attribution}{mark}</p>\n\n</blockquote>')


def front_matter(title: str, description: str) -> str:
    # JSON strings are YAML strings: a colon or a quote in a title cannot break the page's front matter.
    return (f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\n"
            f"description: {json.dumps(description, ensure_ascii=False)}\ngenerated: true\n---\n\n"
            "<!-- Generated by `strategy chapters` from the files in inputs/. "
            "Do not edit: edit the inputs instead. -->\n\n")
