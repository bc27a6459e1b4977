"""Every acronym the reader meets is in the abbreviations list (inputs/glossary.yaml).

`strategy check` reads the author pages and the generated chapters as the audience's build makes them, finds
each acronym (two capitals or more: "ILO", "SDGs", "C102", "R&D") and names every one the glossary does not
spell out, with the file and line where it is written: for a generated chapter, the line of the inputs it
comes from, else the chapter itself. Not acronyms: roman numerals ("Phase III"), record IDs ("PI-004",
"FB-001") and the country codes of inputs/countries.csv, which tables print beside the country's name.

The generated chapters are made only when they may hold an acronym that neither the glossary nor the author
pages hold: every acronym a chapter prints comes from a value of the records as the audience sees them or from
the fixed text of the chapters' code (its string literals), so when none of those holds a new one, no chapter
does either, and a large project's check does not make every chapter to learn that (`_may_hold_new`).

A draft may go with one missing (a warning); a final edition may not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .audience import Audience
from .files import path_order
from .problems import Problem, ProblemsFound, display_path, warning

if TYPE_CHECKING:
    from .inputs import StrategyInputs
    from .inputs.records import Publication

# A capital, then capitals, digits or "&"; an "s" (plural) or "'s" may follow. Two capitals at least (below).
# Not after "/": a document symbol ("A/RES/70/1") is no acronym.
# Each pattern here opens with the character it needs, and looks behind only after it ("[A-Z](?<![\w&/][A-Z])"
# is "(?<![\w&/])[A-Z]"; "`(?<![^\n]`)" is "^`"): the regular expression engine then skips to where that
# character is, and checking a large project's chapters takes a third of the time.
_ACRONYM = re.compile(r"([A-Z](?<![\w&/][A-Z])[A-Z0-9&]*[A-Z0-9])(?:s|['’]s)?(?![\w&])")
_ROMAN = re.compile(r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")
_RECORD_ID = re.compile(r"[A-Z](?<!\w[A-Z])[A-Z]{0,2}-\d+\b")  # \b[A-Z]{1,3}-\d+\b
# What Markdown and HTML hold that a reader does not read as text; each is blanked, its line breaks kept.
_NOT_TEXT = re.compile("|".join([
    r"-(?<!.-)--\n.*?\n---\n",  # front matter, at the very start
    r"<!--.*?-->",
    r"`(?<![^\n]`)`{2,}.*?^(?:`{3,}|~{3,})",  # fenced code, from the start of a line
    r"~(?<![^\n]~)~{2,}.*?^(?:`{3,}|~{3,})",
    r"`[^`\n]+`",
    r"<[^<>\n]*>",  # a tag and its attributes
    r"\]\([^()\n]*\)",  # a link's address
    r"\{[^{}\n]*\}",  # attribute lists and macros
    r"\*(?<![^\n]\*)\[[^\]\n]*\]:.*$",  # abbreviation definitions, from the start of a line
    r"https?://\S+",
    r"&#?\w+;",
]), re.S | re.M)


def acronym_problems(root: Path, inputs_folder: Path, inputs: "StrategyInputs", publication: "Publication",
                     audience: Audience, pages: Iterable[Path]) -> list[Problem]:
    """The acronyms of the author pages and generated chapters that inputs/glossary.yaml does not list."""
    known = _known(inputs)
    found: dict[str, tuple[str, int]] = {}
    for page in published_pages(root, pages):
        for term, line in acronyms(page.read_text(encoding="utf-8", errors="replace")):
            if term not in known:
                found.setdefault(term, (display_path(page, root), line))
    sources = _InputLines(root, inputs_folder)
    if not _may_hold_new(inputs, audience, known, found, root / ".build"):
        return _reported(found, publication)  # no chapter can hold an acronym the glossary and the pages lack

    def located() -> dict[str, tuple[str, int]]:
        in_chapters = _located_by_source(inputs, audience, known, found, sources)
        if in_chapters is None:
            in_chapters = _located_in_chapters(inputs, audience, known, found, sources)
        return in_chapters

    # Kept between checks (making every generated chapter is most of a large check), but never for an internal
    # build, whose chapters hold withheld inputs: their words stay out of .build/.
    if inputs.fingerprint and audience is not Audience.INTERNAL:
        from .check_cache import kept

        key = _chapters_key(root, inputs_folder, inputs, audience, found)
        found.update(kept(root / ".build", "acronyms-of-chapters", key, located, _located_from_json,
                          lambda answer: sorted([term, file, line] for term, (file, line) in answer.items())))
    else:
        found.update(located())
    return _reported(found, publication)


def _reported(found: dict[str, tuple[str, int]], publication: "Publication") -> list[Problem]:
    """Each acronym found with its place: a warning for a draft, a problem for a final edition."""
    final = publication.edition.final
    problems = []
    for term, (file, line) in sorted(found.items(), key=lambda item: (item[1], item[0])):
        expected = ("an entry for every acronym the text uses in inputs/glossary.yaml (term and expansion), "
                    "which makes the list of abbreviations")
        made = Problem(file, line, None, expected, f"{term}, not in the glossary")
        problems.append(made if final else warning(made.file, made.line, None, expected, made.found))
    return problems


def _chapters_key(root: Path, inputs_folder: Path, inputs: "StrategyInputs", audience: Audience,
                  found: dict[str, tuple[str, int]]) -> str:
    """The hash of all the acronyms of the chapters, and where each is placed, follow from: the records (their
    files' bytes: `inputs.fingerprint`), the audience, the acronyms the author pages hold already, every YAML
    and CSV file of the inputs folder by name, size and time (the lines searched for where an acronym is
    written, which may include files the records are not read from), and the code that makes the chapters."""
    import os

    from .check_cache import add, add_code, new_key

    digest = new_key("acronyms-of-chapters 1")
    add(digest, "inputs", inputs.fingerprint.encode())
    add(digest, "audience", audience.value.encode())
    add(digest, "pages", "\n".join(sorted(found)).encode())
    for folder, folders, names in os.walk(inputs_folder):
        folders.sort()
        for name in sorted(names):
            if name.endswith((".yaml", ".yml", ".csv")):
                path = os.path.join(folder, name)
                try:
                    info = os.stat(path)
                    add(digest, os.path.relpath(path, root), b"%d %d" % (info.st_size, info.st_mtime_ns))
                except OSError:
                    add(digest, os.path.relpath(path, root), b"unreadable")
    add_code(digest)
    return digest.hexdigest()


# Where an acronym of a generated chapter can come from, without making the chapters (making them was most of a
# large project's first check): a record's value, as the audience's view holds it, or the chapters' fixed text,
# the string literals of the code that makes them. Either holds every acronym a chapter prints, and more (see
# `_possible_terms`), so when all of those are in the glossary or the author pages, no chapter adds one.
# The records a chapter never prints: the glossary (the abbreviations list, not a text chapter, prints it) and
# the reviewers' feedback (the comment-response matrix, which the check reads no acronyms from).
# The files' texts as read are no record at all (and hold what consent keeps out).
_NOT_IN_TEXT_CHAPTERS = frozenset({"glossary", "feedback", "warnings", "fingerprint", "texts"})
# The code whose literals are the chapters' fixed text: the chapters' modules but the author pages' macros (the
# check reads author pages as written), the audience's view (its labels for the unnamed) and the records' labels.
_CHAPTER_CODE = ("chapters", "consent.py", "dates.py", "typeset.py", "inputs/records.py")
_NOT_CHAPTER_CODE = ("chapters/macros.py",)
# Fields of a partner input whose IDs print as they are (a record ID is never an acronym): in a partner's own text
# an ID may be printed as its plain fallback, where "-" is a character reference and "PI" reads as an acronym.
_ID_FIELDS = frozenset({"id", "session"})
# A run of capitals, digits and "&" that starts where an acronym may (no letter or digit before it): every acronym a
# chapter prints is such a run or a part of one between "&"s (escaping turns "&" into a reference, which reads as
# a space). A "/" before it does not count: a partner text's plain fallback makes "/" a reference too. No letter
# or digit after it but a plural "s" ("IDPoor" holds no acronym).
_RUN = re.compile(r"[A-Z](?<!\w[A-Z])[A-Z0-9&]*(?=s?(?!\w))")


def _may_hold_new(inputs: "StrategyInputs", audience: Audience, known: set[str], found: dict, work: Path) -> bool:
    """Whether a generated chapter for `audience` may hold an acronym that is neither known nor on the pages."""
    from .consent import audience_view

    def unknown() -> set[str] | None:
        try:
            view = audience_view(inputs, audience)
        except ProblemsFound:  # making the chapters stops at the same place, and finds no acronym either
            return None
        return {term for term in _possible_terms(view) if term not in known}

    # Kept between checks under the records' hash, as the chapters' acronyms are (never for an internal build,
    # whose view holds withheld inputs); only the terms the glossary lacks, most often none.
    if inputs.fingerprint and audience is not Audience.INTERNAL:
        from .check_cache import add, add_code, kept, new_key

        digest = new_key("acronyms-of-values 1")
        add(digest, "inputs", inputs.fingerprint.encode())
        add(digest, "audience", audience.value.encode())
        add_code(digest)
        possible = kept(work, "acronyms-of-values", digest.hexdigest(), unknown, _terms_from_json, sorted)
    else:
        possible = unknown()
    if possible is None:
        return False
    return any(term not in known and term not in found for term in possible | _fixed_terms(work))


def _possible_terms(view: "StrategyInputs") -> set[str]:
    """Every acronym a chapter made from the audience's view of the records could take from their values: each
    run of capitals in a value and each part of one between "&"s, whatever a chapter does with the text
    (escaped, its Markdown rendered, its plain fallback) and whether or not it prints the field."""
    import dataclasses

    partner_text: list[str] = []  # values a chapter may print as a plain fallback: record IDs are not IDs there
    other: list[str] = []
    for field in dataclasses.fields(view):
        if field.name in _NOT_IN_TEXT_CHAPTERS:
            continue
        if field.name == "partner_inputs":
            items = list(view.partner_inputs.values())
            _strings([value for item in items for name, value in item.__dict__.items() if name not in _ID_FIELDS],
                     partner_text)
            _strings([value for item in items for name, value in item.__dict__.items() if name in _ID_FIELDS],
                     other)
        elif field.name == "origins":  # a chapter may print where a record was read, never the key it is kept under
            _strings(list(view.origins.values()), other)
        elif field.name == "partner_images":  # an image by its name ("PI-018/figure.png"), never where it is on disk
            _strings(list(view.partner_images), other)
        else:
            _strings(getattr(view, field.name), other)
    # Each distinct value once: many inputs share words (a partner's name, a theme), some whole texts.
    runs = _RUN.findall("\n".join(set(partner_text))) + _RUN.findall(_RECORD_ID.sub(" ", "\n".join(set(other))))
    return _terms_of_runs(runs)


def _strings(value: object, out: list[str]) -> None:
    """Every string a record holds, at any depth: of records, mappings (keys too), sequences and dataclasses."""
    import dataclasses
    import datetime

    from pydantic import BaseModel

    pending = [value]
    pop, push, add = pending.pop, pending.extend, out.append
    while pending:
        value = pop()
        if isinstance(value, str):
            add(value)
            if value[:1].islower():  # a chapter may capitalise a value's first letter ("iOS" as "IOS")
                add(value[:1].upper() + value[1:64])
        elif value is None or isinstance(value, (bool, int, float, datetime.date)):
            continue
        elif isinstance(value, (list, tuple, set, frozenset)):
            push(value)
        elif isinstance(value, BaseModel):
            push(value.__dict__.values())
        elif isinstance(value, dict):
            push(value.keys())
            push(value.values())
        elif isinstance(value, Path):
            add(str(value))
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            push(getattr(value, field.name) for field in dataclasses.fields(value))


def _terms_of_runs(runs: Iterable[str]) -> set[str]:
    """The acronyms a run of capitals, digits and "&" may read as: the whole, or any of its parts between "&"s
    that starts with a capital."""
    terms: set[str] = set()
    for run in set(runs):
        parts = run.split("&")
        for first in range(len(parts)):
            if not parts[first][:1].isupper():
                continue
            for last in range(first, len(parts)):
                if not parts[last]:
                    break
                term = "&".join(parts[first:last + 1])
                if _is_acronym(term):
                    terms.add(term)
    return terms


def _fixed_terms(work: Path) -> set[str]:
    """The acronyms the chapters' code may print whatever the records: every run of capitals in its string
    literals (docstrings and regular expressions are not printed), and in each with its first letter
    capitalised. Kept in .build/cache under the hash of that code."""
    import hashlib

    from .check_cache import add, kept, new_key

    files = _chapter_code_files()
    digest = new_key("chapter-code-acronyms 1")
    for path in files:
        add(digest, path.name, hashlib.sha256(path.read_bytes()).hexdigest().encode())
    return kept(work, "acronyms-of-chapter-code", digest.hexdigest(), lambda: _literal_terms(files), _terms_from_json,
                sorted)


def _chapter_code_files() -> list[Path]:
    package = Path(__file__).parent
    files: list[Path] = []
    for part in _CHAPTER_CODE:
        path = package / part
        files += sorted(path.glob("*.py")) if path.is_dir() else [path]
    return [f for f in files if f.relative_to(package).as_posix() not in _NOT_CHAPTER_CODE]


def _literal_terms(files: list[Path]) -> set[str]:
    import ast

    texts: list[str] = []
    for path in files:
        literals, skipped = [], set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant):
                if isinstance(node.value, str):
                    literals.append(node)
            elif isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                if node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant):
                    skipped.add(id(node.body[0].value))  # a docstring
            elif isinstance(node, ast.Call):
                skipped.update(id(value) for value in _not_printed(node))
        for node in literals:
            if id(node) not in skipped:
                texts.append(node.value)
                texts.append(node.value[:1].upper() + node.value[1:64])  # capitalise()
    return _terms_of_runs(_RUN.findall(_RECORD_ID.sub(" ", "\n".join(texts))))


def _not_printed(call: "ast.Call") -> list["ast.expr"]:
    """The arguments of a call that are never text of a chapter: a regular expression (`re.sub(pattern, …)`,
    `StringConstraints(pattern=…)`) and a validation error's message (`PydanticCustomError(kind, message)`)."""
    import ast

    function = call.func
    name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
    module = function.value.id if isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name) else ""
    skipped = [keyword.value for keyword in call.keywords if keyword.arg == "pattern"]
    if module == "re" and call.args:
        skipped.append(call.args[0])
    if name.endswith("Error"):
        skipped += call.args
    return skipped


def _terms_from_json(value: object) -> set[str]:
    if not isinstance(value, list) or not all(isinstance(term, str) for term in value):
        raise TypeError("not acronyms")
    return set(value)


def _located_from_json(value: list) -> dict[str, tuple[str, int]]:
    located = {}
    for term, file, line in value:
        if not (isinstance(term, str) and isinstance(file, str) and isinstance(line, int)):
            raise TypeError("not an acronym's place")
        located[term] = (file, line)
    return located


def _located_by_source(inputs: "StrategyInputs", audience: Audience, known: set[str], found: dict,
                       sources: "_InputLines") -> dict[str, tuple[str, int]] | None:
    """Where each new acronym of the chapters comes from, when every one comes from a line of the inputs; None
    when one does not, and the chapter's own line must be named.

    The chapters are made for their words only (chapters.markdown.reading_words): a partner text is rendered
    only where its Markdown and its plain fallback hold different acronyms. Which of the two a chapter shows
    moves the lines below it, so the lines of the chapters are never read here, only their words."""
    from .chapters import text_chapters
    from .chapters.markdown import reading_words

    try:
        with reading_words(_same_acronyms):
            chapters = text_chapters(inputs, audience)
    except ProblemsFound:  # what stops the chapters (a name consent keeps out) `strategy check` reports itself
        return {}
    located: dict[str, tuple[str, int]] = {}
    for markdown in chapters.values():
        for term in acronym_terms(markdown):
            if term not in known and term not in found and term not in located:
                source = _source(term, sources.lines())
                if source is None:
                    return None
                located[term] = source
    return located


def _located_in_chapters(inputs: "StrategyInputs", audience: Audience, known: set[str], found: dict,
                         sources: "_InputLines") -> dict[str, tuple[str, int]]:
    """Where each new acronym of the chapters comes from: a line of the inputs, else the first line of the
    chapters, as a build makes them, that holds it."""
    from .chapters import GENERATED_FOLDER, text_chapters

    try:
        chapters = text_chapters(inputs, audience)
    except ProblemsFound:
        return {}
    located: dict[str, tuple[str, int]] = {}
    for path, markdown in chapters.items():
        for term, line in acronyms(markdown):
            if term not in known and term not in found and term not in located:
                located[term] = _source(term, sources.lines()) or (
                    f"docs/{path}" if path.startswith(GENERATED_FOLDER) else path, line)
    return located


def _same_acronyms(text: str, other: str) -> bool:
    return acronym_terms(text) == acronym_terms(other)


def acronyms(markdown: str) -> Iterator[tuple[str, int]]:
    """Each acronym of a Markdown text with its line (1-based), in order."""
    text = _words(markdown)
    line, counted = 1, 0
    for match in _ACRONYM.finditer(text):  # no acronym spans a line: one search of the whole text
        term = match.group(1)
        if _is_acronym(term):
            line += text.count("\n", counted, match.start())
            counted = match.start()
            yield term, line


def acronym_terms(markdown: str) -> set[str]:
    """The acronyms of a Markdown text, without their lines.

    Without lines to keep, what is not text becomes one space rather than a blank of its length: each
    pattern reads a space and a blank alike (none looks at a line's start or end after the markup is taken
    out), and the regular expression engine then replaces without calling back for each match."""
    words = _RECORD_ID.sub(" ", _NOT_TEXT.sub(" ", markdown))
    return {term for term in _ACRONYM.findall(words) if _is_acronym(term)}


def _words(markdown: str) -> str:
    """The text a reader reads: markup blanked, line breaks kept."""
    return _RECORD_ID.sub(_blank, _NOT_TEXT.sub(_blank, markdown))


def _blank(match: re.Match) -> str:
    text = match.group()
    return " " * len(text) if "\n" not in text else re.sub(r"[^\n]", " ", text)


@lru_cache(maxsize=4096)
def _is_acronym(term: str) -> bool:
    return sum(c.isupper() for c in term) >= 2 and not _ROMAN.fullmatch(term)


def published_pages(root: Path, pages: Iterable[Path]) -> list[Path]:
    """The pages the site publishes: mkdocs.yml's `exclude_docs` (gitignore patterns) leaves some out."""
    import yaml

    from .publish.outline import _IgnoreTagsLoader

    try:
        config = yaml.load((root / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_IgnoreTagsLoader) or {}
    except (OSError, yaml.YAMLError):
        config = {}  # the site's build names a broken mkdocs.yml itself
    excluded = config.get("exclude_docs") if isinstance(config, dict) else None
    if not isinstance(excluded, str):
        return list(pages)  # nothing excluded (and pathspec, which matches the patterns, not loaded)
    pages = list(pages)
    docs = root / "docs"
    names = [p.relative_to(docs).as_posix() if p.is_relative_to(docs) else None for p in pages]
    left_out = _excluded(root, excluded, [n for n in names if n is not None])
    return [p for p, name in zip(pages, names) if name is None or name not in left_out]


def _excluded(root: Path, patterns: str, names: list[str]) -> set[str]:
    """The page names (in docs/) that the gitignore patterns of `exclude_docs` leave out, kept in .build/cache
    by the patterns and the names: pathspec, which matches them, is then not loaded (a fiftieth of the
    example's check)."""
    import json

    from .check_cache import add, kept, new_key

    def match() -> set[str]:
        import pathspec

        spec = pathspec.GitIgnoreSpec.from_lines(patterns.splitlines())
        return {name for name in names if spec.match_file(name)}

    def load(value: object) -> set[str]:
        if not isinstance(value, list) or not all(isinstance(n, str) for n in value):
            raise TypeError("not page names")
        return set(value)

    digest = new_key("excluded-pages 1")
    add(digest, "patterns", patterns.encode())
    add(digest, "pages", json.dumps(names).encode())
    return kept(root / ".build", "excluded-pages", digest.hexdigest(), match, load, sorted)


def _known(inputs: "StrategyInputs") -> set[str]:
    """The glossary's terms, each word of a term ("COTU" of "COTU (K)"), and the country codes."""
    known = set(inputs.countries)
    for entry in inputs.glossary:
        known.add(entry.term)
        known.update(re.findall(r"[\w&]+", entry.term))
    return known


class _InputLines:
    """Every line of the inputs' text files, where a generated chapter's words come from: read when first asked
    for (most checks find every acronym of the chapters in the glossary, and read none)."""

    def __init__(self, root: Path, folder: Path):
        self.root, self.folder = root, folder
        self._lines: list[tuple[str, int, str]] | None = None

    def lines(self) -> list[tuple[str, int, str]]:
        if self._lines is None:
            self._lines = []
            for path in sorted(self.folder.rglob("*"), key=path_order):
                if path.suffix in (".yaml", ".yml", ".csv") and path.is_file():
                    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
                    shown = display_path(path, self.root)  # once a file, not once a line
                    self._lines += [(shown, n, text) for n, text in enumerate(lines, start=1)]
        return self._lines


def _source(term: str, sources: list[tuple[str, int, str]]) -> tuple[str, int] | None:
    pattern = re.compile(rf"(?<![\w&]){re.escape(term)}(?![\w&])")
    return next(((file, line) for file, line, text in sources
                 if not text.lstrip().startswith("#") and pattern.search(text)), None)
