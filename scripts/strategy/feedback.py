"""Reviewers' comments against the edition they are on: where each falls in the document (chapter and section,
in the order of the nav and the headings), what `strategy check` says about them, and the list that `strategy
feedback` prints for the authors.

Sections are found cheaply: the nav of mkdocs.yml, the Markdown headings of the author pages, and the headings
of the generated chapters, which are made (without their charts) only when a comment names a section that the
author pages do not hold.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .inputs.records import Feedback, FeedbackComment, FeedbackStatus
from .problems import Problem, ProblemsFound, warning

if TYPE_CHECKING:
    from .inputs import StrategyInputs
    from .paragraphs import Paragraph
    from .project import Project

GENERATED_PREFIX = "generated/"  # chapters.GENERATED_FOLDER; `check` imports no chapter module up front
COMMENT_MATRIX = "generated/comment-matrix.md"  # the matrix's own headings are no place to comment on
CHANGES_PAGE = "generated/changes.md"  # nor are those of "What changed" (changes.py)
MAX_PAGE_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class OutlinePage:
    path: str  # in the docs folder, as the nav names it
    title: str  # the nav title
    headings: tuple[str, ...] | None  # heading titles in page order; None: a generated page not yet made


@dataclass(frozen=True)
class Placed:
    """A comment with where it falls: page and heading indexes in document order (None: no place)."""

    feedback: Feedback
    comment: FeedbackComment
    page: int | None
    heading: int | None


@dataclass(frozen=True)
class EditionOutline:
    """The current edition's pages and headings, in document order."""

    label: str
    pages: tuple[OutlinePage, ...] = field(default_factory=tuple)

    def with_generated(self, markdown_by_path: dict[str, str]) -> "EditionOutline":
        """The outline with the generated pages' headings read from their Markdown."""
        pages = tuple(replace(p, headings=tuple(markdown_headings(markdown_by_path[p.path])))
                      if p.headings is None and p.path in markdown_by_path else p for p in self.pages)
        return replace(self, pages=pages)

    @property
    def complete(self) -> bool:
        return all(p.headings is not None for p in self.pages)

    def place(self, section: str | None) -> tuple[int, int | None] | None:
        """(page, heading) of the first heading, or nav title, that reads as `section`; None if none does."""
        if section is None:
            return None
        for wanted in _keys(section):
            for index, page in enumerate(self.pages):
                for number, heading in enumerate(page.headings or ()):
                    if _key(heading) == wanted:
                        return index, number
                if _key(page.title) == wanted:
                    return index, None
        return None

    def titles(self) -> list[str]:
        """Every heading and nav title, for a "did you mean"."""
        return [t for p in self.pages for t in (p.title, *(p.headings or ()))]


def _key(title: str) -> str:
    return " ".join(title.replace("\u2019", "'").casefold().split())


# "2 Phase II results", "A1 Summary of inputs received", "3.2 ...": how print and Word number headings.
_NUMBERED = re.compile(r"^(?:annex\s+)?[A-Z]?[0-9]+(?:\.[0-9]+)*\.?\s+", re.IGNORECASE)


def _keys(section: str) -> Iterator[str]:
    yield _key(section)
    if _NUMBERED.match(section.strip()):
        yield _key(_NUMBERED.sub("", section.strip()))


# --- headings of Markdown pages ------------------------------------------------------------------------------

_ATX = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")
_ATTRIBUTES = re.compile(r"\s*\{[:#.][^}]*\}\s*$")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)(?:\{[^}]*\})?")
_TAG = re.compile(r"<[^>]+>")
_EMPHASIS = re.compile(r"(?<![\w\\])[*_]+|(?<!\\)[*_]+(?!\w)")


def markdown_headings(markdown: str) -> list[str]:
    """The ATX headings of a page (`## Title {#id}`) as the reader sees their titles, outside front matter and
    fenced code."""
    lines = markdown.split("\n")
    if lines and lines[0].strip() == "---":  # front matter
        end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() in ("---", "...")), 0)
        lines = lines[end + 1:]
    found, fence = [], None
    for line in lines:
        opening = _FENCE.match(line)
        if fence:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
            continue
        if opening:
            fence = opening.group(1)
            continue
        if heading := _ATX.match(line):
            found.append(heading_title(heading.group(2)))
    return [h for h in found if h]


def heading_title(raw: str) -> str:
    """A Markdown heading's text as printed: without its attribute list, links' addresses, tags, emphasis
    and escapes."""
    text = _ATTRIBUTES.sub("", raw)
    text = _LINK.sub(r"\1", text)
    text = _TAG.sub("", text)
    text = _EMPHASIS.sub("", text.replace("`", ""))
    text = re.sub(r"\\(.)", r"\1", text)
    return " ".join(html.unescape(text).split())


def edition_outline(project: "Project", label: str) -> EditionOutline:
    """The nav's pages in order, with the headings of the author pages; generated pages' headings are filled
    in by `with_generated` (they exist only in memory)."""
    pages = []
    for path, title in _nav(project.mkdocs_yml):
        if path in (COMMENT_MATRIX, CHANGES_PAGE):  # their headings repeat the other pages' sections
            continue
        if path.startswith(GENERATED_PREFIX):
            pages.append(OutlinePage(path, title, None))
        else:
            pages.append(OutlinePage(path, title, tuple(_page_headings(project.docs / path))))
    return EditionOutline(label, tuple(pages))


def _nav(mkdocs_yml: Path) -> list[tuple[str, str]]:
    """(page, title) of the nav's pages in order, as publish.outline reads them (importing that package would
    load the PDF renderer, which `strategy check` must not wait for)."""
    import yaml

    class IgnoreTags(yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader):  # type: ignore[misc]
        # mkdocs.yml may hold !ENV or !!python/name tags; libyaml, when PyYAML has it, parses it faster
        pass

    IgnoreTags.add_multi_constructor("", lambda loader, suffix, node: None)
    IgnoreTags.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
    try:
        config = yaml.load(mkdocs_yml.read_text(encoding="utf-8"), Loader=IgnoreTags) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []  # the site build names a broken mkdocs.yml
    found: list[tuple[str, str]] = []

    def walk(entries) -> None:
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict):
                for title, target in entry.items():
                    if isinstance(target, str):
                        found.append((target, str(title)))
                    else:
                        walk(target)
            elif isinstance(entry, str):
                found.append((entry, entry))

    walk(config.get("nav") if isinstance(config, dict) else None)
    return found


def _page_headings(path: Path) -> list[str]:
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_PAGE_BYTES:
            return []  # docs_problems and the site build name such a page
        return markdown_headings(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError):
        return []


# --- comments in document order --------------------------------------------------------------------------


def placed_comments(feedback: list[Feedback], outline: EditionOutline) -> list[Placed]:
    """Every comment of the outline's edition with its place, in document order (those with no place last,
    in ID order). A reply takes its thread's place, so that it is shown under the comment it answers."""
    current = [(f, c) for f in feedback if f.edition == outline.label for c in f.comments]
    by_id = {c.id: (f, c) for f, c in current}
    placed = []
    for f, c in current:
        root = _thread_root(c, by_id)
        where = outline.place(root.section)
        page, heading = where if where else (None, None)
        placed.append(Placed(f, c, page, heading))
    order = {c.id: n for n, (_, c) in enumerate(sorted(current, key=lambda fc: fc[1].id))}

    def sort_key(p: Placed) -> tuple:
        root = _thread_root(p.comment, by_id)
        return (p.page is None, p.page or 0, -1 if p.heading is None else p.heading, order[root.id],
                p.comment.reply_to is not None, order[p.comment.id])

    return sorted(placed, key=sort_key)


def _thread_root(comment: FeedbackComment, by_id: dict) -> FeedbackComment:
    """The first comment of the thread `comment` is in (itself when it answers none; a loop stops)."""
    seen = {comment.id}
    while comment.reply_to in by_id and comment.reply_to not in seen:
        comment = by_id[comment.reply_to][1]
        seen.add(comment.id)
    return comment


# --- what `strategy check` says -----------------------------------------------------------------------------


def feedback_problems(inputs: "StrategyInputs", outline: EditionOutline,
                      generated: Callable[[], dict[str, str]], paragraphs: set[str] | None) -> list[Problem]:
    """A warning for each open comment without a response; an error for each open comment on the current
    edition whose section (or, when `paragraphs` is known, paragraph) the edition no longer has.

    `generated` makes the generated chapters' Markdown; it is called only if a section is not found in the
    author pages. `paragraphs` is the set of paragraph numbers the edition prints, or None when they are not
    known: then only sections are checked.
    """
    found: list[Problem] = []
    for feedback, index, comment in _comments(inputs):
        origin = inputs.origins[f"FeedbackComment:{comment.id}"]
        if comment.status is FeedbackStatus.OPEN and comment.response is None:
            found.append(warning(origin.file, origin.line, f"comments[{index}].response",
                                 "a response from the drafting team to every comment", "an open comment without one"))
    current_open = [(i, c) for f, i, c in _comments(inputs)
                    if f.edition == outline.label and c.status is FeedbackStatus.OPEN]
    unplaced = [(i, c) for i, c in current_open if c.section and outline.place(c.section) is None]
    if unplaced and not outline.complete:
        outline = outline.with_generated(generated())
    for index, comment in unplaced:
        if outline.place(comment.section) is not None:
            continue
        origin = inputs.origins[f"FeedbackComment:{comment.id}"]
        guess = difflib.get_close_matches(comment.section, outline.titles(), n=1, cutoff=0.6)
        hint = f"; did you mean '{guess[0]}'?" if guess else ""
        found.append(Problem(origin.file, origin.line, f"comments[{index}].section",
                             f"a section of {outline.label} (a heading of its pages{hint}), or a response saying "
                             "that the section is gone (a status other than open)", f"'{comment.section}'"))
    if paragraphs is not None:
        found += missing_paragraphs(inputs, outline.label, paragraphs)
    return found


def missing_paragraphs(inputs: "StrategyInputs", label: str, paragraphs: set[str]) -> list[Problem]:
    """An error for each open comment on edition `label` that cites a paragraph number not in `paragraphs`."""
    found = []
    for feedback, index, comment in _comments(inputs):
        if feedback.edition != label or comment.status is not FeedbackStatus.OPEN or comment.paragraph is None:
            continue
        if comment.paragraph not in paragraphs:
            origin = inputs.origins[f"FeedbackComment:{comment.id}"]
            found.append(Problem(origin.file, origin.line, f"comments[{index}].paragraph",
                                 f"a paragraph number that {label} prints, or a response saying that the paragraph "
                                 "is gone (a status other than open)", f"'{comment.paragraph}'"))
    return found


def edition_paragraphs(project: "Project", inputs: "StrategyInputs",
                       chapters: Collection[str] | None = None) -> list["Paragraph"] | None:
    """The paragraphs the current edition numbers, as its partners build prints them (the edition reviewers
    read), with their sections; None when the edition numbers none (strategy.yml's `paragraph_numbers`).
    `chapters` ("4", "6") limits the work to those chapters.

    The chapters are rendered as for print, without their charts and without the rest of the document, and
    only when a comment cites a paragraph or must be placed by the text it quotes."""
    from .audience import Audience
    from .chapters import text_chapters
    from .publish.print_html import edition_paragraphs as printed_paragraphs

    if not project.publication().numbers_paragraphs:
        return None
    audience = Audience.PARTNERS
    return printed_paragraphs(project.mkdocs_yml, project.docs, inputs, audience, project.root,
                              lambda: text_chapters(inputs, audience), chapters)


def _comments(inputs: "StrategyInputs") -> Iterator[tuple[Feedback, int, FeedbackComment]]:
    for feedback in inputs.feedback:
        for index, comment in enumerate(feedback.comments):
            yield feedback, index, comment


def check_feedback(project: "Project", inputs: "StrategyInputs", label: str) -> list[Problem]:
    """What `strategy check` reports about the feedback records, for the edition `label` (strategy.yml's)."""
    if not inputs.feedback:
        return []

    def generated() -> dict[str, str]:
        from .chapters import generated_markdown

        return generated_markdown(inputs)

    # Only the chapters whose paragraphs open comments cite are rendered: check stays fast.
    cited = {c.paragraph.split(".")[0] for f, _, c in _comments(inputs)
             if c.paragraph and c.status is FeedbackStatus.OPEN and f.edition == label}
    def printed() -> set[str] | None:
        try:
            paragraphs = edition_paragraphs(project, inputs, cited)
        except ProblemsFound:  # what stops the chapters (a name consent keeps out…) is reported by its own check
            paragraphs = None
        return None if paragraphs is None else {p.number for p in paragraphs}

    numbers = None
    if cited:  # kept between checks under the hash of all they follow from
        from .paragraphs import kept_numbers, numbers_key

        inputs_folder = project.root / project.publication().inputs_folder
        key = numbers_key(project.root, inputs_folder, cited, inputs.fingerprint)
        numbers = kept_numbers(project.work, key, printed)
    return feedback_problems(inputs, edition_outline(project, label), generated, numbers)


# --- `strategy feedback`: the comments for the authors, in the terminal -------------------------------------


def comments_listing(project: "Project", status: str = "open") -> str:
    """The comments with `status` ("all" for every one) as plain lines: the current edition's grouped by
    chapter and section in document order, then those on other editions; each with its ID, status, reviewer
    (as the authors know them) and file:line."""
    from .problems import shown

    publication = project.publication()
    inputs = project.inputs(publication)
    label = publication.edition.label
    outline = edition_outline(project, label)
    current = [c for f in inputs.feedback if f.edition == label for c in f.comments]
    if any(c.section and outline.place(c.section) is None for c in current) and not outline.complete:
        from .chapters import generated_markdown

        outline = outline.with_generated(generated_markdown(inputs))

    def wanted(comment: FeedbackComment) -> bool:
        return status == "all" or comment.status.value == status

    def entry(feedback: Feedback, comment: FeedbackComment) -> list[str]:
        partner = inputs.partners.get(feedback.reviewer)
        who = partner.display_name if partner else feedback.reviewer
        if feedback.consent.value != "named":
            who += f" ({feedback.consent.value})"
        lines = [f"  {comment.id}  {comment.status.value}  {who}  {inputs.origins[f'FeedbackComment:{comment.id}']}"]
        if comment.reply_to:
            lines.append(f"      reply to {comment.reply_to}")
        if comment.paragraph:
            lines.append(f"      paragraph {comment.paragraph}")
        if comment.quoted:
            lines.append(f"      on: {shown(' '.join(comment.quoted.split()), 160)}")
        lines.append(f"      {shown(' '.join(comment.comment.split()), 160)}")
        return lines

    out: list[str] = []
    count = 0
    heading = None
    for item in placed_comments(inputs.feedback, outline):
        if not wanted(item.comment):
            continue
        if item.page is None:
            where = "Not placed in a section"
        else:
            page = outline.pages[item.page]
            section = page.headings[item.heading] if item.heading is not None else None
            where = page.title + (f" › {section}" if section and section != page.title else "")
        if where != heading:
            out += ["", where]
            heading = where
        out += entry(item.feedback, item.comment)
        count += 1
    for feedback in inputs.feedback:
        if feedback.edition == label:
            continue
        chosen = [c for c in feedback.comments if wanted(c)]
        if chosen:
            out += ["", f"On {feedback.edition} (not the current edition, {label}), from {inputs.file_of(feedback)}"]
            for comment in chosen:
                out += entry(feedback, comment)
            count += len(chosen)
    what = "comments" if status == "all" else f"{status} comments"
    if not count:
        return f"No {what} in {project.root / publication.inputs_folder / 'feedback'}."
    return f"{count} {what} (current edition: {label}):\n" + "\n".join(out)
