"""A partner input's own Markdown, as a Word submission brings it (issue 9, part 1): hostile cases.

Headings, tables, footnotes and images are allowed in an input's vision and country experience; these cases
try to make them do more. Images come only from the input's own folder (`inputs/partner-inputs/PI-047/`):
a path out of it, an absolute path, a URL, a data: URI or another input's image shows the alt text. The
folder holds PNG and JPEG files only: anything else there is a problem that names it; a folder named after no
input is refused, as before. The build case plants canaries in a withheld input (in its text, in its image's
bytes and alt text, and in its Word comments) and in every image a hostile reference points at: none may
reach a partners build, in the site, the PDFs or the Word version.
"""

from __future__ import annotations

import io
from pathlib import Path

import yaml
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from corpus import Case

SHOWN = "PI-047"  # named: every build shows it
WITHHELD = "PI-048"
FOLDER = "inputs/partner-inputs"

IMAGE_CANARY = "PMD-CANARY-WITHHELD-IMAGE"  # inside the withheld input's PNG (a text chunk)
ALT_CANARY = "PMD-CANARY-WITHHELD-ALT"
TEXT_CANARY = "PMD-CANARY-WITHHELD-TEXT"
NOTE_CANARY = "PMD-CANARY-PARTNERS-NOTE"  # a Word comment of the shown input: internal builds only
STRAY_CANARY = "PMD-CANARY-UNREFERENCED-IMAGE"  # an image in the shown input's folder that its text never shows


def png(colour: tuple[int, int, int] = (30, 45, 190), comment: str = "", size: tuple[int, int] = (240, 90)) -> bytes:
    """A small PNG; `comment` goes into a tEXt chunk, so that the file's bytes carry it wherever it goes."""
    info = PngInfo()
    if comment:
        info.add_text("Comment", comment)
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def jpeg(colour: tuple[int, int, int] = (0, 107, 79)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 60), colour).save(out, "JPEG", quality=80)
    return out.getvalue()


def write_input(root: Path, input_id: str, vision: str, *, consent: str = "named", partner: str = "luxembourg",
                images: dict[str, bytes] | None = None, notes: list[dict] | None = None) -> Path:
    """A partner input as the importer writes it, with its image folder beside it."""
    record = {"id": input_id, "partner": partner, "received": "2025-03-20", "timing": "before-meeting",
              "channel": "written-submission", "consent": consent, "themes": ["financing"],
              "priorities": [{"priority": "sustainable-financing", "proposal": "Fund the floor."}],
              "vision": vision, "imported_from": f"{input_id.lower()}-submission.docx", "notes": notes or []}
    path = root / FOLDER / f"{input_id}.yaml"
    path.write_text(yaml.safe_dump(record, sort_keys=False, allow_unicode=True, width=10**6), encoding="utf-8")
    for name, data in (images or {}).items():
        (root / FOLDER / input_id).mkdir(exist_ok=True)
        (root / FOLDER / input_id / name).write_bytes(data)
    return path


# The text of an imported submission: everything the importer writes, and everything a partner could try.
SUBMISSION = """#### A floor for every worker

Our vision rests on *three* commitments[^1], which the table sets out[^2].

- Universal coverage
    - including informal workers
- Durable financing

1. Map the gaps
2. Close them

| Country | Share covered | Change |
|:--|--:|:-:|
| Togo | 41.5% | up |
| Cabo \\| Verde | 12.0% | <script>alert(1)</script> |

![Coverage by region, 2024](PI-047/coverage.png)

![A photograph of the meeting](PI-047/meeting.jpg)

##### Financing

# Injected top-level heading

Escapes: ![passwd](/etc/passwd) ![up](../PI-048/secret.png) ![traversal](PI-047/../PI-048/secret.png)
![remote](http://example.org/tracker.png) ![data](data:image/png;base64,iVBORw0KGgo=)
![other input](PI-048/secret.png) ![missing](PI-047/nothing.png) ![svg](PI-047/drawing.svg)

<img src="PI-047/coverage.png" onerror="alert(1)"> [a link](javascript:alert(1)) and {{ quote("PI-048") }}

[^1]: As our board agreed in 2024.
[^2]: Figures from our own survey.
"""

# A second input that also numbers its notes from 1: the two must not share a footnote.
SECOND = """Another view[^1] with its own note.

[^1]: The second input's own note.
"""

WITHHELD_VISION = f"""{TEXT_CANARY} stays internal.

![{ALT_CANARY}]({WITHHELD}/secret.png)
"""

NOTES = [{"kind": "comment", "text": f"{NOTE_CANARY}: check this figure with the ministry.", "author": "A. Partner",
          "date": "2025-03-18", "anchor": "41.5%"},
         {"kind": "deletion", "text": "a sentence the partner deleted", "author": "A. Partner"}]


def plant_submissions(root: Path) -> None:
    """The shown input with its images (and one its text never shows), a second input with a footnote of
    the same label, and a withheld input with an image, each written as the importer would."""
    write_input(root, SHOWN, SUBMISSION, images={"coverage.png": png(), "meeting.jpg": jpeg(),
                                                 "stray.png": png(comment=STRAY_CANARY)}, notes=NOTES)
    write_input(root, "PI-049", SECOND, partner="belgium")
    write_input(root, WITHHELD, WITHHELD_VISION, consent="withheld",
                images={"secret.png": png((200, 0, 0), comment=IMAGE_CANARY)})


def _with(make_folder):
    def make(root: Path) -> None:
        write_input(root, SHOWN, "Text.", images={"coverage.png": png()})
        make_folder(root / FOLDER / SHOWN)
    return make


def _link_to_passwd(folder: Path) -> None:
    (folder / "passwd.png").symlink_to("/etc/passwd")


CASES = [
    Case("partner-markdown-valid-submission", "partner-markdown", plant_submissions, "valid"),
    Case("partner-markdown-folder-of-no-input", "partner-markdown",
         lambda root: (root / FOLDER / "PI-099").mkdir(), "problem", f"{FOLDER}/PI-099",
         says="a folder of pictures is named after its input"),
    Case("partner-markdown-svg-in-image-folder", "partner-markdown",
         _with(lambda folder: (folder / "drawing.svg").write_text("<svg onload='alert(1)'/>")), "problem",
         f"{FOLDER}/{SHOWN}/drawing.svg", says="a PNG or JPEG picture"),
    Case("partner-markdown-html-named-png", "partner-markdown",
         _with(lambda folder: (folder / "page.png").write_text("<script>alert(1)</script>")), "problem",
         f"{FOLDER}/{SHOWN}/page.png", says="bytes are not a PNG picture"),
    Case("partner-markdown-symlink-out-of-image-folder", "partner-markdown", _with(_link_to_passwd), "problem",
         f"{FOLDER}/{SHOWN}/passwd.png", says="a symbolic link"),
    Case("partner-markdown-build-keeps-withheld-images-and-notes-out", "partner-markdown-build", plant_submissions,
         "valid", command="build", seconds=300,
         canaries=(IMAGE_CANARY, ALT_CANARY, TEXT_CANARY, NOTE_CANARY, STRAY_CANARY)),
]
