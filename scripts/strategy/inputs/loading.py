"""Input folder -> validated records.

Every file is read and checked against its record model; all problems from
all files are gathered before anything is raised, so one run of
`strategy check` shows the author the whole list.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..problems import Problem, ProblemsFound, display_path, shown, warning
from . import records as r

log = logging.getLogger(__name__)
from .ahead import AfterReading, ReadAhead
from .sources import ParsedFiles, Reading, SourceData, dotted, folder_problem, read_csv, read_yaml

M = TypeVar("M", bound=BaseModel)

# Where each kind of record lives, relative to the inputs folder.
COUNTRIES = "countries.csv"
THEMATIC_AREAS = "thematic-areas.yaml"
PRIORITIES = "priorities.yaml"
GLOSSARY = "glossary.yaml"
PARTNERS = "partners.yaml"
PARTNER_INPUTS = "partner-inputs"
MEETING = "meeting.yaml"
RESULTS_SUMMARY = "results/summary.yaml"
COUNTRY_RESULTS = "results/countries.csv"
HEADLINE_FIGURES = "headline-figures.yaml"  # optional: without it, pages cannot use {{ figure(...) }}
FEEDBACK = "feedback"  # optional: reviewers' comments, one file per reviewer and edition
README = "README.md"
# Every name the inputs folder may hold; anything else is reported, so that no file is ignored unannounced.
KNOWN_ENTRIES = {"": {COUNTRIES, THEMATIC_AREAS, PRIORITIES, GLOSSARY, PARTNERS, PARTNER_INPUTS, MEETING,
                      HEADLINE_FIGURES, "results", README, FEEDBACK},
                 "results": {"summary.yaml", "countries.csv"}}
MAX_PROBLEMS_PER_FILE = 1000
PARTNER_INPUT_SUFFIXES = (".yaml", ".yml")  # compared in lower case: PI-047.YAML is read, not skipped
# A partner input's pictures, in partner-inputs/PI-018/ beside PI-018.yaml: PNG and JPEG only, each known by
# its first bytes (a renamed file is refused) and no bigger than this.
ASSET_SIGNATURES = {"png": b"\x89PNG\r\n\x1a\n", "jpg": b"\xff\xd8\xff"}
ASSET_SUFFIXES = {".png": "png", ".jpg": "jpg", ".jpeg": "jpg"}
ASSET_BYTES = 5 * 2**20


def asset_kind(data: bytes) -> str | None:
    """"png" or "jpg" when the bytes are a picture of that kind, else None."""
    return next((kind for kind, signature in ASSET_SIGNATURES.items() if data.startswith(signature)), None)


@dataclass(frozen=True)
class Origin:
    """Where a record was written: what a reader or author follows back."""

    file: str
    line: int | None

    def __str__(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"


@dataclass(frozen=True)
class StrategyInputs:
    """Every validated record of one inputs folder."""

    countries: dict[str, r.Country]
    thematic_areas: dict[str, r.ThematicArea]
    priorities: dict[str, r.Priority]
    glossary: list[r.GlossaryEntry]
    partners: dict[str, r.Partner]
    partner_inputs: dict[str, r.PartnerInput]
    meeting: r.Meeting
    results: r.ResultsSummary
    country_results: list[r.CountryResult]
    origins: dict[str, Origin] = field(default_factory=dict)
    # What the author should look at but does not stop a build (Problem.severity == "warning").
    warnings: list[Problem] = field(default_factory=list)
    headline: r.HeadlineFigures | None = None  # inputs/headline-figures.yaml, when the project has one
    # The images in the folder named after an input, as its Markdown names them ("PI-018/image1.png").
    partner_images: dict[str, Path] = field(default_factory=dict)
    feedback: list[r.Feedback] = field(default_factory=list)  # inputs/feedback/*.yaml, in file name order
    # The hash of every input file's bytes as read, and of the pictures' names and sizes: equal fingerprints,
    # equal records (what is worked out from them may be kept under it). Empty for records made otherwise.
    fingerprint: str = ""
    # Each input file's text as read (decoded as UTF-8, "\r\n" read as "\n"), by its path as problems name it,
    # for the checks that read the files again. Never written anywhere: it holds withheld inputs' text.
    texts: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def partner_of(self, partner_input: r.PartnerInput) -> r.Partner:
        return self.partners[partner_input.partner]

    def __getstate__(self) -> dict:
        # Sent to a worker process (the charts) without the files' texts, which it has no use for: they would
        # double what is sent, and withheld inputs' text has no business travelling.
        return {**self.__dict__, "texts": {}}

    def file_of(self, feedback: r.Feedback) -> str:
        """The file a reviewer's feedback was read from (as problems name it)."""
        return self.origins[f"FeedbackComment:{feedback.comments[0].id}"].file

    @property
    def sessions(self) -> dict[str, r.Session]:
        return {s.id: s for s in self.meeting.sessions}


class _Reader:
    """Collects records and problems across the files of one inputs folder."""

    def __init__(self, folder: Path, project_root: Path):
        self.folder = folder
        self.root = project_root
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.origins: dict[str, Origin] = {}
        self.where: dict[str, tuple[SourceData, tuple]] = {}
        self.partner_images: dict[str, Path] = {}
        self.folders = Reading()  # the real path of each folder, worked out once for all its files
        self.shown_folders: dict[str, str | None] = {}  # each folder as problems name it (shown)
        self.after_reading: AfterReading | None = None  # a job for the process reading ahead (load_inputs)

    def record_at(self, key: str, source: SourceData, path: tuple) -> None:
        self.where[key] = (source, path)
        self.origins[key] = Origin(source.file, source.line_of(path))

    def shown(self, path: Path) -> str:
        """display_path(path, root), worked out once a folder: for ten thousand inputs, asking pathlib for each
        file's absolute path was a tenth of loading them."""
        folder, name = os.path.split(os.fspath(path))
        if not name or name in (".", ".."):
            return display_path(path, self.root)
        if (prefix := self.shown_folders.get(folder, "")) == "":
            try:  # display_path's first way: where it works for the folder, it works alike for its files
                relative = Path(folder).absolute().relative_to(self.root.absolute()).as_posix()
                prefix = self.shown_folders[folder] = "" if relative == "." else relative + "/"
            except ValueError:
                prefix = self.shown_folders[folder] = None
        return display_path(path, self.root) if prefix is None else prefix + name

    def yaml(self, relative: str) -> SourceData:
        path = self.folder / relative
        source = read_yaml(path, self.shown(path), self.root, self.folders)
        self.problems += source.problems
        return source

    def csv(self, relative: str, model: type[BaseModel]) -> SourceData:
        path = self.folder / relative
        columns = list(model.model_fields)
        required = {n for n, f in model.model_fields.items() if f.is_required()}
        source = read_csv(path, self.shown(path), columns, required, self.root, self.folders)
        self.problems += source.problems
        return source

    def one(self, source: SourceData, model: type[M], data: Any, path: tuple = ()) -> M | None:
        """Validate one record; on failure, turn each pydantic error into a problem."""
        if not isinstance(data, dict):
            self.problems.append(Problem(source.file, source.line_of(path), dotted(path) or None,
                                         f"a mapping of {model.__name__} fields", _kind_of(data)))
            return None
        try:
            return model.model_validate(data)
        except ValidationError as err:
            for e in err.errors():
                self.problems.append(_problem(source, model, path, e))
            return None

    def many(self, source: SourceData, model: type[M], id_field: str | None) -> list[M]:
        """Validate a list of records, catching duplicate IDs."""
        if source.data is None and not source.problems:
            self.problems.append(Problem(source.file, None, None, f"a list of {model.__name__} records",
                                         "an empty file"))
        if source.data is None:
            return []
        if not isinstance(source.data, list):
            self.problems.append(Problem(source.file, source.line_of(()), None,
                                         f"a list of {model.__name__} records", _kind_of(source.data)))
            return []
        out: list[M] = []
        first_seen: dict[str, int | None] = {}
        problems_before = len(self.problems)
        for index, item in enumerate(source.data):
            if len(self.problems) - problems_before > MAX_PROBLEMS_PER_FILE:
                break  # the report lists only the first ones anyway; checking half a million more takes minutes
            record = self.one(source, model, item, (index,))
            if record is None:
                continue
            if id_field:
                key = getattr(record, id_field)
                line = source.line_of((index, id_field))
                if key in first_seen:
                    self.problems.append(Problem(source.file, line, id_field, "a unique ID",
                                                 f"'{key}' again (first on line {first_seen[key]})"))
                    continue
                first_seen[key] = line
                self.record_at(f"{model.__name__}:{key}", source, (index,))
            out.append(record)
        return out


def load_inputs(folder: Path, project_root: Path | None = None, parsed: ParsedFiles | None = None,
                after_reading: AfterReading | None = None) -> StrategyInputs:
    """Read and validate every input; raise ProblemsFound listing all problems.

    A project's partner inputs as parsed are kept in its work folder (ParsedFiles) before this returns or
    raises; `parsed`: the kept files, given by a caller that keeps what this load parsed itself, when it likes
    (`parsed.save()`: the check, while its second process works). `after_reading`: given, the partner inputs
    are read ahead by a second process where one may be forked (ahead.py), which runs this job once it has read
    them; the caller takes its answer (and closes it)."""
    from ..facts import summary_agrees
    from .consistency import check_consistency, wording_warnings

    folder = Path(folder)
    log.debug("Reading the inputs in %s", folder)  # once per build: tests count it
    reader = _Reader(folder, project_root or folder.parent)
    reader.after_reading = after_reading
    if parsed is None and project_root is not None:  # the work folder keeps the partner inputs as parsed
        reader.folders.parsed = ParsedFiles(project_root / ".build")
    else:
        reader.folders.parsed = parsed
    if problem := folder_problem(folder, reader.shown(folder), reader.root, "a folder of inputs"):
        raise ProblemsFound([problem])
    _report_unknown_entries(reader, folder)

    countries = reader.many(reader.csv(COUNTRIES, r.Country), r.Country, "code")
    themes = reader.many(reader.yaml(THEMATIC_AREAS), r.ThematicArea, "id")
    priorities = reader.many(reader.yaml(PRIORITIES), r.Priority, "id")
    glossary = reader.many(reader.yaml(GLOSSARY), r.GlossaryEntry, "term")
    partners = reader.many(reader.yaml(PARTNERS), r.Partner, "id")
    partner_inputs = _partner_inputs(reader, folder / PARTNER_INPUTS)

    meeting_source = reader.yaml(MEETING)
    meeting = reader.one(meeting_source, r.Meeting, meeting_source.data) if not meeting_source.problems else None
    if meeting:
        for index, session in enumerate(meeting.sessions):
            reader.record_at(f"Session:{session.id}", meeting_source, ("sessions", index))
        reader.record_at("Meeting", meeting_source, ())

    summary_source = reader.yaml(RESULTS_SUMMARY)
    summary = reader.one(summary_source, r.ResultsSummary, summary_source.data) if not summary_source.problems else None
    results_source = reader.csv(COUNTRY_RESULTS, r.CountryResult)
    country_results = reader.many(results_source, r.CountryResult, "country")
    if summary:
        reader.record_at("ResultsSummary", summary_source, ())
    headline = _headline_figures(reader)
    feedback = _feedback(reader, folder / FEEDBACK)

    if reader.folders.parsed is not None and parsed is None:
        reader.folders.parsed.save()
    if reader.problems or meeting is None or summary is None:
        raise ProblemsFound(reader.problems)

    inputs = StrategyInputs(
        countries={c.code: c for c in countries},
        thematic_areas={t.id: t for t in themes},
        priorities={p.id: p for p in priorities},
        glossary=sorted(glossary, key=lambda g: g.term.lower()),
        partners={p.id: p for p in partners},
        partner_inputs=dict(sorted((i.id, i) for i in partner_inputs)),
        meeting=meeting,
        results=summary,
        country_results=country_results,
        origins=reader.origins,
        warnings=reader.warnings,
        headline=headline,
        partner_images=reader.partner_images,
        feedback=feedback,
        fingerprint=_fingerprint(reader), texts=reader.folders.texts,
    )
    problems = check_consistency(inputs, reader.where)
    inputs.warnings.extend(wording_warnings(inputs, reader.where))
    if headline:
        problems += summary_agrees(headline, summary, summary_source)
    if problems:
        raise ProblemsFound(problems)
    return inputs


def _fingerprint(reader: _Reader) -> str:
    for name, path in sorted(reader.partner_images.items()):
        try:
            reader.folders.read(name, b"%d" % path.stat().st_size)
        except OSError:
            reader.folders.read(name, b"unreadable")
    return reader.folders.fingerprint


def _report_unknown_entries(reader: _Reader, folder: Path) -> None:
    """Warn about every file or folder the loader does not read, so that nothing is ignored unannounced."""
    for sub, known in KNOWN_ENTRIES.items():
        here = folder / sub if sub else folder
        for entry in _entries(reader, here):
            if entry.name in known:
                continue
            guess = difflib.get_close_matches(entry.name, sorted(known), n=1, cutoff=0.6)
            hint = f" (did you mean {guess[0]}?)" if guess else ""
            reader.warnings.append(warning(reader.shown(here / entry.name), None, None,
                                           f"only the known input files{hint}: this one is not read",
                                           _kind_of_entry(entry)))


def _entries(reader: _Reader, folder: Path) -> list[os.DirEntry]:
    """A folder's entries, listed without opening or following any of them; a problem if it cannot be listed."""
    try:
        with os.scandir(folder) as listing:
            return sorted(listing, key=lambda e: e.name)
    except FileNotFoundError:
        return []  # a missing folder is reported where its files are expected
    except (NotADirectoryError, RuntimeError):
        return []
    except OSError as err:
        reader.problems.append(Problem(reader.shown(folder), None, None, "a folder that can be listed",
                                       err.strerror or str(err)))
        return []


def _is_folder(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a symlink loop: the file reader names it
        return False


def _kind_of_entry(entry: os.DirEntry) -> str:
    if entry.is_symlink():
        return "a symbolic link"
    if entry.is_dir(follow_symlinks=False):
        return "a folder"
    return "a file" if entry.is_file(follow_symlinks=False) else "a special file"


def _headline_figures(reader: _Reader) -> r.HeadlineFigures | None:
    from ..facts import headline_problems  # the rules about headline figures live with the prose check

    if not os.path.lexists(reader.folder / HEADLINE_FIGURES):  # a broken link is read, and reported
        return None
    source = reader.yaml(HEADLINE_FIGURES)
    headline = None if source.problems else reader.one(source, r.HeadlineFigures, source.data)
    if headline:
        reader.record_at("HeadlineFigures", source, ())
        reader.problems += headline_problems(headline, source)
    return headline


def _feedback(reader: _Reader, folder: Path) -> list[r.Feedback]:
    """inputs/feedback/*.yaml, when the folder exists: each file one reviewer's comments on one edition.

    Each file is recorded as `Feedback:<file>` and each comment as `FeedbackComment:FB-001`, so that checks,
    the provenance report and `strategy feedback` can point at its file and line.
    """
    if not os.path.lexists(folder):
        return []
    if problem := folder_problem(folder, reader.shown(folder), reader.root, "a folder of feedback files"):
        reader.problems.append(problem)
        return []
    out: list[r.Feedback] = []
    seen: dict[int, tuple[str, str]] = {}  # FB-007 and FB-0007 are one comment, as for PI- IDs
    for entry in _entries(reader, folder):
        path = folder / entry.name
        if _is_folder(entry):
            reader.problems.append(Problem(reader.shown(path), None, None,
                                           "feedback files directly in feedback/, not in a subfolder",
                                           "a folder, whose files would not be read"))
            continue
        if not entry.name.lower().endswith(PARTNER_INPUT_SUFFIXES) or entry.name.startswith("."):
            reader.warnings.append(warning(reader.shown(path), None, None,
                                           "only feedback files (<reviewer>-<edition>.yaml): this file is not read",
                                           _kind_of_entry(entry)))
            continue
        source = read_yaml(path, reader.shown(path), reader.root, reader.folders)
        reader.problems += source.problems
        record = None if source.problems else reader.one(source, r.Feedback, source.data)
        if record is None:
            continue
        unique = True
        for index, comment in enumerate(record.comments):
            number = int(comment.id.removeprefix("FB-"))
            if number in seen:
                other_id, other_file = seen[number]
                reader.problems.append(Problem(source.file, source.line_of(("comments", index, "id")),
                                               f"comments[{index}].id", "a comment ID unique across feedback files",
                                               f"'{comment.id}' again (also in {other_file}"
                                               + (f" as '{other_id}')" if other_id != comment.id else ")")))
                unique = False
                continue
            seen[number] = (comment.id, source.file)
        if not unique:
            continue
        reader.record_at(f"Feedback:{source.file}", source, ())
        if not Path(entry.name).stem.lower().startswith(record.reviewer):
            # Not required (importers and authors name files as they like), but a file named after another
            # reviewer is usually a copy whose reviewer was not changed.
            reader.warnings.append(warning(source.file, source.line_of(("reviewer",)), "reviewer",
                                           f"a file named after its reviewer ({record.reviewer}-...yaml)",
                                           f"'{record.reviewer}' in {entry.name}"))
        for index, comment in enumerate(record.comments):
            reader.record_at(f"FeedbackComment:{comment.id}", source, ("comments", index))
        if "consent" not in source.data:
            reader.warnings.append(warning(source.file, source.line_of(("reviewer",)), "consent",
                                           "a consent (named, anonymous or withheld): without one these comments "
                                           "count as withheld and stay out of partners and public builds",
                                           "nothing"))
        out.append(record)
    return out


def _partner_inputs(reader: _Reader, folder: Path) -> list[r.PartnerInput]:
    if problem := folder_problem(folder, reader.shown(folder), reader.root, "a folder of partner inputs"):
        reader.problems.append(problem)
        return []
    out: list[r.PartnerInput] = []
    before = len(reader.problems)
    entries = _entries(reader, folder)
    unlisted = len(reader.problems) > before
    ahead = None if reader.after_reading is None else ReadAhead.start(
        folder, [e.name for e in entries if _is_input_file(e)], reader.shown, reader.root, reader.folders,
        reader.after_reading)
    reader.folders.ahead = ahead
    try:
        files, folders = _read_partner_inputs(reader, folder, entries, out)
    except BaseException:
        if ahead is not None:
            ahead.stop()
        raise
    finally:
        reader.folders.ahead = None
    if ahead is not None and reader.after_reading is not None:
        ahead.stop_reading()  # the worker goes on with the job after reading; its answer is the caller's
        reader.after_reading.worker = ahead
    elif ahead is not None:
        ahead.stop()
    stems = {Path(e.name).stem for e in entries
             if e.name.lower().endswith(PARTNER_INPUT_SUFFIXES) and not e.name.startswith(".")}
    for entry in folders:
        path = folder / entry.name
        # Named after an input's file, valid or not: an imported input left for its author keeps its pictures.
        if entry.is_symlink() or entry.name not in stems:
            reader.problems.append(Problem(reader.shown(path), None, None,
                                           "partner inputs directly in partner-inputs/, not in a subfolder "
                                           "(a folder of pictures is named after its input: PI-018/)",
                                           "a folder, whose files would not be read"))
            continue
        _input_images(reader, entry.name, path)
    if files == 0 and not unlisted:
        # Every chapter about inputs needs at least one: refuse here, so that check passes only when build can.
        reader.problems.append(Problem(reader.shown(folder), None, None,
                                       "at least one partner input (PI-001.yaml, ...)", "none"))
    return out


def _is_input_file(entry: os.DirEntry) -> bool:
    """Whether the loader reads this entry of partner-inputs/ as an input (a folder or another file it does not)."""
    return not _is_folder(entry) and entry.name.lower().endswith(PARTNER_INPUT_SUFFIXES) \
        and not entry.name.startswith(".")


def _read_partner_inputs(reader: _Reader, folder: Path, entries: list[os.DirEntry],
                         out: list[r.PartnerInput]) -> tuple[int, list[os.DirEntry]]:
    """Each input file of partner-inputs/ read and validated into `out`, in the order of `entries`; the number
    of input files, and the folders met (an input's pictures, or a folder whose files would not be read)."""
    seen: dict[int, tuple[str, str]] = {}  # the number of a PI- ID: PI-047 and PI-0047 are one input
    files = 0
    folders = []
    for entry in entries:
        path = folder / entry.name
        if _is_folder(entry):  # an input's images, or a folder whose files would not be read (below)
            folders.append(entry)
            continue
        if not entry.name.lower().endswith(PARTNER_INPUT_SUFFIXES) or entry.name.startswith("."):
            reader.warnings.append(warning(reader.shown(path), None, None,
                                           "only partner inputs, named PI-nnn.yaml: this file is not read",
                                           _kind_of_entry(entry)))
            continue
        files += 1
        source = read_yaml(path, reader.shown(path), reader.root, reader.folders)
        reader.problems += source.problems
        if source.problems:
            continue
        record = reader.one(source, r.PartnerInput, source.data)
        if record is None:
            continue
        line = source.line_of(("id",))
        number = int(record.id.removeprefix("PI-"))
        if number in seen:
            other_id, other_file = seen[number]
            reader.problems.append(Problem(source.file, line, "id", "a unique partner input ID",
                                           f"'{record.id}' again (also in {other_file}"
                                           + (f" as '{other_id}')" if other_id != record.id else ")")))
            continue
        if Path(entry.name).stem != record.id:
            reader.problems.append(Problem(source.file, line, "id", f"the file name {record.id}.yaml",
                                           f"'{record.id}' in {entry.name}"))
        seen[number] = (record.id, source.file)
        if "consent" not in source.data:
            reader.warnings.append(warning(source.file, line, "consent",
                                           "a consent (named, anonymous or withheld): without one this input "
                                           "counts as withheld and stays out of partners and public builds",
                                           "nothing"))
        reader.record_at(f"PartnerInput:{record.id}", source, ())
        out.append(record)
    return files, folders


def _input_images(reader: _Reader, input_id: str, folder: Path) -> None:
    """The pictures of one input: regular files, PNG or JPEG by name and by bytes, within the size limit.
    Each one that passes is one the site and the PDF may show; anything else is a problem that names it."""
    for entry in _entries(reader, folder):
        path = folder / entry.name
        expected = f"a PNG or JPEG picture of at most {ASSET_BYTES // 2**20} MiB"
        kind = ASSET_SUFFIXES.get(Path(entry.name).suffix.lower())
        if not entry.is_file(follow_symlinks=False) or kind is None or entry.name.startswith("."):
            found = _kind_of_entry(entry) if kind else f"{_kind_of_entry(entry)} named {entry.name}"
            reader.problems.append(Problem(reader.shown(path), None, None, expected, found))
            continue
        try:
            size = entry.stat(follow_symlinks=False).st_size
            with open(path, "rb") as file:  # a regular file (not a FIFO): reading cannot block
                head = file.read(8)
        except OSError as err:
            reader.problems.append(Problem(reader.shown(path), None, None, expected, err.strerror or str(err)))
            continue
        if size > ASSET_BYTES:
            reader.problems.append(Problem(reader.shown(path), None, None, expected,
                                           f"a file of {size / 2**20:.1f} MiB"))
        elif asset_kind(head) != kind:
            reader.problems.append(Problem(reader.shown(path), None, None, expected,
                                           f"a file whose bytes are not a {kind.upper()} picture"))
        else:
            reader.partner_images[f"{input_id}/{entry.name}"] = path


def _problem(source: SourceData, model: type[BaseModel], base: tuple, error: dict) -> Problem:
    loc = tuple(part for part in error["loc"] if not (isinstance(part, str) and part.startswith("function-")))
    path = base + loc
    field_name = dotted(loc) or None
    kind = error["type"]
    if kind == "missing":
        return Problem(source.file, source.line_of(path), field_name, "a value: this field is required",
                       "nothing")
    if kind == "extra_forbidden":
        known = _fields_at(model, loc[:-1])
        guess = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f"did you mean '{guess[0]}'?" if guess else f"known fields are {', '.join(known)}"
        return Problem(source.file, source.line_of(path), field_name, f"no unknown field ({hint})",
                       f"'{loc[-1]}'")
    expected = _plain(error["msg"])
    found = None if kind == "value_error" else shown(error.get("input"))
    return Problem(source.file, source.line_of(path), field_name, expected, found)


_PYDANTIC_PHRASES = [
    (re.compile(r"^Value error, "), ""),
    (re.compile(r"^Input should be "), ""),
    (re.compile(r"^String should match pattern '(.*)'$"), r"text matching the pattern \1"),
    (re.compile(r"^String should have at least (\d+) characters?$"), r"text of at least \1 character(s)"),
    (re.compile(r"^List should have at least (\d+) items? after validation, not \d+$"), r"a list of at least \1 item(s)"),
    (re.compile(r"^Input should be a valid list$"), "a list"),
]


def _plain(message: str) -> str:
    """Pydantic's message as the 'expected ...' half of a problem."""
    for pattern, replacement in _PYDANTIC_PHRASES:
        message = pattern.sub(replacement, message)
    return message[:1].lower() + message[1:]


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """The field names of the (possibly nested) model that a location points into."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        info = getattr(current, "model_fields", {}).get(part)
        if info is None:
            return []
        current = _model_in(info.annotation)
    return list(getattr(current, "model_fields", {}))


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _kind_of(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "text"}.get(type(value), type(value).__name__)


def load_publication(path: Path, project_root: Path | None = None) -> r.Publication:
    """Read strategy.yml; raise ProblemsFound naming what is wrong in it."""
    path = Path(path)
    reader = _Reader(path.parent, project_root or path.parent)
    source = reader.yaml(path.name)
    publication = None if source.problems else reader.one(source, r.Publication, source.data)
    if reader.problems or publication is None:
        raise ProblemsFound(reader.problems)
    return publication
