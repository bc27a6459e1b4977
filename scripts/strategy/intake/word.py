"""Opening a Word document that came from outside: checked whole before anything reads it.

A DOCX is a zip of XML parts. One sent by a partner is untrusted, so it is refused, with a problem naming the
file, when it is:

- not a zip (an old .doc, a password-protected document, anything else), or a damaged one;
- a zip bomb: too many entries, too many bytes once uncompressed, or an entry that compresses too well;
- macro-enabled (.docm, a vbaProject.bin part, a macroEnabled content type);
- carrying an embedded object (OLE objects, packages, ActiveX controls);
- pointing outside itself (an external relationship: an image or frame fetched from elsewhere, a link to a
  file). Links to web pages and e-mail addresses are fine; the attached template's path, which Word records
  in almost every document, is never followed and is ignored.

Every part is read into memory within those caps, so that the rest of the import never touches the zip
again. XML parts are parsed by the standard library, after refusing any DTD (no entity can expand).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from ..problems import Problem, ProblemsFound

FILE_BYTES = 20 * 2**20  # a long submission with photographs is a few MiB
ENTRIES = 1000
UNCOMPRESSED_BYTES = 100 * 2**20
RATIO = 100  # XML compresses about 5 to 20 times; a bomb a thousand times and more
RATIO_FROM_BYTES = 2**20  # small entries may compress as well as they like: they cannot add up to much

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# External relationships that do no harm: Word records the template a document was made from (a path on the
# partner's disk) and we never open it; a web or e-mail link is kept as text.
HARMLESS_EXTERNAL = ("/attachedTemplate",)
WEB_LINK = re.compile(r"^(https?:|mailto:)", re.IGNORECASE)
OLE_MARKERS = (b"<w:object", b"<o:OLEObject", b":OLEObject")
EXPECTED = "a Word document (.docx) without macros, embedded objects or links to files outside it"


@dataclass(frozen=True)
class Relationship:
    id: str
    type: str
    target: str
    external: bool


@dataclass(frozen=True)
class WordPackage:
    """A checked DOCX: its bytes (for pandoc) and every part, uncompressed."""

    shown_as: str
    data: bytes
    parts: dict[str, bytes]

    def xml(self, name: str) -> ElementTree.Element | None:
        """A part parsed as XML, or None if the package has no such part."""
        data = self.parts.get(name)
        return None if data is None else _parse(data, self.shown_as, name)

    def relationships(self, part: str) -> dict[str, Relationship]:
        """The relationships of a part (word/document.xml -> word/_rels/document.xml.rels), by ID."""
        folder, name = posixpath.split(part)
        root = self.xml(posixpath.join(folder, "_rels", name + ".rels"))
        if root is None:
            return {}
        return {r.get("Id", ""): Relationship(r.get("Id", ""), r.get("Type", ""), r.get("Target", ""),
                                              (r.get("TargetMode") or "").lower() == "external")
                for r in root.iter(f"{RELATIONSHIPS}Relationship")}


def open_docx(path: Path, shown_as: str) -> WordPackage:
    """The DOCX at `path`, checked; ProblemsFound naming `shown_as` if it is damaged or hostile."""
    data = _read(path, shown_as)
    if not data.startswith(b"PK"):
        raise _refused(shown_as, _not_a_zip(data))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = _checked_entries(archive.infolist(), shown_as, path)
            parts = {entry.filename: archive.read(entry) for entry in entries}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError) as err:
        raise _refused(shown_as, f"a damaged zip ({err})") from None
    package = WordPackage(shown_as, data, parts)
    _check_contents(package)
    return package


def _read(path: Path, shown_as: str) -> bytes:
    try:
        if not path.is_file():
            raise _refused(shown_as, "no such file" if not path.exists() else "not a regular file")
        size = path.stat().st_size
        if size > FILE_BYTES:
            raise _refused(shown_as, f"a file of {size / 2**20:.1f} MiB, over the limit of "
                                     f"{FILE_BYTES // 2**20} MiB")
        with path.open("rb") as file:
            return file.read(FILE_BYTES + 1)
    except OSError as err:
        raise _refused(shown_as, f"a file that cannot be read ({err.strerror or err})") from None


def _not_a_zip(data: bytes) -> str:
    if data.startswith(b"\xd0\xcf\x11\xe0"):  # an OLE compound file
        return ("a Word 97-2003 document or a password-protected one, not a .docx: save it as a Word "
                "document (.docx) without a password")
    return "a file that is not a zip package, so not a .docx"


def _checked_entries(entries: list[zipfile.ZipInfo], shown_as: str, path: Path) -> list[zipfile.ZipInfo]:
    if len(entries) > ENTRIES:
        raise _refused(shown_as, f"a zip of {len(entries):,} entries, over the limit of {ENTRIES:,} (a zip bomb?)")
    names = [e.filename for e in entries]
    if len(set(names)) != len(names):
        raise _refused(shown_as, "a zip that holds two entries of the same name")
    total = sum(e.file_size for e in entries)
    if total > UNCOMPRESSED_BYTES:
        raise _refused(shown_as, f"a zip of {total / 2**20:,.0f} MiB once uncompressed, over the limit of "
                                 f"{UNCOMPRESSED_BYTES // 2**20} MiB (a zip bomb?)")
    for entry in entries:
        if entry.file_size > RATIO_FROM_BYTES and entry.file_size > RATIO * max(entry.compress_size, 1):
            raise _refused(shown_as, f"an entry ({entry.filename}) compressed {entry.file_size // max(entry.compress_size, 1):,} "
                                     f"times, over the limit of {RATIO} (a zip bomb?)")
        if entry.flag_bits & 0x1:
            raise _refused(shown_as, f"an encrypted entry ({entry.filename})")
        if entry.filename.startswith(("/", "\\")) or ".." in entry.filename.replace("\\", "/").split("/"):
            raise _refused(shown_as, f"an entry whose name leads outside the package ({entry.filename})")
    lower = {n.lower() for n in names}
    if "word/document.xml" not in lower or "[content_types].xml" not in lower:
        raise _refused(shown_as, "a zip without word/document.xml, so not a Word document")
    if path.suffix.lower() in (".docm", ".dotm"):
        raise _refused(shown_as, f"a macro-enabled document ({path.suffix}): save it as a .docx")
    if any(n.endswith("vbaproject.bin") or n.endswith("vbadata.xml") for n in lower):
        raise _refused(shown_as, "a macro-enabled document (it holds a vbaProject.bin): save it as a .docx")
    if embedded := next((n for n in names if n.lower().startswith(("word/embeddings/", "word/activex/"))), None):
        raise _refused(shown_as, f"an embedded object ({embedded}): remove it, or paste it as a picture")
    return entries


def _check_contents(package: WordPackage) -> None:
    shown_as = package.shown_as
    types = next(data for name, data in package.parts.items() if name.lower() == "[content_types].xml")
    if b"macroenabled" in types.lower():
        raise _refused(shown_as, "a macro-enabled document (its content types say so): save it as a .docx")
    if b"oleobject" in types.lower() or b"activex" in types.lower():
        raise _refused(shown_as, "an embedded object (its content types declare one): remove it, or paste it "
                                 "as a picture")
    for name, data in package.parts.items():
        if name.endswith((".xml", ".rels")) and (b"<!DOCTYPE" in data or b"<!ENTITY" in data):
            raise _refused(shown_as, f"a part with a DTD ({name}), which Word never writes")
        if name.endswith(".xml") and any(marker in data for marker in OLE_MARKERS):
            raise _refused(shown_as, f"an embedded object in {name}: remove it, or paste it as a picture")
    for name in package.parts:
        if not name.endswith(".rels"):
            continue
        for relationship in _relationships_in(package, name):
            if problem := _external_problem(relationship):
                raise _refused(shown_as, f"{problem} (in {name}, {relationship.id}: {relationship.target})")
            if relationship.type.lower().endswith(("/oleobject", "/package", "/control")):
                raise _refused(shown_as, f"an embedded object ({relationship.target}): remove it, or paste it "
                                         "as a picture")


def _relationships_in(package: WordPackage, rels: str) -> list[Relationship]:
    root = package.xml(rels)
    return [Relationship(r.get("Id", ""), r.get("Type", ""), r.get("Target", ""),
                         (r.get("TargetMode") or "").lower() == "external")
            for r in (root.iter(f"{RELATIONSHIPS}Relationship") if root is not None else [])]


def _external_problem(relationship: Relationship) -> str | None:
    """Why an external relationship is refused, or None when it does no harm."""
    if not relationship.external or relationship.type.endswith(HARMLESS_EXTERNAL):
        return None
    if relationship.type.endswith("/hyperlink"):
        return None if WEB_LINK.match(relationship.target.strip()) else "a link to a file outside the document"
    if relationship.type.endswith("/image"):
        return "an image fetched from outside the document (a linked picture): insert the picture itself"
    return "a part fetched from outside the document"


def _parse(data: bytes, shown_as: str, name: str) -> ElementTree.Element:
    # OOXML parts never have a DTD: refusing one means no entity can be declared, let alone expanded.
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise _refused(shown_as, f"a part with a DTD ({name}), which Word never writes")
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as err:
        raise _refused(shown_as, f"a part that is not well-formed XML ({name}: {err})") from None


def _refused(shown_as: str, found: str) -> ProblemsFound:
    return ProblemsFound([Problem(shown_as, None, None, EXPECTED, f"{found}; nothing was written")])
