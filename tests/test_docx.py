"""The DOCX for reviewers: made by the real pandoc from the real print HTML, in its sandbox, within limits."""

from __future__ import annotations

import base64
import calendar
import html
import io
import re
import shutil
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pytest

from conftest import copy_project, strategy
from strategy.chapters.markdown import long_date
from strategy.problems import ProblemsFound
from strategy.publish import docx as docx_module
from strategy.publish.docx import HEAP_BYTES, DocxMetadata, docx_html, render_docx
from strategy.publish.reference import reference_docx

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
DC = "{http://purl.org/dc/elements/1.1/}"
CP = "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}"
DCTERMS = "{http://purl.org/dc/terms/}"


@dataclass
class Rendered:
    docx: Path
    print_html: str
    root: Path
    arguments: dict


def words(text: str) -> str:
    """Text as a reader compares it: tags gone, entities decoded, any run of spaces one space."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", text))).strip()


def paragraphs(part: bytes) -> list[tuple[str, str]]:
    """Every paragraph of a WordprocessingML part as (its style, its text)."""
    found = []
    for paragraph in ElementTree.fromstring(part).iter(f"{W}p"):
        style = paragraph.find(f"{W}pPr/{W}pStyle")
        text = "".join(t.text or "" for t in paragraph.iter(f"{W}t"))
        found.append((style.get(f"{W}val") if style is not None else "", words(text)))
    return found


def render_arguments(root: Path, publication) -> dict:
    """What build.py passes: the docs folder for relative image paths, the same folders as the PDF, and the
    edition's date (midnight UTC, so the document says that date whatever the machine's time zone)."""
    return dict(metadata=DocxMetadata.of(publication), base_folder=root / "docs",
                allowed_folders=[root / "docs" / "assets", root / "docs" / "generated"],
                source_date_epoch=calendar.timegm(publication.edition.date.timetuple()))


@pytest.fixture(scope="module")
def rendered(built, tmp_path_factory) -> Rendered:
    print_html = (built.root / ".build" / "print.html").read_text(encoding="utf-8")
    # The build drew its charts in its private folder, removed with it; `strategy chapters` draws the same
    # charts (they show no partner input) where the print HTML's paths, relative to docs/, find them: in a
    # copy of the sources, since the session's build is shared and read-only.
    root = copy_project(tmp_path_factory.mktemp("docx-project") / "project")
    assert strategy("chapters", "--project", str(root)).returncode == 0
    target = tmp_path_factory.mktemp("docx") / "strategy.docx"
    arguments = render_arguments(root, built.publication)
    render_docx(print_html, target, **arguments)
    return Rendered(target, print_html, root, arguments)


def test_docx_opens_with_the_title_and_keeps_every_heading_as_a_word_heading(rendered, built):
    with zipfile.ZipFile(rendered.docx) as package:
        assert package.testzip() is None
        for name in package.namelist():  # every XML part parses: Word refuses a package that does not
            if name.endswith((".xml", ".rels")):
                ElementTree.fromstring(package.read(name))
        body = paragraphs(package.read("word/document.xml"))
        core = ElementTree.fromstring(package.read("docProps/core.xml"))
    publication = built.publication
    assert ("Title", publication.title) in body and ("Subtitle", publication.subtitle) in body
    assert ("Date", f"{publication.edition.label} · {long_date(publication.edition.date)}") in body
    # The cover and title page gave way to the title block: the title is not repeated as a heading.
    assert [text for style, text in body if text == publication.title] == [publication.title]
    # The rights page stays, as text.
    assert any(text.startswith("Required citation:") for _, text in body)
    # Every chapter, section and subsection heading of the print HTML, in order, as Heading 1..3: Word's
    # navigation pane shows the document's outline.
    expected = [(f"Heading{level}", words(text))
                for level, text in re.findall(r'<h([123]) id="[^"]+">(.*?)</h\1>', rendered.print_html)]
    headings = [(style, text) for style, text in body if re.fullmatch(r"Heading\d", style)]
    assert headings == expected
    assert sum(1 for style, _ in headings if style == "Heading1") >= 10
    # The print contents and lists (page numbers from print CSS only) are not carried over: Word's own
    # contents field stands in their place (tests/test_reviewer_docx.py).
    assert [style for style, text in body if text in ("Contents", "Tables", "Figures")] == ["TOCHeading"]
    assert core.findtext(f"{DC}title") == publication.title
    assert core.findtext(f"{DC}creator") == publication.author
    assert core.findtext(f"{DC}language") == "en"
    assert core.findtext(f"{CP}keywords") == ", ".join(publication.keywords)
    assert core.findtext(f"{DCTERMS}created") == f"{publication.edition.date.isoformat()}T00:00:00Z"


def test_docx_has_the_tables_the_charts_and_real_footnotes(rendered):
    with zipfile.ZipFile(rendered.docx) as package:
        document = package.read("word/document.xml")
        notes = paragraphs(package.read("word/footnotes.xml"))
        media = {name: package.read(name) for name in package.namelist() if name.startswith("word/media/")}
    tree = ElementTree.fromstring(document)
    assert len(list(tree.iter(f"{W}tbl"))) > 10
    # Each chart is in the package once, as its PNG drawing (which every Word and LibreOffice show, unlike
    # SVG), byte for byte, with the print HTML's alt text on its drawing.
    charts = sorted((rendered.root / "docs" / "generated" / "charts").glob("*.svg"))
    assert len(charts) == 5  # three of the results, two of the summary of inputs received
    assert sorted(media.values()) == sorted(chart.with_suffix(".png").read_bytes() for chart in charts)
    assert all(name.endswith(".png") and data.startswith(b"\x89PNG") for name, data in media.items())
    alts = [html.unescape(alt) for alt in re.findall(r'<img alt="([^"]*)" src="generated/charts/', rendered.print_html)]
    assert [drawing.get("descr") for drawing in tree.iter(f"{WP}docPr")] == alts
    assert b"data:image" not in document  # the charts are stored once, as media
    # The print stage's inline notes are Word footnotes again: referenced in the text, written in
    # footnotes.xml, and no longer inline.
    inline = [words(note) for note in re.findall(r'<span class="footnote">(.*?)</span>', rendered.print_html)]
    defined = sum(len(re.findall(r"^\[\^[^\]]+\]:", page.read_text(encoding="utf-8"), re.M))
                  for page in (rendered.root / "docs").glob("*.md"))  # each author footnote, called once
    assert inline and len(inline) == defined
    assert len(list(tree.iter(f"{W}footnoteReference"))) == len(inline)
    assert [text for style, text in notes if style == "FootnoteText"] == inline
    body_text = " ".join(text for _, text in paragraphs(document))
    assert not any(note[:40] in body_text for note in inline)


def test_pandoc_sizes_the_stand_ins_as_the_pictures_and_word_gets_the_pictures(rendered, tmp_path, monkeypatch):
    """pandoc is given a blank stand-in for each PNG (docx._with_stand_ins: the same pixels and resolution) and
    the package gets the pictures back: the same document, pictures and sizes as pandoc given the pictures."""
    from strategy.publish import docx as docx_module

    with_stand_ins = tmp_path / "stand-ins.docx"
    render_docx(rendered.print_html, with_stand_ins, **rendered.arguments)
    monkeypatch.setattr(docx_module, "_with_stand_ins", lambda html: (html, {}))
    given_pictures = tmp_path / "pictures.docx"
    render_docx(rendered.print_html, given_pictures, **rendered.arguments)
    with zipfile.ZipFile(with_stand_ins) as ours, zipfile.ZipFile(given_pictures) as theirs:
        assert ours.namelist() == theirs.namelist()
        media = [name for name in ours.namelist() if name.startswith("word/media/")]
        assert len(media) >= 5 and all(ours.read(name)[:4] == b"\x89PNG" for name in media)
        for name in ours.namelist():
            assert ours.read(name) == theirs.read(name), name
        assert b"<wp:extent" in ours.read("word/document.xml")


def test_the_same_print_html_gives_the_same_bytes(rendered, tmp_path):
    again = tmp_path / "again.docx"
    render_docx(rendered.print_html, again, **rendered.arguments)
    assert again.read_bytes() == rendered.docx.read_bytes()
    with zipfile.ZipFile(again) as package:
        # Every entry carries the edition's date, not the clock's.
        edition_day = tuple(time.gmtime(rendered.arguments["source_date_epoch"])[:6])
        assert {info.date_time for info in package.infolist()} == {edition_day}


def test_a_render_past_its_time_limit_is_a_problem_and_the_previous_docx_stays(rendered, tmp_path, monkeypatch):
    target = tmp_path / "strategy.docx"
    shutil.copy(rendered.docx, target)
    monkeypatch.setenv("STRATEGY_PANDOC_SECONDS", "0")
    with pytest.raises(ProblemsFound) as caught:
        render_docx(rendered.print_html, target, **rendered.arguments)
    [problem] = caught.value.problems
    assert problem.file == ".build/print.html"
    assert problem.expected.startswith("a DOCX that pandoc can write within 0 seconds")
    assert problem.found == "no DOCX after 0 seconds: pandoc was stopped"
    assert "Traceback" not in caught.value.report()
    assert target.read_bytes() == rendered.docx.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["strategy.docx"]  # no half-written file left beside it


def test_a_render_past_its_memory_limit_is_a_problem_and_the_previous_docx_stays(rendered, tmp_path, monkeypatch):
    monkeypatch.delenv("STRATEGY_PANDOC_SECONDS", raising=False)  # the default time limit, as named below
    target = tmp_path / "strategy.docx"
    shutil.copy(rendered.docx, target)
    with pytest.raises(ProblemsFound) as caught:
        render_docx(rendered.print_html, target, **rendered.arguments, heap_bytes=64 * 2**20)
    [problem] = caught.value.problems
    assert problem.expected == "a DOCX that pandoc can write within 120 seconds and 0.0625 GiB"
    assert problem.found == "pandoc's heap reached its limit of 64 MiB"
    assert target.read_bytes() == rendered.docx.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["strategy.docx"]


def test_a_time_limit_that_is_not_a_number_is_named(rendered, tmp_path, monkeypatch):
    monkeypatch.setenv("STRATEGY_PANDOC_SECONDS", "two minutes")
    with pytest.raises(ProblemsFound) as caught:
        render_docx(rendered.print_html, tmp_path / "strategy.docx", **rendered.arguments)
    assert str(caught.value.problems[0]) == ("environment: field 'STRATEGY_PANDOC_SECONDS': expected a number of "
                                             "seconds (0 or more); found 'two minutes'")


def test_only_images_in_the_allowed_folders_are_embedded(tmp_path):
    docs = tmp_path / "docs"
    (docs / "generated" / "charts").mkdir(parents=True)
    (docs / "assets").mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    chart = b"<svg xmlns='http://www.w3.org/2000/svg'/>"
    (docs / "generated" / "charts" / "a.svg").write_bytes(chart)
    (docs / "assets" / "b.png").write_bytes(b"\x89PNG fake")
    (outside / "c.svg").write_bytes(b"<svg>outside</svg>")
    (docs / "generated" / "notes.txt").write_text("not an image")
    (docs / "generated" / "charts" / "link.svg").symlink_to(outside / "c.svg")
    sources = {"a": "generated/charts/a.svg", "b": "assets/b.png", "traversal": "generated/../../outside/c.svg",
               "symlink": "generated/charts/link.svg", "absolute": str(outside / "c.svg"),
               "file": (outside / "c.svg").as_uri(), "remote": "https://example.org/c.svg",
               "text": "generated/notes.txt", "missing": "generated/charts/none.svg",
               "data": "data:image/svg+xml;base64,PHN2Zy8+"}
    page = "".join(f'<p><img alt="alt {name} &amp; co" src="{src}"></p>' for name, src in sources.items())
    out = docx_html(page, docs, [docs / "assets", docs / "generated"])
    images = re.findall(r'<img alt="([^"]*)" src="([^"]*)">', out)
    assert images == [
        ("alt a &amp; co", "data:image/svg+xml;base64," + base64.b64encode(chart).decode()),
        ("alt b &amp; co", "data:image/png;base64," + base64.b64encode(b"\x89PNG fake").decode()),
    ]
    for name in sources.keys() - {"a", "b"}:  # dropped, leaving the alt text as text
        assert f"<p>alt {name} &amp; co</p>" in out
    assert "outside" not in out and "example.org" not in out


def test_print_only_parts_go_and_inline_notes_become_epub_notes(tmp_path):
    page = ('<html><head><title>T</title></head><body><section class="cover"><h1>Cover</h1><section>x</section>'
            '</section><nav class="toc"><h1 class="toc-title">Contents</h1><ol><li>1</li></ol></nav>'
            '<section class="chapter"><h1 id="c">Chapter</h1><p>Text.<span class="footnote">See <span class="x">'
            'this</span> <em>now</em>&nbsp;</span> More &amp; more.</p><figure><p>chart</p>'
            '<details class="chart-data"><summary>Data</summary><details>inner</details><table></table></details>'
            '</figure></section></body></html>')
    out = docx_html(page, tmp_path, [tmp_path])
    assert out == ('<html><head><title>T</title></head><body><section class="chapter"><h1 id="c">Chapter</h1>'
                   '<p>Text.<a epub:type="noteref" href="#docx-note-1">1</a> More &amp; more.</p><figure><p>chart</p>'
                   '</figure></section><aside epub:type="footnote" id="docx-note-1"><p>See <span class="x">this</span>'
                   ' <em>now</em></p></aside></body></html>')


def hostile_html(port: int, canary: Path) -> str:
    return (f'<html><head><link rel="stylesheet" href="http://127.0.0.1:{port}/style.css">'
            f'<link rel="attachment" href="file:///etc/hostname"></head><body><p>Before '
            f'<img alt="local file" src="file:///etc/hostname"> <img alt="canary" src="{canary.as_uri()}"> '
            f'<img alt="absolute" src="/etc/hostname"> <img alt="remote" src="http://127.0.0.1:{port}/x.png"> '
            f'<a href="http://127.0.0.1:{port}/link">a link</a> after.</p></body></html>')


def assert_nothing_read_or_fetched(docx: bytes, canary: bytes, listener) -> None:
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    assert not [name for name in parts if name.startswith("word/media/")]
    hostname = Path("/etc/hostname").read_bytes() if Path("/etc/hostname").is_file() else b""
    # A short host name ("vm") occurs in any DOCX's XML, so search for it only when it says something;
    # the canary, a file of the test's own, stands for any file on the machine either way.
    for data in parts.values():
        assert canary not in data
        assert not hostname.strip() or data != hostname
        if len(hostname.strip()) >= 6:
            assert hostname.strip() not in data
    assert listener.seen == []


def test_hostile_html_makes_pandoc_read_nothing_and_fetch_nothing(tmp_path, listener):
    canary = tmp_path / "canary.png"
    canary.write_bytes(b"CANARYDOCXFILE5R")
    hostile = hostile_html(listener.port, canary)
    # Through render_docx: the images are dropped before pandoc, their alt text kept.
    target = tmp_path / "hostile.docx"
    render_docx(hostile, target, DocxMetadata("Hostile"), base_folder=tmp_path / "docs",
                allowed_folders=[tmp_path / "docs" / "assets"], source_date_epoch=0)
    assert_nothing_read_or_fetched(target.read_bytes(), b"CANARYDOCXFILE5R", listener)
    with zipfile.ZipFile(target) as package:
        text = " ".join(t for _, t in paragraphs(package.read("word/document.xml")))
    assert "local file canary absolute remote a link after." in text
    # Straight to pandoc, with nothing taken out first: its sandbox alone keeps the files and the network
    # out. (Without --sandbox, the same pandoc requests /x.png and stores /etc/hostname as word/media.)
    reference = tmp_path / "reference.docx"  # as render_docx gives pandoc its styles
    reference.write_bytes(reference_docx())
    docx = docx_module._run_pandoc(hostile, DocxMetadata("Hostile"), 0, 60, HEAP_BYTES, reference)
    assert_nothing_read_or_fetched(docx, b"CANARYDOCXFILE5R", listener)


def test_docx_tables_span_the_page_with_columns_sized_to_their_content(rendered):
    """Page-wide tables whose column shares follow their content, not one equal share each."""
    with zipfile.ZipFile(rendered.docx) as package:
        tree = ElementTree.fromstring(package.read("word/document.xml"))
    tables = list(tree.iter(f"{W}tbl"))
    assert tables
    for table in tables:
        width = table.find(f"{W}tblPr/{W}tblW")
        assert (width.get(f"{W}type"), width.get(f"{W}w")) == ("pct", "5000")
    first = [int(col.get(f"{W}w")) for col in tables[0].iter(f"{W}gridCol")]
    assert len(set(first)) > 1  # not the same share for every column
