"""Benchmarks: time and peak memory of each stage, each beside a baseline run in the same session.

Not a test: nothing here passes or fails. Each case runs in its own process,
alternating with its baseline so that machine noise hits both alike, and the
report gives medians and the ratio case/baseline. Results are also written to
benchmarks/results/ (not committed).

    python benchmarks/run.py [--repeat 3] [--only pdf]
    python benchmarks/run.py --instructions --only pdf

Timings on a shared virtual machine wander by ±20%. `--instructions` instead
counts the machine instructions each side executes, under valgrind's
callgrind (about 50 times slower, the same count on every run): a ratio that
a noisy machine cannot move.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable

# Render the print HTML left by a build with one stylesheet, fonts and PDF options held equal.
PDF_WITH = (
    "from pathlib import Path; from weasyprint import HTML, CSS; "
    "from weasyprint.text.fonts import FontConfiguration\n"
    "fc = FontConfiguration()\n"
    "sheets = [CSS('docs/assets/stylesheets/fonts.css', font_config=fc), CSS(string={css}, font_config=fc)]\n"
    "HTML(string=Path('.build/print.html').read_text(), base_url='docs/').write_pdf("
    "'out.pdf', stylesheets=sheets, font_config=fc, pdf_variant='pdf/ua-1', pdf_tags=True)"
)

# A build from scratch: without the render cache that the builds before it left (strategy/cache.py).
COLD = "import shutil; shutil.rmtree({!r}, ignore_errors=True)\n"
BUILD = "from strategy.build import Project, build; from pathlib import Path; build(Project(Path({!r}).resolve()))"
# An edit before a rebuild, different each run: a sentence more in an author page; a word more in one input.
EDIT_PAGE = ("import time; page = open('docs/vision.md', 'a'); "
             "page.write(f'\\nOne sentence more, {time.time_ns()}.\\n'); page.close()\n")
EDIT_INPUT = ("import re, time, pathlib; p = pathlib.Path('inputs/partner-inputs/PI-007.yaml'); "
              "p.write_text(re.sub(r'proposal: (Run \\d+: )?Belgium', f'proposal: Run {time.time_ns()}: Belgium', "
              "p.read_text()))\n")

# Each case: (name, what it measures, code of the case, code of its baseline). Code runs with the
# project copy as the working directory.
CASES = [
    ("check", "validate all inputs vs. only parsing the same files with PyYAML/csv",
     "from strategy.inputs import load_inputs; from pathlib import Path; load_inputs(Path('inputs'), Path('.'))",
     "import yaml, csv, pathlib\n"
     "for p in sorted(pathlib.Path('inputs').rglob('*')):\n"
     "    if p.suffix == '.yaml': yaml.safe_load(p.read_text())\n"
     "    elif p.suffix == '.csv': list(csv.reader(p.open()))"),
    ("check-10k", "`strategy check` of the example scaled to 10,000 partner inputs vs. only parsing the same "
     "files with libyaml/csv",
     "from strategy.cli import main; main(['check', '--project', '../inputs-10000'], standalone_mode=False)",
     "import yaml, csv, pathlib\n"
     "for p in sorted(pathlib.Path('../inputs-10000/inputs').rglob('*')):\n"
     "    if p.suffix == '.yaml': yaml.load(p.read_text(), Loader=yaml.CSafeLoader)\n"
     "    elif p.suffix == '.csv': list(csv.reader(p.open()))"),
    ("site", "mkdocs build with the strategy plugin vs. the same pages without it",
     "from mkdocs.config import load_config; from mkdocs.commands.build import build\n"
     "build(load_config('mkdocs.yml', site_dir='out-site'))",
     "from mkdocs.config import load_config; from mkdocs.commands.build import build\n"
     "c = load_config('mkdocs.yml', site_dir='out-site', strict=False)\n"
     "c.plugins.pop('strategy'); build(c)"),
    ("pdf", "the reading edition with the print stylesheet vs. the same HTML, fonts and PDF options with a "
     "plain stylesheet",
     PDF_WITH.format(css="Path('scripts/strategy/publish/print.css').read_text()"),
     PDF_WITH.format(css="'body{font-family:\"Noto Serif\";font-size:10.5pt} @page{size:A4;margin:25mm}'")),
    ("pdf-300", "both PDF editions of the example scaled to about 300 pages vs. the example itself",
     COLD.format("../scaled/.build/cache") + BUILD.format("../scaled"),
     COLD.format(".build/cache") + BUILD.format(".")),
    ("build", "the whole `strategy build` vs. `mkdocs build` alone",
     COLD.format(".build/cache") + BUILD.format("."),
     "from mkdocs.config import load_config; from mkdocs.commands.build import build\n"
     "build(load_config('mkdocs.yml', site_dir='out-site'))"),
    ("rebuild", "`strategy build` again with nothing changed (renders from the cache) vs. a cold build",
     BUILD.format("."), COLD.format(".build/cache") + BUILD.format(".")),
    ("rebuild-page", "`strategy build` after a sentence more in one author page vs. a cold build",
     EDIT_PAGE + BUILD.format("."), COLD.format(".build/cache") + BUILD.format(".")),
    ("rebuild-input", "`strategy build` after an edit to one partner input vs. a cold build",
     EDIT_INPUT + BUILD.format("."), COLD.format(".build/cache") + BUILD.format(".")),
]


# How many times the partner inputs are repeated for the ~300-page case.
SCALE = 8


def _scaled_copy(project: Path, target: Path, factor: int) -> None:
    """The project with every partner input repeated `factor` times under new IDs."""
    shutil.copytree(project, target)
    folder = target / "inputs" / "partner-inputs"
    originals = sorted(folder.glob("PI-*.yaml"))
    for copy in range(1, factor):
        for path in originals:
            new_id = f"PI-{copy}{path.stem[3:]}"
            text = path.read_text(encoding="utf-8").replace(f"id: {path.stem}", f"id: {new_id}", 1)
            (folder / f"{new_id}.yaml").write_text(text, encoding="utf-8")


# The sizes of the linear-scaling view of `check-10k`: partner inputs in the scaled example.
CHECK_SIZES = (2_500, 5_000, 10_000)
CHECK_COMMAND = "from strategy.cli import main; main(['check', '--project', {project!r}], standalone_mode=False)"


def _with_inputs(project: Path, target: Path, count: int) -> None:
    """The project with `count` partner inputs: its own, then copies of them under the free IDs PI-0000 to
    PI-9999 (an input ID has at most four digits, so 10,000 is the most a project can hold)."""
    shutil.copytree(project, target)
    folder = target / "inputs" / "partner-inputs"
    originals = sorted(folder.glob("PI-*.yaml"))
    taken = {int(path.stem[3:]) for path in originals}
    free = [n for n in range(10_000) if n not in taken][: count - len(originals)]
    for index, number in enumerate(free):
        path = originals[index % len(originals)]
        new_id = f"PI-{number:04d}"
        text = path.read_text(encoding="utf-8").replace(f"id: {path.stem}", f"id: {new_id}", 1)
        (folder / f"{new_id}.yaml").write_text(text, encoding="utf-8")


def check_scaling(project: Path, repeat: int) -> list[dict]:
    """`strategy check` at each of CHECK_SIZES: median wall and CPU seconds, and wall seconds per 1,000
    inputs, which stay the same from size to size when checking grows linearly."""
    rows = []
    for count in CHECK_SIZES:
        scaled = project.parent / f"inputs-{count}"
        if not scaled.exists():
            _with_inputs(project, scaled, count)
        runs = [measure(CHECK_COMMAND.format(project=str(scaled)), project, wall=True) for _ in range(repeat)]
        wall, cpu = statistics.median(w for _, _, w in runs), statistics.median(c for c, _, _ in runs)
        rows.append({"inputs": count, "wall_seconds": wall, "seconds": cpu, "wall_per_1000": wall / count * 1000,
                     "peak_mib": max(m for _, m, _ in runs)})
    return rows


def measure(code: str, cwd: Path, wall: bool = False) -> tuple[float, ...]:
    """CPU seconds (user + system, less noisy than wall time on a shared machine) and peak resident
    memory (MiB) of `code` in a fresh process, including the worker processes it waits for; and, with
    `wall`, the wall seconds from start to exit."""
    # Its messages go to a file, not a pipe: a pipe nobody reads until the end blocks the process for ever once
    # it fills (64 KiB: the warnings `strategy check` lists for a few thousand inputs).
    with tempfile.TemporaryFile() as messages:
        started = time.perf_counter()
        process = subprocess.Popen([PY, "-c", code], cwd=cwd, stdout=subprocess.DEVNULL, stderr=messages)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            messages.seek(0)
            raise SystemExit(f"benchmark code failed:\n{code}\n{messages.read().decode()[-5000:]}")
    seconds = usage.ru_utime + usage.ru_stime
    return (seconds, usage.ru_maxrss / 1024, elapsed) if wall else (seconds, usage.ru_maxrss / 1024)


def instructions(code: str, cwd: Path) -> subprocess.Popen:
    """Start `code` under callgrind; its instruction count is read from the process's report."""
    if shutil.which("valgrind") is None:
        raise SystemExit("--instructions needs valgrind: run `make bench-instructions`, which installs it")
    return subprocess.Popen(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", PY, "-c", code],
                            cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def collected(process: subprocess.Popen) -> int:
    _, report = process.communicate()
    found = re.search(r"Collected : (\d+)", report)
    if process.returncode != 0 or not found:
        raise SystemExit(f"callgrind run failed:\n{report[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=[c[0] for c in CASES])
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions under callgrind (case and baseline side by side) instead of timing")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        project.mkdir()
        for part in ["mkdocs.yml", "strategy.yml", "docs", "inputs", "scripts"]:
            src = REPO / part
            (shutil.copytree if src.is_dir() else shutil.copy2)(src, project / part)
        if args.only in (None, "pdf-300"):
            _scaled_copy(project, Path(tmp) / "scaled", SCALE)
        if args.only in (None, "check-10k"):
            _with_inputs(project, Path(tmp) / "inputs-10000", 10_000)
        if args.only in (None, "pdf"):  # the pdf case needs the print HTML that a build leaves behind
            subprocess.run([PY, "-m", "strategy.cli", "build", "--project", str(project)], check=True,
                           stdout=subprocess.DEVNULL)
        scaling = check_scaling(project, args.repeat) if args.only in (None, "check-10k") and \
            not args.instructions else []
        rows = []
        for name, what, case, baseline in CASES:
            if args.only and name != args.only:
                continue
            if args.instructions:
                # The two counts are independent of each other and of load: run them side by side.
                running = [instructions(case, project), instructions(baseline, project)]
                counted = [collected(p) for p in running]
                rows.append({"name": name, "what": what, "instructions": counted[0],
                             "baseline_instructions": counted[1], "ratio": counted[0] / counted[1]})
                continue
            timings: dict[str, list[tuple[float, float]]] = {"case": [], "baseline": []}
            for _ in range(args.repeat):
                timings["case"].append(measure(case, project))
                timings["baseline"].append(measure(baseline, project))
            med = {k: (statistics.median(t for t, _ in v), max(m for _, m in v)) for k, v in timings.items()}
            rows.append({"name": name, "what": what, "seconds": med["case"][0], "baseline_seconds": med["baseline"][0],
                         "ratio": med["case"][0] / med["baseline"][0], "peak_mib": med["case"][1],
                         "baseline_peak_mib": med["baseline"][1]})

    if args.instructions:
        print("Instructions executed (callgrind, one run each: the count does not vary):")
        print(f"{'case':<7} {'Ginstr':>8} {'baseline':>9} {'ratio':>6}  what")
        for r in rows:
            print(f"{r['name']:<7} {r['instructions'] / 1e9:>8.2f} {r['baseline_instructions'] / 1e9:>9.2f} "
                  f"{r['ratio']:>6.3f}  {r['what']}")
    else:
        print("CPU seconds of the measured process (median), peak memory (max):")
        print(f"{'case':<9} {'seconds':>8} {'baseline':>9} {'ratio':>6} {'peak MiB':>9} {'base MiB':>9}  what")
        for r in rows:
            print(f"{r['name']:<9} {r['seconds']:>8.2f} {r['baseline_seconds']:>9.2f} {r['ratio']:>6.2f} "
                  f"{r['peak_mib']:>9.0f} {r['baseline_peak_mib']:>9.0f}  {r['what']}")
    if scaling:
        print("`strategy check` as the inputs grow (median; linear when the seconds per 1,000 inputs hold):")
        print(f"{'inputs':>7} {'wall s':>7} {'CPU s':>7} {'wall s/1,000':>13} {'peak MiB':>9}")
        for r in scaling:
            print(f"{r['inputs']:>7,} {r['wall_seconds']:>7.2f} {r['seconds']:>7.2f} {r['wall_per_1000']:>13.3f} "
                  f"{r['peak_mib']:>9.0f}")
    out = REPO / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    (out / f"{stamp}.json").write_text(json.dumps({"repeat": 1 if args.instructions else args.repeat,
                                                   "measure": "instructions" if args.instructions else "cpu-seconds",
                                                   "cases": rows, "check_scaling": scaling}, indent=2))
    print(f"written: benchmarks/results/{stamp}.json")


if __name__ == "__main__":
    main()
