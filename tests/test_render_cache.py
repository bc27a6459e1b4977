"""The render cache (strategy/cache.py): a rebuild reuses exactly the renders whose inputs are unchanged, and
every output is byte-identical to a cold build's.

Real builds of a copy of the bundled example, each in a fresh process (as a user runs them: nothing kept in
memory between builds), one after the other on the same copy; renders are counted from BuildResult.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import copy_project, make_releasable, outputs, strategy

# A draft build renders the reading edition only; the archive edition's cache is tested in test_draft_release.py.
PDFS = {"reading PDF"}
# Each chart's SVG and PNG, each a render of its own (drawn by different workers in a build).
CHARTS = {f"chart {name}.{picture}" for name in ("results-targets", "results-regions", "results-people",
                                                 "inputs-heat-map", "priority-support") for picture in ("svg", "png")}
EVERY_RENDER = PDFS | CHARTS | {"site", "Word version", "slides", "print fonts"}


# Builds in a fresh process and says what BuildResult recorded, and the build's step messages.
BUILD = """
import json, sys
from pathlib import Path
from strategy.audience import Audience
from strategy.build import build
from strategy.project import Project
steps = []
result = build(Project(Path(sys.argv[1])), Audience(sys.argv[2]), step=steps.append)
print(json.dumps({"rendered": list(result.rendered), "reused": list(result.reused), "steps": steps}))
"""


@dataclass
class Built:
    rendered: list[str]
    reused: list[str]
    steps: list[str]
    outputs: dict[str, str]  # every file of site/ and reports/ -> its sha256
    cached_for: list[str]  # the audience of each entry left in the cache


def _build(root: Path, audience: str = "partners", env: dict[str, str] | None = None) -> Built:
    done = subprocess.run([sys.executable, "-c", BUILD, str(root), audience], capture_output=True, text=True,
                          timeout=900, env={**os.environ, "NO_COLOR": "1", **(env or {})})
    assert done.returncode == 0, done.stderr[-3000:]
    said = json.loads(done.stdout.strip().splitlines()[-1])
    outputs = {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
               for folder in ("site", "reports") for p in sorted((root / folder).rglob("*")) if p.is_file()}
    entries = (root / ".build" / "cache").glob("*/entry.json")
    return Built(said["rendered"], said["reused"], said["steps"], outputs,
                 [json.loads(e.read_text())["audience"] for e in entries])


def _entry_of(root: Path, output: str) -> Path:
    """The cache entry folder that holds `output` ("reading PDF")."""
    found = [e for e in (root / ".build" / "cache").iterdir()
             if (e / "entry.json").is_file() and json.loads((e / "entry.json").read_text())["output"] == output]
    assert len(found) == 1, found
    return found[0]


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    """One copy of the example, built six times in a row: cold; again unchanged; with the reading PDF's cache
    entry truncated; with the cache folder deleted; after an edit to an author page; after an edit to the
    data that one chart shows; for the internal audience, then for partners again."""
    root = copy_project(tmp_path_factory.mktemp("render-cache"))
    done = {"cold": _build(root), "unchanged": _build(root)}

    pdf = _entry_of(root, "reading PDF") / "pdf"
    pdf.write_bytes(pdf.read_bytes()[: pdf.stat().st_size // 2])
    done["corrupt"] = _build(root)

    shutil.rmtree(root / ".build" / "cache")
    done["no cache"] = _build(root)

    vision = root / "docs" / "vision.md"
    vision.write_text(vision.read_text(encoding="utf-8") + "\nOne more sentence for the render cache test.\n",
                      encoding="utf-8")
    done["author page"] = _build(root)

    summary = root / "inputs" / "results" / "summary.yaml"
    text = summary.read_text(encoding="utf-8")
    assert text.count("target: 10000000") == 1  # the adequacy target: only the targets chart shows it
    summary.write_text(text.replace("target: 10000000", "target: 12000000"), encoding="utf-8")
    done["chart data"] = _build(root)

    done["internal"] = _build(root, "internal")
    done["partners after internal"] = _build(root)
    return done


def test_a_cold_build_renders_everything(builds):
    assert outputs(builds["cold"].rendered) == EVERY_RENDER
    assert builds["cold"].reused == []


def test_an_unchanged_rebuild_renders_nothing_and_says_so(builds):
    again = builds["unchanged"]
    assert again.rendered == []
    assert set(again.reused) == EVERY_RENDER
    assert "Reusing the PDF editions: their print HTML and stylesheets are unchanged" in again.steps
    assert not any("Converting the fonts" in step for step in again.steps)


def test_an_unchanged_rebuild_gives_the_same_bytes(builds):
    cold = builds["cold"].outputs
    # What a reader gets is among the compared files: both PDFs, the Word version, the slides and the site.
    assert {name.rsplit(".", 1)[-1] for name in cold} >= {"pdf", "docx", "pptx", "html", "svg", "md"}
    assert sum(name.endswith(".pdf") for name in cold) == 1
    assert builds["unchanged"].outputs == cold


def test_a_damaged_cache_entry_is_rendered_again_never_published(builds):
    corrupt = builds["corrupt"]
    assert corrupt.rendered == ["reading PDF"]
    assert corrupt.outputs == builds["cold"].outputs


def test_without_the_cache_folder_a_build_is_cold_again_with_the_same_bytes(builds):
    assert outputs(builds["no cache"].rendered) == EVERY_RENDER
    assert builds["no cache"].reused == []
    assert builds["no cache"].outputs == builds["cold"].outputs


def test_an_author_page_edit_renders_the_documents_again_but_no_chart(builds):
    edited = builds["author page"]
    assert outputs(edited.rendered) == PDFS | {"site", "Word version"}
    assert outputs(edited.reused) == CHARTS | {"slides", "print fonts"}  # the deck shows no word of vision.md
    changed = {name for name, digest in edited.outputs.items() if builds["cold"].outputs.get(name) != digest}
    assert {"site/spf-flagship-phase-iii-strategy.pdf", "site/spf-flagship-phase-iii-strategy.docx"} <= changed


def test_a_chart_data_edit_redraws_that_chart_only(builds):
    edited = builds["chart data"]
    redrawn = {"chart results-targets.svg", "chart results-targets.png"}
    assert {name for name in edited.rendered if name.startswith("chart ")} == redrawn
    assert CHARTS - redrawn <= set(edited.reused)
    before, after = builds["author page"].outputs, edited.outputs
    assert before["site/generated/charts/results-targets.svg"] != after["site/generated/charts/results-targets.svg"]
    assert before["site/generated/charts/results-people.svg"] == after["site/generated/charts/results-people.svg"]


def test_an_internal_builds_renders_leave_the_cache_with_the_next_partners_build(builds):
    assert "internal" in builds["internal"].cached_for  # they hold withheld text, as the internal site does
    after = builds["partners after internal"]
    assert after.cached_for and "internal" not in after.cached_for
    assert after.rendered == []  # the partners renders of the build before were kept
    assert after.outputs == builds["chart data"].outputs


# --- with a previous edition: the comparison and the tracked-changes Word copy are reused too -----------------

COMPARED = {"previous edition's rendering", "tracked Word version"}


@pytest.fixture(scope="module")
def after_release(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    """A copy of the example released as Draft 1, then built twice as Draft 2 (the earlier editions' cache
    in the test's own folder)."""
    root = copy_project(tmp_path_factory.mktemp("released") / "project")
    make_releasable(root)
    env = {"STRATEGY_CACHE_DIR": str(tmp_path_factory.mktemp("editions-cache"))}
    released = strategy("release", "--next", "Draft 2", "--date", "2026-01-15", "--project", str(root), env=env)
    assert released.returncode == 0, released.stderr
    return {"first": _build(root, env=env), "second": _build(root, env=env)}


def test_with_a_previous_edition_an_unchanged_rebuild_renders_nothing_and_gives_the_same_bytes(after_release):
    first, second = after_release["first"], after_release["second"]
    assert COMPARED <= set(first.rendered)
    assert second.rendered == []
    assert COMPARED | PDFS | {"Word version", "slides"} <= set(second.reused)
    assert "site/spf-flagship-phase-iii-strategy-changes-since-draft-1.docx" in second.outputs
    assert any(name.startswith("site/editions/draft-1/") for name in second.outputs)
    assert second.outputs == first.outputs
