"""The draft build's order and reuse (build.py): the PDF renders while the site, the Word version and the slides
are made; the charts are drawn by the render workers; after an edit to one partner input only what shows it is
made again, and every output is byte-identical to a cold build's.

Real builds of one copy of the bundled example, each in a fresh process, one after the other: cold; after an
edit to one partner input; the same state again with the render cache removed (a cold build to compare with);
then an author page with a link MkDocs refuses, whose site fails while the PDF's parts render.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import copy_project, outputs

# Each chart's SVG and PNG, each a render of its own (drawn by different workers in a build).
CHARTS = {f"chart {name}.{picture}" for name in ("results-targets", "results-regions", "results-people",
                                                 "inputs-heat-map", "priority-support") for picture in ("svg", "png")}
PDF, DOCX, PPTX = (f"site/spf-flagship-phase-iii-strategy{suffix}" for suffix in (".pdf", ".docx", "-slides.pptx"))
EDITED_INPUT = "inputs/partner-inputs/PI-007.yaml"
EDIT = "Belgium, edited for the build reuse test"

# Builds in a fresh process; says what BuildResult recorded, the steps in order, whether this process loaded
# matplotlib or WeasyPrint (the render workers draw the charts and lay out the PDF), the pages whose Markdown
# it rendered for print (each rendering makes a PrintMarkup), and, on failure, the problems.
BUILD = """
import json, sys
from pathlib import Path
from strategy.audience import Audience
from strategy.build import build
from strategy.problems import ProblemsFound
from strategy.project import Project
from strategy.publish import print_html
printed = []
class CountedMarkup(print_html.PrintMarkup):
    def __init__(self, chapter, *args, **kwargs):
        printed.append(chapter.path)
        super().__init__(chapter, *args, **kwargs)
print_html.PrintMarkup = CountedMarkup
from mkdocs.structure.pages import Page
site_rendered = []
rendering = Page.render
def counted_render(self, config, files):
    site_rendered.append(self.file.src_uri)
    return rendering(self, config, files)
Page.render = counted_render
steps = []
try:
    result = build(Project(Path(sys.argv[1])), Audience.PARTNERS, step=steps.append)
except ProblemsFound as found:
    print(json.dumps({"problems": [[p.file, p.found] for p in found.problems], "steps": steps}))
    sys.exit(1)
print(json.dumps({"rendered": list(result.rendered), "reused": list(result.reused), "steps": steps,
                  "matplotlib": "matplotlib" in sys.modules, "weasyprint": "weasyprint" in sys.modules,
                  "printed": printed, "site_rendered": site_rendered}))
"""


@dataclass
class Built:
    said: dict
    outputs: dict[str, str]  # every file of site/ and reports/ -> its sha256

    @property
    def rendered(self) -> list[str]:
        return self.said["rendered"]

    @property
    def reused(self) -> list[str]:
        return self.said["reused"]

    @property
    def steps(self) -> list[str]:
        return self.said["steps"]


def _build(root: Path, succeeds: bool = True) -> Built:
    done = subprocess.run([sys.executable, "-c", BUILD, str(root)], capture_output=True, text=True, timeout=900,
                          env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == (0 if succeeds else 1), done.stderr[-3000:]
    said = json.loads(done.stdout.strip().splitlines()[-1])
    files = {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
             for folder in ("site", "reports") for p in sorted((root / folder).rglob("*")) if p.is_file()}
    return Built(said, files)


def _part_renders(names: list[str]) -> list[str]:
    return [name for name in names if name.startswith("reading PDF part ")]


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = copy_project(tmp_path_factory.mktemp("build-reuse"))
    done: dict = {"root": root, "cold": _build(root)}

    path = root / EDITED_INPUT
    text = path.read_text(encoding="utf-8")
    assert len(re.findall(r"proposal: Belgium", text)) == 1  # a proposal's words, as benchmarks/run.py edits it
    path.write_text(text.replace("proposal: Belgium", f"proposal: {EDIT}"), encoding="utf-8")
    done["input edit"] = _build(root)

    shutil.rmtree(root / ".build" / "cache")
    done["input edit, cold"] = _build(root)

    vision = root / "docs" / "vision.md"
    vision.write_text(vision.read_text(encoding="utf-8") + "\nSee [a page that is not there](no-such-page.md).\n",
                      encoding="utf-8")
    done["broken site"] = _build(root, succeeds=False)
    return done


def test_a_cold_build_renders_everything_once_and_draws_the_charts_in_the_workers(builds):
    """The render workers draw the charts and import WeasyPrint while the build's own process checks the
    inputs: that process loads neither, and no output is rendered twice."""
    cold = builds["cold"]
    assert outputs(cold.rendered) == CHARTS | {"site", "reading PDF", "Word version", "slides", "print fonts"}
    assert cold.reused == []
    assert len(_part_renders(cold.rendered)) == len(set(_part_renders(cold.rendered))) > 1
    # The charts were drawn and the PDF laid out by the render workers: the build's own process never loaded
    # matplotlib or WeasyPrint.
    assert cold.said["matplotlib"] is False
    assert cold.said["weasyprint"] is False
    assert (builds["root"] / ".build" / "cache").is_dir()


def test_the_pdf_starts_before_the_site_is_built(builds):
    steps = builds["cold"].steps
    pdf = next(i for i, step in enumerate(steps) if step.startswith("Rendering the PDF"))
    site = steps.index("Building the site")
    rendered = next(i for i, step in enumerate(steps) if step.startswith("Rendered the reading edition"))
    assert pdf < site < rendered


def test_the_outputs_are_whole_in_the_site(builds):
    """The PDF is rendered beside the site (MkDocs empties the site folder first) and moved into it."""
    cold = builds["cold"]
    assert {PDF, DOCX, PPTX} <= set(cold.outputs)
    assert not any(name.startswith("site/pdf/") for name in cold.outputs)


def test_an_input_edit_makes_again_only_what_shows_that_input(builds):
    edited = builds["input edit"]
    # The Word version is one pandoc run over the print HTML, which holds the input; the slides do not show it.
    assert outputs(edited.rendered) == {"site", "reading PDF", "Word version"}
    assert outputs(edited.reused) == CHARTS | {"slides", "print fonts"}
    assert any(step.startswith("Reusing the slides") for step in edited.steps)
    # Of the reading edition's parts only the one that holds the input (the register) is rendered again.
    assert len(_part_renders(edited.rendered)) == 1
    assert edited.said["matplotlib"] is False


def test_a_build_renders_for_print_only_the_pages_whose_markdown_changed(builds):
    """The print HTML of each page is kept in the render cache under the hash of its Markdown (macros expanded
    for the audience), the pages in print and the extensions: after an input edit, the register's Markdown is
    rendered again, the author pages' is not; a build with the cache removed renders every page."""
    cold, edited, again_cold = (builds[name].said["printed"] for name in ("cold", "input edit", "input edit, cold"))
    assert len(set(cold)) > 10 and {"context.md", "generated/partner-inputs.md"} <= set(cold)
    assert "generated/partner-inputs.md" in edited
    assert all(path.startswith("generated/") for path in edited)  # no author page
    assert len(set(edited)) < len(set(cold)) / 2
    assert sorted(again_cold) == sorted(cold)


def test_a_build_renders_for_the_site_only_the_pages_whose_markdown_changed(builds):
    """The site's pages (MkDocs' Markdown to HTML) are kept in the render cache by their Markdown, place and the
    site's files (website/rebuilds.remember_across_builds): after an input edit the register is rendered
    again, no other page; a build with the cache removed renders every page."""
    cold, edited, again_cold = (builds[name].said["site_rendered"] for name in ("cold", "input edit",
                                                                                 "input edit, cold"))
    assert len(cold) > 10 and len(set(cold)) == len(cold) and "vision.md" in cold
    assert edited == ["generated/partner-inputs.md"]
    assert sorted(again_cold) == sorted(cold)


def test_an_input_edit_gives_the_bytes_of_a_cold_build(builds):
    edited, cold = builds["input edit"], builds["input edit, cold"]
    assert outputs(cold.rendered) == outputs(builds["cold"].rendered)  # it was cold: nothing reused
    assert {PDF, DOCX, PPTX} <= set(edited.outputs)
    assert edited.outputs == cold.outputs
    changed = {name for name, digest in edited.outputs.items() if builds["cold"].outputs.get(name) != digest}
    assert {PDF, DOCX} <= changed and PPTX not in changed


def test_the_edit_shows_in_the_word_version_and_the_pdf(builds):
    import pdfplumber

    root = builds["root"]
    with zipfile.ZipFile(root / DOCX) as docx:
        assert EDIT.split(",")[1].strip().encode() in docx.read("word/document.xml")
    with pdfplumber.open(root / PDF) as pdf:
        text = " ".join(page.extract_text() or "" for page in pdf.pages)
    assert "edited for the build" in re.sub(r"\s+", " ", text)


def test_a_site_that_fails_while_the_pdf_renders_changes_no_output(builds):
    broken, before = builds["broken site"], builds["input edit, cold"]
    assert any(file == "docs/vision.md" and "no-such-page.md" in found for file, found in broken.said["problems"])
    assert "Building the site" in broken.steps
    assert not any(step.startswith("Rendered the reading edition") for step in broken.steps)
    assert broken.outputs == before.outputs  # the last good site and reports, as they were
    assert not list((builds["root"] / ".build").glob("build-*"))  # no private folder left behind


def test_the_site_kept_as_a_tar_comes_back_whole_and_a_forged_one_is_refused(tmp_path):
    """The site in the render cache is a tar (build._packed): unpacked it is the same files; a tar that is
    not one, or whose members lead out of the folder (a cache entry made by hand), unpacks nothing, so the
    build makes the site instead."""
    import io
    import tarfile

    from strategy.build import _packed, _unpacked

    site = tmp_path / "site"
    (site / "generated").mkdir(parents=True)
    (site / "index.html").write_text("<p>home</p>", encoding="utf-8")
    (site / "generated" / "partners.html").write_bytes(b"\x00\xffpartners")
    again = tmp_path / "again"
    assert _unpacked(_packed(site), again)
    assert {p.relative_to(again).as_posix(): p.read_bytes() for p in again.rglob("*") if p.is_file()} == {
        "index.html": b"<p>home</p>", "generated/partners.html": b"\x00\xffpartners"}

    forged = io.BytesIO()
    with tarfile.open(fileobj=forged, mode="w") as tar:
        member = tarfile.TarInfo("../escaped.txt")
        member.size = 5
        tar.addfile(member, io.BytesIO(b"owned"))
    refused = tmp_path / "refused"
    assert not _unpacked(forged.getvalue(), refused)
    assert not (tmp_path / "escaped.txt").exists() and not refused.exists()
    assert not _unpacked(b"not a tar at all", refused) and not refused.exists()
