"""Shared fixtures: a copy of the repository to build in, one real release build of the example, and a second
copy built as a draft, then for release, then as a draft again."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest

from strategy.inputs import StrategyInputs, load_inputs, load_publication
from strategy.inputs.records import Publication

REPO = Path(__file__).resolve().parent.parent
# What a strategy project consists of; generated output is left behind.
PROJECT_PARTS = ["mkdocs.yml", "strategy.yml", "docs", "inputs", "scripts"]
IGNORED = shutil.ignore_patterns("generated", "__pycache__", "*.egg-info")


def copy_project(destination: Path) -> Path:
    destination.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, destination / part, ignore=IGNORED)
        else:
            shutil.copy2(source, destination / part)
    return destination


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def strategy(*args: str, cwd: Path | None = None, timeout: int = 600, env: dict[str, str] | None = None) -> Run:
    """Run the real `strategy` command, as a user would."""
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", **(env or {})}
    done = subprocess.run([sys.executable, "-m", "strategy.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env=env)
    return Run(done.returncode, done.stdout, done.stderr)


@dataclass
class BuiltExample:
    root: Path
    run: Run
    publication: Publication
    inputs: StrategyInputs

    @property
    def site(self) -> Path:
        return self.root / "site"

    @property
    def pdf(self) -> Path:
        return self.site / self.publication.pdf_file


@pytest.fixture(scope="session")
def example_inputs() -> StrategyInputs:
    return load_inputs(REPO / "inputs", REPO)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltExample:
    """The bundled example, built once for the session with `strategy build --release`: both PDF editions.
    The project is named by a relative path, as a user in the folder above types it (MkDocs and the
    renderers run elsewhere: a relative root once lost every input from the site)."""
    root = copy_project(tmp_path_factory.mktemp("example"))
    run = strategy("build", "--release", "--project", root.name, cwd=root.parent)
    assert run.returncode == 0, run.stderr
    return BuiltExample(root, run, load_publication(root / "strategy.yml", root), load_inputs(root / "inputs", root))


def outputs(names: list[str]) -> set[str]:
    """The outputs among what a build rendered or reused (BuildResult.rendered, .reused), without the reading
    edition's parts: the layouts and renders of one chapter each (publish/parts.py), which a build whose whole
    PDF comes from the render cache neither renders nor reuses; tests/test_pdf_parts.py counts those."""
    return {name for name in names if not name.startswith(("reading PDF part ", "reading PDF layout "))}


# Builds in a fresh process (as a user runs it: nothing kept in memory) and says what BuildResult recorded.
COUNTED_BUILD = """
import json, sys
from pathlib import Path
from strategy.audience import Audience
from strategy.build import build
from strategy.project import Project
result = build(Project(Path(sys.argv[1])), Audience.PARTNERS, release=sys.argv[2] == "release")
print(json.dumps({"rendered": list(result.rendered), "reused": list(result.reused)}))
"""


@dataclass
class Stage:
    """One build of a series on the same copy: what it rendered, what it took from the render cache, and a
    copy of its site/ and reports/ as it left them."""

    rendered: list[str]
    reused: list[str]
    outputs: Path  # holds site/ and reports/

    @property
    def site(self) -> Path:
        return self.outputs / "site"


def counted_build(root: Path, release: bool, keep_in: Path) -> Stage:
    done = subprocess.run([sys.executable, "-c", COUNTED_BUILD, str(root), "release" if release else "draft"],
                          capture_output=True, text=True, timeout=900, env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    said = json.loads(done.stdout.strip().splitlines()[-1])
    for folder in ("site", "reports"):
        shutil.copytree(root / folder, keep_in / folder, symlinks=True)
    return Stage(said["rendered"], said["reused"], keep_in)


@dataclass
class DraftThenRelease:
    root: Path
    draft: Stage  # `strategy build` of a fresh copy: a cold draft build
    release: Stage  # then `strategy build --release` of the same copy
    draft_again: Stage  # then `strategy build` again


@pytest.fixture(scope="session")
def draft_then_release(tmp_path_factory: pytest.TempPathFactory) -> DraftThenRelease:
    """A second copy of the example (another folder, other processes than `built`), built three times in a row:
    a cold draft build, a release build, a draft build again."""
    root = copy_project(tmp_path_factory.mktemp("draft-then-release") / "project")
    kept = tmp_path_factory.mktemp("draft-then-release-outputs")
    return DraftThenRelease(root, *(counted_build(root, release, kept / name)
                                    for name, release in (("draft", False), ("release", True),
                                                          ("draft-again", False))))


class Listener(http.server.ThreadingHTTPServer):
    """An HTTP server on 127.0.0.1 that records every request (and answers with a redirect to a local file,
    the worst a network address could do), to prove that nothing was fetched."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's API)
                listener.seen.append(self.path)
                self.send_response(302)
                self.send_header("Location", "file:///etc/hostname")
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def listener():
    server = Listener()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # It does hear a request: an empty `seen` afterwards means that none was made.
    try:
        urllib.request.urlopen(f"{server.url}/probe", timeout=5)
    except urllib.error.HTTPError:
        pass  # urllib refuses the redirect to a file, as it should
    assert server.seen == ["/probe"]
    server.seen.clear()
    yield server
    server.shutdown()
    server.server_close()


def digest(folder: Path) -> str:
    """One hash of every file's path and bytes under a folder: equal hashes, unchanged outputs."""
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(folder).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def start_tags(html: str) -> list[tuple[str, list]]:
    """Every start tag of an HTML text with its attributes, as a browser's parser sees them."""
    from html.parser import HTMLParser

    found = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Parser().feed(html)
    return found


def contents(path: Path) -> bytes:
    """A file's bytes, with what a reader sees unpacked: a PDF's streams and metadata, a Word package's parts
    (and their names), a gzip file's text."""
    data = path.read_bytes()
    chunks = [data]
    if path.suffix in (".docx", ".pptx"):  # a zip: search what Word or PowerPoint reads, uncompressed
        with zipfile.ZipFile(path) as archive:
            chunks += [name.encode() for name in archive.namelist()]
            chunks += [archive.read(name) for name in archive.namelist()]
    elif path.suffix == ".pdf":
        with pikepdf.open(path) as pdf:
            for obj in pdf.objects:
                if isinstance(obj, pikepdf.Stream):
                    try:
                        chunks.append(obj.read_bytes())
                    except pikepdf.PdfError:
                        pass
            chunks.append(str(pdf.open_metadata()).encode())
    elif path.suffix in (".gz", ".zz"):
        chunks.append(zlib.decompress(data, 47))
    return b"\n".join(chunks)


def every_byte(folder: Path) -> bytes:
    """Every file of a build, with its path and its unpacked contents, as one haystack."""
    return b"\n".join(path.as_posix().encode() + b"\n" + contents(path)
                      for path in sorted(folder.rglob("*")) if path.is_file())


def make_releasable(root: Path) -> None:
    """The example as a real edition would be: no illustrative mark, no placeholder, a real address."""
    for path in (root / "inputs").rglob("*.yaml"):
        kept, in_note = [], False
        for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
            if in_note and (line.startswith((" ", "\t")) or not line.strip()):
                continue  # the folded text of an illustrative_note
            in_note = line.startswith("illustrative_note:")
            if in_note or re.match(r"^\s*illustrative:\s*true\s*$", line):
                continue
            kept.append(line)
        path.write_text("".join(kept), encoding="utf-8")
    for csv in (root / "inputs").rglob("*.csv"):  # the `illustrative` column is the last one where it exists
        csv.write_text(re.sub(r",true$", ",false", csv.read_text(encoding="utf-8"), flags=re.M), encoding="utf-8")
    foreword = root / "docs" / "foreword.md"
    foreword.write_text(foreword.read_text(encoding="utf-8").replace("[Name]", "Shahra Razavi"), encoding="utf-8")
    strategy_yml = root / "strategy.yml"
    text = strategy_yml.read_text(encoding="utf-8").replace("spf-strategy-comments@example.org",
                                                            "spf-strategy@ilo.org")
    strategy_yml.write_text(re.sub(r'isbn: ".*"', 'isbn: "978-92-2-140123-4 (web PDF)"', text), encoding="utf-8")
