"""The look of the meeting's slides: pandoc's reference deck with the project's type, colours and footer.

Made at each build from pandoc's own (`pandoc --print-default-data-file reference.pptx`), as
publish/reference.py makes the Word version's, so nothing generated is kept in the repository and its origin
is this code. pandoc's deck is 16:9 already. The edits: Noto Sans for titles and text (PowerPoint and
LibreOffice substitute a sans serif where it is missing: a PPTX that pandoc writes carries no fonts), the
site's blue (#1e2dbe) for titles, bullets and a band at the top of each slide, a blue title slide, a footer
with the edition and the slide number, and no automatic shrinking of text: a slide that is too full must
show as such (publish/slides.py splits content instead), not be made smaller behind the author's back.
"""

from __future__ import annotations

import io
import subprocess
import zipfile
from functools import cache

import pypandoc
from lxml import etree

FOOTER_PLACEHOLDER = "EDITION-AND-DATE"  # publish/slides.py writes the edition here

A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
P_NS = "http://schemas.openxmlformats.org/presentationml/2006/main"
NAMESPACES = {"a": A_NS, "p": P_NS}
A, P = f"{{{A_NS}}}", f"{{{P_NS}}}"

SANS, SANS_PANOSE = "Noto Sans", "020B0502040504020204"
BLUE, NAVY, INK, GREY, PALE = "1E2DBE", "14195C", "1B1B1F", "5A5F73", "DDE0F5"
WIDTH, HEIGHT = 9144000, 5143500  # pandoc's 16:9 slide, in EMU (10 x 5.625 inches)
MARGIN = 457200


class ReferenceChanged(RuntimeError):
    """pandoc's reference deck no longer has what these edits expect: a bug of ours to fix, not the user's."""


def default_reference() -> bytes:
    done = subprocess.run([pypandoc.get_pandoc_path(), "--print-default-data-file", "reference.pptx"],
                          capture_output=True, check=True, env={"LC_ALL": "C.UTF-8"})
    return done.stdout


def replace_once(data: bytes, old: str, new: str) -> bytes:
    if data.count(old.encode()) != 1:
        raise ReferenceChanged(f"pandoc's reference deck has changed: {old!r} is not in it once")
    return data.replace(old.encode(), new.encode())


def theme(data: bytes) -> bytes:
    """Noto Sans for titles and text; the project's blue and navy as the theme's first colours."""
    data = data.replace(b'<a:latin typeface="Calibri"/>',
                        f'<a:latin typeface="{SANS}" panose="{SANS_PANOSE}"/>'.encode())
    for old, new in (('<a:dk2><a:srgbClr val="1F497D"/></a:dk2>', f'<a:dk2><a:srgbClr val="{NAVY}"/></a:dk2>'),
                     ('<a:accent1><a:srgbClr val="4F81BD"/></a:accent1>',
                      f'<a:accent1><a:srgbClr val="{BLUE}"/></a:accent1>'),
                     ('<a:hlink><a:srgbClr val="0000FF"/></a:hlink>', '<a:hlink><a:srgbClr val="1A2380"/></a:hlink>')):
        data = replace_once(data, old, new)
    return data


def shape(element_id: int, name: str, x: int, y: int, cx: int, cy: int, fill: str = "", text: str = "") -> str:
    """A rectangle (a band of colour) or a text box, drawn on the master: on every slide but the title."""
    fill_xml = f'<a:solidFill><a:srgbClr val="{fill}"/></a:solidFill>' if fill else "<a:noFill/>"
    body = (f'<p:txBody><a:bodyPr wrap="none" lIns="0" tIns="0" rIns="0" bIns="0" anchor="ctr"><a:noAutofit/>'
            f'</a:bodyPr><a:lstStyle/>{text}</p:txBody>' if text else "")
    return (f'<p:sp xmlns:p="{P_NS}" xmlns:a="{A_NS}"><p:nvSpPr><p:cNvPr id="{element_id}" name="{name}"/>'
            f'<p:cNvSpPr/><p:nvPr userDrawn="1"/></p:nvSpPr><p:spPr><a:xfrm><a:off x="{x}" y="{y}"/>'
            f'<a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom>{fill_xml}'
            f'<a:ln><a:noFill/></a:ln></p:spPr>{body}</p:sp>')


def footer_run(align: str, inner: str) -> str:
    return (f'<a:p><a:pPr algn="{align}"/>{inner}</a:p>')


FOOTER_TEXT = (f'<a:r><a:rPr lang="en-GB" sz="900"><a:solidFill><a:srgbClr val="{GREY}"/></a:solidFill>'
               f'</a:rPr><a:t>{FOOTER_PLACEHOLDER}</a:t></a:r>')
SLIDE_NUMBER = (f'<a:fld id="{{C5EF2332-01BF-834F-8236-50238282D533}}" type="slidenum"><a:rPr lang="en-GB" sz="900">'
                f'<a:solidFill><a:srgbClr val="{GREY}"/></a:solidFill></a:rPr><a:t>‹#›</a:t></a:fld>')


def master(data: bytes) -> bytes:
    """Titles left, bold, in blue; bullets in blue; text at 20 and 18 pt; no shrinking; a blue band at the
    top, the edition at the foot (left) and the slide number (right)."""
    data = replace_once(data, '<p:titleStyle><a:lvl1pPr algn="ctr"', '<p:titleStyle><a:lvl1pPr algn="l"')
    data = replace_once(data, '<a:buNone/><a:defRPr sz="3300" kern="1200"><a:solidFill><a:schemeClr val="tx1"/>',
                        f'<a:buNone/><a:defRPr sz="2600" b="1" kern="1200"><a:solidFill><a:srgbClr val="{BLUE}"/>')
    data = replace_once(data, '<a:buFont typeface="Arial"/><a:buChar char="•"/><a:defRPr sz="2400"',
                        f'<a:buClr><a:srgbClr val="{BLUE}"/></a:buClr><a:buFont typeface="Arial"/>'
                        f'<a:buChar char="•"/><a:defRPr sz="2000"')
    data = replace_once(data, '<a:buChar char="–"/><a:defRPr sz="2100"', '<a:buChar char="–"/><a:defRPr sz="1800"')
    data = data.replace(b"<a:normAutofit/>", b"<a:noAutofit/>")
    root = etree.fromstring(data)
    tree = root.find("p:cSld/p:spTree", NAMESPACES)
    band = shape(100, "Band", 0, 0, WIDTH, 91440, fill=BLUE)
    foot_y, foot_h = HEIGHT - 320040, 228600
    footer = shape(101, "Edition", MARGIN, foot_y, 6400800, foot_h, text=footer_run("l", FOOTER_TEXT))
    number = shape(102, "Slide number", WIDTH - MARGIN - 914400, foot_y, 914400, foot_h,
                   text=footer_run("r", SLIDE_NUMBER))
    for text in (band, footer, number):
        tree.append(etree.fromstring(text))
    return xml(root)


def placeholder(root: etree._Element, kind: str) -> etree._Element:
    for sp in root.iterfind(".//p:sp", NAMESPACES):
        ph = sp.find("p:nvSpPr/p:nvPr/p:ph", NAMESPACES)
        if ph is not None and ph.get("type") == kind:
            return sp
    raise ReferenceChanged(f"pandoc's title slide layout has no {kind} placeholder")


def place(sp: etree._Element, x: int, y: int, cx: int, cy: int, size: int, bold: bool, color: str,
          anchor: str) -> None:
    """The placeholder's box and its first level's type, in place of the layout's."""
    sp_pr = sp.find("p:spPr", NAMESPACES)
    for child in list(sp_pr):
        sp_pr.remove(child)
    sp_pr.append(etree.fromstring(f'<a:xfrm xmlns:a="{A_NS}"><a:off x="{x}" y="{y}"/><a:ext cx="{cx}" cy="{cy}"/>'
                                  f'</a:xfrm>'))
    body = sp.find("p:txBody", NAMESPACES)
    body.replace(body.find("a:bodyPr", NAMESPACES),
                 etree.fromstring(f'<a:bodyPr xmlns:a="{A_NS}" anchor="{anchor}"><a:noAutofit/></a:bodyPr>'))
    body.replace(body.find("a:lstStyle", NAMESPACES), etree.fromstring(
        f'<a:lstStyle xmlns:a="{A_NS}"><a:lvl1pPr marL="0" indent="0" algn="l"><a:buNone/>'
        f'<a:defRPr sz="{size}" b="{int(bold)}"><a:solidFill><a:srgbClr val="{color}"/></a:solidFill></a:defRPr>'
        f'</a:lvl1pPr></a:lstStyle>'))


def title_layout(data: bytes) -> bytes:
    """The title slide: white on the site's blue, left-aligned, without the band and footer of the others."""
    data = replace_once(data, 'type="title" preserve="1">', 'type="title" preserve="1" showMasterSp="0">')
    data = replace_once(data, '<p:cSld name="Title Slide">',
                        f'<p:cSld name="Title Slide"><p:bg><p:bgPr><a:solidFill><a:srgbClr val="{BLUE}"/>'
                        f'</a:solidFill><a:effectLst/></p:bgPr></p:bg>')
    root = etree.fromstring(data)
    inner = WIDTH - 2 * MARGIN
    place(placeholder(root, "ctrTitle"), MARGIN, 1143000, inner, 1371600, 3200, True, "FFFFFF", "b")
    place(placeholder(root, "subTitle"), MARGIN, 2651760, inner, 640080, 2000, False, PALE, "t")
    place(placeholder(root, "dt"), MARGIN, 3383280, inner, 914400, 1600, False, "FFFFFF", "t")
    return xml(root)


def xml(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


EDITS = {"ppt/theme/theme1.xml": theme, "ppt/slideMasters/slideMaster1.xml": master,
         "ppt/slideLayouts/slideLayout1.xml": title_layout}


@cache  # one pandoc run per process, however many decks it writes
def reference_pptx() -> bytes:
    """pandoc's reference deck with the edits above, entries in pandoc's order, all dated 1980-01-01, so that
    the same pandoc gives the same bytes."""
    result = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(default_reference())) as source, zipfile.ZipFile(result, "w") as target:
        for info in source.infolist():
            data = EDITS.get(info.filename, lambda data: data)(source.read(info))
            target.writestr(zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0)), data,
                            compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return result.getvalue()
