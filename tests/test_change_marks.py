"""The marks of what changed since the previous edition, in real renders: the site's navigation (Material's page
status, named for screen readers, checked by axe-core in both schemes), the note at the start of each changed
section, the PDF's contents, and the comment-response matrix, where each comment on the previous edition
links to the paragraph of this edition that answers it.

The redline is made by hand (what `redline.compare` would find), so that each mark is known in advance. Its
two look-ups (`changed_sections`, `answer`) return what the records say, as their contract describes."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import lxml.html
import pdfplumber
import pytest

from conftest import copy_project
from strategy.chapters import Audience, Chapter, author_text, generate_chapters, write_chapters
from strategy.chapters.charts import CHARTS_FOLDER
from strategy.chapters.markdown import front_matter
from strategy.chapters.partner_markdown import IMAGES_FOLDER
from strategy.feedback import edition_outline
from strategy.inputs import load_inputs, load_publication
from strategy.paragraphs import number_paragraphs, numbered_paragraphs
from strategy.project import Project
from strategy.checks.conformance import KNOWN_WEASYPRINT_LIMITATIONS, check_conformance
from strategy.publish.outline import document_outline
from strategy.publish.pdf import READING, render_pdf
from strategy.publish.print_html import print_document, render_chapters
from strategy.redline import Answer, BlockChange, PageChanges, Redline, TextBlock
from strategy.website.plugin import Preset, with_changed_notes

NAME = "Changed since Draft 1"


@dataclass(frozen=True)
class HandPage(PageChanges):
    """A page of the redline whose changed sections are given."""

    sections: tuple[tuple[str, str | None], ...] = ()

    def changed_sections(self) -> list[tuple[str, str | None]]:
        return list(self.sections)


@dataclass(frozen=True)
class HandRedline(Redline):
    """A redline whose answers are given: (paragraph or section of Draft 1, the Answer)."""

    answers: tuple[tuple[str, Answer], ...] = ()

    def answer(self, paragraph: str | None, section: str | None) -> Answer:
        given = dict(self.answers)
        return given.get(paragraph or "") or given.get(section or "") or Answer("not-found")


def _changed(paragraph: str, section: str, section_id: str) -> BlockChange:
    old = TextBlock("p", "Priority countries would set the pace.", f"para-{paragraph}", paragraph, section, section_id)
    new = TextBlock("p", "Priority countries, refugees among their people, would set the pace.", None, paragraph,
                    section, section_id)
    return BlockChange("changed", old, new)


# Draft 2 against Draft 1: two chapters and an annex changed; the context chapter did not.
FLOORS = ("From floors to comprehensive systems", "from-floors-to-comprehensive-systems")
PRINCIPLES = ("Principles for the third phase", "principles-for-the-third-phase")
NEXT_STEPS = ("Next steps in the drafting process", "next-steps-in-the-drafting-process")
PARTNERS = ("List of partners", "list-of-partners")
REDLINE = HandRedline("Draft 1", "Draft 2", (
    HandPage("context.md", "Context", "chapter", "1"),
    HandPage("vision.md", "Vision for Phase III", "chapter", "4", (_changed("4.6", *FLOORS),),
             "changed", (FLOORS, PRINCIPLES)),
    HandPage("way-forward.md", "Way forward", "chapter", "6", (), "changed", (NEXT_STEPS,)),
    HandPage("generated/partners.md", "List of partners", "annex", "3", (), "changed", (PARTNERS,)),
), answers=(
    ("4.5", Answer("changed", "vision.md", "4.6", "para-4.6")),  # FB-004: a sentence inserted before it
    ("6.4", Answer("unchanged", "way-forward.md", "6.4", "para-6.4")),  # FB-002
    ("Principles for the third phase", Answer("removed", "vision.md", None, "principles-for-the-third-phase")),
    ("Who contributed", Answer("moved", "generated/inputs-in-numbers.md", None, "who-contributed")),
))
CHANGED_PAGES = {"vision.md", "way-forward.md", "generated/partners.md"}
# A stand-in for the "What changed" page (redline.changes_page), which the notes link to: as that page does, a
# heading for each changed page and section, linking to it. Here the section "Principles" has none of its own.
CHANGES_PAGE = Chapter("changes.md", front_matter("What changed since Draft 1", "What changed.") + f"""\
# What changed since Draft 1

## [Vision for Phase III](../vision.md)

### [{FLOORS[0]}](../vision.md#{FLOORS[1]})

## [Way forward](../way-forward.md)

### [{NEXT_STEPS[0]}](../way-forward.md#{NEXT_STEPS[1]})

## [List of partners](partners.md)
""")


@dataclass
class Edition:
    root: Path
    site: Path  # built with the redline
    plain_site: Path  # the same edition built without it
    chapters: list[Chapter]


def _build_site(root: Path, site: Path, chapters: list[Chapter], redline: Redline | None) -> None:
    """The site, as build._build_site makes it."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    publication = load_publication(root / "strategy.yml", root)
    config = load_config(str(root / "mkdocs.yml"), site_dir=str(site), strict=True)
    plugin = config.plugins["strategy"]
    plugin.config["audience"] = Audience.PARTNERS.value
    plugin.preset = Preset(publication, load_inputs(root / "inputs", root), chapters, redline)
    mkdocs_build(config)


def _chapters(root: Path, redline: Redline | None) -> list[Chapter]:
    project = Project(root)
    publication = load_publication(root / "strategy.yml", root)
    inputs = load_inputs(root / "inputs", root)
    return [*generate_chapters(inputs, Audience.PARTNERS, author_text(project.author_pages()),
                               edition_outline(project, publication.edition.label), redline=redline), CHANGES_PAGE]


@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory) -> Edition:
    """The example as Draft 2 (its comments are on Draft 1), with the "What changed" annex in the nav, built
    with and without the redline."""
    root = copy_project(tmp_path_factory.mktemp("draft-2"))
    yml = root / "strategy.yml"
    yml.write_text(yml.read_text(encoding="utf-8").replace("label: Draft 1", "label: Draft 2"), encoding="utf-8")
    nav = root / "mkdocs.yml"
    text = nav.read_text(encoding="utf-8")
    matrix = "      - Comment-response matrix: generated/comment-matrix.md\n"
    assert matrix in text
    nav.write_text(text.replace(matrix, matrix + "      - What changed: generated/changes.md\n"), encoding="utf-8")
    chapters = _chapters(root, REDLINE)
    _build_site(root, root / "site", chapters, REDLINE)
    _build_site(root, root / "plain-site", _chapters(root, None), None)
    return Edition(root, root / "site", root / "plain-site", chapters)


def _page(site: Path, name: str):
    return lxml.html.parse(str(site / name)).getroot()


def _article(site: Path, name: str):
    return _page(site, name).xpath(f"//article[{_has('md-content__inner')}]")[0]


def _has(name: str) -> str:
    """An XPath test: the element has the class `name`."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


# --- the navigation ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["index.html", "vision.html", "generated/partners.html"])
def test_the_navigation_marks_the_changed_pages_and_only_them(edition, name):
    page = _page(edition.site, name)
    links = page.xpath(f"//nav[{_has('md-nav--primary')}]//a[{_has('md-nav__link')}][@href]")
    marked, unmarked = set(), set()
    for link in links:
        target = os.path.normpath(os.path.join(os.path.dirname(name), link.get("href").split("#")[0]))
        target = target.replace(".html", ".md")
        marks = link.xpath(f".//span[{_has('md-status--changed')}]")
        if marks:
            assert [(m.get("role"), m.get("aria-label"), m.get("title")) for m in marks] == [("img", NAME, NAME)]
            marked.add(target)
        else:
            unmarked.add(target)
    assert marked == CHANGED_PAGES
    assert {"context.md", "index.md", "generated/comment-matrix.md", "generated/changes.md"} <= unmarked
    assert not _page(edition.plain_site, name).xpath(f"//*[{_has('md-status')}]")  # no redline, no marks


def test_the_mark_has_its_name_and_passes_axe_core_in_light_and_dark_schemes(edition):
    playwright = pytest.importorskip("playwright.sync_api")
    axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe()
    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
               "resultTypes": ["violations"]}
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        for scheme in ("light", "dark"):
            page = browser.new_context(color_scheme=scheme).new_page()
            page.goto((edition.site / "vision.html").as_uri())
            page.wait_for_load_state("networkidle")
            # Each changed page's mark is an image named for what it says, and the link is heard with it.
            assert page.get_by_role("img", name=NAME).count() == len(CHANGED_PAGES)
            assert page.get_by_role("link", name=re.compile(rf"^Vision for Phase III\s+{NAME}$")).count() >= 1
            # The mark is drawn, in the accent colour of the scheme, not the page's background.
            colour = page.evaluate("""() => getComputedStyle(
                document.querySelector('.md-status--changed'), '::after').backgroundColor""")
            assert colour == {"light": "rgb(11, 110, 120)", "dark": "rgb(95, 211, 221)"}[scheme]
            results = axe.run(page, options=options)
            assert results.violations_count == 0, results.generate_report()
        browser.close()


# --- the notes at the start of changed sections -------------------------------------------------------------


def _heading_before(note) -> str:
    """The id of the heading a changed-note follows (past the heading's Comment link)."""
    before = note.getprevious()
    while before is not None and "comment-action" in (before.get("class") or ""):
        before = before.getprevious()
    assert before is not None and before.tag in ("h1", "h2", "h3")
    return before.get("id")


def _notes_after(article) -> list[str]:
    return [_heading_before(note) for note in article.xpath(f".//p[{_has('changed-note')}]")]


def test_a_note_opens_exactly_the_changed_sections(edition):
    assert _notes_after(_article(edition.site, "vision.html")) == [FLOORS[1], PRINCIPLES[1]]
    assert _notes_after(_article(edition.site, "way-forward.html")) == [NEXT_STEPS[1]]
    assert _notes_after(_article(edition.site, "generated/partners.html")) == [PARTNERS[1]]
    for unchanged in ("context.html", "index.html", "generated/comment-matrix.html", "generated/changes.html"):
        assert not _article(edition.site, unchanged).xpath(f".//p[{_has('changed-note')}]"), unchanged
    floors, principles = _article(edition.site, "vision.html").xpath(f".//p[{_has('changed-note')}]")
    assert floors.text_content() == f"{NAME} — see what changed"
    # Each note leads to its section on the "What changed" page, or to its page's part there.
    changes = _page(edition.site, "generated/changes.html")
    links = {}
    for note, name in ((floors, "vision.html"), (principles, "vision.html"),
                       *((n, "generated/partners.html") for n in _article(edition.site, "generated/partners.html")
                         .xpath(f".//p[{_has('changed-note')}]"))):
        href = note.xpath(".//a")[0].get("href")
        path, _, anchor = href.partition("#")
        assert os.path.normpath(os.path.join(os.path.dirname(name), path)) == "generated/changes.html"
        heading = changes.get_element_by_id(anchor)
        links[_heading_before(note)] = (heading.tag, heading.text_content().rstrip("¶"))
    assert links == {FLOORS[1]: ("h3", FLOORS[0]), PRINCIPLES[1]: ("h2", "Vision for Phase III"),
                     PARTNERS[1]: ("h2", "List of partners")}


def test_paragraph_numbers_are_the_same_with_and_without_the_notes(edition):
    for name in ("vision.html", "way-forward.html"):
        with_notes = (edition.site / name).read_text(encoding="utf-8")
        without = (edition.plain_site / name).read_text(encoding="utf-8")
        assert "changed-note" in with_notes and "changed-note" not in without
        assert numbered_paragraphs(with_notes) == numbered_paragraphs(without) != []
    # A note before the numbering, too, is no paragraph: it takes no number and moves none.
    chapter = '<h1 id="v">Vision</h1><p>One.</p><h2 id="a">A</h2><p>Two.</p><h2 id="b">B</h2><p>Three.</p>'
    noted = with_changed_notes(chapter, {"a": "changes.html", "b": None}, NAME)
    assert noted.count('class="changed-note"') == 2
    assert numbered_paragraphs(number_paragraphs(noted, "4")) == numbered_paragraphs(number_paragraphs(chapter, "4"))


# --- the PDF's contents -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def print_html(edition) -> str:
    root = edition.root
    outline, extensions = document_outline(root / "mkdocs.yml")
    rendered = render_chapters(outline, extensions, root / "docs", load_inputs(root / "inputs", root),
                               Audience.PARTNERS, root,
                               {c.path: c.markdown for c in edition.chapters if c.image is None})
    return print_document(load_publication(root / "strategy.yml", root), rendered, changed=REDLINE.changed_pages,
                          since=REDLINE.since)


def test_the_print_contents_mark_exactly_the_changed_chapters(print_html):
    contents = lxml.html.fromstring(print_html).get_element_by_id("contents")
    legend = contents.xpath(f".//p[{_has('toc-legend')}]")[0]
    assert " ".join(legend.text_content().split()) == "changed marks the chapters changed since Draft 1"
    marked = []
    for entry in contents.xpath(f".//li[{_has('toc-level-1')}]"):
        title = entry.xpath("./a")[0]
        marks = [m for m in entry.xpath(f".//*[{_has('toc-changed')}]") if m.getparent() is entry]
        assert not title.xpath(f".//*[{_has('toc-changed')}]")  # outside the link (PDF/UA: a link holds its words only)
        if marks:
            assert [m.text_content() for m in marks] == ["changed"] and marks[0].getprevious() is title
            marked.append(title.text_content())
    assert marked == ["Vision for Phase III", "Way forward", "List of partners"]


def test_the_matrix_links_reach_the_paragraphs_in_print(print_html):
    document = lxml.html.fromstring(print_html)
    link = document.xpath(f"//div[{_has('comment-matrix')}]//a[@href='#para-4.6']")
    assert [a.text_content() for a in link] == ["paragraph 4.6"]
    assert document.get_element_by_id("para-4.6").get("data-paragraph") == "4.6"


def test_the_pdf_contents_page_shows_changed_beside_the_changed_chapters(edition, print_html, tmp_path):
    """One real render: the word is on the contents page, on the line of each changed chapter only."""
    root = edition.root
    view = tmp_path / "docs"  # as the build's private view: this build's charts and images, and the assets
    write_chapters([c for c in edition.chapters if c.file_name.startswith((f"{CHARTS_FOLDER}/", f"{IMAGES_FOLDER}/"))],
                   view / "generated")
    (view / "assets").symlink_to(root / "docs" / "assets")
    output = tmp_path / "draft-2.pdf"
    render_pdf(print_html, view, root / "docs/assets/stylesheets/fonts.css", output,
               [root / "docs" / "assets", view / "generated"], READING, draft=True)
    with pdfplumber.open(output) as pdf:
        texts = [page.extract_text() or "" for page in pdf.pages[:20]]
    first = next(i for i, text in enumerate(texts) if text.startswith("Contents"))
    last = next(i for i, text in enumerate(texts) if text.startswith(("Figures", "Tables")))  # the next list
    lines = [line for text in texts[first:last] for line in text.splitlines()]
    assert "changed marks the chapters changed since Draft 1" in lines
    titles = ("Context", "Vision for Phase III", "Way forward", "List of partners", "Register of partner inputs")
    entries = {title: [line for line in lines if title in line] for title in titles}
    assert all(len(found) == 1 for found in entries.values()), "\n".join(lines)
    assert {t for t, (line,) in entries.items() if re.search(r"\bchanged\b", line)} == {
        "Vision for Phase III", "Way forward", "List of partners"}, entries
    # The marks keep the contents within PDF/UA's machine checks: no finding on its pages but WeasyPrint's
    # running heads, left out of the structure tree (a Span or two a page), so the word itself is tagged text.
    contents_pages = set(range(first + 1, last + 1))
    findings = [f for f in check_conformance(output, "pdf/ua-1") if f.page in contents_pages]
    assert {f.check for f in findings} <= set(KNOWN_WEASYPRINT_LIMITATIONS), findings
    assert all(re.search(r"^[12] marked-content ids? .*\(Span\)", f.message) for f in findings), findings


# --- the comment-response matrix ----------------------------------------------------------------------------


def _row(article, comment_id: str):
    return article.get_element_by_id(comment_id).getparent().getparent()


def test_the_matrix_links_a_draft_1_comment_to_the_paragraph_that_answers_it(edition):
    article = _article(edition.site, "generated/comment-matrix.html")
    assert article.get_element_by_id("comments-on-draft-1-and-where-draft-2-answers-them").tag == "h2"
    fb004 = _row(article, "fb-004")
    cells = [" ".join(c.text_content().split()) for c in fb004.xpath("./td")]
    assert cells[2] == "4.5" and cells[1] == "A development partner government"  # anonymous, as before
    assert cells[4].endswith("In Draft 2: paragraph 4.6, changed")
    link = fb004.xpath("./td")[4].xpath(".//a")[0]
    assert link.get("href") == "../vision.html#para-4.6"
    assert _page(edition.site, "vision.html").get_element_by_id("para-4.6").get("data-paragraph") == "4.6"
    fb002 = [" ".join(c.text_content().split()) for c in _row(article, "fb-002").xpath("./td")]
    assert fb002[4].endswith("In Draft 2: paragraph 6.4, unchanged")
    fb003 = _row(article, "fb-003").xpath("./td")[4]
    assert " ".join(fb003.text_content().split()).endswith(
        "In Draft 2: removed (its section: “Principles for the third phase”)")
    assert fb003.xpath(".//a")[0].get("href") == "../vision.html#principles-for-the-third-phase"
    fb006 = " ".join(_row(article, "fb-006").xpath("./td")[4].text_content().split())
    assert fb006.endswith("In Draft 2: “Who contributed”, moved")
    # A reply is answered with the comment it follows; a comment whose place is not found says so.
    assert "In Draft 2" not in _row(article, "fb-005").text_content()
    assert " ".join(_row(article, "fb-001").text_content().split()).count(
        "In Draft 2: the text it was on is not found") == 1
    assert "Netherlands" not in article.text_content()


def test_without_a_redline_the_matrix_lists_only_this_editions_comments(edition):
    article = _article(edition.plain_site, "generated/comment-matrix.html")
    text = " ".join(article.text_content().split())
    assert "No reviewer’s comments on Draft 2 have been recorded yet." in text  # typographic apostrophe
    assert "Comments on other editions (Draft 1: 6)" in text and "FB-004" not in text
    with_redline = " ".join(_article(edition.site, "generated/comment-matrix.html").text_content().split())
    assert "Comments on other editions" not in with_redline
    assert "Comments on Draft 1 follow, with where this edition answers them." in with_redline
