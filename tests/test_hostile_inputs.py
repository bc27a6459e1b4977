"""Broken files and a hostile machine (issue 8, section 3): a clear problem, fast, never "Internal error".

The corpus (tests/corpus/inputs.py) covers the file classes through `strategy check`; here are what it cannot
express: files and folders the user may not read (the tests run as root, which reads everything), a full disk
and read-only or unwritable output folders for `strategy build`, and a property-based test that throws
generated, mutated, deeply nested and binary files at the loader.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import copy_project, digest
from strategy.inputs import load_inputs
from strategy.problems import ProblemsFound

PI1 = "inputs/partner-inputs/PI-001.yaml"


def run(prefix: list[str], *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    """The real `strategy` command, behind `prefix` (a command that changes what the process may do)."""
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run([*prefix, sys.executable, "-m", "strategy.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=env, stdin=subprocess.DEVNULL)


# Root reads every file whatever its mode. The interpreter lives under /root (mode 700), out of reach of the
# nobody user, so the command runs as root without the two capabilities that bypass file permissions: the
# kernel then checks every mode bit, exactly as for an unprivileged owner of the files.
WITHOUT_PERMISSION_BYPASS = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
needs_setpriv = pytest.mark.skipif(shutil.which("setpriv") is None, reason="setpriv (util-linux) is not installed")


def _no_crash(done: subprocess.CompletedProcess) -> None:
    assert done.returncode != 2 and "Internal error" not in done.stderr and "Traceback" not in done.stderr, \
        done.stderr[-2000:]


@needs_setpriv
def test_unprivileged_check_passes_on_readable_copy(tmp_path):
    """The control: without the bypass, a readable example still passes, so the failures below are the modes."""
    root = copy_project(tmp_path / "project")
    done = run(WITHOUT_PERMISSION_BYPASS, "check", "--project", str(root), timeout=60)
    assert done.returncode == 0, done.stderr


@needs_setpriv
@pytest.mark.parametrize("relative, mode, expected", [
    (PI1, 0o000, f"{PI1}: expected a readable file; found Permission denied"),
    ("inputs/partners.yaml", 0o200, "inputs/partners.yaml: expected a readable file; found Permission denied"),
    ("inputs/results/countries.csv", 0o000,
     "inputs/results/countries.csv: expected a readable file; found Permission denied"),
    ("inputs/partner-inputs", 0o000, "inputs/partner-inputs: expected a folder that can be listed; found Permission"),
    ("inputs/partner-inputs", 0o300, "inputs/partner-inputs: expected a folder that can be listed; found Permission"),
    ("inputs/results", 0o000, "inputs/results/summary.yaml: expected a readable file; found Permission denied"),
])
def test_unreadable_file_or_folder_is_named(tmp_path, relative, mode, expected):
    root = copy_project(tmp_path / "project")
    (root / relative).chmod(mode)
    try:
        started = time.monotonic()
        done = run(WITHOUT_PERMISSION_BYPASS, "check", "--project", str(root), timeout=60)
    finally:
        (root / relative).chmod(0o755)
    _no_crash(done)
    assert done.returncode == 1
    assert expected in done.stderr, done.stderr
    assert time.monotonic() - started < 30


def _previous_outputs(root: Path) -> str:
    """Stand-ins for the outputs of an earlier build: they must be exactly as they were after a failed one."""
    (root / "site").mkdir()
    (root / "site" / "index.html").write_text("<p>the previous site</p>", encoding="utf-8")
    (root / "reports").mkdir()
    (root / "reports" / "provenance.md").write_text("the previous report", encoding="utf-8")
    return digest(root / "site") + digest(root / "reports")


def _one_clear_problem(done: subprocess.CompletedProcess, *phrases: str) -> str:
    _no_crash(done)
    assert done.returncode == 1, done.stderr[-2000:]
    lines = [ln for ln in done.stderr.splitlines() if all(p in ln for p in phrases)]
    assert lines, done.stderr[-2000:]
    assert "problem found:" in done.stderr or "problems found:" in done.stderr
    return lines[0]


private_mounts = pytest.mark.skipif(
    shutil.which("unshare") is None
    or subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode != 0,
    reason="no private mount namespace here (unshare -m): a full or read-only file system cannot be made")


def _with_tmpfs(folder: Path, options: str) -> list[str]:
    """Run the command in a private mount namespace where `folder` is a small tmpfs: a real file system that
    fills up or refuses writes, seen by this command only."""
    folder.mkdir(parents=True, exist_ok=True)
    return ["unshare", "-m", "sh", "-c", 'mount -t tmpfs -o "$1" tmpfs "$2" && shift 2 && exec "$@"', "sh",
            options, str(folder)]


@private_mounts
@pytest.mark.parametrize("folder", [".build"])  # every build writes there first, site and report alike
def test_full_disk_is_one_clear_problem_and_previous_outputs_stay(tmp_path, folder):
    root = copy_project(tmp_path / "project")
    before = _previous_outputs(root)
    done = run(_with_tmpfs(root / folder, "size=48k"), "build", "--project", str(root), timeout=600)
    line = _one_clear_problem(done, "No space left on device")
    assert folder in line, line
    assert digest(root / "site") + digest(root / "reports") == before


@private_mounts
def test_read_only_output_folder_is_one_clear_problem(tmp_path):
    root = copy_project(tmp_path / "project")
    before = _previous_outputs(root)
    done = run(_with_tmpfs(root / ".build", "ro,size=1m"), "build", "--project", str(root), timeout=600)
    line = _one_clear_problem(done, "Read-only file system", ".build")
    assert "EROFS" in line
    assert digest(root / "site") + digest(root / "reports") == before


def _file_size_limit(limit: int):
    def limit_child() -> None:
        import resource
        import signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return limit_child


def test_file_size_limit_is_one_clear_problem(tmp_path):
    """RLIMIT_FSIZE: the other way a write fails part-way (EFBIG), on any machine, without a mount."""
    root = copy_project(tmp_path / "project")
    before = _previous_outputs(root)
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-m", "strategy.cli", "build", "--project", str(root)],
                          capture_output=True, text=True, timeout=600, env=env, stdin=subprocess.DEVNULL,
                          preexec_fn=_file_size_limit(40_000))
    line = _one_clear_problem(done, "File too large")
    assert str(root.name) in line or "docs/" in line or ".build" in line, line  # the path written to is named
    assert digest(root / "site") + digest(root / "reports") == before


@needs_setpriv
def test_unwritable_project_folder_is_one_clear_problem(tmp_path):
    root = copy_project(tmp_path / "project")
    before = _previous_outputs(root)
    for folder in (root, root / "docs"):
        folder.chmod(0o555)
    try:
        done = run(WITHOUT_PERMISSION_BYPASS, "build", "--project", str(root), timeout=600)
    finally:
        for folder in (root, root / "docs"):
            folder.chmod(0o755)
    line = _one_clear_problem(done, "Permission denied")
    assert "EACCES" in line and ("docs/generated" in line or ".build" in line), line
    assert digest(root / "site") + digest(root / "reports") == before


def test_problems_are_printed_literally(tmp_path):
    """Rich would turn :smile: into an emoji and [red] into colour; a problem quotes the file as it is."""
    root = copy_project(tmp_path / "project")
    path = root / PI1
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("partner: ", 'partner: "[red]x[/red] :smile: [/] [bold', 1).replace(
        "\ntiming:", '"\ntiming:', 1), encoding="utf-8")
    done = run([], "check", "--project", str(root), timeout=60)
    assert done.returncode == 1, done.stderr
    assert "'[red]x[/red] :smile: [/] [bold" in done.stderr, done.stderr
    assert "\N{SMILING FACE WITH OPEN MOUTH AND SMILING EYES}" not in done.stderr


# --- the loader against generated files -----------------------------------------------------------------------

YAML_TARGETS = [PI1, "inputs/meeting.yaml", "inputs/results/summary.yaml", "inputs/glossary.yaml",
                "inputs/partners.yaml"]
CSV_TARGETS = ["inputs/results/countries.csv", "inputs/countries.csv"]
SECONDS_PER_LOAD = 10

scalars = (st.none() | st.booleans() | st.integers() | st.integers(min_value=10**40, max_value=10**400)
           | st.floats(allow_nan=True) | st.text(max_size=40) | st.dates() | st.datetimes()
           | st.sampled_from(["2025-02-30", "1e99999", "0x" + "f" * 60, "PI-٠٠١", "[red]x[/red] :smile:",
                              "~", "*alias", "&anchor x", "!!python/object:os.system", "- -", "{", "[", "\t"]))
values = st.recursive(scalars, lambda children: st.lists(children, max_size=4)
                      | st.dictionaries(st.text(max_size=12) | st.integers(), children, max_size=4), max_leaves=12)


@st.composite
def mutated(draw, original: bytes) -> bytes:
    """The original file with a few bytes replaced, inserted or deleted, or lines dropped or repeated."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        kind = draw(st.sampled_from(["replace", "insert", "delete", "drop-line", "repeat-line"]))
        byte = draw(st.sampled_from(b"\x00\t\n\r :-[]{}#&*!|>'\"%@`,;0123456789eE\xc3\xff"))
        if kind == "replace" and data:
            data[at] = byte
        elif kind == "insert":
            data[at:at] = bytes([byte])
        elif kind == "delete" and data:
            del data[at]
        else:
            lines = bytes(data).split(b"\n")
            index = at % len(lines)
            lines[index:index + 1] = [] if kind == "drop-line" else [lines[index]] * 2
            data = bytearray(b"\n".join(lines))
    return bytes(data)


@st.composite
def yaml_edit(draw, original: bytes) -> bytes:
    """The original YAML with one value somewhere replaced by a generated one, dumped again as YAML."""
    data = yaml.safe_load(original)
    node = data
    while isinstance(node, (dict, list)) and node and draw(st.booleans()):
        key = draw(st.sampled_from(list(node) if isinstance(node, dict) else list(range(len(node)))))
        if not isinstance(node[key], (dict, list)):
            break
        node = node[key]
    if isinstance(node, dict) and node:
        node[draw(st.sampled_from(list(node)))] = draw(values)
    elif isinstance(node, list) and node:
        node[draw(st.integers(0, len(node) - 1))] = draw(values)
    else:
        data = draw(values)
    return yaml.safe_dump(data, allow_unicode=draw(st.booleans())).encode("utf-8")


def deep(levels: int) -> st.SearchStrategy[bytes]:
    return st.sampled_from([b"[" * levels + b"]" * levels, b"x: " + b"{a: " * levels + b"1" + b"}" * levels,
                            b"- " * levels + b"x\n",
                            b"".join(b"  " * i + b"a:\n" for i in range(levels)) + b"  " * levels + b"b: 1\n"])


cells = st.text(st.sampled_from(list("abc019,;\"\n\r ") + ["é", "\x00", "٣"]), max_size=8)


@st.composite
def csv_edit(draw, original: bytes) -> bytes:
    """The original CSV with a cell replaced, or a whole generated table (any number of rows and cells)."""
    rows = list(csv.reader(io.StringIO(original.decode("utf-8"))))
    if draw(st.booleans()):
        row = draw(st.integers(0, len(rows) - 1))
        if rows[row]:
            rows[row][draw(st.integers(0, len(rows[row]) - 1))] = draw(cells | st.integers().map(str))
    else:
        rows = draw(st.lists(st.lists(cells, max_size=8), max_size=8))
    out = io.StringIO()
    csv.writer(out, delimiter=draw(st.sampled_from([",", ";"]))).writerows(rows)
    return out.getvalue().encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"])), errors="replace")


@pytest.fixture(scope="module")
def loader_project(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("hypothesis"))


def _contents(target: str, original: bytes) -> st.SearchStrategy[bytes]:
    shaped = csv_edit(original) if target.endswith(".csv") else yaml_edit(original)
    return st.one_of(st.just(original), mutated(original), shaped, deep(40), deep(5000), st.binary(max_size=2048))


@st.composite
def hostile_file(draw) -> tuple[str, bytes]:
    target = draw(st.sampled_from(YAML_TARGETS + CSV_TARGETS))
    original = (Path(__file__).resolve().parent.parent / target).read_bytes()
    return target, draw(_contents(target, original))


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow, HealthCheck.data_too_large])
@given(hostile_file())
def test_any_file_ends_in_records_or_problems_naming_it(loader_project, case):
    target, content = case
    path = loader_project / target
    original = path.read_bytes()
    path.write_bytes(content)
    try:
        started = time.monotonic()
        try:
            load_inputs(loader_project / "inputs", loader_project)
        except ProblemsFound as found:
            assert found.problems, "ProblemsFound without a problem"
            name = Path(target).name
            assert any(p.file == target or name in str(p) for p in found.problems), \
                f"no problem names {target}: {found.report()[:1500]}"
        assert time.monotonic() - started < SECONDS_PER_LOAD
    finally:
        path.write_bytes(original)
