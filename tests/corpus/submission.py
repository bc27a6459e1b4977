"""Pictures of imported Word submissions: partner-inputs/PI-NNN/ beside PI-NNN.yaml holds PNG and JPEG files
only, each a real picture of its kind within the size limit; anything else there is named (issue 9)."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

from corpus import Case

ASSETS = "inputs/partner-inputs/PI-001"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (PNG_SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def _in(folder: str, files: dict[str, bytes]):
    def make(root: Path) -> None:
        (root / folder).mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (root / folder / name).write_bytes(data)
    return make


def _nested(root: Path) -> None:
    (root / ASSETS / "more").mkdir(parents=True)


def _link(root: Path) -> None:
    (root / ASSETS).mkdir(parents=True)
    os.symlink(root / "inputs" / "partners.yaml", root / ASSETS / "image1.png")


CASES = [
    Case("submission-pictures-beside-their-input", "submission-assets",
         _in(ASSETS, {"image1.png": _png(), "image2.jpg": b"\xff\xd8\xff\xe0" + b"\0" * 64}), "valid"),
    Case("submission-pictures-of-no-input", "submission-assets", _in("inputs/partner-inputs/PI-900", {"image1.png": _png()}),
         "problem", "inputs/partner-inputs/PI-900", says="a folder of pictures is named after its input"),
    Case("submission-pictures-other-file", "submission-assets", _in(ASSETS, {"notes.txt": b"hello"}),
         "problem", f"{ASSETS}/notes.txt", says="a PNG or JPEG picture of at most 5 MiB; found a file named notes.txt"),
    Case("submission-pictures-renamed-file", "submission-assets", _in(ASSETS, {"image1.png": b"GIF89a" + b"\0" * 32}),
         "problem", f"{ASSETS}/image1.png", says="bytes are not a PNG picture"),
    Case("submission-pictures-svg", "submission-assets", _in(ASSETS, {"image1.svg": b"<svg onload='x()'/>"}),
         "problem", f"{ASSETS}/image1.svg", says="a PNG or JPEG picture"),
    Case("submission-pictures-too-big", "submission-assets",
         _in(ASSETS, {"image1.png": PNG_SIGNATURE + b"\0" * (5 * 2**20 + 1)}),
         "problem", f"{ASSETS}/image1.png", says="a file of 5.0 MiB"),
    Case("submission-pictures-nested-folder", "submission-assets", _nested, "problem", f"{ASSETS}/more",
         says="found a folder named more"),
    Case("submission-pictures-symlink", "submission-assets", _link, "problem", f"{ASSETS}/image1.png",
         says="found a symbolic link"),
]
