"""Paragraph numbers that comments can cite (issue 9, part 3) and the site's Comment action.

The same numbers in the site, both PDFs (their text, as pdfplumber reads it) and the Word version (its XML);
numbers that depend on a chapter's own text only; the setting that turns them off; Comment links that open
the e-mail they should, and that a keyboard reaches."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit
from xml.etree import ElementTree

import lxml.html
import pdfplumber
import pytest

from conftest import copy_project, strategy
from corpus import replace_in
from strategy.audience import Audience
from strategy.changes import edition_chapters
from strategy.facts import comments_address_problems
from strategy.paragraphs import MAILTO_LIMIT, number_paragraphs
from strategy.project import Project
from strategy.publish import document_outline, print_document, render_chapters
from strategy.safe_html import clean_html
from test_site_reader import browser, served_site  # noqa: F401 (fixtures)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NUMBER = re.compile(r"^(\d+\.\d+)\s*(.*)")
# Pages of numbered chapters in the example, by their number (mkdocs.yml's "Chapters").
CHAPTER_PAGES = {"1": "context", "4": "vision", "5": "generated/priorities"}


def site_paragraphs(site: Path) -> dict[str, str]:
    """number -> the paragraph's words, from every page of the built site."""
    found = {}
    for page in sorted(site.rglob("*.html")):
        for p in lxml.html.parse(str(page)).getroot().xpath("//p[@data-paragraph]"):
            number = p.get("data-paragraph")
            assert number not in found, f"paragraph {number} twice"
            words = " ".join(p.text_content().split())
            assert words.startswith(number + " ") and p.get("id") == f"para-{number}"
            found[number] = words.removeprefix(number).strip()
    return found


def first_words(text: str, count: int = 4) -> str:
    return " ".join(text.split()[:count])


def pdf_margin_numbers(pdf_path: Path) -> dict[str, str]:
    """number -> the words of its line, for each number printed in the left margin of a PDF."""
    found = {}
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages:
            for line in page.extract_text_lines():
                match = NUMBER.match(line["text"])
                # In the margin: left of the text block, which starts 20 mm (56.7 pt) from the page's edge.
                if match and line["chars"][0]["x0"] < 56:
                    found.setdefault(match[1], match[2])
    return found


def docx_numbered(docx: Path) -> dict[str, str]:
    with zipfile.ZipFile(docx) as archive:
        body = ElementTree.fromstring(archive.read("word/document.xml"))
    found = {}
    for paragraph in body.iter(f"{W}p"):
        text = "".join(t.text or "" for t in paragraph.iter(f"{W}t"))
        if match := re.match(r"^(\d+\.\d+)[ \t](.*)", text):
            found.setdefault(match[1], match[2])
    return found


def print_html(root: Path) -> str:
    """The print HTML of a project, made in memory as `strategy build` makes it."""
    project = Project(root)
    publication = project.publication()
    inputs = project.inputs(publication)
    chapters, _ = edition_chapters(project, publication, inputs, Audience.PARTNERS)
    outline, extensions = document_outline(project.mkdocs_yml)
    rendered = render_chapters(outline, extensions, project.docs, inputs, Audience.PARTNERS, root,
                               {c.path: c.markdown for c in chapters if c.image is None})
    return print_document(publication, rendered)


def print_paragraphs(document: str) -> dict[str, str]:
    root = lxml.html.fromstring(document)
    return {p.get("data-paragraph"): " ".join(p.text_content().split()).removeprefix(p.get("data-paragraph")).strip()
            for p in root.xpath("//p[@data-paragraph]")}


# --- the same numbers everywhere -------------------------------------------------------------------------------


def test_site_pdfs_and_word_version_number_the_same_paragraphs_alike(built):
    site = site_paragraphs(built.site)
    # Only the numbered chapters, each from 1: 1.1, 1.2, ... in the order of the page.
    chapters = {n.split(".")[0] for n in site}
    assert chapters == {"1", "2", "3", "4", "5", "6"}
    for chapter in chapters:
        counts = sorted(int(n.split(".")[1]) for n in site if n.split(".")[0] == chapter)
        assert counts == list(range(1, len(counts) + 1))
    assert first_words(site["1.1"]) == "The 2030 Agenda for"
    assert first_words(site["1.2"]) == "International labour standards give"

    word = docx_numbered(built.site / built.publication.docx_file)
    assert word.keys() == site.keys()
    for edition in (built.publication.pdf_file, built.publication.archive_pdf_file):
        printed = pdf_margin_numbers(built.site / edition)
        assert printed.keys() == site.keys(), edition
        for number in ("1.1", "1.2", "3.1", "4.3", "5.2", "6.1", max(site, key=lambda n: tuple(map(int, n.split("."))))):
            # The words of the PDF line follow its number (hyphenation may cut the line's last word).
            assert first_words(printed[number], 3) == first_words(site[number], 3), (edition, number)
    for number in ("1.1", "2.1", "4.3", "5.2"):
        assert first_words(word[number], 6) == first_words(site[number], 6)


def test_front_matter_annexes_lists_quotes_and_boxes_carry_no_number(built):
    for page in ("index.html", "executive-summary.html", "foreword.html",
                 "generated/partner-inputs.html", "references.html"):
        assert "data-paragraph" not in (built.site / page).read_text(encoding="utf-8"), page
    root = lxml.html.parse(str(built.site / "context.html")).getroot()
    for where in ("li", "blockquote", "div[contains(@class, 'admonition')]", "td", "div[@class='footnote']"):
        assert not root.xpath(f"//{where}//*[@data-paragraph]"), where


def test_numbers_follow_each_chapters_own_text(built, tmp_path):
    """A paragraph added at the top of chapter 4 renumbers chapter 4 only; the same text, the same numbers."""
    before = print_paragraphs((built.root / ".build" / "print.html").read_text(encoding="utf-8"))
    root = copy_project(tmp_path / "p")
    assert print_paragraphs(print_html(root)) == before  # another build of the same text
    vision = root / "docs" / "vision.md"
    text = vision.read_text(encoding="utf-8")
    heading = re.search(r"^## .*$", text, re.M)
    vision.write_text(text[:heading.end()] + "\n\nA paragraph added by the authors.\n" + text[heading.end():],
                      encoding="utf-8")
    after = print_paragraphs(print_html(root))
    assert after["4.1"] == "A paragraph added by the authors."
    assert after["4.2"] == before["4.1"]
    assert {n: t for n, t in after.items() if not n.startswith("4.")} == \
        {n: t for n, t in before.items() if not n.startswith("4.")}


def test_a_setting_turns_the_numbers_off_everywhere(built, tmp_path):
    root = copy_project(tmp_path / "p")
    path = root / "strategy.yml"
    path.write_text(path.read_text(encoding="utf-8") + "paragraph_numbers: false\n", encoding="utf-8")
    run = strategy("build", "--project", str(root))
    assert run.returncode == 0, run.stderr
    for page in (root / "site").rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "data-paragraph" not in html and "paragraph-number" not in html, page
        assert "Comment on paragraph" not in html
    assert "Comment on section" in (root / "site/context.html").read_text(encoding="utf-8")
    publication = built.publication
    assert pdf_margin_numbers(root / "site" / publication.pdf_file) == {}
    assert docx_numbered(root / "site" / publication.docx_file) == {}
    # The same text with the numbers on (the session's build) does have them: the setting made the difference.
    assert pdf_margin_numbers(built.site / publication.pdf_file)


def test_numbering_only_adds_the_number():
    fragment = clean_html('<p>One. Two.</p>\n<p class="illustrative-label">Illustrative</p>\n<ul><li><p>x</p></li></ul>'
                          '\n<p id="kept">Three.</p>\n<p><img src="a.png" alt=""></p>')
    numbered = number_paragraphs(fragment, "7")
    assert numbered == ('<p id="para-7.1" data-paragraph="7.1"><span class="paragraph-number">7.1</span> One. Two.</p>\n'
                        '<p class="illustrative-label">Illustrative</p>\n<ul><li><p>x</p></li></ul>\n'
                        '<p data-paragraph="7.2" id="kept"><span class="paragraph-number" id="para-7.2">7.2</span> '
                        'Three.</p>\n<p><img src="a.png" alt=""></p>')
    assert number_paragraphs(fragment, "") == fragment  # front matter and annexes


# --- the Comment action ----------------------------------------------------------------------------------------


def comment_links(page: Path) -> dict[str, str]:
    """aria-label -> href of every Comment link of a built page."""
    root = lxml.html.parse(str(page)).getroot()
    return {a.get("aria-label"): a.get("href") for a in root.xpath("//a[contains(@class, 'comment-link')]")}


def test_a_paragraphs_comment_link_opens_the_e_mail_that_places_the_comment(built):
    publication = built.publication
    links = comment_links(built.site / "context.html")
    href = links["Comment on paragraph 1.2"]
    parts = urlsplit(href)
    assert parts.scheme == "mailto" and unquote(parts.path) == publication.comments_email
    query = parse_qs(parts.query, strict_parsing=True)
    assert query["subject"] == [f"{publication.short_title}, {publication.edition.label}: paragraph 1.2"]
    body = query["body"][0]
    assert body.splitlines()[:5] == [
        "Edition: Draft 1, 20 November 2025",
        "Page: Context (context.html#para-1.2)",
        "Section: A global commitment to social protection",
        "Paragraph: 1.2",
        "Quoted: “International labour standards give these targets their content.”",
    ]
    section = parse_qs(urlsplit(links["Comment on section “Where the world stands”"]).query)
    assert section["subject"] == [f"{publication.short_title}, Draft 1: section “Where the world stands”"]
    assert "Paragraph:" not in section["body"][0]
    # The banner's link says the same of the whole page.
    banner = lxml.html.parse(str(built.site / "context.html")).getroot().xpath(
        "//a[@class='strategy-banner__comment']/@href")
    assert parse_qs(urlsplit(banner[0]).query)["subject"] == [f"{publication.short_title}, Draft 1: section “Context”"]


def test_every_comment_link_is_short_enough_and_survives_the_allow_list(built):
    count = 0
    for page in built.site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for link in re.findall(r'<a class="comment-link"[^>]*>[^<]*</a>', html):
            count += 1
            before, after = lxml.html.fromstring(link), lxml.html.fromstring(clean_html(link))
            assert (after.get("href"), after.get("aria-label"), after.text) == \
                (before.get("href"), before.get("aria-label"), before.text)
            assert len(before.get("href")) <= MAILTO_LIMIT
    numbered = len(site_paragraphs(built.site))
    assert count > numbered  # every numbered paragraph, and the sections
    # Print, PDF and the Word version carry none.
    assert "comment-link" not in (built.root / ".build/print.html").read_text(encoding="utf-8")
    with zipfile.ZipFile(built.site / built.publication.docx_file) as archive:
        assert b"Comment on" not in archive.read("word/document.xml")


def test_tab_reaches_a_paragraphs_comment_link_and_shows_it(built, served_site, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(served_site + "/context.html")
    link = page.locator('a[aria-label="Comment on paragraph 1.2"]')
    assert link.evaluate("a => getComputedStyle(a).opacity") == "0"  # hidden until hovered or focused
    page.locator("#para-1\\.1").click(position={"x": 5, "y": 5})  # the keyboard starts in paragraph 1.1
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('aria-label')") == "Comment on paragraph 1.2":
            break
    else:
        pytest.fail("Tab never reached the Comment link of paragraph 1.2")
    assert link.evaluate("a => getComputedStyle(a).opacity") == "1"
    assert link.is_visible() and link.bounding_box()["width"] > 20
    page.close()


# --- where comments go -----------------------------------------------------------------------------------------


def test_only_a_partners_build_needs_a_comments_address(built):
    publication = built.publication.model_copy(update={"comments_email": None})
    assert comments_address_problems(built.root, publication, Audience.PARTNERS)[0].field == "comments_email"
    assert comments_address_problems(built.root, publication, Audience.PUBLIC) == []
    assert comments_address_problems(built.root, publication, Audience.INTERNAL) == []


def test_a_draft_with_the_example_address_builds_with_one_warning(tmp_path):
    root = copy_project(tmp_path / "p")
    run = strategy("check", "--project", str(root))
    assert run.returncode == 0
    warnings = [line for line in run.stderr.splitlines() if "comments_email" in line]
    assert len(warnings) == 1 and "warning:" in warnings[0] and "example.org" in warnings[0]
    replace_in(root / "strategy.yml", "final: false", "final: true")
    final = strategy("check", "--project", str(root))
    assert final.returncode == 1 and "field 'comments_email'" in final.stderr
