"""The first check of a large project on two cores (issue 12) answers as one process answers.

`strategy check` of hundreds of inputs reads the partner inputs with a second process reading and parsing them
from the last one backwards (inputs/ahead.py), and runs its later checks alongside its first ones in another
(alongside.py). Each test runs the real check in a fresh process (a fork needs a process with no other thread,
which a pytest-xdist worker is not), once with the second processes and once without, and compares
everything it gives: the problems and warnings (file, line, field, words), the records, where each came from,
the inputs' fingerprint and texts, the report and the exit code; on copies mutated where the fast paths could
differ (broken YAML, duplicate keys, aliases, UTF-16, a BOM, CRLF, bytes that are not UTF-8), for the three
audiences, cold and warm. What the check keeps in .build/cache is the same, and never holds a withheld input's
text or an anonymous input's attribution.
"""

from __future__ import annotations

import json
import re
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import copy_project, strategy
from strategy.alongside import Alongside
from strategy.inputs import ahead
from strategy.inputs.sources import ParsedFiles, plain_text, read_text

PI = "inputs/partner-inputs"
# Enough inputs for both second processes (ahead.MIN_FILES, project.SHARED_FROM).
INPUTS = 600
WITHHELD_CANARY = "Our cooperation with the ILO has included work"  # PI-008's text, withheld
ANONYMOUS_CANARY = "as long as displaced people are served only by humanitarian"  # PI-009's text, anonymous

# The real check in a fresh process, with or without the second processes; what it gives as JSON.
CHECK = r"""
import hashlib, json, sys
from pathlib import Path
from strategy import alongside, project as P
from strategy.audience import Audience
from strategy.inputs import ahead
from strategy.problems import ProblemsFound

root, audience, fast = Path(sys.argv[1]), Audience(sys.argv[2]), sys.argv[3] == "fast"
used = {"taken": 0, "alongside": 0, "scans": 0}
stop, results, answer = ahead.ReadAhead.stop, alongside.Alongside.results, ahead.AfterReading.answer
def counted_answer(self):
    value = answer(self)
    used["scans"] += value is not None
    return value
ahead.AfterReading.answer = counted_answer
def counted_stop(self):
    used["taken"] += self.taken
    stop(self)
def counted_results(self):
    used["alongside"] += 1
    return results(self)
ahead.ReadAhead.stop, alongside.Alongside.results = counted_stop, counted_results
try:
    inputs = P.check(P.Project(root), audience, alongside=fast)
    said = {"warnings": [str(w) for w in inputs.warnings],
            "records": {k: v.model_dump(mode="json") for k, v in inputs.partner_inputs.items()},
            "others": [repr(x) for x in (inputs.countries, inputs.partners, inputs.meeting, inputs.feedback,
                                         inputs.headline, inputs.partner_images)],
            "origins": {k: str(v) for k, v in inputs.origins.items()},
            "fingerprint": inputs.fingerprint,
            "texts": hashlib.sha256(json.dumps(inputs.texts, sort_keys=True).encode()).hexdigest()}
except ProblemsFound as found:
    said = {"problems": [str(p) for p in found.problems]}
import os
try:  # every second process has ended and been waited for, whatever the check found
    os.waitpid(-1, os.WNOHANG)
    said["children left"] = True
except ChildProcessError:
    said["children left"] = False
said["used"] = used
print(json.dumps(said))
"""


def _checked(root: Path, audience: str = "partners", *, fast: bool) -> dict:
    """The check as `strategy check` runs it (fast: with second processes), or as a build runs it."""
    done = subprocess.run([sys.executable, "-c", CHECK, str(root), audience, "fast" if fast else "slow"],
                          capture_output=True, text=True, timeout=300, env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def _scaled(tmp_path: Path, count: int = INPUTS) -> Path:
    """The example with `count` partner inputs: its own, then copies of them under free IDs (PI-0000, ...)."""
    root = copy_project(tmp_path / "project")
    folder = root / PI
    originals = sorted(folder.glob("PI-*.yaml"))
    taken = {int(path.stem[3:]) for path in originals}
    free = [n for n in range(10_000) if n not in taken][: count - len(originals)]
    for index, number in enumerate(free):
        path = originals[index % len(originals)]
        text = path.read_text(encoding="utf-8").replace(f"id: {path.stem}", f"id: PI-{number:04d}", 1)
        (folder / f"PI-{number:04d}.yaml").write_text(text, encoding="utf-8")
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _same_either_way(root: Path, audience: str = "partners", *, cold: bool = True, loads: bool = True) -> dict:
    """The check with and without the second processes gives the same; the fast one did use them (`loads`:
    the inputs load without a problem, so that the checks across them run)."""
    import shutil

    if cold:
        shutil.rmtree(root / ".build", ignore_errors=True)
    fast = _checked(root, audience, fast=True)
    if cold:
        shutil.rmtree(root / ".build", ignore_errors=True)
    slow = _checked(root, audience, fast=False)
    used, fast["used"], alone, slow["used"] = fast["used"], None, slow["used"], None
    assert fast == slow
    assert alone == {"taken": 0, "alongside": 0, "scans": 0}  # as a build checks: no second process
    assert fast["children left"] is False
    assert used["taken"] > 0 and used["alongside"] == used["scans"] == loads, used
    return fast


# Valid but unusual files: each is read by the loader itself (UTF-16) or read ahead the same way (BOM, CRLF).
def _unusual_but_valid(root: Path) -> None:
    folder = root / PI
    last = sorted(folder.glob("PI-*.yaml"))[-1]  # the worker starts from the last file
    last.write_bytes(last.read_text(encoding="utf-8").encode("utf-16"))
    crlf = sorted(folder.glob("PI-*.yaml"))[-3]
    crlf.write_bytes(crlf.read_bytes().replace(b"\n", b"\r\n"))
    bom = sorted(folder.glob("PI-*.yaml"))[-5]
    bom.write_bytes(b"\xef\xbb\xbf" + bom.read_bytes())


# Problems placed near the end, where the worker reads first, and one near the start, where the loader does.
def _broken_here_and_there(root: Path) -> None:
    files = sorted((root / PI).glob("PI-*.yaml"))
    _edit(files[-2], "partner:", "summary: [unclosed\npartner:")  # broken YAML: its message and line
    _edit(files[-4], "partner:", "partner: twice\npartner:")  # a key twice
    files[-6].write_bytes(files[-6].read_bytes().replace(b"partner:", b"\xff\xfe partner:", 1))  # not UTF-8
    _edit(files[-8], "partner:", "anchor: &a one\nagain: *a\npartner:")  # an alias
    _edit(files[-10], "illustrative: true", "illustrative: sometimes")  # a record that does not validate
    _edit(files[3], "partner:", "summary: [unclosed\npartner:")
    _edit(files[-12], "id: ", "id: PI-9x\nold_id: ")  # an ID of the wrong form
    # What the worker must refuse from stat alone, as the loader does, never opening it: a named pipe would
    # block a read for ever; a link out of the project reads what was never meant to be published.
    files[-14].unlink()
    os.mkfifo(files[-14])
    outside = root.parent / "outside.yaml"
    outside.write_text(files[-16].read_text(encoding="utf-8"), encoding="utf-8")
    files[-16].unlink()
    files[-16].symlink_to(outside)


@pytest.mark.parametrize("audience", ["partners", "public", "internal"])
def test_a_cold_check_gives_the_same_records_and_warnings_for_each_audience(tmp_path, audience):
    root = _scaled(tmp_path)
    _unusual_but_valid(root)
    said = _same_either_way(root, audience)
    assert len(said["records"]) == INPUTS and said["warnings"]


def test_a_warm_check_gives_the_same_as_a_cold_one(tmp_path):
    root = _scaled(tmp_path)
    _unusual_but_valid(root)
    cold = _same_either_way(root)
    assert (root / ".build" / ParsedFiles.FILE).exists()
    assert _same_either_way(root, cold=False) == cold


def test_problems_have_the_same_files_lines_and_words_either_way(tmp_path):
    root = _scaled(tmp_path)
    _broken_here_and_there(root)
    said = _same_either_way(root, loads=False)
    problems = said["problems"]
    files = sorted((root / PI).glob("PI-*.yaml"))
    for index in (-2, -4, -6, -8, -10, -12, -14, -16, 3):
        assert any(p.startswith(f"{PI}/{files[index].name}:") for p in problems), (files[index].name, problems)


def test_the_command_reports_a_broken_file_alike_and_exits_1_without_a_traceback(tmp_path):
    root = _scaled(tmp_path)
    _broken_here_and_there(root)
    fast = strategy("check", "--project", str(root))
    slow_code = ("import sys; from strategy import project; from strategy.inputs import ahead\n"
                 "ahead.MIN_FILES = project.SHARED_FROM = 10**9\n"
                 "from strategy.cli import main; main(['check', '--project', sys.argv[1]])")
    slow = subprocess.run([sys.executable, "-c", slow_code, str(root)], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}, timeout=300)
    assert fast.returncode == slow.returncode == 1
    assert (fast.stdout, fast.stderr) == (slow.stdout, slow.stderr)
    assert "Traceback" not in fast.stderr
    broken = sorted((root / PI).glob("PI-*.yaml"))[-2].name
    assert re.search(rf"{PI}/{broken}:\d+: expected valid YAML", fast.stderr), fast.stderr[-2000:]


def test_the_caches_are_the_same_and_hold_no_withheld_or_anonymous_text(tmp_path):
    import shutil

    root = _scaled(tmp_path)
    _same_either_way(root)  # the slow check ran last: its caches
    slow = {p.relative_to(root / ".build"): p.read_bytes() for p in (root / ".build").rglob("*") if p.is_file()}
    shutil.rmtree(root / ".build")
    assert _checked(root, fast=True)["used"]["taken"] > 0
    fast = {p.relative_to(root / ".build"): p.read_bytes() for p in (root / ".build").rglob("*") if p.is_file()}
    assert fast.keys() == slow.keys()
    parsed = Path(ParsedFiles.FILE)
    assert pickle.loads(fast.pop(parsed)) == pickle.loads(slow.pop(parsed))  # the same entries, any order
    assert fast == slow
    for audience in ("partners", "public", "internal"):  # cold, then after one another
        if audience == "partners":
            shutil.rmtree(root / ".build")
        assert _checked(root, audience, fast=True)["used"]["taken"] > 0
        for content in (root / ".build").rglob("*"):
            if content.is_file():
                data = content.read_bytes()
                assert WITHHELD_CANARY.encode() not in data and ANONYMOUS_CANARY.encode() not in data, content


def test_the_text_read_ahead_is_the_text_the_loader_reads(tmp_path):
    """plain_text gives read_text's text for every file it takes, and takes no file read_text reads otherwise."""
    cases = {"plain": b"id: PI-001\n", "bom": b"\xef\xbb\xbfid: x\r\n", "crlf": b"a: 1\r\nb: 2\r\n",
             "utf16": "id: x\n".encode("utf-16"), "utf16be": b"\xfe\xff\x00a", "nul": b"a: \x00\n",
             "latin1": b"a: caf\xe9\n", "lone cr": b"a: 1\rb: 2\n", "empty": b""}
    for name, raw in cases.items():
        path = tmp_path / f"{name}.yaml"
        path.write_bytes(raw)
        text, problems = read_text(path, path.name)
        assert plain_text(raw) == (text if not raw.startswith((b"\xff\xfe", b"\xfe\xff")) else None), name


def test_no_second_process_where_a_thread_runs_or_for_few_files(tmp_path):
    """A fork copies only the calling thread: a process with another thread (a build, with its pools) reads
    alone; so does a check of fewer files than a fork pays for."""
    import threading

    from strategy.inputs.sources import Reading

    names = [f"PI-{n:04d}.yaml" for n in range(ahead.MIN_FILES)]
    started = threading.Event()
    done = threading.Event()
    thread = threading.Thread(target=lambda: (started.set(), done.wait()))
    thread.start()
    started.wait()
    try:
        assert ahead.ReadAhead.start(tmp_path, names, str, None, Reading()) is None
        assert Alongside.start([list]) is None
    finally:
        done.set()
        thread.join()
    assert ahead.ReadAhead.start(tmp_path, names[:-1], str, None, Reading()) is None


# Alongside's own rules, in a fresh process (no other thread): answers in order, a step that raises raised
# here, the worker's log records passed to this process's handlers in their place.
ALONGSIDE = r"""
import logging, os, sys
from strategy.alongside import Alongside
seen = []
class Keep(logging.Handler):
    def emit(self, record):
        seen.append(f"{record.name}:{record.getMessage()}:{os.getpid() == parent}")
parent = os.getpid()
logging.getLogger().addHandler(Keep())
logging.getLogger().setLevel(logging.DEBUG)
log = logging.getLogger("strategy.step")
def one():
    log.debug("one %s", 1)
    return [1]
def two():
    log.info("two")
    return [2, 2]
def fails():
    if os.getpid() != parent:
        log.debug("failing in the worker")
    raise ValueError("the same error")
def dies():
    if os.getpid() != parent:
        os._exit(3)
    return ["here"]
case = sys.argv[1]
steps = {"order": [one, two], "raises": [one, fails, two], "dies": [one, dies, two]}[case]
worker = Alongside.start(steps)
assert worker is not None
try:
    print(worker.results(), seen)
except ValueError as err:
    print("raised", err, seen)
finally:
    worker.stop()
"""


@pytest.mark.parametrize("case, said", [
    ("order", "[1, 2, 2] ['strategy.step:one 1:True', 'strategy.step:two:True']"),
    # The step that raised in the worker runs here again and raises; what it logged there is not passed on.
    ("raises", "raised the same error ['strategy.step:one 1:True']"),
    # A worker that dies: what it had not answered runs here.
    ("dies", "[1, 'here', 2, 2] ['strategy.step:one 1:True', 'strategy.step:two:True']"),
])
def test_steps_run_alongside_answer_and_log_as_run_here(case, said):
    done = subprocess.run([sys.executable, "-c", ALONGSIDE, case], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == said


def test_alongside_passes_records_as_the_handlers_here_would_see_them():
    """Level and filters are applied in the worker as here: a record below the level is not passed on."""
    code = ALONGSIDE.replace('logging.getLogger().setLevel(logging.DEBUG)',
                             'logging.getLogger().setLevel(logging.INFO)')
    done = subprocess.run([sys.executable, "-c", code, "order"], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[1, 2, 2] ['strategy.step:two:True']", done.stderr


# The job after reading in the worker that reads ahead: its answer, or None when it failed (the caller then works
# it out), and the worker ended either way.
AFTER_READING = r"""
import os, sys
from pathlib import Path
from strategy.facts import file_scans
from strategy.inputs import load_inputs
from strategy.inputs.ahead import AfterReading
root = Path(sys.argv[1])
def fails(texts):
    raise ValueError("in the worker")
for job in (lambda texts: file_scans(root, Path("inputs"), texts), fails):
    after = AfterReading(job)
    inputs = load_inputs(root / "inputs", root, None, after)
    assert after.worker is not None
    answer = after.answer()
    if job is fails:
        assert answer is None
    else:
        assert answer == file_scans(root, Path("inputs"), inputs.texts) == file_scans(root, Path("inputs"))
        assert len(answer[0]) > 500, len(answer[0])
    try:
        os.waitpid(-1, os.WNOHANG)
        raise AssertionError("a worker was left")
    except ChildProcessError:
        pass
print("ok")
"""


def test_the_facts_checks_reading_done_after_reading_ahead_is_the_same_or_done_here(tmp_path):
    root = _scaled(tmp_path)
    _unusual_but_valid(root)
    done = subprocess.run([sys.executable, "-c", AFTER_READING, str(root)], capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.strip() == "ok", done.stderr[-3000:]
