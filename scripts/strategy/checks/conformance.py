"""Machine checks of the PDF/UA-1 and PDF/A-3a rules that software can decide, for a finished PDF.

No validator (veraPDF) can be installed where this pipeline runs, so this module checks what can be checked
mechanically: for PDF/UA-1 (ISO 14289-1) the Matterhorn Protocol failure conditions marked "Machine",
for PDF/A-3a the ISO 19005-3 clauses as veraPDF numbers its rules. It is not a validator: a file that passes
may still fail rules left out here (font programs, colour, XMP schemas) and every rule that needs a person
(reading order, whether alternative text is any good). A rule is cited only where its number is certain;
a check whose rule could not be verified says so instead of citing one.

`check_conformance(path, "pdf/ua-1")` or `check_conformance(path, "pdf/a-3a")` returns the findings, each
naming its page (or the document) and its rule. Findings whose check is in KNOWN_WEASYPRINT_LIMITATIONS
are real violations that WeasyPrint 70 produces whatever the HTML and CSS say.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, Stream

VARIANTS = ("pdf/ua-1", "pdf/a-3a")

# Real violations that come from WeasyPrint itself and cannot be fixed from our HTML or CSS.
KNOWN_WEASYPRINT_LIMITATIONS = {
    # weasyprint/pdf/tags.py gives the text of @page margin boxes (running heads, page numbers) MCIDs and
    # structure elements but leaves those elements out of the tree ("could be included in tree as
    # Artifact, but that's only allowed in PDF 2.0"). In PDF 1.7 they would have to be /Artifact in the
    # content stream instead; no HTML or CSS asks WeasyPrint for that. Upstream: Kozea/WeasyPrint issue 1836
    # (open), where the maintainers say the same.
    "content-outside-structure-tree":
        "running heads and page numbers (@page margin boxes) are tagged, but outside the structure tree",
}

# ISO 32000-1 14.8.4, as listed in Matterhorn 01-006: role mapping stops at these.
STANDARD_TYPES = frozenset(
    "Document Part Art Sect Div BlockQuote Caption TOC TOCI Index NonStruct Private P H H1 H2 H3 H4 H5 H6 "
    "L LI Lbl LBody Table TR TH TD THead TBody TFoot Span Quote Note Reference BibEntry Code Link Annot "
    "Ruby RB RT RP Warichu WT WP Figure Formula Form".split())
HEADING = re.compile(r"H([1-6])")
LANGUAGE_TAG = re.compile(r"[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*")  # RFC 3066, as veraPDF tests 6.7.4
STANDARD_ENCODINGS = {"/MacRomanEncoding", "/MacExpertEncoding", "/WinAnsiEncoding"}
CJK_COLLECTIONS = {"GB1", "CNS1", "Japan1", "Korea1"}  # Adobe character collections that need no ToUnicode
# ISO 19005-3 6.5.1 (veraPDF 6.5.1-1, -2): action types not permitted, and the named actions that are.
FORBIDDEN_ACTIONS = {"/Launch", "/Sound", "/Movie", "/ResetForm", "/ImportData", "/Hide", "/SetOCGState",
                     "/Rendition", "/Trans", "/GoTo3DView", "/JavaScript"}
ALLOWED_NAMED_ACTIONS = {"/NextPage", "/PrevPage", "/FirstPage", "/LastPage"}
MIME_TYPE = re.compile(r"[-\w+.]+/[-\w+.]+")  # as veraPDF tests 6.8-1

TEXT_OPERATORS = {"Tj", "TJ", "'", '"'}
PATH_PAINTING = {"S", "s", "f", "F", "f*", "B", "B*", "b", "b*"}
DEVICE_OPERATORS = {"rg": "RGB", "RG": "RGB", "k": "CMYK", "K": "CMYK", "g": "Gray", "G": "Gray"}
DEVICE_SPACES = {"/DeviceRGB": "RGB", "/DeviceCMYK": "CMYK", "/DeviceGray": "Gray",
                 "/RGB": "RGB", "/CMYK": "CMYK", "/G": "Gray"}  # the short names are inline images'
ICC_SPACES = {"RGB": b"RGB ", "CMYK": b"CMYK", "Gray": None}  # the output profile each device space needs


@dataclass(frozen=True)
class ConformanceFinding:
    """One broken rule. Not audit.Finding: a conformance rule is often about the whole document (page None)."""
    page: int | None    # 1-based physical page, or None for the document as a whole
    label: str | None   # the printed page label (from /PageLabels), None with page
    check: str          # short id, e.g. "figure-alt"
    rule: str           # the rule broken, e.g. "Matterhorn 13-004" or "ISO 19005-3 6.1.3"
    message: str        # one line: what was found

    def __str__(self) -> str:
        where = "document" if self.page is None else f"page {self.page} (label '{self.label}')"
        return f"{where}: {self.message} [{self.rule}]"


def check_conformance(pdf_path: Path, variant: str) -> list[ConformanceFinding]:
    """Every mechanically checkable PDF/UA-1 ("pdf/ua-1") or PDF/A-3a ("pdf/a-3a") rule the PDF breaks."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}: expected one of {', '.join(VARIANTS)}")
    with pikepdf.open(pdf_path) as pdf:
        document = _Document(pdf, Path(pdf_path))
        checks = _UA_CHECKS if variant == "pdf/ua-1" else _PDFA_CHECKS
        findings = {finding for check in checks for finding in check(document)}
    return sorted(findings, key=lambda f: (f.page or 0, f.check, f.message))


def declared_variants(pdf_path: Path) -> list[str]:
    """The variants the PDF claims in its XMP metadata, of "pdf/ua-1" and "pdf/a-3a": none, one or both (the
    archive edition is PDF/A-3a and PDF/UA-1)."""
    with pikepdf.open(pdf_path) as pdf, pdf.open_metadata() as metadata:
        ua = metadata.get("pdfuaid:part") == "1"
        pdfa = metadata.get("pdfaid:part") == "3" and str(metadata.get("pdfaid:conformance", "")).upper() == "A"
    return ["pdf/a-3a"] * pdfa + ["pdf/ua-1"] * ua


# ---------- Reading the document ----------

@dataclass
class _Element:
    obj: Dictionary
    role: str                 # structure type after role mapping, without the slash: "H1", "Figure"
    page: int | None          # 1-based page of the element (its /Pg, or an ancestor's)
    parent: _Element | None
    kids: list[_Element] = field(default_factory=list)


@dataclass
class _Structure:
    elements: list[_Element]                 # reachable from /StructTreeRoot, in document order
    mcids: dict[int, set[int]]               # page number -> MCIDs reachable from the tree
    objr_roles: dict[tuple[int, int], str]   # annotation objgen -> role of the element holding its OBJR


@dataclass
class _Scan:
    """What the content of one page (with its forms) does."""
    mcids: list[int] = field(default_factory=list)
    untagged: Counter = field(default_factory=Counter)   # kind of content -> count outside tagged or artifact
    nesting: Counter = field(default_factory=Counter)    # "artifact in tagged" / "tagged in artifact"
    fonts: dict[tuple[int, int], tuple[str, Dictionary]] = field(default_factory=dict)  # objgen -> (name, font)
    device: set[str] = field(default_factory=set)        # "RGB", "CMYK", "Gray" used without a Default space

    def merge(self, other: _Scan) -> None:
        self.untagged.update(other.untagged)
        self.nesting.update(other.nesting)
        self.fonts.update(other.fonts)
        self.device |= other.device


class _Document:
    def __init__(self, pdf: pikepdf.Pdf, path: Path):
        self.pdf, self.path, self.root = pdf, path, pdf.Root
        self.labels = [page.label for page in pdf.pages]
        self.page_numbers = {page.obj.objgen: i + 1 for i, page in enumerate(pdf.pages)}
        self._forms: dict[tuple, _Scan] = {}

    def finding(self, page: int | None, check: str, rule: str, message: str) -> ConformanceFinding:
        return ConformanceFinding(page, None if page is None else self.labels[page - 1], check, rule, message)

    @cached_property
    def metadata(self) -> Any:
        return self.pdf.open_metadata()

    @cached_property
    def structure(self) -> _Structure:
        tree = self.root.get("/StructTreeRoot")
        role_map = tree.get("/RoleMap") if tree is not None else None
        elements: list[_Element] = []
        mcids: dict[int, set[int]] = defaultdict(set)
        objr_roles: dict[tuple[int, int], str] = {}
        seen: set[tuple[int, int]] = set()
        stack = [(kid, None, None) for kid in reversed(_as_list(tree.get("/K") if tree is not None else None))]
        while stack:  # depth first, in document order; a stack, since lists can nest deeply
            kid, parent, page_obj = stack.pop()
            if isinstance(kid, int):
                if page_obj is not None and page_obj.objgen in self.page_numbers:
                    mcids[self.page_numbers[page_obj.objgen]].add(kid)
                continue
            if not isinstance(kid, Dictionary):
                continue
            page_obj = kid.get("/Pg", page_obj)
            if kid.get("/Type") == "/MCR":
                if "/Stm" not in kid and page_obj is not None and page_obj.objgen in self.page_numbers:
                    mcids[self.page_numbers[page_obj.objgen]].add(int(kid.MCID))
                continue
            if kid.get("/Type") == "/OBJR":
                if parent is not None and isinstance(kid.get("/Obj"), Dictionary):
                    objr_roles[kid.Obj.objgen] = parent.role
                continue
            if "/S" not in kid or (kid.is_indirect and kid.objgen in seen):
                continue
            seen.add(kid.objgen)
            page = self.page_numbers.get(page_obj.objgen) if page_obj is not None else None
            element = _Element(kid, _role(kid.S, role_map), page, parent)
            if parent is not None:
                parent.kids.append(element)
            elements.append(element)
            stack.extend((k, element, page_obj) for k in reversed(_as_list(kid.get("/K"))))
        for element in reversed(elements):  # an element without /Pg anywhere above: the page of its first kid
            if element.page is None:
                element.page = next((k.page for k in element.kids if k.page is not None), None)
        return _Structure(elements, mcids, objr_roles)

    @cached_property
    def scans(self) -> list[_Scan]:
        scans = []
        for page in self.pdf.pages:
            scan = _Scan()
            self._scan(page, _inherited(page.obj, "/Resources") or Dictionary(), None, scan, top=True)
            for annotation in _as_list(page.obj.get("/Annots")):  # appearances use fonts and colours too
                appearance = annotation.get("/AP", {}).get("/N") if isinstance(annotation, Dictionary) else None
                if isinstance(appearance, Stream):
                    scan.merge(self._form(appearance, "artifact"))
            scans.append(scan)
        return scans

    def _form(self, form: Stream, context: str | None) -> _Scan:
        """A form XObject's (or pattern's) content, scanned once per marked-content context."""
        key = (form.objgen, context) if form.is_indirect else (id(form), context)
        if key not in self._forms:
            self._forms[key] = _Scan()  # guards against a form that draws itself
            self._scan(form, form.get("/Resources") or Dictionary(), context, self._forms[key], top=False)
        return self._forms[key]

    def _scan(self, content: Any, resources: Dictionary, context: str | None, scan: _Scan, top: bool) -> None:
        """Walk one content stream. `context` is the marked content around it ("tagged", "artifact", None)."""
        marks: list[str] = []  # open marked-content sequences: "tagged" (has an MCID), "artifact" or "other"

        def around() -> str | None:
            return next((m for m in reversed(marks) if m != "other"), context)

        fonts_set: set[Name] = set()
        defaults = {space for space in ("RGB", "CMYK", "Gray")
                    if f"/Default{space}" in (resources.get("/ColorSpace") or {})}

        def device(space: str | None) -> None:
            if space is not None and space not in defaults:
                scan.device.add(space)

        for operands, operator in pikepdf.parse_content_stream(content):
            op = str(operator)
            if op in ("BMC", "BDC"):
                properties = operands[1] if op == "BDC" else None
                if isinstance(properties, Name):
                    properties = (resources.get("/Properties") or {}).get(properties)
                mcid = properties.get("/MCID") if isinstance(properties, Dictionary) else None
                mark = "artifact" if operands[0] == "/Artifact" else "tagged" if mcid is not None else "other"
                if mark == "tagged" and around() == "artifact":
                    scan.nesting["tagged content inside an artifact"] += 1
                if mark == "artifact" and around() == "tagged":
                    scan.nesting["an artifact inside tagged content"] += 1
                if mark == "tagged" and top:
                    scan.mcids.append(int(mcid))
                marks.append(mark)
            elif op == "EMC":
                if marks:
                    marks.pop()
            elif op in TEXT_OPERATORS or op in PATH_PAINTING or op in ("sh", "INLINE IMAGE"):
                if around() is None:
                    scan.untagged["text" if op in TEXT_OPERATORS else "path" if op in PATH_PAINTING
                                  else "shading" if op == "sh" else "image"] += 1
                if op == "sh":
                    shading = (resources.get("/Shading") or {}).get(operands[0])
                    device(_device_space(shading.get("/ColorSpace") if shading is not None else None, resources))
                if op == "INLINE IMAGE":
                    image = operands[0].obj if hasattr(operands[0], "obj") else {}
                    device(_device_space(image.get("/CS", image.get("/ColorSpace")), resources))
            elif op == "Do":
                xobject = (resources.get("/XObject") or {}).get(operands[0])
                if not isinstance(xobject, Stream):
                    continue
                if xobject.get("/Subtype") == "/Form":
                    scan.merge(self._form(xobject, around()))
                else:
                    if around() is None:
                        scan.untagged["image"] += 1
                    if not xobject.get("/ImageMask", False):
                        device(_device_space(xobject.get("/ColorSpace"), resources))
            elif op == "Tf":
                if operands[0] in fonts_set:
                    continue  # looking a font up is slow, and pages set the same few fonts thousands of times
                fonts_set.add(operands[0])
                font = (resources.get("/Font") or {}).get(operands[0])
                if isinstance(font, Dictionary):
                    scan.fonts.setdefault(font.objgen if font.is_indirect else (id(font), 0),
                                          (str(operands[0])[1:], font))
            elif op in DEVICE_OPERATORS:
                device(DEVICE_OPERATORS[op])
            elif op in ("cs", "CS"):
                device(_device_space(operands[0], resources))
            elif op in ("scn", "SCN") and operands and isinstance(operands[-1], Name):
                pattern = (resources.get("/Pattern") or {}).get(operands[-1])
                if isinstance(pattern, Stream):  # a tiling pattern: its cells are part of what it fills
                    scan.merge(self._form(pattern, "artifact"))
                elif isinstance(pattern, Dictionary) and isinstance(pattern.get("/Shading"), Dictionary):
                    device(_device_space(pattern.Shading.get("/ColorSpace"), resources))


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, Array) else [value]


def _inherited(page: Dictionary, key: str) -> Any:
    node, seen = page, set()
    while isinstance(node, Dictionary) and node.objgen not in seen:
        if key in node:
            return node[key]
        seen.add(node.objgen)
        node = node.get("/Parent")
    return None


def _role(structure_type: Any, role_map: Any) -> str:
    name, seen = str(structure_type)[1:], set()
    while name not in STANDARD_TYPES and role_map is not None and f"/{name}" in role_map and name not in seen:
        seen.add(name)
        name = str(role_map[f"/{name}"])[1:]
    return name


def _device_space(space: Any, resources: Dictionary) -> str | None:
    """"RGB", "CMYK" or "Gray" if the colour space is a device one (directly or as an Indexed base)."""
    if isinstance(space, Name) and str(space) not in DEVICE_SPACES:
        space = (resources.get("/ColorSpace") or {}).get(space)
    if isinstance(space, Array) and len(space) > 1 and space[0] in ("/Indexed", "/I"):
        space = space[1]
    return DEVICE_SPACES.get(str(space)) if isinstance(space, Name) else None


def _attributes(element: Dictionary) -> list[Dictionary]:
    """The element's attribute dictionaries (/A is one, or an array with optional revision numbers)."""
    return [a for a in _as_list(element.get("/A")) if isinstance(a, Dictionary)]


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def _pages(numbers: list[int]) -> str:
    return ", ".join(map(str, numbers[:8])) + (", …" if len(numbers) > 8 else "")


def _few(values: list, limit: int = 5) -> str:
    return ", ".join(map(str, values[:limit])) + (", …" if len(values) > limit else "")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


# ---------- Checks of both variants ----------

def _mark_info(doc: _Document, ua: bool) -> Iterator[ConformanceFinding]:
    rule = "ISO 14289-1 7.1; ISO 32000-1 14.7.1" if ua else "ISO 19005-3 6.7.2"
    mark_info = doc.root.get("/MarkInfo")
    if not isinstance(mark_info, Dictionary) or mark_info.get("/Marked") is not True:
        yield doc.finding(None, "mark-info", rule, "the catalog has no /MarkInfo with /Marked true: "
                                                   "the PDF does not declare itself tagged")
    elif ua and mark_info.get("/Suspects") is True:
        yield doc.finding(None, "mark-info", "Matterhorn 01-007", "/MarkInfo /Suspects is true")


def _structure_tree(doc: _Document, ua: bool) -> Iterator[ConformanceFinding]:
    tree = doc.root.get("/StructTreeRoot")
    if not isinstance(tree, Dictionary):
        yield doc.finding(None, "struct-tree", "ISO 14289-1 7.1" if ua else "ISO 19005-3 6.7.3",
                          "the catalog has no /StructTreeRoot: the document has no logical structure")
    elif any(scan.mcids for scan in doc.scans) and "/ParentTree" not in tree:
        yield doc.finding(None, "struct-tree", "ISO 32000-1 14.7.4.4",
                          "the structure tree has no /ParentTree: no marked content can be traced to its "
                          "structure element")


def _tagged_content(doc: _Document, ua: bool) -> Iterator[ConformanceFinding]:
    """All content is tagged (an MCID the structure tree reaches) or an /Artifact."""
    real_content = "Matterhorn 01-005" if ua else "ISO 32000-1 14.8.2.2"  # level A: Tagged PDF
    tree = doc.root.get("/StructTreeRoot")
    parent_tree = pikepdf.NumberTree(tree.ParentTree) if isinstance(tree, Dictionary) and \
        isinstance(tree.get("/ParentTree"), Dictionary) else None
    for number, (page, scan) in enumerate(zip(doc.pdf.pages, doc.scans), start=1):
        if scan.untagged:
            what = ", ".join(f"{_plural(n, kind + ' operator')}" for kind, n in sorted(scan.untagged.items()))
            yield doc.finding(number, "untagged-content", real_content,
                              f"content outside any tagged or /Artifact marked content: {what}")
        if ua:
            for problem, n in sorted(scan.nesting.items()):
                yield doc.finding(number, "marked-content-nesting",
                                  "Matterhorn 01-004" if problem.startswith("tagged") else "Matterhorn 01-003",
                                  f"{n} × {problem}")
        if not scan.mcids or parent_tree is None:
            continue  # no ParentTree at all is one finding of _structure_tree
        mapped: Any = None
        if "/StructParents" not in page.obj:
            unmapped = scan.mcids
            why = "the page has no /StructParents"
        else:
            try:
                mapped = parent_tree[int(page.obj.StructParents)]
            except (KeyError, IndexError):
                mapped = None
            unmapped = [m for m in scan.mcids if not isinstance(mapped, Array) or m >= len(mapped)
                        or not isinstance(mapped[m], Dictionary)]
            why = f"the /ParentTree entry {int(page.obj.StructParents)} does not map them to structure elements"
        if unmapped:
            yield doc.finding(number, "mcid-not-in-parent-tree", "ISO 32000-1 14.7.4.4",
                              f"{_plural(len(unmapped), 'marked-content id')} (MCID {_few(unmapped)}) in the "
                              f"content, but {why}")
        reachable = doc.structure.mcids.get(number, set())
        orphans = [m for m in scan.mcids if m not in unmapped and m not in reachable]
        if orphans:
            roles = Counter(str(mapped[m].get("/S", "?"))[1:] for m in orphans)
            yield doc.finding(number, "content-outside-structure-tree", real_content,
                              f"{_plural(len(orphans), 'marked-content id')} (MCID {_few(orphans)}) belong to "
                              f"structure elements ({', '.join(sorted(roles))}) that the structure tree does not "
                              "reach, and are not /Artifact")


def _language(doc: _Document, ua: bool) -> Iterator[ConformanceFinding]:
    lang = doc.root.get("/Lang")
    if ua and not _text(lang):
        yield doc.finding(None, "lang", "Matterhorn 11-006",
                          "the catalog has no /Lang (or an empty one): the natural language of the document "
                          "and its metadata cannot be determined")
    elif lang is not None and _text(lang) and not LANGUAGE_TAG.fullmatch(str(lang)):
        yield doc.finding(None, "lang", "ISO 32000-1 14.9.2" if ua else "ISO 19005-3 6.7.4",
                          f"the catalog /Lang '{lang}' is not a language tag")
    bad = [(e.page, str(e.obj.Lang)) for e in doc.structure.elements if "/Lang" in e.obj
           and _text(e.obj.Lang) and not LANGUAGE_TAG.fullmatch(str(e.obj.Lang))]
    for page, value in bad[:1]:  # one finding names the first; the message counts them
        yield doc.finding(page, "lang", "ISO 32000-1 14.9.2" if ua else "ISO 19005-3 6.7.4",
                          f"{_plural(len(bad), 'structure element')} with a /Lang that is not a language tag, "
                          f"first '{value}'")


def _fonts(doc: _Document, ua: bool) -> Iterator[ConformanceFinding]:
    """Fonts used in the content: embedded (Type 3 fonts are their own program) and mapped to Unicode."""
    used: dict[tuple[int, int], list[int]] = defaultdict(list)
    fonts: dict[tuple[int, int], tuple[str, Dictionary]] = {}
    for number, scan in enumerate(doc.scans, start=1):
        for key, (name, font) in scan.fonts.items():
            used[key].append(number)
            fonts[key] = (name, font)
    for key, pages in used.items():
        name, font = fonts[key]
        subtype = font.get("/Subtype")
        described = font.DescendantFonts[0] if subtype == "/Type0" and "/DescendantFonts" in font else font
        base = str(described.get("/BaseFont", font.get("/BaseFont", f"/{name}")))[1:]
        where = f"used on page{'s' * (len(pages) > 1)} {_pages(pages)}"
        descriptor = described.get("/FontDescriptor") or Dictionary()
        if subtype != "/Type3" and not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
            yield doc.finding(pages[0], "font-embedded", "Matterhorn 31-009" if ua else "ISO 19005-3 6.2.11.4.1",
                              f"font '{base}' ({str(subtype)[1:]}) is not embedded ({where})")
        if not _maps_to_unicode(font, described, descriptor):
            yield doc.finding(pages[0], "font-tounicode", "Matterhorn 31-027" if ua else "ISO 19005-3 6.2.11.7",
                              f"font '{base}' ({str(subtype)[1:]}) has no /ToUnicode map and no encoding that "
                              f"defines Unicode values ({where})")


def _maps_to_unicode(font: Dictionary, described: Dictionary, descriptor: Dictionary) -> bool:
    """ToUnicode, or one of the exceptions of Matterhorn 31-027 / ISO 19005-3 6.2.11.7 (the same four)."""
    if "/ToUnicode" in font:
        return True
    subtype, encoding = font.get("/Subtype"), font.get("/Encoding")
    if subtype == "/Type0":
        info = described.get("/CIDSystemInfo") or Dictionary()
        return _text(info.get("/Registry")) == "Adobe" and _text(info.get("/Ordering")) in CJK_COLLECTIONS
    if str(encoding) in STANDARD_ENCODINGS or (isinstance(encoding, Dictionary) and "/Differences" not in encoding
                                               and str(encoding.get("/BaseEncoding")) in STANDARD_ENCODINGS):
        return True
    if subtype == "/TrueType":
        return not int(descriptor.get("/Flags", 0)) & 4  # a non-symbolic TrueType font
    # Type 1 and Type 3 fonts pass if their glyph names are in the Adobe Glyph List, which is not checked here.
    return subtype in ("/Type1", "/MMType1", "/Type3")


def _info_and_xmp(doc: _Document, ua: bool) -> Iterator[ConformanceFinding]:
    """The document information dictionary and the XMP metadata say the same Title and Author. A consistency
    check: PDF/A-1 requires it (ISO 19005-1 6.7.3); the PDF/A-3 and PDF/UA wording was not verified."""
    info = doc.pdf.trailer.get("/Info")
    if not isinstance(info, Dictionary) or "/Metadata" not in doc.root:
        return
    rule = "consistency check, no verified clause"
    title, xmp_title = info.get("/Title"), doc.metadata.get("dc:title")
    if title is not None and xmp_title is not None and str(title) != str(xmp_title):
        yield doc.finding(None, "info-xmp", rule,
                          f"/Info /Title '{title}' differs from the XMP dc:title '{xmp_title}'")
    author, creators = info.get("/Author"), doc.metadata.get("dc:creator")
    if author is not None and creators is not None:
        creators = [creators] if isinstance(creators, str) else list(creators)
        if str(author) != ", ".join(creators):  # WeasyPrint joins several authors so, as most writers do
            yield doc.finding(None, "info-xmp", rule,
                              f"/Info /Author '{author}' differs from the XMP dc:creator {creators}")


# ---------- PDF/UA-1 only ----------

def _ua_metadata(doc: _Document) -> Iterator[ConformanceFinding]:
    if not isinstance(doc.root.get("/Metadata"), Stream):
        yield doc.finding(None, "xmp-metadata", "Matterhorn 06-001", "the catalog has no XMP /Metadata stream")
        return
    part = doc.metadata.get("pdfuaid:part")
    if part != "1":
        yield doc.finding(None, "pdfua-identifier", "Matterhorn 06-002",
                          "the XMP metadata has no PDF/UA identifier pdfuaid:part = 1"
                          + f" (it says {part!r})" * (part is not None))
    if not _text(doc.metadata.get("dc:title")):
        yield doc.finding(None, "xmp-title", "Matterhorn 06-003", "the XMP metadata has no dc:title")


def _display_doc_title(doc: _Document) -> Iterator[ConformanceFinding]:
    preferences = doc.root.get("/ViewerPreferences")
    value = preferences.get("/DisplayDocTitle") if isinstance(preferences, Dictionary) else None
    if value is None:
        yield doc.finding(None, "display-doc-title", "Matterhorn 07-001",
                          "/ViewerPreferences has no /DisplayDocTitle: viewers show the file name, not the title")
    elif value is not True:
        yield doc.finding(None, "display-doc-title", "Matterhorn 07-002",
                          "/ViewerPreferences /DisplayDocTitle is false")


def _figures(doc: _Document) -> Iterator[ConformanceFinding]:
    for element in doc.structure.elements:
        if element.role == "Figure" and not (_text(element.obj.get("/Alt")) or _text(element.obj.get("/ActualText"))):
            yield doc.finding(element.page, "figure-alt", "Matterhorn 13-004",
                              "a Figure has neither /Alt nor /ActualText")


def _headings(doc: _Document) -> Iterator[ConformanceFinding]:
    levels = [(int(m[1]), e.page) for e in doc.structure.elements if (m := HEADING.fullmatch(e.role))]
    if levels and levels[0][0] != 1:
        yield doc.finding(levels[0][1], "heading-levels", "Matterhorn 14-002",
                          f"the first heading is H{levels[0][0]}, not H1")
    for (before, _), (level, page) in zip(levels, levels[1:]):
        if level > before + 1:
            yield doc.finding(page, "heading-levels", "Matterhorn 14-003",
                              f"an H{level} follows an H{before}: heading levels skipped")
    for element in doc.structure.elements:
        if HEADING.fullmatch(element.role) and not _marks_content(element):
            yield doc.finding(element.page, "heading-empty", "consistency check, no verified clause",
                              f"an {element.role} marks no content: screen readers list it as a blank heading")


def _marks_content(element: _Element) -> bool:
    """Whether the element, or an element inside it, holds marked content (an MCID) of a page."""
    return any(isinstance(k, int) or (isinstance(k, Dictionary) and k.get("/Type") == "/MCR")
               for k in _as_list(element.obj.get("/K"))) or any(_marks_content(k) for k in element.kids)


TABLE_CHILDREN = {"Table": {"TR", "THead", "TBody", "TFoot", "Caption"},
                  "THead": {"TR"}, "TBody": {"TR"}, "TFoot": {"TR"}, "TR": {"TH", "TD"}}
TABLE_PARENTS = {"THead": {"Table"}, "TBody": {"Table"}, "TFoot": {"Table"},
                 "TR": {"Table", "THead", "TBody", "TFoot"}, "TH": {"TR"}, "TD": {"TR"}}


def _tables(doc: _Document) -> Iterator[ConformanceFinding]:
    """Table elements nest as ISO 32000-1 Table 337 says (Matterhorn 09-004); TH cells have a Scope when the
    table does not tie its cells to their headers with Headers and IDs (Matterhorn 15-003), and, by this
    project's rule, when it does as well."""
    for element in doc.structure.elements:
        role = element.role
        problems = []
        if role in TABLE_CHILDREN:
            wrong = sorted({k.role for k in element.kids} - TABLE_CHILDREN[role])
            if wrong:
                problems.append(f"a {role} contains {', '.join(wrong)}")
        if role in TABLE_PARENTS and (element.parent is None or element.parent.role not in TABLE_PARENTS[role]):
            problems.append(f"a {role} is inside {element.parent.role if element.parent else 'nothing'}, "
                            f"not {' or '.join(sorted(TABLE_PARENTS[role]))}")
        if role == "Table" and not any(c.role in ("TH", "TD") for c in _table_cells(element)):
            problems.append("a Table has no TR with TH or TD cells")
        for problem in problems:
            yield doc.finding(element.page, "table-structure", "Matterhorn 09-004", problem)
        if role == "Table":
            yield from _header_scope(doc, element)


def _table_cells(table: _Element) -> Iterator[_Element]:
    """The cells of this table, not of tables nested in its cells, in document order."""
    stack = list(reversed(table.kids))
    while stack:
        element = stack.pop()
        if element.role in ("TH", "TD"):
            yield element
        elif element.role != "Table":
            stack.extend(reversed(element.kids))


def _header_scope(doc: _Document, table: _Element) -> Iterator[ConformanceFinding]:
    cells = list(_table_cells(table))
    headers = [c for c in cells if c.role == "TH"]
    ids = {_text(c.obj.get("/ID")) for c in headers if _text(c.obj.get("/ID"))}
    # Organised with Headers and IDs: every TH has an ID and every TD names only those IDs in /Headers.
    organised = len(ids) == len(headers) and all(
        any("/Headers" in a for a in _attributes(c.obj)) and
        all(_text(h) in ids for a in _attributes(c.obj) for h in _as_list(a.get("/Headers")))
        for c in cells if c.role == "TD")
    scopeless = [c for c in headers if not any("/Scope" in a for a in _attributes(c.obj))]
    if scopeless and not organised:
        yield doc.finding(scopeless[0].page, "th-scope", "Matterhorn 15-003",
                          f"a table not organised with Headers and IDs has {_plural(len(scopeless), 'TH cell')} "
                          "without a /Scope attribute")
    elif scopeless:  # PDF/UA-1 accepts Headers and IDs alone, but some checkers (pdfua) and readers see only Scope
        yield doc.finding(scopeless[0].page, "th-scope-too", "project rule: both ways of Matterhorn 15-003",
                          f"a table organised with Headers and IDs has {_plural(len(scopeless), 'TH cell')} "
                          "without a /Scope attribute as well")


def _annotations_ua(doc: _Document) -> Iterator[ConformanceFinding]:
    for number, page in enumerate(doc.pdf.pages, start=1):
        annotations = [a for a in _as_list(page.obj.get("/Annots")) if isinstance(a, Dictionary)]
        if annotations and page.obj.get("/Tabs") != "/S":
            tabs = page.obj.get("/Tabs")
            yield doc.finding(number, "annotation-tab-order",
                              "Matterhorn 28-008" if tabs is None else "Matterhorn 28-009",
                              "a page with annotations has " + ("no /Tabs" if tabs is None else f"/Tabs {tabs}")
                              + ", not /Tabs /S (structure order)")
        links = [a for a in annotations if a.get("/Subtype") == "/Link"]
        untagged = [a for a in links if doc.structure.objr_roles.get(a.objgen) != "Link"]
        if untagged:
            yield doc.finding(number, "link-tagged", "Matterhorn 28-011",
                              f"{_plural(len(untagged), 'link annotation')} not nested in a Link structure element")
        undescribed = [a for a in links if not _text(a.get("/Contents"))]
        if undescribed:
            yield doc.finding(number, "link-contents", "Matterhorn 28-012",
                              f"{_plural(len(undescribed), 'link annotation')} without a /Contents description")


def _encryption_ua(doc: _Document) -> Iterator[ConformanceFinding]:
    # PDF/UA allows encryption as long as assistive technology may read the text.
    if doc.pdf.is_encrypted:
        encrypt = doc.pdf.trailer.get("/Encrypt")
        if not isinstance(encrypt, Dictionary) or "/P" not in encrypt:
            yield doc.finding(None, "encryption", "Matterhorn 26-001",
                              "the file is encrypted and its encryption dictionary has no /P")
        elif not (int(encrypt.P) >> 9) & 1:
            yield doc.finding(None, "encryption", "Matterhorn 26-002",
                              "the file is encrypted and /P denies content extraction for accessibility (bit 10)")


# ---------- PDF/A-3a only ----------

def _file_structure(doc: _Document) -> Iterator[ConformanceFinding]:
    identifier = doc.pdf.trailer.get("/ID")
    if not isinstance(identifier, Array) or not len(identifier):
        yield doc.finding(None, "trailer-id", "ISO 19005-3 6.1.3", "the trailer has no /ID")
    if doc.pdf.is_encrypted:
        yield doc.finding(None, "encryption", "ISO 19005-3 6.1.3", "the file is encrypted (/Encrypt in the trailer)")
    with doc.path.open("rb") as file:
        file.seek(0, 2)
        file.seek(max(0, file.tell() - 4096))
        tail = file.read()
    end = tail.rfind(b"%%EOF")
    if end < 0 or tail[end + 5:] not in (b"", b"\n", b"\r", b"\r\n"):
        yield doc.finding(None, "eof", "ISO 19005-3 6.1.3",
                          "no %%EOF at the end of the file" if end < 0 else
                          f"{len(tail) - end - 5} bytes follow the last %%EOF")


def _pdfa_metadata(doc: _Document) -> Iterator[ConformanceFinding]:
    if not isinstance(doc.root.get("/Metadata"), Stream):
        yield doc.finding(None, "xmp-metadata", "ISO 19005-3 6.6.2.1", "the catalog has no XMP /Metadata stream")
        return
    part, conformance = doc.metadata.get("pdfaid:part"), doc.metadata.get("pdfaid:conformance")
    if part != "3" or conformance != "A":
        yield doc.finding(None, "pdfa-identifier", "ISO 19005-3 6.6.4",
                          f"the XMP PDF/A identifier says part {part!r}, conformance {conformance!r}, not 3 and A")


def _output_intent(doc: _Document) -> Iterator[ConformanceFinding]:
    intents = [i for i in _as_list(doc.root.get("/OutputIntents"))
               if isinstance(i, Dictionary) and i.get("/S") == "/GTS_PDFA1"]
    profiles = [i.get("/DestOutputProfile") for i in intents]
    profile = next((p for p in profiles if isinstance(p, Stream)), None)
    header = profile.read_bytes()[:20] if profile is not None else b""
    if profile is not None:
        if header[12:16] not in (b"prtr", b"mntr") or header[16:20] not in (b"RGB ", b"CMYK", b"GRAY") \
                or header[8] >= 5:
            yield doc.finding(None, "output-intent", "ISO 19005-3 6.2.3",
                              f"the output intent's ICC profile is {header[12:16]!r} {header[16:20]!r} "
                              f"version {header[8]}, not an output or monitor profile (prtr, mntr) in GRAY, "
                              "RGB or CMYK before version 5")
        if len({p.objgen for p in profiles if isinstance(p, Stream)}) > 1:
            yield doc.finding(None, "output-intent", "ISO 19005-3 6.2.3",
                              "the output intents name different destination profiles")
    first_use: dict[str, int] = {}
    for number, scan in enumerate(doc.scans, start=1):
        for space in scan.device:
            first_use.setdefault(space, number)
    for space, page in sorted(first_use.items(), key=lambda item: item[1]):
        needed = ICC_SPACES[space]
        if profile is None or (needed is not None and header[16:20] != needed):
            yield doc.finding(page, "output-intent", "ISO 19005-3 6.2.4.3",
                              f"Device{space} colour is used (first on this page) without a PDF/A output intent "
                              "(/OutputIntents /S /GTS_PDFA1 with a /DestOutputProfile"
                              + (f" in {space})" if needed else ")"))


def _annotation_flags(doc: _Document) -> Iterator[ConformanceFinding]:
    for number, page in enumerate(doc.pdf.pages, start=1):
        bad = [a for a in _as_list(page.obj.get("/Annots")) if isinstance(a, Dictionary)
               and a.get("/Subtype") != "/Popup" and (int(a.get("/F", 0)) & (1 | 2 | 4 | 32 | 256)) != 4]
        if bad:
            yield doc.finding(number, "annotation-flags", "ISO 19005-3 6.3.2",
                              f"{_plural(len(bad), 'annotation')} without the Print flag, or hidden, invisible "
                              "or not viewable (/F)")


def _actions(doc: _Document) -> Iterator[ConformanceFinding]:
    rule_actions, rule_triggers = "ISO 19005-3 6.5.1", "ISO 19005-3 6.5.2"
    if "/AA" in doc.root:
        yield doc.finding(None, "actions", rule_triggers, "the catalog has an /AA (additional actions) entry")
    names = doc.root.get("/Names")
    if isinstance(names, Dictionary) and "/JavaScript" in names:
        yield doc.finding(None, "actions", rule_actions, "the name dictionary has a /JavaScript tree")
    sources: list[tuple[int | None, Any]] = [(None, doc.root.get("/OpenAction"))]
    sources += [(None, v) for v in (doc.root.get("/AA") or {}).values()]
    for number, page in enumerate(doc.pdf.pages, start=1):
        if "/AA" in page.obj:
            yield doc.finding(number, "actions", rule_triggers, "the page has an /AA (additional actions) entry")
            sources += [(number, v) for v in page.obj.AA.values()]
        for annotation in _as_list(page.obj.get("/Annots")):
            if isinstance(annotation, Dictionary):
                sources.append((number, annotation.get("/A")))
                sources += [(number, v) for v in (annotation.get("/AA") or {}).values()]
    sources += [(None, item.get("/A")) for item in _outline_items(doc.root.get("/Outlines"))]
    reported: set[tuple[int | None, str]] = set()
    for page, action in sources:
        for kind in _forbidden(action):
            if (page, kind) not in reported:
                reported.add((page, kind))
                yield doc.finding(page, "actions", rule_actions, f"a {kind} action")


def _forbidden(action: Any) -> Iterator[str]:
    """The forbidden action types in an action and the actions chained after it by /Next."""
    stack, seen = [action], set()
    while stack:
        action = stack.pop()
        if not isinstance(action, Dictionary) or (action.is_indirect and action.objgen in seen):
            continue
        seen.add(action.objgen)
        kind = str(action.get("/S", ""))
        if kind in FORBIDDEN_ACTIONS or "/JS" in action:
            yield (kind or "/JavaScript")[1:]
        elif kind == "/Named" and str(action.get("/N")) not in ALLOWED_NAMED_ACTIONS:
            yield f"Named {str(action.get('/N'))[1:]}"
        stack.extend(_as_list(action.get("/Next")))


def _outline_items(outlines: Any) -> Iterator[Dictionary]:
    stack, seen = [outlines.get("/First")] if isinstance(outlines, Dictionary) else [], set()
    while stack:
        item = stack.pop()
        if not isinstance(item, Dictionary) or item.objgen in seen:
            continue
        seen.add(item.objgen)
        yield item
        stack += [item.get("/Next"), item.get("/First")]


def _embedded_files(doc: _Document) -> Iterator[ConformanceFinding]:
    specs: list[tuple[int | None, Dictionary]] = []
    names = doc.root.get("/Names")
    if isinstance(names, Dictionary) and isinstance(names.get("/EmbeddedFiles"), Dictionary):
        specs += [(None, s) for s in pikepdf.NameTree(names.EmbeddedFiles).values() if isinstance(s, Dictionary)]
    for number, page in enumerate(doc.pdf.pages, start=1):
        specs += [(number, a.FS) for a in _as_list(page.obj.get("/Annots"))
                  if isinstance(a, Dictionary) and isinstance(a.get("/FS"), Dictionary)]
    # Associated files (/AF) of the document, its pages, annotations and structure elements.
    holders = [doc.root, *(p.obj for p in doc.pdf.pages), *(e.obj for e in doc.structure.elements),
               *(a for p in doc.pdf.pages for a in _as_list(p.obj.get("/Annots")) if isinstance(a, Dictionary))]
    associated = {s.objgen for h in holders for s in _as_list(h.get("/AF")) if isinstance(s, Dictionary)}
    for page, spec in specs:
        embedded = spec.get("/EF")
        if not isinstance(embedded, Dictionary):
            continue
        name = _text(spec.get("/UF", spec.get("/F", "?")))
        problems = []
        if "/F" not in spec or "/UF" not in spec:
            problems.append("no /F and /UF file names")
        if "/AFRelationship" not in spec:
            problems.append("no /AFRelationship")
        streams = [s for s in embedded.values() if isinstance(s, Stream)]
        if any(not MIME_TYPE.fullmatch(str(s.get("/Subtype", "/"))[1:].replace("#2f", "/").replace("#2F", "/"))
               for s in streams):
            problems.append("no MIME type (/Subtype) on the embedded file")
        if spec.objgen not in associated:
            problems.append("not associated with the document or a part of it (/AF)")
        if problems:
            yield doc.finding(page, "embedded-file", "ISO 19005-3 6.8",
                              f"embedded file '{name}': {'; '.join(problems)}")


_UA_CHECKS = [
    lambda d: _mark_info(d, True), lambda d: _structure_tree(d, True), lambda d: _tagged_content(d, True),
    lambda d: _language(d, True), lambda d: _fonts(d, True), lambda d: _info_and_xmp(d, True),
    _ua_metadata, _display_doc_title, _figures, _headings, _tables, _annotations_ua, _encryption_ua,
]
_PDFA_CHECKS = [
    lambda d: _mark_info(d, False), lambda d: _structure_tree(d, False), lambda d: _tagged_content(d, False),
    lambda d: _language(d, False), lambda d: _fonts(d, False), lambda d: _info_and_xmp(d, False),
    _file_structure, _pdfa_metadata, _output_intent, _annotation_flags, _actions, _embedded_files,
]
