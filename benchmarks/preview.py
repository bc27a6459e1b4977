"""Benchmark: how long `mkdocs serve` takes to show an edit, and how many rebuilds each edit costs.

Not a test: nothing here passes or fails. In a copy of the project it starts a real `mkdocs serve`, then
edits, in turn, a partner input (inputs/partner-inputs/PI-001.yaml) and an author page (docs/vision.md),
each time with a new sentence, and polls the served page that shows it until the sentence is there: the
time from the file's save to the page served with the edit (the browser's reload, which the page's
livereload script starts as soon as the rebuild ends, comes on top). After each edit it waits for the server
to settle and counts MkDocs' "Building documentation" lines: the rebuilds that edit caused; and the server's
CPU seconds over the edit (its rebuild, and the watcher's polling while it settles), which a loaded machine
moves less than the wall time.

    python benchmarks/preview.py [--edits 5]
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml

from project_copy import copy_project  # this folder is on the path when a script of it runs

REBUILD_LINE = "Building documentation"
SETTLE_SECONDS = 3.0  # after an edit shows: long enough for a second rebuild, if the edit caused one, to start


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a running process so far (Linux: /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def served(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except OSError:
        return ""


def wait_for(url: str, text: str, seconds: float = 120) -> float:
    """When (perf_counter) the page at `url` first showed `text`."""
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        if text in served(url):
            return time.perf_counter()
        time.sleep(0.01)
    raise SystemExit(f"{url} never showed {text!r}")


def edit_input(root: Path, sentence: str) -> None:
    path = root / "inputs" / "partner-inputs" / "PI-001.yaml"
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    record["vision"] = f"{sentence} {record['vision']}"
    path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")


def edit_page(root: Path, sentence: str) -> None:
    path = root / "docs" / "vision.md"
    path.write_text(path.read_text(encoding="utf-8") + f"\n{sentence}\n", encoding="utf-8")


def measure(edits: int) -> dict:
    """Per kind of edit: the seconds from save to served page, the rebuilds and the server's CPU seconds of
    each edit; and MkDocs' own time of each rebuild."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        root.mkdir()
        copy_project(root)
        port, log = free_port(), Path(tmp) / "serve.log"
        env = {**os.environ, "PYTHONPATH": str(root / "scripts")}
        with log.open("w") as out:
            server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{port}"],
                                      cwd=root, stdout=out, stderr=subprocess.STDOUT, env=env)
        base = f"http://127.0.0.1:{port}"
        kinds = {"input": (edit_input, f"{base}/generated/partner-inputs.html"),
                 "author page": (edit_page, f"{base}/vision.html")}
        seen: dict[str, dict[str, list]] = {k: {"seconds": [], "rebuilds": [], "cpu_seconds": []} for k in kinds}
        try:
            wait_for(f"{base}/generated/partner-inputs.html", "PI-001")
            time.sleep(SETTLE_SECONDS)
            for n in range(edits):
                for kind, (edit, url) in kinds.items():
                    sentence = f"Preview edit {kind} {n} of this run."
                    before, used = log.read_text().count(REBUILD_LINE), cpu_seconds(server.pid)
                    saved = time.perf_counter()
                    edit(root, sentence)
                    seen[kind]["seconds"].append(wait_for(url, sentence) - saved)
                    time.sleep(SETTLE_SECONDS)
                    seen[kind]["rebuilds"].append(log.read_text().count(REBUILD_LINE) - before)
                    seen[kind]["cpu_seconds"].append(cpu_seconds(server.pid) - used)
        finally:
            server.terminate()
            server.wait(timeout=30)
        # MkDocs' own account of each rebuild's time (the first build left out).
        built = [float(s) for s in re.findall(r"Documentation built in ([0-9.]+) seconds", log.read_text())[1:]]
    return {"edits": seen, "rebuild_seconds": built}


def report(measured: dict) -> str:
    lines = ["Edit to served page in `mkdocs serve` (seconds; median, min, max) and rebuilds per edit:"]
    for kind, seen in measured["edits"].items():
        t = seen["seconds"]
        lines.append(f"{kind:<12} {statistics.median(t):6.3f} {min(t):6.3f} {max(t):6.3f}   rebuilds per edit: "
                     f"{seen['rebuilds']}   server CPU seconds per edit (median): "
                     f"{statistics.median(seen['cpu_seconds']):.3f}")
    built = measured["rebuild_seconds"]
    lines.append(f"MkDocs' rebuild times (seconds): median {statistics.median(built):.3f}, max {max(built):.3f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=5, help="edits of each kind")
    print(report(measure(parser.parse_args().edits)))


if __name__ == "__main__":
    main()
