"""A partner input's own Markdown, as a Word submission brings it (issue 9, part 1).

Fast tests of `partner_markdown` on each construct it keeps (headings demoted, aligned tables, footnotes,
images of the input's folder) and on what it must refuse; then two real builds of a project holding an
imported submission (tests/corpus/partner_markdown.py): a partners build, checked in the site, the PDF's
text and the Word file's XML, and an internal build, which alone shows the partner's notes.
"""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

import markdown
import pdfplumber
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import case_build, copy_project, every_byte, strategy
from corpus import partner_markdown as corpus
from strategy.chapters import Audience, generate_chapters
from strategy.chapters.markdown import _SITE_EXTENSIONS
from strategy.chapters.partner_markdown import partner_markdown
from strategy.inputs import load_inputs
from strategy.problems import ProblemsFound
from strategy.safe_html import clean_html

IMAGES = {"PI-047/coverage.png": "partner-images/PI-047/coverage.png",
          "PI-047/meeting.jpg": "partner-images/PI-047/meeting.jpg"}


def converted(text: str, prefix: str = "pi-047-vision", input_id: str = "PI-047") -> str:
    return partner_markdown(text, prefix=prefix, input_id=input_id, images=IMAGES)


def rendered(text: str, **kwargs) -> str:
    """What the site shows of a field: the site's Markdown, then its allow-list."""
    return clean_html(markdown.markdown(converted(text, **kwargs), extensions=_SITE_EXTENSIONS))


def seen(page_html: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page_html)).split())


def elements(page_html: str) -> list[str]:
    return re.findall(r"<([a-zA-Z][\w-]*)", page_html)


# ---------- Headings ----------

@pytest.mark.parametrize("text, levels", [
    ("#### Our vision\n\nText.\n\n##### Financing\n\nMore.", ["h4", "h5"]),  # as the importer writes them
    ("# One\n\n## Two\n\n### Three\n\n#### Four", ["h4", "h5", "h6", "h6"]),
    ("## Two\n\n# One", ["h5", "h4"]),  # a partner's top level is h4, wherever it first appears
])
def test_headings_are_demoted_under_the_fields_own_heading(text, levels):
    page = rendered(text)
    assert [t for t in elements(page) if t[0] == "h"] == levels
    assert all(f'id="pi-047-vision-h{n}"' in page for n in range(1, len(levels) + 1))


def test_a_heading_cannot_take_an_anchor_of_the_page():
    page = rendered("# PI-004\n\n## Vision")
    assert 'id="pi-004"' not in page and 'id="vision"' not in page
    assert seen(page) == "PI-004 Vision"


def test_a_heading_inside_a_list_or_without_a_space_stays_text():
    page = rendered("- # not a heading\n\n#hashtag")
    assert not {"h1", "h2", "h3", "h4", "h5", "h6"} & set(elements(page))
    assert "# not a heading" in seen(page) and "#hashtag" in seen(page)


# ---------- Tables ----------

def test_tables_keep_their_alignment_through_the_allow_list():
    page = rendered("| Country | Share | Trend |\n|:--|--:|:-:|\n| Togo | 41.5% | up |")
    cells = re.findall(r"<t[hd] [^>]*?(style=\"[^\"]*\")[^>]*>", page)  # short columns also have a class
    assert cells == ['style="text-align:left"', 'style="text-align:right"', 'style="text-align:center"'] * 2


def test_a_table_cell_holds_text_not_markup():
    page = rendered("| A | B |\n|---|---|\n| <script>alert(1)</script> | a \\| b [x](javascript:y) |")
    assert "<script" not in page and "<a" not in page
    assert "<script>alert(1)</script>" in seen(page) and "a | b [x](javascript:y)" in seen(page)


def test_ragged_rows_fit_the_header():
    page = rendered("| A | B |\n|---|---|\n| 1 |\n| 1 | 2 | 3 |")
    assert page.count("<td") == 4 and "3" not in seen(page)


# ---------- Footnotes ----------

def test_footnotes_are_the_pages_footnotes_named_after_the_input_and_field():
    page = rendered("Rose[^1] and fell[^note].\n\n[^1]: Our estimate.\n[^note]: A second note.\n\n    With more.")
    assert 'href="#fn:pi-047-vision-1"' in page and 'href="#fn:pi-047-vision-2"' in page
    assert 'class="footnote"' in page and "Our estimate." in page and "With more." in page


def test_two_inputs_that_number_their_notes_from_1_never_share_one():
    first = converted("One[^1].\n\n[^1]: First input's note.", prefix="pi-047-vision")
    second = converted("Two[^1].\n\n[^1]: Second input's note.", prefix="pi-049-vision", input_id="PI-049")
    page = markdown.markdown(f"{first}\n\n{second}", extensions=_SITE_EXTENSIONS)
    assert page.count('class="footnote-ref"') == 2
    assert "First input&rsquo;s note." in page and "Second input&rsquo;s note." in page  # smarty's apostrophe


def test_a_call_without_a_definition_or_a_definition_without_a_call_shows_as_typed():
    page = rendered("Rose[^missing].\n\n[^unused]: Never called.")
    assert "footnote" not in page
    assert "Rose[^missing]." in seen(page) and "[^unused]: Never called." in seen(page)


# ---------- Images ----------

def test_images_of_the_inputs_folder_show_with_their_alt_text():
    page = rendered("![Coverage by region, 2024](PI-047/coverage.png)\n\n![](PI-047/meeting.jpg){width=\"3in\"}")
    assert '<img alt="Coverage by region, 2024" src="partner-images/PI-047/coverage.png">' in page
    assert "partner-images/PI-047/meeting.jpg" in page and "width" not in page
    assert 'alt="Image from the partner\'s input"' in page  # never an image without alt text


@pytest.mark.parametrize("path", [
    "/etc/passwd", "../PI-048/secret.png", "PI-047/../PI-048/secret.png", "PI-048/secret.png",
    "http://example.org/tracker.png", "https://example.org/x.png", "//example.org/x.png",
    "data:image/png;base64,iVBORw0KGgo=", "file:///etc/passwd", "PI-047/nothing.png", "PI-047/drawing.svg",
    "PI-047\\coverage.png", "PI-047//coverage.png", "./PI-047/coverage.png", "PI-047/coverage.png?x=1",
    "PI-047/coverage.png#x", "javascript:alert(1)", "PI-047",
])
def test_any_other_image_shows_its_alt_text(path):
    page = rendered(f"Before ![the alt text]({path}) after.")
    assert "<img" not in page and elements(page) == ["p"]
    # The alt text alone; an address Markdown would not read as one (it holds brackets) shows as typed.
    assert seen(page) in ("Before the alt text after.", f"Before ![the alt text]({path}) after.")


def test_raw_html_and_links_still_show_as_typed():
    text = '<img src="PI-047/coverage.png"> [a link](http://example.org) {{ quote("PI-002") }}'
    page = rendered(text)
    # As typed, but for the quotes, which are typographic everywhere (smarty).
    assert elements(page) == ["p"] and seen(page).translate({0x201C: '"', 0x201D: '"'}) == text


# ---------- Whatever a partner types ----------

ATOMS = list("#!?:|`~=-*_+>.<&[]{}()\\^ \n\tab1") + [
    "    ", "\n\n", "!!! ", "```", "- ", "1. ", "| a | b |\n|--|:-:|\n", "[^1]", "[^1]: ", "#### ",
    "![alt](PI-047/coverage.png)", "![x](../x.png)", "<b>", "{: #x }", "[x](y)"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(ATOMS), max_size=30).map("".join))
def test_whatever_a_partner_types_renders_only_the_allowed_elements(text):
    page = markdown.markdown(converted(text), extensions=_SITE_EXTENSIONS)
    assert set(elements(page)) <= {"p", "em", "strong", "ul", "ol", "li", "code", "br", "h4", "h5", "h6", "table",
                                   "thead", "tbody", "tr", "th", "td", "img", "sup", "a", "div", "hr"}, (text, page)
    assert all(src in IMAGES.values() for src in re.findall(r'src="([^"]*)"', page)), (text, page)
    # A note called twice has two way back: "fnref:" and "fnref2:".
    assert all(re.match(r"#(fn|fnref\d*):pi-047-vision-", href)
               for href in re.findall(r'href="([^"]*)"', page)), (text, page)
    assert all(re.match(r"(fn:|fnref\d*:)?pi-047-vision-", i)
               for i in re.findall(r'id="([^"]*)"', page)), (text, page)


def test_a_call_inside_a_footnote_shows_as_typed():
    # Found by the test above: a note that calls itself linked back to itself.
    assert rendered("[^1]: [^1][^1]") == "<p>[^1]: [^1][^1]</p>"
    page = rendered("See[^1].\n\n[^1]: As in[^2].\n\n[^2]: The other note.")
    assert page.count('class="footnote-ref"') == 1 and page.count('class="footnote-backref"') == 1
    assert "<p>As in[^2].&nbsp;<a" in page and "<p>[^2]: The other note.</p>" in page


# ---------- The input's folder, and what consent keeps of it ----------

def test_the_loader_reads_only_the_png_and_jpeg_files_of_an_inputs_folder(tmp_path):
    root = copy_project(tmp_path / "project")
    corpus.plant_submissions(root)
    inputs = load_inputs(root / "inputs", root)
    assert sorted(inputs.partner_images) == ["PI-047/coverage.png", "PI-047/meeting.jpg", "PI-047/stray.png",
                                             "PI-048/secret.png"]
    (root / corpus.FOLDER / "PI-047" / "notes.txt").write_text("not an image")
    with pytest.raises(ProblemsFound) as found:
        load_inputs(root / "inputs", root)
    assert [str(p) for p in found.value.problems] == [
        "inputs/partner-inputs/PI-047/notes.txt: expected a PNG or JPEG picture of at most 5 MiB; found a file "
        "named notes.txt"]


def test_only_internal_chapters_hold_the_partners_notes_and_only_shown_images_are_published(tmp_path):
    root = copy_project(tmp_path / "project")
    corpus.plant_submissions(root)
    inputs = load_inputs(root / "inputs", root)
    for audience in Audience:
        chapters = generate_chapters(inputs, audience)
        text = "\n".join(c.markdown for c in chapters)
        images = sorted(c.file_name for c in chapters if c.file_name.startswith("partner-images/"))
        internal = audience is Audience.INTERNAL
        assert (corpus.NOTE_CANARY in text) is internal, audience
        assert ("The partner's notes (internal build only)" in text) is internal
        assert ("PI-048/secret.png" in " ".join(images)) is internal
        assert "partner-images/PI-047/coverage.png" in images and "partner-images/PI-047/stray.png" not in images


# ---------- Two real builds ----------

@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[str, Path]:
    """The submissions planted, built for partners (the corpus's build of the same case, made once for the
    session) and for the authors."""
    case = next(c for c in corpus.CASES if c.command == "build")
    assert case.make is corpus.plant_submissions and case.audience == "partners"
    partners = case_build(tmp_path_factory, case)
    assert partners.code == 0, partners.stdout + partners.stderr
    root = copy_project(tmp_path_factory.mktemp("submission-internal"))
    corpus.plant_submissions(root)
    run = strategy("build", "--project", str(root), "--audience", "internal")
    assert run.returncode == 0, run.stdout + run.stderr
    return {"partners": partners.root, "internal": root}


def _entry(root: Path, start: str, end: str) -> str:
    page = (root / "site" / "generated" / "partner-inputs.html").read_text(encoding="utf-8")
    return page[page.index(f'id="{start}"'):page.index(f'id="{end}"')]


def test_the_site_shows_the_submission_as_written(builds):
    root = builds["partners"]
    entry = _entry(root, "pi-047", "pi-049")
    assert re.search(r'<h6 class="partner-heading" id="pi-047-vision-h1">A floor for every worker', entry)
    assert re.search(r'<h4 class="partner-heading" id="pi-047-vision-h3">Injected top-level heading', entry)
    assert "<ul>" in entry and "<ol>" in entry and "including informal workers</li>" in entry
    assert 'style="text-align:right">41.5%' in entry and 'style="text-align:center">up' in entry
    assert '<sup id="fnref:pi-047-vision-1">' in entry and "<script" not in entry
    for src in re.findall(r'<img alt="[^"]+" src="([^"]+)"', entry):
        assert (root / "site" / "generated" / src).resolve().is_file()  # beside the register page
    assert len(re.findall("<img", entry)) == 2
    page = (root / "site" / "generated" / "partner-inputs.html").read_text(encoding="utf-8")
    assert 'id="fn:pi-047-vision-1"' in page and 'id="fn:pi-049-vision-1"' in page


def test_the_pdf_prints_the_headings_table_footnotes_and_images(builds):
    pdf_path = builds["partners"] / "site" / "spf-flagship-phase-iii-strategy.pdf"
    with pdfplumber.open(pdf_path) as pdf:
        pages = [(page.extract_text() or "", len(page.images)) for page in pdf.pages]
    start = next(i for i, (text, _) in enumerate(pages) if "A floor for every worker" in text)
    text = "\n".join(t for t, _ in pages[start:start + 3])
    for line in ("Country Share covered Change", "Togo 41.5% up", "Cabo | Verde 12.0% <script>alert(1)</script>",
                 "Injected top-level heading", "Escapes: passwd up traversal remote data other input missing svg"):
        assert line in text
    # Footnotes print at the foot of the page that calls them, numbered as the calls are.
    call = re.search(r"commitments(\d+), which the table sets out(\d+)", pages[start][0])
    assert call and f"{call.group(1)}. As our board agreed in 2024." in pages[start][0]
    assert sum(images for _, images in pages[start:start + 3]) == 2
    outline = [t for t, _ in pages[:start] if "Contents" in t]
    assert outline and "A floor for every worker" not in "".join(outline)


def test_the_word_version_has_headings_aligned_cells_footnotes_and_pictures(builds):
    with zipfile.ZipFile(builds["partners"] / "site" / "spf-flagship-phase-iii-strategy.docx") as docx:
        document = docx.read("word/document.xml").decode()
        footnotes = docx.read("word/footnotes.xml").decode()
        media = [n for n in docx.namelist() if n.startswith("word/media/")]
    entry = document[document.index("A floor for every worker") - 200:document.index("Injected top-level heading")]
    assert '<w:pStyle w:val="Heading6" />' in entry
    assert re.search(r'<w:jc w:val="right" />.*?41\.5%', entry) and '<w:jc w:val="center" />' in entry
    assert entry.count("<w:footnoteReference") == 2
    assert 'descr="Coverage by region, 2024"' in entry and 'descr="A photograph of the meeting"' in entry
    assert "As our board agreed in 2024." in footnotes and "The second input\u2019s own note." in footnotes
    assert any(n.endswith(".jpg") for n in media)


def test_nothing_withheld_and_no_note_reaches_a_partners_build(builds):
    haystack = every_byte(builds["partners"] / "site")
    for canary in (corpus.IMAGE_CANARY, corpus.ALT_CANARY, corpus.TEXT_CANARY, corpus.NOTE_CANARY,
                   corpus.STRAY_CANARY):
        assert canary.encode() not in haystack, canary


def test_an_internal_build_shows_the_partners_notes_and_the_withheld_image(builds):
    root = builds["internal"]
    entry = _entry(root, "pi-047", "pi-048")
    notes = entry[entry.index('id="pi-047-notes"'):]
    assert "The partner’s notes (internal build only)" in html.unescape(notes) or \
        "The partner's notes (internal build only)" in html.unescape(notes)
    assert corpus.NOTE_CANARY in notes and "A. Partner, 18 March 2025" in notes and "41.5%" in notes
    assert "Deleted" in notes and "a sentence the partner deleted" in notes
    assert (root / "site" / "generated" / "partner-images" / "PI-048" / "secret.png").is_file()
    assert corpus.NOTE_CANARY.encode() in every_byte(root / "site")  # the PDF and Word version too


def test_a_quote_of_an_imported_input_is_its_first_paragraph_of_running_text(tmp_path):
    from strategy.chapters.macros import expand_macros

    root = copy_project(tmp_path / "project")
    corpus.plant_submissions(root)
    inputs = load_inputs(root / "inputs", root)
    page = expand_macros('{{ quote("PI-047") }}\n', inputs, Audience.PARTNERS, file="docs/x.md", page_path="x.md")
    assert "Our vision rests on *three* commitments, which the table sets out." in page
    assert "####" not in page and "[^" not in page
