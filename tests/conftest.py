"""Shared fixtures: a copy of the repository to build in, one real release build of the example, and a second
copy built as a draft, then for release, then as a draft again. Both are built once for the whole session, by
whichever of pytest-xdist's workers asks first (the other waits and reads what it made).

Also what keeps the suite's wall time down (README, *Tests*): each test that makes a full build, renders a PDF,
runs Chromium, LibreOffice or `mkdocs serve` is marked `slow` (`make test-fast` leaves those out), and the
modules run heaviest first, each module whole on one worker (`--dist loadscope` in pyproject.toml), so that its
module-scoped builds are made once and both workers stay busy until the end."""

from __future__ import annotations

import fcntl
import hashlib
import inspect
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
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import pikepdf
import pytest
from xdist.scheduler import LoadScopeScheduling

from strategy.inputs import StrategyInputs, load_inputs, load_publication
from strategy.inputs.records import Publication

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"
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


def shared_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's temporary folder that every xdist worker sees (each worker's own folder is inside it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def made_once(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], dict]) -> dict:
    """`make(folder)` run once for the whole session, whichever worker asks first; a worker that asks later
    waits for it (a lock on a file) and gets what it returned, read back from JSON. A failure is recorded too,
    so the other worker fails with the same message instead of building again."""
    shared = shared_folder(tmp_path_factory)
    record, folder = shared / f"{name}.json", shared / name
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not record.exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a worker that died midway left
            try:
                said = {"made": make(folder)}
            except (Exception, pytest.fail.Exception) as failure:
                record.write_text(json.dumps({"failed": f"{type(failure).__name__}: {failure}"}), encoding="utf-8")
                raise
            record.write_text(json.dumps(said), encoding="utf-8")
    said = json.loads(record.read_text(encoding="utf-8"))
    if "failed" in said:
        pytest.fail(f"the shared fixture {name} could not be made: {said['failed']}", pytrace=False)
    return said["made"]


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltExample:
    """The bundled example, built once for the session with `strategy build --release`: both PDF editions.
    The project is named by a relative path, as a user in the folder above types it (MkDocs and the
    renderers run elsewhere: a relative root once lost every input from the site). Read-only for tests:
    one that changes the project works on a copy (copy_built)."""

    def make(folder: Path) -> dict:
        root = copy_project(folder / "example")
        run = strategy("build", "--release", "--project", root.name, cwd=root.parent)
        assert run.returncode == 0, run.stderr
        return {"root": str(root), "run": asdict(run)}

    made = made_once(tmp_path_factory, "built", make)
    root = Path(made["root"])
    return BuiltExample(root, Run(**made["run"]), load_publication(root / "strategy.yml", root),
                        load_inputs(root / "inputs", root))


def copy_built(built: BuiltExample, destination: Path) -> Path:
    """A copy of the session's built project, outputs, work folder and render cache included: a build there
    after an edit renders only what the edit changed (its outputs equal a cold build's, tests/test_pdf_parts.py
    and test_render_cache.py). For tests about what a build makes of an edit, not about a cold build."""
    left_behind = {built.root / "docs" / "generated", built.root / ".build" / "plain"}  # `strategy chapters`' only

    def ignore(folder: str, names: list[str]) -> set[str]:
        return {name for name in names if Path(folder, name) in left_behind}

    shutil.copytree(built.root, destination, symlinks=True, ignore=ignore)
    return destination


def strategy_within(args: list[str], seconds: float) -> tuple[int | None, str, str]:
    """The real `strategy` command with a time limit, no input and a bare PATH, as the corpus runs its cases:
    (exit code, or None if it was still running after `seconds`; stdout; stderr)."""
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "PATH": "/usr/bin:/bin"}
    try:
        done = subprocess.run([sys.executable, "-m", "strategy.cli", *args], capture_output=True, text=True,
                              timeout=seconds, env=env, stdin=subprocess.DEVNULL, errors="replace")
    except subprocess.TimeoutExpired:
        return None, "", ""
    return done.returncode, done.stdout, done.stderr


@dataclass
class CaseBuild:
    root: Path
    code: int | None  # None: still running after the case's time limit
    stdout: str
    stderr: str


def case_build(tmp_path_factory: pytest.TempPathFactory, case) -> CaseBuild:
    """A build case of the corpus (tests/corpus/): a fresh copy of the example, the case made in it, then
    `strategy build --audience …` within the case's time limit. Made once for the session: test_corpus.py
    judges it, and a module whose tests read that same build (test_consent.py, test_partner_markdown.py) takes
    it from here instead of building it again. Read-only."""

    def make(folder: Path) -> dict:
        root = copy_project(folder / "project")
        case.make(root)
        code, stdout, stderr = strategy_within(["build", "--project", str(root), "--audience", case.audience],
                                               case.seconds)
        return {"root": str(root), "code": code, "stdout": stdout, "stderr": stderr}

    made = made_once(tmp_path_factory, f"case-{case.name}", make)
    return CaseBuild(Path(made["root"]), made["code"], made["stdout"], made["stderr"])


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
    a cold draft build, a release build, a draft build again. Once for the session, like `built`."""

    def make(folder: Path) -> dict:
        root = copy_project(folder / "project")
        stages = [counted_build(root, release, folder / "outputs" / name)
                  for name, release in (("draft", False), ("release", True), ("draft-again", False))]
        return {"root": str(root), "stages": [{**asdict(stage), "outputs": str(stage.outputs)} for stage in stages]}

    made = made_once(tmp_path_factory, "draft-then-release", make)
    return DraftThenRelease(Path(made["root"]), *(Stage(stage["rendered"], stage["reused"], Path(stage["outputs"]))
                                                  for stage in made["stages"]))


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


# ---------- The fast subset, and how the tests share two workers ----------

# What makes a test slow (seconds to minutes each), found in its source, a fixture it uses or a helper they call:
# a full build (the CLI's or the API's, or MkDocs'), a PDF render, a browser, LibreOffice, a live `mkdocs serve`,
# the corpus, a property test of hundreds of examples.
SLOW_SIGNS = re.compile(r"""strategy\(\s*"(build|release)"|"build",\s*"--(release|project)"|counted_build\(
                           |\b_?build\(Project\(|\b_build\(|"mkdocs",\s*"(build|serve)"|mkdocs_build\(
                           |commands\.build\ import|render_pdf\(|render_in_parts\(|chromium|soffice
                           |pdfua\.validate|run_case\(|case_build\(|max_examples=\d{3}""", re.X)
# Slow for what they do, not for a sign above (each took over 5 s in a full run).
SLOW_MODULES = {"test_check_scale.py", "test_preview.py", "test_zensical.py"}
# Seconds each unit of work took in a full run (a module kept on one worker, or a test of its own; setup and
# teardown included), to start the longest first: the last to start are short, so both workers end together.
# A unit not listed is estimated (SLOW_ESTIMATE a slow test, FAST_ESTIMATE any other).
MEASURED_SECONDS: dict[str, float] = {
    # A fresh clone's `make test` at f7ec777 (--durations, setup and calls summed by unit) on a shared machine
    # under a load of about 8: the order matters, not the figures. test_pdf_conformance.py's 75 tests of 5 to
    # 20 s each are mostly below the 120 durations shown, so its figure is estimated.
    "test_pdf_parts.py": 1035, "test_pdf_conformance.py": 1000, "test_what_changed.py": 685,
    "test_render_cache.py": 568, "test_editions.py": 501, "test_partner_text.py": 343, "test_partner_markdown.py": 291,
    "test_untrusted.py": 230, "test_paragraphs.py::test_a_setting_turns_the_numbers_off_everywhere": 191,
    "test_isolation.py::test_chapters_written_for_insiders_during_a_build_are_never_published": 183,
    "test_pdf_record.py": 173, "test_docx.py": 162, "test_hostile_inputs.py": 142,
    "test_draft_release.py::test_a_draft_build_writes_no_archive_pdf_and_its_site_links_no_missing_file": 139,
    "test_paragraphs.py::test_site_pdfs_and_word_version_number_the_same_paragraphs_alike": 126,
    "test_zensical.py": 116, "test_site_reader.py": 115,
    "test_isolation.py::test_two_builds_in_one_folder_take_turns_and_the_outside_one_leaves_no_withheld_text": 114,
    "test_reproducible.py::test_pdfs_are_byte_identical_when_fonts_are_subset_by_fonttools": 113, "test_build.py": 100,
    "test_isolation.py::test_links_in_author_pages_never_point_at_the_build_machine": 85,
    # The corpus ran as one test of 1314 s; its build cases (about 60 s each, each sent alone) and its checks.
    "test_corpus.py::test_every_build_case_of_the_corpus": 1060,
    "test_corpus.py::test_every_check_case_of_the_corpus": 250,
}
SLOW_ESTIMATE, FAST_ESTIMATE = 30.0, 0.5
SHARED_BUILDS = {"built", "draft_then_release"}  # made once for both workers (made_once): the other one waits

_slow_sources: dict[object, bool] = {}


def _is_slow_source(function: object) -> bool:
    """A sign in the function's source, or in a helper of the tests (tests/) that it calls, however deep."""
    if function not in _slow_sources:
        _slow_sources[function] = False  # while it is read: a helper that calls back finds nothing new
        try:
            source = inspect.getsource(function)
        except (OSError, TypeError):
            source = ""
        helpers = [getattr(function, "__globals__", {}).get(name) for name in set(re.findall(r"\b(\w+)\(", source))]
        _slow_sources[function] = bool(SLOW_SIGNS.search(source)) or any(
            _is_slow_source(helper) for helper in helpers
            if inspect.isfunction(helper) and TESTS in Path(inspect.getfile(helper)).parents)
    return _slow_sources[function]


def _fixtures(item: pytest.Item) -> list:
    info = getattr(item, "_fixtureinfo", None)
    return [d for defs in info.name2fixturedefs.values() for d in defs] if info is not None else []


def is_slow(item: pytest.Item) -> bool:
    """A test is slow when its own code or a fixture it uses (however indirectly) shows a sign of SLOW_SIGNS."""
    if Path(item.fspath).name in SLOW_MODULES:
        return True
    functions = [getattr(item, "function", None)] + [d.func for d in _fixtures(item)]
    return any(_is_slow_source(f) for f in functions if f is not None)


SHARED_FIXTURE = re.compile(r"""@pytest\.fixture\([^)]*scope\s*=\s*["'](module|class|package)["']""")
_shares: dict[Path, bool] = {}


def work_unit(nodeid: str, rootdir: Path) -> str:
    """What xdist sends to one worker whole: a test module that defines a fixture its tests share (its builds are
    then made once), or else the test alone (the parameters of a test each alone too). From the test's ID and
    its module's source, so the controller, which collects nothing, finds the same units as the workers."""
    module = nodeid.split("::")[0]
    path = rootdir / module
    if path not in _shares:
        _shares[path] = path.is_file() and bool(SHARED_FIXTURE.search(path.read_text(encoding="utf-8")))
    return module if _shares[path] else nodeid


class SharedFixtureScheduling(LoadScopeScheduling):
    """xdist's `loadscope`, with work_unit() for the scope. (xdist's own `loadgroup` renames the tests' IDs to
    group them, which pytest 9 no longer lets a plugin do.)"""

    def _split_scope(self, nodeid: str) -> str:
        return work_unit(nodeid, self.config.rootpath)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log) -> LoadScopeScheduling | None:
    return SharedFixtureScheduling(config, log) if config.getvalue("dist") == "loadscope" else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the slow tests, then put the work units longest first (a unit's tests keep their order): xdist
    hands them out in this order (`--no-loadscope-reorder`)."""
    units: dict[str, list[pytest.Item]] = {}
    estimate: dict[str, float] = {}
    waits_for: dict[str, set[str]] = {}
    for item in items:
        slow = is_slow(item)
        if slow:
            item.add_marker(pytest.mark.slow)
        unit = work_unit(item.nodeid, config.rootpath).split("[")[0]  # a test's parameters one after another
        units.setdefault(unit, []).append(item)
        estimate[unit] = estimate.get(unit, 0.0) + (SLOW_ESTIMATE if slow else FAST_ESTIMATE)
        waits_for.setdefault(unit, set()).update(SHARED_BUILDS & set(item.fixturenames))
    order = sorted(units, key=lambda unit: -MEASURED_SECONDS.get(unit.split("/")[-1], estimate[unit]))
    # Both workers start at once: the second unit should not sit waiting for a shared build the first one makes.
    if len(order) > 2 and waits_for[order[0]] & waits_for[order[1]]:
        free = next((unit for unit in order[2:] if not waits_for[unit] & waits_for[order[0]]), None)
        if free is not None:
            order.remove(free)
            order.insert(1, free)
    items[:] = [item for unit in order for item in units[unit]]
