"""The PDF for the record: structure, editions, archival metadata, determinism (issue 3)."""

from __future__ import annotations

import re

import pdfplumber
import pikepdf
import pytest
from pypdf import PdfReader

from conftest import REPO
from strategy.checks import audit
from strategy.publish.pdf import READING, render_pdf


@pytest.fixture(scope="module")
def reading(built):
    return PdfReader(built.pdf)


@pytest.fixture(scope="module")
def archive(built):
    return PdfReader(built.site / built.publication.archive_pdf_file)


def outline_pages(reader: PdfReader) -> dict[str, int]:
    """Bookmark title -> 0-based page index, for every bookmark."""
    found = {}

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                found.setdefault(item.title, reader.get_destination_page_number(item))
    walk(reader.outline)
    return found


@pytest.fixture(scope="module")
def pages_of(reading):
    return outline_pages(reading)


@pytest.fixture(scope="module")
def texts(reading):
    return [re.sub(r"\s+", " ", page.extract_text()) for page in reading.pages]


def test_front_matter_in_order_with_title_and_copyright_pages(built, texts, pages_of):
    rights = built.publication.rights
    order = ["Foreword", "Contents", "Tables", "Abbreviations", "Executive summary", "1 Context"]
    starts = [pages_of[title] for title in order]
    assert starts == sorted(starts) and len(set(starts)) == len(starts), dict(zip(order, starts))
    assert built.publication.title in texts[1] and built.publication.edition.label in texts[1]
    copyright_page = texts[2]
    assert rights.licence in copyright_page and "Required citation" in copyright_page
    assert "ISBN" in copyright_page and rights.holder in copyright_page


def test_chapters_are_numbered_and_annexes_follow(built, texts):
    body = " ".join(texts)
    assert re.search(r"\b1 Context\b", body)
    assert re.search(r"\b2 Phase II results\b", body)
    assert "Annex 1" in body and "Summary of inputs received" in body


def test_list_of_tables_matches_the_captioned_tables(built, texts):
    html = (built.root / ".build" / "print.html").read_text(encoding="utf-8")
    captions = re.findall(r'<p class="table-caption"><span class="caption-label">(Table [A0-9.]+)</span>', html)
    listing = " ".join(t for t in texts if t.lstrip().startswith("Tables"))
    assert len(captions) >= 10
    for label in captions:
        assert label in listing, f"{label} missing from the list of tables"
    assert len(set(captions)) == len(captions), "two tables share a number"


def test_abbreviations_list_only_terms_the_text_uses(built, texts, pages_of):
    abbreviations = texts[pages_of["Abbreviations"]]
    rest = " ".join(t for t in texts if t is not abbreviations)
    listed = [g.term for g in built.inputs.glossary if re.search(rf"(?<![\w-]){re.escape(g.term)}(?![\w-])",
                                                                   abbreviations)]
    assert listed
    for term in listed:
        assert re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", rest), f"{term} is listed but never used"
    unused = [g.term for g in built.inputs.glossary if g.term not in rest]
    for term in unused:
        assert not re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", abbreviations), f"{term} is unused"


def test_both_editions_are_tagged_with_language_title_and_bookmarks(built):
    for name in (built.publication.pdf_file, built.publication.archive_pdf_file):
        with pikepdf.open(built.site / name) as pdf:
            assert "/StructTreeRoot" in pdf.Root, name
            assert pdf.Root.MarkInfo.Marked, name
            assert str(pdf.Root.Lang) == built.publication.language
            assert pdf.Root.Outlines.Count != 0
            meta = pdf.open_metadata()
            assert meta.get("dc:title"), name


def test_archive_edition_declares_pdf_a_and_reading_edition_pdf_ua(built):
    with pikepdf.open(built.site / built.publication.archive_pdf_file) as pdf:
        meta = pdf.open_metadata()
        assert meta.get("pdfaid:part") == "3" and meta.get("pdfaid:conformance") == "A"
    with pikepdf.open(built.pdf) as pdf:
        assert pdf.open_metadata().get("pdfuaid:part") == "1"


def test_archive_edition_opens_every_chapter_on_a_right_hand_page(built, archive):
    labels = archive.page_labels
    for index, page in enumerate(archive.pages):
        text = page.extract_text().lstrip()
        if re.match(r"^(\d+ |Annex \d+)", text) and index >= labels.index("1"):
            assert index % 2 == 0, f"a chapter opens on a left-hand page ({index + 1})"


def test_archive_edition_sets_title_page_on_a_right_hand_page_and_copyright_on_its_back(built, archive):
    """Page 1 is the cover, page 2 its blank back, page 3 (a right-hand page) the title page, page 4 the
    copyright page on the title page's back."""
    texts = [re.sub(r"\s+", " ", page.extract_text()) for page in archive.pages]
    publication = built.publication
    assert publication.title in texts[0] and texts[1].strip() == ""
    assert publication.title in texts[2] and f"{publication.edition.label} ·" in texts[2]
    assert publication.rights.licence in texts[3] and "Required citation" in texts[3]
    assert not any("Required citation" in text for text in texts[:3] + texts[4:])


def test_archive_edition_blank_pages_carry_no_number_and_no_running_head(built):
    """Every page without body text is a left-hand page with no text at all: neither its number nor the
    running head. The layout audit's reading of the page tells body text from running heads and feet."""
    path = built.site / built.publication.archive_pdf_file
    with pikepdf.open(path) as pdf, pdfplumber.open(path) as plumb:
        pages = audit._pages(plumb, [page.label for page in pdf.pages], audit._tagged(pdf))
    blank = [page for page in pages if not page.lines and not page.plumb.images and not page.full_bleed]
    assert len(blank) >= 3, "the archive edition should leave pages blank before right-hand openings"
    front = [page for page in blank if not page.label.isdigit()]
    assert front and len(front) < len(blank), "blank pages both in the front matter and in the main matter"
    for page in blank:
        assert page.number % 2 == 0, f"page {page.number} (label {page.label}) is a blank right-hand page"
        assert page.plumb.extract_text().strip() == "", f"blank page {page.number} (label {page.label}) has text"


def test_draft_watermark_is_no_text(texts):
    assert not any("DRAFT" in t for t in texts[1:])


def test_final_edition_has_no_watermark(built, tmp_path):
    """The same print HTML rendered as a final edition draws nothing behind the text."""
    html = (built.root / ".build" / "print.html").read_text(encoding="utf-8")
    docs = built.root / "docs"
    draft, final = tmp_path / "draft.pdf", tmp_path / "final.pdf"
    for output, is_draft in ((draft, True), (final, False)):
        render_pdf(html, docs, docs / "assets/stylesheets/fonts.css", output, [docs / "assets"], READING,
                   draft=is_draft)
    with pikepdf.open(draft) as d, pikepdf.open(final) as f:
        page_d, page_f = d.pages[20], f.pages[20]
        # The watermark is a vector drawing: it adds a form or path operators the final page lacks.
        assert len(page_d.Contents.read_bytes()) + len(str(page_d.Resources)) > \
            len(page_f.Contents.read_bytes()) + len(str(page_f.Resources))


def test_same_inputs_give_byte_identical_outputs_in_another_folder_and_process(built, draft_then_release):
    """Site, both PDFs and the provenance report: the same bytes from a second copy built by other processes
    (a draft build, then a release build)."""
    again = draft_then_release.release.outputs
    for name in (built.publication.pdf_file, built.publication.archive_pdf_file):
        assert (again / "site" / name).read_bytes() == (built.site / name).read_bytes(), f"{name} differs"
    for folder in ("site", "reports"):
        first, second = built.root / folder, again / folder
        files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
        assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
        assert files
        differing = [f for f in files if (first / f).read_bytes() != (second / f).read_bytes()]
        assert not differing, f"these files differ between two builds of the same inputs: {differing}"


def test_example_data_is_marked_illustrative_in_the_pdf(texts):
    assert "Illustrative data" in " ".join(texts)


def test_repo_has_no_stray_generated_output():
    tracked = set()
    import subprocess
    listed = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True).stdout.split()
    tracked.update(listed)
    assert not any(p.endswith((".pdf", ".docx")) or p.startswith(("site/", "docs/generated/", "reports/", ".build/"))
                   for p in tracked)


def test_cross_references_print_the_number_and_the_right_page(reading, texts):
    body = " ".join(texts)
    refs = re.findall(r"\b(Table|Figure) (\d+\.\d+) \(page (\d+)\)", body)  # "Table 2.1 (page 4)"
    assert refs, "the example's cross-reference is missing"
    labels = reading.page_labels
    for kind, number, page in refs:
        assert f"{kind.capitalize()} {number}" in texts[labels.index(page)], (kind, number, page)


def test_footnotes_print_on_the_page_of_their_call(built, texts):
    """Each footnote is printed on the page that holds the words just before its call."""
    html = (built.root / ".build" / "print.html").read_text(encoding="utf-8")
    marked = re.sub(r"<[^>]+>", "", html.replace('<span class="footnote">', "\x00"))
    notes = re.findall(r"([^\x00]{12})\x00([^\x00]{25})", marked)
    assert notes
    for before, note in notes:
        call_words = re.sub(r"\s+", " ", before)[-12:]
        note_words = re.sub(r"\s+", " ", note.strip())[:25]
        call_pages = {i for i, t in enumerate(texts) if call_words in t}
        note_pages = {i for i, t in enumerate(texts) if note_words in t}
        assert note_pages, f"footnote '{note_words}' is not printed"
        assert call_pages & note_pages, f"'{note_words}' is on {note_pages}, its call on {call_pages}"
