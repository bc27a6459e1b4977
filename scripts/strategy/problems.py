"""Problems found in the inputs or the author chapters, reported all at once.

A problem names the file, the line, the field, what was found and what was
expected, so an author can go straight to it. Stages collect problems and
raise them together; the CLI and the MkDocs plugin print them without a
traceback.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int | None
    field: str | None
    expected: str
    found: str | None = None
    # A warning does not stop a build: something the author should look at (an input without consent, a
    # partner naming itself in anonymous text). `strategy check` lists warnings after the errors.
    severity: Severity = "error"

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        level = "warning: " if self.severity == "warning" else ""
        what = f"field '{self.field}': " if self.field else ""
        found = f"; found {self.found}" if self.found is not None else ""
        return f"{where}: {level}{what}expected {self.expected}{found}"


def warning(file: str, line: int | None, field: str | None, expected: str, found: str | None = None) -> Problem:
    """A problem that is reported but does not stop the build."""
    return Problem(file, line, field, expected, found, "warning")


class ProblemsFound(Exception):
    """Raised by a stage when its input has one or more problems."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted({p for p in problems if p.severity == "error"}, key=_sort_key)
        super().__init__(self.report())

    def __reduce__(self):
        # Pickled with its problems, not its report, so that it survives the trip back from a render worker.
        return (ProblemsFound, (self.problems,))

    def report(self) -> str:
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} found:"
        return "\n".join([head, *_listed(self.problems)])


def warnings_report(warnings: list[Problem]) -> str:
    """Warnings, one a line, under a count; empty when there are none."""
    if not warnings:
        return ""
    unique = sorted(set(warnings), key=_sort_key)
    head = f"{len(unique)} warning{'s' if len(unique) != 1 else ''}:"
    return "\n".join([head, *(f"  {p}" for p in unique)])


# A file of half a million broken lines would print for minutes: past this many problems in one file, the
# report counts the rest instead (ProblemsFound.problems still holds them all).
LISTED_PER_FILE = 50


def _listed(problems: list[Problem]) -> list[str]:
    lines, per_file = [], Counter(p.file for p in problems)
    shown_in: Counter[str] = Counter()
    for problem in problems:
        shown_in[problem.file] += 1
        if shown_in[problem.file] <= LISTED_PER_FILE:
            lines.append(f"  {problem}")
        elif shown_in[problem.file] == per_file[problem.file]:
            lines.append(f"  {problem.file}: and {per_file[problem.file] - LISTED_PER_FILE:,} more problems "
                         "in this file, not listed")
    return lines


def _sort_key(problem: Problem) -> tuple:
    return (problem.file, problem.line or 0, problem.field or "", problem.expected)


def display_path(path: Path, root: Path) -> str:
    """A path as the author knows it: relative to the project when possible.

    Tried first without resolving links, so that a symlink loop or a link leading out of the project is still
    named where the author put it.
    """
    for candidate, base in ((path.absolute, root.absolute), (path.resolve, root.resolve)):
        try:
            return candidate().relative_to(base()).as_posix()
        except (ValueError, RuntimeError, OSError):
            continue
    return path.as_posix()


# Control characters (a terminal escape, a carriage return) and bidirectional overrides would change what the
# terminal shows: a found value is quoted with them written out as escapes.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def shown(value: object, limit: int = 60) -> str:
    """A found value, quoted and cut short so one problem stays one line."""
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    text = _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
    return text if len(text) <= limit else text[: limit - 1] + "…'"
