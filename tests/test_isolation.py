"""Builds cannot contaminate each other (issue 8): private folders, one build at a time, nothing read from
docs/generated, no address of the build machine in any output, nothing but regular files from docs/."""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pikepdf

from conftest import Run, contents, copy_project, every_byte, start_tags, strategy
from corpus.isolation import AUTHOR_LINKS, CASES, _author_links, plant_withheld_canary
from test_corpus import run_case

CANARY = "CANARYISOLATIONWITHHELD5T"
PDFS = ("spf-flagship-phase-iii-strategy.pdf", "spf-flagship-phase-iii-strategy-archive.pdf")


def start_build(root: Path, audience: str) -> subprocess.Popen:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.Popen([sys.executable, "-m", "strategy.cli", "build", "--project", str(root), "--audience",
                             audience], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def finish(process: subprocess.Popen) -> Run:
    stdout, stderr = process.communicate(timeout=600)
    return Run(process.returncode, stdout, stderr)


def files_holding(root: Path, needle: str, skip: tuple[str, ...] = ("inputs",)) -> list[str]:
    """Every file under the project (but `skip`) whose contents hold `needle`."""
    found = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if relative.parts[0] in skip or not path.is_file() or path.is_symlink():
            continue
        if needle.encode() in contents(path):
            found.append(relative.as_posix())
    return found


def test_two_builds_in_one_folder_take_turns_and_the_outside_one_leaves_no_withheld_text(tmp_path):
    """An internal build, then a partners build started while it runs: the second waits and says so, both
    succeed, and afterwards no withheld word is on disk outside the inputs (no private folder, no old site)."""
    root = copy_project(tmp_path / "project")
    plant_withheld_canary(root, CANARY)
    first = start_build(root, "internal")
    deadline = time.monotonic() + 120
    lock = root / ".build" / "lock"
    while not (lock.is_file() and lock.read_text().strip() == str(first.pid)):  # the first holds the lock
        assert first.poll() is None and time.monotonic() < deadline, "the first build never took the lock"
        time.sleep(0.05)
    second = start_build(root, "partners")
    internal, partners = finish(first), finish(second)
    assert internal.returncode == 0, internal.stderr
    assert partners.returncode == 0, partners.stderr
    assert "Waiting for another build in this folder to finish" in partners.stderr
    assert f"process {first.pid}" in partners.stderr
    assert "Waiting" not in internal.stderr
    for run in (internal, partners):
        assert "nothing there" not in run.stderr and "Traceback" not in run.stderr
    site = root / "site"
    assert (site / "index.html").is_file() and (site / PDFS[0]).is_file()  # draft builds: the reading PDF
    assert CANARY.encode() not in every_byte(site)
    assert files_holding(root, CANARY) == []
    assert sorted(p.name for p in (root / ".build").iterdir()) == ["cache", "lock", "print.html"]
    assert not (root / "docs" / "generated").exists()  # builds write nothing into docs/


def test_chapters_written_for_insiders_during_a_build_are_never_published(tmp_path):
    """`strategy chapters --audience internal` writes withheld text into docs/generated again and again
    while a partners build runs: neither that build nor a plain `mkdocs build` afterwards publishes it."""
    root = copy_project(tmp_path / "project")
    plant_withheld_canary(root, CANARY)
    build = start_build(root, "partners")
    writes = 0
    while build.poll() is None:
        assert strategy("chapters", "--project", str(root), "--audience", "internal").returncode == 0
        writes += 1
    run = finish(build)
    assert run.returncode == 0, run.stderr
    assert writes >= 2
    # The internal chapters hold it (the register, and the synthesis, which may quote it for insiders).
    assert files_holding(root / "docs", CANARY, skip=()) == ["generated/inputs-received.md",
                                                             "generated/partner-inputs.md"]
    assert CANARY.encode() not in every_byte(root / "site")
    # ... and so does their plain copy of the site's sources (website/plain.py), which no build reads.
    plain = root / ".build" / "plain"
    assert files_holding(plain, CANARY, skip=()) == ["docs/generated/inputs-received.md",
                                                     "docs/generated/partner-inputs.md"]
    assert [f for f in files_holding(root, CANARY, skip=("inputs", "docs"))
            if not f.startswith(".build/plain/")] == []
    mkdocs = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=root, capture_output=True,
                            text=True, timeout=300)
    assert mkdocs.returncode == 0, mkdocs.stderr
    assert CANARY.encode() not in every_byte(root / "site")
    assert (root / "site" / "generated" / "partner-inputs.html").is_file()


def test_links_in_author_pages_never_point_at_the_build_machine(tmp_path):
    """Raw HTML links and images in an author page (to /etc/passwd, ../secret.txt, an empty or
    protocol-relative address, file://) reach neither the PDF's link annotations nor the Word version as
    addresses; no byte of any output names the project's folder."""
    root = copy_project(tmp_path / "project")
    _author_links(root)
    run = strategy("build", "--release", "--project", str(root))  # both PDF editions
    assert run.returncode == 0, run.stderr
    site = root / "site"
    for name in PDFS:
        with pikepdf.open(site / name) as pdf:
            targets = [annotation.get("/A") for page in pdf.pages for annotation in page.get("/Annots", [])]
        outside = [str(action.get("/URI", action.get("/F", ""))) for action in targets if action is not None]
        assert all(re.match(r"(https?://|mailto:)", uri) for uri in outside), outside
        assert not [a for a in targets if a is not None and str(a.get("/S")) in ("/Launch", "/GoToR")]
    with zipfile.ZipFile(site / "spf-flagship-phase-iii-strategy.docx") as package:
        relations = package.read("word/_rels/document.xml.rels").decode()
    external = re.findall(r'Target="([^"]+)"[^>]*TargetMode="External"', relations)
    assert all(re.match(r"(https?://|mailto:)", target) for target in external), external
    # No byte of any output or report names the project's folder or a file: URL of the machine.
    for path in [*site.rglob("*"), *(root / "reports").rglob("*")]:
        if path.is_file():
            data = contents(path)
            for needle in (str(root), str(root.resolve()), "file:///etc", "file:///tmp"):
                assert needle.encode() not in data, (path, needle)
    # The PDF and the Word version keep the words of each dropped link, and no address at all.
    for name in (*PDFS, "spf-flagship-phase-iii-strategy.docx"):
        data = contents(site / name)
        for needle in (b"/etc/passwd", b"secret.txt", b"/etc/hostname", b"build-host.invalid", b"file://", b"../../x.png"):
            assert needle not in data, (name, needle)
    assert b"the password file" in contents(site / "spf-flagship-phase-iii-strategy.docx")
    # The site shows the page as written (the browser resolves its links on the web server), with no file:
    # URL, and the non-page file the Markdown link names is published beside it.
    for page in site.rglob("*.html"):
        for tag, attrs in start_tags(page.read_text(encoding="utf-8")):
            assert not any((value or "").strip().lower().startswith("file:") for _, value in attrs), (page, tag)
    assert (site / "notes.txt").is_file() and "the password file" in (site / "vision.html").read_text()
    assert AUTHOR_LINKS  # the links the corpus case adds are the ones checked here


def test_symlinks_in_docs_stop_a_plain_mkdocs_build_before_it_walks_them(tmp_path):
    """MkDocs alone (without `strategy build`) refuses them too, naming each; a folder link round a loop
    would otherwise make it walk docs/again/again/… ."""
    root = copy_project(tmp_path / "project")
    (root / "docs" / "again").symlink_to(".")
    (root / "docs" / "hostname.md").symlink_to("/etc/hostname")
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=root, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 1
    assert "docs/again: expected a symlink to a regular file inside the project; found a symlink to docs, a folder" \
        in run.stderr, run.stderr
    assert "docs/hostname.md: expected a symlink to a regular file inside the project; found a symlink to " \
           "/etc/hostname, outside the project" in run.stderr
    assert "Traceback" not in run.stderr and not (root / "site").exists()


def test_a_build_that_cannot_get_its_turn_stops_with_a_clear_message(tmp_path):
    """`strategy build` and `mkdocs build` wait for the build that holds the lock, then give up, named."""
    root = copy_project(tmp_path / "project")
    (root / ".build").mkdir()
    with open(root / ".build" / "lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        held.write("4242\n")
        held.flush()
        run = strategy("build", "--project", str(root), env={"STRATEGY_LOCK_SECONDS": "1"})
        # MkDocs alone writes into site/ itself, so it takes its turn too.
        mkdocs = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=root, capture_output=True,
                                text=True, timeout=120, env={**os.environ, "STRATEGY_LOCK_SECONDS": "1"})
    assert mkdocs.returncode == 1 and "Waiting for another build in this folder to finish (process 4242)" in mkdocs.stderr
    assert "another build still running (process 4242)" in mkdocs.stderr and "Traceback" not in mkdocs.stderr
    assert run.returncode == 1
    assert "Waiting for another build in this folder to finish (process 4242)" in run.stderr
    assert (".build/lock: expected no other build running in this folder within 1 s; found another build still "
            "running (process 4242)") in run.stderr, run.stderr
    assert "Traceback" not in run.stderr and not (root / "site").exists()
    assert not [p for p in (root / ".build").iterdir() if p.name.startswith("build-")]


def test_render_workers_date_their_output_by_the_edition():
    """fontTools stamps the fonts it subsets with SOURCE_DATE_EPOCH when it is set: each render worker gets
    the edition date, whatever the parent's environment."""
    from strategy.build import _limit_worker

    with ProcessPoolExecutor(max_workers=1, initializer=_limit_worker, initargs=(60, 4 * 2**30, 1774569600)) as pool:
        assert pool.submit(os.getenv, "SOURCE_DATE_EPOCH").result() == "1774569600"


def test_check_cases_of_the_isolation_corpus(tmp_path):
    """The cheap half of tests/corpus/isolation.py (the build cases run with the whole corpus)."""
    outcomes = [run_case(case, tmp_path) for case in CASES if case.command == "check"]
    assert len(outcomes) >= 10
    wrong = [f"{o.case.name}: {o.kind} {o.detail}" for o in outcomes if o.kind != "ok"]
    assert not wrong, "\n".join(wrong)
