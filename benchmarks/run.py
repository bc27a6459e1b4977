"""Benchmarks: time and peak memory of each stage, each beside a baseline run in the same session.

Not a test: nothing here passes or fails. Each case runs in its own process,
alternating with its baseline so that machine noise hits both alike, and the
report gives medians of wall and CPU seconds, the peak memory, and the median
of the ratios case/baseline of each pair of runs. Results, and a profile of a
full build, are written to benchmarks/results/ (not committed).

    python benchmarks/run.py [--repeat 3] [--only draft]
    python benchmarks/run.py --instructions --only pdf

The baselines are other tools on the same pages: MkDocs with mkdocs-to-pdf
0.12.1 (in an environment of its own, benchmarks/.venv-mkdocs-to-pdf, made on
first use from benchmarks/mkdocs-to-pdf.lock), WeasyPrint alone, plain Material
and Zensical on the site's sources as plain files that `strategy chapters`
writes (.build/plain, website/plain.py).

Timings on a shared virtual machine wander by ±20%. `--instructions` instead
counts the machine instructions each side executes, under valgrind's
callgrind (about 50 times slower, the same count on every run): a ratio that
a noisy machine cannot move.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import preview  # this folder is on the path when run.py runs
from project_copy import REPO, copy_project

PY = sys.executable
RESULTS = REPO / "benchmarks" / "results"

# MkDocs with mkdocs-to-pdf, the baseline of the whole builds, in an environment of its own: its pins are not
# the project's, and nothing of it may leak into the project's environment.
MKDOCS_TO_PDF_LOCK = REPO / "benchmarks" / "mkdocs-to-pdf.lock"
MKDOCS_TO_PDF_VENV = REPO / "benchmarks" / ".venv-mkdocs-to-pdf"

# `strategy check` as a user runs it (the console script calls the same `main`), and its baseline: only parsing
# the same files, by libyaml and csv.
CHECK_COMMAND = "from strategy.cli import main; main(['check', '--project', {project!r}], standalone_mode=False)"
PARSE_ONLY = ("import yaml, csv, pathlib\n"
              "for p in sorted(pathlib.Path({project!r}, 'inputs').rglob('*')):\n"
              "    if p.suffix == '.yaml': yaml.load(p.read_text(), Loader=yaml.CSafeLoader)\n"
              "    elif p.suffix == '.csv': list(csv.reader(p.open()))")
# The sizes of the linear-scaling view of `check-10k`: partner inputs in the scaled example.
CHECK_SIZES = (2_500, 5_000, 10_000)
CHECK_CASES = {"check", "check-10k"}

# Render the print HTML left by a build with one stylesheet, fonts and PDF options held equal.
PDF_WITH = (
    "from pathlib import Path; from weasyprint import HTML, CSS; "
    "from weasyprint.text.fonts import FontConfiguration\n"
    "fc = FontConfiguration()\n"
    "sheets = [CSS('docs/assets/stylesheets/fonts.css', font_config=fc), CSS(string={css}, font_config=fc)]\n"
    "HTML(string=Path('.build/print.html').read_text(), base_url='docs/').write_pdf("
    "'out.pdf', stylesheets=sheets, font_config=fc, pdf_variant='pdf/ua-1', pdf_tags=True)"
)
PRINT_CSS = "Path('scripts/strategy/publish/print.css').read_text()"
PLAIN_CSS = "'body{font-family:\"Noto Serif\";font-size:10.5pt} @page{size:A4;margin:25mm}'"

# A build from scratch: without the render cache that the builds before it left (strategy/cache.py).
COLD = "import shutil; shutil.rmtree({!r}, ignore_errors=True)\n"
# An edit before a rebuild, different each run: a sentence more in an author page; words more in one input (no
# colon: a plain YAML scalar cannot hold ": ").
EDIT_PAGE = ("import time; page = open('docs/vision.md', 'a'); "
             "page.write(f'\\nOne sentence more, {time.time_ns()}.\\n'); page.close()\n")
EDIT_INPUT = ("import re, time, pathlib; p = pathlib.Path('inputs/partner-inputs/PI-007.yaml'); "
              "p.write_text(re.sub(r'proposal: (Run \\d+, )?Belgium', f'proposal: Run {time.time_ns()}, Belgium', "
              "p.read_text()))\n")
# `strategy build` as a user runs it; `flags` are ", '--release'" for the release build.
CLI_BUILD = "from strategy.cli import main; main(['build', '--project', {project!r}{flags}], standalone_mode=False)"
# MkDocs alone on a config file (with our plugin, without it, or with mkdocs-to-pdf).
MKDOCS = ("from mkdocs.config import load_config; from mkdocs.commands.build import build\n"
          "build(load_config({config!r}, site_dir={site!r}))")
# The plain tree of `strategy chapters` (website/plain.py), and mkdocs-to-pdf's config beside it.
PLAIN = ".build/plain"
TO_PDF_CONFIG = f"{PLAIN}/mkdocs-to-pdf.yml"
ZENSICAL_WARM = f"from zensical.main import cli; cli(['build', '-f', '{PLAIN}/mkdocs.yml'], standalone_mode=False)"
ZENSICAL = (COLD.format(f"{PLAIN}/.cache") + COLD.format(f"{PLAIN}/site")
            + ZENSICAL_WARM.replace("'],", "', '--clean'],"))

Python = Literal["project", "mkdocs-to-pdf"]


@dataclass(frozen=True)
class Side:
    """One side of a case: Python code, run in the project copy by the project's Python or by the
    mkdocs-to-pdf environment's."""

    code: str
    python: Python = "project"


@dataclass(frozen=True)
class Case:
    name: str
    what: str
    case: Side
    baseline: Side
    target: str = ""  # the issue's target for the ratio, as the report prints it


def cases(release_flag: bool) -> list[Case]:
    """Every case. `release_flag`: whether this checkout's `strategy build` takes `--release` (a draft build
    without it); before it did, `strategy build` made both editions, and the draft case measures that."""
    draft = COLD.format(".build/cache") + CLI_BUILD.format(project=".", flags="")
    release = COLD.format(".build/cache") + CLI_BUILD.format(project=".", flags=", '--release'" * release_flag)
    to_pdf = Side(MKDOCS.format(config=TO_PDF_CONFIG, site="out-mkdocs-to-pdf"), "mkdocs-to-pdf")
    draft_is = "draft: site, reading PDF, Word" if release_flag else \
        "site, both PDF editions, Word (no draft build yet)"
    return [
        Case("check", "`strategy check` of the example, as a user runs it (a fresh process, after an earlier "
             "check: its caches in .build/) vs. only parsing the same files with libyaml/csv",
             Side(CHECK_COMMAND.format(project=".")), Side(PARSE_ONLY.format(project=".")), "< 0.4 s wall"),
        Case("check-10k", "`strategy check` of the example scaled to 10,000 partner inputs (after an earlier check) "
             "vs. only parsing the same files with libyaml/csv",
             Side(CHECK_COMMAND.format(project="../inputs-10000")),
             Side(PARSE_ONLY.format(project="../inputs-10000")), "< 2 s wall"),
        Case("draft", f"`strategy build` ({draft_is}), cold, vs. MkDocs + mkdocs-to-pdf 0.12.1 (site, one PDF) "
             "on the same generated Markdown", Side(draft), to_pdf, "<= 0.5x"),
        Case("release", "`strategy build --release` (site, both PDF editions, Word), cold, vs. MkDocs + "
             "mkdocs-to-pdf on the same Markdown", Side(release), to_pdf, "<= 1.0x"),
        Case("pdf-300", f"`strategy build` ({draft_is}) of the example scaled to about 300 pages (every "
             "partner input x8), cold, vs. MkDocs + mkdocs-to-pdf on the same Markdown",
             Side(COLD.format("../scaled/.build/cache") + CLI_BUILD.format(project="../scaled", flags="")),
             Side("import os; os.chdir('../scaled')\n" + MKDOCS.format(config=TO_PDF_CONFIG,
                                                                       site="out-mkdocs-to-pdf"), "mkdocs-to-pdf"),
             "<= 0.5x"),
        Case("pdf", "the reading edition with the print stylesheet vs. WeasyPrint alone on the same HTML, fonts "
             "and PDF options with a plain stylesheet",
             Side(PDF_WITH.format(css=PRINT_CSS)), Side(PDF_WITH.format(css=PLAIN_CSS)), "<= 1.3x"),
        Case("site", "`mkdocs build` with the strategy plugin vs. plain Material on the same pages (the plain "
             "tree of `strategy chapters`)",
             Side(MKDOCS.format(config="mkdocs.yml", site="out-site")),
             Side(MKDOCS.format(config=f"{PLAIN}/mkdocs.yml", site="out-plain")), "<= 1.3x"),
        Case("zensical", "`zensical build` vs. plain Material (`mkdocs build`), both on the plain tree, cold",
             Side(ZENSICAL), Side(MKDOCS.format(config=f"{PLAIN}/mkdocs.yml", site="out-plain"))),
        Case("zensical-warm", "`zensical build` again, with its cache (nothing changed), vs. plain Material, cold",
             Side(ZENSICAL_WARM), Side(MKDOCS.format(config=f"{PLAIN}/mkdocs.yml", site="out-plain"))),
        Case("rebuild", "`strategy build` again with nothing changed (renders from the cache) vs. a cold build",
             Side(CLI_BUILD.format(project=".", flags="")), Side(draft), "<= 0.2x"),
        Case("rebuild-page", "`strategy build` after a sentence more in one author page vs. a cold build",
             Side(EDIT_PAGE + CLI_BUILD.format(project=".", flags="")), Side(draft), "<= 0.3x"),
        Case("rebuild-input", "`strategy build` after an edit to one partner input vs. a cold build",
             Side(EDIT_INPUT + CLI_BUILD.format(project=".", flags="")), Side(draft), "<= 0.3x"),
    ]


CASE_NAMES = ["check", "check-10k", "draft", "release", "pdf-300", "pdf", "site", "zensical", "zensical-warm",
              "rebuild", "rebuild-page", "rebuild-input"]
# What each case needs set up before it runs.
NEEDS_PLAIN = {"draft", "release", "site", "zensical", "zensical-warm"}
NEEDS_MKDOCS_TO_PDF = {"draft", "release", "pdf-300"}
# The cases that take minutes a run: `--repeat-heavy` times, not `--repeat`.
HEAVY = ("pdf-300",)
NEEDS_PRINT_HTML = {"pdf", "rebuild", "rebuild-page", "rebuild-input"}  # and a rebuild a build to reuse

# How many times the partner inputs are repeated for the ~300-page case.
SCALE = 8


def _scaled_copy(project: Path, target: Path, factor: int) -> None:
    """The project with every partner input repeated `factor` times under new IDs."""
    shutil.copytree(project, target, ignore=shutil.ignore_patterns(".build"))
    folder = target / "inputs" / "partner-inputs"
    originals = sorted(folder.glob("PI-*.yaml"))
    for copy in range(1, factor):
        for path in originals:
            new_id = f"PI-{copy}{path.stem[3:]}"
            text = path.read_text(encoding="utf-8").replace(f"id: {path.stem}", f"id: {new_id}", 1)
            (folder / f"{new_id}.yaml").write_text(text, encoding="utf-8")




def _with_inputs(project: Path, target: Path, count: int) -> None:
    """The project with `count` partner inputs: its own, then copies of them under the free IDs PI-0000 to
    PI-9999 (an input ID has at most four digits, so 10,000 is the most a project can hold)."""
    shutil.copytree(project, target, ignore=shutil.ignore_patterns(".build"))
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
    inputs, which stay the same from size to size when checking grows linearly; the first check of each size
    (cold: no cache in .build/ yet) beside the median of the checks after it (warm)."""
    rows = []
    for count in CHECK_SIZES:
        scaled = project.parent / f"inputs-{count}"
        if not scaled.exists():
            _with_inputs(project, scaled, count)
        command = Side(CHECK_COMMAND.format(project=str(scaled)))
        shutil.rmtree(scaled / ".build", ignore_errors=True)
        cold = measure(command, project)  # the first check: no cache yet
        runs = [measure(command, project) for _ in range(repeat)]
        wall, cpu = statistics.median(r.wall for r in runs), statistics.median(r.cpu for r in runs)
        rows.append({"inputs": count, "wall_seconds": wall, "seconds": cpu, "wall_per_1000": wall / count * 1000,
                     "peak_mib": max(r.peak_mib for r in runs), "cold_wall_seconds": cold.wall,
                     "cold_seconds": cold.cpu, "cold_wall_per_1000": cold.wall / count * 1000})
    return rows


def prepare_checks(project: Path, scaled: Path | None) -> None:
    """One check of each project, unmeasured: the cases measure the checks after it (the copy's package is
    compiled already, project_copy.py)."""
    for root in [project, *([scaled] if scaled else [])]:
        measure(Side(CHECK_COMMAND.format(project=str(root))), project)


@dataclass(frozen=True)
class Run:
    wall: float  # seconds from start to exit
    cpu: float  # user + system seconds of the process and the workers it waited for
    peak_mib: float  # the largest resident set of the process or of any of them


def python_of(side: Side) -> str:
    return str(MKDOCS_TO_PDF_VENV / "bin" / "python") if side.python == "mkdocs-to-pdf" else PY


def environment(project: Path) -> dict[str, str]:
    """The measured processes import the project copy's own package (and mkdocs-to-pdf's environment our
    Markdown extension, which the plain mkdocs.yml names)."""
    return {**os.environ, "PYTHONPATH": str(project / "scripts"), "NO_MKDOCS_2_WARNING": "1", "NO_COLOR": "1"}


def measure(side: Side, cwd: Path) -> Run:
    """Wall and CPU seconds (CPU is less noisy on a shared machine) and peak resident memory of `side` in a
    fresh process, including the worker processes it waits for."""
    # Its messages go to a file, not a pipe: a pipe nobody reads until the end blocks the process for ever once
    # it fills (64 KiB: the warnings `strategy check` lists for a few thousand inputs).
    with tempfile.TemporaryFile() as messages:
        started = time.perf_counter()
        process = subprocess.Popen([python_of(side), "-c", side.code], cwd=cwd, stdout=subprocess.DEVNULL,
                                   stderr=messages, env=environment(cwd))
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            messages.seek(0)
            raise SystemExit(f"benchmark code failed:\n{side.code}\n{messages.read().decode()[-5000:]}")
    return Run(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def compare(case: Case, project: Path, repeat: int) -> dict:
    """Case and baseline alternated `repeat` times: medians of each, and the median of the ratios of each pair
    (the two runs of a pair saw the same machine, more or less)."""
    pairs = []
    for index in range(repeat):
        say(f"{case.name}: run {index + 1} of {repeat}")
        pairs.append((measure(case.case, project), measure(case.baseline, project)))
    sides = {"case": [c for c, _ in pairs], "baseline": [b for _, b in pairs]}
    row: dict = {"name": case.name, "what": case.what, "target": case.target, "repeat": repeat}
    for side, runs in sides.items():
        prefix = "" if side == "case" else "baseline_"
        row |= {f"{prefix}wall": statistics.median(r.wall for r in runs),
                f"{prefix}seconds": statistics.median(r.cpu for r in runs),
                f"{prefix}peak_mib": max(r.peak_mib for r in runs),
                f"{prefix}runs": [vars(r) for r in runs]}
    row["wall_ratio"] = statistics.median(c.wall / b.wall for c, b in pairs)
    row["ratio"] = statistics.median(c.cpu / b.cpu for c, b in pairs)
    return row


def instructions(side: Side, cwd: Path) -> subprocess.Popen:
    """Start `side` under callgrind; its instruction count is read from the process's report."""
    if shutil.which("valgrind") is None:
        raise SystemExit("--instructions needs valgrind: run `make bench-instructions`, which installs it")
    return subprocess.Popen(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", python_of(side),
                             "-c", side.code], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, env=environment(cwd))


def collected(process: subprocess.Popen) -> int:
    _, report = process.communicate()
    found = re.search(r"Collected : (\d+)", report)
    if process.returncode != 0 or not found:
        raise SystemExit(f"callgrind run failed:\n{report[-2000:]}")
    return int(found.group(1))


def mkdocs_to_pdf_python() -> Path:
    """The benchmark-only environment, made (or remade, when its lock file changed) on first use."""
    stamp = MKDOCS_TO_PDF_VENV / ".installed"
    wanted = hashlib.sha256(MKDOCS_TO_PDF_LOCK.read_bytes()).hexdigest()
    if not stamp.is_file() or stamp.read_text() != wanted:
        say(f"making {MKDOCS_TO_PDF_VENV.relative_to(REPO)} from {MKDOCS_TO_PDF_LOCK.relative_to(REPO)}")
        shutil.rmtree(MKDOCS_TO_PDF_VENV, ignore_errors=True)
        subprocess.run([PY, "-m", "venv", str(MKDOCS_TO_PDF_VENV)], check=True)
        installed = subprocess.run([str(MKDOCS_TO_PDF_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet",
                                    "--disable-pip-version-check", "-r", str(MKDOCS_TO_PDF_LOCK)],
                                   capture_output=True, text=True)
        if installed.returncode != 0:
            raise SystemExit(f"could not install {MKDOCS_TO_PDF_LOCK.name}:\n{installed.stderr[-3000:]}")
        stamp.write_text(wanted)
    return MKDOCS_TO_PDF_VENV / "bin" / "python"


def strategy_command(project: Path, *args: str) -> None:
    done = subprocess.run([PY, "-m", "strategy.cli", *args, "--project", str(project)], capture_output=True,
                          text=True, env=environment(project))
    if done.returncode != 0:
        raise SystemExit(f"strategy {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def plain_tree(project: Path) -> None:
    """`strategy chapters` (the plain tree), and beside its mkdocs.yml the same with mkdocs-to-pdf added: one
    PDF with a cover and contents, the plugin's defaults otherwise."""
    import yaml

    strategy_command(project, "chapters")
    config = yaml.safe_load((project / PLAIN / "mkdocs.yml").read_text(encoding="utf-8"))
    config["plugins"] = [*config["plugins"], {"to-pdf": {"cover_title": config["site_name"],
                                                         "output_path": "strategy.pdf", "toc_level": 2}}]
    (project / TO_PDF_CONFIG).write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True),
                                         encoding="utf-8")


def takes_release_flag(project: Path) -> bool:
    """Whether this checkout's `strategy build` makes a draft unless given `--release`."""
    shown = subprocess.run([PY, "-m", "strategy.cli", "build", "--help"], capture_output=True, text=True,
                           env=environment(project), check=True).stdout
    return "--release" in shown


def profile_build(project: Path, stamp: str, release_flag: bool) -> list[str]:
    """cProfile of a cold full build (`--release`, where `strategy build` takes it): its main process (check,
    chapters, print HTML, site; the PDF renders run in worker processes, which it shows as waiting); and of
    one render of the reading edition, as a worker does it. Each as .prof (for snakeviz or pstats) and as the
    top of the cumulative and own times in .txt."""
    written = []
    shutil.rmtree(project / ".build" / "cache", ignore_errors=True)
    render = project / "profile-render.py"  # cProfile runs a module or a script, not `-c`
    render.write_text(PDF_WITH.format(css=PRINT_CSS))
    build = ["-m", "strategy.cli", "build", "--project", str(project), *["--release"] * release_flag]
    runs = {"build": build, "render": [str(render)]}
    for name, args in runs.items():
        say(f"profile of the {name}")
        prof = RESULTS / f"{stamp}-profile-{name}.prof"
        done = subprocess.run([PY, "-m", "cProfile", "-o", str(prof), *args], cwd=project, capture_output=True,
                              text=True, env=environment(project))
        if done.returncode != 0:
            raise SystemExit(f"the profile of the {name} failed:\n{done.stderr[-5000:]}")
        report = io.StringIO()
        stats = pstats.Stats(str(prof), stream=report).strip_dirs()
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(30)
        (RESULTS / f"{stamp}-profile-{name}.txt").write_text(report.getvalue())
        written += [prof.name, f"{stamp}-profile-{name}.txt"]
    return written


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def commit() -> str:
    done = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty", "--abbrev=7"],
                          capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--repeat-heavy", type=int, default=1,
                        help=f"runs of the long cases ({', '.join(HEAVY)}) and of each size of the check's scaling: "
                             "one each by default, which keeps `make bench` near a quarter of an hour")
    parser.add_argument("--only", choices=[*CASE_NAMES, "profile", "preview"])
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions under callgrind (case and baseline side by side) instead of timing")
    args = parser.parse_args()
    wanted = {args.only} if args.only else {*CASE_NAMES, "profile", "preview"}
    if args.instructions:
        wanted -= {"profile", "preview"}
    began = time.perf_counter()
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        project.mkdir()
        say("copying the project")
        copy_project(project)
        release_flag = takes_release_flag(project)
        if wanted & NEEDS_MKDOCS_TO_PDF:
            mkdocs_to_pdf_python()
        if wanted & NEEDS_PLAIN:
            say("strategy chapters (the plain tree)")
            plain_tree(project)
        if "zensical-warm" in wanted:  # its cache, for the build that finds nothing changed
            measure(Side(ZENSICAL_WARM), project)
        if "pdf-300" in wanted:
            say("the example scaled to about 300 pages")
            _scaled_copy(project, Path(tmp) / "scaled", SCALE)
            plain_tree(Path(tmp) / "scaled")
        if "check-10k" in wanted:
            _with_inputs(project, Path(tmp) / "inputs-10000", 10_000)
        if wanted & CHECK_CASES:
            prepare_checks(project, Path(tmp) / "inputs-10000" if "check-10k" in wanted else None)
        if wanted & NEEDS_PRINT_HTML:  # the print HTML that a build leaves behind, and its render cache
            say("a build, for the print HTML and the render cache")
            strategy_command(project, "build")
        # First: a profile that fails stops the run before the long part, not after it.
        profiles = profile_build(project, stamp, release_flag) if "profile" in wanted else []
        scaling = []
        if "check-10k" in wanted and not args.instructions:
            say("strategy check at 2,500, 5,000 and 10,000 inputs")
            scaling = check_scaling(project, args.repeat_heavy)
        rows = []
        for case in cases(release_flag):
            if case.name not in wanted:
                continue
            if args.instructions:
                # The two counts are independent of each other and of load: run them side by side.
                say(f"{case.name}: under callgrind")
                running = [instructions(case.case, project), instructions(case.baseline, project)]
                counted = [collected(p) for p in running]
                rows.append({"name": case.name, "what": case.what, "instructions": counted[0],
                             "baseline_instructions": counted[1], "ratio": counted[0] / counted[1]})
                continue
            rows.append(compare(case, project, args.repeat_heavy if case.name in HEAVY else args.repeat))

    live = None
    if "preview" in wanted:  # not a case against a baseline: the time an edit takes to show, and its rebuilds
        say(f"mkdocs serve: {args.repeat} edits of an input and of an author page")
        live = preview.measure(args.repeat)
    minutes = (time.perf_counter() - began) / 60
    report(rows, scaling, args.instructions)
    if live:
        print(preview.report(live))
    result = {"date": time.strftime("%Y-%m-%d %H:%M"), "commit": commit(), "cpus": os.cpu_count(),
              "load_average": os.getloadavg(), "minutes": minutes, "draft_build": release_flag,
              "repeat": 1 if args.instructions else args.repeat, "repeat_heavy": args.repeat_heavy,
              "measure": "instructions" if args.instructions else "seconds",
              "cases": rows, "check_scaling": scaling, "preview": live, "profiles": profiles}
    (RESULTS / f"{stamp}.json").write_text(json.dumps(result, indent=2))
    if (rows or live) and not args.instructions:
        print("\nFor the README (Performance):\n")
        print(markdown_table(result))
    print(f"\nwritten: benchmarks/results/{stamp}.json" + "".join(f", {p}" for p in profiles))
    print(f"{minutes:.1f} minutes in all")


def report(rows: list[dict], scaling: list[dict], counted: bool) -> None:
    if counted:
        print("Instructions executed (callgrind, one run each: the count does not vary):")
        print(f"{'case':<13} {'Ginstr':>8} {'baseline':>9} {'ratio':>6}  what")
        for r in rows:
            print(f"{r['name']:<13} {r['instructions'] / 1e9:>8.2f} {r['baseline_instructions'] / 1e9:>9.2f} "
                  f"{r['ratio']:>6.3f}  {r['what']}")
    elif rows:
        print("Medians of the case and of its baseline; ratios are medians of the ratios of each pair of runs:")
        print(f"{'case':<13} {'wall s':>7} {'base':>6} {'ratio':>6} {'CPU s':>7} {'base':>6} {'ratio':>6} "
              f"{'peak MiB':>9} {'base':>6} {'target':>9}  what")
        for r in rows:
            print(f"{r['name']:<13} {r['wall']:>7.2f} {r['baseline_wall']:>6.2f} {r['wall_ratio']:>6.2f} "
                  f"{r['seconds']:>7.2f} {r['baseline_seconds']:>6.2f} {r['ratio']:>6.2f} {r['peak_mib']:>9.0f} "
                  f"{r['baseline_peak_mib']:>6.0f} {r['target']:>9}  {r['what']}")
    if scaling:
        print("`strategy check` as the inputs grow (median of the warm runs, and the first, cold, run; linear when "
              "the seconds per 1,000 inputs hold):")
        print(f"{'inputs':>7} {'wall s':>7} {'CPU s':>7} {'wall s/1,000':>13} {'cold wall':>10} {'cold CPU':>9} "
              f"{'cold s/1,000':>13} {'peak MiB':>9}")
        for r in scaling:
            print(f"{r['inputs']:>7,} {r['wall_seconds']:>7.2f} {r['seconds']:>7.2f} {r['wall_per_1000']:>13.3f} "
                  f"{r['cold_wall_seconds']:>10.2f} {r['cold_seconds']:>9.2f} {r['cold_wall_per_1000']:>13.3f} "
                  f"{r['peak_mib']:>9.0f}")


def markdown_table(result: dict) -> str:
    """The figures as the README's Performance section shows them."""
    lines = [f"Measured {result['date']}, commit {result['commit']}, median of {result['repeat']} runs "
             f"({result['repeat_heavy']} for {', '.join(HEAVY)}) "
             f"(load average at the end {result['load_average'][0]:.1f} on {result['cpus']} CPUs):", "",
             "| case | wall s (baseline) | wall ratio | CPU s (baseline) | CPU ratio | peak MiB (baseline) | target |",
             "|---|---|---|---|---|---|---|"]
    for r in result["cases"]:
        lines.append(f"| `{r['name']}` | {r['wall']:.1f} ({r['baseline_wall']:.1f}) | **{r['wall_ratio']:.2f}** | "
                     f"{r['seconds']:.1f} ({r['baseline_seconds']:.1f}) | {r['ratio']:.2f} | "
                     f"{r['peak_mib']:.0f} ({r['baseline_peak_mib']:.0f}) | {r['target'] or '–'} |")
    if result.get("preview"):
        lines += ["", "| `mkdocs serve`: an edit of | save to page served, median (min–max) s | rebuilds per edit "
                      "| server CPU s per edit | target |", "|---|---|---|---|---|"]
        for kind, seen in result["preview"]["edits"].items():
            t = seen["seconds"]
            lines.append(f"| {kind} | **{statistics.median(t):.2f}** ({min(t):.2f}–{max(t):.2f}) | "
                         f"{', '.join(map(str, seen['rebuilds']))} | {statistics.median(seen['cpu_seconds']):.2f} "
                         f"| < 0.5 s, one rebuild |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
