"""Editions (issue 11, items 1 and 2): `strategy release` cuts an edition into editions/<slug>/, refusing a dirty,
invalid or unfinished tree and a label released before; every build then rebuilds each earlier edition into
site/editions/<slug>/ with a banner to the current edition, byte for byte as released, from a cache, and never
with more than today's consent allows.

One release and two builds of a releasable copy of the example are shared by most tests (each build ~30 s);
a third project narrows a consent after the release. The cache lives under the test's own folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import posixpath
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from conftest import Run, copy_project, digest, every_byte, make_releasable, start_tags, strategy
from strategy.editions import EditionRecord, moved_to_next, previous_edition, sources_fingerprint, stored_editions

NEXT_DATE = "2026-01-15"
# A sentence of PI-001 (Luxembourg, named), which the example shows in the register of partner inputs.
PI_001_TEXT = b"out-of-pocket spending in the countries we accompany"


def sha(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def copy_sources(root: Path, into: Path) -> Path:
    """A project with the same sources and editions history, without outputs."""
    shutil.copytree(root, into, ignore=shutil.ignore_patterns("site", ".build", "reports"))
    return into


@dataclass
class Released:
    root: Path
    cache: Path
    strategy_before: str
    release: Run
    outputs_at_release: dict[str, str]  # the site's files right after the release, by name

    def run(self, *args: str) -> Run:
        return strategy(*args, "--project", str(self.root), env={"STRATEGY_CACHE_DIR": str(self.cache)})

    @property
    def record(self) -> EditionRecord:
        return stored_editions(self.root)[0].record


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Released:
    cache = tmp_path_factory.mktemp("cache")
    root = copy_project(tmp_path_factory.mktemp("release") / "project")
    make_releasable(root)
    before = (root / "strategy.yml").read_text(encoding="utf-8")
    run = strategy("release", "--next", "Draft 2", "--date", NEXT_DATE, "--project", str(root),
                   env={"STRATEGY_CACHE_DIR": str(cache)})
    assert run.returncode == 0, run.stderr
    outputs = {p.name: sha(p) for p in (root / "site").iterdir() if p.suffix in (".pdf", ".docx")}
    return Released(root, cache, before, run, outputs)


@dataclass
class Built:
    first: Run
    second: Run
    entries_after_first: dict[str, float]  # cache entry -> mtime of its entry.json
    entries_after_second: dict[str, float]
    earlier_digest_first: str
    earlier_digest_second: str


def cache_entries(cache: Path) -> dict[str, float]:
    folder = cache / "editions"
    return {p.name: (p / "entry.json").stat().st_mtime_ns for p in folder.iterdir()} if folder.is_dir() else {}


@pytest.fixture(scope="module")
def built(released: Released) -> Built:
    first = released.run("build")
    assert first.returncode == 0, first.stderr
    after_first = cache_entries(released.cache)
    earlier = released.root / "site" / "editions" / "draft-1"
    digest_first = digest(earlier)
    second = released.run("build")
    assert second.returncode == 0, second.stderr
    return Built(first, second, after_first, cache_entries(released.cache), digest_first, digest(earlier))


# --- refusals (no build runs) -------------------------------------------------------------------------------


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@ilo.org", "-c", "init.defaultBranch=main",
                    *args], cwd=root, check=True, capture_output=True)


def test_release_is_refused_on_uncommitted_sources(tmp_path):
    root = copy_project(tmp_path / "project")
    make_releasable(root)
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "Draft 1")
    vision = root / "docs" / "vision.md"
    vision.write_text(vision.read_text(encoding="utf-8") + "\nA late sentence.\n", encoding="utf-8")
    (root / "docs" / "notes.md").write_text("# Notes\n", encoding="utf-8")
    strategy_before = (root / "strategy.yml").read_text(encoding="utf-8")

    run = strategy("release", "--next", "Draft 2", "--project", str(root), env={"STRATEGY_CACHE_DIR": str(tmp_path)})

    assert run.returncode == 1, run.stdout + run.stderr
    assert "docs/vision.md: expected no uncommitted change in the edition's sources" in run.stderr
    assert "found changes not committed" in run.stderr
    assert "docs/notes.md:" in run.stderr and "not in git (untracked)" in run.stderr
    assert "Traceback" not in run.stderr
    assert not (root / "editions").exists() and not (root / "site").exists()
    assert (root / "strategy.yml").read_text(encoding="utf-8") == strategy_before


def test_release_is_refused_on_an_invalid_input_with_its_file_and_line(tmp_path):
    root = copy_project(tmp_path / "project")
    make_releasable(root)
    pi = root / "inputs" / "partner-inputs" / "PI-003.yaml"
    text = pi.read_text(encoding="utf-8")
    line = text.splitlines().index(next(x for x in text.splitlines() if x.startswith("received:"))) + 1
    pi.write_text(re.sub(r"(?m)^received: .*$", "received: 2025-02-30", text), encoding="utf-8")

    run = strategy("release", "--next", "Draft 2", "--project", str(root), env={"STRATEGY_CACHE_DIR": str(tmp_path)})

    assert run.returncode == 1
    assert f"inputs/partner-inputs/PI-003.yaml:{line}: field 'received'" in run.stderr
    assert not (root / "editions").exists()
    assert "label: Draft 1" in (root / "strategy.yml").read_text(encoding="utf-8")


def test_the_bundled_example_is_not_releasable_as_is_and_the_message_says_why(tmp_path):
    root = copy_project(tmp_path / "project")

    run = strategy("release", "--next", "Draft 2", "--project", str(root), env={"STRATEGY_CACHE_DIR": str(tmp_path)})

    assert run.returncode == 1
    why = "`strategy release` refuses it, as a final edition does"
    assert re.search(rf"inputs/partner-inputs/PI-001\.yaml:\d+: field 'illustrative': expected real data: "
                     rf"{re.escape(why)}", run.stderr)
    assert re.search(r"strategy\.yml:\d+: expected the real text: .*the ISBN placeholder", run.stderr)
    assert re.search(r"docs/foreword\.md:\d+: .*'\[Name\]'", run.stderr)
    assert re.search(r"strategy\.yml:\d+: field 'comments_email'", run.stderr)
    assert not (root / "editions").exists()


def test_a_released_label_is_never_released_again(released, tmp_path):
    root = copy_sources(released.root, tmp_path / "again")
    history = digest(root / "editions")
    strategy_yml = root / "strategy.yml"
    strategy_yml.write_text(strategy_yml.read_text(encoding="utf-8").replace("label: Draft 2", "label: Draft 1"),
                            encoding="utf-8")

    again = strategy("release", "--next", "Draft 3", "--project", str(root), env={"STRATEGY_CACHE_DIR": str(tmp_path)})

    assert again.returncode == 1
    assert re.search(r"strategy\.yml:8: field 'edition\.label': expected the label of an edition not released yet"
                     r".*found 'Draft 1', released on \d{4}-\d\d-\d\d \(editions/draft-1\)", again.stderr)
    assert digest(root / "editions") == history


def test_next_must_be_a_new_label(released, tmp_path):
    root = copy_sources(released.root, tmp_path / "again")
    for label, found in (("Draft 1", "'Draft 1', released already"), ("Draft 2", "'Draft 2'")):
        run = strategy("release", "--next", label, "--project", str(root), env={"STRATEGY_CACHE_DIR": str(tmp_path)})
        assert run.returncode == 1
        assert f"--next: expected a label" in run.stderr and found in run.stderr
    assert not any(p.name.startswith(".") for p in (root / "editions").iterdir())  # no half-written edition


# --- the release ----------------------------------------------------------------------------------------------


def test_release_stores_the_record_and_the_sources(released):
    editions = stored_editions(released.root)
    assert [e.folder.name for e in editions] == ["draft-1"]
    record, folder = editions[0].record, editions[0].folder
    assert (record.label, record.slug, record.number, record.date, record.audience, record.final) == \
        ("Draft 1", "draft-1", 1, dt.date(2025, 11, 20), "partners", False)
    # The released bytes are recorded: the site's PDF, archive PDF and Word version right after the release.
    assert record.outputs == released.outputs_at_release
    assert len(record.outputs) == 3
    assert record.sources == sources_fingerprint(folder)
    assert record.pipeline.startswith("sha256:")
    # The sources as they were: strategy.yml still names Draft 1; the assets and generated chapters are not kept.
    assert (folder / "strategy.yml").read_text(encoding="utf-8") == released.strategy_before
    assert (folder / "docs" / "vision.md").read_bytes() == (released.root / "docs" / "vision.md").read_bytes()
    assert (folder / "inputs" / "partner-inputs" / "PI-001.yaml").is_file()
    assert not (folder / "docs" / "assets").exists() and not (folder / "docs" / "generated").exists()
    assert not (folder / "site").exists() and not list(folder.rglob("*.pdf"))
    assert previous_edition(released.root, "Draft 2").record == record


def test_release_moves_strategy_yml_to_the_next_edition_keeping_comments_and_layout(released):
    before = released.strategy_before.splitlines()
    after = (released.root / "strategy.yml").read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert len(before) == len(after)
    assert changed == [("  label: Draft 1", "  label: Draft 2"), ("  date: 2025-11-20", f"  date: {NEXT_DATE}")]
    assert after[0].startswith("# What the document is")
    # It says what it did, what still names the old edition, and how to commit.
    out = released.release.stdout
    assert "Released Draft 1" in out and f"strategy.yml now: Draft 2, {NEXT_DATE}" in out
    assert re.search(r"git -C \S+ add editions/draft-1 strategy\.yml && git -C \S+ commit", out)
    assert re.search(r"strategy\.yml:\d+: warning: .*still names the edition just released, 'Draft 1'; found Draft 1\. "
                     r"Geneva", released.release.stderr)
    assert "not in a git repository, so uncommitted changes could not be looked for" in released.release.stderr


def test_moving_to_the_next_edition_quotes_a_label_yaml_would_misread():
    text = "# The edition\nedition:\n  label: 'Draft 1'   # quoted\n  date: 2025-11-20\n  final: false\n"
    moved = moved_to_next(text, "Draft 2: revised", dt.date(2026, 2, 1))
    assert moved == ('# The edition\nedition:\n  label: "Draft 2: revised"   # quoted\n  date: 2026-02-01\n'
                     "  final: false\n")
    assert yaml.safe_load(moved)["edition"]["label"] == "Draft 2: revised"


# --- earlier editions in every build -------------------------------------------------------------------------


def test_the_next_build_puts_the_earlier_edition_in_the_site_with_a_banner_to_the_current_one(released, built):
    site = released.root / "site"
    earlier = site / "editions" / "draft-1"
    pages = sorted(earlier.rglob("*.html"))
    assert earlier / "index.html" in pages and earlier / "generated" / "partners.html" in pages
    for page in pages:
        if page.parent.name == "slides" or page.name == "404.html":
            continue  # the slides page has no banner; the 404 page's links are absolute by MkDocs' design
        html = page.read_text(encoding="utf-8")
        assert "This is Draft 1, an earlier edition, as it was released." in html, page
        links = [dict(attrs)["href"] for tag, attrs in start_tags(html)
                 if tag == "a" and dict(attrs).get("class") == "strategy-banner__current"]
        assert len(links) == 1, page
        # Relative, so that it works from a folder as from a server: it leads to the current home page.
        target = Path(posixpath.normpath(posixpath.join(page.parent.as_posix(), links[0])))
        assert not links[0].startswith(("/", "http")) and target == site / "index.html", (page, links[0])
    assert "strategy-banner__earlier" not in (site / "index.html").read_text(encoding="utf-8")
    assert {p.name for p in earlier.iterdir()} >= set(released.record.outputs)
    # The earlier edition's own build did not rebuild earlier editions.
    assert not (earlier / "editions").exists()


def test_the_earlier_edition_is_byte_identical_to_the_release(released, built):
    earlier = released.root / "site" / "editions" / "draft-1"
    assert {name: sha(earlier / name) for name in released.record.outputs} == released.record.outputs
    assert "differ" not in built.first.stderr


def test_a_second_build_takes_the_earlier_edition_from_the_cache(released, built):
    assert len(built.entries_after_first) == 1
    assert built.entries_after_second == built.entries_after_first  # same entry, not written again
    assert "Building the earlier edition Draft 1" in built.first.stderr
    assert "Building the earlier edition Draft 1" not in built.second.stderr
    assert built.earlier_digest_second == built.earlier_digest_first


def test_a_build_without_editions_builds_no_earlier_edition(released, built, tmp_path):
    # The release's own build ran without an editions folder: it added none, and filled no cache.
    assert "Building the earlier edition" not in released.release.stderr


def test_a_narrowed_consent_is_honoured_in_the_earlier_edition(released, built, tmp_path):
    # Draft 1 as released shows PI-001's text (Luxembourg, named): the check below can fail.
    assert PI_001_TEXT in every_byte(released.root / "site" / "editions" / "draft-1")
    root = copy_sources(released.root, tmp_path / "narrowed")
    pi = root / "inputs" / "partner-inputs" / "PI-001.yaml"
    pi.write_text(pi.read_text(encoding="utf-8").replace("consent: named", "consent: withheld"), encoding="utf-8")
    # The authors take out their quote of it, which a partners build would refuse now; the copy of Draft 1
    # rebuilt has it taken out too.
    page = root / "docs" / "way-forward.md"
    page.write_text(page.read_text(encoding="utf-8").replace('{{ quote("PI-001") }}', ""), encoding="utf-8")

    run = strategy("build", "--project", str(root), env={"STRATEGY_CACHE_DIR": str(released.cache)})

    assert run.returncode == 0, run.stderr
    assert re.search(r"editions/draft-1/edition\.yml: warning: expected Draft 1 as released, but PI-001 has a "
                     r"narrower consent since then; found Draft 1 rebuilt with PI-001 withheld \(released named\)",
                     " ".join(run.stderr.split()))
    earlier = root / "site" / "editions" / "draft-1"
    assert (earlier / "index.html").is_file()
    assert PI_001_TEXT not in every_byte(root / "site" / "editions")
    # The stored edition itself is never rewritten.
    stored = root / "editions" / "draft-1" / "inputs" / "partner-inputs" / "PI-001.yaml"
    assert b"consent: named" in stored.read_bytes()


def test_a_reader_follows_the_banner_from_an_earlier_page_to_the_current_edition(released, built):
    """In Chromium, from a folder (file://) and from a server: the line is shown, and its link opens the
    current edition's home page."""
    import functools
    import http.server
    import threading

    playwright = pytest.importorskip("playwright.sync_api")
    site = released.root / "site"
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    served = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            for base, home in ((site.as_uri(), (site / "index.html").as_uri()), (served, f"{served}/index.html")):
                page.goto(f"{base}/editions/draft-1/generated/partners.html")
                line = page.locator(".strategy-banner__earlier")
                assert line.is_visible()
                assert "This is Draft 1, an earlier edition" in line.inner_text()
                line.get_by_role("link", name="Go to the current edition").click()
                page.wait_for_load_state()
                assert page.url == home
                assert page.locator(".strategy-banner__edition").inner_text() == "Draft 2"
                assert page.locator(".strategy-banner__earlier").count() == 0
            browser.close()
    finally:
        server.shutdown()
