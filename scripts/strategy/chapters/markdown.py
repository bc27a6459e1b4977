"""Small Markdown builders shared by the generated chapters.

Partner text is untrusted: `partner_text` escapes HTML so that it stays text
with Markdown formatting, and breaks the macro syntax so that a partner cannot
invoke a macro.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping, Sequence

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


def long_date(day) -> str:
    """A date as the ILO writes it: 2 March 2026."""
    return f"{day.day} {day:%B %Y}"


def number(value: int) -> str:
    return f"{value:,}"


def percent(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "–"


def millions(value: int) -> str:
    return f"{value / 1_000_000:,.1f} million"


# Markdown that partner text may not use: links and images (brackets), attribute lists that would add
# attributes such as event handlers, macros (braces), and headings that would break the chapter's outline.
_LINK_AND_ATTRIBUTE_SYNTAX = re.compile(r"([\\\[\]{}])")
_HEADING_LINE = re.compile(r"^( {0,3})(#|=+[ \t]*$|-{3,}[ \t]*$)", re.M)


def partner_text(text: str) -> str:
    """Partner-written Markdown made safe to put into a generated chapter.

    What survives is text with emphasis, lists and paragraphs; HTML is escaped.
    """
    text = html.escape(text, quote=False)
    text = _LINK_AND_ATTRIBUTE_SYNTAX.sub(r"\\\1", text)
    return _HEADING_LINE.sub(r"\1\\\2", text)


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
    return (f"---\ntitle: {title}\ndescription: {description}\ngenerated: true\n---\n\n"
            "<!-- Generated by `strategy chapters` from the files in inputs/. "
            "Do not edit: edit the inputs instead. -->\n\n")
