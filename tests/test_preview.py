"""The live preview and the light site build (issue 12): `mkdocs serve` shows each edit of an input or an
author page after one rebuild, writes nothing into docs/, reads the inputs again only when they changed and
keeps consent; a site build reads the inputs and makes the chapters once, and draws a chart only when its
data is new to the render cache.

Nothing here is timed: the times are in benchmarks/preview.py and benchmarks/run.py (`site`). What a site
build reuses from the builds before it is counted in tests/test_site_reuse.py."""

from __future__ import annotations

import hashlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import yaml

from conftest import copy_project

SENTENCE = "A sentence added while the preview runs."
PARAGRAPH = "A paragraph the author added while the preview runs."
QUOTED = "Words a partner added to its key quote while the preview runs."
REBUILD = "Building documentation..."
INPUTS_READ = "Reading the inputs in inputs"  # the plugin's debug line, each time it reads them


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _save(path: Path, text: str) -> None:
    """Save as many editors do: a new file renamed over the old one (one change for the watcher to see)."""
    new = path.with_name(f".{path.name}.new")
    new.write_text(text, encoding="utf-8")
    os.replace(new, path)


def _edit_record(path: Path, change) -> None:
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(record)
    _save(path, yaml.safe_dump(record, allow_unicode=True, sort_keys=False))


def _page(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read().decode("utf-8")
    except OSError:  # the server is rebuilding, or not up yet
        return ""


def _wait_for(url: str, ready, server: subprocess.Popen, log: Path, seconds: float = 180) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"mkdocs serve stopped:\n{log.read_text()[-5000:]}")
        if ready(body := _page(url)):
            return body
        time.sleep(0.05)
    raise AssertionError(f"{url} never showed what was expected:\n{log.read_text()[-5000:]}")


def test_serve_shows_each_edit_after_one_rebuild_and_writes_nothing_into_docs(tmp_path):
    root = copy_project(tmp_path / "project")
    docs_before = _files(root / "docs")
    log = tmp_path / "serve.log"
    port = free_port()
    with log.open("w") as out:  # -v: the plugin's debug lines say when it reads the inputs
        server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "-v", "--dev-addr", f"127.0.0.1:{port}"],
                                  cwd=root, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    register, vision = f"{base}/generated/partner-inputs.html", f"{base}/vision.html"
    pi_002 = root / "inputs" / "partner-inputs" / "PI-002.yaml"
    try:
        first = _wait_for(register, lambda body: 'id="pi-002"' in body, server, log)
        assert SENTENCE not in first
        _wait_for(f"{base}/index.html", lambda body: "Serving on" in log.read_text(), server, log)  # watching now

        # 1. An input: the register shows the new sentence.
        _edit_record(pi_002, lambda record: record.update(vision=f"{SENTENCE} {record['vision']}"))
        _wait_for(register, lambda body: SENTENCE in body, server, log)

        # 1b. An input an author page quotes (vision.md's {{ quote("PI-004") }}): that page shows the new words.
        _edit_record(root / "inputs" / "partner-inputs" / "PI-004.yaml",
                     lambda record: record.update(key_quote=f"{QUOTED} {record['key_quote']}"))
        _wait_for(vision, lambda body: QUOTED in body, server, log)

        # 2. An author page: the page shows the new paragraph; the inputs are not read again.
        page = root / "docs" / "vision.md"
        _save(page, page.read_text(encoding="utf-8") + f"\n{PARAGRAPH}\n")
        shown = _wait_for(vision, lambda body: PARAGRAPH in body, server, log)
        assert SENTENCE not in shown

        # 3. The input withheld: a partners preview shows none of it, in the register or in search.
        _edit_record(pi_002, lambda record: record.update(consent="withheld"))
        withheld = _wait_for(register, lambda body: 'id="pi-003"' in body and 'id="pi-002"' not in body,
                             server, log)
        assert SENTENCE not in withheld
        assert SENTENCE not in _page(f"{base}/search/search_index.json")
    finally:
        server.terminate()
        server.wait(timeout=30)
    said = log.read_text()
    # One build at the start and one per edit. The plugin once rewrote docs/generated on every build, which
    # the watcher took for a second edit; such a rebuild would come before the next edit showed.
    assert said.count(REBUILD) == 5, said[-5000:]
    assert said.count(INPUTS_READ) == 4, said[-5000:]  # at the start and after each edit of an input only
    docs_after = _files(root / "docs")
    assert docs_after.pop("vision.md") != docs_before.pop("vision.md")
    assert docs_after == docs_before  # nothing written into docs/, no docs/generated


# MkDocs' own build, as `mkdocs build` runs it, in a process of its own (a test process keeps plugin instances and
# logging state from earlier tests), with the package's debug lines shown.
SITE_BUILD = """
import logging, sys
from mkdocs.commands.build import build
from mkdocs.config import load_config
handler = logging.StreamHandler(sys.stdout)
handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
logging.getLogger("strategy").addHandler(handler)
logging.getLogger("strategy").setLevel(logging.DEBUG)
config = load_config("mkdocs.yml", site_dir=sys.argv[1])
config.plugins.on_startup(command="build", dirty=False)
try:
    build(config)
finally:
    config.plugins.on_shutdown()
"""


def test_a_site_build_reads_the_inputs_and_makes_the_chapters_once(tmp_path):
    """The loader's and the chapters' debug lines, counted."""
    root = copy_project(tmp_path / "project")
    done = subprocess.run([sys.executable, "-c", SITE_BUILD, str(tmp_path / "site")], cwd=root, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(root / "scripts")})
    assert done.returncode == 0, done.stderr
    said = [line.split(": ", 1)[1] for line in done.stdout.splitlines() if line.startswith("strategy.")]
    assert said.count(f"Reading the inputs in {root / 'inputs'}") == 1, said
    assert said.count("Making the generated chapters for the partners audience") == 1, said
    assert len(said) == 2, said
    assert 'id="pi-002"' in (tmp_path / "site" / "generated" / "partner-inputs.html").read_text(encoding="utf-8")


def test_a_second_site_build_draws_no_chart(tmp_path):
    """`mkdocs build` keeps the charts in the render cache (.build/cache) by their data: the next build, in a
    new process, draws none and publishes the same bytes; a change to a chart's data redraws that chart."""
    root = copy_project(tmp_path / "project")

    def build() -> tuple[set[str], dict[str, str]]:
        done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-v"], cwd=root, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-5000:]
        drawn = set(re.findall(r"chart ([\w-]+\.svg)", "".join(re.findall(r"Drew .*", done.stderr))))
        return drawn, _files(root / "site" / "generated" / "charts")

    drawn, charts = build()
    assert drawn == {"results-targets.svg", "results-regions.svg", "results-people.svg", "inputs-heat-map.svg",
                     "priority-support.svg"}
    assert {f for f in charts if f.endswith(".svg")} == drawn
    again, charts_again = build()
    assert again == set() and charts_again == charts
    # PI-002 withheld: the heat map counts it still (every input counts); its partner's support for the
    # priorities it proposed does not change either. A new thematic area for PI-002 changes the heat map only.
    path = root / "inputs" / "partner-inputs" / "PI-002.yaml"
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    themes = yaml.safe_load((root / "inputs" / "thematic-areas.yaml").read_text(encoding="utf-8"))
    ids = [t["id"] for t in themes]
    record["themes"] = [*record["themes"], next(t for t in ids if t not in record["themes"])]
    path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    redrawn, charts_after = build()
    assert redrawn == {"inputs-heat-map.svg"}
    assert {f for f in charts if charts_after[f] != charts[f]} == {"inputs-heat-map.svg", "inputs-heat-map.png"}
