"""Stage 4, for reviewers: the print HTML as a Word document they can comment on.

The DOCX is made from the same print HTML as the PDF, so it holds exactly what
the build's audience may see. pandoc (the binary bundled with pypandoc_binary)
does the conversion in its sandbox: it reads nothing but the HTML on its
standard input, fetches nothing, and writes only to its standard output. The
images it needs (the charts) are inlined beforehand as data: URIs, and only
from the project's own folders. The kernel and pandoc's runtime bound its time
and memory, and the DOCX replaces the previous one only once it is complete.

Under --sandbox, pandoc 3.9 ignores SOURCE_DATE_EPOCH and dates the document
1970-01-01 (its zip entries 1980-01-01). Its output is therefore byte-identical
from run to run already; the package is then rewritten here, just as
deterministically, to carry the edition's date and what -M cannot set.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote, urlsplit

from ..chapters.markdown import long_date
from ..inputs.records import Publication
from ..environment import seconds_from_environment
from ..files import is_readable_asset, replace_atomically
from ..pandoc import run_pandoc
from .ooxml import rewritten, with_property
from .reference import HEADER_PLACEHOLDER, reference_docx

PRINT_HTML = ".build/print.html"
SECONDS = 120  # the example takes about one second
SECONDS_VARIABLE = "STRATEGY_PANDOC_SECONDS"
# pandoc's Haskell runtime stops with "Heap exhausted" at its -M heap limit, a clear message; the kernel's
# address-space limit, set higher, is the backstop (the runtime reserves less when the kernel allows less).
HEAP_BYTES = 3 * 2**30
IMAGE_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".gif": "image/gif"}
NOTE_ID = "docx-note-"


@dataclass(frozen=True)
class DocxMetadata:
    """What opens the Word document (its title block) and what its document properties say."""

    title: str
    subtitle: str = ""
    author: str = ""
    date: str = ""  # the line under the title, as the title page prints it: "Draft 1 · 20 November 2026"
    lang: str = "en"
    subject: str = ""
    keywords: tuple[str, ...] = ()
    header: str = ""  # the running head: "Draft 1 · 20 November 2026 · for partner review"
    # The edition's label, a custom document property: a returned draft says which edition its comments are
    # on (intake/returned_draft.py reads it).
    edition: str = ""

    @classmethod
    def of(cls, publication: Publication) -> DocxMetadata:
        """The metadata strategy.yml gives, as the PDF's title page shows it."""
        edition = f"{publication.edition.label} · {long_date(publication.edition.date)}"
        return cls(publication.title, publication.subtitle, publication.author, edition,
                   publication.language, publication.subject, tuple(publication.keywords),
                   edition if publication.edition.final else f"{edition} · for partner review",
                   publication.edition.label)


def render_docx(document_html: str, output: Path, metadata: DocxMetadata, *, base_folder: Path,
                allowed_folders: Sequence[Path], source_date_epoch: int, seconds: float | None = None,
                heap_bytes: int = HEAP_BYTES) -> None:
    """Write the print HTML to `output` as a DOCX for reviewers who comment in Word.

    Images under `allowed_folders` (their `src` relative to `base_folder`, the docs folder) are embedded;
    any other image is dropped for its alt text. The print HTML's inline footnotes become Word footnotes,
    and its headings Word headings, so Word's navigation pane shows the outline. The same input gives the
    same bytes. `seconds` (default: $STRATEGY_PANDOC_SECONDS, else 120) bounds pandoc's wall-clock and CPU
    time, `heap_bytes` its heap. Any failure raises ProblemsFound and leaves `output` as it was.
    """
    limit = seconds_from_environment(SECONDS_VARIABLE, SECONDS) if seconds is None else seconds
    # pandoc reads its reference document from a file: one made for this run, beside nothing of the user's.
    with tempfile.TemporaryDirectory(prefix="strategy-docx-") as folder:
        reference = Path(folder) / "reference.docx"
        reference.write_bytes(reference_docx())
        pandoc_html, pictures = _with_stand_ins(docx_html(document_html, base_folder, allowed_folders))
        docx = _run_pandoc(pandoc_html, metadata, source_date_epoch, limit, heap_bytes, reference)
    replace_atomically(output, _finish(docx, source_date_epoch, metadata.keywords, metadata.header, pictures))


def docx_html(document_html: str, base_folder: Path, allowed_folders: Sequence[Path]) -> str:
    """The print HTML as pandoc should read it: images inlined or dropped, print-only parts taken out,
    inline footnotes turned into the EPUB note markup that pandoc's HTML reader makes real notes of."""
    rewriter = _Rewriter(base_folder.resolve(), [folder.resolve() for folder in allowed_folders])
    rewriter.feed(document_html)
    rewriter.close()
    return _with_caption_styles(_with_column_widths(rewriter.result()))


_PNG_URI = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


def _with_stand_ins(document_html: str) -> tuple[str, dict[bytes, bytes]]:
    """Each PNG picture's data: URI with a stand-in's: a blank PNG of the picture's size in pixels and
    resolution, from which pandoc sizes the picture as from the picture itself, and which it reads far
    faster (the charts' base64 was 0.3 s of pandoc's 0.8 s on the example); and the pictures by their
    stand-ins, which _finish puts back in the package. A picture whose header cannot be read keeps its URI."""
    pictures: dict[bytes, bytes] = {}

    def stand_in(match: re.Match) -> str:
        picture = base64.b64decode(match[1])
        blank = _blank_like(picture)
        if blank is None:
            return match[0]
        pictures[blank] = picture
        return f'src="data:image/png;base64,{base64.b64encode(blank).decode("ascii")}"'

    return _PNG_URI.sub(stand_in, document_html), pictures


def _blank_like(picture: bytes) -> bytes | None:
    """A blank PNG with the picture's width, height and pHYs chunk (its resolution), and the picture's hash
    (two pictures of one size have two stand-ins); None if `picture` is no PNG this can read."""
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    if picture[:8] != b"\x89PNG\r\n\x1a\n" or picture[12:16] != b"IHDR":
        return None
    width, height = int.from_bytes(picture[16:20], "big"), int.from_bytes(picture[20:24], "big")
    if not 0 < width * height <= 100_000_000:
        return None
    resolution: dict[str, tuple[float, float]] = {}
    at = 8
    while at + 8 <= len(picture):
        length, kind = int.from_bytes(picture[at:at + 4], "big"), picture[at + 4:at + 8]
        if kind == b"pHYs" and length == 9:
            per_metre = picture[at + 8:at + 17]
            if per_metre[8] != 1:  # an aspect ratio without a unit: kept as it is
                return None
            # Pillow writes pixels per metre as round(dpi / 0.0254): the same numbers again.
            resolution["dpi"] = (int.from_bytes(per_metre[:4], "big") * 0.0254,
                                 int.from_bytes(per_metre[4:8], "big") * 0.0254)
        if kind in (b"IDAT", b"IEND"):  # pHYs comes before the image data
            break
        at += 12 + length
    chunks = PngInfo()
    chunks.add_text("picture", hashlib.sha256(picture).hexdigest())
    out = io.BytesIO()
    Image.new("1", (width, height), 1).save(out, format="PNG", pnginfo=chunks, **resolution)
    return out.getvalue()


_TABLE = re.compile(r"(<table\b[^>]*>)(.*?</table>)", re.S)
_ROW = re.compile(r"<tr\b.*?</tr>", re.S)
_CELL = re.compile(r"<t[hd]\b([^>]*)>(.*?)</t[hd]>", re.S)


def _with_column_widths(document_html: str) -> str:
    """Each table with relative column widths from its longest cells, so that pandoc makes it page-wide.

    Without widths pandoc gives every column the same share of a narrow grid: Word autofits that, but
    LibreOffice keeps it, and numbers such as 12,439,000 break inside.
    """
    def widths(match: re.Match) -> str:
        longest: list[float] = []
        for row in _ROW.findall(match[2]):
            for column, (attributes, cell) in enumerate(_CELL.findall(row)):
                text = html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
                # Room for the longest word (a number must never break) and some of a long text, which
                # may wrap over a few lines; a short value (typeset.py) keeps to one line.
                word = len(text) if re.search(r'class="[^"]*\bshort\b', attributes) else max(
                    (len(w) for w in text.split()), default=0)
                size = max(word + 2, min(len(text), 30) * 0.6, 4)
                if column < len(longest):
                    longest[column] = max(longest[column], size)
                else:
                    longest.append(size)
        if not longest:
            return match[0]
        total = sum(longest)
        tenths = [round(1000 * size / total) for size in longest]
        tenths[-1] += 1000 - sum(tenths)  # exactly the page width: no 100.1% table
        columns = "".join(f'<col style="width: {t / 10:.1f}%">' for t in tenths)
        return f"{match[1]}<colgroup>{columns}</colgroup>{match[2]}"

    return _TABLE.sub(widths, document_html)


_TABLE_CAPTION = re.compile(r'<p class="table-caption">(.*?)</p>', re.S)


def _with_caption_styles(document_html: str) -> str:
    """Captions and the rights page in the reference document's styles (pandoc reads `data-custom-style`),
    each caption's number in a style of its own, for _finish to find it."""
    document_html = _TABLE_CAPTION.sub(r'<div data-custom-style="Table Caption"><p>\1</p></div>', document_html)
    document_html = document_html.replace('<section class="rights-page">',
                                          '<section class="rights-page" data-custom-style="Rights">')
    return document_html.replace('<span class="caption-label">', '<span data-custom-style="Caption Label">')


def _run_pandoc(document_html: str, metadata: DocxMetadata, source_date_epoch: int, seconds: float,
                heap_bytes: int, reference: Path) -> bytes:
    """pandoc in its sandbox, HTML on stdin and the DOCX on stdout, within the time and memory limits."""
    expected = f"a DOCX that pandoc can write within {seconds:g} seconds and {heap_bytes / 2**30:g} GiB"
    options = ["--from=html+epub_html_exts", "--to=docx", "--output=-", *_metadata_options(metadata),
               *_writer_options(reference)]
    return run_pandoc(options, document_html.encode("utf-8"), file=PRINT_HTML, expected=expected,
                      seconds=seconds, heap_bytes=heap_bytes, source_date_epoch=source_date_epoch, makes="DOCX")


def _metadata_options(metadata: DocxMetadata) -> list[str]:
    fields = [("title", metadata.title), ("subtitle", metadata.subtitle), ("author", metadata.author),
              ("date", metadata.date), ("lang", metadata.lang), ("subject", metadata.subject),
              ("edition", metadata.edition)]
    return [option for key, value in fields if value for option in ("-M", f"{key}={value}")]


def _writer_options(reference: Path) -> list[str]:
    """The reference document's styles, page and running head and foot, and a contents field that Word fills
    in when it opens the file. pandoc's sandbox lets it read the files named on its command line."""
    return [f"--reference-doc={reference}", "--toc", "--toc-depth=3", "-M", "toc-title=Contents"]


def _finish(docx: bytes, source_date_epoch: int, keywords: Sequence[str], header: str = "",
            pictures: dict[bytes, bytes] | None = None) -> bytes:
    """The same package with what pandoc cannot be told set right, entry order and compression kept.

    - the creation and modification dates, and the entries' times: the edition's, not the sandbox's 1970;
    - the keywords: pandoc's docx writer leaves them empty when they come from -M;
    - each picture's inner description: pandoc copies the image's whole data: URI there (Word shows the
      alt text, which is kept on the drawing), so every chart would be stored twice;
    - the running head: the edition, in place of the reference document's placeholder;
    - the contents, moved after the title and rights page to open the second page, and the caption numbers,
      made SEQ fields (see _numbered_captions);
    - each picture pandoc was given a stand-in for (`pictures`, by stand-in: _with_stand_ins), put back.
    """
    listed = html.escape(", ".join(keywords)).encode()

    def edit(name: str, data: bytes) -> bytes:
        if name == "docProps/core.xml":
            return with_property(data, b"cp:keywords", listed)
        if pictures and name.startswith("word/media/") and data in pictures:
            return pictures[data]
        if name == "word/document.xml":
            return _numbered_captions(_contents(re.sub(rb'(<pic:cNvPr descr=")data:[^"]*"', rb'\1"', data)))
        if name == "word/numbering.xml":
            return _bracketed_letters(data)
        if name.startswith("word/header") and name.endswith(".xml"):
            return data.replace(HEADER_PLACEHOLDER.encode(), html.escape(header, quote=False).encode())
        return data

    return rewritten(docx, source_date_epoch, edit)


_LETTER_LEVEL = re.compile(rb'(<w:numFmt w:val="(?:lowerLetter|lowerRoman)" /><w:lvlText w:val=")%(\d)\.(" />)')


def _bracketed_letters(numbering: bytes) -> bytes:
    """Lettered lists numbered "(a)", as the site and the PDF print them (typeset.py), not pandoc's "a.".
    Only lettered lists have letters: Markdown's own ordered lists are numbered 1, 2, 3."""
    return _LETTER_LEVEL.sub(rb"\1(%\2)\3", numbering)


_CONTENTS = re.compile(rb'<w:sdt><w:sdtPr><w:docPartObj><w:docPartGallery w:val="Table of Contents" />.*?</w:sdt>',
                       re.S)
_CONTENTS_TITLE = re.compile(rb'<w:p><w:pPr><w:pStyle w:val="TOCHeading" />.*?</w:p>', re.S)
_CONTENTS_FIELD = re.compile(rb'<w:instrText xml:space="preserve">TOC [^<]*</w:instrText>')
_FIRST_CHAPTER = re.compile(rb'(?:<w:bookmarkStart [^>]*/>\s*)*<w:p><w:pPr><w:pStyle w:val="Heading1" />')
_HEADING = re.compile(rb'<w:bookmarkStart w:id="\d+" w:name="([^"]+)" />\s*'
                      rb'<w:p><w:pPr><w:pStyle w:val="Heading([123])" /></w:pPr>(.*?)</w:p>', re.S)
_TEXT = re.compile(rb'<w:t(?: [^>]*)?>([^<]*)</w:t>')
_CAPTION_NUMBER = re.compile(rb'<w:r><w:rPr><w:rStyle w:val="CaptionLabel" /></w:rPr>'
                             rb'<w:t xml:space="preserve">(Table|Figure) ((?:[A-Z]*\d+\.)?)(\d+)</w:t></w:r>')


def _contents(document: bytes) -> bytes:
    """pandoc's contents field, filled in and moved.

    pandoc leaves the field empty for Word to fill in when it opens the file (the field is marked dirty, and
    settings.xml asks for an update). LibreOffice 7.4 neither updates it nor computes a PAGEREF inside it
    (it shows what the file holds until Tools > Update), so the field holds a linked entry for each heading
    to level 3 already. And pandoc puts the contents straight after the title block; a report has them
    after the rights page, just before the first chapter.
    """
    contents = _CONTENTS.search(document)
    chapter = _FIRST_CHAPTER.search(document, contents.end()) if contents else None
    field = _CONTENTS_FIELD.search(contents[0]) if contents else None
    if chapter is None or field is None:
        return document
    entries = [_contents_entry(bookmark, level, b"".join(_TEXT.findall(runs)))
               for bookmark, level, runs in _HEADING.findall(document, contents.end())]
    if not entries:
        return document
    begin = (b'<w:r><w:fldChar w:fldCharType="begin" w:dirty="true" /></w:r><w:r>' + field[0] + b'</w:r>'
             b'<w:r><w:fldChar w:fldCharType="separate" /></w:r>')
    entries[0] = entries[0].replace(b"</w:pPr>", b"</w:pPr>" + begin, 1)
    entries[-1] = entries[-1].replace(b"</w:p>", b'<w:r><w:fldChar w:fldCharType="end" /></w:r></w:p>')
    title = _CONTENTS_TITLE.search(contents[0])
    filled = (contents[0][:contents[0].index(b"<w:sdtContent>") + len(b"<w:sdtContent>")]
              + (title[0] if title else b"") + b"".join(entries) + b"</w:sdtContent></w:sdt>")
    return (document[:contents.start()] + document[contents.end():chapter.start()] + filled
            + document[chapter.start():])


def _contents_entry(bookmark: bytes, level: bytes, text: bytes) -> bytes:
    # No page number: only Word can tell it, and it writes the whole field again when it opens the file.
    return (b'<w:p><w:pPr><w:pStyle w:val="TOC' + level + b'" /></w:pPr><w:hyperlink w:anchor="' + bookmark
            + b'" w:history="1"><w:r><w:t xml:space="preserve">' + text + b'</w:t></w:r></w:hyperlink></w:p>')


def _numbered_captions(document: bytes) -> bytes:
    """"Table 2.3" as "Table 2." and a SEQ field worth 3 that restarts at each chapter (Heading 1): Word
    numbers tables and figures itself again, and lists them (References > Insert Table of Figures), while
    the number it shows stays the PDF's (the print stage numbers them per chapter too)."""
    def field(match: re.Match) -> bytes:
        kind, chapter, number = match[1], match[2], match[3]
        label = b'<w:r><w:rPr><w:rStyle w:val="CaptionLabel" /></w:rPr><w:t xml:space="preserve">%s</w:t></w:r>'
        # LibreOffice ignores \s (restart at each Heading 1) and numbers through; \r 1 on each chapter's
        # first caption restarts both.
        restart = b" \\r 1" if number == b"1" else b""
        return (label % (kind + b" " + chapter)
                + b'<w:fldSimple w:instr=" SEQ %s \\* ARABIC \\s 1%s ">' % (kind, restart)
                + (label % number) + b"</w:fldSimple>")
    return _CAPTION_NUMBER.sub(field, document)


class _Rewriter(HTMLParser):
    """Copies the HTML through, token by token, changing only what Word needs changed.

    - `<img>`: a data: URI of a regular file under an allowed folder, else its alt text;
    - `section.cover` and `section.title-page`: dropped, pandoc's title block (from the metadata) opens the
      document instead; `nav` (contents, lists of tables and figures): dropped, its page numbers come from
      print CSS and Word's navigation pane does the job; `details.chart-data`: dropped, as in print;
    - `span.footnote` (the print stage's inline notes): a note reference here, its text in an EPUB footnote
      `aside` at the end of the body.
    """

    # Tag -> the classes that mark it for dropping (None: drop every one).
    SKIPPED: ClassVar[dict[str, set[str] | None]] = {
        "section": {"cover", "title-page"}, "details": {"chart-data"}, "nav": None}

    def __init__(self, base_folder: Path, allowed_folders: list[Path]):
        super().__init__(convert_charrefs=False)
        self.base_folder = base_folder
        self.allowed = allowed_folders
        self.document: list[str] = []
        self.out = self.document
        self.skipping: tuple[str, int] | None = None  # the tag being skipped, and how deep we are in it
        self.note: tuple[list[str], int] | None = None  # the footnote's text so far, and the span depth
        self.notes: list[str] = []
        self.notes_written = False

    def result(self) -> str:
        if not self.notes_written:  # a fragment with no </body>
            self._write_notes()
        return "".join(self.document)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, self.get_starttag_text() or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, self.get_starttag_text() or "", void=True)

    def _start(self, tag: str, attrs: list[tuple[str, str | None]], raw: str, void: bool = False) -> None:
        if self.skipping:
            if tag == self.skipping[0] and not void:
                self.skipping = (tag, self.skipping[1] + 1)
            return
        classes = set((dict(attrs).get("class") or "").split())
        marks = self.SKIPPED.get(tag, set())
        if tag in self.SKIPPED and not void and (marks is None or classes & marks):
            self.skipping = (tag, 1)
        elif tag == "img":
            self.out.append(self._image(dict(attrs)))
        elif self.note and tag == "span" and not void:
            self.note = (self.note[0], self.note[1] + 1)
            self.out.append(raw)
        elif tag == "span" and "footnote" in classes and not void:
            self.notes.append("")
            number = len(self.notes)
            self.out.append(f'<a epub:type="noteref" href="#{NOTE_ID}{number}">{number}</a>')
            self.note = ([], 1)
            self.out = self.note[0]
        else:
            self.out.append(raw)

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if tag == self.skipping[0]:
                depth = self.skipping[1] - 1
                self.skipping = (tag, depth) if depth else None
            return
        if self.note and tag == "span":
            text, depth = self.note
            if depth > 1:
                self.note = (text, depth - 1)
                self.out.append(f"</{tag}>")
                return
            # The print stage leaves a no-break space after each note's text; a Word note needs none.
            self.notes[-1] = re.sub(r"(?:\s|&nbsp;|&#160;|&#xa0;)+$", "", "".join(text), flags=re.IGNORECASE)
            self.note = None
            self.out = self.document
            return
        if tag == "body" and not self.notes_written:
            self._write_notes()
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        self.handle_data(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.handle_data(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        pass  # nothing for Word

    def handle_decl(self, decl: str) -> None:
        self.handle_data(f"<!{decl}>")

    def _write_notes(self) -> None:
        self.document.extend(f'<aside epub:type="footnote" id="{NOTE_ID}{number}"><p>{text}</p></aside>'
                             for number, text in enumerate(self.notes, start=1))
        self.notes_written = True

    def _image(self, attrs: dict[str, str | None]) -> str:
        alt = html.escape(attrs.get("alt") or "")
        source = self._data_uri(attrs.get("src") or "")
        return f'<img alt="{alt}" src="{source}">' if source else alt

    def _data_uri(self, src: str) -> str | None:
        """The image as a data: URI if it is a project file pandoc may have; None for anything else."""
        parts = urlsplit(src)
        if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
            return None
        path = (self.base_folder / unquote(parts.path)).resolve()
        if path.suffix.lower() == ".svg" and path.with_suffix(".png").is_file():
            # A chart drawn as PNG too: Word before 2016 and LibreOffice show no SVG in a document.
            path = path.with_suffix(".png")
        kind = IMAGE_TYPES.get(path.suffix.lower())
        if kind is None or not is_readable_asset(path, self.allowed):
            return None
        return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"
