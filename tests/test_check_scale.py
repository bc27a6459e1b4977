"""`strategy check` at scale (issue 12) reports exactly what it reported before it was made fast.

The acronym check reads the generated chapters' words without rendering each partner text to HTML (it renders
one only where the choice between its Markdown and its plain fallback changes the acronyms it holds). These
tests pin the whole report, file, line and words, on the example and on copies with acronyms placed where
that choice matters: the expected reports were recorded from `strategy check` before the change.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, copy_project, strategy
from corpus import line_of
from strategy.audience import Audience
from strategy.inputs import load_inputs

PI = "inputs/partner-inputs"
ACRONYM = ("warning: expected an entry for every acronym the text uses in inputs/glossary.yaml (term and expansion), "
           "which makes the list of abbreviations; found {term}, not in the glossary")


def _insert_after(path: Path, anchor: str, text: str) -> None:
    source = path.read_text(encoding="utf-8")
    assert anchor in source, (path, anchor)
    path.write_text(source.replace(anchor, anchor + text, 1), encoding="utf-8")


def _replace(path: Path, old: str, new: str) -> None:
    source = path.read_text(encoding="utf-8")
    assert old in source, (path, old)
    path.write_text(source.replace(old, new, 1), encoding="utf-8")


def acronyms_in_inputs(root: Path) -> None:
    """Acronyms missing from the glossary, each on a line of the inputs: where a partner text renders as
    Markdown, where it falls back to plain paragraphs, in a withheld input, in the team's own words."""
    inputs = root / PI
    # Renders as Markdown: after "/", WXYZ is no acronym ("A/RES/70/1"); UNDP is one.
    _replace(inputs / "PI-005.yaml", "with a focus on extending coverage in ASEAN countries.",
             "with a focus on extending coverage in ASEAN countries, with the UNDP/WXYZ team.")
    # An indented line in a list makes a code block, which partner text may not become: the text falls back to
    # plain paragraphs, where "/" is a character reference, and ABCD is an acronym after all. EFGH either way.
    _insert_after(inputs / "PI-001.yaml", "vision: |-\n",
                  "  - a point on EFGH\n\n          an indented line about ILO/ABCD\n\n")
    # A withheld input: a partners build never shows it, its acronyms are not the reader's.
    _replace(inputs / "PI-008.yaml", "vision: Our cooperation with the ILO",
             "vision: Our cooperation with the ILO and the QRST")
    # The team's own words: a thematic area's title.
    _replace(root / "inputs/thematic-areas.yaml", "title: Old-age pensions", "title: Old-age pensions (OAPX)")
    # Code spans and links are no text a reader reads as words (a code span in a partner's Markdown is).
    _insert_after(inputs / "PI-013.yaml", "country_experience: |-\n",
                  "  Code `NOPQ` and [a link](https://RSTU.example.org).\n\n")
    _insert_after(inputs / "PI-004.yaml", "  proposal: ", "Code `CDEF` and [a link](https://GHIJ.example.org). ")


def acronyms_off_the_lines(root: Path) -> None:
    """Acronyms that no line of the inputs holds as written: the chapter's own line is named."""
    inputs = root / PI
    # Written with a YAML escape: no line of the inputs holds the word, the chapter's own line is named.
    _replace(inputs / "PI-002.yaml", "  proposal: Ireland encourages Phase III to set explicit coverage targets "
             "for women working in the informal\n    economy, including in agriculture and home-based work.\n",
             '  proposal: "Ireland asks the \\x55VWX network to set coverage targets for the informal economy."\n')
    # A heading of a partner's Markdown: its line, which opens with "#", is taken for a comment.
    _insert_after(inputs / "PI-013.yaml", "country_experience: |-\n", "  # The JKLM programme\n\n")
    # Before them, acronyms whose place depends on how the partner text above them renders.
    acronyms_in_inputs(root)


def _report(root: Path, *, code: int = 0) -> list[str]:
    done = strategy("check", "--project", str(root), timeout=300)
    assert done.returncode == code, done.stderr[-3000:]
    return [line.strip() for line in done.stderr.splitlines()]


def _acronyms(report: list[str]) -> list[str]:
    return [line for line in report if "not in the glossary" in line]


def _chapter_line(root: Path, chapter: str, word: str) -> int:
    """The line of a generated chapter, as a partners build makes it, where `word` first is."""
    from strategy.chapters import text_chapters

    markdown = text_chapters(load_inputs(root / "inputs", root), Audience.PARTNERS)[f"generated/{chapter}"]
    return next(n for n, line in enumerate(markdown.splitlines(), start=1) if re.search(rf"\b{word}\b", line))


@pytest.fixture(scope="module")
def example_report(tmp_path_factory) -> list[str]:
    return _report(copy_project(tmp_path_factory.mktemp("example")))


def test_acronyms_on_the_lines_of_the_inputs_are_named_there(tmp_path, example_report):
    root = copy_project(tmp_path / "project")
    acronyms_in_inputs(root)
    report = _report(root)
    pi = root / PI
    expected = [
        f"inputs/partner-inputs/PI-001.yaml:{line_of(pi / 'PI-001.yaml', 'a point on EFGH')}: "
        + ACRONYM.format(term="EFGH"),
        # The fallback made "/" a character reference: ABCD reads as an acronym there.
        f"inputs/partner-inputs/PI-001.yaml:{line_of(pi / 'PI-001.yaml', 'ILO/ABCD')}: " + ACRONYM.format(term="ABCD"),
        f"inputs/partner-inputs/PI-004.yaml:{line_of(pi / 'PI-004.yaml', 'CDEF')}: " + ACRONYM.format(term="CDEF"),
        f"inputs/partner-inputs/PI-013.yaml:{line_of(pi / 'PI-013.yaml', 'NOPQ')}: " + ACRONYM.format(term="NOPQ"),
        f"inputs/thematic-areas.yaml:{line_of(root / 'inputs/thematic-areas.yaml', 'OAPX')}: "
        + ACRONYM.format(term="OAPX"),
    ]
    assert _acronyms(report) == expected  # not WXYZ (after "/", rendered), QRST (withheld), GHIJ, RSTU (links)
    assert "UNDP" not in " ".join(_acronyms(report))  # a partner's name: consent replaces it in partners builds
    # Nothing else came or went but the lines that moved: three more warnings (UNDP's name, two example.org
    # addresses) beside the five acronyms.
    assert len(report) == len(example_report) + 8
    assert report[0] == f"{int(example_report[0].split()[0]) + 8} warnings:"


def test_acronyms_off_the_lines_are_named_on_the_chapters_lines(tmp_path, example_report):
    """A word no line of the inputs holds as written is placed by the chapter's own line, as a build prints the
    chapter: where the partner text above it falls back to plain paragraphs, which moves every line below."""
    root = copy_project(tmp_path / "project")
    acronyms_off_the_lines(root)
    report = _report(root)
    assert _acronyms(report)[:2] == [
        f"docs/generated/partner-inputs.md:{_chapter_line(root, 'partner-inputs.md', 'JKLM')}: "
        + ACRONYM.format(term="JKLM"),
        f"docs/generated/priorities.md:{_chapter_line(root, 'priorities.md', 'UVWX')}: " + ACRONYM.format(term="UVWX"),
    ]
    assert len(_acronyms(report)) == 7 and len(report) == len(example_report) + 10


def test_a_final_edition_refuses_them_with_the_same_files_and_lines(tmp_path):
    root = copy_project(tmp_path / "project")
    acronyms_off_the_lines(root)
    warned = _acronyms(_report(root))
    path = root / "strategy.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("final: false", "final: true", 1), encoding="utf-8")
    refused = _acronyms(_report(root, code=1))
    assert refused == [line.replace(": warning: ", ": ") for line in warned] and len(refused) == 7


# The fast paths, against the plain forms they replace ----------------------------------------------------

def _texts(count: int) -> list[str]:
    """Random texts of the characters the patterns turn on, and the edge cases written out."""
    chance = random.Random(12)
    alphabet = "AB-C1&/'’s `~<>!-*[]():{}h ttps://x&#;amp\n\nPI-12 X"
    return ["".join(chance.choice(alphabet) for _ in range(chance.randint(0, 60))) for _ in range(count)] + [
        "---\nx\n---\nAB", "x---\nAB\n---\n", "```\nAB\n```\nCD", "a```\nAB\n```", "*[AB]: x\nCD", "x*[AB]: y",
        "~~~\nAB\n~~~", "-AB", "--\n---\nAB\n---\n", "éAB ÉCD _EF GH_ 1IJ", "PI-004 aPI-005 FB-1x ÀB-2"]


PLAIN_PATTERNS = {  # as they were written before each opened with the character it needs
    "_ACRONYM": re.compile(r"(?<![\w&/])([A-Z][A-Z0-9&]*[A-Z0-9])(?:s|['’]s)?(?![\w&])"),
    "_RECORD_ID": re.compile(r"\b[A-Z]{1,3}-\d+\b"),
    "_NOT_TEXT": re.compile("|".join([
        r"\A---\n.*?\n---\n", r"<!--.*?-->", r"^(?:`{3,}|~{3,}).*?^(?:`{3,}|~{3,})", r"`[^`\n]+`", r"<[^<>\n]*>",
        r"\]\([^()\n]*\)", r"\{[^{}\n]*\}", r"^\*\[[^\]\n]*\]:.*$", r"https?://\S+", r"&#?\w+;"]), re.S | re.M),
}


@pytest.mark.parametrize("name", PLAIN_PATTERNS)
def test_each_fast_pattern_matches_what_its_plain_form_matches(name):
    from strategy import acronyms

    fast, plain = getattr(acronyms, name), PLAIN_PATTERNS[name]
    for text in _texts(20_000):
        assert [(m.span(), m.groups()) for m in fast.finditer(text)] == \
            [(m.span(), m.groups()) for m in plain.finditer(text)], repr(text)


def test_partner_text_read_for_its_words_is_rendered_only_where_the_forms_read_differently():
    from strategy.chapters import markdown as md

    falls_back = "- a point\n\n        an indented line about ILO/ABCD"  # a code block: not allowed
    published = md.partner_text(falls_back)
    assert published.startswith("&#45; a point")  # the plain fallback
    asked: list[tuple[str, str]] = []

    def alike(markdown: str, plain: str) -> bool:
        asked.append((markdown, plain))
        return True

    with md.reading_words(alike):
        markdown_form = md.partner_text(falls_back)
    # The Markdown form, which a render would have refused: taken as it is, not rendered.
    assert markdown_form != published and "ILO/ABCD" in markdown_form
    assert asked == [(markdown_form, published)]
    with md.reading_words(lambda markdown, plain: False):
        assert md.partner_text(falls_back) == published  # rendered to choose, as a build does
    assert md.partner_text(falls_back) == published  # outside the block, as before


def test_the_acronym_check_reads_both_forms_alike_only_when_they_hold_the_same_acronyms():
    from strategy.acronyms import _same_acronyms

    assert _same_acronyms("the ILO/ABCD team", "the ILO&#47;ABCD team") is False
    assert _same_acronyms("the **ILO** team", "the &#42;&#42;ILO&#42;&#42; team") is True


def test_placeholders_are_found_where_each_line_would_find_them(tmp_path):
    """The search of a whole file before its lines finds what a line's search finds: letters that re.I takes
    for others (ı for i, ſ for s), a line that a form feed starts, capitals."""
    from strategy.facts import placeholders

    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "a.yaml").write_text("a: 1\nb: x\x0cisbn: 000000\nıſbn: placeholder\nd: [Name]\n"
                                   "e: MAIL@EXAMPLE.ORG\n# f: x@example.org\n", encoding="utf-8")
    (inputs / "b.yaml").write_text("a: nothing to fill in\n", encoding="utf-8")
    assert placeholders(tmp_path, inputs) == [
        ("inputs/a.yaml", 3, "the ISBN placeholder", "isbn: 000000"),
        ("inputs/a.yaml", 4, "the ISBN placeholder", "ıſbn: placeholder"),
        ("inputs/a.yaml", 5, "a name or title to fill in", "[Name]"),
        ("inputs/a.yaml", 6, "an example.org address", "MAIL@EXAMPLE.ORG")]


GLYPHS_LOADED = """
import sys
from strategy.cli import main
try:
    main(["check", "--project", sys.argv[1]], standalone_mode=False)
except SystemExit:
    pass
print("fontTools.ttLib" in sys.modules)
"""


def test_what_the_fonts_cover_is_kept_and_a_damaged_record_is_read_again(tmp_path):
    from strategy.glyphs import COVERAGE_FILE, _fonts_key, _read_coverage, covered

    root = copy_project(tmp_path / "project")
    css = root / "docs/assets/stylesheets/fonts.css"
    first = _report(root)
    kept = root / ".build" / COVERAGE_FILE
    assert kept.is_file()
    assert covered(css, root / ".build") == _read_coverage(css)
    again = subprocess.run([sys.executable, "-c", GLYPHS_LOADED, str(root)], capture_output=True, text=True,
                           timeout=120)
    assert again.stdout.strip().splitlines()[-1] == "False"  # the fonts were not opened
    assert _report(root) == first
    for damaged in ('{"key": "x", "ranges": [[0, 1114111]]}', f'{{"key": "{_fonts_key(css)}", "ranges": [[9, 2]]}}',
                    f'{{"key": "{_fonts_key(css)}", "ranges": [["a"]]}}'):
        kept.write_text(damaged, encoding="utf-8")  # for other fonts, or not ranges of code points: read again
        covered.cache_clear()
        assert covered(css, root / ".build") == _read_coverage(css)
    kept.write_text("{not json", encoding="utf-8")
    covered.cache_clear()
    assert covered(css, root / ".build") == _read_coverage(css)


# Third round (issue 12): the same answers from the faster paths -------------------------------------------

TRICKY_YAML = [
    "", "# only a comment\n", "---\n", "a: 1\n", "- x\n- 2\n- 2025-02-30\n", "a: &x [1]\nb: *x\n",
    "a: &x 1\nb: 2\n", "a: 1\na: 2\n", "a: 1\nb: !!set {x, y}\n", "a: 1\n---\nb: 2\n", "a: [1, 2\nb: 3\n",
    "? [a]\n: b\n", "1: one\ntrue: yes\n~: nothing\n", "<<: {a: 1}\nb: 2\n", "a: !!str 12\nb: ! x\n",
    "text: |\n  **bold** & *emphasis* and R&D\n", "n: " + "9" * 40 + "\n", "x: " + "[" * 29 + "]" * 29 + "\n",
    "x: " + "[" * 30 + "]" * 30 + "\n", "x: " + "[" * 31 + "]" * 31 + "\n", "- - - - a\n", "a: {b: {c: [d, e]}}\n",
    "a: 'quoted'\nb: \"esc\\u00e9\"\nc: >\n  folded\n  text\n", "a: 1.5\nb: .inf\nc: 0x1F\nd: 2025-01-01\n",
    "a: &a b\nc: &a d\n", "k: v\n...\n", "a:\n  - b: 1\n    c: [x, {y: z}]\n  - *q\n", "\ufeffa: 1\n",
]


def _as_read(source) -> tuple:
    return source.data, source.lines, [(p.file, p.line, p.field, p.expected, p.found) for p in source.problems], \
        source.refused


@pytest.mark.parametrize("text", TRICKY_YAML)
def test_yaml_composed_by_libyaml_reads_as_the_event_composer_reads(text):
    from strategy.inputs.sources import SourceData, _composed_here, parse_yaml

    assert _as_read(parse_yaml(text, "inputs/f.yaml")) == _as_read(_composed_here(text, SourceData("inputs/f.yaml")))


def test_every_input_of_the_example_is_composed_by_libyaml_and_reads_the_same():
    from strategy.inputs.sources import SourceData, _composed_here, _composed_in_c

    files = sorted((REPO / "inputs").rglob("*.yaml"))
    assert len(files) > 50
    for path in files:
        text = path.read_text(encoding="utf-8")
        fast = _composed_in_c(text, SourceData(str(path)))
        if path.name != "partners.yaml":  # the one file with more than MAX_C_NESTING brackets, dashes and colons
            assert fast is not None, path  # the fast path was taken: this test can see where it differs
            assert _as_read(fast) == _as_read(_composed_here(text, SourceData(str(path)))), path


def test_what_libyaml_is_not_given_or_what_it_cannot_compose_is_read_again():
    from strategy.inputs.sources import MAX_C_NESTING, SourceData, _composed_in_c, _shallow

    for text in ("a: &x [1]\nb: *x\n", "x: " + "[" * 30 + "]" * 30 + "\n", "a: 1\n---\nb: 2\n", "a: [1\n"):
        assert _composed_in_c(text, SourceData("f")) is None, text
    assert _shallow("- " * MAX_C_NESTING) and not _shallow("- " * (MAX_C_NESTING + 1))
    assert not _shallow("a:" + "[" * 100_000)  # libyaml's composer recurses in C: never given such a text


def test_files_read_with_the_folders_resolved_once_give_what_each_read_gave(tmp_path):
    from strategy.inputs.sources import Reading, read_bytes

    root = tmp_path / "project"
    folder = root / "inputs"
    folder.mkdir(parents=True)
    (folder / "plain.yaml").write_text("a: 1\n", encoding="utf-8")
    (folder / "sub").mkdir()
    (folder / "sub" / "deep.yaml").write_text("b: 2\n", encoding="utf-8")
    (folder / "inside.yaml").symlink_to(folder / "plain.yaml")
    (tmp_path / "outside.yaml").write_text("secret: 1\n", encoding="utf-8")
    (folder / "outside.yaml").symlink_to(tmp_path / "outside.yaml")
    (folder / "loop.yaml").symlink_to(folder / "loop.yaml")
    (folder / "nothing.yaml").symlink_to(folder / "missing.yaml")
    os.mkfifo(folder / "fifo.yaml")
    (root / "linked").symlink_to(folder / "sub")  # a folder reached through a link, inside the project
    (root / "away").symlink_to(tmp_path)  # and one leading out of it
    paths = [folder / n for n in ("plain.yaml", "inside.yaml", "outside.yaml", "loop.yaml", "nothing.yaml",
                                  "fifo.yaml", "sub", "absent.yaml")]
    paths += [folder / "sub" / "deep.yaml", root / "linked" / "deep.yaml", root / "away" / "outside.yaml"]
    reading = Reading()
    for path in paths * 2:  # the second time from what the first resolved
        assert read_bytes(path, path.name, root, reading) == read_bytes(path, path.name, root), path
    assert read_bytes(folder / "outside.yaml", "o", root, reading)[1][0].expected == "a regular file inside the project"
    assert read_bytes(folder / "plain.yaml", "p", root, reading) == (b"a: 1\n", [])


def test_the_facts_check_finds_illustrative_records_where_each_line_would():
    from strategy.facts import _ILLUSTRATIVE_YAML, _illustrative_yaml_lines, _prose_lines_of

    texts = ["a: 1\n\n  illustrative: true\n", "- illustrative: yes\n-   illustrative:   on\n# illustrative: true\n",
             "x: |\n  ```\n  illustrative: true\n  ```\nillustrative: true\n", "a\x0cillustrative: true\nb: 1\n",
             "a: 1\r\nillustrative: TRUE\n", "illustrative_note: x\n  - illustrative: true # c\n",
             "\n\n\nillustrative: true", "ıllustrative: true\nILLUSTRATIVE: ON\n", "a\u2028illustrative: true\n",
             "illustrative: truely\n- \tillustrative: true\n",
             # Case-blind as the pattern is, several words on a line, the word away from the line's start.
             "\u0130llustrative: true\nilluſtrative: yes\n", "x: illustrative\nillustrative: on # illustrative\n",
             "a: illustrative illustrative\n  illustrative: true\nb: 1 illustrative: true\n"]
    chance = random.Random(5)
    parts = ["illustrative: true", "illustrative_note: n", "- ", "  ", "\t", "\n", "\n\n", "#", "```", "x: y", "on",
             "\r", "\x0c"]
    texts += ["".join(chance.choice(parts) for _ in range(chance.randint(0, 12))) for _ in range(5000)]
    for text in texts:
        assert _illustrative_yaml_lines(text, ".yaml") == \
            [n for n, line in _prose_lines_of(text, ".yaml") if _ILLUSTRATIVE_YAML.match(line)], repr(text)


def test_acronym_terms_are_the_terms_acronyms_finds_on_their_lines():
    from strategy.acronyms import acronym_terms, acronyms

    for text in _texts(20_000):
        assert acronym_terms(text) == {term for term, _ in acronyms(text)}, repr(text)


def test_a_name_finder_finds_in_lower_case_what_the_case_blind_pattern_finds():
    """ASCII text is searched in lower case with the keys in lower case: the same mentions as re.IGNORECASE,
    including where re.I takes other letters alike (the Kelvin sign, a dotless i, a long s)."""
    from strategy.names import NameFinder, Variant, _pattern, fold

    ascii_names = [Variant("a", "Institute of Development Studies", "name"), Variant("a", "IDS", "alias"),
                   Variant("b", "Directorate-General", "name"), Variant("c", "Kelvin Fund", "name"),
                   Variant("f", "AfDB", "alias")]
    finders = [NameFinder(ascii_names),
               NameFinder([*ascii_names, Variant("d", "Office\u212a", "alias"), Variant("e", "Straße", "name")])]
    chance = random.Random(7)
    words = ["institute", "OF", "Development", "studies", "IDS", "ids", "directorate", "-", "General", "kelvin",
             "\u212aelvin", "fund", "ofﬁce", "officek", "OFFICEK", "straße", "STRASSE", "AfDB", "afdb", "ınstitute",
             " ", "  ", "\n", ".", "x"]
    texts = ["".join(chance.choice(words) + chance.choice(["", " ", "\n"]) for _ in range(chance.randint(1, 14)))
             for _ in range(4000)]
    for finder in finders:
        reference = {}
        for exact, keys in finder._written.items():
            body = "|".join(_pattern(k) for k in keys)
            reference[exact] = re.compile(rf"(?<!\w)(?:{body})(?!\w)", 0 if exact else re.IGNORECASE)
        for text in texts:
            folded = fold(text)[0]
            found = sorted((m.start(), m.end()) for exact in reference for m in reference[exact].finditer(folded))
            searched = sorted((m.start(), m.end()) for exact, pattern, in_text in finder._patterns_for(folded)
                              for m in pattern.finditer(in_text))
            assert searched == found, repr(text)
    # Compiled when first used; in lower case for ASCII text only where every key is ASCII.
    assert set(finders[0]._compiled) == {(True, False), (False, True), (False, False)}
    assert set(finders[1]._compiled) == {(True, False), (False, False)}


PARAGRAPHS_RENDERED = """
import sys
from strategy.publish import print_html
from strategy.cli import main
rendered = []
real = print_html.edition_paragraphs
print_html.edition_paragraphs = lambda *a, **k: rendered.append(1) or real(*a, **k)
try:
    main(["check", "--project", sys.argv[1]], standalone_mode=False)
except SystemExit:
    pass
print("rendered", len(rendered))
"""


def test_the_paragraph_numbers_are_kept_and_worked_out_again_when_a_source_changes(tmp_path):
    from strategy.paragraphs import NUMBERS_FILE

    root = copy_project(tmp_path / "project")
    first = _report(root)
    kept = root / ".build" / NUMBERS_FILE
    assert kept.is_file() and '"6.4"' in kept.read_text(encoding="utf-8")

    def rendered() -> int:
        done = subprocess.run([sys.executable, "-c", PARAGRAPHS_RENDERED, str(root)], capture_output=True,
                              text=True, timeout=120)
        return int(done.stdout.strip().splitlines()[-1].split()[-1])

    assert rendered() == 0  # nothing changed: the chapters cited were not rendered
    assert _report(root) == first
    kept.write_text("{not json", encoding="utf-8")
    assert rendered() == 1 and _report(root) == first  # a damaged record is worked out again
    # Chapter 6 loses its paragraphs but the first: the comment on 6.4 cites a paragraph it no longer prints.
    page = root / "docs/way-forward.md"
    text = page.read_text(encoding="utf-8")
    start = text.index("## Implementation and governance")
    page.write_text(text[:start] + "## Implementation and governance\n\nOne paragraph.\n", encoding="utf-8")
    refused = _report(root, code=1)
    assert any("a paragraph number that Draft 1 prints" in line and "'6.4'" in line for line in refused)
    page.write_text(text, encoding="utf-8")
    assert _report(root) == first
    # An input the chapter quotes changes: the numbers are worked out again (the key holds every input's bytes).
    assert rendered() == 0
    _replace(root / PI / "PI-010.yaml", "consent: named", "consent: withheld")
    assert rendered() == 1


def test_partner_inputs_as_parsed_are_kept_named_ones_only_and_read_back_as_parsed(tmp_path):
    """.build/cache/inputs-parsed.pickle keeps the named inputs as parsed by the last check: a check after it
    reports what a check without it reports, an edited input is parsed again, and neither a withheld input's
    text nor an anonymous input is ever in it."""
    import pickle

    from strategy.inputs.sources import ParsedFiles

    root = copy_project(tmp_path / "project")
    first = _report(root)
    kept = root / ".build" / ParsedFiles.FILE
    stored = kept.read_bytes()
    assert b"Our cooperation with the ILO has included work" not in stored  # PI-008, withheld
    assert b"as long as displaced people are served only by humanitarian" not in stored  # PI-009, anonymous
    assert b"PI-001" in stored and b"luxembourg" in stored  # named
    assert _report(root) == first  # read back: the same problems, files and lines
    # An edited input is parsed again: its new problem has its own line.
    path = root / PI / "PI-003.yaml"
    _replace(path, "themes:\n- rights-based-social-protection-systems\n",
             "themes:\n- rights-based-social-protection-systems\n- not-a-theme\n")
    edited = _report(root, code=1)
    line = line_of(path, "not-a-theme")
    assert any(entry.startswith(f"inputs/partner-inputs/PI-003.yaml:{line}:") for entry in edited), edited
    _replace(path, "- not-a-theme\n", "")
    assert _report(root) == first
    # Withheld since: it leaves the cache with the next check (the report changes: it is withheld now).
    _replace(root / PI / "PI-002.yaml", "consent: named", "consent: withheld")
    _report(root)
    salt, entries = pickle.loads(kept.read_bytes())
    ids = {data["id"] for data, _ in entries.values()}
    assert "PI-002" not in ids and "PI-003" in ids
    # A damaged file, or one that names a class (a pickle can make any object), is ignored and written anew.
    _replace(root / PI / "PI-002.yaml", "consent: withheld", "consent: named")
    for damaged in (b"not a pickle", pickle.dumps((salt, {b"k": (Path("/"), {})})),
                    pickle.dumps((salt, {b"k": (subprocess.Popen, {})}))):
        kept.write_bytes(damaged)
        assert _report(root) == first
        assert "PI-002" in {data["id"] for data, _ in pickle.loads(kept.read_bytes())[1].values()}


def test_the_pages_exclude_docs_leaves_out_are_kept_and_matched_again_when_the_patterns_change(tmp_path):
    from strategy.acronyms import published_pages

    root = tmp_path / "project"
    docs = root / "docs"
    pages = [docs / name for name in ("index.md", "drafts/a.md", "notes/README.md", "b.md")]
    for page in pages:
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text("# x\n", encoding="utf-8")
    config = root / "mkdocs.yml"
    config.write_text("site_name: x\nexclude_docs: |\n  drafts/\n  README.md\n", encoding="utf-8")
    expected = [docs / "index.md", docs / "b.md"]
    assert published_pages(root, pages) == expected
    kept = root / ".build" / "cache" / "excluded-pages.json"
    assert kept.is_file()
    assert published_pages(root, pages) == expected  # from the record
    config.write_text("site_name: x\nexclude_docs: |\n  b.md\n", encoding="utf-8")
    assert published_pages(root, pages) == [docs / "index.md", docs / "drafts/a.md", docs / "notes/README.md"]
    kept.write_text('{"key": 1, "value": [1]}', encoding="utf-8")
    assert published_pages(root, pages) == [docs / "index.md", docs / "drafts/a.md", docs / "notes/README.md"]
    code = ("import sys; from pathlib import Path\nfrom strategy.acronyms import published_pages\n"
            f"published_pages(Path(sys.argv[1]), [Path(p) for p in sys.argv[2:]])\nprint('pathspec' in sys.modules)")
    loaded = subprocess.run([sys.executable, "-c", code, str(root), *map(str, pages)], capture_output=True,
                            text=True, timeout=60)
    assert loaded.stdout.strip() == "False", loaded.stderr  # the patterns were not matched again
