"""The hostile and broken corpus (issue 8), run whole: every case, and the counts by outcome.

The cases live in `tests/corpus/` (one module per area). Each case runs on a fresh copy of the example, with a
time limit. The check cases run in one test, two at a time, which counts the outcomes; each build case is a test
of its own, so that xdist spreads the builds over its workers. A case passes only with no internal error, no
hang, no leak, no lost input and its expectation met; the message names every case that went wrong.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import shutil
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

import corpus
from conftest import case_build, copy_project, every_byte, strategy_within
from corpus import Case

MINIMUM_CASES = 150


def all_cases() -> list[Case]:
    cases: list[Case] = []
    for module in pkgutil.iter_modules(corpus.__path__):
        cases += importlib.import_module(f"corpus.{module.name}").CASES
    return cases


@dataclass
class Outcome:
    case: Case
    kind: str  # "ok", "internal", "hang", "leak", "lost", "failed"
    detail: str = ""


def partner_input_files(root: Path) -> int:
    folder = root / "inputs" / "partner-inputs"
    return sum(1 for p in folder.rglob("*") if p.is_file() and not p.is_symlink()
               and p.suffix.lower() in (".yaml", ".yml") and not p.name.startswith(".")) if folder.is_dir() else 0


def judge(case: Case, root: Path, code: int | None, stdout: str, stderr: str) -> Outcome:
    if code is None:
        return Outcome(case, "hang", f"still running after {case.seconds:.0f} s")
    text = stdout + stderr
    if code == 2 or "Internal error" in text or "Traceback" in text:
        return Outcome(case, "internal", text[-600:])
    lines = stderr.splitlines()
    if case.expect == "problem":
        if code != 1:
            return Outcome(case, "failed", f"exit {code}, expected 1 with a problem; stderr: {stderr[-400:]}")
        kind = "problem"
    else:
        if code != 0:
            return Outcome(case, "failed", f"exit {code}, expected 0; stderr: {stderr[-600:]}")
        kind = "warning" if case.expect == "warning" else None
        if case.command == "check":
            found = re.search(r"(\d+) partner inputs", stdout)
            present = partner_input_files(root)
            if found and int(found.group(1)) < present - len([ln for ln in lines if "warning:" in ln]):
                return Outcome(case, "lost", f"{found.group(1)} inputs read, {present} files")
    if kind:
        where = case.file or ""
        if case.line is not None:
            where += f":{case.line}:"
        candidates = [ln for ln in lines if where in ln and (kind != "warning" or "warning:" in ln)]
        if case.field:
            candidates = [ln for ln in candidates if f"field '{case.field}'" in ln]
        if case.says:
            candidates = [ln for ln in candidates if case.says in ln]
        if not candidates:
            return Outcome(case, "failed", f"no {kind} line names {where or 'the case'}"
                           f"{' field ' + case.field if case.field else ''}"
                           f"{' saying ' + repr(case.says) if case.says else ''}; stderr: {stderr[-600:]}")
    return Outcome(case, "ok")


def run_case(case: Case, base: Path) -> Outcome:
    root = copy_project(base / re.sub(r"[^\w.-]", "_", case.name))
    try:
        case.make(root)
    except Exception as err:  # the case itself is broken: say so, it is not the pipeline's outcome
        return Outcome(case, "failed", f"the case could not be made: {type(err).__name__}: {err}")
    args = [case.command, "--project", str(root)]
    if case.command == "build":
        args += ["--audience", case.audience]
    code, stdout, stderr = strategy_within(args, case.seconds)
    outcome = judged_with_canaries(case, root, code, stdout, stderr)
    _tidy(root)
    return outcome


def judged_with_canaries(case: Case, root: Path, code: int | None, stdout: str, stderr: str) -> Outcome:
    """judge(), and for a build that went well, no canary of the case in any byte of the site."""
    outcome = judge(case, root, code, stdout, stderr)
    if outcome.kind == "ok" and case.canaries and case.command == "build" and code == 0:
        haystack = every_byte(root / "site")
        leaked = [c for c in case.canaries if c.encode() in haystack]
        if leaked:
            outcome = Outcome(case, "leak", f"found in the {case.audience} build: {', '.join(leaked)}")
    return outcome


def _tidy(root: Path) -> None:
    """Make everything removable again (cases may leave unreadable folders), then remove it."""
    for path in [root, *root.rglob("*")]:
        try:
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
        except OSError:
            pass
    shutil.rmtree(root, ignore_errors=True)


def test_corpus_names_are_unique_and_cover_enough_classes():
    cases = all_cases()
    names = Counter(c.name for c in cases)
    assert not [n for n, k in names.items() if k > 1], "duplicate case names"
    assert len(cases) >= MINIMUM_CASES, f"{len(cases)} cases; the corpus needs at least {MINIMUM_CASES}"


BUILD_CASES = [c for c in all_cases() if c.command == "build"]


def summary_of(outcomes: list[Outcome]) -> str:
    counts = Counter(o.kind for o in outcomes)
    by_class = Counter(o.case.cls for o in outcomes)
    return (f"{len(outcomes)} cases in {len(by_class)} classes: "
            + ", ".join(f"{counts.get(k, 0)} {k}" for k in ("ok", "internal", "hang", "leak", "lost", "failed")))


def test_every_check_case_of_the_corpus(tmp_path):
    checks = [c for c in all_cases() if c.command == "check"]
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(lambda c: run_case(c, tmp_path), checks))
    summary = summary_of(outcomes)
    print(summary)
    wrong = [o for o in outcomes if o.kind != "ok"]
    assert not wrong, summary + "\n" + "\n".join(f"- {o.case.name} [{o.case.cls}] {o.kind}: {o.detail}"
                                                 for o in wrong)


# Each build case is a test of its own (a build takes up to a minute): xdist spreads them over its workers.
@pytest.mark.parametrize("case", BUILD_CASES, ids=[c.name for c in BUILD_CASES])
def test_every_build_case_of_the_corpus(case: Case, tmp_path_factory):
    """The build is the session's (conftest.case_build), shared with the modules that read the same build."""
    build = case_build(tmp_path_factory, case)
    outcome = judged_with_canaries(case, build.root, build.code, build.stdout, build.stderr)
    assert outcome.kind == "ok", f"{case.name} [{case.cls}] {outcome.kind}: {outcome.detail}"
