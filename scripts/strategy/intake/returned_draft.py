"""A reviewer's returned Word draft -> the comments in it, each placed in the edition.

Word keeps a comment in three places: its text in `word/comments.xml`, the range it is on as
`commentRangeStart`/`commentRangeEnd` markers in `word/document.xml`, and (Word 2013 and later) its thread in
`word/commentsExtended.xml`, where a reply names the last paragraph of the comment it answers. This module
reads the three, walks the document once in reading order and gives each comment the text it is anchored on,
the number of the paragraph it starts in (review drafts begin every body paragraph with its number: "12" or
"3.12") and the heading of the section around it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ..inputs.records import Consent, FeedbackChannel, Publication
from ..paragraphs import Paragraph
from ..problems import Problem, ProblemsFound, shown
from .feedback import FeedbackResult, add_feedback
from .word import open_docx

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
W15 = "http://schemas.microsoft.com/office/word/2012/wordml"
NS = {"w": W, "w14": W14, "w15": W15}
PARAGRAPH_NUMBER = re.compile(r"^\s*([0-9]{1,4}(?:\.[0-9]{1,4})?)[\t \u00a0]")
# pandoc's and Word's heading styles: "Heading1" … "Heading9" (the style ID, not its localised name); a
# reference DOCX may call them "heading 1" too.
EDITION_PROPERTY = "edition"  # the custom document property the reviewers' DOCX names its edition in
SECTION_NUMBER = re.compile(r"^\s*(?:[0-9]+(?:\.[0-9]+)*|[A-Z](?:\.[0-9]+)+)\.?\s+")
HEADING_STYLE = re.compile(r"^heading ?([1-9])$", re.IGNORECASE)


@dataclass(frozen=True)
class ReturnedComment:
    """One Word comment as the reviewer left it, placed in the draft."""

    word_id: str
    text: str
    author: str | None
    date: dt.date | None
    anchor: str | None  # the text the comment is on, as the draft has it
    paragraph: str | None  # the number of the paragraph it starts in
    section: str | None  # the heading of its section, without its number
    reply_to: str | None  # the Word ID of the comment it answers


def returned_comments(parts: Mapping[str, bytes]) -> list[ReturnedComment]:
    """Every comment of the returned draft whose package `parts` are given (name -> bytes, as
    `intake.word.open_docx` checked them), in the order of the document, each followed by its replies. A
    draft with no comments gives an empty list. Raises etree.XMLSyntaxError for a damaged part."""
    package = parts
    comments = _part(package, "word/comments.xml")
    if comments is None:
        return []
    document = _part(package, "word/document.xml")
    if document is None:
        return []
    parents = _threads(comments, _part(package, "word/commentsExtended.xml"))
    places = _places(document)
    found = []
    for comment in comments.iterfind("w:comment", NS):
        word_id = comment.get(f"{{{W}}}id")
        if word_id is None:
            continue
        text = "\n\n".join(t for p in comment.iterfind(".//w:p", NS) if (t := _text(p).strip()))
        anchor, paragraph, section, order = places.get(word_id, (None, None, None, len(places)))
        found.append((order, ReturnedComment(
            word_id, text, comment.get(f"{{{W}}}author") or None, _date(comment.get(f"{{{W}}}date")),
            anchor, paragraph, section, parents.get(word_id))))
    ordered = [c for _, c in sorted(found, key=lambda pair: pair[0])]
    return _threaded(ordered)


def _threaded(comments: list[ReturnedComment]) -> list[ReturnedComment]:
    """Each comment followed by its replies (and theirs), the threads in the order of the document."""
    known = {c.word_id for c in comments}
    replies: dict[str, list[ReturnedComment]] = {}
    for c in comments:
        if c.reply_to in known:
            replies.setdefault(c.reply_to, []).append(c)
    result: list[ReturnedComment] = []

    def add(comment: ReturnedComment, depth: int) -> None:
        result.append(comment)
        for reply in replies.get(comment.word_id, []) if depth < 50 else []:  # a loop of replies ends
            add(reply, depth + 1)

    for c in comments:
        if c.reply_to not in known:
            add(c, 0)
    return result


def _part(parts: Mapping[str, bytes], name: str) -> etree._Element | None:
    data = parts.get(name)
    if data is None:
        return None
    # No entities, no DTD, no network: the package check refuses DTDs already; this parser would not obey one.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    return etree.fromstring(data, parser)


def _threads(comments: etree._Element, extended: etree._Element | None) -> dict[str, str]:
    """Reply -> the Word ID of the comment it answers, from commentsExtended.xml's paragraph IDs."""
    if extended is None:
        return {}
    by_paragraph = {}  # the last paragraph of each comment names it in commentsExtended.xml
    for comment in comments.iterfind("w:comment", NS):
        paragraphs = comment.findall(".//w:p", NS)
        if paragraphs and (para_id := paragraphs[-1].get(f"{{{W14}}}paraId")):
            by_paragraph[para_id] = comment.get(f"{{{W}}}id")
    parents = {}
    for entry in extended.iterfind("w15:commentEx", NS):
        child = by_paragraph.get(entry.get(f"{{{W15}}}paraId") or "")
        parent = by_paragraph.get(entry.get(f"{{{W15}}}paraIdParent") or "")
        if child and parent and child != parent:
            parents[child] = parent
    return parents


def _places(document: etree._Element) -> dict[str, tuple[str | None, str | None, str | None, int]]:
    """Word comment ID -> (anchored text, paragraph number, section heading, order in the document)."""
    places: dict[str, tuple[str | None, str | None, str | None, int]] = {}
    anchors: dict[str, list[str]] = {}
    open_ids: list[str] = []
    section = None
    body = document.find("w:body", NS)
    if body is None:
        return places
    for paragraph in body.iter(f"{{{W}}}p"):
        if paragraph.getparent() is not None and paragraph.getparent().tag == f"{{{W}}}comment":
            continue
        text = _text(paragraph)
        style = paragraph.find("w:pPr/w:pStyle", NS)
        if style is not None and HEADING_STYLE.match(style.get(f"{{{W}}}val") or ""):
            # Headings print their chapter number ("3. Vision for Phase III"): the section is its title.
            section = _section_title(text) or section
        number = match[1] if (match := PARAGRAPH_NUMBER.match(text)) else None
        for element in paragraph.iter(f"{{{W}}}commentRangeStart", f"{{{W}}}commentRangeEnd",
                                      f"{{{W}}}commentReference", f"{{{W}}}t", f"{{{W}}}tab"):
            name = etree.QName(element).localname
            if name in ("t", "tab"):
                for word_id in open_ids:
                    anchors[word_id].append(element.text or "" if name == "t" else "\t")
                continue
            word_id = element.get(f"{{{W}}}id")
            if word_id is None:
                continue
            if name == "commentRangeStart" or (name == "commentReference" and word_id not in places):
                places.setdefault(word_id, (None, number, section, len(places)))
                if name == "commentRangeStart":
                    anchors.setdefault(word_id, [])
                    open_ids.append(word_id)
            elif name == "commentRangeEnd" and word_id in open_ids:
                open_ids.remove(word_id)
        for word_id in open_ids:  # a range over several paragraphs reads as one text with spaces between
            anchors[word_id].append(" ")
    for word_id, parts in anchors.items():
        anchor = re.sub(r"\s+", " ", "".join(parts)).strip()
        anchor = PARAGRAPH_NUMBER.sub("", anchor + " ", count=1).strip() if anchor else anchor
        _, number, heading, order = places[word_id]
        places[word_id] = (anchor or None, number, heading, order)
    return places


def _text(paragraph: etree._Element) -> str:
    """A paragraph's text as it reads: runs' text, tabs as tabs; deleted text (tracked) left out."""
    parts = []
    for element in paragraph.iter(f"{{{W}}}t", f"{{{W}}}tab", f"{{{W}}}br"):
        name = etree.QName(element).localname
        parts.append(element.text or "" if name == "t" else "\t" if name == "tab" else "\n")
    return "".join(parts)


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date() if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class ReturnedDraft:
    """What an import of a returned draft read, besides the comments it wrote."""

    comments: int  # Word comments read, replies included
    empty: int  # comments with no text: nothing to answer, not written
    edition: str  # the edition the comments are on


def import_returned_draft(project_root: Path, publication: Publication, path: Path, shown_as: str,
                          reviewer: str, consent: Consent | None, edition: str | None,
                          received: dt.date | None) -> tuple[FeedbackResult, ReturnedDraft]:
    """The Word comments of a reviewer's returned draft -> their feedback file, one record per comment, each
    reply a record that answers its comment. The edition is the one `edition` names, else the one the draft
    says it is (the build records it in the document's properties), else strategy.yml's."""
    package = open_docx(path, shown_as)
    try:
        comments = returned_comments(package.parts)
    except etree.XMLSyntaxError as err:
        raise ProblemsFound([Problem(shown_as, None, None, "a Word document whose parts are well-formed XML",
                                     f"a damaged part ({shown(err, 120)})")]) from None
    written = [c for c in comments if c.text]
    if not written:
        raise ProblemsFound([Problem(shown_as, None, None, "a returned draft with Word comments in it",
                                     "no comment with text: nothing to import")])
    edition = edition or _edition_of(package.parts) or publication.edition.label
    index = {c.word_id: i for i, c in enumerate(written)}
    records = [{"section": c.section, "paragraph": c.paragraph, "quoted": c.anchor, "comment": c.text,
                "reply_to": index.get(c.reply_to or "")} for c in written]
    if edition == publication.edition.label:
        paragraphs = _current_paragraphs(Path(project_root))
        records = [_placed(record, paragraphs) for record in records]
    result = add_feedback(project_root, publication, reviewer, consent, FeedbackChannel.RETURNED_DRAFT,
                          path.name, records, received=received, edition=edition, source_shown=shown_as)
    return result, ReturnedDraft(len(comments), len(comments) - len(written), edition)


def _current_paragraphs(project_root: Path) -> list[Paragraph]:
    """The current edition's numbered paragraphs; none when its inputs do not pass `strategy check` (the
    comments are then placed by what the draft itself says) or it numbers no paragraphs."""
    from ..feedback import edition_paragraphs
    from ..project import Project, check

    project = Project(project_root)
    try:
        return edition_paragraphs(project, check(project)) or []
    except ProblemsFound:
        return []


def _placed(record: dict, paragraphs: list[Paragraph]) -> dict:
    """A comment placed in the current edition, by its paragraph number and the text it quotes.

    A numbered paragraph that holds the quoted text is the place, with its section as the edition prints it.
    Otherwise (a list item or table cell, which carry no number; a number that now belongs to another text)
    the one paragraph that holds the quoted text is; failing that, the comment stays where the draft put it."""
    quoted = _words(record["quoted"] or "")
    numbered = next((p for p in paragraphs if p.number == record["paragraph"]), None)
    if numbered and (not quoted or quoted in _words(numbered.text)):
        return {**record, "section": _section_title(numbered.section) or record["section"]}
    holding = [p for p in paragraphs if quoted in _words(p.text)] if len(quoted) >= 12 else []
    if len(holding) != 1:
        return record
    return {**record, "paragraph": holding[0].number,
            "section": _section_title(holding[0].section) or record["section"]}


def _section_title(heading: str) -> str:
    """A heading without the number the edition prints before it ("3 Vision for Phase III", "A.1 …")."""
    return SECTION_NUMBER.sub("", heading).strip()


def _words(text: str) -> str:
    """Text compared as words: spacing and typographic quotes do not count."""
    text = text.translate(str.maketrans("\u2018\u2019\u201c\u201d\u00a0", "''\"\" "))
    return " ".join(text.split()).casefold()


def _edition_of(parts: Mapping[str, bytes]) -> str | None:
    """The edition a draft made by `strategy build` names in its custom document properties."""
    custom = _part(parts, "docProps/custom.xml")
    if custom is None:
        return None
    for prop in custom:
        if prop.get("name") == EDITION_PROPERTY:
            value = "".join(prop.itertext()).strip()
            return value or None
    return None
