"""No invented fact passes as real (issue 8, part 6).

The meeting as its concept note states it, in the built site and PDF; headline figures from one record through
the `figure` macro; `strategy check` on hand-typed figures, illustrative records and placeholders; a final
edition that refuses to build; and the mark on illustrative tables, charts, key messages and quotes in the
site, the PDF text and the Word version. The example is built once (conftest's `built`); the other tests run
`strategy check`, which takes about a second.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import subprocess
import sys
import zipfile

import pytest
from pypdf import PdfReader

from conftest import copy_project, strategy
from corpus import line_of, replace_in
from strategy.chapters import Audience
from strategy.chapters.macros import expand_macros
from strategy.problems import ProblemsFound

MEETING = dt.date(2025, 3, 27)
OBJECTIVES = [
    "Take stock of the progress made, results achieved, and impact created since the beginning of Phase II of the "
    "SPF Flagship Programme, including through the multi-donor programme.",
    "Share country and partner experiences in extending social protection to all, look at current and future "
    "challenges and opportunities, with a focus on key thematic areas.",
    "Join forces to accelerate the achievement of Universal Social Protection, through building strong social "
    "protection systems and positioning social protection as a key tool for creating just and equitable societies.",
    "Identify key priorities for Phase III of the SPF Flagship Programme.",
]
SPEAKERS = [
    "Valérie Schmitt, Deputy Director, Social Protection Department",
    "Shahra Razavi, Director of the Social Protection Department",
    "Peter van Rooij, Director, Multilateral Partnerships and Development Cooperation Department (closing remarks)",
]


def plain(text: str) -> str:
    """Words only: tags dropped, entities read, PDF line-end hyphens joined, whitespace collapsed."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    text = re.sub(r"[\u2010\u00ad]\s+", "", text)
    return re.sub(r"\s+", " ", text).replace(" ,", ",").replace(" .", ".").replace("( ", "(").replace(" )", ")")


@pytest.fixture(scope="module")
def pdf_text(built) -> str:
    return plain(" ".join(page.extract_text() for page in PdfReader(built.pdf).pages))


@pytest.fixture(scope="module")
def docx_text(built) -> str:
    with zipfile.ZipFile(built.site / built.publication.docx_file) as package:
        xml = package.read("word/document.xml").decode("utf-8")
    # A paragraph's runs as they read (a caption's number is a field of its own), paragraphs apart.
    return plain(" ".join("".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", paragraph))
                          for paragraph in re.findall(r"<w:p[ >].*?</w:p>", xml, re.S)))


def site_page(built, page: str) -> str:
    return (built.site / f"{page}.html").read_text(encoding="utf-8")


# --- the meeting's concept note ----------------------------------------------------------------------------


def test_the_meeting_reads_as_its_concept_note_in_the_site_and_the_pdf(built, pdf_text):
    site = plain(site_page(built, "generated/meeting-outcomes"))
    for where, text in (("site", site), ("PDF", pdf_text)):
        for words in [*SPEAKERS, *OBJECTIVES, "27 March 2025 (Geneva and online"]:
            assert words in text, f"{where}: '{words}' missing"
        assert "van de Rooij" not in text and "26 March 2026" not in text, where
        # The meeting's own closing sequence: the summary of the inputs received, then the way forward, last.
        # (Between a session's heading and its first paragraph: the site's Comment link and paragraph numbers.)
        sessions = re.findall(r"S\d · ([^·¶]+?) (?:¶ )?(?:Comment on this section )?(?:\d+\.\d+ ?)?"
                              r"(?:Illustrative )?Objectives served", text)
        assert sessions[-2:] == ["A summary of the inputs received", "The way forward"], (where, sessions)


def test_the_examples_dates_follow_the_meeting(built):
    inputs, publication = built.inputs, built.publication
    assert inputs.meeting.date == MEETING and inputs.meeting.venue == "Geneva and online"
    before = [i for i in inputs.partner_inputs.values() if i.timing.value == "before-meeting"]
    during = [i for i in inputs.partner_inputs.values() if i.timing.value == "during-meeting"]
    assert before and all(i.received <= MEETING for i in before)
    assert during and all(i.received == MEETING for i in during)
    assert MEETING < publication.edition.date <= dt.date(2025, 12, 31)
    assert publication.rights.year == 2025 and publication.rights.citation.rstrip(".").endswith("2025")


# --- headline figures: one record, one macro ------------------------------------------------------------------


def test_the_figure_macro_states_the_record_and_dates_a_later_figure(example_inputs):
    def expand(text: str) -> str:
        return expand_macros(text, example_inputs, Audience.PARTNERS, file="docs/x.md", page_path="x.md")

    assert ">148 institutional changes</span>" in expand('{{ figure("institutional-changes") }}')
    assert ">a target of 60 million</span>" in expand("{{ figure('people', 'target') }}")
    assert ">2021–2024</span>" in expand('{{ figure("period") }}')
    update = expand('{{ figure("institutional-changes", "update") }}')
    assert "149 key institutional changes" in update and "(as of 29 October 2025; source: ILO news on the meeting of the Global" in update
    with pytest.raises(ProblemsFound) as found:
        expand('One\n\n{{ figure("institutional-change") }}\n\n{{ figure("priority-countries", "update") }}')
    report = found.value.report()
    assert "docs/x.md:3:" in report and "did you mean institutional-changes?" in report
    assert "docs/x.md:5:" in report and "has none" in report


def test_pages_state_the_headline_figures_from_the_record(built, pdf_text, docx_text):
    for page in ("context", "executive-summary", "way-forward"):
        assert '<span class="headline-figure" title="Source: ILO Live' in site_page(built, page), page
    results = plain(site_page(built, "generated/phase-ii-results"))
    assert ("contributed to 148 institutional changes, against a target of 80, and legal and effective coverage "
            "increased for more than 50 million people, against a target of 60 million. Source: ILO Live") in results
    for text in (pdf_text, docx_text):
        assert "in 2021–2024, against a target of 80" in text
        assert "149 key institutional changes (as of 29 October 2025; source:" in text


def test_a_changed_record_changes_every_page_that_states_it(tmp_path):
    root = copy_project(tmp_path / "p")
    replace_in(root / "inputs/headline-figures.yaml", "text: more than 50 million people",
               "text: more than 50.5 million people")
    from strategy.inputs import load_inputs
    inputs = load_inputs(root / "inputs", root)
    for page in ("context.md", "executive-summary.md", "way-forward.md"):
        text = expand_macros((root / "docs" / page).read_text(encoding="utf-8"), inputs, Audience.PARTNERS,
                             file=f"docs/{page}", page_path=page)
        assert "more than 50.5 million people" in text and "more than 50 million people" not in text, page


def test_a_headline_figure_typed_by_hand_is_reported_with_file_and_line(tmp_path):
    root = copy_project(tmp_path / "p")
    page = root / "docs/vision.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nPhase II reached more than 50 million people.\n",
                    encoding="utf-8")
    line = line_of(page, "Phase II reached more than")
    run = strategy("check", "--project", str(root))
    assert run.returncode == 0, run.stderr
    expected = f"docs/vision.md:{line}: warning: expected the headline figure through {{{{ figure(\"people\") }}}}"
    assert expected in run.stderr and "'50 million people' typed by hand" in run.stderr


def test_the_example_types_no_headline_figure_by_hand():
    from conftest import REPO
    run = strategy("check", "--project", str(REPO))
    assert run.returncode == 0, run.stderr
    assert "typed by hand" not in run.stderr


# --- final edition --------------------------------------------------------------------------------------------


def test_a_final_edition_refuses_to_build_and_lists_every_illustrative_record_and_placeholder(tmp_path):
    root = copy_project(tmp_path / "p")
    draft = strategy("check", "--project", str(root))
    assert draft.returncode == 0 and "warning: expected the real text" in draft.stderr
    replace_in(root / "strategy.yml", "final: false", "final: true")
    check = strategy("check", "--project", str(root))
    assert check.returncode == 1
    out = check.stderr
    assert "docs/foreword.md:14: expected the real text: this is a final edition" in out and "'[Name]'" in out
    assert f"strategy.yml:{line_of(root / 'strategy.yml', 'comments_email')}:" in out and "example.org" in out
    assert f"strategy.yml:{line_of(root / 'strategy.yml', 'isbn:')}:" in out and "ISBN placeholder" in out
    for number in range(1, 47):
        path = root / f"inputs/partner-inputs/PI-{number:03d}.yaml"
        assert f"inputs/partner-inputs/PI-{number:03d}.yaml:{line_of(path, 'illustrative: true')}: field " \
               "'illustrative'" in out
    for csv_file in ("inputs/countries.csv", "inputs/results/countries.csv"):
        assert f"{csv_file}:2: field 'illustrative'" in out
    build = strategy("build", "--project", str(root))
    assert build.returncode == 1 and "this is a final edition" in build.stderr
    assert not (root / "site").exists()
    # MkDocs alone refuses it too: the plugin asks the same question.
    mkdocs = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(root / "mkdocs.yml")],
                            capture_output=True, text=True, timeout=300, cwd=root)
    assert mkdocs.returncode != 0 and "this is a final edition" in mkdocs.stderr, mkdocs.stderr[-2000:]
    assert not (root / "site" / "index.html").exists()


# --- the mark on illustrative data ----------------------------------------------------------------------------


def test_illustrative_tables_charts_key_messages_and_quotes_carry_the_mark_in_every_output(built, pdf_text,
                                                                                           docx_text):
    results = site_page(built, "generated/phase-ii-results")
    tables = re.findall(r'<div class="data-table[^"]*" id="tbl-[^"]+">(.*?)<table', results, re.S)
    figures = re.findall(r'(<p class="illustrative-label for-figure">(?:(?!</p>).)*</p>\s*)?<figure id="fig-', results,
                         re.S)
    assert len(tables) == 7 and len(figures) == 3
    assert all('class="illustrative-mark"' in t for t in tables + figures)
    # The two key messages made from the headline figures are real; the others rest on invented records.
    box = re.search(r'<div class="admonition abstract">(.*?)</div>', results, re.S).group(1)
    items = re.findall(r"<li>(.*?)</li>", box, re.S)
    assert ["illustrative-mark" in i for i in items] == [False, False, True, True]
    vision = site_page(built, "vision")
    quote = re.search(r'<blockquote class="partner-input">(.*?)</blockquote>', vision, re.S).group(1)
    assert "PI-004" in quote and 'class="illustrative-mark"' in quote.split('class="attribution"')[1]
    for name, text in (("PDF", pdf_text), ("Word", docx_text)):
        for caption in ("Table 2.1 Phase II targets and achievements", "Table 2.2 Phase II results by region",
                        "Figure 2.1 Phase II targets and achievements",
                        "Figure 2.2 Phase II institutional changes by ILO region"):
            assert f"Illustrative {caption}" in text, (name, caption)
        assert re.search(r"\(PI-004\) Illustrative", text), name
        assert "Illustrative Africa accounted for the most institutional changes" in text, name
    # A "Source:" line names the real source for what is real, and says what is not.
    assert "the people covered by coverage dimension are illustrative" in plain(results)


def test_real_figures_carry_no_mark(built):
    context = site_page(built, "context")
    assert "illustrative-mark" not in context
