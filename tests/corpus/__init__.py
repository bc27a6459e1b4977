"""The hostile and broken corpus (issue 8): every class of bad input, as cases that a summary test runs.

Each module in this package holds the cases of one area in a list named CASES. A case breaks a fresh copy
of the bundled example (`make(root)` edits files under `root`) and says what a user must get:

- `expect="problem"`: `strategy check` (or `strategy build`, for `command="build"`) exits 1 and names the
  file (and the line and field, when given) in one problem line, with `says` somewhere in that line;
- `expect="warning"`: the command exits 0 and names the file (line, field) in a warning line;
- `expect="valid"`: the command exits 0 (the case proves the input is read, not refused).

Whatever the case, the command must never end in "Internal error" (exit 2) or a traceback, and must finish
within `seconds`. Build cases may also list `canaries`: strings that no byte of the partners and public
builds may contain (the consent cases). `inputs_after` counts the partner inputs `strategy check` must report
(no input lost silently).

`tests/test_corpus.py` runs every case and counts the outcomes by class: internal errors, hangs, leaks, lost
inputs, and cases whose expectation failed. Keep cases small and independent; a case that needs the
filesystem in an unusual state (a FIFO, a symlink loop, an unreadable file) makes it inside `root`.
"""

from __future__ import annotations

from collections.abc import Callable
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Literal


@dataclass(frozen=True)
class Case:
    name: str  # unique across the corpus: "date-impossible-february-30"
    cls: str  # the class of bad input it stands for: "dates", "fifo", "consent-speaker", ...
    make: Callable[[Path], None]  # breaks the project copy at `root` in place
    expect: Literal["problem", "warning", "valid"]
    file: str | None = None  # relative to the project: "inputs/partner-inputs/PI-001.yaml"
    line: int | None = None
    field: str | None = None
    says: str | None = None  # a phrase the problem or warning line must contain
    command: Literal["check", "build"] = "check"
    audience: Literal["internal", "partners", "public"] = "partners"
    canaries: tuple[str, ...] = ()  # build cases: must appear in no output byte
    seconds: float = 30.0  # a hang, if the command runs longer
    extra: dict = dataclasses.field(default_factory=dict)  # anything a module's own tests want to keep with the case


def line_of(path: Path, text: str) -> int:
    """The 1-based line where `text` first appears in a file."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


def replace_in(path: Path, old: str, new: str) -> int:
    """Replace the first `old` by `new` in a file; return the line it was on."""
    content = path.read_text(encoding="utf-8")
    assert old in content, f"{old!r} not in {path}"
    line = content[: content.index(old)].count("\n") + 1
    path.write_text(content.replace(old, new, 1), encoding="utf-8")
    return line


def appending(relative: str, text: str) -> Callable[[Path], None]:
    """A `make` that adds `text` at the end of a file of the project."""
    def make(root: Path) -> None:
        path = root / relative
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    return make
