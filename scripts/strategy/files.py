"""Files: writing an output so that no reader ever sees half of it, and which files a renderer may read."""

from __future__ import annotations

import os
from pathlib import Path


def replace_atomically(path: Path, content: bytes) -> None:
    """Write `content` beside `path` and rename it into place: the old file stays whole until then."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.new-{os.getpid()}")
    try:
        partial.write_bytes(content)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


# The largest file a renderer reads (an image, a font, a stylesheet): a bigger one is refused.
MAX_BYTES = 8 * 1024 * 1024


def is_readable_asset(path: Path, allowed_folders: list[Path]) -> bool:
    """Whether a renderer (WeasyPrint, pandoc) may read `path`: a regular file of at most MAX_BYTES, inside one
    of the (resolved) allowed folders once symlinks and `..` are followed."""
    path = path.resolve()
    return (any(path.is_relative_to(folder) for folder in allowed_folders) and path.is_file()
            and path.stat().st_size <= MAX_BYTES)


def path_order(path: Path) -> tuple[str, ...]:
    """The order in which Paths sort themselves (by their parts, case-blind where the system is), as a key: worked
    out once per path rather than once per comparison, which is most of sorting ten thousand inputs."""
    return path.parts if os.name != "nt" else tuple(part.lower() for part in path.parts)
