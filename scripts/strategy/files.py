"""Writing an output file so that no reader ever sees half of it."""

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


def path_order(path: Path) -> tuple[str, ...]:
    """The order in which Paths sort themselves (by their parts, case-blind where the system is), as a key: worked
    out once per path rather than once per comparison, which is most of sorting ten thousand inputs."""
    return path.parts if os.name != "nt" else tuple(part.lower() for part in path.parts)
