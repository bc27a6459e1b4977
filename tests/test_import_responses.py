"""`strategy import responses`: an online form's export (real XLSX and CSV files made here) -> partner inputs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
import yaml

from conftest import copy_project, strategy
from corpus.spreadsheets import HEADER, MAPPING  # the columns of the Microsoft Forms export the mapping reads
from strategy.inputs.records import PartnerInput


def response(number: int, organisation: str, consent: str | None = "Yes, you may name our organization",
             themes: str = "Informal economy;Gender equality;", vision: str | None = "A floor for everyone.",
             financing: str | None = "Tax-financed floors.", informal: str | None = None,
             other: str | None = None, day: int = 10, quote: str | None = None) -> list:
    done = dt.datetime(2025, 2, day, 9, 30, 12)
    return [number, done - dt.timedelta(minutes=20), done, f"person{number}@example.org", f"Person {number}",
            organisation, consent, themes, vision, None, quote, financing, informal, other]


def export(path: Path, *rows: list, header: list[str] = HEADER) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sheet1"  # as Microsoft Forms names it
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


def imported(project: Path, number: int) -> dict:
    return yaml.safe_load((project / "inputs" / "partner-inputs" / f"PI-{number:03d}.yaml").read_text())


def inputs_in(project: Path) -> int:
    return len(list((project / "inputs" / "partner-inputs").glob("PI-*.yaml")))


def test_each_response_becomes_a_partner_input_and_a_bad_row_is_named_and_skipped(project: Path, tmp_path: Path):
    before = inputs_in(project)
    file = export(tmp_path / "Phase III consultation(1-3).xlsx",
                  response(17, "Irish Aid", themes="Informal economy;Gender equality;", vision="Measure who "
                           "receives benefits.\n\nNot who is eligible.", informal="Targets for women.",
                           quote="Count who receives a benefit."),
                  response(18, "Nobody Organisation", consent="Maybe later"),
                  response(19, "ITUC", consent="Yes, but without naming our organization", themes="social-dialogue"))
    run = strategy("import", "responses", str(file), "--mapping", str(MAPPING), cwd=project)

    assert run.returncode == 1, run.stderr  # a row was not imported: the command says so with its exit code
    assert "Internal error" not in run.stderr and "Traceback" not in run.stderr
    assert inputs_in(project) == before + 2
    first, second = imported(project, before + 1), imported(project, before + 2)
    assert first == {
        "id": f"PI-{before + 1:03d}", "partner": "ireland", "received": dt.date(2025, 2, 10), "timing": "before-meeting",
        "channel": "online-form", "consent": "named", "themes": ["informal-economy", "gender-equality"],
        "priorities": [{"priority": "sustainable-financing", "proposal": "Tax-financed floors."},
                       {"priority": "informal-economy", "proposal": "Targets for women."}],
        "vision": "Measure who receives benefits.\n\nNot who is eligible.",
        "key_quote": "Count who receives a benefit.",
        "imported_from": "Phase III strategy consultation, response 17"}
    assert second["partner"] == "ituc" and second["consent"] == "anonymous" and second["themes"] == ["social-dialogue"]
    PartnerInput.model_validate(first)
    # Row 3 of the sheet (response 18) is named with each column that could not be read.
    problems = [line for line in run.stderr.splitlines() if ".xlsx:3:" in line]
    assert any("'Which organization do you represent?'" in p and "'Nobody Organisation'" in p for p in problems)
    assert any("'May we quote your answers in the strategy?'" in p and "'Maybe later'" in p for p in problems)
    assert "1 row not imported" in run.stderr
    assert f"PI-{before + 1:03d}: row 2" in run.stdout and f"PI-{before + 2:03d}: row 4" in run.stdout

    check = strategy("check", cwd=project)
    assert check.returncode == 0, check.stderr  # what the import wrote is what strategy check accepts


def test_a_second_import_adds_only_new_responses(project: Path, tmp_path: Path):
    before = inputs_in(project)
    rows = [response(1, "Irish Aid"), response(2, "Japan")]
    first = strategy("import", "responses", str(export(tmp_path / "export(1-2).xlsx", *rows)), "--mapping",
                     str(MAPPING), cwd=project)
    assert first.returncode == 0, first.stderr
    again = strategy("import", "responses", str(export(tmp_path / "export(1-2).xlsx", *rows)), "--mapping",
                     str(MAPPING), cwd=project)
    assert again.returncode == 0 and inputs_in(project) == before + 2
    assert "0 rows imported as partner inputs; 2 rows imported before, skipped." in again.stdout
    # A later export of the same form, under another file name, with one more response.
    later = export(tmp_path / "export(1-3).xlsx", *rows, response(3, "UNICEF"))
    third = strategy("import", "responses", str(later), "--mapping", str(MAPPING), cwd=project)
    assert third.returncode == 0, third.stderr
    assert inputs_in(project) == before + 3
    assert imported(project, before + 3)["partner"] == "unicef"


def test_without_a_response_id_the_row_digest_names_it(project: Path, tmp_path: Path):
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING.read_text().replace("response_id: ID", "# no response ID"))
    file = export(tmp_path / "export.xlsx", response(1, "Irish Aid"))
    assert strategy("import", "responses", str(file), "--mapping", str(mapping), cwd=project).returncode == 0
    written = imported(project, inputs_in(project))
    assert written["imported_from"].startswith("Phase III strategy consultation, response with digest ")
    again = strategy("import", "responses", str(file), "--mapping", str(mapping), cwd=project)
    assert "1 row imported before, skipped" in again.stdout
    assert written == imported(project, inputs_in(project))


def test_an_open_priorities_answer_is_kept_for_the_authors_and_check_asks_for_the_coding(project, tmp_path):
    before = inputs_in(project)
    file = export(tmp_path / "export.xlsx",
                  response(5, "ITUC", financing=None, other="Collective bargaining on social security."))
    run = strategy("import", "responses", str(file), "--mapping", str(MAPPING), cwd=project)
    assert run.returncode == 0, run.stderr
    assert "priorities left for the drafting team to code" in run.stdout
    path = project / "inputs" / "partner-inputs" / f"PI-{before + 1:03d}.yaml"
    text = path.read_text()
    assert "#   Collective bargaining on social security." in text
    assert "priorities" not in yaml.safe_load(text)  # never invented
    check = strategy("check", cwd=project)
    assert check.returncode == 1
    assert f"PI-{before + 1:03d}.yaml" in check.stderr and "field 'priorities'" in check.stderr


def test_empty_consent_is_written_as_withheld_and_said(project, tmp_path):
    before = inputs_in(project)
    file = export(tmp_path / "export.xlsx", response(1, "Japan", consent=None))
    run = strategy("import", "responses", str(file), "--mapping", str(MAPPING), cwd=project)
    assert run.returncode == 0 and "counts as withheld" in run.stdout
    assert "consent" not in imported(project, before + 1)


def test_a_row_received_after_the_meeting_cannot_be_a_before_meeting_input(project, tmp_path):
    file = export(tmp_path / "export.xlsx", response(1, "Japan"), [2, None, "2025-04-02", None, None, "Japan",
                  "Yes, you may name our organization", "Financing", "V", None, None, "P", None, None])
    run = strategy("import", "responses", str(file), "--mapping", str(MAPPING), cwd=project)
    assert run.returncode == 1
    assert "export.xlsx:3: field 'Completion time': expected a date on or before the meeting" in run.stderr


def test_a_kobotoolbox_csv_with_semicolons_and_space_separated_choices(project, tmp_path):
    before = inputs_in(project)
    mapping = tmp_path / "kobo.yaml"
    mapping.write_text(
        "form: kobo-consultation\nresponse_id: _id\n"
        "partner: {column: organisation}\n"
        "consent: {column: consent, answers: {name_us: named, do_not_name_us: anonymous}}\n"
        "themes: {column: themes, separator: ' '}\n"
        "received: {column: end}\n"
        "timing: {column: when, answers: {before: before-meeting, at_meeting: during-meeting}}\n"
        "vision: vision\n"
        "priorities: {columns: {digital-transformation: digital}}\n")
    csv_file = tmp_path / "kobo.csv"
    csv_file.write_bytes("\ufeff_id;end;organisation;consent;themes;when;vision;digital\n"
                         "901;2025-03-27T15:02:11.000+01:00;WFP;do_not_name_us;financing digital-transformation;"
                         "at_meeting;\"Two lines;\nwith a semicolon.\";Shared registries.\n".encode("utf-8"))
    run = strategy("import", "responses", str(csv_file), "--mapping", str(mapping), cwd=project)
    assert run.returncode == 0, run.stderr
    written = imported(project, before + 1)
    assert written["partner"] == "wfp" and written["consent"] == "anonymous"
    assert written["themes"] == ["financing", "digital-transformation"] and written["timing"] == "during-meeting"
    assert written["received"] == dt.date(2025, 3, 27) and written["vision"] == "Two lines;\nwith a semicolon."
    assert written["imported_from"] == "kobo-consultation, response 901"


def test_mapping_problems_name_the_mapping_line_and_write_nothing(project, tmp_path):
    before = inputs_in(project)
    text = MAPPING.read_text()
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(text.replace("column: Completion time", "column: Completion tme")
                           .replace("informal-economy: What", "informal-econ: What"))
    file = export(tmp_path / "export.xlsx", response(1, "Japan"))
    run = strategy("import", "responses", str(file), "--mapping", str(mapping), cwd=project)
    assert run.returncode == 1 and inputs_in(project) == before
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "column: Completion time" in l)
    assert f"mapping.yaml:{line}: field 'received.column': expected a column of the header row of " in run.stderr
    assert "(did you mean 'Completion time'?)" in run.stderr
    assert "field 'priorities.columns.informal-econ': expected a priority ID from priorities.yaml (did you mean " \
           "'informal-economy'?)" in run.stderr

    mapping.write_text(text.replace("response_id: ID", "response: ID"))
    run = strategy("import", "responses", str(file), "--mapping", str(mapping), cwd=project)
    assert run.returncode == 1
    assert "field 'response': expected no unknown field (did you mean 'response_id'?)" in run.stderr


@pytest.mark.parametrize("name, content, says", [
    ("export.xlsx", b"ID,Name\n1,x\n", "not a zip package"),
    ("export.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 100, "save it as .xlsx or as CSV"),
])
def test_a_file_that_is_no_workbook_gets_a_clear_error(project, tmp_path, name, content, says):
    file = tmp_path / name
    file.write_bytes(content)
    run = strategy("import", "responses", str(file), "--mapping", str(MAPPING), cwd=project)
    assert run.returncode == 1 and says in run.stderr and "Internal error" not in run.stderr
