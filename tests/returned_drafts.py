"""Returned review drafts made as Word makes them: comments on known sentences, and replies in a thread.

python-docx writes the comments and their ranges; Word's thread part (commentsExtended.xml, which python-docx
does not write) is added here the way Word 2013 and later write it: each comment's last paragraph gets a
w14:paraId, and a reply's entry names its parent's paragraph.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import docx

W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
W15 = "http://schemas.microsoft.com/office/word/2012/wordml"
EXTENDED_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.commentsExtended+xml"
EXTENDED_REL = "http://schemas.microsoft.com/office/2011/relationships/commentsExtended"


@dataclass(frozen=True)
class Remark:
    """A comment to leave on the first paragraph containing `on` (on the whole of that run of text)."""

    on: str
    text: str
    author: str = "A. Reviewer"
    reply_to: int | None = None  # index in the list of remarks


def comment_on(source: Path, remarks: list[Remark], target: Path) -> None:
    """Write `target`: the DOCX `source` with `remarks` left on it, as a reviewer in Word would."""
    document = docx.Document(str(source))
    made = []
    for remark in remarks:
        paragraph = next((p for p in _paragraphs(document) if remark.on in p.text), None)
        if paragraph is None:
            raise AssertionError(f"no paragraph of {source} contains {remark.on!r}")
        runs = [run for run in paragraph.runs if run.text] or paragraph.runs
        made.append(document.add_comment(runs, text=remark.text, author=remark.author, initials="AR"))
    buffer = io.BytesIO()
    document.save(buffer)
    target.write_bytes(_with_threads(buffer.getvalue(), remarks))


def _paragraphs(document):
    yield from document.paragraphs
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from cell.paragraphs


def _with_threads(package: bytes, remarks: list[Remark]) -> bytes:
    """The package with paragraph IDs on the comments and commentsExtended.xml naming each reply's parent."""
    if not any(r.reply_to is not None for r in remarks):
        return package
    source = zipfile.ZipFile(io.BytesIO(package))
    comments = source.read("word/comments.xml").decode()
    para_ids = [f"{0x10000000 + n:08X}" for n in range(len(remarks))]
    count = iter(range(len(remarks)))
    # Each comment python-docx writes holds one paragraph: give it its ID.
    comments = re.sub(r"<w:comment\b(.*?)<w:p(?=[ >])",
                      lambda m: f'<w:comment{m[1]}<w:p w14:paraId="{para_ids[next(count)]}"', comments,
                      flags=re.S)
    if "xmlns:w14=" not in comments[:comments.find(">", comments.find("<w:comments"))]:
        comments = comments.replace("<w:comments ", f'<w:comments xmlns:w14="{W14}" ', 1)
    entries = "".join(
        f'<w15:commentEx w15:paraId="{para_ids[i]}"'
        + (f' w15:paraIdParent="{para_ids[r.reply_to]}"' if r.reply_to is not None else "")
        + ' w15:done="0"/>' for i, r in enumerate(remarks))
    extended = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w15:commentsEx xmlns:w15="{W15}">{entries}</w15:commentsEx>'
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/comments.xml":
                data = comments.encode()
            elif info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", f'<Override PartName="/word/commentsExtended.xml" '
                                    f'ContentType="{EXTENDED_TYPE}"/></Types>'.encode())
            elif info.filename == "word/_rels/document.xml.rels":
                data = data.replace(b"</Relationships>", f'<Relationship Id="rIdThreads" Type="{EXTENDED_REL}" '
                                    f'Target="commentsExtended.xml"/></Relationships>'.encode())
            target.writestr(info.filename, data)
        target.writestr("word/commentsExtended.xml", extended)
    return result.getvalue()
