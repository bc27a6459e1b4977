"""The PDF/UA-1 and PDF/A-3a machine checks: the example's editions pass them (but for what WeasyPrint cannot
do), and each check catches its rule broken in a copy of a real edition.

Every failing case takes the real reading or archive PDF, breaks exactly one property with pikepdf (or, for the
file trailer, with its bytes) and asserts the findings the break adds, with their pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pdfua
import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name, String

from conftest import REPO, strategy
from strategy.checks.conformance import (KNOWN_WEASYPRINT_LIMITATIONS, ConformanceFinding, check_conformance,
                                         declared_variants)
from strategy.publish.pdf import READING, render_pdf

UA, PDFA = "pdf/ua-1", "pdf/a-3a"
Expected = set[tuple[str, "int | None"]]  # (check, page) the break must add, and nothing else

@pytest.fixture(scope="module")
def editions(built) -> dict[str, Path]:
    return {UA: built.pdf, PDFA: built.site / built.publication.archive_pdf_file}


@pytest.fixture(scope="module")
def baseline(editions) -> dict[str, list[ConformanceFinding]]:
    return {variant: check_conformance(path, variant) for variant, path in editions.items()}


def added(path: Path, variant: str, baseline: dict[str, list[ConformanceFinding]]) -> Expected:
    """(check, page) of the findings the file has and its edition has not."""
    before = {(f.check, f.page) for f in baseline[variant]}
    return {(f.check, f.page) for f in check_conformance(path, variant)} - before


# ---------- The example ----------

@pytest.mark.parametrize("variant", [UA, PDFA])
def test_the_example_editions_pass_but_for_documented_limitations(baseline, variant):
    unexpected = [f for f in baseline[variant] if f.check not in KNOWN_WEASYPRINT_LIMITATIONS]
    assert unexpected == [], f"{variant} findings:\n" + "\n".join(map(str, unexpected))


def test_every_documented_limitation_still_occurs(baseline):
    """The list of limitations stays as short as the facts: an entry WeasyPrint no longer needs must go."""
    seen = {f.check for findings in baseline.values() for f in findings}
    assert set(KNOWN_WEASYPRINT_LIMITATIONS) <= seen


def test_the_limitation_is_the_running_heads(baseline):
    """What the margin boxes leave out of the structure tree is a Span or two per page, never body text."""
    limited = [f for findings in baseline.values() for f in findings if f.check == "content-outside-structure-tree"]
    assert limited
    for finding in limited:
        count = int(finding.message.split()[0])
        assert count <= 2 and "(Span)" in finding.message, finding


def test_the_archive_edition_passes_the_pdf_ua_checks_too(editions):
    """It declares PDF/UA-1 beside PDF/A-3a (pdf.py), so it keeps PDF/UA-1's rules as the reading edition does."""
    findings = check_conformance(editions[PDFA], UA)
    unexpected = [f for f in findings if f.check not in KNOWN_WEASYPRINT_LIMITATIONS]
    assert findings and unexpected == [], "\n".join(map(str, unexpected))


@pytest.mark.parametrize("variant", [UA, PDFA])
def test_the_independent_checker_pdfua_finds_no_error_and_no_warning(editions, variant):
    """pdfua (PyPI) reads the tags on its own: every table header with its Scope, both editions declaring
    PDF/UA-1. Its empty-heading rule UA-14-001 cannot run on a heading with several kids (pdfua 0.1.3 asks a
    pikepdf Array for `is_integer`, which raises): our own check "heading-empty" stands in for it."""
    report = pdfua.validate(str(editions[variant]))
    assert [f"{f.rule_id} {f.severity.name} page {f.location.page}: {f.message}" for f in report.findings] == []
    assert {o.rule_id for o in report.skipped} <= {"UA-14-001"}
    assert len(report.outcomes) - len(report.skipped) >= 10, "pdfua ran its rules"


def test_every_table_header_cell_has_its_scope(editions):
    """Column headers say Column; a header the cells of its row name (HTML scope="row") says Row."""
    for path in editions.values():
        with pikepdf.open(path) as pdf:
            headers = [e for e, _ in elements(pdf) if e.S == "/TH"]
            assert len(headers) >= 20
            assert {str(h.A.Scope) for h in headers} == {"/Column"}


def test_a_row_header_gets_scope_row(tmp_path):
    docs = REPO / "docs"
    table = ("<table><thead><tr><th>Region</th><th>Changes</th></tr></thead><tbody>"
             "<tr><th scope='row'>Africa</th><td>40</td></tr><tr><th scope='row'>Asia</th><td>30</td></tr>"
             "</tbody></table>")
    html = f"<!DOCTYPE html><html lang='en'><head><title>Rows</title></head><body>{table}</body></html>"
    out = tmp_path / "rows.pdf"
    render_pdf(html, docs, docs / "assets/stylesheets/fonts.css", out, [docs / "assets"], READING, draft=False)
    with pikepdf.open(out) as pdf:
        assert [str(e.A.Scope) for e, _ in elements(pdf) if e.S == "/TH"] == ["/Column", "/Column", "/Row", "/Row"]
    assert pdfua.validate(str(out)).findings == ()


def test_contents_links_are_tagged_as_links(baseline):
    """Nothing inside a contents or list-of link but its text: each link is one annotation under a Link."""
    assert [str(f) for f in baseline[UA] if f.check == "link-tagged"] == []


# ---------- Reading the real PDF, independently of the checker ----------

def elements(pdf: pikepdf.Pdf) -> list[tuple[Dictionary, int | None]]:
    """Structure elements in document order, with the 1-based page of their /Pg."""
    pages = {page.obj.objgen: i + 1 for i, page in enumerate(pdf.pages)}
    found, stack = [], [pdf.Root.StructTreeRoot.K]
    while stack:
        kid = stack.pop()
        if isinstance(kid, Array):
            stack.extend(reversed(list(kid)))
        elif isinstance(kid, Dictionary) and "/S" in kid:
            found.append((kid, pages.get(kid.Pg.objgen) if "/Pg" in kid else None))
            stack.append(kid.get("/K"))
    return found


def first(pdf: pikepdf.Pdf, role: str) -> tuple[Dictionary, int]:
    return next((e, page) for e, page in elements(pdf) if e.S == role)


def links(pdf: pikepdf.Pdf) -> list[tuple[int, Dictionary]]:
    return [(i + 1, a) for i, page in enumerate(pdf.pages) for a in page.obj.get("/Annots", [])
            if a.get("/Subtype") == "/Link"]


def first_page_with(pdf: pikepdf.Pdf, wanted: Callable[[list, str], bool]) -> int:
    return next(i + 1 for i, page in enumerate(pdf.pages)
                if any(wanted(list(operands), str(op)) for operands, op in pikepdf.parse_content_stream(page)))


def a_font(pdf: pikepdf.Pdf) -> tuple[Dictionary, int]:
    """The first font the document sets, and the page where it does."""
    page = first_page_with(pdf, lambda operands, op: op == "Tf")
    name = next(operands[0] for operands, op in pikepdf.parse_content_stream(pdf.pages[page - 1]) if str(op) == "Tf")
    return pdf.pages[page - 1].Resources.Font[name], page


def a_body_page(pdf: pikepdf.Pdf) -> int:
    return first(pdf, "/H2")[1]


def add_content(pdf: pikepdf.Pdf, page: int, content: bytes) -> None:
    pdf.pages[page - 1].contents_add(pdf.make_stream(b"q " + content + b" Q"), prepend=False)


def untagged_text(pdf: pikepdf.Pdf) -> Expected:
    page = a_body_page(pdf)
    font = next(iter(pdf.pages[page - 1].Resources.Font.keys()))
    add_content(pdf, page, f"BT {font} 9 Tf 72 72 Td (Untagged) Tj ET".encode())
    return {("untagged-content", page)}


def rewrite_metadata(old: bytes, new: bytes) -> Callable[[pikepdf.Pdf], Expected]:
    def change(pdf: pikepdf.Pdf) -> None:
        data = pdf.Root.Metadata.read_bytes()
        assert old in data
        pdf.Root.Metadata.write(data.replace(old, new))
    return change


def expect(expected: Expected, change: Callable[[pikepdf.Pdf], None]) -> Callable[[pikepdf.Pdf], Expected]:
    def run(pdf: pikepdf.Pdf) -> Expected:
        change(pdf)
        return expected
    return run


# ---------- Breaks of both variants ----------

def no_struct_parents(pdf):
    page = a_body_page(pdf)
    del pdf.pages[page - 1].obj["/StructParents"]
    return {("mcid-not-in-parent-tree", page)}


def parent_tree_entry_short(pdf):
    page = a_body_page(pdf)
    entry = pikepdf.NumberTree(pdf.Root.StructTreeRoot.ParentTree)[int(pdf.pages[page - 1].StructParents)]
    del entry[len(entry) - 1]
    return {("mcid-not-in-parent-tree", page)}


def font_not_embedded(pdf):
    font, page = a_font(pdf)
    del font.DescendantFonts[0].FontDescriptor["/FontFile2"]
    return {("font-embedded", page)}


def font_without_tounicode(pdf):
    font, page = a_font(pdf)
    del font["/ToUnicode"]
    return {("font-tounicode", page)}


def info_title_differs(pdf):
    pdf.trailer.Info.Title = String("Another title")
    return {("info-xmp", None)}


def info_author_differs(pdf):
    pdf.trailer.Info.Author = String("Someone else")
    return {("info-xmp", None)}


SHARED = [
    pytest.param(untagged_text, id="untagged-text"),
    pytest.param(no_struct_parents, id="no-struct-parents"),
    pytest.param(parent_tree_entry_short, id="mcid-missing-from-parent-tree"),
    pytest.param(expect({("mark-info", None)}, lambda pdf: pdf.Root.__delitem__("/MarkInfo")), id="no-mark-info"),
    pytest.param(expect({("mark-info", None)}, lambda pdf: setattr(pdf.Root.MarkInfo, "Marked", False)),
                 id="marked-false"),
    pytest.param(font_not_embedded, id="font-not-embedded"),
    pytest.param(font_without_tounicode, id="no-tounicode"),
    pytest.param(info_title_differs, id="info-title-differs"),
    pytest.param(info_author_differs, id="info-author-differs"),
]


# ---------- Breaks of PDF/UA-1 ----------

def figure_without_alt(pdf):
    figure, page = first(pdf, "/Figure")
    del figure["/Alt"]
    return {("figure-alt", page)}


def heading_skips_a_level(pdf):
    headings = [(e, page) for e, page in elements(pdf) if re.fullmatch(r"/H[1-6]", str(e.S))]
    index = next(i for i, ((before, _), (e, _)) in enumerate(zip(headings, headings[1:]), start=1)
                 if before.S == "/H1" and e.S == "/H2")
    heading, page = headings[index]
    heading.S = Name("/H4")  # H1 -> H4
    return {("heading-levels", page)}


def first_heading_not_h1(pdf):
    heading, page = next((e, page) for e, page in elements(pdf) if re.fullmatch(r"/H[1-6]", str(e.S)))
    assert heading.S == "/H1"
    heading.S = Name("/H2")
    return {("heading-levels", page)}


def empty_heading(pdf):
    heading, page = next((e, page) for e, page in elements(pdf) if e.S == "/H2")
    empty = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.H2, P=heading.P, Pg=heading.Pg))
    kids = heading.P.K
    kids.insert(next(i for i, k in enumerate(kids) if isinstance(k, Dictionary) and k.objgen == heading.objgen) + 1,
                empty)
    return {("heading-empty", page)}


def table_row_not_a_row(pdf):
    body, _ = first(pdf, "/TBody")
    row = next(k for k in body.K if k.S == "/TR")
    row.S = Name("/Div")  # the TBody holds a Div, and the Div's cells are outside any TR
    pages = {elements_page(pdf, body), *(elements_page(pdf, cell) for cell in row.K)}
    return {("table-structure", page) for page in pages}


def elements_page(pdf, element):
    return next(i + 1 for i, page in enumerate(pdf.pages) if page.obj.objgen == element.Pg.objgen)


def header_without_id(pdf):
    header, page = first(pdf, "/TH")
    del header["/ID"]  # the cells' /Headers now name an ID no TH has: the table needs Scope on its THs
    del header.A["/Scope"]
    return {("th-scope", page)}


def header_without_scope(pdf):
    header, page = first(pdf, "/TH")
    del header.A["/Scope"]  # still tied to its cells by Headers and IDs: PDF/UA-1 accepts it, this project not
    return {("th-scope-too", page)}


def headers_with_scope_instead_of_ids(pdf):
    table, _ = first(pdf, "/Table")
    cells = [e for e, _ in elements(pdf) if e.S in ("/TH", "/TD") and _in(e, table)]
    for cell in cells:
        if cell.S == "/TH":
            del cell["/ID"]
            cell.A.Scope = Name("/Column")
        else:
            del cell.A["/Headers"]
    return set()


def _in(element, ancestor):
    while isinstance(element, Dictionary) and "/P" in element:
        if element.objgen == ancestor.objgen:
            return True
        element = element.P
    return False


def tagged_link(pdf):
    """A link annotation on a page where every link is tagged under a Link element."""
    tree = pikepdf.NumberTree(pdf.Root.StructTreeRoot.ParentTree)
    return next((page, a) for page, a in links(pdf) if page > 8 and tree[int(a.StructParent)].S == "/Link")


def link_without_contents(pdf):
    page, link = tagged_link(pdf)
    del link["/Contents"]
    return {("link-contents", page)}


def link_not_in_link_element(pdf):
    page, link = tagged_link(pdf)
    element = pikepdf.NumberTree(pdf.Root.StructTreeRoot.ParentTree)[int(link.StructParent)]
    kids = element.K
    index = next(i for i, k in enumerate(kids) if isinstance(k, Dictionary) and k.get("/Type") == "/OBJR"
                 and k.Obj.objgen == link.objgen)
    del kids[index]
    return {("link-tagged", page)}


def page_without_tabs(pdf):
    page, _ = tagged_link(pdf)
    del pdf.pages[page - 1].obj["/Tabs"]
    return {("annotation-tab-order", page)}


def xmp_without_title(pdf):
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        del meta["dc:title"]
    return {("xmp-title", None)}


def display_doc_title(value):
    def change(pdf):
        if value is None:
            del pdf.Root["/ViewerPreferences"]
        else:
            pdf.Root.ViewerPreferences.DisplayDocTitle = value
        return {("display-doc-title", None)}
    return change


UA_BREAKS = SHARED + [
    pytest.param(expect({("lang", None)}, lambda pdf: pdf.Root.__delitem__("/Lang")), id="no-lang"),
    pytest.param(expect({("lang", None)}, lambda pdf: setattr(pdf.Root, "Lang", String(""))), id="empty-lang"),
    pytest.param(expect({("mark-info", None)}, lambda pdf: setattr(pdf.Root.MarkInfo, "Suspects", True)),
                 id="suspects"),
    pytest.param(expect({("struct-tree", None)}, lambda pdf: pdf.Root.StructTreeRoot.__delitem__("/ParentTree")),
                 id="no-parent-tree"),
    pytest.param(display_doc_title(False), id="display-doc-title-false"),
    pytest.param(display_doc_title(None), id="no-viewer-preferences"),
    pytest.param(expect({("xmp-metadata", None)}, lambda pdf: pdf.Root.__delitem__("/Metadata")), id="no-xmp"),
    pytest.param(xmp_without_title, id="xmp-without-title"),
    pytest.param(expect({("pdfua-identifier", None)}, rewrite_metadata(b'pdfuaid:part="1"', b'pdfuaid:part="2"')),
                 id="pdfua-part-2"),
    pytest.param(figure_without_alt, id="figure-without-alt"),
    pytest.param(heading_skips_a_level, id="heading-skips-a-level"),
    pytest.param(first_heading_not_h1, id="first-heading-not-h1"),
    pytest.param(empty_heading, id="empty-heading"),
    pytest.param(table_row_not_a_row, id="table-row-not-a-row"),
    pytest.param(header_without_id, id="th-without-id-or-scope"),
    pytest.param(header_without_scope, id="th-with-ids-but-no-scope"),
    pytest.param(headers_with_scope_instead_of_ids, id="th-scope-instead-of-ids-passes"),
    pytest.param(link_without_contents, id="link-without-contents"),
    pytest.param(link_not_in_link_element, id="link-not-in-link-element"),
    pytest.param(page_without_tabs, id="page-without-tabs"),
]


# ---------- Breaks of PDF/A-3a ----------

def no_output_intent(pdf):
    del pdf.Root["/OutputIntents"]  # the pages' rg and RG colours are DeviceRGB: they need it
    return {("output-intent", first_page_with(pdf, lambda operands, op: op in ("rg", "RG")))}


def scanner_profile(pdf):
    profile = pdf.Root.OutputIntents[0].DestOutputProfile
    data = bytearray(profile.read_bytes())
    data[12:16] = b"scnr"  # an input (scanner) profile cannot be an output intent
    profile.write(bytes(data))
    return {("output-intent", None)}


def javascript(where):
    def change(pdf):
        action = Dictionary(S=Name.JavaScript, JS=String("app.alert('hello')"))
        if where == "names":
            pdf.Root.Names.JavaScript = Dictionary(Names=Array([String("hello"), pdf.make_indirect(action)]))
        elif where == "open-action":
            pdf.Root.OpenAction = action
        elif where == "catalog-aa":
            pdf.Root.AA = Dictionary(WC=action)
        else:
            page = a_body_page(pdf)
            pdf.pages[page - 1].obj.AA = Dictionary(O=action)
            return {("actions", page)}
        return {("actions", None)}
    return change


def launch_link(pdf):
    page, link = links(pdf)[0]
    del link["/Dest"]
    link.A = Dictionary(S=Name.Launch, F=String("calc.exe"))
    return {("actions", page)}


def hidden_link(pdf):
    page, link = links(pdf)[0]
    link.F = 2  # hidden, and not printed
    return {("annotation-flags", page)}


def attachment(good):
    def change(pdf):
        spec = pikepdf.AttachedFileSpec(pdf, b"region,covered\nAfrica,26.6\n", filename="data.csv",
                                        mime_type="text/csv" if good else "",
                                        relationship=Name.Data if good else None)
        pdf.attachments["data.csv"] = spec
        if good:
            pdf.Root.AF = Array([pdf.Root.Names.EmbeddedFiles.Names[1]])
            return set()
        return {("embedded-file", None)}
    return change


PDFA_BREAKS = SHARED + [
    pytest.param(expect({("lang", None)}, lambda pdf: setattr(pdf.Root, "Lang", String("en_GB!"))), id="bad-lang"),
    pytest.param(expect(set(), lambda pdf: pdf.Root.__delitem__("/Lang")), id="no-lang-is-allowed"),
    pytest.param(expect({("struct-tree", None)}, lambda pdf: pdf.Root.__delitem__("/StructTreeRoot")),
                 id="no-structure-tree"),
    pytest.param(expect({("pdfa-identifier", None)}, rewrite_metadata(b'pdfaid:part="3"', b'pdfaid:part="2"')),
                 id="pdfa-part-2"),
    pytest.param(expect({("pdfa-identifier", None)},
                        rewrite_metadata(b'pdfaid:conformance="A"', b'pdfaid:conformance="B"')), id="pdfa-level-b"),
    pytest.param(expect({("xmp-metadata", None)}, lambda pdf: pdf.Root.__delitem__("/Metadata")), id="no-xmp"),
    pytest.param(no_output_intent, id="no-output-intent"),
    pytest.param(scanner_profile, id="output-intent-scanner-profile"),
    pytest.param(javascript("names"), id="javascript-name-tree"),
    pytest.param(javascript("open-action"), id="javascript-open-action"),
    pytest.param(javascript("catalog-aa"), id="catalog-additional-actions"),
    pytest.param(javascript("page-aa"), id="page-additional-actions"),
    pytest.param(launch_link, id="launch-action"),
    pytest.param(hidden_link, id="hidden-annotation"),
    pytest.param(attachment(good=False), id="attachment-without-mime-type-or-af"),
    pytest.param(attachment(good=True), id="attachment-done-right-passes"),
]


def _break(source: Path, tmp_path: Path, change) -> tuple[Path, Expected]:
    with pikepdf.open(source) as pdf:
        expected = change(pdf)
        out = tmp_path / "broken.pdf"
        pdf.save(out)
    return out, expected


@pytest.mark.parametrize("change", UA_BREAKS)
def test_reading_edition_break_is_reported(editions, baseline, tmp_path, change):
    broken, expected = _break(editions[UA], tmp_path, change)
    assert added(broken, UA, baseline) == expected


@pytest.mark.parametrize("change", PDFA_BREAKS)
def test_archive_edition_break_is_reported(editions, baseline, tmp_path, change):
    broken, expected = _break(editions[PDFA], tmp_path, change)
    assert added(broken, PDFA, baseline) == expected


# ---------- Breaks that need more than an edit ----------

def _encrypt(source: Path, tmp_path: Path, accessibility: bool) -> Path:
    out = tmp_path / "encrypted.pdf"
    with pikepdf.open(source) as pdf:
        # Revision 3 (RC4) keeps the accessibility bit as asked; later revisions always set it.
        pdf.save(out, encryption=pikepdf.Encryption(owner="owner", user="", R=3, aes=False, metadata=False,
                                                    allow=pikepdf.Permissions(accessibility=accessibility)))
    return out


def test_encryption_that_denies_accessibility_breaks_pdf_ua(editions, baseline, tmp_path):
    assert added(_encrypt(editions[UA], tmp_path, accessibility=False), UA, baseline) == {("encryption", None)}


def test_encryption_that_allows_accessibility_is_pdf_ua(editions, baseline, tmp_path):
    assert added(_encrypt(editions[UA], tmp_path, accessibility=True), UA, baseline) == set()


def test_any_encryption_breaks_pdf_a(editions, baseline, tmp_path):
    assert added(_encrypt(editions[PDFA], tmp_path, accessibility=True), PDFA, baseline) == {("encryption", None)}


def test_trailer_without_id_breaks_pdf_a(editions, baseline, tmp_path):
    data = editions[PDFA].read_bytes()
    found = re.search(rb"/ID \[\([0-9a-f]+\) \([0-9a-f]+\)\]", data)
    assert found, "the archive edition's trailer has no /ID to remove"
    broken = tmp_path / "no-id.pdf"  # blanked in place, so that every byte offset stays right
    broken.write_bytes(data[:found.start()] + b" " * len(found[0]) + data[found.end():])
    with pikepdf.open(broken) as pdf:
        assert "/ID" not in pdf.trailer
    assert added(broken, PDFA, baseline) == {("trailer-id", None)}


def test_data_after_the_end_of_file_breaks_pdf_a(editions, baseline, tmp_path):
    broken = tmp_path / "appended.pdf"
    broken.write_bytes(editions[PDFA].read_bytes() + b"appended after the end\n")
    assert added(broken, PDFA, baseline) == {("eof", None)}


# ---------- The findings themselves ----------

def test_findings_name_page_label_rule_and_what(editions, baseline, tmp_path):
    broken, _ = _break(editions[UA], tmp_path, figure_without_alt)
    finding = next(f for f in check_conformance(broken, UA) if f.check == "figure-alt")
    with pikepdf.open(broken) as pdf:
        assert finding.label == pdf.pages[finding.page - 1].label
    assert str(finding) == (f"page {finding.page} (label '{finding.label}'): "
                            "a Figure has neither /Alt nor /ActualText [Matterhorn 13-004]")
    document_level = ConformanceFinding(None, None, "lang", "Matterhorn 11-006", "no /Lang")
    assert str(document_level) == "document: no /Lang [Matterhorn 11-006]"


def test_unknown_variant_is_refused(tmp_path):
    with pytest.raises(ValueError, match="pdf/ua-1"):
        check_conformance(tmp_path / "any.pdf", "pdf/x-4")


# ---------- The audit command ----------

def test_each_edition_declares_the_variants_it_is_checked_against(editions):
    """The archive edition is PDF/A-3a and, with the same tags as the reading edition, PDF/UA-1 as well."""
    assert {variant: declared_variants(path) for variant, path in editions.items()} == {UA: [UA], PDFA: [PDFA, UA]}


def test_audit_checks_both_editions_of_the_last_build(built):
    run = strategy("audit", "--project", str(built.root))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "PDF/UA-1 rules that can be checked by machine: 0 broken" in run.stdout
    assert "PDF/A-3A and PDF/UA-1 rules that can be checked by machine: 0 broken" in run.stdout
    assert run.stdout.count("known WeasyPrint limitation, not counted") == 2


def test_audit_names_a_broken_rule_with_its_page_and_fails(editions, tmp_path):
    broken = tmp_path / "no-alt.pdf"
    with pikepdf.open(editions[UA]) as pdf:
        figure = next(e for e, _ in elements(pdf) if e.get("/S") == Name.Figure)
        del figure["/Alt"]
        pdf.save(broken)
    run = strategy("audit", str(broken))
    assert run.returncode == 1
    assert re.search(r"page \d+ \(label '\d+'\): .*\[Matterhorn 13-004\]", run.stdout), run.stdout


def test_audit_of_a_file_that_is_no_pdf_says_so_without_a_traceback(tmp_path):
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"%PDF-1.7 not really")
    run = strategy("audit", str(fake))
    assert run.returncode == 1 and "cannot be read as one" in run.stderr and "Traceback" not in run.stderr
