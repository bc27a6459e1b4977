"""Partner text renders as text, on the page (issue 8, part 4).

Fast tests of `partner_text` on every Markdown construct it must refuse or keep, of the font coverage and
of the layout check; then one real build of a project whose inputs carry 300-character words, long
addresses and numbers, emoji, CJK and bidirectional controls, checked in both PDFs and on the site.
"""

from __future__ import annotations

import html
import re
import unicodedata
from pathlib import Path

import markdown
import pdfplumber
import pikepdf
import pytest
import weasyprint
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, copy_project, strategy
from corpus import rendering
from strategy.chapters.markdown import _SITE_EXTENSIONS, partner_text
from strategy.glyphs import BIDI_CONTROLS, covered, printable, uncovered_characters
from strategy.inputs import load_inputs
from strategy.checks.audit import audit_pdf
from strategy.publish.pdf import ZERO_WIDTH_SPACE, breakable_cells, off_the_page

ALLOWED_TAGS = {"p", "em", "strong", "ul", "ol", "li", "code", "br"}
FONT_CSS = REPO / "docs" / "assets" / "stylesheets" / "fonts.css"


def rendered(text: str) -> str:
    """The HTML the site's Markdown makes of a partner's text."""
    return markdown.markdown(partner_text(text), extensions=_SITE_EXTENSIONS)


def seen(page_html: str) -> str:
    """What a reader sees: the text without tags, references resolved, white space collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", page_html)).split())


def tags(page_html: str) -> set[str]:
    return set(re.findall(r"<([a-zA-Z][\w-]*)", page_html))


# ---------- What partner text may be ----------

@pytest.mark.parametrize("name, text, visible, forbidden", rendering.MARKDOWN, ids=[m[0] for m in rendering.MARKDOWN])
def test_markdown_that_partner_text_may_not_use_shows_as_typed(name, text, visible, forbidden):
    page = rendered(text)
    assert tags(page) <= ALLOWED_TAGS, page
    assert forbidden not in page, page
    assert " ".join(visible.split()) in seen(page)


def test_paragraphs_emphasis_lists_and_line_breaks_are_kept():
    page = rendered("First *one* and **two**.  \nBroken line.\n\n- a\n- b\n    - nested\n\nThen:\n\n1. one\n2. two")
    assert "<em>one</em>" in page and "<strong>two</strong>" in page and "<br />" in page
    assert page.count("<ul>") == 2 and "<ol>" in page and "<li>nested</li>" in page


@pytest.mark.parametrize("text, visible", [
    ("Use `<b>` here.", "Use <b> here."),
    ("Write `a & b` and `&amp;`.", "Write a & b and &amp;."),
    ("``code with ` inside``", "code with ` inside"),
    ("`*not emphasis* [not a link](x) {: .no }`", "*not emphasis* [not a link](x) {: .no }"),
])
def test_code_spans_are_escaped_once(text, visible):
    page = rendered(text)
    assert "<code>" in page
    assert seen(page) == visible  # not "&lt;b&gt;": escaped once, by us, never again by Markdown


def test_a_macro_in_a_code_span_is_not_expanded():
    assert "{{" not in partner_text('`{{ quote("PI-002") }}`')
    assert '{{ quote("PI-002") }}' in seen(rendered('`{{ quote("PI-002") }}`'))


@pytest.mark.parametrize("point", sorted(BIDI_CONTROLS))
def test_bidirectional_controls_are_removed(point):
    text = f"We pay {chr(point)}01 USD{chr(0x202C)} per month"
    out = partner_text(text)
    assert not any(ord(c) in BIDI_CONTROLS for c in out)
    assert seen(markdown.markdown(out)) == "We pay 01 USD per month"


def test_trojan_source_reads_in_the_order_typed():
    # The classic: an override that makes "admin" checks display reversed.
    assert seen(rendered("if access \u202e} \u2066// check later\u2069 {")) == "if access } // check later {"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(list("#!?:|`~=-*_+>.<&[]{}()\\ \n\tab1") + ["    ", "\n\n", "!!! ", "```",
                                                                          "- ", "1. "]), max_size=40).map("".join))
def test_whatever_a_partner_types_renders_only_the_allowed_tags(text):
    page = rendered(text)
    assert tags(page) <= ALLOWED_TAGS, (text, page)


# ---------- Fonts ----------

def test_the_shipped_fonts_cover_latin_text_and_not_other_scripts():
    points = covered(FONT_CSS)
    assert all(ord(c) in points for c in "Côte d'Ivoire – €5 “ok” → ≥ Ș")
    assert not any(ord(c) in points for c in "😀社قस")


def test_characters_the_fonts_lack_are_shown_as_markers_and_invisible_ones_dropped():
    assert printable("Works 😀 社 ≥ é\u202e!\u2069 ❤\ufe0f", FONT_CSS) == "Works [U+1F600] [U+793E] ≥ é! [U+2764]"


def test_uncovered_characters_names_the_character_its_file_line_and_field(tmp_path):
    root = copy_project(tmp_path / "project")
    assert uncovered_characters(load_inputs(root / "inputs", root), root, FONT_CSS) == []
    rendering.set_partner_text(rendering.INPUT, "key_quote", "It works 😀, \u202eevil")(root)
    found = uncovered_characters(load_inputs(root / "inputs", root), root, FONT_CSS)
    lines = [str(p) for p in found]
    assert len(lines) == 2 and all(p.severity == "warning" for p in found)
    quote_line = next(n for n, line in enumerate((root / rendering.INPUT).read_text().splitlines(), 1)
                      if line.startswith("key_quote"))
    assert lines[0].startswith(f"{rendering.INPUT}:{quote_line}: warning: field 'key_quote'")
    assert "[U+1F600] GRINNING FACE" in " ".join(lines) and "[U+202E] RIGHT-TO-LEFT OVERRIDE" in " ".join(lines)
    assert "\u202e" not in " ".join(lines)  # the control itself is never printed into a terminal


# ---------- The page ----------

def test_long_tokens_in_table_cells_get_break_opportunities():
    token = "x" * 40 + "&amp;" + "y" * 10
    cells = breakable_cells(f"<p>{token}</p><table><tr><td class='a'>Short words <b>{token}</b></td></tr></table>")
    assert cells.startswith(f"<p>{token}</p>")  # paragraphs wrap by CSS: left alone
    cell = re.search(r"<b>(.*?)</b>", cells).group(1)
    assert cell.replace(ZERO_WIDTH_SPACE, "") == token and cell.count(ZERO_WIDTH_SPACE) == 3
    assert "&amp;" in cell  # a character reference is never split
    assert "Short words" in cells


def test_text_that_cannot_wrap_is_refused_naming_the_page_and_the_input():
    document = weasyprint.HTML(string=(
        "<style>@page { size: A4; margin: 20mm }</style><h2 id='pi-004'>PI-004</h2>"
        f"<p style='white-space: nowrap'>An address {'x' * 200}</p><p>Quoted from PI-007.</p>")).render()
    problems = off_the_page(document.pages, 0, {"pi-004": "PI-004", "pi-007": "PI-007", "pi-009": "PI-009"},
                            "strategy.pdf")
    assert len(problems) == 1
    message = str(problems[0])
    assert message.startswith("strategy.pdf: expected text inside the printable area (10 mm from each edge)")
    assert "at the right edge of page 1" in message and "PI-004, PI-007 are printed" in message
    assert "PI-009" not in message


def test_text_that_wraps_passes():
    document = weasyprint.HTML(string=f"<style>@page {{ size: A4 }} html {{ overflow-wrap: anywhere }}</style>"
                                      f"<p>An address {'x' * 400}</p>").render()
    assert off_the_page(document.pages, 0, {}, "strategy.pdf") == []


# ---------- One real build with hostile text in several inputs ----------

@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("rendering"))
    case = next(c for c in rendering.CASES if c.command == "build")
    case.make(root)
    run = strategy("build", "--release", "--project", str(root))  # both PDF editions
    assert run.returncode == 0, run.stderr
    return root


def _pdfs(root: Path) -> list[Path]:
    return sorted((root / "site").glob("*.pdf"))


def test_no_system_font_is_embedded(hostile_build):
    shipped = re.compile(r"[A-Z]{6}\+Noto-(Sans|Serif|Sans-Math)(-Bold)?(-Italic)?")
    for pdf_path in _pdfs(hostile_build):
        with pikepdf.open(pdf_path) as pdf:
            names = {str(font.get("/BaseFont")) for page in pdf.pages
                     for font in (page.obj.Resources.get("/Font") or {}).values()}
        assert names and all(shipped.fullmatch(name.lstrip("/")) for name in names), (pdf_path.name, names)


def test_no_character_lies_outside_the_printable_area(hostile_build):
    for pdf_path in _pdfs(hostile_build):
        assert [f for f in audit_pdf(pdf_path) if f.check == "outside-printable-area"] == []
        with pdfplumber.open(pdf_path) as pdf:
            text = "".join(page.extract_text() or "" for page in pdf.pages)
            for page in pdf.pages:
                width, height = page.width, page.height
                assert all(0 <= c["x0"] and c["x1"] <= width and 0 <= c["top"] and c["bottom"] <= height
                           for c in page.chars)
        # The planted text is all there: wrapped, not cut.
        flat = text.replace("\n", "").replace("‐", "").replace(ZERO_WIDTH_SPACE, "")
        assert rendering.LONG_TOKEN in flat and rendering.LONG_NUMBER in flat
        assert "[U+1F600]" in text and "[U+793E][U+4F1A]" in text
        assert not any(ord(c) in BIDI_CONTROLS for c in text)
        assert not any(unicodedata.category(c) == "So" and ord(c) > 0x1F000 for c in text)


def test_the_site_wraps_long_words_and_shows_hostile_markdown_as_text(hostile_build):
    site = hostile_build / "site"
    css = (site / "assets" / "stylesheets" / "site.css").read_text(encoding="utf-8")
    assert re.search(r"\.md-typeset\s*\{\s*overflow-wrap:\s*anywhere", css)
    register = (site / "generated" / "partner-inputs.html").read_text(encoding="utf-8")
    entry = register[register.index('id="pi-001"'):register.index('id="pi-002"')]
    assert rendering.LONG_TOKEN in entry
    assert "!!! note" in seen(entry) and "admonition" not in entry
    # A vision may hold a pipe table since issue 9 (imported Word submissions): tests/test_partner_markdown.py.
    assert re.search(r"<th[^>]*>a</th>\s*<th[^>]*>b</th>", entry)
    assert "😀" in entry  # the browser has fonts for it: only the PDF needs markers
    assert not any(ord(c) in BIDI_CONTROLS for c in register)
