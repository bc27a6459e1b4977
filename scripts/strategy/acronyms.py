"""Every acronym the reader meets is in the abbreviations list (inputs/glossary.yaml).

`strategy check` reads the author pages and the generated chapters as the audience's build makes them, finds
each acronym (two capitals or more: "ILO", "SDGs", "C102", "R&D") and names every one the glossary does not
spell out, with the file and line where it is written: for a generated chapter, the line of the inputs it
comes from, else the chapter itself. Not acronyms: roman numerals ("Phase III"), record IDs ("PI-004",
"FB-001") and the country codes of inputs/countries.csv, which tables print beside the country's name.

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
