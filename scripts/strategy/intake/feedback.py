"""Reviewers' comments -> `inputs/feedback/<reviewer>-<edition slug>.yaml`, whatever they came in.

`add_feedback` is the one writer of feedback files: the comment matrix importer calls it, and so can any
other reader of comments (a returned Word draft). It knows nothing of spreadsheets or Word: it takes comments
as plain dicts, gives each new one the next free `FB-` ID of the feedback folder, and leaves out a comment
the file already holds (the same section, paragraph, quoted text, comment, proposed text and thread), so that
importing the same matrix twice adds nothing the second time.

A file that already exists for the reviewer and edition gets the new comments appended: its text is kept as
the authors left it (their responses and `#` notes), the new comments added at the end of its `comments`
list, and the result read back and compared with what it must hold before it replaces the file in one step.
Only if the file is laid out so that an append cannot be placed (comments not last, say) is it rewritten
from its record, still with every field and response it had.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ..files import replace_atomically
from ..inputs.loading import _problem as record_problem
from ..inputs.records import Consent, Feedback, FeedbackChannel, FeedbackComment, Partner, Publication
from ..inputs.sources import SourceData, read_text, read_yaml
from ..problems import Problem, ProblemsFound, display_path, shown
from .writing import _BlockDumper, input_yaml, next_feedback_ids, write_new_file

FEEDBACK_FOLDER = "feedback"  # inside the inputs folder
PARTNERS = "partners.yaml"
COMMENT_FIELDS = ("section", "paragraph", "quoted", "comment", "proposed_text")
_FEEDBACK_ID = re.compile(r"\bFB-[0-9]{3,4}\b")

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class FeedbackResult:
    file: str  # the feedback file, relative to the project
    created: bool  # a new file, rather than comments appended to the reviewer's file for this edition
    added: list[str] = field(default_factory=list)  # the new comments' IDs, in the order given
    already_there: int = 0  # comments the file held already: not added again


def add_feedback(project_root: Path, publication: Publication, reviewer: str, consent: Consent | None,
                 channel: FeedbackChannel, imported_from: str, comments: list[dict[str, Any]],
                 received: dt.date | None = None, edition: str | None = None,
                 source_shown: str | None = None) -> FeedbackResult:
    """Write `comments` into the reviewer's feedback file for `edition` (strategy.yml's edition by default).

    Each comment is a dict of FeedbackComment fields without `id` (section, paragraph, quoted, comment,
    proposed_text; empty values are left out), plus, optionally, `line`: where it is in the file it was read
    from (`source_shown`), for problems; and `reply_to`: the index in `comments` of an earlier comment it
    answers (a Word thread), or an `FB-` ID. `consent` None keeps the file's consent (withheld for a new file).
    `received` defaults to today. Raises ProblemsFound, writing nothing, if anything is wrong.
    """
    root = Path(project_root)
    inputs = root / publication.inputs_folder
    source_shown = source_shown or imported_from
    partner_problem(inputs, root, reviewer, "--reviewer")
    edition = edition or publication.edition.label
    path = inputs / FEEDBACK_FOLDER / f"{reviewer}-{slug(edition)}.yaml"
    shown_as = display_path(path, root)
    existing, existing_text, source = _existing(path, shown_as, root)
    if existing and consent is not None and existing.consent is not consent:
        raise ProblemsFound([Problem(shown_as, source.line_of(("consent",)), "consent",
                                     f"the consent this file gives ({existing.consent.value}), or none on the "
                                     "command line: change a reviewer's consent in the file itself",
                                     consent.value)])
    placed = _placed(comments, existing, _used_ids(inputs / FEEDBACK_FOLDER, root), source_shown)
    new = [c for c, is_new in placed if is_new]
    result = FeedbackResult(shown_as, existing is None, [c.id for c in new], len(placed) - len(new))
    if not new:
        return result
    if existing is None:
        record = _validated(Feedback, shown_as, None, {
            "reviewer": reviewer, "consent": (consent or Consent.WITHHELD).value, "edition": edition,
            "received": (received or dt.date.today()).isoformat(), "channel": channel.value,
            "imported_from": imported_from, "comments": [c.model_dump(mode="json", exclude_defaults=True)
                                                         for c in new]})
        header = (f"Comments of {reviewer} on {edition}, imported from {imported_from}.\n"
                  "Answer each one here: response, action and status (open, accepted, partly accepted, "
                  "declined, noted).")
        write_new_file(path, Feedback, input_yaml(record, header), shown_as)
        return result
    sources = existing.imported_from or ""
    if imported_from not in sources.split("; "):
        sources = f"{sources}; {imported_from}" if sources else imported_from
    record = existing.model_copy(update={"comments": [*existing.comments, *new], "imported_from": sources})
    replace_atomically(path, _appended(existing_text, source, existing, record).encode("utf-8"))
    return result


def slug(text: str) -> str:
    """An edition label as a file name part: "Draft 1" -> "draft-1", "Révision 2" -> "revision-2"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "edition"


def reference_list(inputs: Path, root: Path, relative: str, model: type[M]) -> list[M]:
    """The records of one reference list of the inputs (partners.yaml, thematic-areas.yaml...), read as
    `strategy check` reads them; ProblemsFound naming the list's own problems, which an import cannot guess
    past."""
    path = inputs / relative
    source = read_yaml(path, display_path(path, root), root)
    problems = list(source.problems)
    records: list[M] = []
    if not problems and not isinstance(source.data, list):
        problems.append(Problem(source.file, None, None, f"a list of {model.__name__} records", "something else"))
    for index, item in enumerate(source.data if not problems else []):
        try:
            records.append(model.model_validate(item))
        except ValidationError as err:
            problems += [record_problem(source, model, (index,), e) for e in err.errors()]
    if problems:
        raise ProblemsFound(problems)
    return records


def partner_problem(inputs: Path, root: Path, partner_id: str, option: str) -> None:
    """Raise a problem, with a "did you mean", if `partner_id` is no partner ID of partners.yaml."""
    known = [p.id for p in reference_list(inputs, root, PARTNERS, Partner)]
    if partner_id not in known:
        guess = difflib.get_close_matches(partner_id, known, n=1, cutoff=0.6)
        hint = f" (did you mean '{guess[0]}'?)" if guess else ""
        raise ProblemsFound([Problem(option, None, None, f"a partner ID from {PARTNERS}{hint}", shown(partner_id))])


def _existing(path: Path, shown_as: str, root: Path) -> tuple[Feedback | None, str, SourceData]:
    if not os.path.lexists(path):
        return None, "", SourceData(shown_as)
    text, problems = read_text(path, shown_as, root=root)
    source = read_yaml(path, shown_as, root) if text is not None else SourceData(shown_as, problems=problems)
    if source.problems:
        raise ProblemsFound(source.problems)
    return _validated(Feedback, shown_as, source, source.data), text or "", source


def _validated(model: type[M], shown_as: str, source: SourceData | None, data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        source = source or SourceData(shown_as)
        raise ProblemsFound([record_problem(source, model, (), e) for e in err.errors()]) from None


def _used_ids(folder: Path, root: Path) -> list[str]:
    """Every FB- ID written anywhere in the feedback folder, even in a file that does not validate today:
    read as text, so that a broken file cannot make an ID look free."""
    used: list[str] = []
    try:
        names = sorted(os.listdir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return used
    for name in names:
        if name.startswith(".") or not name.lower().endswith((".yaml", ".yml")):
            continue
        path = folder / name
        text, problems = read_text(path, display_path(path, root), root=root)
        if text is None:
            raise ProblemsFound(problems)
        used += _FEEDBACK_ID.findall(text)
    return used


def _placed(comments: list[dict[str, Any]], existing: Feedback | None, used: list[str],
            source_shown: str) -> list[tuple[FeedbackComment, bool]]:
    """Each comment as a record: the file's own when it holds the same comment already, else a new one with
    the next free ID. A reply's thread is part of what makes it the same comment."""
    held = {_identity(c): c for c in (existing.comments if existing else [])}
    used = list(used)
    placed: list[tuple[FeedbackComment, bool]] = []
    problems: list[Problem] = []
    for index, given in enumerate(comments):
        data = {k: v for k, v in given.items() if k in COMMENT_FIELDS and v not in (None, "")}
        line = given.get("line")
        reply_to = given.get("reply_to")
        if isinstance(reply_to, int) and not isinstance(reply_to, bool):
            if not 0 <= reply_to < index:
                raise ValueError(f"comment {index} answers comment {reply_to}, which does not come before it")
            reply_to = placed[reply_to][0].id
        if reply_to is not None:
            data["reply_to"] = reply_to
        try:
            candidate = FeedbackComment.model_validate({"id": "FB-001", **data})
        except ValidationError as err:
            source = SourceData(source_shown, lines={(): line} if line else {})
            problems += [record_problem(source, FeedbackComment, (), e) for e in err.errors()]
            placed.append((FeedbackComment(id="FB-001", comment="-"), False))  # keeps the indexes of replies
            continue
        if (same := held.get(_identity(candidate))) is not None:
            placed.append((same, False))
            continue
        new_id = next_feedback_ids(used)[0]
        used.append(new_id)
        record = candidate.model_copy(update={"id": new_id})
        held[_identity(record)] = record  # the same comment twice in one import is written once
        placed.append((record, True))
    if problems:
        raise ProblemsFound(problems)
    return placed


def _identity(comment: FeedbackComment) -> tuple:
    return (*(getattr(comment, name) for name in COMMENT_FIELDS), comment.reply_to)


def _appended(text: str, source: SourceData, existing: Feedback, record: Feedback) -> str:
    """The file's own text with the new comments added at the end, when that reads back as `record`;
    otherwise `record` written out afresh."""
    new = [c.model_dump(mode="json", exclude_defaults=True) for c in record.comments[len(existing.comments):]]
    new = [{name: c[name] for name in FeedbackComment.model_fields if name in c} for c in new]
    items = yaml.dump(new, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=100)
    lines = text.splitlines()
    first = source.line_of(("comments", 0))
    indent = ""
    if first and first <= len(lines):
        line = lines[first - 1]
        indent = line[: len(line) - len(line.lstrip(" "))]
    appended = "\n".join(lines).rstrip("\n") + "\n" + "".join(indent + l + "\n" for l in items.splitlines())
    if record.imported_from != existing.imported_from:
        appended = _with_field(appended, source, "imported_from", record.imported_from)
    try:
        if Feedback.model_validate(yaml.safe_load(appended)) == record:
            return appended
    except (yaml.YAMLError, ValidationError):
        pass
    header = "".join(line + "\n" for line in lines[: _first_key(lines)] if line.startswith("#"))
    return header + input_yaml(record)


def _with_field(text: str, source: SourceData, name: str, value: str) -> str:
    """`text` with a one-line top-level field set to `value` (added after the reviewer if absent)."""
    written = yaml.dump({name: value}, Dumper=_BlockDumper, allow_unicode=True, width=10_000).rstrip("\n")
    lines = text.split("\n")
    line = source.lines.get((name,))
    if line is not None:
        lines[line - 1] = written
    else:
        after = source.lines.get(("reviewer",), 1)
        lines.insert(after, written)
    return "\n".join(lines)


def _first_key(lines: list[str]) -> int:
    """The index of the first line that is not a comment or blank: where a file's header ends."""
    return next((i for i, line in enumerate(lines) if line.strip() and not line.startswith("#")), len(lines))
