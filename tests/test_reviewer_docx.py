"""The Word version as reviewers get it (issue 9, section 2): A4 with the PDF's margins, type and headings, a
running head with the edition, page numbers, a contents field, numbered captions, and numbers that never
break inside a table cell, checked in the DOCX itself and in LibreOffice's rendering of it."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import time
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pdfplumber
import pytest
from fontTools.ttLib import TTFont

from conftest import REPO
from strategy.chapters.markdown import long_date
from strategy.checks.provenance import docx_places, input_labels
from strategy.publish import reference
from strategy.publish.docx import DocxMetadata, render_docx

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
A4_TWIPS = ("11906", "16838")
A4_POINTS = (595.3, 841.9)
MM = 72 / 25.4  # points
# print.css: @page margin 25mm 20mm 22mm 20mm; the text is 170 mm wide.
TEXT_WIDTH_TWIPS = 11906 - 2 * 1134
NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+|\d{4,}|\d+(?:\.\d+)?%")


@dataclass
class Word:
    """The built DOCX's parts, read once."""

    path: Path
    parts: dict[str, bytes]

    def tree(self, name: str) -> ElementTree.Element:
        return ElementTree.fromstring(self.parts[name])

    def text(self, name: str) -> str:
        return "".join(t.text or "" for t in self.tree(name).iter(f"{W}t"))


def cell_text(cell: ElementTree.Element) -> str:
    return "".join(t.text or "" for t in cell.iter(f"{W}t")).strip()


def style_of(paragraph: ElementTree.Element) -> str:
    style = paragraph.find(f"{W}pPr/{W}pStyle")
    return style.get(f"{W}val") if style is not None else ""


@pytest.fixture(scope="module")
def word(built) -> Word:
    path = built.site / built.publication.docx_file
    with zipfile.ZipFile(path) as package:
        return Word(path, {name: package.read(name) for name in package.namelist()})


@pytest.fixture(scope="module")
def libreoffice(word, tmp_path_factory) -> pdfplumber.PDF:
    """The built DOCX as LibreOffice prints it to PDF: one conversion for every test here (about 6 s)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.fail("LibreOffice's soffice is not installed: `make test` installs Debian's libreoffice-writer-nogui")
    folder = tmp_path_factory.mktemp("libreoffice")
    # A profile of its own: another LibreOffice running on the machine cannot take the conversion over.
    command = [soffice, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
               "--convert-to", "pdf", "--outdir", str(folder), str(word.path)]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env={"HOME": str(folder),
                                                                                      "PATH": "/usr/bin:/bin"})
    print(f"LibreOffice converted the DOCX in {time.monotonic() - started:.1f} s", file=sys.stderr)
    pdf = folder / word.path.with_suffix(".pdf").name
    assert done.returncode == 0 and pdf.is_file(), done.stdout + done.stderr
    document = pdfplumber.open(pdf)
    yield document
    document.close()


# The DOCX ---------------------------------------------------------------------------------------------


def test_the_reference_docx_is_made_from_pandocs_own_the_same_every_time():
    """The styles' origin is on record: publish/reference.py makes them from pandoc's own reference document
    at each build, entry for entry the same, and nothing generated is kept in the repository."""
    first = reference.reference_docx()
    reference.reference_docx.cache_clear()

    def entries(data: bytes) -> list[tuple[str, bytes]]:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            return [(info.filename, package.read(info)) for info in package.infolist()]

    assert entries(reference.reference_docx()) == entries(first)
    assert not (REPO / "scripts" / "strategy" / "publish" / "reference.docx").exists()


def test_pages_are_a4_with_the_pdfs_margins_and_the_edition_in_the_running_head(word, built):
    section = word.tree("word/document.xml").find(f"{W}body/{W}sectPr")
    size, margins = section.find(f"{W}pgSz"), section.find(f"{W}pgMar")
    assert (size.get(f"{W}w"), size.get(f"{W}h")) == A4_TWIPS
    assert {side: margins.get(f"{W}{side}") for side in ("top", "right", "bottom", "left")} == {
        "top": "1417", "right": "1134", "bottom": "1247", "left": "1134"}  # 25, 20, 22, 20 mm
    assert section.find(f"{W}titlePg") is not None  # the title page carries neither
    relationships = {r.get("Id"): r.get("Target") for r in word.tree("word/_rels/document.xml.rels")}
    [header] = [relationships[r.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")]
                for r in section.findall(f"{W}headerReference")]
    [footer] = [relationships[r.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")]
                for r in section.findall(f"{W}footerReference")]
    edition = built.publication.edition
    assert not edition.final
    assert word.text(f"word/{header}") == f"{edition.label} · {long_date(edition.date)} · for partner review"
    instructions = [i.text.strip() for i in word.tree(f"word/{footer}").iter(f"{W}instrText")]
    assert instructions == ["PAGE"]


def test_a_final_edition_says_so_without_asking_for_review_and_the_head_is_escaped(built, tmp_path):
    final = built.publication.model_copy(update={"edition": built.publication.edition.model_copy(
        update={"final": True, "label": "Final <edition> & co"})})
    metadata = DocxMetadata.of(final)
    assert metadata.header == f"Final <edition> & co · {long_date(final.edition.date)}"
    target = tmp_path / "final.docx"
    render_docx("<html><body><h1>One</h1><p>Text.</p></body></html>", target, metadata, base_folder=tmp_path,
                allowed_folders=[tmp_path], source_date_epoch=0)
    with zipfile.ZipFile(target) as package:
        header = ElementTree.fromstring(package.read("word/header1.xml"))
    assert "".join(t.text or "" for t in header.iter(f"{W}t")) == metadata.header


def test_type_and_headings_are_the_pdfs(word):
    styles = word.tree("word/styles.xml")
    default = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
    assert default.find(f"{W}rFonts").get(f"{W}ascii") == "Noto Serif"
    assert default.find(f"{W}sz").get(f"{W}val") == "21"  # 10.5 pt
    by_id = {s.get(f"{W}styleId"): s for s in styles.iter(f"{W}style")}
    for style_id, half_points in {"Heading1": "44", "Heading2": "28", "Heading3": "23", "Title": "48"}.items():
        properties = by_id[style_id].find(f"{W}rPr")
        assert properties.find(f"{W}rFonts").get(f"{W}ascii") == "Noto Sans"
        assert properties.find(f"{W}sz").get(f"{W}val") == half_points
    assert by_id["Heading1"].find(f"{W}pPr/{W}pageBreakBefore") is not None  # a chapter opens a page
    assert by_id["Table"].find(f"{W}rPr/{W}rFonts").get(f"{W}ascii") == "Noto Sans"
    # Where Noto is missing, Word substitutes by family: a serif for the text, a sans serif for the rest.
    fonts = {f.get(f"{W}name"): f.find(f"{W}family").get(f"{W}val") for f in word.tree("word/fontTable.xml")}
    assert fonts["Noto Serif"] == "roman" and fonts["Noto Sans"] == "swiss"


def test_a_contents_field_after_the_rights_page_lists_every_heading_and_word_updates_it(word):
    body = word.tree("word/document.xml").find(f"{W}body")
    settings = word.tree("word/settings.xml")
    assert settings.find(f"{W}updateFields").get(f"{W}val") == "true"
    [contents] = [sdt for sdt in body.iter(f"{W}sdt")
                  if sdt.find(f".//{W}docPartGallery").get(f"{W}val") == "Table of Contents"]
    instruction = "".join(i.text for i in contents.iter(f"{W}instrText"))
    assert instruction.strip() == 'TOC \\o "1-3" \\h \\z \\u'
    assert contents.find(f".//{W}fldChar").get(f"{W}dirty") == "true"
    children = list(body)
    position = children.index(contents)
    before = [style_of(p) for p in children[:position] if p.tag == f"{W}p"]
    after = next(p for p in children[position + 1:] if p.tag == f"{W}p")
    assert before[:4] == ["Title", "Subtitle", "Author", "Date"] and "Rights" in before
    assert style_of(after) == "Heading1"
    # Its entries, until Word writes it again: every heading to level 3, in order, linked to its bookmark.
    headings = [(style_of(p)[-1], "".join(t.text or "" for t in p.iter(f"{W}t")))
                for p in children[position + 1:] if p.tag == f"{W}p" and style_of(p) in
                ("Heading1", "Heading2", "Heading3")]
    entries = [(style_of(p)[-1], "".join(t.text or "" for t in p.iter(f"{W}t")))
               for p in contents.iter(f"{W}p") if style_of(p).startswith("TOC") and style_of(p) != "TOCHeading"]
    assert entries == headings and len(entries) > 50
    bookmarks = {b.get(f"{W}name") for b in body.iter(f"{W}bookmarkStart")}
    assert {h.get(f"{W}anchor") for h in contents.iter(f"{W}hyperlink")} <= bookmarks


def test_the_contents_are_no_place_of_an_input_in_the_provenance_report(word, built):
    """The contents repeat the register's headings ("PI-001 · …"): the report finds each input under its own
    section, never in the contents, which have none."""
    places = docx_places("Word version", word.path, input_labels(built.inputs))
    assert len(places) > 30
    assert all(place.section for found in places.values() for place in found)


def test_captions_are_numbered_by_seq_fields_that_give_the_pdfs_numbers(word, built):
    print_html = (built.root / ".build" / "print.html").read_text(encoding="utf-8")
    labels = re.findall(r'(?:<p class="table-caption">|<figcaption>)<span class="caption-label">([^<]+)</span>',
                        print_html)
    assert len(labels) > 15
    captions = []
    for paragraph in word.tree("word/document.xml").iter(f"{W}p"):
        field = paragraph.find(f"{W}fldSimple")
        if field is None or not field.get(f"{W}instr").strip().startswith("SEQ"):
            continue
        assert style_of(paragraph) in ("TableCaption", "ImageCaption")
        kind, *switches = field.get(f"{W}instr").split()[1:]
        prefix = "".join(t.text for r in paragraph.findall(f"{W}r") for t in r.iter(f"{W}t")
                         if r.find(f"{W}rPr/{W}rStyle") is not None)
        value = "".join(t.text for t in field.iter(f"{W}t"))
        assert prefix.startswith(kind) and "\\s" in switches  # restarts at each chapter in Word
        captions.append(prefix + value)
    assert captions == labels


def test_every_number_in_a_table_has_room_in_its_column(word):
    """No number can break in Word either: each column is wider than its longest number set in Noto Sans
    Bold 8.5 pt (the tables' type; bold for header and total rows), plus the cells' padding."""
    font = TTFont(REPO / "docs" / "assets" / "fonts" / "NotoSans-Bold.woff2")
    advances, per_em, glyphs = font["hmtx"], font["head"].unitsPerEm, font.getBestCmap()

    def points(text: str) -> float:
        return sum(advances[glyphs[ord(c)]][0] for c in text) / per_em * 8.5

    checked = 0
    for table in word.tree("word/document.xml").iter(f"{W}tbl"):
        grid = [int(c.get(f"{W}w")) for c in table.iter(f"{W}gridCol")]
        widths = [w / sum(grid) * TEXT_WIDTH_TWIPS / 20 - 10 for w in grid]  # points, less 5 pt each side
        for row in table.iter(f"{W}tr"):
            for column, cell in enumerate(row.findall(f"{W}tc")):
                for number in NUMBER.findall(cell_text(cell)):
                    checked += 1
                    assert points(number) < widths[column], (number, widths[column])
    assert checked > 150


# LibreOffice's rendering -------------------------------------------------------------------------------


def test_libreoffice_prints_a4_pages_with_the_running_head_and_page_numbers(libreoffice, built):
    pages = libreoffice.pages
    assert len(pages) > 30
    assert all((round(p.width, 1), round(p.height, 1)) == A4_POINTS for p in pages)
    edition = built.publication.edition
    head = f"{edition.label} · {long_date(edition.date)} · for partner review"
    for number, page in enumerate(pages, start=1):
        top = page.crop((0, 0, page.width, 20 * MM)).extract_text().strip()
        foot = page.crop((0, page.height - 18 * MM, page.width, page.height)).extract_text().strip()
        if number == 1:  # the title page
            assert (top, foot) == ("", "")
        else:
            assert (top, foot) == (head, str(number))


def test_libreoffice_shows_the_contents_and_the_caption_numbers(libreoffice, word):
    text = "\n".join(page.extract_text() for page in libreoffice.pages)
    assert re.search(r"^Contents\nForeword\n", text, re.M)
    shown = re.findall(r"^((?:Table|Figure) [A-Z]*\d+\.\d+) ", text, re.M)
    document = word.parts["word/document.xml"].decode()
    assert shown and shown == [f"{kind} {chapter}{number}" for kind, chapter, number in re.findall(
        r'<w:t xml:space="preserve">(Table|Figure) ([A-Z]*\d+\.)</w:t></w:r><w:fldSimple w:instr=" SEQ .*?'
        r'<w:t xml:space="preserve">(\d+)</w:t>', document)]


def test_libreoffice_breaks_no_number_in_a_table(libreoffice, word):
    """Each table cell that holds a number is one word in LibreOffice's PDF, as often as the cells hold it: a
    number broken over two lines would be two words."""
    in_cells = Counter(cell_text(cell) for table in word.tree("word/document.xml").iter(f"{W}tbl")
                       for cell in table.iter(f"{W}tc") if NUMBER.fullmatch(cell_text(cell)))
    assert sum(in_cells.values()) > 150
    printed = Counter(w["text"] for page in libreoffice.pages for w in page.extract_words())
    broken = {number: (count, printed[number]) for number, count in in_cells.items() if printed[number] < count}
    assert not broken
