"""`strategy import submission`: a partner's Word document becomes a partner input, field by field.

The DOCX files are made here, as a partner's would be: pandoc writes one from Markdown (headings, emphasis,
nested and numbered lists, an aligned table, a footnote, a picture), then its XML is edited the way Word
writes what pandoc cannot: a comment with a reply, a tracked insertion and deletion, a text box. The hostile
files are made the same way, each with one thing wrong.
"""

from __future__ import annotations

import io
import re
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path

import pypandoc
import pytest
import yaml

from conftest import copy_built, copy_project, strategy

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NEXT_ID = "PI-047"  # the bundled example has PI-001 to PI-046

SUBMISSION = """\
---
title: Submission of the Government of Luxembourg
---

# Our vision

Social protection floors are *national* systems, paid for **at home**.[^cost]

-   Health first
    -   maternity care included
-   Durable financing

1.  Assess the gaps
2.  Close them

| Country | People covered |
|:--------|---------------:|
| Togo    |         12,439 |
| Benin   |              5 |

![A red square standing for the map of coverage](red.png)

## Lessons

COMMENT-PARAGRAPH

TEXT-BOX-PARAGRAPH

# Priorities for Phase III

-   Extending coverage to workers in the informal economy, with schemes that fit their working lives.
-   Sustainable and equitable financing of every national floor.
-   Better reporting for partners.

# Key message

"Floors are built at home, not abroad."

[^cost]: Domestic resources, that is.
"""

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
COMMENT_PARAGRAPH = (
    '<w:p><w:r><w:t xml:space="preserve">We ask for </w:t></w:r><w:commentRangeStart w:id="0"/>'
    '<w:r><w:t>durable national financing</w:t></w:r><w:commentRangeEnd w:id="0"/>'
    '<w:r><w:commentReference w:id="0"/></w:r><w:r><w:t xml:space="preserve"> in every country</w:t></w:r>'
    '<w:ins w:id="5" w:author="Ana Diaz" w:date="2025-02-11T10:00:00Z"><w:r><w:t xml:space="preserve"> we '
    'support</w:t></w:r></w:ins><w:del w:id="6" w:author="Ana Diaz" w:date="2025-02-11T10:01:00Z"><w:r>'
    '<w:delText xml:space="preserve"> and beyond our borders</w:delText></w:r></w:del><w:r><w:t>.</w:t></w:r></w:p>')
COMMENTS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:comments {W_NS} '
    'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml">'
    '<w:comment w:id="0" w:author="Jane Roe" w:date="2025-02-10T09:30:00Z" w:initials="JR">'
    '<w:p w14:paraId="1A2B3C4D"><w:r><w:t>Should we say how much?</w:t></w:r></w:p></w:comment>'
    '<w:comment w:id="1" w:author="Ana Diaz" w:date="2025-02-10T11:00:00Z" w:initials="AD">'
    '<w:p w14:paraId="5E6F7A8B"><w:r><w:t>No, keep it general.</w:t></w:r></w:p></w:comment></w:comments>')
COMMENTS_EXTENDED = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w15:commentsEx xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml">'
    '<w15:commentEx w15:paraId="1A2B3C4D" w15:done="0"/>'
    '<w15:commentEx w15:paraId="5E6F7A8B" w15:paraIdParent="1A2B3C4D" w15:done="0"/></w15:commentsEx>')
TEXT_BOX_PARAGRAPH = (
    '<w:p><w:r><mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
    '<mc:Choice xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" Requires="wps">'
    '<w:drawing><wp:anchor xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="1" behindDoc="0" locked="0" '
    'layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/><wp:positionH relativeFrom="column">'
    '<wp:posOffset>0</wp:posOffset></wp:positionH><wp:positionV relativeFrom="paragraph"><wp:posOffset>0'
    '</wp:posOffset></wp:positionV><wp:extent cx="1000000" cy="500000"/><wp:wrapNone/>'
    '<wp:docPr id="90" name="Text Box 90"/><a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
    '<a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp>'
    '<wps:cNvSpPr txBox="1"/><wps:spPr/><wps:txbx><w:txbxContent><w:p><w:r><w:t>Boxed aside text</w:t></w:r>'
    '</w:p></w:txbxContent></wps:txbx><wps:bodyPr/></wps:wsp></a:graphicData></a:graphic></wp:anchor>'
    '</w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml" id="tb90">'
    '<v:textbox><w:txbxContent><w:p><w:r><w:t>Boxed aside text</w:t></w:r></w:p></w:txbxContent></v:textbox>'
    '</v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r><w:r><w:t>Text after the box.</w:t></w:r></w:p>')
COMMENTS_EXTENDED_RELATIONSHIP = (
    '<Relationship Id="rIdX1" Type="http://schemas.microsoft.com/office/2011/relationships/commentsExtended" '
    'Target="commentsExtended.xml"/>')


def png(width: int = 4, height: int = 3) -> bytes:
    """A real PNG picture, red, of the given size."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (PNG_SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def pandoc_docx(markdown: str, folder: Path) -> bytes:
    """A DOCX as pandoc writes it from Markdown (pictures read from `folder`)."""
    (folder / "red.png").write_bytes(png())
    done = subprocess.run([pypandoc.get_pandoc_path(), "--from=markdown", "--to=docx", "--output=-"],
                          input=markdown.encode(), capture_output=True, cwd=folder, check=True)
    return done.stdout


def edited(docx: bytes, paragraphs: dict[str, str] = {}, parts: dict[str, bytes | str] = {},
           relationships: str = "", content_types: str = "", names: dict[str, str] = {}) -> bytes:
    """The package with each paragraph holding a marker replaced by raw XML, parts added or replaced,
    relationships and content types added, and entries renamed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            if entry.filename in parts:
                continue
            data = source.read(entry)
            if entry.filename == "word/document.xml":
                text = data.decode()
                for marker, xml in paragraphs.items():
                    text, count = re.subn(r"<w:p>(?:(?!<w:p>).)*?" + marker + r".*?</w:p>", lambda m: xml, text,
                                          count=1, flags=re.S)
                    assert count == 1, marker
                data = text.encode()
            elif entry.filename == "word/_rels/document.xml.rels":
                data = data.replace(b"</Relationships>", relationships.encode() + b"</Relationships>")
            elif entry.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", content_types.encode() + b"</Types>")
            target.writestr(names.get(entry.filename, entry.filename), data)
        for name, data in parts.items():
            target.writestr(name, data)
    return out.getvalue()


def submission_docx(folder: Path) -> Path:
    """The partner's submission: everything pandoc writes, plus a comment with a reply, tracked changes and
    a text box, as Word writes them."""
    docx = edited(pandoc_docx(SUBMISSION, folder),
                  paragraphs={"COMMENT-PARAGRAPH": COMMENT_PARAGRAPH, "TEXT-BOX-PARAGRAPH": TEXT_BOX_PARAGRAPH},
                  parts={"word/comments.xml": COMMENTS, "word/commentsExtended.xml": COMMENTS_EXTENDED},
                  relationships=COMMENTS_EXTENDED_RELATIONSHIP)
    path = folder / "Luxembourg submission.docx"
    path.write_bytes(docx)
    return path


def import_args(path: Path, root: Path, *extra: str, partner: str = "luxembourg",
                themes: str = "financing,social-health-protection") -> list[str]:
    return ["import", "submission", str(path), "--partner", partner, "--consent", "named", "--themes", themes,
            "--received", "2025-02-10", "--timing", "before-meeting", "--project", str(root), *extra]


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory):
    """The submission imported once into a copy of the example: (root, the command's run, the record)."""
    root = copy_project(tmp_path_factory.mktemp("import"))
    path = submission_docx(tmp_path_factory.mktemp("sent"))
    run = strategy(*import_args(path, root))
    assert run.returncode == 0, run.stderr
    written = root / "inputs" / "partner-inputs" / f"{NEXT_ID}.yaml"
    return root, run, yaml.safe_load(written.read_text(encoding="utf-8")), written


def test_the_command_prints_the_new_id_and_what_it_could_not_carry_over(imported):
    root, run, record, written = imported
    assert run.stdout.splitlines()[0] == f"{NEXT_ID}: inputs/partner-inputs/{NEXT_ID}.yaml, from Luxembourg submission.docx"
    assert "not carried over: 1 text box dropped" in run.stderr
    assert "not carried over: the document's title ('Submission of the Government of Luxembourg')" in run.stderr
    assert "kept: 2 comments and 2 tracked changes kept as the input's notes (for the drafting team, never in its text)" in run.stdout
    # The third proposal names no priority, and the field is left for the author, not guessed.
    assert "left for the author: priorities[2].priority (it names no priority of priorities.yaml)" in run.stderr


def test_the_options_and_the_file_become_the_record_s_fields(imported):
    _, _, record, _ = imported
    assert record["id"] == NEXT_ID
    assert record["partner"] == "luxembourg"
    assert record["consent"] == "named"
    assert record["themes"] == ["financing", "social-health-protection"]
    assert str(record["received"]) == "2025-02-10"
    assert record["timing"] == "before-meeting"
    assert record["channel"] == "written-submission"
    assert record["imported_from"] == "Luxembourg submission.docx"
    assert "illustrative" not in record


def test_the_vision_is_the_body_as_markdown_with_headings_under_the_input_s(imported):
    _, _, record, _ = imported
    vision = record["vision"]
    # The "Our vision" heading opens the field itself; "Lessons" (level 2) becomes ##### under it.
    assert "Our vision" not in vision
    assert "\n##### Lessons\n" in vision
    assert "Social protection floors are *national* systems, paid for **at home**.[^1]" in vision
    assert "[^1]: Domestic resources, that is." in vision
    assert "-   Health first\n    -   maternity care included\n-   Durable financing" in vision
    assert "1.  Assess the gaps\n2.  Close them" in vision
    assert "|:--------|---------------:|" in vision.replace("-", "-")  # left and right alignment kept
    assert re.search(r"\| Togo +\| +12,439 \|", vision)
    assert f"![A red square standing for the map of coverage]({NEXT_ID}/image1.png)" in vision
    # Accepted text: the insertion in, the deletion out; the comment's words are not in the text.
    assert "We ask for durable national financing in every country we support." in vision
    assert "beyond our borders" not in vision and "Should we say" not in vision
    # The text box's words are not carried over (named above), the paragraph's own text is.
    assert "Boxed aside text" not in vision and "Text after the box." in vision


def test_priorities_and_key_quote_come_from_their_headings(imported):
    _, _, record, _ = imported
    assert record["priorities"] == [
        {"priority": "informal-economy", "proposal": "Extending coverage to workers in the informal economy, "
                                                     "with schemes that fit their working lives."},
        {"priority": "sustainable-financing", "proposal": "Sustainable and equitable financing of every national "
                                                          "floor."},
        {"proposal": "Better reporting for partners."},
    ]
    assert record["key_quote"] == "Floors are built at home, not abroad."
    assert "country_experience" not in record


def test_comments_with_replies_and_tracked_changes_become_notes(imported):
    _, _, record, _ = imported
    notes = [{k: str(v) if k == "date" else v for k, v in n.items()} for n in record["notes"]]
    assert notes == [
        {"kind": "comment", "text": "Should we say how much?", "author": "Jane Roe", "date": "2025-02-10",
         "anchor": "durable national financing"},
        {"kind": "comment", "text": "No, keep it general.", "author": "Ana Diaz", "date": "2025-02-10",
         "reply_to": 1},
        {"kind": "insertion", "text": "we support", "author": "Ana Diaz", "date": "2025-02-11"},
        {"kind": "deletion", "text": "and beyond our borders", "author": "Ana Diaz", "date": "2025-02-11"},
    ]


def test_the_picture_is_written_beside_the_input(imported):
    root, _, _, _ = imported
    folder = root / "inputs" / "partner-inputs" / NEXT_ID
    assert sorted(p.name for p in folder.iterdir()) == ["image1.png"]
    assert (folder / "image1.png").read_bytes() == png()


def test_check_names_the_priority_left_for_the_author_and_nothing_else(imported):
    root, _, _, written = imported
    run = strategy("check", "--project", str(root))
    assert run.returncode == 1
    problems = [line.strip() for line in run.stderr.splitlines() if line.startswith("  ")]
    line = next(n for n, text in enumerate(written.read_text().splitlines(), 1) if "Better reporting" in text)
    assert problems == [f"inputs/partner-inputs/{NEXT_ID}.yaml:{line}: field 'priorities[2].priority': expected "
                        "a value: this field is required; found nothing"]


# --- hostile and damaged files: a clear problem naming the file, and nothing written ----------------------

EXTERNAL_IMAGE = ('<Relationship Id="rIdEvil" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                  'relationships/image" Target="http://127.0.0.1:9/tracker.png" TargetMode="External"/>')
FILE_LINK = ('<Relationship Id="rIdFile" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
             'relationships/hyperlink" Target="file:///etc/passwd" TargetMode="External"/>')
MACRO_TYPE = ('<Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.'
              'macroEnabled.main+xml"/>')


def _zip_bomb(docx: bytes) -> bytes:
    return edited(docx, parts={"word/media/zeros.png": b"\0" * (30 * 2**20)})


def _many_entries(docx: bytes) -> bytes:
    return edited(docx, parts={f"customXml/item{n}.xml": "<a/>" for n in range(1001)})


HOSTILE = {
    "not-a-zip": (lambda docx: b"This is plain text with a .docx name.", "a file that is not a zip package"),
    "word-97": (lambda docx: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "a Word 97-2003 document"),
    "zip-bomb": (_zip_bomb, "times, over the limit of 100 (a zip bomb?)"),
    "too-many-entries": (_many_entries, "a zip of 1,0"),
    "external-image": (lambda docx: edited(docx, relationships=EXTERNAL_IMAGE),
                       "an image fetched from outside the document"),
    "link-to-a-file": (lambda docx: edited(docx, relationships=FILE_LINK), "a link to a file outside the document"),
    "embedded-object": (lambda docx: edited(docx, parts={"word/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0"}),
                        "an embedded object (word/embeddings/oleObject1.bin)"),
    "macros": (lambda docx: edited(docx, parts={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"},
                                   content_types=MACRO_TYPE), "a macro-enabled document"),
    "dtd": (lambda docx: edited(docx, parts={"word/comments.xml": '<!DOCTYPE w [<!ENTITY a "aaaa">]><w:comments '
                                              f'{W_NS}/>'}), "a part with a DTD (word/comments.xml)"),
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_project(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def plain_docx(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return pandoc_docx("# Vision\n\nA plain submission.\n", tmp_path_factory.mktemp("plain"))


def _partner_inputs(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "inputs" / "partner-inputs").iterdir())


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_file_is_refused_by_name_and_nothing_is_written(case, project, plain_docx, tmp_path):
    make, says = HOSTILE[case]
    path = tmp_path / f"{case}.docx"
    path.write_bytes(make(plain_docx))
    before = _partner_inputs(project)
    run = strategy(*import_args(path, project))
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Internal error" not in run.stderr and "Traceback" not in run.stderr
    line = next(line for line in run.stderr.splitlines() if says in line)
    assert line.strip().startswith(f"{path}: expected a Word document (.docx)") and "nothing was written" in line
    assert _partner_inputs(project) == before


def test_a_macro_enabled_file_name_is_refused(project, plain_docx, tmp_path):
    path = tmp_path / "submission.docm"
    path.write_bytes(plain_docx)
    run = strategy(*import_args(path, project))
    assert run.returncode == 1
    assert f"{path}: expected a Word document (.docx)" in run.stderr and "a macro-enabled document (.docm)" in run.stderr


def test_a_web_link_is_kept_as_text_and_the_plain_file_imports(project, tmp_path):
    path = tmp_path / "linked.docx"
    path.write_bytes(pandoc_docx("See [our report](https://example.net/report) on [this page](#top).\n", tmp_path))
    root = copy_project(tmp_path / "copy")
    run = strategy(*import_args(path, root))
    assert run.returncode == 0, run.stderr
    record = yaml.safe_load((root / "inputs" / "partner-inputs" / f"{NEXT_ID}.yaml").read_text())
    assert record["vision"] == "See our report (https://example.net/report) on this page."
    assert record["priorities"] == []
    assert "left for the author: priorities (no list under a heading that says \"Priorities\")" in run.stderr
    assert "left for the author: key_quote (optional" in run.stderr


@pytest.mark.parametrize(("options", "says"), [
    ({"partner": "luxemburg"}, "inputs/partners.yaml: field '--partner': expected a partner ID of this file (did "
                               "you mean 'luxembourg'?); found 'luxemburg'; nothing was written"),
    ({"themes": "financing,helth"}, "inputs/thematic-areas.yaml: field '--themes': expected thematic area IDs of "
                                    "this file; found 'helth'"),
])
def test_an_unknown_partner_or_theme_is_named_with_a_guess(options, says, project, plain_docx, tmp_path):
    path = tmp_path / "plain.docx"
    path.write_bytes(plain_docx)
    before = _partner_inputs(project)
    run = strategy(*import_args(path, project, **options))
    assert run.returncode == 1
    assert says in run.stderr
    assert _partner_inputs(project) == before


def test_a_date_that_does_not_exist_is_a_problem(project, plain_docx, tmp_path):
    path = tmp_path / "plain.docx"
    path.write_bytes(plain_docx)
    args = import_args(path, project)
    args[args.index("2025-02-10")] = "2025-02-30"
    run = strategy(*args)
    assert run.returncode == 1
    assert "command line: field '--received': expected a date written YYYY-MM-DD that exists; found '2025-02-30'" \
        in run.stderr


def test_an_svg_picture_comes_in_as_the_png_word_keeps_beside_it(tmp_path):
    """pandoc would take the SVG, which may hold a script; the import takes Word's PNG copy instead."""
    svg_blip = ('<a:extLst><a:ext uri="{96DAC541-7B7A-43D3-8B79-37D633B846F1}"><asvg:svgBlip xmlns:asvg='
                '"http://schemas.microsoft.com/office/drawing/2016/SVG/main" r:embed="rIdSvg"/></a:ext></a:extLst>')
    docx = pandoc_docx("# Vision\n\nA chart: ![Coverage by region](red.png)\n", tmp_path)
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        document = package.read("word/document.xml").decode()
    document, count = re.subn(r'(<a:blip r:embed="[^"]+")\s*/>', lambda m: m[1] + ">" + svg_blip + "</a:blip>",
                              document)
    assert count == 1
    path = tmp_path / "svg.docx"
    path.write_bytes(edited(docx, parts={
        "word/document.xml": document,
        "word/media/image9.svg": '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'},
        relationships='<Relationship Id="rIdSvg" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                      'relationships/image" Target="media/image9.svg"/>'))
    root = copy_project(tmp_path / "copy")
    run = strategy(*import_args(path, root))
    assert run.returncode == 0, run.stderr
    record = yaml.safe_load((root / "inputs" / "partner-inputs" / f"{NEXT_ID}.yaml").read_text())
    assert record["vision"] == f"A chart: ![Coverage by region]({NEXT_ID}/image1.png)"
    assert (root / "inputs" / "partner-inputs" / NEXT_ID / "image1.png").read_bytes() == png()
    assert "not carried over" not in run.stderr


GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00"
       b"\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")


def test_what_markdown_cannot_hold_is_named(tmp_path):
    """A GIF picture, a cell with two paragraphs, a merged cell: each named, the text kept."""
    (tmp_path / "dot.gif").write_bytes(GIF)
    html = ('<h1>Vision</h1><p>Text <img src="dot.gif" alt="a dot"> here.</p><table><tr><th>Name</th>'
            '<th style="text-align:right">Count</th></tr><tr><td><p>first</p><p>second</p></td><td style="text-align:right">2</td></tr>'
            '<tr><td colspan="2">across</td></tr></table>')
    done = subprocess.run([pypandoc.get_pandoc_path(), "--from=html", "--to=docx", "--output=-"],
                          input=html.encode(), capture_output=True, cwd=tmp_path, check=True)
    path = tmp_path / "awkward.docx"
    path.write_bytes(done.stdout)
    root = copy_project(tmp_path / "copy")
    run = strategy(*import_args(path, root))
    assert run.returncode == 0, run.stderr
    assert "not carried over: 1 picture in GIF format dropped: only PNG and JPEG pictures are carried over" in run.stderr
    assert "not carried over: 1 table cell with several paragraphs or a list put on one line" in run.stderr
    assert "not carried over: 1 merged table cell split (the text stays in the first cell)" in run.stderr
    record = yaml.safe_load((root / "inputs" / "partner-inputs" / f"{NEXT_ID}.yaml").read_text())
    assert record["vision"].splitlines() == [
        "Text here.", "", "| Name          | Count |", "|---------------|------:|", "| first; second |     2 |",
        "| across        |       |"]
    assert not (root / "inputs" / "partner-inputs" / NEXT_ID).exists()


def test_an_imported_submission_builds_into_the_site(built, tmp_path):
    """Once the author has coded the one proposal left open, the input builds; its text is on the site, and
    its notes are not (they are for the drafting team). Built in a copy of the session's build: the site is made
    again whole, the PDF's unchanged chapters come from the render cache."""
    root = copy_built(built, tmp_path / "copy")
    assert strategy(*import_args(submission_docx(tmp_path), root)).returncode == 0
    written = root / "inputs" / "partner-inputs" / f"{NEXT_ID}.yaml"
    text = written.read_text(encoding="utf-8")
    written.write_text(text.replace("- proposal: Better reporting",
                                    "- priority: sustainable-financing\n  proposal: Better reporting"), encoding="utf-8")
    assert strategy("check", "--project", str(root)).returncode == 0
    run = strategy("build", "--project", str(root))
    assert run.returncode == 0, run.stderr
    pages = b"\n".join(p.read_bytes() for p in (root / "site").rglob("*.html"))
    for words in ("We ask for durable national financing in every country we support.", "Lessons", "12,439",
                  "Domestic resources, that is.", "Better reporting for partners."):
        assert words.encode() in pages, words
    for note in ("Should we say how much?", "No, keep it general.", "beyond our borders", "Boxed aside text"):
        assert note.encode() not in pages, note
