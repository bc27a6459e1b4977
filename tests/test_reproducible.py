"""Reproducible on any machine (issue 8, section 5): the same inputs give the same PDF bytes even where
harfbuzz's subsetter is missing and WeasyPrint falls back to fontTools, which dates each font it writes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from conftest import copy_project

# Runs `strategy build` as a machine without libharfbuzz-subset0 would: WeasyPrint takes its fontTools path.
# The render workers are forked, so they inherit the patch; the marker file proves the path was taken.
WITHOUT_HARFBUZZ_SUBSET = """
import sys
import weasyprint.pdf.fonts as fonts
fonts.harfbuzz_subset = None
original = fonts.Font._fonttools_subset
def traced(self, *args, **kwargs):
    with open(sys.argv[1], "a") as marker:
        marker.write("fonttools\\n")
    return original(self, *args, **kwargs)
fonts.Font._fonttools_subset = traced
from strategy.cli import main
main(sys.argv[2:])
"""


def build_with_fonttools(root: Path, marker: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    env.pop("SOURCE_DATE_EPOCH", None)  # the build must set it itself
    return subprocess.run([sys.executable, "-c", WITHOUT_HARFBUZZ_SUBSET, str(marker), "build", "--release",
                           "--project", str(root)], capture_output=True, text=True, timeout=900, env=env)


def test_pdfs_are_byte_identical_when_fonts_are_subset_by_fonttools(tmp_path):
    outputs = []
    for name in ("first", "second"):
        root = copy_project(tmp_path / name)
        marker = tmp_path / f"{name}.marker"
        run = build_with_fonttools(root, marker)
        assert run.returncode == 0, run.stderr
        assert marker.is_file() and "fonttools" in marker.read_text(), "the fontTools path was not taken"
        pdfs = sorted((root / "site").glob("*.pdf"))
        assert len(pdfs) == 2
        outputs.append({p.name: p.read_bytes() for p in pdfs})
        time.sleep(1.1)  # fontTools stamps fonts to the second: make sure the clock has moved on
    assert outputs[0].keys() == outputs[1].keys()
    differing = [name for name in outputs[0] if outputs[0][name] != outputs[1][name]]
    assert not differing, f"two builds of the same inputs differ: {differing}"
