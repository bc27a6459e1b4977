"""A reviewer's returned Word draft: its comments become feedback records, placed and threaded."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import docx
import pytest
import yaml

from conftest import BuiltExample, copy_project, strategy
from returned_drafts import Remark, comment_on
from strategy.inputs.records import Feedback

FEEDBACK = Path("inputs/feedback")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The example without its illustrative feedback: these tests count the comments they import."""
    root = copy_project(tmp_path / "project")
    shutil.rmtree(root / FEEDBACK)
    return root


def draft(path: Path) -> Path:
    """A review draft as the build numbers it: chapter headings, then paragraphs that begin with their number."""
    document = docx.Document()
    document.add_heading("3. Vision for Phase III", 1)
    document.add_paragraph("3.1\tSocial protection floors are the base of every national system.")
    document.add_heading("Financing the floors", 2)
    document.add_paragraph("3.2\tDomestic resources should progressively take over from external support.")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Country"
    table.rows[0].cells[1].text = "Coverage grew in every region."
    document.save(str(path))
    return path


def test_each_word_comment_becomes_a_feedback_record_with_its_place_and_thread(project: Path, tmp_path: Path):
    returned = tmp_path / "Draft 1 - Japan comments.docx"
    comment_on(draft(tmp_path / "draft.docx"), [
        Remark("the base of every", "Say which floors: national floors or the Recommendation's?"),
        Remark("progressively take over", "Add a timeline for the transition.", author="Reviewer Two"),
        Remark("the base of every", "Agreed with the first comment.", reply_to=0),
        Remark("Coverage grew", "Source?"),
    ], returned)

    run = strategy("import", "comments", str(returned), "--reviewer", "japan", "--consent", "named",
                   "--received", "2025-12-01", cwd=project)

    assert run.returncode == 0, run.stderr
    assert "FB-001 to FB-004" in run.stdout
    written = yaml.safe_load((project / FEEDBACK / "japan-draft-1.yaml").read_text())
    assert {k: v for k, v in written.items() if k != "comments"} == {
        "reviewer": "japan", "consent": "named", "edition": "Draft 1", "received": dt.date(2025, 12, 1),
        "channel": "returned-draft", "imported_from": returned.name}
    first = "Social protection floors are the base of every national system."
    assert written["comments"] == [
        {"id": "FB-001", "section": "Vision for Phase III", "paragraph": "3.1", "quoted": first,
         "comment": "Say which floors: national floors or the Recommendation's?"},
        {"id": "FB-002", "section": "Vision for Phase III", "paragraph": "3.1", "quoted": first,
         "comment": "Agreed with the first comment.", "reply_to": "FB-001"},
        {"id": "FB-003", "section": "Financing the floors", "paragraph": "3.2",
         "quoted": "Domestic resources should progressively take over from external support.",
         "comment": "Add a timeline for the transition."},
        # In a table cell: no paragraph number, its section still known.
        {"id": "FB-004", "section": "Financing the floors", "quoted": "Coverage grew in every region.",
         "comment": "Source?"},
    ]
    Feedback.model_validate(written)
    # This draft is not the example's edition: strategy check names the comments on a section it does not have.
    check = strategy("check", cwd=project)
    assert check.returncode == 1
    assert "japan-draft-1.yaml:21: field 'comments[2].section'" in check.stderr
    assert "found 'Financing the floors'" in check.stderr

    again = strategy("import", "comments", str(returned), "--reviewer", "japan", cwd=project)
    assert again.returncode == 0, again.stderr
    assert "Nothing new" in again.stdout
    assert yaml.safe_load((project / FEEDBACK / "japan-draft-1.yaml").read_text()) == written


@pytest.mark.parametrize("content, says", [
    (b"PK\x03\x04 not really a zip", "found a damaged zip"),
    (b"\xd0\xcf\x11\xe0 an old Word file", "Word 97-2003"),
])
def test_a_damaged_returned_draft_is_named_and_nothing_is_written(project: Path, tmp_path: Path, content, says):
    returned = tmp_path / "returned.docx"
    returned.write_bytes(content)
    run = strategy("import", "comments", str(returned), "--reviewer", "japan", cwd=project)
    assert run.returncode == 1
    assert says in run.stderr and "returned.docx" in run.stderr
    assert "Traceback" not in run.stderr and "Internal error" not in run.stderr
    assert not (project / FEEDBACK).exists()


def test_a_draft_without_comments_says_so_and_writes_nothing(project: Path, tmp_path: Path):
    run = strategy("import", "comments", str(draft(tmp_path / "clean.docx")), "--reviewer", "japan", cwd=project)
    assert run.returncode == 1
    assert "no comment with text" in run.stderr
    assert not (project / FEEDBACK).exists()


def test_an_unknown_reviewer_is_named_and_nothing_is_written(project: Path, tmp_path: Path):
    returned = tmp_path / "returned.docx"
    comment_on(draft(tmp_path / "draft.docx"), [Remark("the base of every", "Which floors?")], returned)
    run = strategy("import", "comments", str(returned), "--reviewer", "japon", cwd=project)
    assert run.returncode == 1
    assert "japon" in run.stderr and "japan" in run.stderr  # the guess
    assert not (project / FEEDBACK).exists()


PAIRED = ("The Recommendation is paired with the Social Security (Minimum Standards) Convention, 1952 (No. 102), "
          "which guides countries towards higher levels of protection.")
IN_LAW = "are embedded in law; and"  # a list item: it carries no number of its own


def test_the_build_s_own_word_draft_comes_back_as_feedback_and_matrix_rows(built: BuiltExample, tmp_path: Path):
    """The round trip: the Word version the build wrote, commented on in Word, imported, in the matrix."""
    returned = tmp_path / "returned.docx"
    comment_on(built.root / "site" / f"{built.publication.pdf_file.removesuffix('.pdf')}.docx", [
        Remark("paired with the Social Security", "Cite the ratifications of Convention No. 102 since 2016."),
        Remark("paired with the Social Security", "Seconded.", reply_to=0),
        Remark(IN_LAW, "Say that law alone has not protected people in crises."),
    ], returned)
    project = copy_project(tmp_path / "project")
    shutil.rmtree(project / FEEDBACK)

    run = strategy("import", "comments", str(returned), "--reviewer", "finland", "--consent", "anonymous",
                   "--received", "2025-12-10", cwd=project)

    assert run.returncode == 0, run.stderr
    written = yaml.safe_load((project / FEEDBACK / "finland-draft-1.yaml").read_text())
    assert written["edition"] == "Draft 1"  # the draft says which edition it is
    assert written["comments"] == [
        {"id": "FB-001", "section": "A global commitment to social protection", "paragraph": "1.3",
         "quoted": PAIRED, "comment": "Cite the ratifications of Convention No. 102 since 2016."},
        {"id": "FB-002", "section": "A global commitment to social protection", "paragraph": "1.3",
         "quoted": PAIRED, "comment": "Seconded.", "reply_to": "FB-001"},
        # A list item carries no number: the comment keeps its section.
        {"id": "FB-003", "section": "A vision that endures", "quoted": IN_LAW,
         "comment": "Say that law alone has not protected people in crises."},
    ]

    chapters = strategy("chapters", cwd=project)
    assert chapters.returncode == 0, chapters.stderr
    matrix = (project / "docs" / "generated" / "comment-matrix.md").read_text()
    rows = [line for line in matrix.splitlines() if line.startswith("| <span id=\"fb-")]
    assert len(rows) == 3
    assert '| A development partner government | <span class="record-id">1.3</span> |' in rows[0]  # by kind only
    assert "Cite the ratifications" in rows[0] and "*Not yet answered.*" in rows[0]
    assert "Reply to" in rows[1] and "Seconded." in rows[1]
    assert "Say that law alone" in rows[2]
    assert "Finland" not in matrix
