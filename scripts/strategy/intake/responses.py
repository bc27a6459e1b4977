"""An online form's export (Microsoft Forms, KoboToolbox, LimeSurvey…: a row per response) -> partner inputs.

A mapping file (`examples/form-mapping.yaml` shows one) says which column holds each field and how the form's
answers read: consent choices -> named/anonymous/withheld, an organisation's name -> a partner ID, ticked
themes -> theme IDs. The mapping is validated first, against the export's header row and the project's
reference lists, each problem with the mapping's file and line.

Then each row becomes one `inputs/partner-inputs/PI-NNN.yaml` (channel online-form), or a problem naming its
row and column: an unknown partner or theme, a consent answer the mapping does not list, a date that is no
date, no vision. Nothing is written for such a row; the other rows are written, and the command exits 1 so
that the problems are not missed. Each input's `imported_from` names the form and the response ("Phase III
consultation, response 17", from the response ID column, or a digest of the row's cells when the mapping
names none), and a row already imported is skipped: importing the same export twice, or a later export of
the same form, adds only the new responses.

Priorities: a form either asks one question per candidate priority (each answer becomes that priority's
proposal) or one open question. An open answer cannot be coded against priorities.yaml without inventing the
coding, so the input is written without `priorities`, the answer kept above where they go, for the drafting
team to code; `strategy check` names the field until they do.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import os
import re
import textwrap
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from ..inputs.loading import _problem as record_problem
from ..inputs.records import (Channel, Consent, Partner, PartnerInput, Priority, Publication, Slug, Text,
                              ThematicArea, Timing)
from ..inputs.sources import SourceData, read_text, read_yaml
from ..problems import Problem, ProblemsFound, display_path, shown
from .feedback import reference_list
from .spreadsheets import Row, Sheet, Value, cell_text, read_sheets
from .writing import input_yaml, next_input_ids, write_new_file

PARTNER_INPUTS = "partner-inputs"
_UNCODED = "left-for-the-author"  # stands in for the priorities while the record is checked, never written
_IMPORTED_FROM_LINE = re.compile(r"^imported_from:[ \t]*(.+)$", re.MULTILINE)


# --- the mapping file ------------------------------------------------------------------------------------


class _Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Column = Text  # a column's header, as the export writes it (case and spacing do not matter)


class PartnerColumn(_Mapping):
    column: Column
    # Answers that are none of a partner's ID, name, short name or aliases ("Min. Emploi, Côte d'Ivoire").
    answers: dict[Text, Slug] = Field(default_factory=dict)


class ConsentColumn(_Mapping):
    column: Column
    answers: dict[Text, Consent] = Field(default_factory=dict)  # the form's choices; named/anonymous/withheld read as such


class ThemesColumn(_Mapping):
    column: Column
    # How the export joins the ticked choices: Microsoft Forms ";", LimeSurvey ",", KoboToolbox a space.
    separator: Annotated[str, StringConstraints(min_length=1, max_length=3)] = ";"
    answers: dict[Text, Slug] = Field(default_factory=dict)  # choices that are no theme's title or ID


class DateColumn(_Mapping):
    column: Column
    # For dates exported as text other than YYYY-MM-DD: strptime formats ("%d/%m/%Y %H:%M").
    formats: list[Text] = Field(default_factory=list)


class TimingColumn(_Mapping):
    column: Column
    answers: dict[Text, Timing]


class PrioritiesColumns(_Mapping):
    columns: dict[Slug, Column] = Field(default_factory=dict)  # priority ID -> the question asking about it
    free_text: Column | None = None  # one open question: kept for the drafting team to code

    @model_validator(mode="after")
    def _some(self) -> "PrioritiesColumns":
        if not self.columns and self.free_text is None:
            raise ValueError("needs `columns` (a question per priority ID) or `free_text` (one open question)")
        return self


class FormMapping(_Mapping):
    form: Text | None = None  # the form's name: with the response, what identifies an imported row
    sheet: Text | None = None  # the worksheet of the responses; the first by default
    response_id: Column | None = None  # the form's own response number ("ID" in Microsoft Forms)
    partner: PartnerColumn
    consent: ConsentColumn
    themes: ThemesColumn
    received: DateColumn
    timing: Timing | TimingColumn
    vision: Column | None = None
    country_experience: Column | None = None
    key_quote: Column | None = None
    priorities: PrioritiesColumns
    illustrative: bool = False

    @model_validator(mode="after")
    def _a_statement(self) -> "FormMapping":
        if self.vision is None and self.country_experience is None:
            raise ValueError("needs the column of the `vision` or of the `country_experience` (or both)")
        return self


# --- what an import did ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    input_id: str
    row: int
    imported_from: str
    uncoded: bool  # written without priorities: the open answer is for the drafting team to code
    no_consent: bool  # the consent cell was empty: the input counts as withheld until the author adds one


@dataclass
class ResponsesResult:
    written: list[Imported] = field(default_factory=list)
    already_imported: list[int] = field(default_factory=list)  # row numbers
    problems: list[Problem] = field(default_factory=list)  # the rows not imported, each with its column


def import_responses(project_root: Path, publication: Publication, export: Path, mapping_path: Path,
                     export_shown: str, mapping_shown: str) -> ResponsesResult:
    """Import every row that can be placed; return what was written and the problems of the others.
    Raises ProblemsFound (writing nothing) when the mapping or the export as a whole cannot be used."""
    root = Path(project_root)
    inputs = root / publication.inputs_folder
    mapping, mapping_source = _read_mapping(mapping_path, mapping_shown)
    lists = _Lists(inputs, root)
    sheets = read_sheets(export, export_shown)
    sheet = _sheet(sheets, mapping, mapping_source, export_shown)
    where = export_shown if len(sheets) == 1 else f"{export_shown}, sheet {sheet.name}"
    header = next((r for r in sheet.rows if not r.is_empty()), None)
    if header is None:
        raise ProblemsFound([Problem(where, None, None, "a header row and a row per response", "an empty sheet")])
    columns = _columns(header, mapping, mapping_source, lists, where)
    form = mapping.form or export.name
    done = _imported_already(inputs / PARTNER_INPUTS, root)
    result = ResponsesResult()
    ready: list[tuple[Row, str, dict[str, Any], str | None]] = []
    for row in sheet.rows:
        if row.number <= header.number or row.is_empty():
            continue
        reader = _RowReader(row, columns, where, mapping, lists, export.name)
        identity = reader.identity(form)
        if identity in done:
            result.already_imported.append(row.number)
            continue
        data, open_answer = reader.record()
        if reader.problems:
            result.problems += reader.problems
            continue
        done[identity] = row.number
        ready.append((row, identity, data, open_answer))
    ids = next_input_ids(inputs / PARTNER_INPUTS, len(ready))
    for input_id, (row, identity, data, open_answer) in zip(ids, ready):
        data = {"id": input_id, **data, "imported_from": identity}
        path = inputs / PARTNER_INPUTS / f"{input_id}.yaml"
        header_text = (f"Imported from {export.name}, row {row.number}, with {mapping_path.name}.\n"
                       "Check it against the response before it is published.")
        uncoded = "priorities" not in data
        write_new_file(path, PartnerInput, _yaml(data, open_answer, mapping, header_text),
                       display_path(path, root), left_for_author=("priorities",) if uncoded else ())
        result.written.append(Imported(input_id, row.number, identity, uncoded, "consent" not in data))
    return result


def _read_mapping(path: Path, shown_as: str) -> tuple[FormMapping, SourceData]:
    source = read_yaml(path, shown_as)
    if source.problems:
        raise ProblemsFound(source.problems)
    if not isinstance(source.data, dict):
        raise ProblemsFound([Problem(shown_as, None, None, "a mapping of the form's columns (see "
                                     "examples/form-mapping.yaml)", "an empty file" if source.data is None
                                     else "something else")])
    try:
        return FormMapping.model_validate(source.data), source
    except ValidationError as err:
        raise ProblemsFound([record_problem(source, FormMapping, (), e) for e in err.errors()]) from None


class _Lists:
    """The reference lists a row is placed with, and every way a form answer may name one of their records."""

    def __init__(self, inputs: Path, root: Path):
        self.partners = reference_list(inputs, root, "partners.yaml", Partner)
        self.themes = reference_list(inputs, root, "thematic-areas.yaml", ThematicArea)
        self.priorities = {p.id for p in reference_list(inputs, root, "priorities.yaml", Priority)}
        self.partner_names: dict[str, set[str]] = {}
        for p in self.partners:
            for name in (p.id, p.name, p.short_name, *p.aliases):
                if name:
                    self.partner_names.setdefault(_key(name), set()).add(p.id)
        self.theme_names = {_key(name): t.id for t in self.themes for name in (t.id, t.title)}
        self.meeting_date = _meeting_date(inputs / "meeting.yaml", root)


def _meeting_date(path: Path, root: Path) -> dt.date | None:
    """The meeting's date, for the rule that an input sent before it is received on or before it; None when
    meeting.yaml cannot say (strategy check reports that file itself)."""
    source = read_yaml(path, display_path(path, root), root)
    date = source.data.get("date") if isinstance(source.data, dict) else None
    return date if isinstance(date, dt.date) else None


def _key(text: str) -> str:
    """An answer or a header as compared: case, accents, apostrophes, dashes and spacing do not matter."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _sheet(sheets: list[Sheet], mapping: FormMapping, source: SourceData, shown_as: str) -> Sheet:
    if mapping.sheet is None:
        return sheets[0] if sheets else Sheet(None, [])
    for sheet in sheets:
        if sheet.name is not None and _key(sheet.name) == _key(mapping.sheet):
            return sheet
    names = ", ".join(f"'{s.name}'" for s in sheets if s.name) or "none (a CSV file has one table)"
    raise ProblemsFound([Problem(source.file, source.line_of(("sheet",)), "sheet",
                                 f"a worksheet of {shown_as}: {names}", shown(mapping.sheet))])


def _columns(header: Row, mapping: FormMapping, source: SourceData, lists: _Lists, where: str) -> dict[str, int]:
    """Each column the mapping names -> its index in the header; every mapping problem at once."""
    headers = [cell_text(v) for v in header.values]
    keys = [_key(h) for h in headers]
    named = {("response_id",): mapping.response_id, ("partner", "column"): mapping.partner.column,
             ("consent", "column"): mapping.consent.column, ("themes", "column"): mapping.themes.column,
             ("received", "column"): mapping.received.column, ("vision",): mapping.vision,
             ("country_experience",): mapping.country_experience, ("key_quote",): mapping.key_quote,
             ("priorities", "free_text"): mapping.priorities.free_text}
    if isinstance(mapping.timing, TimingColumn):
        named[("timing", "column")] = mapping.timing.column
    named |= {("priorities", "columns", pid): column for pid, column in mapping.priorities.columns.items()}
    problems: list[Problem] = []
    columns: dict[str, int] = {}
    for path, column in named.items():
        if column is None:
            continue
        at = [i for i, k in enumerate(keys) if k == _key(column)]
        if len(at) == 1:
            columns[column] = at[0]
            continue
        if at:
            found = f"{len(at)} columns of that name (columns {', '.join(_letter(i) for i in at)})"
            problems.append(Problem(source.file, source.line_of(path), ".".join(path),
                                    f"a column that appears once in the header row of {where}", found))
            continue
        guess = difflib.get_close_matches(column, headers, n=1, cutoff=0.6)
        hint = f" (did you mean '{guess[0]}'?)" if guess else ""
        problems.append(Problem(source.file, source.line_of(path), ".".join(path),
                                f"a column of the header row of {where}{hint}", shown(column)))
    references = [(("partner", "answers"), mapping.partner.answers, {p.id for p in lists.partners},
                   "partner ID from partners.yaml"),
                  (("themes", "answers"), mapping.themes.answers, {t.id for t in lists.themes},
                   "thematic area ID from thematic-areas.yaml"),
                  (("priorities", "columns"), {p: p for p in mapping.priorities.columns}, lists.priorities,
                   "priority ID from priorities.yaml")]
    for path, answers, known, what in references:
        for answer, value in answers.items():
            if value not in known:
                guess = difflib.get_close_matches(value, sorted(known), n=1, cutoff=0.6)
                hint = f" (did you mean '{guess[0]}'?)" if guess else ""
                problems.append(Problem(source.file, source.line_of((*path, answer)), ".".join((*path, answer)),
                                        f"a {what}{hint}", shown(value)))
    if problems:
        raise ProblemsFound(problems)
    return columns


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


class _RowReader:
    """One response -> the fields of its partner input, or problems naming its row and columns."""

    def __init__(self, row: Row, columns: dict[str, int], where: str, mapping: FormMapping, lists: _Lists,
                 file_name: str):
        self.row, self.columns, self.where, self.mapping, self.lists = row, columns, where, mapping, lists
        self.file_name = file_name
        self.problems: list[Problem] = []

    def value(self, column: str | None) -> Value:
        if column is None:
            return None
        index = self.columns[column]
        return self.row.values[index] if index < len(self.row.values) else None

    def text(self, column: str | None) -> str:
        return cell_text(self.value(column))

    def problem(self, column: str, expected: str, found: str | None) -> None:
        self.problems.append(Problem(self.where, self.row.number, column, expected, found))

    def identity(self, form: str) -> str:
        """What names this response among every input imported from the same form."""
        if self.mapping.response_id is not None and (number := self.text(self.mapping.response_id)):
            return f"{form}, response {number}"
        cells = "\x1f".join(cell_text(v) for v in self.row.values)
        return f"{form}, response with digest {hashlib.sha256(cells.encode()).hexdigest()[:12]}"

    def record(self) -> tuple[dict[str, Any], str | None]:
        """The row's fields as a PartnerInput's, and the answer to the open priorities question if any."""
        m = self.mapping
        if m.response_id is not None and not self.text(m.response_id):
            self.problem(m.response_id, "the response's ID", "an empty cell")
        data: dict[str, Any] = {
            "partner": self.partner(), "received": self.received(), "timing": self.timing(),
            "channel": Channel.ONLINE_FORM.value, "consent": self.consent(), "themes": self.themes()}
        for name in ("vision", "country_experience", "key_quote"):
            data[name] = self.text(getattr(m, name)) or None
        if data["vision"] is None and data["country_experience"] is None:
            asked = " or ".join(f"'{c}'" for c in (m.vision, m.country_experience) if c)
            self.problem(m.vision or m.country_experience, f"an answer in {asked}: an input needs its vision or "
                         "its country experience", "empty cells")
        data["priorities"], open_answer = self.priorities()
        if m.illustrative:
            data["illustrative"] = True
        data = {k: v for k, v in data.items() if v is not None}
        if data.get("timing") == Timing.BEFORE_MEETING.value and self.lists.meeting_date and isinstance(
                data.get("received"), str) and data["received"] > self.lists.meeting_date.isoformat():
            self.problem(m.received.column, f"a date on or before the meeting ({self.lists.meeting_date}) for an "
                         "input sent before it (or a timing of during-meeting)", data["received"])
        if not self.problems:
            self._validate(data)
        return data, open_answer

    def _validate(self, data: dict[str, Any]) -> None:
        """The record as strategy check will read it: a failure names the column the field came from."""
        trial = {"id": "PI-001", **data}
        if "priorities" not in data:
            trial["priorities"] = [{"priority": _UNCODED, "proposal": _UNCODED}]
        try:
            PartnerInput.model_validate(trial)
        except ValidationError as err:
            for e in err.errors():
                problem = record_problem(SourceData(self.where, lines={(): self.row.number}), PartnerInput, (), e)
                column = self._column_of(str(e["loc"][0]) if e["loc"] else "")
                self.problems.append(Problem(self.where, self.row.number, column or problem.field,
                                             problem.expected, problem.found))

    def _column_of(self, name: str) -> str | None:
        """The column a PartnerInput field was read from, when one was."""
        spec = getattr(self.mapping, name, None)
        if isinstance(spec, (PartnerColumn, ConsentColumn, ThemesColumn, DateColumn, TimingColumn)):
            return spec.column
        return spec if name in ("vision", "country_experience", "key_quote") else None

    def partner(self) -> str | None:
        column = self.mapping.partner.column
        answer = self.text(column)
        if not answer:
            self.problem(column, "the partner's name or ID", "an empty cell")
            return None
        answers = {_key(k): v for k, v in self.mapping.partner.answers.items()}
        if (key := _key(answer)) in answers:
            return answers[key]
        found = self.lists.partner_names.get(key, set())
        if len(found) == 1:
            return next(iter(found))
        if found:
            self.problem(column, f"a name of one partner (it names {', '.join(sorted(found))}: list the answer "
                         "under partner.answers in the mapping)", shown(answer))
            return None
        guess = difflib.get_close_matches(key, list(self.lists.partner_names), n=1, cutoff=0.6)
        hint = f" (did you mean '{sorted(self.lists.partner_names[guess[0]])[0]}'?)" if guess else ""
        self.problem(column, "a partner of partners.yaml (its ID, name, short name or an alias) or an answer "
                     f"listed under partner.answers in the mapping{hint}", shown(answer))
        return None

    def consent(self) -> str | None:
        column = self.mapping.consent.column
        answer = self.text(column)
        if not answer:
            return None  # absent consent is withheld: strategy check warns, and the command says so
        answers = {_key(k): v for k, v in self.mapping.consent.answers.items()}
        answers |= {c.value: c for c in Consent}
        if (consent := answers.get(_key(answer))) is not None:
            return consent.value
        listed = ", ".join(f"'{a}'" for a in self.mapping.consent.answers) or "none"
        self.problem(column, f"one of the consent answers the mapping lists ({listed}), or named, anonymous or "
                     "withheld", shown(answer))
        return None

    def themes(self) -> list[str] | None:
        spec = self.mapping.themes
        cell = self.text(spec.column)
        separator = "\n" if spec.separator.strip() == "" and "\n" in cell else spec.separator
        choices = [c.strip() for c in (cell.split() if separator.strip() == "" else cell.split(separator))]
        choices = [c for c in choices if c]
        if not choices:
            self.problem(spec.column, "one or more thematic areas", "an empty cell")
            return None
        answers = {_key(k): v for k, v in spec.answers.items()}
        themes: list[str] = []
        for choice in choices:
            theme = answers.get(_key(choice)) or self.lists.theme_names.get(_key(choice))
            if theme is None:
                guess = difflib.get_close_matches(_key(choice), list(self.lists.theme_names), n=1, cutoff=0.6)
                hint = f" (did you mean '{self.lists.theme_names[guess[0]]}'?)" if guess else ""
                self.problem(spec.column, "thematic areas by title or ID, or answers listed under themes.answers "
                             f"in the mapping{hint}", shown(choice))
            elif theme not in themes:
                themes.append(theme)
        return themes or None

    def received(self) -> str | None:
        spec = self.mapping.received
        value = self.value(spec.column)
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        text = cell_text(value)
        if match := re.fullmatch(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[T ][0-9:.]+(?:Z|[+-][0-9:]+)?)?", text):
            try:
                return dt.date.fromisoformat(match[1]).isoformat()
            except ValueError:
                pass
        for form in spec.formats:
            try:
                return dt.datetime.strptime(text, form).date().isoformat()
            except ValueError:
                continue
        formats = ", ".join(["YYYY-MM-DD", *spec.formats])
        self.problem(spec.column, f"a date ({formats}, or a date cell)", shown(text) if text else "an empty cell")
        return None

    def timing(self) -> str | None:
        spec = self.mapping.timing
        if isinstance(spec, Timing):
            return spec.value
        answer = self.text(spec.column)
        answers = {_key(k): v for k, v in spec.answers.items()} | {t.value: t for t in Timing}
        if (timing := answers.get(_key(answer))) is not None:
            return timing.value
        self.problem(spec.column, "one of the timing answers the mapping lists, or before-meeting or "
                     "during-meeting", shown(answer) if answer else "an empty cell")
        return None

    def priorities(self) -> tuple[list[dict[str, str]] | None, str | None]:
        spec = self.mapping.priorities
        proposals = [{"priority": pid, "proposal": text}
                     for pid, column in spec.columns.items() if (text := self.text(column))]
        open_answer = self.text(spec.free_text) or None
        if proposals or open_answer:
            return proposals or None, open_answer
        asked = [*spec.columns.values(), *([spec.free_text] if spec.free_text else [])]
        self.problem(asked[0], f"a proposal in {' or '.join(repr(c) for c in asked)}: an input needs at least one",
                     "empty cells")
        return None, None


def _yaml(data: dict[str, Any], open_answer: str | None, mapping: FormMapping, header: str) -> str:
    """The input as an author would type it, with the answer to the open priorities question kept as a note
    for the drafting team: where the priorities go when there are none yet, after them otherwise."""
    if open_answer is None:
        return input_yaml(PartnerInput.model_validate(data), header)
    coded = "priorities" in data
    trial = data if coded else {**data, "priorities": [{"priority": _UNCODED, "proposal": _UNCODED}]}
    text = input_yaml(PartnerInput.model_validate(trial), header)
    answer = "".join(f"#   {line}\n" if line else "#\n" for paragraph in open_answer.splitlines()
                     for line in (textwrap.wrap(paragraph, 96) or [""]))
    asked = f"The partner's answer to '{mapping.priorities.free_text}':"
    if coded:  # after the last proposal: the first top-level key that follows the priorities list
        lines = text.splitlines(keepends=True)
        start = lines.index("priorities:\n")
        end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith((" ", "-"))), len(lines))
        note = _comment(f"Not coded yet: code it into the priorities above if it adds to them. {asked}") + answer
        return "".join(lines[:end]) + note + "".join(lines[end:])
    placeholder = f"priorities:\n- priority: {_UNCODED}\n  proposal: {_UNCODED}\n"
    if placeholder not in text:
        raise AssertionError("the priorities placeholder was not written as expected")
    note = _comment("priorities: left for the drafting team to code against priorities.yaml (strategy check "
                    f"asks for them until then). {asked}") + answer
    return text.replace(placeholder, note)


def _comment(text: str) -> str:
    return "".join(f"# {line}\n" for line in textwrap.wrap(text, 98))


def _imported_already(folder: Path, root: Path) -> dict[str, int]:
    """The `imported_from` of every partner input, read as YAML, or as text from a file that does not parse:
    a row imported once is never imported again, even while its input is being fixed."""
    done: dict[str, int] = {}
    try:
        names = sorted(os.listdir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return done
    for name in names:
        path = folder / name
        if name.startswith(".") or not name.lower().endswith((".yaml", ".yml")) or not path.is_file():
            continue
        source = read_yaml(path, display_path(path, root), root)
        if isinstance(source.data, dict) and isinstance(source.data.get("imported_from"), str):
            done[source.data["imported_from"].strip()] = 0
        elif source.problems:
            text, _ = read_text(path, source.file, root=root)
            for match in _IMPORTED_FROM_LINE.finditer(text or ""):
                done[match[1].strip().strip("'\"")] = 0
    return done
