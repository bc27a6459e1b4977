"""Reviewers' comments (issue 9, section 5): read with their file and line, checked against the edition, listed
for the authors by `strategy feedback`, answered in the comment-response matrix as consent allows."""

from __future__ import annotations

import dataclasses
import re
import shutil
import zipfile
from pathlib import Path

import pypdf
import pytest

from conftest import REPO, copy_project, strategy
from corpus import line_of, replace_in
from strategy.chapters import Audience, author_text, generate_chapters, generated_markdown
from strategy.feedback import (EditionOutline, OutlinePage, edition_outline, feedback_problems, heading_title,
                               markdown_headings, missing_paragraphs)
from strategy.inputs import load_inputs
from strategy.project import Project

LUX = "inputs/feedback/luxembourg-draft-1.yaml"
NL = "inputs/feedback/netherlands-draft-1.yaml"
GERMANY = "inputs/feedback/germany-draft-1.yaml"
WITHHELD_WORDS = "Reviewer-only-sentence-that-consent-keeps-private"


def matrix(root: Path, audience: Audience) -> str:
    """The comment-response matrix as a build for `audience` makes it."""
    project = Project(root)
    inputs = load_inputs(root / "inputs", root)
    chapters = generate_chapters(inputs, audience, author_text(project.author_pages()),
                                 edition_outline(project, project.publication().edition.label))
    return next(c.markdown for c in chapters if c.file_name == "comment-matrix.md")


@pytest.fixture(scope="module")
def with_withheld(tmp_path_factory) -> Path:
    """The example with a third reviewer who withheld consent, and one comment on an earlier draft."""
    root = copy_project(tmp_path_factory.mktemp("feedback"))
    (root / GERMANY).write_text(
        "reviewer: germany\nconsent: withheld\nedition: Draft 1\nreceived: 2025-12-09\nchannel: e-mail\n"
        f"comments:\n  - id: FB-020\n    section: Way forward\n    comment: {WITHHELD_WORDS}\n"
        "    response: Noted with thanks.\n    status: noted\n", encoding="utf-8")
    (root / "inputs/feedback/luxembourg-draft-0.yaml").write_text(
        "reviewer: luxembourg\nconsent: named\nedition: Draft 0\nreceived: 2025-10-01\nchannel: e-mail\n"
        "comments:\n  - id: FB-030\n    section: A section Draft 1 no longer has\n    comment: An early thought.\n"
        "    status: open\n", encoding="utf-8")
    return root


# --- loading ------------------------------------------------------------------------------------------------


def test_feedback_files_are_read_with_each_comment_s_file_and_line(example_inputs):
    assert [f.reviewer for f in example_inputs.feedback] == ["luxembourg", "netherlands"]
    for feedback in example_inputs.feedback:
        for comment in feedback.comments:
            origin = example_inputs.origins[f"FeedbackComment:{comment.id}"]
            assert (REPO / origin.file).read_text(encoding="utf-8").splitlines()[origin.line - 1] \
                == f"  - id: {comment.id}"
    assert str(example_inputs.origins["FeedbackComment:FB-002"]) == f"{LUX}:{line_of(REPO / LUX, 'id: FB-002')}"


def test_without_a_feedback_folder_there_is_no_feedback_and_an_empty_matrix(tmp_path):
    root = copy_project(tmp_path / "none")
    shutil.rmtree(root / "inputs/feedback")
    run = strategy("check", "--project", str(root))
    assert run.returncode == 0, run.stderr
    assert load_inputs(root / "inputs", root).feedback == []
    assert "No reviewer's comments on Draft 1 have been recorded yet." in matrix(root, Audience.PARTNERS)


def test_broken_feedback_is_named_with_file_line_and_field(tmp_path):
    root = copy_project(tmp_path / "broken")
    reviewer = replace_in(root / LUX, "reviewer: luxembourg", "reviewer: luxemburg")
    reply = replace_in(root / NL, "reply_to: FB-004", "reply_to: FB-044")
    run = strategy("check", "--project", str(root))
    assert run.returncode == 1
    assert (f"{LUX}:{reviewer}: field 'reviewer': expected a known partner ID from partners.yaml (did you mean "
            "'luxembourg'?); found 'luxemburg'") in run.stderr
    assert (f"{NL}:{reply}: field 'comments[1].reply_to': expected the ID of a comment in this file (did you mean "
            "'FB-004'?); found 'FB-044'") in run.stderr
    assert "Traceback" not in run.stderr


# --- strategy check --------------------------------------------------------------------------------------------


def test_check_warns_about_each_open_comment_without_a_response():
    run = strategy("check", "--project", str(REPO))
    assert run.returncode == 0, run.stderr
    warned = re.findall(r"(inputs/feedback/\S+:\d+): warning: field '(comments\[\d\]\.response)'", run.stderr)
    assert warned == [(f"{LUX}:{line_of(REPO / LUX, 'id: FB-002')}", "comments[1].response"),
                      (f"{NL}:{line_of(REPO / NL, 'id: FB-005')}", "comments[1].response")]


def test_check_refuses_an_open_comment_on_a_section_that_is_gone_until_it_is_answered(tmp_path):
    root = copy_project(tmp_path / "gone")
    replace_in(root / LUX, "section: Resource mobilization and partnerships", "section: Funding the programme")
    run = strategy("check", "--project", str(root))
    assert run.returncode == 1
    assert (f"{LUX}:{line_of(root / LUX, 'id: FB-002')}: field 'comments[1].section': expected a section of "
            "Draft 1") in run.stderr and "found 'Funding the programme'" in run.stderr
    replace_in(root / LUX, "    status: open", "    response: The section was merged into Way forward.\n"
                                               "    status: noted")
    assert strategy("check", "--project", str(root)).returncode == 0


def test_sections_of_generated_chapters_and_comments_on_other_editions_pass(with_withheld):
    run = strategy("check", "--project", str(with_withheld))
    assert run.returncode == 0, run.stderr  # FB-030 names a gone section, on Draft 0: not this edition's
    assert f"luxembourg-draft-0.yaml:{line_of(with_withheld / 'inputs/feedback/luxembourg-draft-0.yaml', 'FB-030')}: " \
           "warning: field 'comments[0].response'" in run.stderr  # still unanswered
    root = with_withheld
    inputs = load_inputs(root / "inputs", root)
    outline = edition_outline(Project(root), "Draft 1")
    assert outline.place("Who contributed") is None  # a generated chapter's heading: made only when needed
    made = []

    def generated():
        made.append(1)
        return generated_markdown(inputs)

    lux = next(f for f in inputs.feedback if f.reviewer == "luxembourg" and f.edition == "Draft 1")
    open_on_generated = lux.comments[1].model_copy(update={"section": "Who contributed"})
    changed = [f.model_copy(update={"comments": [open_on_generated]}) if f.reviewer == "luxembourg" and
               f.edition == "Draft 1" else f for f in inputs.feedback]
    problems = feedback_problems(dataclasses.replace(inputs, feedback=changed), outline, generated, None)
    assert made == [1] and not [p for p in problems if p.severity == "error"]


def test_paragraph_numbers_are_checked_against_the_numbers_the_edition_prints(example_inputs):
    on_paragraph = example_inputs.feedback[0].comments[1].model_copy(update={"paragraph": "6.4"})
    feedback = [example_inputs.feedback[0].model_copy(update={"comments": [on_paragraph]})]
    inputs = dataclasses.replace(example_inputs, feedback=feedback)
    problems = missing_paragraphs(inputs, "Draft 1", {"6.1", "6.2", "6.3"})
    assert [(p.field, p.found) for p in problems] == [("comments[0].paragraph", "'6.4'")]
    assert missing_paragraphs(inputs, "Draft 1", {"6.4"}) == []
    assert missing_paragraphs(inputs, "Draft 2", {"1"}) == []  # another edition's numbers are not this one's


def test_check_refuses_an_open_comment_on_a_paragraph_the_edition_does_not_print(tmp_path):
    """End to end: check renders the cited chapter as print does and finds the number missing."""
    root = copy_project(tmp_path / "paragraph")
    replace_in(root / LUX, 'paragraph: "6.4"', 'paragraph: "6.94"')
    run = strategy("check", "--project", str(root))
    assert run.returncode == 1
    assert (f"{LUX}:{line_of(root / LUX, 'id: FB-002')}: field 'comments[1].paragraph': expected a paragraph "
            "number that Draft 1 prints") in run.stderr and "found '6.94'" in run.stderr
    # A final edition without numbers, or paragraph_numbers: false, has no paragraphs to cite: no error.
    replace_in(root / "strategy.yml", "comments_email:", "paragraph_numbers: false\ncomments_email:")
    assert strategy("check", "--project", str(root)).returncode == 0


def test_headings_are_read_as_printed():
    assert markdown_headings("---\ntitle: x\n---\n# A *new* [deal](x.md){: .xref }\n```\n# not one\n```\n"
                             "## PI-004 · Côte d\\'Ivoire {#pi-004}\n") == ["A new deal", "PI-004 · Côte d'Ivoire"]
    assert heading_title("Who &amp; what **now**") == "Who & what now"
    outline = EditionOutline("Draft 1", (OutlinePage("way-forward.md", "Way forward", ("Way forward", "Next steps")),))
    assert outline.place("6 Way forward") == (0, 0) and outline.place("next   STEPS") == (0, 1)
    assert outline.place("Elsewhere") is None


# --- the matrix and consent ---------------------------------------------------------------------------------


def test_the_matrix_follows_document_order_with_replies_under_their_comment(with_withheld):
    text = matrix(with_withheld, Audience.PARTNERS)
    ids = re.findall(r'id="(fb-\d+)"', text)
    assert ids == ["fb-004", "fb-005", "fb-003", "fb-001", "fb-002", "fb-006"]
    headings = re.findall(r"^##+ (.+)$", text, re.M)
    assert headings == ["Vision for Phase III", "From floors to comprehensive systems",
                        "Principles for the third phase", "Way forward", "A proposed results framework for 2030",
                        "Resource mobilization and partnerships", "Inputs received in numbers", "Who contributed"]
    assert "*Reply to <span class=\"record-id\">FB-004</span>.*" in text
    # Counts at the top: every comment on Draft 1, the withheld one too; Draft 0's only in a sentence.
    assert "| Open | 2 |" in text and "| Noted | 2 |" in text and "| **Total** | **7** |" in text
    assert "Comments on other editions (Draft 0: 1)" in text and "FB-030" not in text


@pytest.mark.parametrize("audience", [Audience.PARTNERS, Audience.PUBLIC])
def test_outside_internal_builds_reviewers_appear_as_consent_allows(with_withheld, audience):
    text = matrix(with_withheld, audience)
    rows = {m[0]: m[1] for m in re.findall(r'id="fb-(\d+)" class="record-id">FB-\d+</span> \| ([^|]+) \|', text)}
    assert rows["001"] == "Luxembourg"  # named
    assert rows["004"] == "A development partner government"  # anonymous: its kind only
    assert "Netherlands" not in text and "Germany" not in text
    assert "020" not in rows and WITHHELD_WORDS not in text and "FB-020" not in text  # withheld: counted only
    assert "1 comment was sent on condition that it not be published and is counted but not listed" in text
    # Three reviewers of one kind: the row may stand; with two (the example), it is merged into "Other".
    assert "| Development partner governments | 3 | 7 |" in text
    assert "| Other | 2 | 6 |" in matrix(REPO, audience)


def test_an_internal_build_lists_every_reviewer_with_consent_marked(with_withheld):
    text = matrix(with_withheld, Audience.INTERNAL)
    assert "Germany (withheld: not shown outside internal builds)" in text and WITHHELD_WORDS in text
    assert "Netherlands (anonymous: not shown outside internal builds)" in text


def test_reviewers_words_go_through_the_partner_text_path(tmp_path):
    root = copy_project(tmp_path / "hostile")
    replace_in(root / NL, "comment: The table is clear. No change needed.",
               "comment: '<script>alert(1)</script> {{ quote(\"PI-011\") }} | [link](http://x.test) As France said.'")
    text = matrix(root, Audience.PARTNERS)
    row = next(line for line in text.splitlines() if 'id="fb-006"' in line)
    assert "<script>" not in row and "&lt;script&gt;" in row
    assert "{{" not in row and "\\[link\\]" in row and "France" not in row
    assert "a development partner government said" in row
    assert row.count(" | ") == 5  # the pipe did not split the row
    run = strategy("check", "--project", str(root))
    assert f"{NL}:{line_of(root / NL, 'As France said')}: warning: field 'comments[2].comment'" in run.stderr


# --- strategy feedback -----------------------------------------------------------------------------------------


def test_strategy_feedback_lists_open_comments_by_section_with_file_and_line():
    run = strategy("feedback", "--project", str(REPO))
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "2 open comments (current edition: Draft 1):"
    section = lines.index("Way forward › Resource mobilization and partnerships")
    assert lines[section + 1].split() == ["FB-002", "open", "Luxembourg", f"{LUX}:{line_of(REPO / LUX, 'id: FB-002')}"]
    vision = lines.index("Vision for Phase III › From floors to comprehensive systems")
    assert vision < section and lines[vision + 1].split()[:4] == ["FB-005", "open", "Netherlands", "(anonymous)"]
    assert "FB-001" not in run.stdout
    every = strategy("feedback", "--project", str(REPO), "--status", "all")
    assert sorted(set(re.findall(r"FB-\d+", every.stdout))) == [f"FB-00{n}" for n in range(1, 7)]


# --- the build ---------------------------------------------------------------------------------------------------


def test_the_matrix_is_a_site_page_and_an_annex_of_the_pdf_and_word_version(built):
    page = (built.site / "generated/comment-matrix.html").read_text(encoding="utf-8")
    assert 'id="fb-002"' in page and "Resource mobilization and partnerships" in page
    reader = pypdf.PdfReader(built.pdf)
    texts = [p.extract_text() for p in reader.pages]
    start = next(i for i, t in enumerate(texts) if "Comment-response matrix" in t and "This annex answers" in t)
    assert re.search(r"ANNEX \d+\s*\n?Comment-response matrix", texts[start])
    annex = "\n".join(texts[start:start + 3])
    for comment_id in ("FB-001", "FB-002", "FB-003", "FB-004", "FB-005", "FB-006"):
        assert comment_id in annex  # IDs never break across lines
    with zipfile.ZipFile(built.site / built.publication.docx_file) as archive:
        assert "FB-006" in archive.read("word/document.xml").decode("utf-8")
    report = (built.root / "reports/provenance.md").read_text(encoding="utf-8")
    assert "6 comments: 6 appear in the comment-response matrix of every output" in report
