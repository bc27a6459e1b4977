"""The styles of the reviewers' Word version: pandoc's reference document with the PDF's page and type.

Made at each build from pandoc's own (`pandoc --print-default-data-file reference.docx`, from the pandoc that
pypandoc_binary bundles), so nothing generated is kept in the repository and its origin is this code: A4
with the PDF's margins, Noto Serif for text and Noto Sans for headings, tables and notes (the families of
print.css; Word and LibreOffice substitute a serif and a sans serif where they are missing), headings,
captions and tables in the PDF's sizes and colours, a running head and the page number. The running head
holds a placeholder that publish/docx.py replaces with the edition of each build. The same pandoc gives the
same bytes.
"""

from __future__ import annotations

import io
import subprocess
import zipfile
from functools import cache

import pypandoc
from lxml import etree

HEADER_PLACEHOLDER = "EDITION-AND-DATE"  # publish/docx.py writes the edition here

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NAMESPACES = f'xmlns:w="{W_NS}" xmlns:r="{R_NS}"'
W = f"{{{W_NS}}}"

# print.css: @page { size: A4; margin: 25mm 20mm 22mm 20mm }, in twentieths of a point.
A4 = (11906, 16838)
MARGINS = {"top": 1417, "right": 1134, "bottom": 1247, "left": 1134, "header": 709, "footer": 624, "gutter": 0}

SERIF, SANS = "Noto Serif", "Noto Sans"
INK, NAVY, BLUE, GREY = "1B1B1F", "14195C", "1E2DBE", "5A5F73"


def fonts(name: str) -> str:
    return f'<w:rFonts w:ascii="{name}" w:hAnsi="{name}" w:cs="{name}" w:eastAsia="{name}"/>'


def size(points: float) -> str:
    half_points = round(points * 2)
    return f'<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'


def run(font: str, points: float, color: str, *extra: str) -> str:
    # Schema order inside w:rPr: rFonts, b, i, color, sz.
    bold = "<w:b/><w:bCs/>" if "bold" in extra else '<w:b w:val="0"/><w:bCs w:val="0"/>'
    italic = "<w:i/><w:iCs/>" if "italic" in extra else ""
    return f'{fonts(font)}{bold}{italic}<w:color w:val="{color}"/>{size(points)}'


def heading(level: int, points: float, color: str, before: int, after: int, *extra: str) -> tuple[str, str]:
    page = "<w:pageBreakBefore/>" if "new page" in extra else ""
    rule = (f'<w:pBdr><w:bottom w:val="single" w:sz="12" w:space="6" w:color="{color}"/></w:pBdr>'
            if "rule" in extra else "")
    paragraph = (f'<w:keepNext/><w:keepLines/>{page}{rule}<w:spacing w:before="{before}" w:after="{after}" '
                 f'w:line="300" w:lineRule="auto"/><w:jc w:val="left"/>'
                 f'<w:outlineLvl w:val="{level - 1}"/>')  # the navigation pane's and contents' level
    return paragraph, run(SANS, points, color, "bold", *("italic" for e in extra if e == "italic"))


# Style ID -> (its paragraph properties, its run properties) in place of pandoc's. None: leave that part.
STYLES: dict[str, tuple[str | None, str | None]] = {
    # Body text as print.css sets it: 10.5 pt, 1.45 lines, justified, a small space between paragraphs.
    "BodyText": ('<w:spacing w:before="0" w:after="120" w:line="348" w:lineRule="auto"/><w:jc w:val="both"/>', ""),
    # Table cells and tight lists: the table style gives cells their type (paragraph styles would win).
    "Compact": ('<w:spacing w:before="30" w:after="30" w:line="264" w:lineRule="auto"/>', ""),
    "Title": ('<w:spacing w:before="2400" w:after="240" w:line="276" w:lineRule="auto"/><w:jc w:val="left"/>',
              run(SANS, 24, NAVY, "bold")),
    "Subtitle": ('<w:spacing w:before="0" w:after="720"/><w:jc w:val="left"/>', run(SANS, 14, BLUE)),
    "Author": ('<w:keepNext/><w:spacing w:before="0" w:after="60"/><w:jc w:val="left"/>', run(SANS, 11, INK)),
    "Date": ('<w:spacing w:before="0" w:after="2400"/><w:jc w:val="left"/>',
             run(SANS, 11, INK, "bold")),
    # print.css: a chapter opens a page, 22 pt under a rule; h2 14 pt, h3 11.5 pt, h4 10.5 pt, h5-6 italic.
    "Heading1": heading(1, 22, BLUE, 0, 360, "new page", "rule"),
    "Heading2": heading(2, 14, BLUE, 360, 120),
    "Heading3": heading(3, 11.5, NAVY, 260, 80),
    "Heading4": heading(4, 10.5, NAVY, 220, 60),
    "Heading5": heading(5, 10, NAVY, 200, 50, "italic"),
    "Heading6": heading(6, 10, NAVY, 200, 50, "italic"),
    "TOCHeading": ('<w:pageBreakBefore/><w:spacing w:before="0" w:after="360"/><w:outlineLvl w:val="9"/>',
                   run(SANS, 22, BLUE, "bold")),
    "BlockText": ('<w:pBdr><w:left w:val="single" w:sz="12" w:space="8" w:color="B9BCCB"/></w:pBdr>'
                  '<w:spacing w:before="120" w:after="120" w:line="312" w:lineRule="auto"/>'
                  '<w:ind w:left="284" w:right="340"/><w:jc w:val="left"/>', f'<w:color w:val="33364A"/>'),
    "FootnoteText": ('<w:spacing w:before="0" w:after="40" w:line="240" w:lineRule="auto"/><w:jc w:val="left"/>',
                     run(SANS, 8, "33364A")),
    # Captions above tables and under charts: 9 pt bold sans; the number ("Table 2.1") in the PDF's blue.
    "Caption": ('<w:keepNext/><w:spacing w:before="200" w:after="60"/><w:jc w:val="left"/>',
                run(SANS, 9, NAVY, "bold")),
    "ImageCaption": ('<w:keepNext w:val="0"/><w:spacing w:before="60" w:after="240"/>', None),
    "Hyperlink": (None, '<w:color w:val="1A2380"/>'),
}

# Styles pandoc's reference lacks: the running head and foot, the caption's number, the contents' entries.
NEW_STYLES = f"""
<w:style w:type="paragraph" w:styleId="Header"><w:name w:val="header"/><w:basedOn w:val="Normal"/>
  <w:pPr><w:tabs><w:tab w:val="right" w:pos="9638"/></w:tabs><w:spacing w:after="0"/></w:pPr>
  <w:rPr>{run(SANS, 8, GREY)}</w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Footer"><w:name w:val="footer"/><w:basedOn w:val="Normal"/>
  <w:pPr><w:spacing w:after="0"/><w:jc w:val="center"/></w:pPr><w:rPr>{run(SANS, 8.5, "3C4050")}</w:rPr></w:style>
<w:style w:type="paragraph" w:customStyle="1" w:styleId="Rights"><w:name w:val="Rights"/><w:basedOn w:val="Normal"/>
  <w:pPr><w:spacing w:before="0" w:after="170" w:line="288" w:lineRule="auto"/><w:jc w:val="left"/></w:pPr>
  <w:rPr>{run(SANS, 8.5, "2A2D3A")}</w:rPr></w:style>
<w:style w:type="character" w:customStyle="1" w:styleId="CaptionLabel">
  <w:name w:val="Caption Label"/><w:rPr><w:color w:val="{BLUE}"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="TOC1"><w:name w:val="toc 1"/><w:basedOn w:val="Normal"/>
  <w:next w:val="Normal"/><w:uiPriority w:val="39"/><w:unhideWhenUsed/>
  <w:pPr><w:tabs><w:tab w:val="right" w:leader="dot" w:pos="9638"/></w:tabs><w:spacing w:before="200" w:after="40"/>
  </w:pPr><w:rPr>{run(SANS, 10.5, NAVY, "bold")}</w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="TOC2"><w:name w:val="toc 2"/><w:basedOn w:val="Normal"/>
  <w:next w:val="Normal"/><w:uiPriority w:val="39"/><w:unhideWhenUsed/>
  <w:pPr><w:tabs><w:tab w:val="right" w:leader="dot" w:pos="9638"/></w:tabs><w:spacing w:before="0" w:after="30"/>
  <w:ind w:left="340"/></w:pPr><w:rPr>{run(SANS, 9.5, INK)}</w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="TOC3"><w:name w:val="toc 3"/><w:basedOn w:val="Normal"/>
  <w:next w:val="Normal"/><w:uiPriority w:val="39"/><w:unhideWhenUsed/>
  <w:pPr><w:tabs><w:tab w:val="right" w:leader="dot" w:pos="9638"/></w:tabs><w:spacing w:before="0" w:after="20"/>
  <w:ind w:left="680"/></w:pPr><w:rPr>{run(SANS, 9, INK)}</w:rPr></w:style>
"""

# The table style: sans 8.5 pt, navy rules above and below, a rule under the header row, the PDF's padding.
TABLE_STYLE = f"""<w:style w:type="table" w:default="1" w:styleId="Table"><w:name w:val="Table"/>
  <w:basedOn w:val="TableNormal"/><w:qFormat/>
  <w:pPr><w:spacing w:before="0" w:after="0" w:line="252" w:lineRule="auto"/><w:jc w:val="left"/></w:pPr>
  <w:rPr>{run(SANS, 8.5, INK)}</w:rPr>
  <w:tblPr><w:tblInd w:w="0" w:type="dxa"/>
    <w:tblBorders><w:top w:val="single" w:sz="8" w:space="0" w:color="{NAVY}"/>
      <w:bottom w:val="single" w:sz="8" w:space="0" w:color="{NAVY}"/>
      <w:insideH w:val="single" w:sz="2" w:space="0" w:color="D5D8E4"/></w:tblBorders>
    <w:tblCellMar><w:top w:w="60" w:type="dxa"/><w:left w:w="100" w:type="dxa"/>
      <w:bottom w:w="60" w:type="dxa"/><w:right w:w="100" w:type="dxa"/></w:tblCellMar></w:tblPr>
  <w:tblStylePr w:type="firstRow"><w:rPr><w:b/><w:bCs/><w:color w:val="{NAVY}"/></w:rPr>
    <w:tcPr><w:tcBorders><w:bottom w:val="single" w:sz="6" w:space="0" w:color="{NAVY}"/></w:tcBorders>
      <w:vAlign w:val="bottom"/></w:tcPr></w:tblStylePr>
</w:style>"""

# Fonts pandoc's reference lists, plus ours: the family and PANOSE class tell Word what to substitute.
FONT_TABLE = f"""
<w:font w:name="{SERIF}"><w:panose1 w:val="02020502060505020204"/><w:charset w:val="00"/>
  <w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>
<w:font w:name="{SANS}"><w:panose1 w:val="020B0502040504020204"/><w:charset w:val="00"/>
  <w:family w:val="swiss"/><w:pitch w:val="variable"/></w:font>
"""

HEADER = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:hdr {NAMESPACES}><w:p><w:pPr><w:pStyle w:val="Header"/></w:pPr>
<w:r><w:t xml:space="preserve">{HEADER_PLACEHOLDER}</w:t></w:r></w:p></w:hdr>"""

# The page number as a field, which Word and LibreOffice both fill in on every page.
FOOTER = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:ftr {NAMESPACES}><w:p><w:pPr><w:pStyle w:val="Footer"/></w:pPr>
<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>
<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>
</w:p></w:ftr>"""

RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml."
PARTS = {"word/header1.xml": ("header", "rIdStrategyHeader", HEADER),
         "word/footer1.xml": ("footer", "rIdStrategyFooter", FOOTER)}

# The body's section: A4, the PDF's margins, running head and foot on every page but the title page.
SECTION = f"""<w:sectPr>
  <w:headerReference w:type="default" r:id="rIdStrategyHeader"/>
  <w:footerReference w:type="default" r:id="rIdStrategyFooter"/>
  <w:footnotePr><w:numRestart w:val="continuous"/></w:footnotePr>
  <w:pgSz w:w="{A4[0]}" w:h="{A4[1]}"/>
  <w:pgMar {" ".join(f'w:{side}="{twips}"' for side, twips in MARGINS.items())}/>
  <w:cols w:space="720"/>
  <w:titlePg/>
</w:sectPr>"""


def default_reference() -> bytes:
    done = subprocess.run([pypandoc.get_pandoc_path(), "--print-default-data-file", "reference.docx"],
                          capture_output=True, check=True, env={"LC_ALL": "C.UTF-8"})
    return done.stdout


def fragments(text: str) -> list[etree._Element]:
    """WordprocessingML elements written without their namespace declarations."""
    return list(etree.fromstring(f"<w:fragment {NAMESPACES}>{text}</w:fragment>"))


def fragment(text: str) -> etree._Element:
    [element] = fragments(text)
    return element


def properties(tag: str, inner: str) -> etree._Element:
    return fragment(f"<w:{tag}>{inner}</w:{tag}>")


def styles_xml(data: bytes) -> bytes:
    root = etree.fromstring(data)
    defaults = root.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
    defaults.remove(defaults.find(f"{W}rFonts"))
    defaults.insert(0, fragment(fonts(SERIF)))
    defaults.find(f"{W}sz").set(f"{W}val", "21")
    defaults.find(f"{W}szCs").set(f"{W}val", "21")
    defaults.insert(1, fragment(f'<w:color w:val="{INK}"/>'))
    by_id = {style.get(f"{W}styleId"): style for style in root.iter(f"{W}style")}
    for style_id, (paragraph, characters) in STYLES.items():
        style = by_id[style_id]
        for tag, inner in (("pPr", paragraph), ("rPr", characters)):
            if inner is None:
                continue
            old = style.find(f"{W}{tag}")
            new = properties(tag, inner)
            if old is not None:
                style.replace(old, new)
            elif tag == "pPr":  # schema order: ... pPr before rPr, both last
                rpr = style.find(f"{W}rPr")
                (rpr.addprevious(new) if rpr is not None else style.append(new))
            else:
                style.append(new)
    root.replace(by_id["Table"], fragment(TABLE_STYLE))
    for style in fragments(NEW_STYLES):
        root.append(style)
    return xml(root)


def font_table(data: bytes) -> bytes:
    root = etree.fromstring(data)
    for font in fragments(FONT_TABLE):
        root.append(font)
    return xml(root)


def theme(data: bytes) -> bytes:
    """The theme's fonts too, for anything that asks the theme (Word's own styles, new tables)."""
    for old, new in ((b'<a:latin typeface="Aptos Display" panose="02110004020202020204"/>',
                      f'<a:latin typeface="{SANS}" panose="020B0502040504020204"/>'.encode()),
                     (b'<a:latin typeface="Aptos" panose="02110004020202020204"/>',
                      f'<a:latin typeface="{SERIF}" panose="02020502060505020204"/>'.encode())):
        if data.count(old) != 1:
            raise SystemExit(f"pandoc's theme has changed: {old.decode()} is not in it once; edit this script")
        data = data.replace(old, new)
    return data


def settings(data: bytes) -> bytes:
    """Word fills in the contents and the caption numbers when it opens the file; text is hyphenated as in
    the PDF; the footnotes are numbered through, as in the PDF."""
    root = etree.fromstring(data)
    # Word wants the settings in the schema's order: autoHyphenation after defaultTabStop, updateFields
    # before footnotePr.
    root.find(f"{W}defaultTabStop").addnext(fragment('<w:autoHyphenation w:val="true"/>'))
    root.find(f"{W}footnotePr").addprevious(fragment('<w:updateFields w:val="true"/>'))
    return xml(root)


def document(data: bytes) -> bytes:
    root = etree.fromstring(data)
    body = root.find(f"{W}body")
    body.replace(body.find(f"{W}sectPr"), fragment(SECTION))
    return xml(root)


def relationships(data: bytes) -> bytes:
    root = etree.fromstring(data)
    for kind, identifier, _ in PARTS.values():
        relationship = etree.SubElement(root, "{http://schemas.openxmlformats.org/package/2006/relationships}"
                                              "Relationship")
        relationship.set("Type", RELATIONSHIP + kind)
        relationship.set("Id", identifier)
        relationship.set("Target", f"{kind}1.xml")
    return xml(root)


def content_types(data: bytes) -> bytes:
    root = etree.fromstring(data)
    for name, (kind, _, _) in PARTS.items():
        override = etree.SubElement(root, "{http://schemas.openxmlformats.org/package/2006/content-types}Override")
        override.set("PartName", f"/{name}")
        override.set("ContentType", f"{CONTENT_TYPE}{kind}+xml")
    return xml(root)


def xml(root: etree._Element) -> bytes:
    etree.cleanup_namespaces(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


EDITS = {"word/styles.xml": styles_xml, "word/fontTable.xml": font_table, "word/theme/theme1.xml": theme,
         "word/settings.xml": settings, "word/document.xml": document,
         "word/_rels/document.xml.rels": relationships, "[Content_Types].xml": content_types}


@cache  # one pandoc run per process, however many Word versions it writes
def reference_docx() -> bytes:
    """pandoc's reference document with the edits above; entries in pandoc's order, then the new parts,
    all dated 1980-01-01 so that the same pandoc gives the same bytes."""
    default = default_reference()
    result = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(default)) as source, zipfile.ZipFile(result, "w") as target:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
        entries = [(name, EDITS.get(name, lambda data: data)(data)) for name, data in entries]
        entries += [(name, text.encode("utf-8")) for name, (_, _, text) in PARTS.items()]
        for name, data in entries:
            target.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data,
                            compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return result.getvalue()
