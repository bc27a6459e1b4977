"""The PDF layout audit: the bundled example passes it, and each of its checks catches what it should.

Every failing case is a small PDF made here with WeasyPrint (or pikepdf) that breaks exactly one rule.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
import weasyprint
from pikepdf import Array, Dictionary, Name, String

from strategy.checks.audit import Finding, audit_pdf, main

FONTS = Path(__file__).resolve().parent.parent / "docs" / "assets" / "fonts"
# A4 with a page number in the bottom margin, as a real document has: the audit must see past it.
# The project's own fonts, so that no case depends on the fonts of the machine.
PAGE_CSS = f"""
@font-face {{ font-family: TestSerif; src: url({(FONTS / "NotoSerif-Regular.woff2").as_uri()}); }}
@font-face {{ font-family: TestSerif; font-weight: bold; src: url({(FONTS / "NotoSerif-Bold.woff2").as_uri()}); }}
@font-face {{ font-family: TestSans; font-weight: bold; src: url({(FONTS / "NotoSans-Bold.woff2").as_uri()}); }}
@page {{ size: A4; margin: 25mm 20mm; @bottom-center {{ content: counter(page); font: 8.5pt TestSerif; }} }}
body {{ font: 10.5pt/1.4 TestSerif; }}
h1 {{ font-size: 22pt; }}
h2 {{ font-size: 15pt; }}
"""
TEXT = "<p>Social protection systems need sustainable financing and good administration.</p>"


def weasy(tmp_path: Path, body: str, name: str = "case.pdf") -> Path:
    path = tmp_path / name
    html = f"<!DOCTYPE html><html lang='en'><head><style>{PAGE_CSS}</style></head><body>{body}</body></html>"
    weasyprint.HTML(string=html).write_pdf(path)
    return path


def checks(path: Path) -> list[tuple[str, int]]:
    return [(f.check, f.page) for f in audit_pdf(path)]


def test_the_example_pdf_passes_the_audit(built):
    findings = audit_pdf(built.pdf)
    assert findings == [], "layout problems in the example PDF:\n" + "\n".join(map(str, findings))


def test_a_clean_document_passes(tmp_path):
    title = "Results of the second phase of the programme, region by region"
    contents = (f"<h1>Contents</h1><p style='width: 70mm'><a href='#results'>{title} ..... 2</a></p>"  # wraps
                "<h2>Tables</h2><p><a href='#table'>Table 1 Coverage by region ..... 2</a></p>")
    pdf = weasy(tmp_path, f"{contents}<h1 id='results' style='break-before: page'>{title}</h1>{TEXT * 5}"
                          "<p id='table'>Table 1 Coverage by region</p>")
    assert audit_pdf(pdf) == []
    assert main([str(pdf)]) == 0


def test_text_outside_the_printable_area(tmp_path):
    # The page area starts 20 mm in, so this paragraph starts 10 mm beyond the left edge of the sheet.
    pdf = weasy(tmp_path, f"{TEXT}<p style='position: absolute; left: -30mm; top: 60mm'>Cut off by the trimmer</p>")
    findings = audit_pdf(pdf)
    assert [(f.check, f.page) for f in findings] == [("outside-printable-area", 1)]
    assert findings[0].message.startswith("text 'Cut off by the trimmer' runs 10.0 mm off the left edge of the page")


def test_image_outside_the_printable_area(tmp_path):
    pixel = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="  # 1×1
    image = (f"<img style='position: absolute; right: -25mm; top: 80mm; width: 20mm; height: 10mm' "
             f"src='data:image/png;base64,{pixel}'>")
    findings = audit_pdf(weasy(tmp_path, f"{TEXT}<p>See the chart.</p>{image}"))
    assert [(f.check, f.page) for f in findings] == [("outside-printable-area", 1)]
    assert "an image (20 × 10 mm) runs 5.0 mm off the right edge" in findings[0].message


def test_text_inside_the_margin_but_on_the_page_is_outside_the_safe_zone(tmp_path):
    pdf = weasy(tmp_path, f"{TEXT}<p style='position: absolute; right: -15mm; top: 60mm'>Close</p>")
    assert checks(pdf) == [("outside-printable-area", 1)]
    assert audit_pdf(pdf, margin_mm=3) == []


def test_a_full_bleed_cover_may_reach_the_edges(tmp_path):
    # The logo's box reaches the corner of the sheet; its text stays on the page, 3 mm in.
    cover = ("<section style='page: cover; break-after: page'><p style='position: absolute; left: -25mm; "
             "top: -25mm; width: 30mm; height: 30mm; padding: 8mm; background: white'>Logo</p><h1>Title</h1>"
             "</section>")
    pdf = weasy(tmp_path, f"<style>@page cover {{ background: #1e2dbe; }}</style>{cover}{TEXT}")
    assert audit_pdf(pdf) == []


def test_text_clipped_at_the_edge_of_a_full_bleed_page(tmp_path):
    """A cover may reach the edges with its background, but a line that crosses the edge loses its glyphs."""
    cover = ("<section style='page: cover; break-after: page'><h1>Title</h1><p style='position: absolute; "
             "right: -32mm; top: 80mm; white-space: nowrap'>Clipped by the edge</p></section>")
    findings = audit_pdf(weasy(tmp_path, f"<style>@page cover {{ background: #1e2dbe; }}</style>{cover}{TEXT}"))
    assert [(f.check, f.page) for f in findings] == [("outside-printable-area", 1)]
    assert findings[0].message.startswith("text 'Clipped by the edge' runs 1")
    assert "off the right edge" in findings[0].message


def test_text_in_the_bleed_is_outside_the_trimmed_page(tmp_path):
    """With a bleed, the sheet (MediaBox) is larger than the page (TrimBox): text in the bleed is trimmed off."""
    pdf = weasy(tmp_path, f"<style>@page {{ bleed: 6mm }}</style>{TEXT}"
                          "<p style='position: absolute; left: -24mm; top: 60mm'>In the bleed</p>")
    findings = audit_pdf(pdf)
    assert [(f.check, f.page) for f in findings] == [("outside-printable-area", 1)]
    assert findings[0].message.startswith("text 'In the bleed' runs 4.0 mm off the left edge of the page")


def test_heading_as_the_last_line_on_a_page(tmp_path):
    body = (f"{TEXT}<div style='height: 200mm'></div>"
            f"<h2 style='break-after: page'>Results by region</h2>{TEXT}")
    findings = audit_pdf(weasy(tmp_path, body))
    assert [(f.check, f.page) for f in findings] == [("heading-at-page-foot", 1)]
    assert findings[0].message == "heading 'Results by region' is the last line on the page"


def test_a_bold_sans_heading_the_size_of_body_text_counts(tmp_path):
    body = (f"{TEXT}<div style='height: 205mm'></div><h4 style='font-family: TestSans; font-size: 10.5pt; "
            f"break-after: page'>Key messages</h4>{TEXT}")
    assert checks(weasy(tmp_path, body)) == [("heading-at-page-foot", 1)]


def test_a_heading_above_the_footnotes_is_still_at_the_page_foot(tmp_path):
    note = "<span style='float: footnote; font-size: 8pt'>ILO, World Social Protection Report 2024–26.</span>"
    body = (f"<p>Coverage has grown.{note}</p><div style='height: 180mm'></div>"
            f"<h2 style='break-after: page'>Results by region</h2>{TEXT}")
    assert checks(weasy(tmp_path, body)) == [("heading-at-page-foot", 1)]


def test_a_diagonal_watermark_is_not_text_of_the_page(tmp_path):
    mark = ("<div style='position: fixed; top: 100mm; left: 0; width: 170mm; text-align: center; "
            "transform: rotate(-50deg); font: bold 120pt TestSans; color: rgba(30, 45, 190, 0.07)'>DRAFT</div>")
    body = (f"{mark}{TEXT}<div style='height: 150mm'></div>{TEXT}<div style='break-after: page'></div>"
            f"<div style='break-after: page'></div><h1>Chapter two</h1>{TEXT}")
    assert audit_pdf(weasy(tmp_path, body)) == []  # page 2 is blank but for the watermark: allowed


def test_table_header_and_box_title_followed_by_content_are_fine(tmp_path):
    table = ("<table><thead><tr><th style='font-family: TestSans'>Region</th></tr></thead>"
             + "<tr><td>Africa</td></tr>" * 70 + "</table>")
    box = "<div><p style='font: bold 11pt TestSans'>Key messages</p>" + TEXT + "</div>"
    assert audit_pdf(weasy(tmp_path, f"{box}{table}{TEXT}")) == []


def test_blank_page_in_the_middle(tmp_path):
    body = f"{TEXT}<div style='break-after: page'></div><div style='break-after: page'></div>{TEXT}"
    findings = audit_pdf(weasy(tmp_path, body))
    assert [(f.check, f.page) for f in findings] == [("blank-page", 2)]
    assert "running head or foot" in findings[0].message  # the page number is all there is


def test_blank_left_hand_page_before_a_chapter_is_allowed(tmp_path):
    body = (f"{TEXT}<div style='break-after: page'></div><div style='break-after: page'></div>"
            f"<h1>Chapter two</h1>{TEXT}")
    assert audit_pdf(weasy(tmp_path, body)) == []
    # ... but not a right-hand one (page 3): that is a mistake, whatever follows.
    odd = f"{TEXT}<div style='break-after: page'></div>{TEXT}" + body
    assert checks(weasy(tmp_path, odd, "odd.pdf")) == [("blank-page", 3)]


def test_blank_back_of_a_cover_is_allowed(tmp_path):
    cover = ("<section style='page: cover; break-after: page'><p style='font: bold 24pt TestSans; color: white'>"
             "Strategy</p></section>")
    style = "<style>@page cover { background: #1e2dbe; @bottom-center { content: none; } }</style>"
    body = f"{style}{cover}<p style='break-before: right'>Title page</p>{TEXT}"
    with_cover = weasy(tmp_path, body)
    assert len(pikepdf.open(with_cover).pages) == 3
    assert audit_pdf(with_cover) == []
    # Without a cover, page 2 left blank is a mistake.
    no_cover = body.replace(cover, f"{TEXT}<div style='break-after: page'></div>")
    assert checks(weasy(tmp_path, no_cover, "no-cover.pdf")) == [("blank-page", 2)]


FLUSH_RIGHT = "<span style='float: right'>{}</span>"


@pytest.mark.parametrize("number", ["..... 9", FLUSH_RIGHT.format(9)], ids=["leaders", "flush-right"])
def test_contents_entry_with_the_wrong_page_number(tmp_path, number):
    contents = f"<h1>Contents</h1><p><a href='#x'>Results by region {number}</a></p>"
    body = (f"{contents}<p style='break-before: page'>Page two.</p>"
            f"<h2 id='x' style='break-before: page'>Results by region</h2>{TEXT}")
    findings = audit_pdf(weasy(tmp_path, body))
    assert [(f.check, f.page) for f in findings] == [("toc-page-number", 1)]
    assert "shows page 9" in findings[0].message and "goes to page 3" in findings[0].message


@pytest.mark.parametrize("number", ["..... 2", FLUSH_RIGHT.format(2)], ids=["leaders", "flush-right"])
def test_contents_entry_whose_title_is_not_on_its_page(tmp_path, number):
    contents = f"<h1>Contents</h1><p><a href='#x'>Results by country {number}</a></p>"
    findings = audit_pdf(weasy(tmp_path, f"{contents}<h2 id='x' style='break-before: page'>Results</h2>{TEXT}"))
    assert [(f.check, f.page) for f in findings] == [("toc-page-number", 1)]
    assert "shows page 2, but that title is not on that page" in findings[0].message


def _relink(path: Path, change) -> Path:
    """The PDF at `path` with `change` applied to its one link annotation."""
    with pikepdf.open(path) as pdf:
        links = [a for page in pdf.pages for a in page.obj.get("/Annots", []) if a.Subtype == "/Link"]
        assert len(links) == 1
        change(pdf, links[0])
        out = path.with_name("relinked.pdf")
        pdf.save(out)
    return out


def _named(pdf, link):
    link.Dest = String("no-such-anchor")


def _go_to(pdf, link):
    del link["/Dest"]
    link.A = Dictionary(S=Name.GoTo, D=String("no-such-anchor"))


def _explicit(pdf, link):  # an explicit destination whose page is not in the document
    del link["/Dest"]
    link.Dest = Array([pdf.make_indirect(Dictionary(Type=Name.Page)), Name.Fit])


@pytest.mark.parametrize("change", [_named, _go_to, _explicit])
def test_broken_internal_link(tmp_path, change):
    source = weasy(tmp_path, f"{TEXT}<p>See <a href='#later'>later</a>.</p>"
                             f"<h2 id='later' style='break-before: page'>Later</h2>{TEXT}")
    assert audit_pdf(source) == []
    findings = audit_pdf(_relink(source, change))
    assert [(f.check, f.page) for f in findings] == [("broken-link", 1)]


def _helvetica_pdf(path: Path, in_form: bool) -> Path:
    """One page of text in Helvetica, the font not embedded (directly, or inside a form XObject)."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica))
    text = b"BT /F1 12 Tf 100 700 Td (Not embedded) Tj ET"
    resources = Dictionary(Font=Dictionary(F1=font))
    if in_form:
        form = pdf.make_stream(text, Type=Name.XObject, Subtype=Name.Form, BBox=[0, 0, 595, 842],
                               Resources=resources)
        resources, text = Dictionary(XObject=Dictionary(Fm1=form)), b"q /Fm1 Do Q"
    pdf.pages.append(pikepdf.Page(Dictionary(Type=Name.Page, MediaBox=[0, 0, 595.28, 841.89],
                                             Resources=resources, Contents=pdf.make_stream(text))))
    pdf.save(path)
    return path


@pytest.mark.parametrize("in_form", [False, True], ids=["page", "form-xobject"])
def test_font_not_embedded(tmp_path, in_form):
    findings = audit_pdf(_helvetica_pdf(tmp_path / "helvetica.pdf", in_form))
    assert [(f.check, f.page) for f in findings] == [("font-not-embedded", 1)]
    assert "'Helvetica' (Type1)" in findings[0].message


def test_findings_name_the_printed_page_label(tmp_path):
    body = f"{TEXT}<div style='break-after: page'></div><div style='break-after: page'></div>{TEXT}"
    with pikepdf.open(weasy(tmp_path, body)) as pdf:
        pdf.Root.PageLabels = Dictionary(Nums=[0, Dictionary(S=Name.r)])  # i, ii, iii
        pdf.save(tmp_path / "labelled.pdf")
    finding, = audit_pdf(tmp_path / "labelled.pdf")
    assert finding == Finding(2, "ii", "blank-page", finding.message)
    assert str(finding).startswith("page 2 (label 'ii'): the page is blank")


def test_command_line_prints_findings_and_fails(tmp_path, capsys):
    pdf = _helvetica_pdf(tmp_path / "helvetica.pdf", in_form=False)
    assert main([str(pdf)]) == 1
    out = capsys.readouterr().out
    assert "page 1 (label '1'): font 'Helvetica' (Type1) is not embedded" in out
