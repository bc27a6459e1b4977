"""Broken files and environments (issue 8, section 3): each gets a clear problem or warning, fast.

Classes: impossible dates, numbers where a date belongs, huge integers, deep nesting, FIFOs, devices, symlink
loops, symlinks out of the project, files over the size limit, paths that are not files, no partner inputs,
files the loader does not read, non-ASCII IDs, CSV shapes, console markup in quoted values, inputs without
consent, and an output folder the build cannot write. Unreadable files need a user other than root, so they
are tested in tests/test_hostile_inputs.py instead.

Cases edit lines by their key (`received:`), not by their value, so that they hold when the example's data
changes; line numbers are read from the repository's example when this module is imported.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
from pathlib import Path

from corpus import Case, replace_in

REPO = Path(__file__).resolve().parents[2]
PI = "inputs/partner-inputs"
PI1 = f"{PI}/PI-001.yaml"
PI1_ANONYMOUS = next(f"{PI}/{p.name}" for p in sorted((REPO / PI).glob("PI-*.yaml"))
                     if "consent: anonymous" in p.read_text(encoding="utf-8"))
PI_NO_CONSENT = [f"{PI}/{p.name}" for p in sorted((REPO / PI).glob("PI-*.yaml"))
                 if not re.search(r"^consent:", p.read_text(encoding="utf-8"), re.M)]
SUMMARY = "inputs/results/summary.yaml"
RESULTS = "inputs/results/countries.csv"
COUNTRIES = "inputs/countries.csv"
MEETING = "inputs/meeting.yaml"
GLOSSARY = "inputs/glossary.yaml"
PARTNERS = "inputs/partners.yaml"
PRIORITIES = "inputs/priorities.yaml"


def at(relative: str, key: str) -> int:
    """The line of the first line of a file of the example that starts with `key` (indentation ignored)."""
    for number, line in enumerate((REPO / relative).read_text(encoding="utf-8").splitlines(), start=1):
        if line.lstrip().startswith(key):
            return number
    raise AssertionError(f"no line starting with {key!r} in {relative}")


# --- ways to break a copy --------------------------------------------------------------------------------


def setting(relative: str, key: str, value: str):
    """Set the first `key:` line of a file to `key: value`, keeping its indentation."""
    def make(root: Path) -> None:
        path = root / relative
        lines = path.read_text(encoding="utf-8").split("\n")
        for i, line in enumerate(lines):
            if line.lstrip().startswith(f"{key}:"):
                indent = line[: len(line) - len(line.lstrip())]
                lines[i] = f"{indent}{key}: {value}"
                path.write_text("\n".join(lines), encoding="utf-8")
                return
        raise AssertionError(f"no {key}: in {relative}")
    return make


def replacing(relative: str, old: str, new: str):
    def make(root: Path) -> None:
        replace_in(root / relative, old, new)
    return make


def writing(relative: str, data: bytes | str):
    def make(root: Path) -> None:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return make


def appending(relative: str, text: str):
    def make(root: Path) -> None:
        with (root / relative).open("a", encoding="utf-8") as file:
            file.write(text)
    return make


def dropping_line(relative: str, key: str):
    def make(root: Path) -> None:
        path = root / relative
        lines = path.read_text(encoding="utf-8").split("\n")
        index = next(i for i, line in enumerate(lines) if line.startswith(key))
        path.write_text("\n".join(lines[:index] + lines[index + 1:]), encoding="utf-8")
    return make


def csv_editing(relative: str, edit):
    """Apply `edit(lines) -> lines` to a CSV file's lines."""
    def make(root: Path) -> None:
        path = root / relative
        lines = path.read_text(encoding="utf-8").splitlines()
        path.write_text("\n".join(edit(lines)) + "\n", encoding="utf-8")
    return make


def fifo(relative: str):
    def make(root: Path) -> None:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        os.mkfifo(path)
    return make


def linking(relative: str, target: str):
    """Replace `relative` by a symbolic link to `target` (as written: absolute, or relative to the link)."""
    def make(root: Path) -> None:
        path = root / relative
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
        path.symlink_to(target)
    return make


def copy_as(source: str, destination: str, new_id: str | None = None):
    """Copy a partner input to another name (inside or outside the project), with a new ID if given."""
    def make(root: Path) -> None:
        text = (root / source).read_text(encoding="utf-8")
        if new_id:
            text = re.sub(r"^id: .*$", f"id: {new_id}", text, count=1, flags=re.M)
        path = (root / destination).resolve() if not destination.startswith("/") else Path(destination)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return make


def outside(root: Path, name: str) -> Path:
    """A path beside the project copy, outside it, unique to the copy."""
    return root.parent / f"{root.name}-outside-{name}"


def both(*makes):
    def make(root: Path) -> None:
        for step in makes:
            step(root)
    return make


def sparse(relative: str, size: int):
    def make(root: Path) -> None:
        path = root / relative
        path.unlink(missing_ok=True)
        with path.open("wb") as file:
            file.truncate(size)
    return make


def padded(relative: str, total: int):
    """Pad a file with a YAML comment up to exactly `total` bytes."""
    def make(root: Path) -> None:
        path = root / relative
        data = path.read_bytes()
        filler = total - len(data) - 3
        path.write_bytes(data + b"\n#" + b"x" * filler + b"\n")
    return make


def link_outside(relative: str, content_from: str | None = None, data: bytes = b"secret: 1\n"):
    """Link `relative` to a file beside the project copy (a copy of `content_from`, or `data`)."""
    def make(root: Path) -> None:
        target = outside(root, Path(relative).name)
        target.write_bytes((root / content_from).read_bytes() if content_from else data)
        linking(relative, str(target))(root)
    return make


def folder_outside(relative: str):
    """Move a folder out of the project and leave a link to it."""
    def make(root: Path) -> None:
        target = outside(root, Path(relative).name)
        shutil.move(str(root / relative), target)
        (root / relative).symlink_to(target, target_is_directory=True)
    return make


def emptying(relative: str):
    def make(root: Path) -> None:
        for path in (root / relative).iterdir():
            path.unlink()
    return make


def into_subfolder(relative: str, sub: str, pattern: str = "*.yaml"):
    def make(root: Path) -> None:
        folder = root / relative
        (folder / sub).mkdir()
        for path in list(folder.glob(pattern)):
            path.rename(folder / sub / path.name)
    return make


def unix_socket(relative: str):
    def make(root: Path) -> None:
        import socket
        path = root / relative
        path.unlink(missing_ok=True)
        # A socket's path may hold at most 107 bytes; the folder's descriptor keeps it short however deep
        # the test's temporary folder is.
        folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            with socket.socket(socket.AF_UNIX) as listener:
                listener.bind(f"/proc/self/fd/{folder}/{path.name}")  # the socket file stays after the close
        finally:
            os.close(folder)
    return make


def char_device(relative: str):
    def make(root: Path) -> None:
        path = root / relative
        path.unlink()
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 5))  # the kernel's /dev/zero
    return make


def moved_inside(relative: str, destination: str):
    """Move a file elsewhere inside the project and leave a relative link to it: allowed."""
    def make(root: Path) -> None:
        target = root / destination
        target.parent.mkdir(parents=True, exist_ok=True)
        (root / relative).rename(target)
        (root / relative).symlink_to(os.path.relpath(target, (root / relative).parent))
    return make


def inputs_folder_outside(root: Path) -> None:
    target = outside(root, "inputs")
    shutil.copytree(root / "inputs", target)
    setting("strategy.yml", "inputs_folder", os.path.relpath(target, root))(root)


def digits(n: int) -> str:
    return "1" + "0" * (n - 1)


def nested_mapping(levels: int) -> str:
    return "".join("  " * i + "a:\n" for i in range(levels)) + "  " * levels + "b: 1\n"


def replace_cell(line: int, column: int, value: str):
    def edit(lines):
        cells = lines[line - 1].split(",")
        cells[column] = value
        lines[line - 1] = ",".join(cells)
        return lines
    return edit


RECEIVED = at(PI1, "received:")
ID_LINE = at(PI1, "id:")
PARTNER_LINE = at(PI1, "partner:")
MEETING_DATE = at(MEETING, "date:")
EDITION_DATE = at("strategy.yml", "date:")
ACHIEVED = at(SUMMARY, "achieved:")
TARGET = at(SUMMARY, "target:")
PRIORITY_COUNTRIES = at(SUMMARY, "priority_countries:")
SESSION_ID = at(MEETING, "- id: S1")
OBJECTIVE_ID = at(MEETING, "- id: O1")
CALENDAR = "a real calendar date"
NOT_UNIX = "a number is not read as a date"

CASES = [
    # --- dates that do not exist ---------------------------------------------------------------------------
    Case("inputs-date-february-30", "dates", setting(PI1, "received", "2025-02-30"), "problem", PI1, RECEIVED,
         "received", CALENDAR),
    Case("inputs-date-month-13", "dates", setting(PI1, "received", "2026-13-01"), "problem", PI1, RECEIVED,
         "received", CALENDAR),
    Case("inputs-date-day-zero", "dates", setting(PI1, "received", "2026-02-00"), "problem", PI1, RECEIVED,
         "received", CALENDAR),
    Case("inputs-date-year-zero", "dates", setting(MEETING, "date", "0000-03-26"), "problem", MEETING,
         MEETING_DATE, "date", CALENDAR),
    Case("inputs-date-february-29-not-leap", "dates", setting(MEETING, "date", "2025-02-29"), "problem", MEETING,
         MEETING_DATE, "date", CALENDAR),
    Case("inputs-date-edition-november-31", "dates", setting("strategy.yml", "date", "2026-11-31"), "problem",
         "strategy.yml", EDITION_DATE, "edition.date", CALENDAR),
    Case("inputs-date-quoted-impossible", "dates", setting(PI1, "received", '"2025-02-30"'), "problem", PI1,
         RECEIVED, "received", "date"),
    Case("inputs-date-with-time-of-day", "dates", setting(PI1, "received", "2025-02-06 10:30:00"), "problem",
         PI1, RECEIVED, "received", "date"),
    Case("inputs-date-words", "dates", setting(PI1, "received", "early February"), "problem", PI1, RECEIVED,
         "received", "date"),
    Case("inputs-date-leap-day-is-valid", "dates", setting(PI1, "received", "2024-02-29"), "valid"),
    # --- numbers where a date belongs: never Unix time --------------------------------------------------------
    Case("inputs-date-unix-seconds", "date-integer", setting(PI1, "received", "1700000000"), "problem", PI1,
         RECEIVED, "received", NOT_UNIX),
    Case("inputs-date-compact-digits", "date-integer", setting(PI1, "received", "20250206"), "problem", PI1,
         RECEIVED, "received", NOT_UNIX),
    Case("inputs-date-zero", "date-integer", setting(PI1, "received", "0"), "problem", PI1, RECEIVED,
         "received", NOT_UNIX),
    Case("inputs-date-negative", "date-integer", setting(PI1, "received", "-1"), "problem", PI1, RECEIVED,
         "received", NOT_UNIX),
    Case("inputs-date-quoted-number", "date-integer", setting(PI1, "received", '"1700000000"'), "problem", PI1,
         RECEIVED, "received", NOT_UNIX),
    Case("inputs-date-float", "date-integer", setting(PI1, "received", "2025.5"), "problem", PI1, RECEIVED,
         "received", NOT_UNIX),
    Case("inputs-date-boolean", "date-integer", setting(PI1, "received", "true"), "problem", PI1, RECEIVED,
         "received", NOT_UNIX),
    Case("inputs-date-meeting-unix", "date-integer", setting(MEETING, "date", "1742947200"), "problem", MEETING,
         MEETING_DATE, "date", NOT_UNIX),
    Case("inputs-date-edition-one", "date-integer", setting("strategy.yml", "date", "1"), "problem",
         "strategy.yml", EDITION_DATE, "edition.date", NOT_UNIX),
    # --- integers with thousands of digits --------------------------------------------------------------------
    Case("inputs-int-5000-digits", "huge-integer", setting(SUMMARY, "achieved", digits(5000)), "problem", SUMMARY,
         ACHIEVED, "institutional_changes.achieved", "at most 30 digits"),
    Case("inputs-int-100000-digits", "huge-integer", setting(SUMMARY, "target", digits(100_000)), "problem",
         SUMMARY, TARGET, "institutional_changes.target", "at most 30 digits"),
    Case("inputs-int-4000-digits-under-python-limit", "huge-integer",
         setting(SUMMARY, "priority_countries", digits(4000)), "problem", SUMMARY, PRIORITY_COUNTRIES,
         "priority_countries", "at most 30 digits"),
    Case("inputs-int-hexadecimal-huge", "huge-integer", setting(SUMMARY, "achieved", "0x" + "f" * 5000), "problem",
         SUMMARY, ACHIEVED, "institutional_changes.achieved", "at most 30 digits"),
    Case("inputs-int-underscored-huge", "huge-integer", setting(SUMMARY, "achieved", "1_000" * 1500), "problem",
         SUMMARY, ACHIEVED, "institutional_changes.achieved", "at most 30 digits"),
    Case("inputs-int-negative-huge", "huge-integer", setting(SUMMARY, "achieved", "-" + digits(5000)), "problem",
         SUMMARY, ACHIEVED, "institutional_changes.achieved", "at most 30 digits"),
    Case("inputs-int-as-key", "huge-integer", appending(PI1, f"? {digits(5000)}\n: x\n"), "problem", PI1,
         says="at most 30 digits"),
    Case("inputs-int-octal-huge", "huge-integer", setting(SUMMARY, "achieved", "0" + "7" * 5000), "problem",
         SUMMARY, ACHIEVED, "institutional_changes.achieved", "at most 30 digits"),
    Case("inputs-int-year-huge", "huge-integer", setting("strategy.yml", "year", digits(5000)), "problem",
         "strategy.yml", at("strategy.yml", "year:"), "rights.year", "at most 30 digits"),
    Case("inputs-int-csv-5000-digits", "huge-integer", csv_editing(RESULTS, replace_cell(3, 1, digits(5000))),
         "problem", RESULTS, 3, "institutional_changes", "an integer"),
    Case("inputs-int-csv-20-digits", "huge-integer", csv_editing(RESULTS, replace_cell(2, 2, digits(20))),
         "problem", RESULTS, 2, "legal_coverage", "an integer"),
    Case("inputs-int-beyond-any-count", "huge-integer", setting(SUMMARY, "achieved", digits(12)), "problem",
         SUMMARY, ACHIEVED, "institutional_changes.achieved", "less than or equal to"),
    Case("inputs-int-infinite-float", "huge-integer", setting(SUMMARY, "achieved", "1e99999"), "problem",
         SUMMARY, ACHIEVED, "institutional_changes.achieved", "an integer"),
    Case("inputs-int-boolean-as-count", "huge-integer", setting(SUMMARY, "achieved", "true"), "problem",
         SUMMARY, ACHIEVED, "institutional_changes.achieved", "an integer"),
    Case("inputs-int-arabic-indic-digits-in-csv", "huge-integer", csv_editing(RESULTS, replace_cell(2, 1, "٣")),
         "problem", RESULTS, 2, "institutional_changes", "an integer"),
    # --- nesting deeper than a sane limit, refused before a tree is built ---------------------------------------
    Case("inputs-nesting-100000-brackets", "deep-nesting", writing(GLOSSARY, "x: " + "[" * 100_000), "problem",
         GLOSSARY, 1, says="nesting", seconds=10),
    Case("inputs-nesting-1900000-brackets", "deep-nesting", writing(PRIORITIES, "[" * 1_900_000), "problem",
         PRIORITIES, 1, says="nesting", seconds=10),
    Case("inputs-nesting-braces", "deep-nesting", writing(GLOSSARY, "{a: " * 50_000), "problem", GLOSSARY, 1,
         says="nesting", seconds=10),
    Case("inputs-nesting-block-dashes", "deep-nesting", writing(PARTNERS, "- " * 5000 + "x\n"), "problem",
         PARTNERS, 1, says="nesting", seconds=10),
    Case("inputs-nesting-indented-mappings", "deep-nesting", writing(PI1, nested_mapping(500)), "problem", PI1,
         says="nesting", seconds=10),
    Case("inputs-nesting-just-over-the-limit", "deep-nesting", writing(MEETING, "x: " + "[" * 31 + "]" * 31),
         "problem", MEETING, 1, says="nesting"),
    Case("inputs-nesting-in-strategy-yml", "deep-nesting", writing("strategy.yml", "x: " + "[" * 5000), "problem",
         "strategy.yml", 1, says="nesting", seconds=10),
    Case("inputs-nesting-in-summary", "deep-nesting", writing(SUMMARY, "{a: [" * 20_000), "problem", SUMMARY, 1,
         says="nesting", seconds=10),
    # --- FIFOs: never opened --------------------------------------------------------------------------------
    Case("inputs-fifo-partners", "fifo", fifo(PARTNERS), "problem", PARTNERS, says="named pipe", seconds=10),
    Case("inputs-fifo-partner-input", "fifo", fifo(PI1), "problem", PI1, says="named pipe", seconds=10),
    Case("inputs-fifo-csv", "fifo", fifo(RESULTS), "problem", RESULTS, says="named pipe", seconds=10),
    Case("inputs-fifo-new-partner-input", "fifo", fifo(f"{PI}/PI-047.yaml"), "problem", f"{PI}/PI-047.yaml",
         says="named pipe", seconds=10),
    Case("inputs-fifo-strategy-yml", "fifo", fifo("strategy.yml"), "problem", "strategy.yml", says="named pipe",
         seconds=10),
    Case("inputs-fifo-unknown-file", "fifo", fifo("inputs/notes"), "warning", "inputs/notes", says="not read",
         seconds=10),
    Case("inputs-fifo-behind-a-link", "fifo", both(fifo("docs/pipe"), linking(PI1, "../../docs/pipe")),
         "problem", PI1, says="named pipe", seconds=10),
    # --- devices, directly or behind a link ----------------------------------------------------------------------
    Case("inputs-device-zero", "device", linking(PI1, "/dev/zero"), "problem", PI1, says="character device",
         seconds=10),
    Case("inputs-device-urandom", "device", linking(PARTNERS, "/dev/urandom"), "problem", PARTNERS,
         says="character device", seconds=10),
    Case("inputs-device-null", "device", linking(COUNTRIES, "/dev/null"), "problem", COUNTRIES,
         says="character device", seconds=10),
    Case("inputs-device-full", "device", linking(MEETING, "/dev/full"), "problem", MEETING,
         says="character device", seconds=10),
    Case("inputs-device-stdin", "device", linking(GLOSSARY, "/dev/stdin"), "problem", GLOSSARY,
         says="character device", seconds=10),
    Case("inputs-device-block", "device", linking(PRIORITIES, "/dev/loop0"), "problem", PRIORITIES,
         says="block device", seconds=10),
    Case("inputs-device-node-inside-project", "device", char_device(SUMMARY), "problem", SUMMARY,
         says="character device", seconds=10),
    Case("inputs-device-socket", "device", unix_socket(f"{PI}/PI-047.yaml"), "problem", f"{PI}/PI-047.yaml",
         says="a socket", seconds=10),
    Case("inputs-fifo-unknown-in-results", "fifo", fifo("inputs/results/extra.csv"), "warning",
         "inputs/results/extra.csv", says="not read", seconds=10),
    # --- symlink loops ----------------------------------------------------------------------------------------
    Case("inputs-loop-self", "symlink-loop", linking(PI1, "PI-001.yaml"), "problem", PI1, says="loop",
         seconds=10),
    Case("inputs-loop-two-links", "symlink-loop", both(linking("inputs/other.yaml", "partners.yaml"),
                                                       linking(PARTNERS, "other.yaml")),
         "problem", PARTNERS, says="loop", seconds=10),
    Case("inputs-loop-partner-inputs-folder", "symlink-loop", linking(PI, "partner-inputs"), "problem", PI,
         says="loop", seconds=10),
    Case("inputs-loop-results-folder", "symlink-loop", linking("inputs/results", "results"), "problem", SUMMARY,
         says="loop", seconds=10),
    Case("inputs-loop-inputs-folder", "symlink-loop", linking("inputs", "inputs"), "problem", "inputs",
         says="loop", seconds=10),
    Case("inputs-loop-unknown-file", "symlink-loop", linking("inputs/x.yaml", "x.yaml"), "warning",
         "inputs/x.yaml", says="not read", seconds=10),
    Case("inputs-loop-folder-link-in-partner-inputs", "symlink-loop", linking(f"{PI}/again", ".."),
         "problem", f"{PI}/again", says="subfolder", seconds=10),
    Case("inputs-loop-three-links", "symlink-loop", both(linking("docs/a.yaml", "b.yaml"), linking("docs/b.yaml",
                                                                                             "../inputs/meeting.yaml"),
                                                         linking(MEETING, "../docs/a.yaml")),
         "problem", MEETING, says="loop", seconds=10),
    # --- symlinks leading out of the project ---------------------------------------------------------------------
    Case("inputs-outside-etc-passwd", "symlink-outside", linking(GLOSSARY, "/etc/passwd"), "problem", GLOSSARY,
         says="outside", seconds=10),
    Case("inputs-outside-relative-dots", "symlink-outside", linking(COUNTRIES, "../" * 12 + "etc/hostname"),
         "problem", COUNTRIES, says="outside", seconds=10),
    Case("inputs-outside-valid-input", "symlink-outside", link_outside(f"{PI}/PI-047.yaml", PI1), "problem",
         f"{PI}/PI-047.yaml", says="outside", seconds=10),
    Case("inputs-outside-partner-inputs-folder", "symlink-outside", folder_outside(PI), "problem", PI,
         says="outside", seconds=10),
    Case("inputs-outside-proc", "symlink-outside", linking(MEETING, "/proc/self/environ"), "problem", MEETING,
         says="outside", seconds=10),
    Case("inputs-outside-inputs-folder", "symlink-outside", inputs_folder_outside, "problem", None,
         says="a folder of inputs inside the project", seconds=10),
    Case("inputs-outside-summary", "symlink-outside", link_outside(SUMMARY, SUMMARY), "problem", SUMMARY,
         says="outside", seconds=10),
    Case("inputs-inside-link-is-read", "symlink-outside", moved_inside(PI1, "drafts/PI-001.yaml"), "valid",
         seconds=10),
    # --- files over the size limit: stat first, never read past it ---------------------------------------------
    Case("inputs-size-3-mib", "size-limit", writing(GLOSSARY, "- term: X\n  expansion: " + "y" * 3 * 2**20),
         "problem", GLOSSARY, says="at most 2048 KiB"),
    Case("inputs-size-one-byte-over", "size-limit", padded(PI1, 2 * 2**20 + 1), "problem", PI1,
         says="at most 2048 KiB"),
    Case("inputs-size-sparse-100-gib", "size-limit", sparse(MEETING, 100 * 2**30), "problem", MEETING,
         says="at most 2048 KiB", seconds=10),
    Case("inputs-size-sparse-csv", "size-limit", sparse(RESULTS, 2**40), "problem", RESULTS,
         says="at most 2048 KiB", seconds=10),
    Case("inputs-size-behind-link", "size-limit", both(sparse("docs/big.yaml", 2**34),
                                                       linking(PARTNERS, "../docs/big.yaml")),
         "problem", PARTNERS, says="at most 2048 KiB", seconds=10),
    Case("inputs-size-exactly-the-limit", "size-limit", padded(PI1, 2 * 2**20), "valid"),
    Case("inputs-size-half-a-million-items", "size-limit", writing(GLOSSARY, "- a\n" * 500_000), "problem",
         GLOSSARY, 1, "[0]", "a mapping of GlossaryEntry fields", seconds=30),
    Case("inputs-size-fifty-thousand-bad-rows", "size-limit", appending(RESULTS, "x,y\n" * 50_000), "problem",
         RESULTS, None, None, "cells as in the header", seconds=30),
    # --- paths that are not regular files -------------------------------------------------------------------
    Case("inputs-not-a-file-folder", "not-a-file", both(lambda root: (root / PARTNERS).unlink(),
                                                        lambda root: (root / PARTNERS).mkdir()),
         "problem", PARTNERS, says="a folder"),
    Case("inputs-not-a-file-dangling-link", "not-a-file", linking(SUMMARY, "gone.yaml"), "problem", SUMMARY,
         says="a symbolic link to nothing"),
    Case("inputs-not-a-file-partner-inputs-is-a-file", "not-a-file", both(lambda root: shutil.rmtree(root / PI),
                                                                          writing(PI, "x")),
         "problem", PI, says="a regular file"),
    Case("inputs-not-a-file-missing", "not-a-file", lambda root: (root / GLOSSARY).unlink(), "problem", GLOSSARY,
         says="nothing there"),
    # --- no partner inputs at all ---------------------------------------------------------------------------
    Case("inputs-none-empty-folder", "no-partner-inputs", emptying(PI), "problem", PI,
         says="at least one partner input"),
    Case("inputs-none-only-a-readme", "no-partner-inputs", both(emptying(PI), writing(f"{PI}/README.md", "x")),
         "problem", PI, says="at least one partner input"),
    Case("inputs-none-all-in-a-subfolder", "no-partner-inputs", into_subfolder(PI, "2026"), "problem", f"{PI}/2026",
         says="not in a subfolder"),
    Case("inputs-none-folder-missing", "no-partner-inputs", lambda root: shutil.rmtree(root / PI), "problem", PI,
         says="nothing there"),
    # --- every file read or reported ---------------------------------------------------------------------------
    Case("inputs-files-upper-case-extension-read", "unknown-files", copy_as(PI1, f"{PI}/PI-047.YAML", "PI-047"),
         "valid"),
    Case("inputs-files-yml-read", "unknown-files", copy_as(PI1, f"{PI}/PI-047.yml", "PI-047"), "valid"),
    Case("inputs-files-mixed-case-extension-read", "unknown-files", copy_as(PI1, f"{PI}/PI-047.Yaml", "PI-047"),
         "valid"),
    Case("inputs-files-text-in-partner-inputs", "unknown-files", writing(f"{PI}/notes.txt", "to do"), "warning",
         f"{PI}/notes.txt", says="not read"),
    Case("inputs-files-backup-in-partner-inputs", "unknown-files", copy_as(PI1, f"{PI}/PI-001.yaml.bak"),
         "warning", f"{PI}/PI-001.yaml.bak", says="not read"),
    Case("inputs-files-hidden-input", "unknown-files", copy_as(PI1, f"{PI}/.PI-047.yaml", "PI-047"), "warning",
         f"{PI}/.PI-047.yaml", says="not read"),
    Case("inputs-files-subfolder-in-partner-inputs", "unknown-files",
         copy_as(PI1, f"{PI}/late/PI-047.yaml", "PI-047"), "problem", f"{PI}/late", says="not in a subfolder"),
    Case("inputs-files-yml-beside-yaml", "unknown-files", copy_as(PARTNERS, "inputs/partners.yml"), "warning",
         "inputs/partners.yml", says="did you mean partners.yaml"),
    Case("inputs-files-capitalised-known-name", "unknown-files", copy_as(GLOSSARY, "inputs/Glossary.yaml"),
         "warning", "inputs/Glossary.yaml", says="not read"),
    Case("inputs-files-notes", "unknown-files", writing("inputs/notes.txt", "x"), "warning", "inputs/notes.txt",
         says="not read"),
    Case("inputs-files-old-results", "unknown-files", copy_as(RESULTS, "inputs/results/countries-2024.csv"),
         "warning", "inputs/results/countries-2024.csv", says="not read"),
    Case("inputs-files-unknown-folder", "unknown-files", writing("inputs/archive/PI-001.yaml", "x: 1\n"),
         "warning", "inputs/archive", says="a folder"),
    Case("inputs-files-ds-store", "unknown-files", writing("inputs/.DS_Store", b"\x00\x00\x00\x01Bud1"), "warning",
         "inputs/.DS_Store", says="not read"),
    # --- IDs in ASCII; one number, one input ---------------------------------------------------------------------
    Case("inputs-id-arabic-indic-digits", "ascii-ids", setting(PI1, "id", "PI-٠٠١"), "problem", PI1, ID_LINE, "id",
         "pattern"),
    Case("inputs-id-full-width-digits", "ascii-ids", setting(PI1, "id", "PI-００１"), "problem", PI1, ID_LINE, "id",
         "pattern"),
    Case("inputs-id-devanagari-digits", "ascii-ids", setting(PI1, "id", "PI-००१"), "problem", PI1, ID_LINE, "id",
         "pattern"),
    Case("inputs-id-two-digits", "ascii-ids", setting(PI1, "id", "PI-01"), "problem", PI1, ID_LINE, "id",
         "pattern"),
    Case("inputs-id-session-arabic-indic", "ascii-ids", replacing(MEETING, "- id: S1\n", "- id: S١\n"), "problem",
         MEETING, SESSION_ID, "sessions[0].id", "pattern"),
    Case("inputs-id-objective-full-width", "ascii-ids", replacing(MEETING, "- id: O1\n", "- id: Ｏ1\n"),
         "problem", MEETING, OBJECTIVE_ID, "objectives[0].id", "pattern"),
    Case("inputs-id-input-names-session-in-other-digits", "ascii-ids",
         both(setting(PI1, "channel", "session-intervention"), setting(PI1, "timing", "during-meeting"),
              appending(PI1, "session: S١\n")), "problem", PI1, None, "session", "pattern"),
    Case("inputs-id-padded-collides", "ascii-ids", copy_as(PI1, f"{PI}/PI-0001.yaml", "PI-0001"), "problem",
         f"{PI}/PI-001.yaml", ID_LINE, "id", "also in inputs/partner-inputs/PI-0001.yaml as 'PI-0001'"),
    Case("inputs-id-047-and-0047-collide", "ascii-ids",
         both(copy_as(PI1, f"{PI}/PI-047.yaml", "PI-047"), copy_as(PI1, f"{PI}/PI-0047.yaml", "PI-0047")),
         "problem", f"{PI}/PI-047.yaml", ID_LINE, "id", "also in inputs/partner-inputs/PI-0047.yaml"),
    Case("inputs-id-arabic-indic-file-name", "ascii-ids", copy_as(PI1, f"{PI}/PI-٠٤٧.yaml", "PI-٠٤٧"), "problem",
         f"{PI}/PI-٠٤٧.yaml", ID_LINE, "id", "pattern"),
    Case("inputs-id-yml-beside-yaml-collide", "ascii-ids", copy_as(PI1, f"{PI}/PI-001.yml"), "problem",
         f"{PI}/PI-001.yml", ID_LINE, "id", "also in inputs/partner-inputs/PI-001.yaml"),
    # --- CSV shapes that would shift or drop data -------------------------------------------------------------
    Case("inputs-csv-duplicated-header", "csv-shape",
         csv_editing(RESULTS, lambda ls: [ls[0].replace("illustrative", "adequacy"), *ls[1:]]), "problem",
         RESULTS, 1, None, "each column once"),
    Case("inputs-csv-duplicated-header-countries", "csv-shape",
         csv_editing(COUNTRIES, lambda ls: [ls[0].replace("illustrative", "name"), *ls[1:]]), "problem",
         COUNTRIES, 1, None, "each column once"),
    Case("inputs-csv-header-only", "csv-shape", csv_editing(RESULTS, lambda ls: ls[:1]), "problem", RESULTS,
         None, None, "at least one row"),
    Case("inputs-csv-header-only-crlf-bom", "csv-shape",
         lambda root: (root / RESULTS).write_bytes(b"\xef\xbb\xbf" + (root / RESULTS).read_bytes().split(b"\n")[0]
                                                   + b"\r\n\r\n"), "problem", RESULTS, None, None,
         "at least one row"),
    Case("inputs-csv-header-and-blank-lines", "csv-shape", csv_editing(RESULTS, lambda ls: [ls[0], "", " ", ",,"]),
         "problem", RESULTS, None, None, "at least one row"),
    Case("inputs-csv-header-in-capitals", "csv-shape",
         csv_editing(RESULTS, lambda ls: [ls[0].replace("country", "Country", 1), *ls[1:]]), "problem", RESULTS, 1,
         None, "the columns"),
    Case("inputs-csv-countries-header-only", "csv-shape", csv_editing(COUNTRIES, lambda ls: ls[:1]), "problem",
         COUNTRIES, None, None, "at least one row"),
    Case("inputs-csv-missing-cells", "csv-shape", csv_editing(RESULTS, lambda ls: [*ls[:2], ls[2].rsplit(",", 2)[0],
                                                                                   *ls[3:]]),
         "problem", RESULTS, 3, None, "missing cells"),
    Case("inputs-csv-extra-cells", "csv-shape", csv_editing(RESULTS, lambda ls: [*ls[:3], ls[3] + ",9", *ls[4:]]),
         "problem", RESULTS, 4, None, "extra cells"),
    Case("inputs-csv-empty-file", "csv-shape", writing(RESULTS, b""), "problem", RESULTS, 1, None,
         "the columns"),
    Case("inputs-csv-blank-header-cell", "csv-shape", csv_editing(COUNTRIES, lambda ls: [ls[0] + ",", *ls[1:]]),
         "problem", COUNTRIES, 1, None, "the columns"),
    Case("inputs-csv-unclosed-quote", "csv-shape", appending(COUNTRIES, 'ZZZ,"Nowhere,africa,true,true\n'),
         "problem", COUNTRIES, None, None, "well-formed CSV"),
    Case("inputs-csv-oversized-cell", "csv-shape", appending(COUNTRIES, "ZZZ," + "x" * 200_000 + ",africa,true,true\n"),
         "problem", COUNTRIES, None, None, "well-formed CSV"),
    Case("inputs-csv-semicolon-row-in-comma-file", "csv-shape",
         csv_editing(RESULTS, lambda ls: [*ls[:2], ls[2].replace(",", ";"), *ls[3:]]), "problem", RESULTS, 3,
         None, "missing cells"),
    # --- problems quote file contents literally ---------------------------------------------------------------
    Case("inputs-literal-markup-and-emoji", "literal-messages", setting(PI1, "partner", '"[red]x[/red] :smile:"'),
         "problem", PI1, PARTNER_LINE, "partner", "'[red]x[/red] :smile:'"),
    Case("inputs-literal-emoji-code-in-theme", "literal-messages",
         setting(PI1, "received", '":thumbs_up: [bold]soon[/bold]"'), "problem", PI1, RECEIVED, "received",
         ":thumbs_up: [bold]soon[/bold]"),
    Case("inputs-literal-markup-in-field-name", "literal-messages", appending(PI1, "'[bold]x[/bold]': 1\n"),
         "problem", PI1, None, "[bold]x[/bold]", "'[bold]x[/bold]'"),
    Case("inputs-literal-link-markup-in-csv", "literal-messages",
         csv_editing(RESULTS, replace_cell(2, 0, "[link=file:///etc/passwd]AGO[/link]")), "problem", RESULTS, 2,
         "country", "[link=file:///etc/passwd]AGO[/link]"),
    Case("inputs-literal-terminal-escape", "literal-messages", setting(PI1, "partner", '"\\e[2Jgone"'), "problem",
         PI1, PARTNER_LINE, "partner", "'\\x1b[2Jgone'"),
    # A form feed in a team title once passed `check` and broke the Word version's XML in the build.
    Case("inputs-control-character-in-team-title", "literal-messages",
         setting("inputs/thematic-areas.yaml", "title", '"Fin\\fancing"'), "problem", "inputs/thematic-areas.yaml",
         at("inputs/thematic-areas.yaml", "title:"), "title", "without control characters (found U+000C)"),
    Case("inputs-control-character-in-partner-text", "literal-messages",
         appending(PI1, 'country_experience: "a\\x07b"\n'), "problem", PI1, None, "country_experience", "U+0007"),
    Case("inputs-literal-bidi-override", "literal-messages", setting(PI1, "partner", '"abc\\u202Edef"'), "problem",
         PI1, PARTNER_LINE, "partner", "\\u202e"),
    # --- an input without consent stays out, with a warning ------------------------------------------------------
    # PI-002: no author page quotes it (a quoted input without consent stops the build, rightly).
    Case("inputs-consent-removed", "consent-missing", dropping_line(f"{PI}/PI-002.yaml", "consent:"), "warning",
         f"{PI}/PI-002.yaml", at(f"{PI}/PI-002.yaml", "id:"), "consent", "stays out of partners and public builds"),
    Case("inputs-consent-removed-from-anonymous", "consent-missing", dropping_line(PI1_ANONYMOUS, "consent:"),
         "warning", PI1_ANONYMOUS, at(PI1_ANONYMOUS, "id:"), "consent", "counts as withheld"),
    *[Case(f"inputs-consent-absent-in-example-{Path(f).stem}", "consent-missing", lambda root: None, "warning", f,
           at(f, "id:"), "consent", "stays out") for f in PI_NO_CONSENT],
    Case("inputs-consent-empty-value", "consent-missing", setting(PI1, "consent", ""), "problem", PI1,
         at(PI1, "consent:"), "consent", "named"),
    # --- other broken partner inputs --------------------------------------------------------------------------
    Case("inputs-yaml-empty-input", "broken-yaml", writing(PI1, ""), "problem", PI1, says="a mapping of"),
    Case("inputs-yaml-list-input", "broken-yaml", writing(PI1, "- a\n- b\n"), "problem", PI1, says="a mapping of"),
    Case("inputs-yaml-latin-1", "broken-yaml", writing(PI1, "id: PI-001\nvision: caf\xe9\n".encode("latin-1")),
         "problem", PI1, 2, says="UTF-8"),
    Case("inputs-yaml-nul-byte", "broken-yaml", writing(PI1, b"id: PI-001\x00\n"), "problem", PI1,
         says="a text file"),
    Case("inputs-yaml-python-tag", "broken-yaml", appending(PI1, "x: !!python/object/apply:os.system [ls]\n"),
         "problem", PI1, says="valid YAML"),
    Case("inputs-yaml-complex-key", "broken-yaml", appending(PI1, "? [a, b]\n: c\n"), "problem", PI1,
         says="a plain key"),
    Case("inputs-yaml-tag-on-mapping", "broken-yaml", appending(PI1, "x: !!set {a, b}\n"), "problem", PI1,
         says="the tag"),
    Case("inputs-yaml-date-as-key", "broken-yaml", appending(PI1, "2025-02-30: x\n"), "problem", PI1,
         says=CALENDAR),
    Case("inputs-yaml-two-documents", "broken-yaml", appending(PI1, "---\nid: PI-002\n"), "problem", PI1,
         says="valid YAML"),
    # --- an output folder the build cannot write (a full disk is tested in tests/test_hostile_inputs.py) --------
    Case("inputs-build-work-folder-is-a-file", "unwritable-output", writing(".build", "x"), "problem", ".build",
         says="a folder", command="build", seconds=120),
]
