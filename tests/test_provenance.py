"""Nothing lost: every build reports where each partner input appears, and fails if one vanished."""

from __future__ import annotations

import html
import json
import re
import shutil
import zipfile

import pdfplumber
import pypdf
import pytest
import yaml

from conftest import copy_project, strategy
from strategy.chapters.consent import Audience, may_show
from strategy.inputs import load_inputs


@pytest.fixture(scope="module")
def report(built) -> dict:
    return json.loads((built.root / "reports" / "provenance.json").read_text(encoding="utf-8"))


def test_the_build_names_its_provenance_report(built):
    assert "reports/provenance.md" in built.run.stdout
    text = (built.root / "reports" / "provenance.md").read_text(encoding="utf-8")
    assert text.startswith("# Provenance of partner inputs (partners build)")


def test_every_input_the_partners_may_see_is_placed_in_every_output(built, report):
    assert report["outputs"] == ["site", "reading PDF", "archive PDF", "Word version"]
    visible = {i for i, item in built.inputs.partner_inputs.items() if may_show(item, Audience.PARTNERS)}
    listed = {item["id"]: item for item in report["inputs"] if not item["left_out"]}
    assert set(listed) == visible
    for input_id, item in listed.items():
        for output in report["outputs"]:
            kinds = {p["kind"] for p in item["places"] if p["output"] == output}
            assert kinds == {"entry", "reference"}, f"{input_id} in {output}: {kinds}"


def test_each_input_points_back_to_its_file_and_line(built, report):
    for item in report["inputs"]:
        file, line = item["origin"].rsplit(":", 1)
        lines = (built.root / file).read_text(encoding="utf-8").splitlines()
        assert lines[int(line) - 1].startswith(f"id: {item['id']}"), item["origin"]


def test_the_report_lists_inputs_left_out_with_the_reason(built, report):
    left_out = {item["id"]: item for item in report["inputs"] if item["left_out"]}
    hidden = {i for i, item in built.inputs.partner_inputs.items() if not may_show(item, Audience.PARTNERS)}
    assert set(left_out) == hidden and hidden
    for input_id, item in left_out.items():
        assert item["places"] == []
        written = yaml.safe_load((built.root / item["origin"].rsplit(":", 1)[0]).read_text(encoding="utf-8"))
        expected = "no consent recorded" if "consent" not in written else "withheld it"
        assert expected in item["left_out"], (input_id, item["left_out"])
    markdown = (built.root / "reports" / "provenance.md").read_text(encoding="utf-8")
    left_out_part = markdown.split("## Left out", 1)[1].split("## Where each input appears", 1)[0]
    assert sorted(re.findall(r"\*\*(PI-\d+)\*\*", left_out_part)) == sorted(hidden)


def test_pdf_places_are_the_printed_pages_where_the_input_really_is(built, report):
    """Each 'entry' page number in the report is the page whose printed number it is, and the ID is there."""
    reader = pypdf.PdfReader(built.pdf)
    index_of_label = {label: i for i, label in enumerate(reader.page_labels)}
    with pdfplumber.open(built.pdf) as pdf:
        for item in report["inputs"]:
            entries = [p for p in item["places"] if p["output"] == "reading PDF" and p["kind"] == "entry"]
            for place in entries:
                text = pdf.pages[index_of_label[place["where"]]].extract_text()
                assert item["id"] in text, (item["id"], place)
                assert place["section"].split(" · ")[0] == item["id"]


def test_site_places_are_sections_of_pages_that_mention_the_input(built, report):
    for item in report["inputs"]:
        for place in (p for p in item["places"] if p["output"] == "site"):
            page = (built.site / (place["where"] or "index.html")).read_text(encoding="utf-8")
            article = page.split("<article", 1)[1].split("</article>", 1)[0]
            assert item["id"] in article or f"#{item['id'].lower()}" in article
            assert place["section"] and place["section"] in re.sub(r"<[^>]+>", "", page).replace("&#39;", "'")


def test_a_build_that_would_lose_visible_inputs_fails_naming_each_one(tmp_path):
    """An author trims the navigation and silences the warning about pages left out of it: the pages are still
    built for the site, but the PDF follows the navigation, so inputs only they mention would vanish from it."""
    root = copy_project(tmp_path / "trimmed")
    # Trimming renumbers the chapters, so strategy check would rightly refuse the example's comments on
    # paragraph numbers the edition no longer prints: not what this test is about.
    shutil.rmtree(root / "inputs" / "feedback")
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    kept = re.sub(r"\n  - Annexes:\n(      - .*\n)+", "\n", text)
    kept = kept.replace("      - Priorities for Phase III: generated/priorities.md\n", "")
    kept = kept.replace("      - Outcomes of the partners meeting: generated/meeting-outcomes.md\n", "")
    kept = kept.replace("omitted_files: warn", "omitted_files: info")
    assert kept.count("\n") < text.count("\n") - 5 and "omitted_files: info" in kept
    config.write_text(kept, encoding="utf-8")
    run = strategy("build", "--project", str(root))
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    lost = re.findall(r"inputs/partner-inputs/(PI-\d+)\.yaml:\d+: field 'id': expected input \1 in every output "
                      r"\(consent '(?:named|anonymous)' lets the partners audience see it\); "
                      r"found it is missing from the reading PDF and the Word version", run.stderr)  # a draft build
    # The author chapters still in the PDF name a few inputs; every other visible input is lost.
    in_print = [p.read_text(encoding="utf-8") for p in (root / "docs").glob("*.md")]
    quoted = set(re.findall(r"PI-\d{3}", "".join(t for t in in_print if "\npdf: false\n" not in t)))
    inputs = load_inputs(root / "inputs", root).partner_inputs
    visible = {i for i, item in inputs.items() if may_show(item, Audience.PARTNERS)}
    assert quoted and sorted(lost) == sorted(visible - quoted), run.stderr
    assert not (root / "site").exists() and not (root / "reports").exists()


def test_word_places_are_headings_of_the_word_version(built, report):
    """Word lays out its own pages, so a place there is its section: a real heading, and the entry is the input's."""
    with zipfile.ZipFile(built.site / built.publication.docx_file) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    headings = {html.unescape(re.sub(r"<[^>]+>", "", m)) for m in
                re.findall(r'<w:pStyle w:val="Heading[123]" />.*?</w:p>', xml)}
    for item in (i for i in report["inputs"] if not i["left_out"]):
        word = [p for p in item["places"] if p["output"] == "Word version"]
        assert word and all(p["where"] == "" and p["section"] in headings for p in word), item["id"]
        assert [p["section"].split(" · ")[0] for p in word if p["kind"] == "entry"] == [item["id"]]
