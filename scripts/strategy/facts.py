"""No invented fact passes as real: headline figures from one record, illustrative data and placeholders listed.

- The headline figures (inputs/headline-figures.yaml) are stated once, with their source. Author pages state
  them through the macro `{{ figure("institutional-changes") }}`; `hand_stated_figures` finds a headline
  figure typed by hand in an author page or in strategy.yml (which gives the cover its text).
- `illustrative_records` and `placeholders` find what a final edition must not contain: records marked
  `illustrative: true` (or carrying an `illustrative_note`), "[Name]"-style gaps, the ISBN placeholder and
  example.org addresses.
- `fact_problems` turns all of these into warnings for a draft and into problems, which stop the build, for a
  final edition (strategy.yml `edition.final: true`).

Only reading and pattern matching here: `strategy check` imports this module and no renderer.
"""

from __future__ import annotations

import csv
import difflib
import html
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from .audience import Audience
from .inputs.records import HeadlineFigure, HeadlineFigures, Publication, ResultsSummary
from .inputs.sources import dotted
from .files import path_order
from .problems import Problem, display_path, shown, warning

HEADLINE_FILE = "headline-figures.yaml"

# {{ figure("people") }}, {{ figure("people", "target") }}: the macro body, as macros.py reads it.
FIGURE_CALL = re.compile(r"""figure\(\s*(?P<q>["'])(?P<id>[^"']*)(?P=q)\s*(?:,\s*(?P<q2>["'])(?P<part>[^"']*)(?P=q2)\s*)?\)""")
FIGURE_PARTS = ("text", "target", "period", "update")
_MACRO = re.compile(r"\{\{.*?\}\}")


# --- the record -------------------------------------------------------------------------------------------


def headline_problems(headline: HeadlineFigures, source) -> list[Problem]:
    """Every figure ID once, and every source named exists."""
    problems = []
    known_sources = {s.id for s in headline.sources}
    if headline.source not in known_sources:
        problems.append(Problem(source.file, source.line_of(("source",)), "source",
                                f"the ID of one of the sources listed ({', '.join(sorted(known_sources))})",
                                f"'{headline.source}'"))
    seen: set[str] = set()
    for index, item in enumerate(headline.figures):
        if item.id in seen:
            problems.append(Problem(source.file, source.line_of(("figures", index, "id")), dotted(("figures", index, "id")),
                                    "a unique figure ID", f"'{item.id}' again"))
        seen.add(item.id)
        for u, update in enumerate(item.updates):
            if update.source not in known_sources:
                problems.append(Problem(source.file, source.line_of(("figures", index, "updates", u, "source")),
                                        dotted(("figures", index, "updates", u, "source")),
                                        "its own source, one of the sources listed", f"'{update.source}'"))
    return problems


def summary_agrees(headline: HeadlineFigures, summary: ResultsSummary, where) -> list[Problem]:
    """The results chapter's totals are the headline figures: a copy that drifts is an error."""
    pairs = []
    changes = headline.figure("institutional-changes")
    if changes is not None:
        pairs += [(("institutional_changes", "achieved"), changes.value, summary.institutional_changes.achieved),
                  (("institutional_changes", "target"), changes.target, summary.institutional_changes.target)]
    countries = headline.figure("priority-countries")
    if countries is not None:
        pairs.append((("priority_countries",), countries.value, summary.priority_countries))
    out = []
    for path, expected, found in pairs:
        if expected is not None and expected != found:
            out.append(Problem(where.file, where.line_of(path), ".".join(path),
                               f"{expected:,}, the headline figure in inputs/{HEADLINE_FILE}", f"{found:,}"))
    period = headline.figure("period")
    if period is not None and _years(period.text) and _years(period.text) != _years(summary.reporting_period):
        out.append(Problem(where.file, where.line_of(("reporting_period",)), "reporting_period",
                           f"'{period.text}', the headline period in inputs/{HEADLINE_FILE}",
                           f"'{summary.reporting_period}'"))
    return out


def _years(text: str) -> list[str]:
    return re.findall(r"\b(?:19|20)\d\d\b", text)


def render_figure(headline: HeadlineFigures | None, figure_id: str, part: str) -> tuple[str | None, str | None]:
    """The Markdown a figure macro becomes, or (None, what was expected) when it cannot be made."""
    if headline is None:
        return None, f"a headline figure: this project has no inputs/{HEADLINE_FILE}"
    item = headline.figure(figure_id)
    if item is None:
        guess = difflib.get_close_matches(figure_id, [f.id for f in headline.figures], n=1)
        hint = f" (did you mean {guess[0]}?)" if guess else ""
        return None, f"the ID of a headline figure in inputs/{HEADLINE_FILE}{hint}"
    part = part or "text"
    if part not in FIGURE_PARTS:
        return None, f"a part of a figure: {', '.join(FIGURE_PARTS)}"
    source = headline.source_of(headline.source)
    cited = f"Source: {source.title}" if source else ""
    if part == "update":
        if not item.updates:
            return None, f"a figure with a dated update (figure '{figure_id}' has none)"
        update = max(item.updates, key=lambda u: u.as_of)
        later = headline.source_of(update.source)
        # The source as text, not a link: WeasyPrint leaves a link that wraps over two lines outside the
        # PDF's Link structure (PDF/UA, Matterhorn 28-011). The address stays in the record.
        where = _md(later.title) if later else _md(update.source)
        return (f"{_span(update.text, f'Update of {_long_date(update.as_of)}', 'headline-figure headline-update')}"
                f" (as of {_long_date(update.as_of)}; source: {where})"), None
    text = {"text": item.text, "target": item.target_text, "period": item.period}[part]
    if text is None:
        return None, f"a figure that has a {part} (figure '{figure_id}' has none)"
    return _span(text, cited, "headline-figure"), None


def _span(text: str, title: str, classes: str) -> str:
    return f'<span class="{classes}" title="{html.escape(title)}">{_md(text)}</span>'


def _md(text: str) -> str:
    return re.sub(r"([\\`*_\[\]{}#|])", r"\\\1", html.escape(text, quote=False))


def _long_date(day) -> str:
    return f"{day.day} {day:%B %Y}"


# --- headline figures typed by hand ------------------------------------------------------------------------


def figure_patterns(headline: HeadlineFigures) -> list[tuple[str, re.Pattern]]:
    """For each figure (and its target and updates), what a hand-typed statement of it looks like:
    its number in any common form followed within a few words by what it counts ("148 institutional
    changes", "50 million people", "50 countries"), "target of 80", or the period ("2021–2024",
    "between 2021 and 2024")."""
    patterns = []
    for item in headline.figures:
        noun = _noun(item)
        numbers = [(item.id, item.value)] + [(f"{item.id} (target)", item.target)] \
            + [(f"{item.id} (update)", u.value) for u in item.updates]
        for label, value in numbers:
            if value is None:
                continue
            forms = _number_forms(value)
            if noun:
                patterns.append((label, re.compile(rf"(?<![\w.,]){forms}(?![\w]|[.,]\d)(?:\W+\w+){{0,3}}?\W+{noun}\b",
                                                   re.I)))
            if "target" in label:
                patterns.append((label, re.compile(rf"\btarget\s+of\s+{forms}(?![\w]|[.,]\d)", re.I)))
        years = _years(item.text) if item.value is None else []
        if len(years) == 2:
            patterns.append((item.id, re.compile(rf"\b{years[0]}\s*(?:[–—-]|to|and)\s*{years[1]}\b", re.I)))
    return patterns


def _noun(item: HeadlineFigure) -> str | None:
    """The last word of a figure's text: what it counts ("changes", "people", "countries")."""
    words = re.findall(r"[A-Za-z]+", item.text)
    return re.escape(words[-1]) if words else None


def _number_forms(value: int) -> str:
    """148 -> 148; 50000000 -> 50000000, 50,000,000, 50 million, 50.0 million, 50m."""
    forms = {re.escape(str(value)), re.escape(f"{value:,}")}
    if value >= 1_000_000 and value % 100_000 == 0:
        millions = value / 1_000_000
        forms |= {rf"{re.escape(f'{millions:g}')}\s*(?:million|m)\b", rf"{re.escape(f'{millions:.1f}')}\s*(?:million|m)\b"}
    return "(?:" + "|".join(sorted(forms, key=len, reverse=True)) + ")"


def hand_stated_figures(root: Path, headline: HeadlineFigures | None) -> list[tuple[str, int, str, str]]:
    """(file, line, figure ID, what was typed) for each headline figure stated by hand in an author page of
    docs/ (not the generated chapters) or in strategy.yml, outside macros and code."""
    if headline is None:
        return []
    patterns = figure_patterns(headline)
    found = []
    for path in author_files(root):
        for line_number, line in _prose_lines(path):
            line = _MACRO.sub(" ", line)
            line = re.sub(r"`[^`]*`", " ", line)
            for label, pattern in patterns:
                for match in pattern.finditer(line):
                    found.append((display_path(path, root), line_number, label, match.group(0)))
    return sorted(set(found))


def author_files(root: Path) -> list[Path]:
    """What the drafting team writes by hand: the pages of docs/ (not docs/generated/) and strategy.yml."""
    from .project import PUBLICATION_YML, Project

    strategy = root / PUBLICATION_YML
    return Project(root).author_pages() + ([strategy] if strategy.is_file() else [])


def _prose_lines(path: Path) -> Iterator[tuple[int, str]]:
    """The lines of a file, skipping a page's front matter, fenced code and YAML comments."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return  # unreadable files are reported by the stages that need them
    yield from _prose_lines_of(text, path.suffix)


def _prose_lines_of(text: str, suffix: str) -> Iterator[tuple[int, str]]:
    """_prose_lines of a file's text, its name ending in `suffix`."""
    lines = text.splitlines()
    in_front = suffix == ".md" and bool(lines) and lines[0].strip() == "---"
    yaml_comments = suffix in (".yml", ".yaml")
    fence = None
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if in_front:
            if number > 1 and stripped in ("---", "..."):
                in_front = False
            continue
        if stripped.startswith(("```", "~~~")):
            marker = stripped[:3]
            fence = None if fence == marker else (fence or marker)
            continue
        if fence or (yaml_comments and stripped.startswith("#")):
            continue
        yield number, line


# --- what a final edition must not contain ---------------------------------------------------------------

_ILLUSTRATIVE_YAML = re.compile(r"^\s*(?:-\s+)?(?:illustrative:\s*(?:true|yes|on)\b|illustrative_note:)", re.I)
_PLACEHOLDERS = [
    ("a name or title to fill in", re.compile(r"\[(?:Name|Title|Date|Signature|Position|Surname|TBD|TBC|TODO)\](?![(:])")),
    ("an example.org address", re.compile(r"\b(?:[\w.+-]+@)?(?:[\w-]+\.)*example\.(?:org|com|net)\b", re.I)),
    ("the ISBN placeholder", re.compile(r"^\s*isbn:.*(?:placeholder|000000)", re.I)),
]


class InputFiles:
    """The input files the facts checks read, listed and read once for both (each file was read twice), with
    each file's path as problems name it."""

    def __init__(self, inputs_folder: Path, root: Path, texts: Mapping[str, str] | None = None):
        self.folder, self.root = inputs_folder, root
        self._read = texts or {}  # the files' texts as loading read them, by shown path (StrategyInputs.texts)
        self.paths = sorted(_regular_files(inputs_folder), key=path_order) if inputs_folder.is_dir() else []
        self._texts: dict[Path, str | None] = {}
        try:  # display_path of a file of the folder, worked out for the folder once (see shown)
            self._prefix = inputs_folder.absolute().relative_to(root.absolute()).as_posix() + "/"
        except ValueError:
            self._prefix = None

    def text(self, path: Path) -> str | None:
        """The file's text; None when it cannot be read (the stages that need it report that)."""
        if path not in self._texts:
            read = self._read.get(self.shown(path)) if self._read else None
            if read is not None and "\r" not in read:  # else: a lone "\r" is a line end here, not there
                self._texts[path] = read
                return read
            try:  # path.read_text(encoding="utf-8-sig"), without a text wrapper and its decoder for each file
                text = path.read_bytes().decode("utf-8-sig")
                self._texts[path] = text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text
            except (OSError, UnicodeDecodeError):
                self._texts[path] = None
        return self._texts[path]

    def shown(self, path: Path) -> str:
        """display_path(path, root) for a path listed here, without asking pathlib for each of thousands."""
        text, folder = str(path), str(self.folder) + os.sep
        if self._prefix is None or not text.startswith(folder):
            return display_path(path, self.root)
        return self._prefix.removeprefix("./") + text[len(folder):].replace(os.sep, "/")


def _regular_files(folder: Path) -> Iterator[Path]:
    """The regular files (not symbolic links) in `folder` and its subfolders, as `folder.rglob("*")` filtered
    by `is_file() and not is_symlink()` finds them (no linked folder is entered), from what listing a folder
    says of each entry: no call to the system for each of ten thousand files."""
    pending = [os.fspath(folder)]
    while pending:
        try:
            with os.scandir(pending.pop()) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(entry.path)
                    elif entry.is_file(follow_symlinks=False):
                        yield Path(entry.path)
        except OSError:  # a folder that cannot be listed: rglob passes over it too
            continue


def illustrative_records(inputs_folder: Path, root: Path,
                         files: InputFiles | None = None) -> list[tuple[str, list[int], str]]:
    """(file, lines, the first such line) of every input file that holds illustrative records: `illustrative: true` (or an
    `illustrative_note`) in YAML, a true `illustrative` cell in CSV."""
    out = []
    files = files or InputFiles(inputs_folder, root)
    for path in files.paths:
        suffix = path.suffix.lower()
        if suffix in (".yaml", ".yml"):
            text = files.text(path)
            if text is None:
                continue  # unreadable files are reported by the stages that need them
            lines = _illustrative_yaml_lines(text, path.suffix)
        else:
            lines = _illustrative_csv(path) if suffix == ".csv" else []
            text = path.read_text(encoding="utf-8-sig") if lines else ""
        if lines:
            first = text.splitlines()[lines[0] - 1].strip().lstrip("- ")
            out.append((files.shown(path), lines, first[:40]))
    return out


# _ILLUSTRATIVE_YAML over a whole text: within a line (no "\n" in any space it matches), from a line's start.
_ILLUSTRATIVE_YAML_TEXT = re.compile(r"^[^\S\n]*(?:-[^\S\n]+)?(?:illustrative:[^\S\n]*(?:true|yes|on)\b|illustrative_note:)",
                                     re.I | re.M)
# The word every match of _ILLUSTRATIVE_YAML_TEXT holds, as it reads it (case-blind).
_ILLUSTRATIVE_WORD = re.compile("illustrative", re.I)
# What str.splitlines takes for a line's end besides "\n", which "^" with re.M does not: such a text is read
# line by line.
_OTHER_LINE_ENDS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _illustrative_yaml_lines(text: str, suffix: str) -> list[int]:
    """The lines of a YAML file's prose (_prose_lines_of) that mark a record illustrative.

    A match can only be on a prose line unless the file has fenced code (a YAML comment's line starts with
    "#", which the pattern does not take): the whole text is searched at once, and only a file with a fence or
    an unusual line end is read line by line."""
    if _OTHER_LINE_ENDS.search(text) or "```" in text or "~~~" in text:
        return [n for n, line in _prose_lines_of(text, suffix) if _ILLUSTRATIVE_YAML.match(line)]
    # Tried only at the start of a line that holds the word: trying the pattern at every character of ten
    # thousand files was most of this check.
    lines, line, counted, tried = [], 1, 0, -1
    for at in _illustrative_words(text):
        start = text.rfind("\n", 0, at) + 1
        if start == tried:
            continue
        tried = start
        if _ILLUSTRATIVE_YAML_TEXT.match(text, start):
            line += text.count("\n", counted, start)
            counted = start
            lines.append(line)
    return lines


def _illustrative_words(text: str) -> Iterator[int]:
    """Where the word "illustrative" is, case-blind as _ILLUSTRATIVE_WORD finds it. In ASCII text that is where
    the text in lower case holds it (same length, same places), which str.find finds without trying the
    pattern at every character."""
    if not text.isascii():  # re.I also takes "İ" for "i" and "ſ" for "s"
        yield from (word.start() for word in _ILLUSTRATIVE_WORD.finditer(text))
        return
    lower = text.lower()
    at = lower.find("illustrative")
    while at != -1:
        yield at
        at = lower.find("illustrative", at + 1)


def _illustrative_csv(path: Path) -> list[int]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return []
    first = text.split("\n", 1)[0]
    reader = csv.reader(text.splitlines(), delimiter=";" if first.count(";") > first.count(",") else ",")
    header = [h.strip().lower() for h in next(reader, [])]
    if "illustrative" not in header:
        return []
    column = header.index("illustrative")
    return [reader.line_num for row in reader
            if len(row) > column and row[column].strip().lower() in ("true", "yes", "1")]


def placeholders(root: Path, inputs_folder: Path, files: InputFiles | None = None) -> list[tuple[str, int, str, str]]:
    """(file, line, what it is, the text) of every placeholder in the author files and the inputs."""
    files = files or InputFiles(inputs_folder, root)
    inputs = [p for p in files.paths if p.suffix.lower() in (".yaml", ".yml", ".csv")]
    found = []
    for path in author_files(root) + inputs:
        text = files.text(path)
        if text is None:
            continue  # unreadable files are reported by the stages that need them
        if not _may_hold_placeholder(text):
            continue  # most files hold none: their lines need no reading
        shown_as = files.shown(path)  # an author file is no file of the folder: display_path
        publication = path.name == "strategy.yml"
        for number, line in _prose_lines_of(text, path.suffix):
            if publication and _COMMENTS_EMAIL_LINE.match(line):
                continue  # comments_address_problems reports it, with its field
            for what, pattern in _PLACEHOLDERS:
                for match in pattern.finditer(line):
                    found.append((shown_as, number, what, match.group(0).strip()))
    return found


# Whether a file's text may hold a placeholder: what each pattern of _PLACEHOLDERS must contain to match, with
# the same flags (case-blind "example." also matches "EXAMPLE.", and "isbn:" also "ıſbn:", as re.I does there).
# The e-mail pattern itself, tried at every word of every file, was most of this check's time.
_ANY_PLACEHOLDER = [_PLACEHOLDERS[0][1], re.compile(r"example\.", re.I), re.compile(r"isbn:", re.I)]


def _may_hold_placeholder(text: str) -> bool:
    """Whether one of _ANY_PLACEHOLDER finds something in the text. In ASCII text, where re.I takes no letter
    for another, the case-blind two are a search of the text in lower case: three times as fast."""
    if not text.isascii():
        return any(pattern.search(text) for pattern in _ANY_PLACEHOLDER)
    lower = text.lower()
    return "example." in lower or "isbn:" in lower or _ANY_PLACEHOLDER[0].search(text) is not None


# --- all of it, as problems ----------------------------------------------------------------------------------


FileScans = tuple[list[tuple[str, list[int], str]], list[tuple[str, int, str, str]]]


def file_scans(root: Path, inputs_folder: Path, texts: Mapping[str, str] | None = None) -> FileScans:
    """What fact_problems finds by reading the files (most of its time): the illustrative records of the
    inputs, and the placeholders of the author files and the inputs. `texts`: files' texts as loading read
    them, which are then not read again (any file may be missing: it is read)."""
    files = InputFiles(root / inputs_folder, root, texts)
    return illustrative_records(root / inputs_folder, root, files), placeholders(root, root / inputs_folder, files)


def fact_problems(root: Path, publication: Publication, headline: HeadlineFigures | None,
                  texts: Mapping[str, str] | None = None, scans: FileScans | None = None) -> list[Problem]:
    """Warnings in a draft; problems that stop the build in a final edition. `texts`: the input files' texts as
    loading read them (StrategyInputs.texts), which are then not read again. `scans`: file_scans of the same
    files, when a second process has worked them out while the inputs loaded (ahead.py)."""
    final = publication.edition.final
    report = Problem if final else warning
    final_note = ": this is a final edition (edition.final: true)"
    data_why = final_note if final else " before a final edition, which refuses illustrative records"
    text_why = final_note if final else " before a final edition, which refuses placeholders"
    illustrative, found_placeholders = scans or file_scans(root, Path(publication.inputs_folder), texts)
    problems = []
    for file, line, label, typed in hand_stated_figures(root, headline):
        figure_id = label.split(" ")[0]
        part = {"(target)": ', "target"', "(update)": ', "update"'}.get(label.split(" ")[-1], "")
        problems.append(report(file, line, None, f'the headline figure through {{{{ figure("{figure_id}"{part}) }}}}'
                               f" (inputs/{HEADLINE_FILE})", f"'{typed}' typed by hand"))
    for file, lines, first in illustrative:
        found = f"'{first}'" if len(lines) == 1 else \
            f"{len(lines)} illustrative records (lines {', '.join(map(str, lines))})"
        problems.append(report(file, lines[0], "illustrative", f"real data{data_why}", found))
    for file, line, what, text in found_placeholders:
        problems.append(report(file, line, None, f"the real text{text_why}", f"'{text}', {what}"))
    return problems


# --- where reviewers' comments go ------------------------------------------------------------------------------

_COMMENTS_EMAIL_LINE = re.compile(r"^comments_email\s*:")
_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# Domains reserved for examples and tests (RFC 2606): no comment sent there reaches anyone.
_EXAMPLE_DOMAINS = [("an example.org address", re.compile(r"@(?:[\w-]+\.)*example\.(?:org|com|net)$", re.I)),
                    ("an address in a domain reserved for tests", re.compile(r"@(?:[\w-]+\.)*(?:invalid|test)$", re.I))]


def comments_address_problems(root: Path, publication: Publication, audience: Audience) -> list[Problem]:
    """strategy.yml's `comments_email`, where the site's Comment links send reviewers' e-mails.

    A partners build (the review site) refuses to go without one. An example address (example.org, .invalid,
    .test) is refused in a final edition and a warning in a draft: the bundled example has none to give."""
    file = "strategy.yml"  # project.PUBLICATION_YML; the check imports no more than it needs
    line = next((n for n, text in _prose_lines(root / file) if _COMMENTS_EMAIL_LINE.match(text)), None)
    address = publication.comments_email
    if address is None:
        if audience is not Audience.PARTNERS:
            return []
        return [Problem(file, line, "comments_email", "the address where reviewers' comments go: a partners build "
                        "has a Comment link on every section and numbered paragraph", "none")]
    if not _ADDRESS.fullmatch(address):
        return [Problem(file, line, "comments_email", "an e-mail address (name@domain)", shown(address))]
    what = next((what for what, pattern in _EXAMPLE_DOMAINS if pattern.search(address)), None)
    if what is None:
        return []
    if publication.edition.final:
        return [Problem(file, line, "comments_email", "a real address for reviewers' comments: this is a final "
                        "edition (edition.final: true)", f"{shown(address)}, {what}")]
    return [warning(file, line, "comments_email", "a real address for reviewers' comments before a final edition, "
                    "which refuses example addresses", f"{shown(address)}, {what}, which no comment reaches")]
