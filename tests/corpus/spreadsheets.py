"""Spreadsheet imports (issue 9): what `strategy import responses` and `import comments` leave in a project is
what `strategy check` accepts, or names. Each case runs the import itself in `make`, then the corpus runs
`strategy check` on the result."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl

from corpus import Case

REPO = Path(__file__).resolve().parents[2]
MAPPING = REPO / "examples" / "form-mapping.yaml"
HEADER = ["ID", "Start time", "Completion time", "Email", "Name", "Which organization do you represent?",
          "May we quote your answers in the strategy?", "Which thematic areas does your input address?",
          "What should social protection floors look like in 2030, in your view?",
          "What has your organization learned from extending social protection?",
          "If we may quote one sentence of yours, which one?",
          "What should Phase III do about sustainable and equitable financing?",
          "What should Phase III do to extend coverage to workers in the informal economy?",
          "Is there another priority Phase III should take up?"]
FIRST_NEW = "inputs/partner-inputs/PI-047.yaml"  # the example holds PI-001 to PI-046


def _import(root: Path, *args: str, expect: int) -> None:
    done = subprocess.run([sys.executable, "-m", "strategy.cli", "import", *args, "--project", str(root)],
                          capture_output=True, text=True, timeout=60, env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == expect, f"import exited {done.returncode}: {done.stderr[-400:]}"


def _responses(*rows: list):
    def make(root: Path) -> None:
        book = openpyxl.Workbook()
        book.active.append(HEADER)
        for row in rows:
            book.active.append(row)
        book.save(root / "export.xlsx")
        _import(root, "responses", str(root / "export.xlsx"), "--mapping", str(MAPPING), expect=0)
    return make


def _bomb_then_import(root: Path) -> None:
    with zipfile.ZipFile(root / "bomb.xlsx", "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("xl/workbook.xml", "<workbook/>")
        with package.open("xl/sharedStrings.xml", "w") as part:
            for _ in range(100):
                part.write(b"\0" * 2**20)
    feedback = root / "inputs" / "feedback"
    before = sorted(feedback.iterdir()) if feedback.exists() else []
    _import(root, "responses", str(root / "bomb.xlsx"), "--mapping", str(MAPPING), expect=1)
    _import(root, "comments", str(root / "bomb.xlsx"), "--reviewer", "ireland", expect=1)
    assert not (root / FIRST_NEW).exists()
    assert (sorted(feedback.iterdir()) if feedback.exists() else []) == before


_DAY = dt.datetime(2025, 2, 3, 10, 0)
CASES = [
    # Partner text from a form is as hostile as any: HTML, bidi overrides, a separator left at the end.
    Case("spreadsheets-form-response-with-hostile-text-checks", "import-responses", _responses(
        [7, _DAY, _DAY, "x@example.org", "X", " irish aid ", "Yes, you may name our organization",
         "Financing;;Gender equality;", "<script>alert(1)</script> Floors for all.\u202e", None, "**Quote** me.",
         "Domestic revenue first.", None, None]), "valid"),
    Case("spreadsheets-open-priorities-answer-named-by-check", "import-responses", _responses(
        [8, _DAY, _DAY, None, None, "ITUC", "No, they are for the drafting team only", "Social dialogue",
         "Workers first.", None, None, None, None, "Collective bargaining on social security."]),
         "problem", FIRST_NEW, field="priorities", says="this field is required"),
    Case("spreadsheets-zip-bomb-writes-nothing", "import-hostile", _bomb_then_import, "valid", seconds=60),
]
