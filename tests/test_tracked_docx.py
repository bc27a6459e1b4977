"""The Word copy with tracked changes: real chapters of the example, a redline with known edits, the real
pandoc, the package opened, and LibreOffice listing the revisions."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from conftest import REPO, start_tags
from strategy.chapters import Audience
from strategy.inputs import load_inputs, load_publication
from strategy.publish.docx import DocxMetadata, render_docx
from strategy.publish.outline import document_outline
from strategy.publish.print_html import print_document, render_chapters
from strategy.publish.tracked_docx import render_tracked_docx, tracked_changes_html, tracked_docx_file_name
from strategy.redline import BlockChange, PageChanges, Redline, TextBlock, Word

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
AUTHOR = "Draft 2"
DATE = dt.date(2026, 12, 1)
STAMP = "2026-12-01T00:00:00Z"
HOSTILE = "intact <script>alert(1)</script></span>"

# Paragraphs of the real chapters (the new edition) and what the old edition had in their place.
P42 = ("The draft proposes to carry this vision into Phase III unchanged. What has changed is the context in "
       "which it must be pursued, and therefore the emphasis of the programme’s work. The programme would "
       "continue to rest on inclusive social dialogue and on the application of international social security "
       "standards, in particular Recommendation No. 202 and Convention No. 102, as set out in Context.")
P42_OLD = P42.replace("unchanged", HOSTILE)
P43 = ("Phase II showed that institutional change can be achieved at scale, with new strategies, laws and policy "
       "measures in 50 priority countries and territories. Phase III should turn more of these changes into "
       "effective, adequate and comprehensive protection for people.")
SENTENCE = (" Phase III should turn more of these changes into effective, adequate and comprehensive protection "
            "for people.")
P43_OLD = P43.removesuffix(SENTENCE)
P45 = ("Priority countries would set the pace and sequence of this work: the programme’s support should follow "
       "national strategies, not replace them.")
GONE = "The programme would publish a yearly <b>report</b> & nothing else."
ROW = "Legal coverage improved 20 million"
ROW_OLD = "Legal coverage improved 15 million"
NEW_ROW = "Effective coverage increased 30 million"


def redline() -> Redline:
    """A word replaced (by hostile text, in the old edition), a sentence inserted, a paragraph moved from one
    chapter to another, a paragraph deleted, a table row added and a cell changed."""
    t = TextBlock
    vision = PageChanges("vision.md", "Vision for Phase III", "chapter", "4", (
        BlockChange("unchanged", t("h2", "A vision that endures"), t("h2", "A vision that endures")),
        BlockChange("changed", t("p", P42_OLD, paragraph="4.2"), t("p", P42, paragraph="4.2"), (
            Word("same", "The draft proposes to carry this vision into Phase III "), Word("delete", HOSTILE),
            Word("insert", "unchanged"), Word("same", P42.split("unchanged", 1)[1]))),
        BlockChange("unchanged", t("h2", "From floors to comprehensive systems"),
                    t("h2", "From floors to comprehensive systems")),
        BlockChange("changed", t("p", P43_OLD, paragraph="4.3"), t("p", P43, paragraph="4.3"),
                    (Word("same", P43_OLD), Word("insert", SENTENCE))),
        BlockChange("deleted", t("p", GONE, paragraph="4.4"), None),
        BlockChange("moved", None, t("p", P45, paragraph="4.5"), moved_from="context.md"),
    ), "changed")
    context = PageChanges("context.md", "Context", "chapter", "1", (
        BlockChange("changed", t("tr", ROW_OLD), t("tr", ROW), (
            Word("same", "Legal coverage improved "), Word("delete", "15"), Word("insert", "20"),
            Word("same", " million"))),
        BlockChange("inserted", None, t("tr", NEW_ROW)),
        BlockChange("moved", t("p", P45, paragraph="1.9"), None, moved_to="vision.md"),
    ), "changed")
    return Redline("Draft 1", AUTHOR, (context, vision))


@pytest.fixture(scope="module")
def document() -> str:
    """The print HTML of three real chapters of the example, made as the build makes it."""
    publication = load_publication(REPO / "strategy.yml", REPO)
    inputs = load_inputs(REPO / "inputs", REPO)
    outline, extensions = document_outline(REPO / "mkdocs.yml")
    wanted = [c for c in outline if c.path in ("context.md", "vision.md", "way-forward.md")]
    return print_document(publication, render_chapters(wanted, extensions, REPO / "docs", inputs,
                                                       Audience.PARTNERS, REPO, {}))


def arguments() -> dict:
    publication = load_publication(REPO / "strategy.yml", REPO)
    return dict(metadata=DocxMetadata.of(publication), base_folder=REPO / "docs",
                allowed_folders=[REPO / "docs" / "assets"],
                source_date_epoch=calendar.timegm(DATE.timetuple()))


@pytest.fixture(scope="module")
def tracked(document, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("tracked") / "strategy-changes-since-draft-1.docx"
    render_tracked_docx(document, redline(), target, author=AUTHOR, date=DATE, **arguments())
    return target


def body(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as package:
        return etree.fromstring(package.read("word/document.xml"))


def revisions(root: etree._Element, kind: str) -> list[tuple[str, str, str]]:
    """Each w:ins or w:del holding text: (author, date, its text)."""
    text = "t" if kind == "ins" else "delText"
    return [(e.get(f"{W}author"), e.get(f"{W}date"), "".join(t.text or "" for t in e.iter(f"{W}{text}")))
            for e in root.iter(f"{W}{kind}") if e.getparent().tag != f"{W}rPr" and e.getparent().tag != f"{W}trPr"]


def words(text: str) -> str:
    """A paragraph's text as blocks compare: whitespace collapsed, without its paragraph number."""
    return re.sub(r"^\d+\.\d+ ", "", " ".join(text.split()))


def paragraphs(root: etree._Element, view: str) -> list[str]:
    """Every paragraph's text once every change is accepted ("new") or rejected ("old"), as Word does it:
    the rejected side's text goes, with the paragraphs and rows whose mark is on that side."""
    gone, kept = ("del", "ins") if view == "new" else ("ins", "del")
    root = etree.fromstring(etree.tostring(root))
    for row in root.iter(f"{W}tr"):
        if row.find(f"{W}trPr/{W}{gone}") is not None:
            row.getparent().remove(row)
    found = []
    for paragraph in root.iter(f"{W}p"):
        marked_gone = paragraph.find(f"{W}pPr/{W}rPr/{W}{gone}") is not None
        text = "".join(t.text or "" for t in paragraph.iter(f"{W}t", f"{W}delText")
                       if not any(a.tag == f"{W}{gone}" for a in t.iterancestors()))
        if marked_gone and not text.strip():
            continue
        found.append(words(text))
    return found


def test_every_change_is_a_revision_by_the_edition_with_the_exact_text(tracked):
    root = body(tracked)
    assert revisions(root, "ins") == [(AUTHOR, STAMP, text) for text in (
        "20", "Effective coverage increased", "30 million", "unchanged", SENTENCE, "4.5", f" {P45}")]
    assert revisions(root, "del") == [(AUTHOR, STAMP, text) for text in (
        "15", f"1.9 {P45}", HOSTILE, f"4.4 {GONE}")]
    # Whole paragraphs and rows carry their mark too: accepting or rejecting leaves no empty paragraph.
    marks = [(e.getparent().tag.removeprefix(W), e.tag.removeprefix(W)) for e in root.iter(f"{W}ins", f"{W}del")
             if e.getparent().tag in (f"{W}rPr", f"{W}trPr")]
    assert marks == [("trPr", "ins"), ("rPr", "del"), ("rPr", "del"), ("rPr", "ins")]
    ids = [e.get(f"{W}id") for e in root.iter(f"{W}ins", f"{W}del")]
    assert len(ids) == len(set(ids)) == 15
    # The markers that carried the marks through pandoc are gone.
    assert not [b for b in root.iter(f"{W}bookmarkStart") if b.get(f"{W}name").startswith("tracked-")]


def test_accepting_every_change_gives_the_new_edition_and_rejecting_gives_the_old(tracked, document, tmp_path):
    root = body(tracked)
    new, old = paragraphs(root, "new"), paragraphs(root, "old")
    for text in (P42, P43, P45, "Legal coverage improved", "20 million", "Effective coverage increased"):
        assert new.count(text) == 1, text
    assert P42_OLD not in new and P43_OLD not in new and GONE not in new and "15 million" not in new
    for text in (P42_OLD, P43_OLD, GONE, P45, "15 million"):
        assert old.count(text) == 1, text
    assert P42 not in old and P43 not in old and "Effective coverage increased" not in old
    # The moved paragraph is back in its old chapter, before the next chapter starts.
    chapter = [i for i, text in enumerate(old) if text == "4 Vision for Phase III"]  # in the contents, then
    assert old.index(P45) < chapter[-1]
    # Accepted, the copy reads exactly as the reviewer DOCX of the new edition does, paragraph by paragraph.
    plain = tmp_path / "plain.docx"
    render_docx(document, plain, **arguments())
    assert new == paragraphs(body(plain), "new")


def test_the_tracked_copy_is_the_same_bytes_every_time(tracked, document, tmp_path):
    again = tmp_path / "again.docx"
    render_tracked_docx(document, redline(), again, author=AUTHOR, date=DATE, **arguments())
    assert again.read_bytes() == tracked.read_bytes()


def test_hostile_text_is_text(document):
    marked = tracked_changes_html(document, redline(), AUTHOR, DATE)
    assert "script" not in {tag for tag, _ in start_tags(marked)}
    assert "intact &lt;script&gt;alert(1)&lt;/script&gt;&lt;/span&gt;</span>" in marked
    assert marked.count("<span") == marked.count("</span>")
    # An edition label is escaped too.
    odd = tracked_changes_html(document, redline(), 'Draft "2" <b>', DATE)
    assert 'data-author="Draft &quot;2&quot; &lt;b&gt;"' in odd and "<b>" not in odd.replace(document, "")


def test_a_block_whose_words_do_not_read_as_it_is_replaced_whole(document):
    change = BlockChange("changed", TextBlock("p", "Old words."), TextBlock("p", P45),
                         (Word("same", "Something else entirely"),))
    page = PageChanges("vision.md", "Vision", "chapter", "4", (change,), "changed")
    marked = tracked_changes_html(document, Redline("Draft 1", AUTHOR, (page,)), AUTHOR, DATE)
    paragraph = marked[marked.index('id="para-4.5"'):]
    paragraph = paragraph[:paragraph.index("</p>")]
    assert re.search(r'<span class="deletion"[^>]*>Old words\. </span><span class="insertion"[^>]*> Priority',
                     paragraph)


def test_a_deleted_list_item_comes_back_in_a_list(document):
    first = ("provide adequate social protection to all throughout their lives, prevent poverty, reduce inequality "
             "and combat social exclusion;")
    page = PageChanges("vision.md", "Vision", "chapter", "4", (
        BlockChange("unchanged", TextBlock("li", first), TextBlock("li", first)),
        BlockChange("deleted", TextBlock("li", "are ready by 2027;"), None),
    ), "changed")
    # Deleted from the start of a page, nothing before it: in a list of its own, where the chapter starts.
    alone = PageChanges("way-forward.md", "Way forward", "chapter", "6", (
        BlockChange("deleted", TextBlock("li", "a lone item"), None),), "changed")
    marked = tracked_changes_html(document, Redline("Draft 1", AUTHOR, (page, alone)), AUTHOR, DATE)
    assert re.search(re.escape(first) + r'</li><li><span id="tracked-paragraph-deleted-\d+"></span>'
                     r'<span class="deletion"[^>]*>are ready by 2027;</span></li>', marked)
    assert re.search(r'<section class="chapter numbered" id="ch-way-forward"><ul><li><span id="tracked-paragraph-'
                     r'deleted-\d+"></span><span class="deletion"[^>]*>a lone item</span></li></ul><h1', marked)


def test_the_file_is_named_after_the_pdf_and_the_earlier_edition():
    publication = load_publication(REPO / "strategy.yml", REPO)
    stem = publication.pdf_file.removesuffix(".pdf")
    assert tracked_docx_file_name(publication, "Draft 1") == f"{stem}-changes-since-draft-1.docx"


def test_libreoffice_lists_the_revisions(tracked, tmp_path):
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice Writer (soffice) is needed: apt-get install libreoffice-writer-nogui"
    done = subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                           "--convert-to", "fodt", "--outdir", str(tmp_path), str(tracked)],
                          capture_output=True, timeout=180)
    assert done.returncode == 0, done.stderr
    listed = libreoffice_changes(tmp_path / f"{tracked.stem}.fodt")
    assert listed == [
        ("deletion", AUTHOR, "15"), ("insertion", AUTHOR, "20"),
        ("insertion", AUTHOR, "Effective coverage increased"), ("insertion", AUTHOR, "30 million"),
        ("deletion", AUTHOR, f"1.9 {P45}"),
        ("deletion", AUTHOR, HOSTILE), ("insertion", AUTHOR, "unchanged"),
        ("insertion", AUTHOR, SENTENCE.strip()),
        ("deletion", AUTHOR, f"4.4 {GONE}"),
        ("insertion", AUTHOR, f"4.5 {P45}"),
    ]


def libreoffice_changes(fodt: Path) -> list[tuple[str, str, str]]:
    """Each tracked change LibreOffice read, in document order: (insertion or deletion, its author, the text
    between its change-start and change-end)."""
    ns = {"text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0", "dc": "http://purl.org/dc/elements/1.1/",
          "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0"}
    root = etree.parse(str(fodt)).getroot()
    regions = {}
    for region in root.iterfind(".//text:tracked-changes/text:changed-region", ns):
        kind = etree.QName(region[0]).localname
        regions[region.get(f"{{{ns['text']}}}id")] = (kind, region.findtext(".//dc:creator", namespaces=ns))
    texts: dict[str, list[str]] = {}
    order: list[str] = []
    open_ids: set[str] = set()
    text_ns = f"{{{ns['text']}}}"

    def add(text: str | None) -> None:
        for change in open_ids:
            texts[change].append(text or "")

    def walk(element: etree._Element) -> None:
        if element.tag == f"{text_ns}tracked-changes":
            return
        name = element.get(f"{text_ns}change-id")
        if element.tag == f"{text_ns}change-start":
            open_ids.add(name)
            order.append(name)
            texts[name] = []
        elif element.tag == f"{text_ns}change-end":
            open_ids.discard(name)
        elif element.tag == f"{text_ns}s":
            add(" " * int(element.get(f"{text_ns}c", "1")))
        else:
            add(element.text)
            for child in element:
                walk(child)
                add(child.tail)
            if element.tag == f"{text_ns}p":
                add(" ")

    walk(root.find(".//office:body", ns))
    assert set(order) == set(regions)
    return [(*regions[change], " ".join("".join(texts[change]).split())) for change in order]


def test_a_changed_heading_keeps_its_number_and_its_anchor(document):
    change = BlockChange("changed", TextBlock("h1", "Vision for the third phase"),
                         TextBlock("h1", "Vision for Phase III", id="ch-vision--vision-for-phase-iii"),
                         (Word("same", "Vision for "), Word("delete", "the third phase"), Word("insert", "Phase III")))
    page = PageChanges("vision.md", "Vision", "chapter", "4", (change,), "changed")
    marked = tracked_changes_html(document, Redline("Draft 1", AUTHOR, (page,)), AUTHOR, DATE)
    assert re.search(r'<h1 id="ch-vision--vision-for-phase-iii"><span class="heading-number">4</span> Vision for '
                     r'<span class="deletion" data-author="Draft 2" data-date="2026-12-01T00:00:00Z">the third phase'
                     r'</span><span class="insertion" [^>]*>Phase III</span></h1>', marked)
