"""Benchmark: `mkdocs build` with the strategy plugin against plain Material on the same pages.

Not a test: nothing here passes or fails. In a copy of the project, `strategy chapters` first writes the
generated chapters into docs/generated/, so that a build without the plugin has the same pages; the
baseline then builds from a configuration without the plugin (`plugins: [search, offline]`: the plugin
taken out before MkDocs registers its events, and Material without the project's theme override, whose banner
needs the plugin). Case and baseline alternate, each in a fresh process, as
benchmarks/run.py measures them: CPU seconds (user + system), median, and the ratio. The first case run
is left out of the median when `--warm` is given: it fills the render cache (.build/cache) that later
builds read, as every build after the first does.

    python benchmarks/site.py [--repeat 5] [--warm]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PARTS = ["mkdocs.yml", "strategy.yml", "docs", "inputs", "scripts"]
BUILD = "from mkdocs.config import load_config; from mkdocs.commands.build import build\n"
CASE = BUILD + "build(load_config('mkdocs.yml', site_dir='out-site'))"
BASELINE = BUILD + "build(load_config('mkdocs-plain.yml', site_dir='out-plain'))"


def plain_config(root: Path) -> None:
    """mkdocs-plain.yml: mkdocs.yml without the strategy plugin and without the theme's override (its banner
    reads what the plugin puts into `extra`): plain Material, the same Markdown extensions and pages."""
    import yaml

    config = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8"))
    config["plugins"] = [p for p in config["plugins"] if not (isinstance(p, dict) and "strategy" in p)]
    config["theme"].pop("custom_dir")
    (root / "mkdocs-plain.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")


def cpu_seconds(code: str, cwd: Path) -> tuple[float, float]:
    """CPU seconds (user + system) and wall seconds of `code` in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(cwd / "scripts")}
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code], cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {code}")
    return usage.ru_utime + usage.ru_stime, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--warm", action="store_true", help="one case build first, not counted")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        root.mkdir()
        for part in PARTS:
            (shutil.copytree if (REPO / part).is_dir() else shutil.copy2)(REPO / part, root / part)
        subprocess.run([sys.executable, "-m", "strategy.cli", "chapters", "--project", str(root)], check=True,
                       env={**os.environ, "PYTHONPATH": str(root / "scripts")}, stdout=subprocess.DEVNULL)
        plain_config(root)
        if args.warm:
            cpu_seconds(CASE, root)
        case, baseline = [], []
        for _ in range(args.repeat):
            case.append(cpu_seconds(CASE, root))
            baseline.append(cpu_seconds(BASELINE, root))
    c, b = statistics.median(t for t, _ in case), statistics.median(t for t, _ in baseline)
    cw, bw = statistics.median(w for _, w in case), statistics.median(w for _, w in baseline)
    print(f"mkdocs build, CPU seconds (median of {args.repeat}): with the plugin {c:.2f}, plain Material {b:.2f}, "
          f"ratio {c / b:.2f}; wall {cw:.2f} vs {bw:.2f}, ratio {cw / bw:.2f}")


if __name__ == "__main__":
    main()
