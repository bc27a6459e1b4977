"""What a site build takes from the builds before it (website/site_sources.py, website/rebuilds.py), and what it
makes again.

`mkdocs build` keeps the generated chapters, the abbreviations, the author pages' expanded macros and the
plugin's page steps in the render cache (.build/cache) under the hash of their sources: the next build, in a
new process, reads no input, makes no chapter and imports no chapter module, and publishes the same site as a
cold build. An edit makes again what depends on it, and a changed consent or audience is a new key: a withheld
input never appears. Counted from the plugin's debug lines, in processes of their own (a test process keeps
MkDocs' plugin instances and logging state).

Nothing here is timed: the times are in benchmarks/run.py (`site`, `preview`)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from conftest import copy_project

# MkDocs' build as `mkdocs build` runs it, with the package's and the plugin's debug lines, and the modules the
# process imported at the end.
SITE_BUILD = """
import json, logging, sys
from mkdocs.commands.build import build
from mkdocs.config import load_config
handler = logging.StreamHandler(sys.stdout)
handler.setFormatter(logging.Formatter("said: %(name)s: %(message)s"))
for name in ("strategy", "mkdocs.plugins.strategy"):
    logging.getLogger(name).addHandler(handler)
    logging.getLogger(name).setLevel(logging.DEBUG)
config = load_config("mkdocs.yml", site_dir=sys.argv[1], **({"site_url": sys.argv[2]} if sys.argv[2:] else {}))
config.plugins.on_startup(command="build", dirty=False)
try:
    build(config)
finally:
    config.plugins.on_shutdown()
print("modules: " + json.dumps(sorted(sys.modules)))
"""

READ = "Reading the inputs in"
MADE = "Making the generated chapters for the partners audience"
TAKEN = "Taking the generated chapters for the partners audience from the render cache"
STEPS = re.compile(r"Page steps: (\d+) made, (\d+) taken from the builds before")
# What the site's path must not load: the renderers of the other outputs, and matplotlib once the charts are kept.
RENDERERS = ("weasyprint", "matplotlib", "pypandoc", "pikepdf")


class Built:
    def __init__(self, stdout: str, site: Path) -> None:
        # The package's own lines (the loader's, the chapters') say what was done; the plugin's, what it reused.
        self.said = [line.split(": ", 2)[2] for line in stdout.splitlines()
                     if line.startswith(("said: strategy.", "said: mkdocs.plugins.strategy: Taking",
                                         "said: mkdocs.plugins.strategy: Page steps"))]
        self.modules = set(json.loads(next(line for line in stdout.splitlines()
                                           if line.startswith("modules: "))[len("modules: "):]))
        self.site = site

    def count(self, words: str) -> int:
        return sum(line.startswith(words) for line in self.said)

    @property
    def steps(self) -> tuple[int, int]:
        """Page steps made, and taken from the builds before."""
        found = [STEPS.fullmatch(line) for line in self.said]
        made, taken = next(m.groups() for m in found if m)
        return int(made), int(taken)


def site_build(root: Path, site: Path, *site_url: str) -> Built:
    done = subprocess.run([sys.executable, "-c", SITE_BUILD, str(site), *site_url], cwd=root, capture_output=True,
                          text=True,
                          timeout=300, env={**os.environ, "PYTHONPATH": str(root / "scripts")})
    assert done.returncode == 0, done.stderr[-5000:]
    return Built(done.stdout, site)


def files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def edit_record(path: Path, change) -> None:
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(record)
    path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")


def changed_pages(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {f for f in after if f.endswith(".html") and before.get(f) != after[f]}


def cache_text(root: Path) -> str:
    """Every file of the render cache, as text (what a withheld input's words must not be in)."""
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in (root / ".build" / "cache").rglob("*")
                     if p.is_file())


def test_a_second_build_reuses_the_sources_and_publishes_the_same_site(tmp_path):
    root = copy_project(tmp_path / "project")
    cold = site_build(root, tmp_path / "cold")
    assert (cold.count(READ), cold.count(MADE), cold.count(TAKEN)) == (1, 1, 0), cold.said
    made, taken = cold.steps
    assert made > 0 and taken == 0
    assert cold.modules & set(RENDERERS) == {"matplotlib"}  # the charts are drawn: the cache had none

    warm = site_build(root, tmp_path / "warm")
    assert (warm.count(READ), warm.count(MADE), warm.count(TAKEN)) == (0, 0, 1), warm.said
    assert warm.steps == (0, made)  # every page step from the build before
    assert not any(m == "strategy.chapters" or m.startswith(("strategy.chapters.", "strategy.changes",
                                                              "strategy.redline", "strategy.publish.slides"))
                   for m in warm.modules), sorted(m for m in warm.modules if m.startswith("strategy."))
    assert not warm.modules & set(RENDERERS)
    assert files(warm.site) == files(cold.site)


def test_an_edited_input_remakes_what_depends_on_it_and_equals_a_cold_build(tmp_path):
    """One more sentence in PI-002's vision: the inputs are read and the chapters made again, the page steps of
    the pages whose HTML changed (the register) are made again and no other; the site is a cold build's."""
    root = copy_project(tmp_path / "project")
    first = site_build(root, tmp_path / "first")
    sentence = "A sentence added after the first build."

    def edit(project: Path) -> None:
        edit_record(project / "inputs" / "partner-inputs" / "PI-002.yaml",
                    lambda record: record.update(vision=f"{sentence} {record['vision']}"))

    edit(root)
    again = site_build(root, tmp_path / "again")
    assert (again.count(READ), again.count(MADE), again.count(TAKEN)) == (1, 1, 0), again.said
    changed = changed_pages(files(first.site), files(again.site))
    assert "generated/partner-inputs.html" in changed
    made, taken = again.steps
    # Two steps a page (the allow-list and numbers; the Comment links): the changed pages' and no others.
    assert made == 2 * len(changed), (made, changed)
    assert made + taken == sum(first.steps)
    assert sentence in (again.site / "generated" / "partner-inputs.html").read_text(encoding="utf-8")

    fresh = copy_project(tmp_path / "fresh")
    edit(fresh)
    assert files(again.site) == files(site_build(fresh, tmp_path / "cold").site)


def test_an_edited_author_page_remakes_that_page_only(tmp_path):
    root = copy_project(tmp_path / "project")
    first = site_build(root, tmp_path / "first")
    page = root / "docs" / "vision.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nA paragraph the author added.\n", encoding="utf-8")
    again = site_build(root, tmp_path / "again")
    # The chapters are made from the author pages too (the abbreviations in use, the comments' places): made
    # again, from the inputs read again; the other pages' steps are the first build's.
    assert (again.count(READ), again.count(MADE), again.count(TAKEN)) == (1, 1, 0), again.said
    assert changed_pages(files(first.site), files(again.site)) == {"vision.html"}
    assert again.steps == (2, sum(first.steps) - 2)


def test_a_withheld_input_is_a_new_key_and_never_shown(tmp_path):
    """PI-002 withheld after a build: the next build makes its chapters again (consent is in the key), and
    nothing of PI-002 is in the site, its search index or what the render cache keeps for the next build."""
    root = copy_project(tmp_path / "project")
    site_build(root, tmp_path / "first")
    path = root / "inputs" / "partner-inputs" / "PI-002.yaml"
    vision = yaml.safe_load(path.read_text(encoding="utf-8"))["vision"]
    words = vision.split(".")[0]
    edit_record(path, lambda record: record.update(consent="withheld"))
    withheld = site_build(root, tmp_path / "withheld")
    assert (withheld.count(READ), withheld.count(MADE), withheld.count(TAKEN)) == (1, 1, 0), withheld.said
    again = site_build(root, tmp_path / "again")
    assert again.count(TAKEN) == 1
    for site in (withheld.site, again.site):
        register = (site / "generated" / "partner-inputs.html").read_text(encoding="utf-8")
        assert 'id="pi-003"' in register and 'id="pi-002"' not in register
        for page in site.rglob("*.html"):
            assert words not in page.read_text(encoding="utf-8"), page
        assert words not in (site / "search" / "search_index.json").read_text(encoding="utf-8")
    assert files(withheld.site) == files(again.site)


def test_an_internal_build_is_a_new_key_and_leaves_nothing_after_a_partners_build(tmp_path):
    """The audience is in the key: an internal build does not take the partners build's chapters, and shows
    the withheld inputs; the next partners build takes its own again and removes what the internal build
    kept (it holds withheld text)."""
    root = copy_project(tmp_path / "project")
    partners_site = site_build(root, tmp_path / "partners").site
    withheld = yaml.safe_load((root / "inputs" / "partner-inputs" / "PI-008.yaml").read_text(encoding="utf-8"))
    assert withheld["consent"] == "withheld"
    words = "PI-008 · Finland"  # the register's heading of the withheld input, in an internal build only
    assert words not in cache_text(root)

    config = root / "mkdocs.yml"
    partners_config = config.read_text(encoding="utf-8")
    config.write_text(partners_config.replace("audience: partners", "audience: internal"), encoding="utf-8")
    internal = site_build(root, tmp_path / "internal")
    assert internal.count("Making the generated chapters for the internal audience") == 1, internal.said
    assert words in (internal.site / "generated" / "partner-inputs.html").read_text(encoding="utf-8")
    assert words in cache_text(root)

    config.write_text(partners_config, encoding="utf-8")
    partners = site_build(root, tmp_path / "partners-again")
    assert (partners.count(READ), partners.count(TAKEN)) == (0, 1), partners.said
    assert words not in cache_text(root)
    assert files(partners.site) == files(partners_site)


# `mkdocs serve`: what each rebuild takes from the one before (rebuilds.py) gives what a cold build gives.

def _served(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read().decode("utf-8")
    except OSError:
        return ""


def _wait_for(url: str, ready, seconds: float = 180) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready(body := _served(url)):
            return body
        time.sleep(0.05)
    raise AssertionError(f"{url} never showed what was expected")


def test_serve_after_edits_serves_what_a_cold_build_makes(tmp_path):
    """After an edit to an input, and then to strategy.yml (the PDF's name: the banner of every page, and
    nothing else), every served page and
    the search index (each unchanged page's rendering, search entries and template output reused) are those of
    a cold `mkdocs build` of the same sources; and stopping the server keeps its site sources for the next
    `mkdocs build`, which then reads no input."""
    from test_preview import free_port

    root = copy_project(tmp_path / "project")
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "-v", "--dev-addr", f"127.0.0.1:{port}"],
                                  cwd=root, stdout=out, stderr=subprocess.STDOUT,
                                  env={**os.environ, "PYTHONPATH": str(root / "scripts")})
    base = f"http://127.0.0.1:{port}"
    sentence = "Words added while the server runs."

    def edit_input(project: Path) -> None:
        edit_record(project / "inputs" / "partner-inputs" / "PI-002.yaml",
                    lambda record: record.update(vision=f"{sentence} {record['vision']}"))

    def edit_edition(project: Path) -> None:
        path = project / "strategy.yml"
        path.write_text(path.read_text(encoding="utf-8").replace("pdf_file: spf-flagship-phase-iii-strategy.pdf",
                                                                 "pdf_file: strategy-draft.pdf"), encoding="utf-8")

    served: list[dict[str, str]] = []
    try:
        _wait_for(f"{base}/generated/partner-inputs.html", lambda body: 'id="pi-002"' in body)
        _wait_for(f"{base}/index.html", lambda body: "Serving on" in log.read_text())
        for edit, where, shows in ((edit_input, "search/search_index.json", sentence),
                                   (edit_edition, "vision.html", "strategy-draft.pdf")):
            rebuilds = log.read_text().count("Reloading browsers")
            edit(root)
            _wait_for(f"{base}/{where}", lambda body: shows in body)
            _wait_for(f"{base}/index.html", lambda body: log.read_text().count("Reloading browsers") > rebuilds)
            pages = [p.relative_to(root / "docs").with_suffix(".html").as_posix() for p in (root / "docs").rglob("*.md")
                     if "generated" not in p.parts] + [f"generated/{name}.html" for name in GENERATED_PAGES] \
                + ["search/search_index.json"]
            served.append({page: _served(f"{base}/{page}") for page in pages})
    finally:
        server.send_signal(signal.SIGINT)  # as Ctrl-C: the server shuts down, the plugin keeps its sources
        server.wait(timeout=30)
    assert "Shutting down" in log.read_text()
    after = site_build(root, tmp_path / "after")
    assert (after.count(READ), after.count(MADE), after.count(TAKEN)) == (0, 0, 1), after.said
    # The pages' HTML through the allow-list is the server's; the Comment links name each page's address, which
    # the server gives as its own: made again.
    made, taken = after.steps
    assert taken >= made > 0, after.said

    fresh = copy_project(tmp_path / "fresh")
    for n, (edit, pages) in enumerate(zip((edit_input, edit_edition), served)):
        edit(fresh)
        cold = site_build(fresh, tmp_path / f"cold-{n}", f"{base}/").site  # the server's address, as it gives it
        compared = [page for page in pages if (cold / page).is_file()]  # not docs/assets/fonts/README.md
        assert len(compared) == len(pages) - 1, compared
        for page in compared:
            body, built = pages[page], (cold / page).read_text(encoding="utf-8")
            if page.endswith(".json"):
                assert json.loads(body) == json.loads(built)
            else:  # the served pages carry the live-reload script: compared without it
                assert _without_server(body) == _without_server(built), page


GENERATED_PAGES = ("inputs-received", "inputs-in-numbers", "meeting-outcomes", "phase-ii-results", "priorities",
                   "partner-inputs", "partners", "comment-matrix", "abbreviations")


def _without_server(page: str) -> str:
    return re.sub(r"<script>\s*var livereload.*?</script>", "", page, flags=re.S)


def test_the_render_cache_keeps_the_newest_site_sources_of_an_audience(tmp_path):
    """Each edit is a new key of the site's sources: `mkdocs build`, which does not prune the cache as
    `strategy build` does, keeps the newest few of its audience and leaves every other entry alone."""
    from strategy.cache import Entry, RenderCache

    partners, internal = RenderCache(tmp_path, "partners"), RenderCache(tmp_path, "internal")
    for n in range(5):
        partners.keep("site sources", f"sources-{n}", Entry({"site.json": b"{}"}))
        os.utime(tmp_path / f"sources-{n}", (1_000_000 + n, 1_000_000 + n))
    partners.keep("chart a.svg", "chart", Entry({"svg": b"<svg/>"}))
    internal.keep("site sources", "internal-sources", Entry({"site.json": b"{}"}))
    partners.keep_newest("site sources", 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == \
        ["chart", "internal-sources", "sources-2", "sources-3", "sources-4"]
    partners.remove_withheld()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chart", "sources-2", "sources-3", "sources-4"]


def test_the_sources_digest_counts_places_bytes_and_missing_files(tmp_path):
    """What decides whether the inputs and the chapters are made again (site_sources.files_digest): each
    file's place and bytes, a path that is missing (as while an editor saves a file), and nothing else."""
    from strategy.editions import files_fingerprint
    from strategy.website.site_sources import files_digest

    root = copy_project(tmp_path / "project")
    inputs, publication = root / "inputs", root / "strategy.yml"
    first = files_digest([inputs, publication], root)
    assert files_digest([inputs, publication], root) == first
    assert files_digest([inputs, publication], root) != files_digest([inputs], root)
    moved = copy_project(tmp_path / "elsewhere")  # the same files in another place: the same digest
    assert files_digest([moved / "inputs", moved / "strategy.yml"], moved) == first

    path = inputs / "partner-inputs" / "PI-002.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("consent: named", "consent: withheld"), encoding="utf-8")
    withheld = files_digest([inputs, publication], root)
    assert withheld != first
    path.unlink()
    assert files_digest([inputs, publication], root) not in (first, withheld)
    publication.unlink()
    assert files_digest([inputs, publication], root) != files_digest([inputs], root)
    # A file that cannot be read stops a release's fingerprint, and is counted as such here.
    vanished = [inputs / "gone.yaml"]
    assert files_fingerprint(vanished, inputs, vanished_ok=True) != files_fingerprint([], inputs)
    with pytest.raises(FileNotFoundError):
        files_fingerprint(vanished, inputs)
