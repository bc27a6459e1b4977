"""What `strategy check` keeps between runs in the work folder (.build/cache/): answers that take long to work
out, each in a file of its own under the hash of everything it follows from.

A check is run again and again while nothing, or little, changes. Rendering the chapters that comments cite
(to learn their paragraph numbers), reading the acronyms the records' values and the chapters' code may give,
and, when one of those is new, making every generated chapter (to read its acronyms) are most of the check of
a large project; each answer is kept with its key and reused only when the key is the same. A record
that is damaged or for other sources is worked out again, and a check never fails for a cache it cannot write.
Only what the check reports anyway is kept (numbers, acronyms and the file and line of each): no partner text.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

# The suffixes of the files whose bytes count; of the others, only their names and sizes (pictures, fonts).
TEXT_SUFFIXES = (".md", ".yml", ".yaml", ".csv", ".py", ".css", ".html", ".js", ".json", ".txt")


def kept(work: Path, name: str, key: str, make: Callable[[], T | None], load: Callable[[Any], T],
         dump: Callable[[T], Any]) -> T | None:
    """`make()`, kept in work/cache/<name>.json under `key`; `load` turns the stored JSON back into the answer
    (raising ValueError, KeyError or TypeError when it is not one), `dump` the answer into JSON. None (no
    answer) is never kept."""
    path = work / "cache" / f"{name}.json"
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored["key"] == key:
            return load(stored["value"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    answer = make()
    if answer is not None:
        from .files import replace_atomically

        try:
            replace_atomically(path, json.dumps({"key": key, "value": dump(answer)}).encode())
        except OSError:
            pass
    return answer


def new_key(version: str) -> "hashlib._Hash":
    return hashlib.sha256(version.encode())


def add(digest: "hashlib._Hash", name: str, content: bytes) -> None:
    """One named part of a key. Lengths first, so that no two different sets of parts run together."""
    encoded = name.encode("utf-8", "surrogateescape")
    digest.update(b"%d:%s%d:" % (len(encoded), encoded, len(content)))
    digest.update(content)


def add_files(digest: "hashlib._Hash", base: Path, skip: Path | None = None) -> None:
    """Every file under `base` (not `skip`, nor compiled code): the bytes of text files, the sizes of others."""
    for folder, folders, names in os.walk(base):
        folders[:] = sorted(f for f in folders if f != "__pycache__" and Path(folder, f) != skip)
        for name in sorted(names):
            path = os.path.join(folder, name)
            shown = os.path.relpath(path, base).replace(os.sep, "/")
            try:
                if name.lower().endswith(TEXT_SUFFIXES):
                    with open(path, "rb") as file:
                        add(digest, shown, file.read())
                elif os.path.isfile(path):
                    add(digest, shown, b"%d" % os.path.getsize(path))
            except OSError:
                add(digest, shown, b"unreadable")


def add_code(digest: "hashlib._Hash") -> None:
    """This package's files and Python-Markdown's version: what the answers are worked out by (the render
    cache's own fingerprints, cache.py)."""
    from .cache import package_fingerprint, versions

    add(digest, "package", package_fingerprint().encode())
    add(digest, "libraries", json.dumps(versions("markdown", "pymdown-extensions"), sort_keys=True).encode())
