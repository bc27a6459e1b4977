"""`strategy import comments MATRIX.xlsx|.csv`: a reviewer's comment matrix (real files made here) -> feedback."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
import shutil
from pathlib import Path

import openpyxl
import pytest
import yaml

from conftest import copy_project, strategy
from strategy.inputs.records import Consent, Feedback, FeedbackChannel
from strategy.intake.feedback import add_feedback
from strategy.project import Project

FEEDBACK = Path("inputs") / "feedback"


def matrix(path: Path, rows: list[list], title: bool = True) -> Path:
    """A matrix as reviewers send them: a title block, then the header, then a row per comment."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Comments"
    if title:
        sheet.append(["Comments on the SPF Flagship Phase III strategy, Draft 1"])
        sheet.append(["Organization: Irish Aid"])
        sheet.append([])
    sheet.append(["No.", "Chapter / section", "Para. no.", "Comment", "Proposed change", "Page"])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


ROWS = [[1, "Vision", 12, "Say more about care work.", "Add 'and care' after 'income'.", 4],
        [2, "Financing", "3.12", "Too vague on domestic revenue.", None, 7],
        [3, None, "General", "A clear draft.", None, None],
        [4, None, None, None, None, None]]  # a template's pre-numbered empty row


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The example without its illustrative feedback: these tests count the comments they import."""
    root = copy_project(tmp_path / "project")
    shutil.rmtree(root / FEEDBACK)
    return root


def feedback_file(project: Path, name: str = "ireland-draft-1.yaml") -> dict:
    return yaml.safe_load((project / FEEDBACK / name).read_text())


def test_a_matrix_becomes_the_reviewers_feedback_file(project: Path, tmp_path: Path):
    file = matrix(tmp_path / "Irish Aid comments.xlsx", ROWS)
    run = strategy("import", "comments", str(file), "--reviewer", "ireland", "--consent", "named",
                   "--received", "2025-12-01", cwd=project)
    assert run.returncode == 0, run.stderr
    assert "Columns not read (no field of a comment takes them): No., Page" in run.stdout
    assert "Wrote inputs/feedback/ireland-draft-1.yaml: 3 comment(s) (FB-001 to FB-003)" in run.stdout
    data = feedback_file(project)
    assert data == {
        "reviewer": "ireland", "consent": "named", "edition": "Draft 1", "received": dt.date(2025, 12, 1),
        "channel": "comment-matrix", "imported_from": "Irish Aid comments.xlsx",
        "comments": [
            {"id": "FB-001", "section": "Vision", "paragraph": "12", "comment": "Say more about care work.",
             "proposed_text": "Add 'and care' after 'income'."},
            {"id": "FB-002", "section": "Financing", "paragraph": "3.12",
             "comment": "Too vague on domestic revenue."},
            {"id": "FB-003", "comment": "A clear draft."}]}
    Feedback.model_validate(data)


def test_a_bad_row_is_named_with_its_column_and_nothing_is_written(project: Path, tmp_path: Path):
    rows = [*ROWS[:2], [3, "Vision", "12-14", "Same point as above.", None, None],
            [4, "Annex", 7, None, "Delete the annex.", None]]
    run = strategy("import", "comments", str(matrix(tmp_path / "m.xlsx", rows)), "--reviewer", "ireland",
                   cwd=project)
    assert run.returncode == 1
    assert "m.xlsx:7: field 'Para. no.': expected one paragraph number, such as 12 or 3.12" in run.stderr
    assert "found '12-14'" in run.stderr
    assert "m.xlsx:8: field 'Comment': expected a comment in every row that has other cells; found an empty " \
           "cell" in run.stderr
    assert not (project / FEEDBACK).exists()


def test_a_second_import_adds_nothing_twice_and_keeps_the_authors_responses(project: Path, tmp_path: Path):
    file = matrix(tmp_path / "m.xlsx", ROWS)
    assert strategy("import", "comments", str(file), "--reviewer", "ireland", cwd=project).returncode == 0
    path = project / FEEDBACK / "ireland-draft-1.yaml"
    # The authors answer a comment and leave themselves a note.
    answered = path.read_text().replace("  comment: A clear draft.\n", "  comment: A clear draft.\n"
                                        "  response: Thank you.  # keep it short\n  status: noted\n")
    path.write_text(answered)
    again = strategy("import", "comments", str(file), "--reviewer", "ireland", cwd=project)
    assert again.returncode == 0 and "Nothing new: the 3 comment(s) are in" in again.stdout
    assert path.read_text() == answered
    # The reviewer sends the matrix again with one more comment, reordered.
    longer = matrix(tmp_path / "m-v2.xlsx", [ROWS[1], ROWS[0], [5, "Vision", 13, "Name the ILO standards.", None,
                                                                  None], ROWS[2]])
    third = strategy("import", "comments", str(longer), "--reviewer", "ireland", cwd=project)
    assert third.returncode == 0, third.stderr
    assert "Added to inputs/feedback/ireland-draft-1.yaml: 1 comment(s) (FB-004); 3 there already." in third.stdout
    text = path.read_text()
    assert text.startswith(answered.replace("imported_from: m.xlsx", "imported_from: m.xlsx; m-v2.xlsx"))
    assert "# keep it short" in text  # the file was appended to, not rewritten
    data = Feedback.model_validate(yaml.safe_load(text))
    assert [c.id for c in data.comments] == ["FB-001", "FB-002", "FB-003", "FB-004"]
    assert data.comments[2].response == "Thank you." and data.comments[3].paragraph == "13"


def test_ids_continue_from_the_highest_in_the_feedback_folder(project: Path, tmp_path: Path):
    (project / FEEDBACK).mkdir(parents=True)
    (project / FEEDBACK / "japan-draft-1.yaml").write_text(
        "reviewer: japan\nconsent: named\nedition: Draft 1\nreceived: 2025-12-01\nchannel: e-mail\n"
        "comments:\n- id: FB-041\n  comment: Good.\n")
    run = strategy("import", "comments", str(matrix(tmp_path / "m.xlsx", ROWS)), "--reviewer", "ireland",
                   "--edition", "Draft 1", cwd=project)
    assert run.returncode == 0, run.stderr
    assert [c["id"] for c in feedback_file(project)["comments"]] == ["FB-042", "FB-043", "FB-044"]


def test_a_csv_matrix_in_spanish_with_semicolons(project: Path, tmp_path: Path):
    file = tmp_path / "comentarios.csv"
    file.write_bytes("\ufeffPárrafo;Sección;Comentario;Texto propuesto\n"
                     "§ 4;Visión;\"Falta la protección; de la salud.\";Añadir «salud».\n".encode("utf-8"))
    run = strategy("import", "comments", str(file), "--reviewer", "paraguay-mtess", "--edition", "Borrador 1",
                   "--consent", "anonymous", cwd=project)
    assert run.returncode == 0, run.stderr
    data = feedback_file(project, "paraguay-mtess-borrador-1.yaml")
    assert data["consent"] == "anonymous" and data["edition"] == "Borrador 1"
    assert data["comments"] == [{"id": "FB-001", "section": "Visión", "paragraph": "4",
                                 "comment": "Falta la protección; de la salud.", "proposed_text": "Añadir «salud»."}]


def test_a_french_matrix_without_title_block(project: Path, tmp_path: Path):
    book = openpyxl.Workbook()
    book.active.append(["N° de paragraphe", "Commentaire", "Texte proposé"])
    book.active.append(["para. 2.3", "À préciser.", None])
    book.save(tmp_path / "commentaires.xlsx")
    run = strategy("import", "comments", str(tmp_path / "commentaires.xlsx"), "--reviewer", "france", cwd=project)
    assert run.returncode == 0, run.stderr
    assert feedback_file(project, "france-draft-1.yaml")["comments"] == [
        {"id": "FB-001", "paragraph": "2.3", "comment": "À préciser."}]


def zip_bomb(path: Path) -> Path:
    """An XLSX-shaped zip whose one sheet unpacks to 200 MiB of zeros (about 200 KiB packed)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("xl/workbook.xml", "<workbook/>")
        with package.open("xl/worksheets/sheet1.xml", "w") as part:
            chunk = b"\0" * 2**20
            for _ in range(200):
                part.write(chunk)
    return path


def holding(content: bytes):
    def make(path: Path) -> Path:
        path.write_bytes(content)
        return path
    return make


@pytest.mark.parametrize("name, make, says", [
    ("bomb.xlsx", zip_bomb, "a zip bomb?"),
    ("plain.xlsx", holding(b"Comment\nnot a workbook\n"), "not a zip package"),
    ("returned.docx", holding(b"PK"), "found a damaged zip"),
    ("old.xls", holding(b"\xd0\xcf\x11\xe0"), "save it as .xlsx or as CSV"),
    ("missing.xlsx", lambda p: p, "nothing there"),
])
def test_a_hostile_or_wrong_file_gets_a_clear_error_and_writes_nothing(project, tmp_path, name, make, says):
    path = make(tmp_path / name)
    run = strategy("import", "comments", str(path), "--reviewer", "ireland", cwd=project)
    assert run.returncode == 1, run.stderr
    assert says in run.stderr and "Internal error" not in run.stderr and "Traceback" not in run.stderr
    assert not (project / FEEDBACK).exists()


def test_consent_on_the_command_line_never_changes_a_files_consent(project, tmp_path):
    file = matrix(tmp_path / "m.xlsx", ROWS)
    assert strategy("import", "comments", str(file), "--reviewer", "ireland", "--consent", "anonymous",
                    cwd=project).returncode == 0
    run = strategy("import", "comments", str(file), "--reviewer", "ireland", "--consent", "named", cwd=project)
    assert run.returncode == 1
    assert "ireland-draft-1.yaml:4: field 'consent': expected the consent this file gives (anonymous)" in run.stderr


def test_add_feedback_keeps_word_threads_and_places_them_once(project: Path):
    """The writer the returned-draft reader shares: replies name the comment they answer by its index."""
    root = Project(project)
    comments = [{"section": "Vision", "paragraph": "12", "quoted": "income security", "comment": "Why only?",
                 "line": 3},
                {"comment": "Agreed with the above.", "reply_to": 0}]
    kwargs = dict(received=dt.date(2025, 12, 1))
    first = add_feedback(project, root.publication(), "japan", Consent.NAMED, FeedbackChannel.RETURNED_DRAFT,
                         "returned.docx", comments, **kwargs)
    assert first.created and first.added == ["FB-001", "FB-002"]
    again = add_feedback(project, root.publication(), "japan", None, FeedbackChannel.RETURNED_DRAFT,
                         "returned.docx", comments, **kwargs)
    assert again.added == [] and again.already_there == 2
    data = Feedback.model_validate(feedback_file(project, "japan-draft-1.yaml"))
    assert data.comments[1].reply_to == "FB-001" and data.comments[0].quoted == "income security"


def rewritten(path: Path, part: str, change) -> Path:
    """The workbook at `path` with one part's XML changed, as another program (or an attacker) might write it."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts[part] = change(parts[part].decode("utf-8")).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return path


def test_a_sheet_whose_dimension_stops_short_loses_no_row(project, tmp_path):
    """Some tools write a sheet's declared size wrong; openpyxl would stop reading at it."""
    file = rewritten(matrix(tmp_path / "m.xlsx", ROWS), "xl/worksheets/sheet1.xml",
                     lambda xml: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:B2"', xml))
    run = strategy("import", "comments", str(file), "--reviewer", "ireland", cwd=project)
    assert run.returncode == 0, run.stderr
    assert len(feedback_file(project)["comments"]) == 3


def test_an_xml_entity_bomb_in_a_workbook_is_refused(project, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["Comment"])
    book.active.append(["A comment."])
    book.save(tmp_path / "laughs.xlsx")
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
              '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
              '<c r="A1" t="inlineStr"><is><t>Comment</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is>'
              '<t>&lol2;</t></is></c></row></sheetData></worksheet>')
    rewritten(tmp_path / "laughs.xlsx", "xl/worksheets/sheet1.xml", lambda xml: laughs)
    run = strategy("import", "comments", str(tmp_path / "laughs.xlsx"), "--reviewer", "ireland", cwd=project)
    assert run.returncode == 1, run.stdout
    assert "expected an Excel workbook that can be read; found a damaged workbook" in run.stderr
    assert "Internal error" not in run.stderr and not (project / FEEDBACK).exists()


def test_rows_and_columns_past_the_caps_are_refused_not_dropped(project, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["Comment"])
    book.active.cell(row=2, column=1, value="A comment.")
    book.active.cell(row=2, column=400, value="far out")
    book.save(tmp_path / "wide.xlsx")
    run = strategy("import", "comments", str(tmp_path / "wide.xlsx"), "--reviewer", "ireland", cwd=project)
    assert run.returncode == 1 and "wide.xlsx, sheet Sheet:2: expected at most 300 columns" in run.stderr
    long = tmp_path / "long.csv"
    long.write_text("Comment\n" + "".join(f"Comment {n}\n" for n in range(5_001)))
    run = strategy("import", "comments", str(long), "--reviewer", "ireland", cwd=project)
    assert run.returncode == 1 and "long.csv:5001: expected at most 5,000 rows" in run.stderr
