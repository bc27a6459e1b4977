"""Comment-response matrix: every reviewer's comment on the current edition with the drafting team's response,
grouped by chapter and section in document order, as consultations of the UN, the World Bank and the ILO
publish them.

Reviewers are shown as consent allows, exactly as partners who sent inputs: named, by kind of partner only, or
(withheld) counted and never listed outside an internal build. Their words pass through the same path as
partner text.

Given the redline against the previous edition, the matrix also lists the comments made on that edition, each
with where the current edition answers it: a link to the paragraph or section that now holds the text the
comment was on, and whether that text changed, stayed as it was, moved or was removed.
"""

from __future__ import annotations

import posixpath
from collections import Counter, defaultdict
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import quote

from ..feedback import EditionOutline, Placed, placed_comments
from ..inputs import StrategyInputs
from ..inputs.records import Consent, Feedback, FeedbackComment, FeedbackStatus, PartnerKind
from .consent import (SMALL_CELLS_NOTE, Audience, Cell, attribution, consent_clauses, may_show, small_cells,
                      unnamed_partners)
from .markdown import anchor, front_matter, illustrative_label, long_date, md_escape, number, partner_text, table

if TYPE_CHECKING:
    from ..redline import Answer, Redline

TITLE = "Comment-response matrix"
FILE_NAME = "comment-matrix.md"
HEADERS = ["No.", "Reviewer", "Para.", "Comment", "Response", "Status"]
UNPLACED = "Comments not placed in a section"
GENERATED = "generated"  # the matrix's folder in the docs (chapters.GENERATED_FOLDER), which its links start from


def comment_matrix(inputs: StrategyInputs, audience: Audience, outline: EditionOutline,
                   redline: "Redline | None" = None) -> str:
    """The matrix of the outline's edition; with `redline`, the comments on its previous edition too."""
    label = outline.label or "this edition"
    current = [f for f in inputs.feedback if f.edition == outline.label]
    comments = [c for f in current for c in f.comments]
    description = f"Every comment reviewers made on {label}, with the drafting team's response."
    if redline is not None:
        description = (f"Every comment reviewers made on {label} and on {redline.since}, with the drafting "
                       f"team's response and where {label} answers it.")
    out = [front_matter(TITLE, description), f"# {TITLE}\n"]
    out.append(_opening(inputs, current, audience, label, redline.since if redline else None) + "\n")
    earlier = [f for f in inputs.feedback if redline is not None and f.edition == redline.since]
    if any(f.illustrative for f in current + earlier if may_show(f, audience)):
        out.append('<div class="illustrative-note" markdown="1">\n\n**Illustrative data.** The comments in the '
                   "bundled example were invented to show how the review works; no partner made them.\n\n</div>\n")
    if comments:
        out.append(_by_status(comments, label, any(f.illustrative for f in current)) + "\n")
        out.append(_by_kind(inputs, current, audience, label) + "\n")
        out.append(_sections(inputs, audience, outline))
    if redline is not None:
        out.append(_earlier_edition(inputs, audience, outline, redline, earlier))
    return "\n".join(out)


def _opening(inputs: StrategyInputs, current: list[Feedback], audience: Audience, label: str,
             since: str | None = None) -> str:
    """`since`: the previous edition, whose comments the matrix lists in a part of their own."""
    comments = sum(len(f.comments) for f in current)
    others = Counter(f.edition for f in inputs.feedback if f not in current and f.edition != since
                     for _ in f.comments)
    elsewhere = (f" Comments on other editions ({'; '.join(f'{md_escape(e)}: {number(n)}' for e, n in sorted(others.items()))}) "
                 "are answered in the matrix of the edition they were made on and are not counted here."
                 if others else "")
    if since is not None:
        elsewhere = (f" Comments on {md_escape(since)} follow, with where this edition answers them."
                     + elsewhere)
    if not comments:
        return f"No reviewer's comments on {md_escape(label)} have been recorded yet.{elsewhere}"
    reviewers = {f.reviewer for f in current}
    first, last = min(f.received for f in current), max(f.received for f in current)
    sentence = (f"This annex answers every comment made on {md_escape(label)}: **{number(comments)} comments** from "
                f"**{number(len(reviewers))} reviewers**, received between {long_date(first)} and {long_date(last)}. "
                "Each comment is listed under the chapter and section it concerns, in the order of the document, "
                "with the drafting team's response and what was changed; replies follow the comment they answer.")
    unnamed = {f.reviewer for f in current} & unnamed_partners(inputs, audience)
    withheld = [c for f in current if f.consent is Consent.WITHHELD for c in f.comments]
    parts = consent_clauses(len(unnamed), len(withheld), audience, who="reviewer", what="comment", shown="listed")
    consent = (" " + "; ".join(parts)[:1].upper() + "; ".join(parts)[1:] + ".") if parts else ""
    return sentence + consent + elsewhere


def _by_status(comments: list[FeedbackComment], label: str, illustrative: bool) -> str:
    counts = Counter(c.status for c in comments)
    rows = [[status.label, number(counts[status])] for status in FeedbackStatus if counts[status]]
    rows.append(["**Total**", f"**{number(len(comments))}**"])
    return table(["Status", "Comments"], rows, numeric=(1,), caption=f"Comments on {md_escape(label)} by status",
                 table_id="tbl-comments-by-status", illustrative=illustrative)


def _by_kind(inputs: StrategyInputs, current: list[Feedback], audience: Audience, label: str) -> str:
    """Reviewers and comments by kind of partner; outside internal builds, no row narrows an unnamed reviewer
    down to fewer than three (consent.small_cells), as in the tables of inputs."""
    groups: dict[PartnerKind, list[Feedback]] = defaultdict(list)
    for feedback in current:
        groups[inputs.partners[feedback.reviewer].kind].append(feedback)
    cells = [Cell(kind.label, {f.reviewer for f in groups[kind]}, [c for f in groups[kind] for c in f.comments])
             for kind in PartnerKind if groups.get(kind)]
    merged = False
    if audience is not Audience.INTERNAL:
        cells, merged = small_cells(cells, unnamed_partners(inputs, audience))
    rows = [[cell.label, number(len(cell.partners)), number(len(cell.items))] for cell in cells]
    rows.append(["**Total**", f"**{number(len({f.reviewer for f in current}))}**",
                 f"**{number(sum(len(f.comments) for f in current))}**"])
    note = f"\n\n{SMALL_CELLS_NOTE}" if merged else ""
    return table(["Kind of reviewer", "Reviewers", "Comments"], rows, numeric=(1, 2),
                 caption=f"Comments on {md_escape(label)} by kind of reviewer", table_id="tbl-comments-by-kind",
                 illustrative=any(f.illustrative for f in current)) + note


def _sections(inputs: StrategyInputs, audience: Audience, outline: EditionOutline,
              answers: "Redline | None" = None, level: int = 2) -> str:
    """A heading per chapter and per section that has comments, each with its table, in document order.

    `answers`: the comments are on the previous edition (the outline's label), each answered by this
    edition's place for it; their headings start at `level` 3, under their part's."""
    shown = [f for f in inputs.feedback if may_show(f, audience)]
    placed = placed_comments(shown, outline)
    groups: dict[tuple, list[Placed]] = defaultdict(list)
    for item in placed:
        groups[(item.page, item.heading)].append(item)
    out, chapter = [], -1
    chapter_heading, section_heading = "#" * level, "#" * (level + 1)
    ids = "tbl-matrix-" if answers is None else "tbl-matrix-earlier-"
    for table_number, ((page, heading), items) in enumerate(groups.items(), start=1):  # in document order
        where = UNPLACED if page is None else outline.pages[page].title
        if page is None:
            out.append(f"{chapter_heading} {UNPLACED}\n")
        elif page != chapter:
            out.append(f"{chapter_heading} {md_escape(outline.pages[page].title)}\n")
        chapter = page
        if page is not None and heading is not None:
            title = where = outline.pages[page].headings[heading]
            if heading > 0 or title != outline.pages[page].title:  # a chapter's own heading is its title
                out.append(f"{section_heading} {md_escape(title)}\n")
        # Numbered and listed like every other table of the document.
        caption = UNPLACED if page is None else f"Comments and responses: {md_escape(where)}"
        if answers is not None:
            caption = f"Comments on {md_escape(answers.since)} and responses: {md_escape(where)}"
        out.append(_matrix_table(inputs, audience, items, caption, f"{ids}{table_number}", answers, outline) + "\n")
    return "\n".join(out)


def _earlier_edition(inputs: StrategyInputs, audience: Audience, outline: EditionOutline, redline: "Redline",
                     earlier: list[Feedback]) -> str:
    """The part of the matrix for the comments on the previous edition, placed by their sections' titles in
    this edition."""
    since, label = md_escape(redline.since), md_escape(redline.current)
    out = [f"## Comments on {since} and where {label} answers them\n"]
    comments = sum(len(f.comments) for f in earlier)
    if not comments:
        out.append(f"No reviewer's comments on {since} were recorded.\n")
        return "\n".join(out)
    reviewers = {f.reviewer for f in earlier}
    sentence = (f"Reviewers made **{number(comments)} comments** on {since} "
                f"(**{number(len(reviewers))} reviewers**). Each is listed under the section it was on, with the "
                f"drafting team's response and, under *In {label}*, the paragraph or section of {label} that now "
                "holds the text it was on, and whether that text is changed, unchanged, moved or removed.")
    unnamed = reviewers & unnamed_partners(inputs, audience)
    withheld = [c for f in earlier if f.consent is Consent.WITHHELD for c in f.comments]
    parts = consent_clauses(len(unnamed), len(withheld), audience, who="reviewer", what="comment", shown="listed")
    consent = (" " + "; ".join(parts)[:1].upper() + "; ".join(parts)[1:] + ".") if parts else ""
    out.append(sentence + consent + "\n")
    out.append(_sections(inputs, audience, replace(outline, label=redline.since), redline, level=3))
    return "\n".join(out)


def _matrix_table(inputs: StrategyInputs, audience: Audience, items: list[Placed], caption: str,
                  table_id: str, answers: "Redline | None" = None, outline: EditionOutline | None = None) -> str:
    """One section's comments. Columns wrap (print.css gives them fixed shares of the width), IDs and
    paragraph numbers never break."""
    rows = []
    for item in items:
        feedback, comment = item.feedback, item.comment
        reviewer = md_escape(attribution(feedback, inputs.partners[feedback.reviewer], audience))
        paragraph = f'<span class="record-id">{comment.paragraph}</span>' if comment.paragraph else "–"
        response = _response_cell(comment)
        if answers is not None and not comment.reply_to:  # a reply is answered with the comment it follows
            response += "<br>" + _now(comment, answers, outline)
        rows.append([f'<span id="{anchor(comment.id)}" class="record-id">{comment.id}</span>', reviewer, paragraph,
                     _comment_cell(comment, item.page is None), response, comment.status.label])
    illustrative = any(item.feedback.illustrative for item in items)
    body = table(HEADERS, rows, caption=caption, table_id=table_id).replace(
        'class="data-table wide"', 'class="data-table wide comment-matrix"', 1)
    return illustrative_label(illustrative) + body


def _now(comment: FeedbackComment, redline: "Redline", outline: EditionOutline | None) -> str:
    """Where the current edition answers a comment on the previous one: "*In Draft 2:* [paragraph 4.6](…),
    changed"."""
    answer = redline.answer(comment.paragraph, comment.section)
    lead = f"*In {md_escape(redline.current)}:*"
    if answer.kind == "not-found":
        return f"{lead} the text it was on is not found"
    link = _answer_link(answer, comment, outline)
    if answer.kind == "removed":
        return f"{lead} removed" + (f" (its section: {link})" if link and not answer.paragraph else "")
    return f"{lead} {link}, {answer.kind}" if link else f"{lead} {answer.kind}"


def _answer_link(answer: "Answer", comment: FeedbackComment, outline: EditionOutline | None) -> str:
    """A link from the matrix (in the generated folder) to the paragraph or section the answer names."""
    if answer.page is None:
        return ""
    # The anchor is the site's id (redline.text_blocks); print_html points a link to a paragraph at its id.
    href = quote(posixpath.relpath(answer.page, GENERATED)) + (f"#{quote(answer.anchor)}" if answer.anchor else "")
    if answer.paragraph:
        words = f"paragraph {md_escape(answer.paragraph)}"
    else:
        titles = {p.path: p.title for p in outline.pages} if outline else {}
        words = (f"“{_inline(comment.section)}”" if comment.section
                 else md_escape(titles.get(answer.page, answer.page)))
    return f"[{words}]({href})"


def _comment_cell(comment: FeedbackComment, unplaced: bool) -> str:
    parts = []
    if comment.reply_to:
        parts.append(f'*Reply to <span class="record-id">{comment.reply_to}</span>.*')
    if unplaced and comment.section:
        parts.append(f"*Section:* {_inline(comment.section)}")
    if comment.quoted:
        parts.append(f"*On:* “{_inline(comment.quoted)}”")
    parts.append(_inline(comment.comment))
    if comment.proposed_text:
        parts.append(f"*Proposed text:* {_inline(comment.proposed_text)}")
    return "<br>".join(parts)


def _response_cell(comment: FeedbackComment) -> str:
    if comment.response is None:
        return "*Not yet answered.*"
    parts = [_inline(comment.response)]
    if comment.action:
        parts.append(f"*Action:* {_inline(comment.action)}")
    return "<br>".join(parts)


def _inline(text: str) -> str:
    """Text from a feedback file, made safe as partner text is (partner_text), on one table row: paragraphs
    and list items become line breaks, wrapped lines join."""
    safe = partner_text(text).strip()
    lines, out = safe.split("\n"), []
    for line in lines:
        stripped = line.strip()
        if not stripped:
            out.append("<br>")
        elif out and out[-1] != "<br>" and not _starts_item(stripped):
            out.append(" " + stripped)
        else:
            out.append(("<br>" if out and out[-1] != "<br>" else "") + stripped)
    return "".join(out)


def _starts_item(line: str) -> bool:
    return line[:2] in ("- ", "* ", "+ ") or (line.split(" ", 1)[0].rstrip(".").isdigit() and "." in line[:6])
