"""The project's sources copied for a benchmark, as a fresh checkout has them (shared by run.py and preview.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCES = ["mkdocs.yml", "strategy.yml", "docs", "inputs", "scripts"]


def copy_project(target: Path) -> None:
    """The project's sources into `target` (an empty folder)."""
    for part in SOURCES:
        src = REPO / part
        if src.is_dir():  # docs/generated is whatever `strategy chapters` last wrote: no part of a project
            shutil.copytree(src, target / part, ignore=shutil.ignore_patterns("generated", "__pycache__"))
        else:
            shutil.copy2(src, target / part)
    # Compiled, as an installed package is: with PYTHONDONTWRITEBYTECODE set (as in some shells and CI) every
    # measured process would otherwise compile every module of `strategy` again (a quarter of a check's time).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(target / "scripts" / "strategy")], check=True,
                   stdout=subprocess.DEVNULL)
