"""What a publications officer checks before signing off (issue 10, part 2): typographic quotes in the site,
the PDF and the Word version; lettered lists without a second marker; definition lists styled; every table
numbered, captioned and listed, and cross-references that read as a sentence; short values on one line in
tables; each partner of the right kind; every acronym in the list of abbreviations, checked by `strategy check`.
"""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from conftest import REPO, copy_project, strategy
from corpus import line_of, replace_in
from strategy.acronyms import acronyms
from strategy.chapters.markdown import _site_markdown, partner_text
from strategy.chapters.partner_markdown import partner_markdown
from strategy.inputs.records import PartnerKind
from strategy.typeset import smart_text

LETTERED = "- (a) access to health care;\n- (b) income security for children;\n- (c) for older persons.\n"


# Lists, tables and quotes as Markdown renders them for the site and the print edition ------------------------

def test_a_list_of_a_b_c_clauses_is_lettered_and_keeps_no_bullet():
    rendered = _site_markdown().reset().convert(LETTERED)
    assert '<ol class="lettered" type="a">' in rendered
    assert "<li>access to health care;</li>" in rendered
    assert "(a)" not in rendered and "<ul>" not in rendered


def test_roman_clauses_are_lettered_and_a_list_that_only_looks_alike_is_left_alone():
    roman = _site_markdown().reset().convert("- (i) one\n- (ii) two\n- (iii) three\n")
    assert '<ol class="lettered" type="i">' in roman and "<li>one</li>" in roman
    # Not a sequence from (a): a bullet list whose items happen to open with brackets stays as written.
    mixed = _site_markdown().reset().convert("- (b) one\n- (see below) two\n")
    assert "<ul>" in mixed and "(b) one" in mixed


def test_short_columns_keep_to_one_line_and_a_long_column_wraps():
    table = ("| Partner | Region | Country |\n|---|---|---|\n"
             "| Ministry of Employment and Social Protection, a long name that wraps | Africa | Côte d'Ivoire |\n")
    rendered = _site_markdown().reset().convert(table)
    assert '<td class="short">Côte d&rsquo;Ivoire</td>' in rendered
    assert '<td class="short">Africa</td>' in rendered
    assert "<td>Ministry of Employment" in rendered


def test_a_table_of_many_short_columns_keeps_within_the_budget():
    headers = " | ".join(f"Column {n:02d} long" for n in range(8))
    row = " | ".join("Europe and Central Asia" for _ in range(8))
    rendered = _site_markdown().reset().convert(f"| {headers} |\n|{'---|' * 8}\n| {row} |\n")
    # 23 characters a column: two columns fit the budget of 60, not eight (they would run off the page).
    assert rendered.count('<td class="short">') == 2


def test_quotes_and_apostrophes_are_typographic_in_names():
    rendered = _site_markdown().reset().convert("Employers' organizations in Côte d'Ivoire said \"yes\".")
    assert "Employers&rsquo; organizations in Côte d&rsquo;Ivoire said &ldquo;yes&rdquo;." in rendered
    assert smart_text("The ILO's name") == "The ILO\u2019s name"
    assert smart_text("- not a list item") == "- not a list item"


def test_partner_text_still_passes_its_sanitiser_with_quotes_lettered_lists_and_short_columns():
    text = "Côte d'Ivoire's \"vision\":\n\n" + LETTERED
    rendered = _site_markdown().reset().convert(partner_text(text))
    assert "Côte d&rsquo;Ivoire&rsquo;s &ldquo;vision&rdquo;" in rendered
    assert '<ol class="lettered" type="a">' in rendered
    own = partner_markdown(LETTERED + "\n| Country | Note |\n|---|---|\n| Togo | x |\n", prefix="pi-001-vision",
                           input_id="PI-001", images={})
    # Not the fallback (plain paragraphs with every punctuation mark a reference): the list and table stay.
    assert own.startswith("- (a) access") and "| Togo | x |" in own


# Acronyms ------------------------------------------------------------------------------------------------

def test_acronyms_are_found_with_their_line_and_roman_numerals_ids_and_markup_are_not():
    text = ("---\ntitle: ASEAN\n---\n\nPhase III and PI-004 and FB-001.\n"
            "The SDGs, the ILO's C102, R&D and COVID-19 (A/RES/70/1).\n"
            "`CODE` <span class=\"HTML\">x</span> [link](https://X.ORG) {: .XREF }\n*[ILO]: International\n")
    # C102 has one capital: a number with a letter, as S1 (a session) is, not an acronym.
    assert list(acronyms(text)) == [("SDG", 6), ("ILO", 6), ("R&D", 6), ("COVID", 6)]


def test_the_example_uses_no_acronym_missing_from_the_abbreviations_and_no_table_without_caption(example_inputs):
    run = strategy("check", "--project", str(REPO))
    assert run.returncode == 0, run.stderr
    assert "not in the glossary" not in run.stdout + run.stderr
    assert "a table without a caption" not in run.stdout + run.stderr  # the Ambition 2025 table has its own
    assert any(entry.term == "ASEAN" and entry.expansion == "Association of Southeast Asian Nations"
               for entry in example_inputs.glossary)


def test_check_names_an_acronym_missing_from_the_glossary_with_file_and_line(tmp_path):
    root = copy_project(tmp_path / "project")
    line = replace_in(root / "docs" / "vision.md", "## A vision that endures",
                      "## A vision that endures\n\nThe OECD agrees.")
    run = strategy("check", "--project", str(root))
    assert run.returncode == 0, run.stderr  # a draft: a warning
    assert re.search(rf"docs/vision\.md:{line + 2}: warning: .*found OECD, not in the glossary", run.stdout + run.stderr)
    # In a partner's input, the input's own file and line.
    path = root / "inputs" / "partner-inputs" / "PI-005.yaml"
    replace_in(path, "ASEAN countries", "ASEAN and APEC countries")
    replace_in(root / "strategy.yml", "final: false", "final: true")
    run = strategy("check", "--project", str(root))
    assert run.returncode == 1  # a final edition: a problem
    found = run.stdout + run.stderr
    assert re.search(rf"inputs/partner-inputs/PI-005\.yaml:{line_of(path, 'APEC')}: .*found APEC", found)
    assert "warning: expected an entry for every acronym" not in found.split("APEC")[0].splitlines()[-1]


# Kinds of partner ----------------------------------------------------------------------------------------

def test_the_european_union_and_issa_are_of_kinds_that_fit_them(example_inputs):
    assert example_inputs.partners["european-union"].kind is PartnerKind.REGIONAL_ORGANISATION
    assert example_inputs.partners["issa"].kind is PartnerKind.INTERNATIONAL_ORGANISATION
    readme = (REPO / "inputs" / "README.md").read_text(encoding="utf-8")
    for kind in PartnerKind:  # every kind has its label, its anonymous label and its meaning in the README
        assert kind.label and kind.anonymous_label and f"| `{kind.value}` |" in readme


# The real build: what a reader sees ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def pdf_text(built) -> str:
    """The reading edition's text, as pypdf extracts it, with every run of white space one space."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(built.pdf).pages).split())


def test_the_pdf_has_typographic_quotes_and_apostrophes(built, pdf_text):
    assert "Employers\u2019 organizations" in pdf_text and "Côte d\u2019Ivoire" in pdf_text
    assert "\u201cAmbition 2025\u201d" in pdf_text
    assert "The ILO\u2019s name" in pdf_text  # the rights page, from strategy.yml
    assert "Employers' " not in pdf_text and "d'Ivoire" not in pdf_text
    assert "wzxhzdk" not in pdf_text  # no Markdown placeholder left in a contents or list entry


def test_the_pdf_lists_every_table_and_its_cross_references_read_as_a_sentence(built, pdf_text):
    assert re.search(r"Table 1\.1\s+Phase II\u2019s Ambition 2025", pdf_text)  # an author page's table
    assert re.search(r"Table 2\.1 \(page \d+\) compares them", pdf_text)
    assert re.search(r"as Table 1\.1 \(page \d+\) shows", pdf_text)
    assert not re.search(r"the table \d", pdf_text, re.I)


def test_the_pdf_prints_lettered_clauses_once_and_short_values_on_one_line(built):
    layout = subprocess.run(["pdftotext", "-layout", str(built.pdf), "-"], capture_output=True, text=True,
                            check=True).stdout
    assert "(a) access to a nationally defined set" in layout
    assert not re.search(r"[•\u2022]\s*\(a\)", layout)
    # The list of partners: the country with the partner's name on one line, not "Côte" over "d'Ivoire".
    assert re.search(r"Social Protection, Côte d\u2019Ivoire\s+Africa\s+Côte d\u2019Ivoire\s+PI-004, PI-037", layout)
    assert re.search(r"Asia and the Pacific\s+Cambodia\s+PI-017", layout)


def test_the_site_has_typographic_quotes_lettered_lists_and_short_columns(built):
    context = (built.site / "context.html").read_text(encoding="utf-8")
    assert '<ol class="lettered" type="a">' in context and "(a) access" not in context
    assert "\u201cAmbition 2025\u201d" in context and 'id="tbl-ambition-2025"' in context
    partners = (built.site / "generated" / "partners.html").read_text(encoding="utf-8")
    assert "Employers\u2019 organizations" in partners and "Employers' organizations" not in partners
    assert re.search(r'<td class="short"[^>]*>Côte d\u2019Ivoire</td>', partners)
    assert re.search(r'<p class="table-caption"><span class="caption-label">Table A3.2</span> Priority-country', partners)
    abbreviations = (built.site / "generated" / "abbreviations.html").read_text(encoding="utf-8")
    assert "Association of Southeast Asian Nations" in abbreviations
    css = (REPO / "docs" / "assets" / "stylesheets" / "site.css").read_text(encoding="utf-8")
    assert "ol.lettered" in css and "dl:not([class]) > dt" in css


def test_the_word_version_has_typographic_quotes_and_bracketed_letters(built):
    path = built.site / built.publication.docx_file
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert "Employers\u2019 organizations" in text and "Côte d\u2019Ivoire" in text and "ILO\u2019s name" in text
    assert "d'Ivoire" not in text and "Employers' " not in text
    assert "Table 2.1 compares them" in text
    numbering = zipfile.ZipFile(path).read("word/numbering.xml").decode()
    assert 'w:numFmt w:val="lowerLetter" /><w:lvlText w:val="(%1)"' in numbering
    # The lettered clauses are a numbered list, not paragraphs opening with "(a)".
    clause = next(p for p in docx.Document(str(path)).paragraphs if p.text.startswith("access to a nationally"))
    assert clause._p.pPr is not None and clause._p.pPr.numPr is not None
