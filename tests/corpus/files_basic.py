"""Seed cases: broken files that the first round of input safety already reports (issue 4)."""

from __future__ import annotations

from pathlib import Path

from corpus import Case


def _write(relative: str, data: bytes):
    def make(root: Path) -> None:
        (root / relative).write_bytes(data)
    return make


CASES = [
    Case("yaml-alias-bomb", "yaml-aliases", _write("inputs/glossary.yaml", b"a: &a [x, x]\nb: [*a, *a]\n"),
         "problem", "inputs/glossary.yaml", says="no YAML aliases"),
    Case("binary-garbage", "binary", _write("inputs/priorities.yaml", bytes(range(256)) * 4),
         "problem", "inputs/priorities.yaml", says="a text file"),
    Case("example-as-is", "valid", lambda root: None, "valid"),
]
