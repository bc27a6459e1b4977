"""The fast paths that bring `strategy check` of 10,000 inputs down (issue 12) answer as the slow ones do.

- The acronym check no longer makes every generated chapter to read its words when no value of the records
  (as the audience sees them) and no literal of the chapters' code holds an acronym that the glossary and the
  author pages lack: those two hold every acronym a chapter can print. Tested both ways: the whole check of
  mutated copies is the same with and without the shortcut, and on records with a marker in every text, every
  acronym the chapters print is among the possible ones.
- The facts and glyph checks take the files' texts as loading read them (StrategyInputs.texts) instead of
  reading every file again, and the glyph check looks at a record's values only when its file's text holds a
  character the fonts lack or a YAML escape.
- YAML scalars' tags are resolved from a table by first character, as PyYAML's resolver resolves them.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import shutil
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from conftest import copy_project
from strategy import acronyms
from strategy.audience import Audience
from strategy.inputs import load_inputs
from strategy.project import Project

PI = "inputs/partner-inputs"
CHAPTERS_MADE = "Making the generated chapters"


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _acronym_report(root: Path, audience: Audience = Audience.PARTNERS, *, shortcut: bool = True,
                    monkeypatch: pytest.MonkeyPatch | None = None) -> list[str]:
    """The acronym check's problems, as `strategy check` reports them, from a cold start (no .build); without
    the shortcut, the chapters are made as before it."""
    shutil.rmtree(root / ".build", ignore_errors=True)
    project = Project(root)
    publication = project.publication()
    folder = root / publication.inputs_folder
    inputs = load_inputs(folder, root)
    with pytest.MonkeyPatch.context() as patch:
        if not shortcut:
            patch.setattr(acronyms, "_may_hold_new", lambda *args, **kwargs: True)
        problems = acronyms.acronym_problems(root, folder, inputs, publication, audience, project.author_pages())
    return [str(p) for p in problems]


def _mutated(tmp_path: Path, mutate) -> Path:
    root = copy_project(tmp_path / "project")
    mutate(root)
    return root


def acronym_in_a_named_input(root: Path) -> None:
    _replace(root / PI / "PI-005.yaml", "in ASEAN countries.", "in ASEAN countries, with the QVXW network.")


def acronym_in_an_author_page(root: Path) -> None:
    page = next(p for p in sorted((root / "docs").glob("*.md")) if "ILO" in p.read_text(encoding="utf-8"))
    _replace(page, "ILO", "ILO and the QPAGE team")


def acronym_in_generated_text_only(root: Path) -> None:
    """"ID" is printed by the chapters' own words ("Input IDs") and no author page: without its glossary
    entry, only the chapters hold it."""
    _replace(root / "inputs/glossary.yaml", "- term: ID\n  expansion: Identifier (of an input or a comment in this "
             "document)\n", "")


def acronym_in_a_withheld_input(root: Path) -> None:
    _replace(root / PI / "PI-008.yaml", "vision: Our cooperation with the ILO",
             "vision: Our cooperation with the ILO and the QRSTW")


def acronym_in_an_anonymous_input(root: Path) -> None:
    path = next(p for p in sorted((root / PI).glob("PI-*.yaml"))
                if "consent: anonymous" in p.read_text(encoding="utf-8") and "vision: " in p.read_text(encoding="utf-8"))
    text = path.read_text(encoding="utf-8")
    if "vision: |-\n" in text:
        _replace(path, "vision: |-\n", "vision: |-\n  The QANON plan.\n\n")
    else:
        _replace(path, "vision: ", "vision: The QANON plan. ")


def acronym_in_the_plain_fallback_only(root: Path) -> None:
    """An indented line makes a code block, which partner text may not be: the text falls back to plain
    paragraphs, where "/" and "-" are character references: ABQD and PI (of PI-004) read as acronyms there."""
    _replace(root / PI / "PI-001.yaml", "vision: |-\n", "vision: |-\n  - a point\n\n          about ILO/ABQD and PI-004\n\n")


def acronym_split_by_an_ampersand(root: Path) -> None:
    _replace(root / PI / "PI-005.yaml", "in ASEAN countries.", "in ASEAN countries and QQA&QQB.")


def acronym_in_the_teams_words(root: Path) -> None:
    _replace(root / "inputs/thematic-areas.yaml", "title: Old-age pensions", "title: Old-age pensions (OAPX)")


MUTATIONS = [acronym_in_a_named_input, acronym_in_an_author_page, acronym_in_generated_text_only,
             acronym_in_a_withheld_input, acronym_in_an_anonymous_input, acronym_in_the_plain_fallback_only,
             acronym_split_by_an_ampersand, acronym_in_the_teams_words]


@pytest.mark.parametrize("mutate", MUTATIONS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("audience", [Audience.PARTNERS, Audience.PUBLIC, Audience.INTERNAL], ids=lambda a: a.value)
def test_the_acronym_check_answers_as_when_it_made_every_chapter(tmp_path, mutate, audience):
    root = _mutated(tmp_path, mutate)
    fast = _acronym_report(root, audience)
    assert fast == _acronym_report(root, audience, shortcut=False)
    if mutate is acronym_in_a_withheld_input:
        assert ("QRSTW" in " ".join(fast)) == (audience is Audience.INTERNAL)  # never the partners' reader's


def test_each_mutation_gives_the_warning_it_is_about(tmp_path):
    """The comparison above is not between two empty reports."""
    expected = {acronym_in_a_named_input: ["QVXW"], acronym_in_an_author_page: ["QPAGE"],
                acronym_in_generated_text_only: ["ID"], acronym_in_an_anonymous_input: ["QANON"],
                acronym_in_the_plain_fallback_only: ["ABQD", "PI"], acronym_split_by_an_ampersand: ["QQA", "QQB"],
                acronym_in_the_teams_words: ["OAPX"], acronym_in_a_withheld_input: []}
    for mutate, terms in expected.items():
        root = _mutated(tmp_path / mutate.__name__, mutate)
        found = [line.split("found ")[1].split(",")[0] for line in _acronym_report(root)]
        assert sorted(found) == sorted(terms), mutate.__name__


def test_no_chapter_is_made_when_nothing_new_can_be_in_them(tmp_path, caplog):
    root = copy_project(tmp_path / "project")
    with caplog.at_level(logging.DEBUG, logger="strategy.chapters"):
        assert _acronym_report(root) == []
    assert CHAPTERS_MADE not in caplog.text
    acronym_in_a_named_input(root)  # now one may be: the chapters say where
    with caplog.at_level(logging.DEBUG, logger="strategy.chapters"):
        assert len(_acronym_report(root)) == 1
    assert CHAPTERS_MADE in caplog.text


# --- the possible acronyms hold every acronym of the chapters ------------------------------------------------

def _markers() -> "itertools.count[str]":
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    return (f"QZ{a}{b}{c}" for a, b, c in itertools.product(letters, repeat=3))


def _marked(value, markers):
    """The value with a marker acronym after every text of its own (a str with a space: not an ID or a slug), and
    the marker in lower case, which a chapter that wrote a value in capitals would print as an acronym."""
    if type(value) is str:
        if " " not in value:
            return value
        marker = next(markers)
        return f"{value} {marker} {marker.lower()}"
    if isinstance(value, BaseModel):
        return value.model_copy(update={k: _marked(v, markers) for k, v in value.__dict__.items()})
    if isinstance(value, list):
        return [_marked(v, markers) for v in value]
    if isinstance(value, tuple):
        return tuple(_marked(v, markers) for v in value)
    if isinstance(value, dict):
        return {k: _marked(v, markers) for k, v in value.items()}
    return value


RECORDS = ["countries", "thematic_areas", "priorities", "partners", "partner_inputs", "meeting", "results",
           "country_results", "headline"]


@pytest.mark.parametrize("audience", [Audience.PARTNERS, Audience.PUBLIC, Audience.INTERNAL], ids=lambda a: a.value)
def test_every_acronym_the_chapters_print_is_a_possible_one(tmp_path, audience):
    from strategy.chapters import text_chapters
    from strategy.consent import audience_view

    root = copy_project(tmp_path / "project")
    acronym_in_the_plain_fallback_only(root)
    acronym_split_by_an_ampersand(root)
    inputs = load_inputs(root / "inputs", root)
    markers = _markers()
    marked = dataclasses.replace(inputs, fingerprint="",
                                 **{name: _marked(getattr(inputs, name), markers) for name in RECORDS})
    printed = set().union(*(acronyms.acronym_terms(md) for md in text_chapters(marked, audience).values()))
    possible = acronyms._possible_terms(audience_view(marked, audience)) \
        | acronyms._literal_terms(acronyms._chapter_code_files())
    assert printed - possible == set()
    # Not vacuous: the chapters print hundreds of the markers, and the tricky forms.
    assert len({t for t in printed if t.startswith("QZ")}) > 200
    assert {"QQA", "QQB"} <= printed and ("ABQD" in printed) == ("PI" in printed)


def test_a_chapters_code_literal_is_a_possible_acronym_but_not_its_patterns_or_docstrings():
    terms = acronyms._literal_terms(acronyms._chapter_code_files())
    assert {"ID", "ILO", "UN"} <= terms  # "Input IDs", the ILO regions of a chart, "UN agencies"
    assert not {"PI", "FB", "YYYY", "DD"} & terms  # patterns of IDs and a validation message


def test_the_possible_acronyms_are_kept_for_partners_only_and_only_those_the_glossary_lacks(tmp_path):
    root = _mutated(tmp_path, acronym_in_a_named_input)
    acronym_in_a_withheld_input(root)
    _acronym_report(root, Audience.PARTNERS)
    kept = json.loads((root / ".build/cache/acronyms-of-values.json").read_text(encoding="utf-8"))["value"]
    assert kept == ["QVXW"]  # not QRSTW (withheld), nor ILO and the rest the glossary holds
    _acronym_report(root, Audience.INTERNAL)
    assert not (root / ".build/cache/acronyms-of-values.json").exists()
    # Read back: the same answer from the kept terms.
    project = Project(root)
    publication = project.publication()
    first = _acronym_report(root)
    inputs = load_inputs(root / "inputs", root)
    again = acronyms.acronym_problems(root, root / "inputs", inputs, publication, Audience.PARTNERS,
                                      project.author_pages())
    assert [str(p) for p in again] == first


# --- the files' texts read once ------------------------------------------------------------------------------

def test_the_facts_check_reads_the_texts_loading_read_as_it_reads_the_files(tmp_path):
    from strategy.facts import fact_problems

    root = copy_project(tmp_path / "project")
    _replace(root / PI / "PI-005.yaml", "in ASEAN countries.", "in ASEAN countries, says [Name].")
    crlf = root / PI / "PI-006.yaml"
    crlf.write_bytes(crlf.read_bytes().replace(b"\n", b"\r\n"))
    lone_cr = root / PI / "PI-007.yaml"  # a lone "\r" ends a line for the facts check, not for YAML
    _replace(lone_cr, "illustrative: true", "illustrative: true # [Title]\r")
    inputs = load_inputs(root / "inputs", root)
    publication = Project(root).publication()
    assert inputs.texts  # the texts were kept
    with_texts = fact_problems(root, publication, inputs.headline, inputs.texts)
    assert with_texts == fact_problems(root, publication, inputs.headline)
    assert any("[Name]" in str(p) for p in with_texts)


def test_the_glyph_check_finds_in_the_texts_what_it_finds_value_by_value(tmp_path):
    from strategy.glyphs import uncovered_characters

    root = copy_project(tmp_path / "project")
    _replace(root / PI / "PI-005.yaml", "in ASEAN countries.", "in ASEAN countries \u2603.")  # a snowman
    escaped = next(p for p in sorted((root / PI).glob("PI-*.yaml")) if "key_quote" not in p.read_text(encoding="utf-8"))
    _replace(escaped, "\nreceived:", '\nkey_quote: "An escaped \\u2602 umbrella"\nreceived:')
    inputs = load_inputs(root / "inputs", root)
    found = uncovered_characters(inputs, root)
    assert found == uncovered_characters(dataclasses.replace(inputs, texts={}), root)
    files = {p.file for p in found}
    assert {f"{PI}/PI-005.yaml", f"{PI}/{escaped.name}"} <= files


# --- YAML tags -------------------------------------------------------------------------------------------------

SCALARS = ["", "~", "null", "Null", "NULL", "true", "True", "yes", "no", "on", "off", "0", "-1", "+12", "0x1F", "0o17",
           "017", "1_000", "3.14", ".5", "1e3", "6.02e+23", ".inf", "-.Inf", ".nan", "2025-02-06",
           "2025-02-06T10:00:00Z", "2025-2-6", "=", "<<", "text", "Text with: colon", "- dash", "12:30", "190:20:30",
           "ILO", "PI-004", "1,000", "0b101", "-", "+", ".", "TRUE", "nO"]


@pytest.mark.parametrize("implicit", [(True, False), (False, True), (False, False), (True, True)])
def test_a_scalars_tag_is_the_one_pyyamls_resolver_gives(implicit):
    from strategy.inputs.sources import _Loader

    loader, reference = _Loader(""), yaml.SafeLoader("")
    try:
        for value in SCALARS:
            assert loader.resolve(yaml.ScalarNode, value, implicit) == \
                reference.resolve(yaml.ScalarNode, value, implicit), value
        for kind in (yaml.MappingNode, yaml.SequenceNode):
            assert loader.resolve(kind, None, implicit) == reference.resolve(kind, None, implicit)
    finally:
        loader.dispose()
        reference.dispose()


def test_the_facts_check_lists_the_files_rglob_lists(tmp_path):
    """Regular files only, hidden ones too; no symbolic link, nor a folder reached through one, nor a FIFO."""
    import os

    from strategy.facts import _regular_files

    root = copy_project(tmp_path / "project")
    inputs = root / "inputs"
    (inputs / ".hidden.yaml").write_text("a: 1\n", encoding="utf-8")
    os.symlink(inputs / "partner-inputs", inputs / "linked-folder")
    os.symlink(inputs / "glossary.yaml", inputs / "linked.yaml")
    os.symlink(inputs / "nowhere.yaml", inputs / "broken.yaml")
    os.mkfifo(inputs / "pipe.yaml")
    expected = sorted(p for p in inputs.rglob("*") if p.is_file() and not p.is_symlink())
    assert sorted(_regular_files(inputs)) == expected
    assert inputs / ".hidden.yaml" in expected and len(expected) > 50


# --- an author page's quotes redacted one by one -------------------------------------------------------------

QUOTES = ('\n\n{{ quote("PI-009") }}\n\n{{ quote("PI-008") }}\n\n{{ quote("PI-001") }}\n\n{{ quote("PI-9999") }}\n\n'
          '{{ figure("institutional-changes") }}\n')


def _expanded(root: Path, audience: Audience, *, whole_view_first: bool) -> list[str]:
    """Every author page's macros expanded, or the problems they give: after the audience's view of every input
    was made (as a build makes it for its chapters), or without it (as `strategy check` now expands them)."""
    from mkdocs.utils.meta import get_data

    from strategy.chapters.macros import expand_macros, first_body_line
    from strategy.consent import audience_view
    from strategy.problems import ProblemsFound

    project = Project(root)
    inputs = load_inputs(root / "inputs", root)
    if whole_view_first:
        try:
            audience_view(inputs, audience)
        except ProblemsFound:
            pass
    out = []
    for path in project.author_pages():
        source = path.read_text(encoding="utf-8")
        body, _ = get_data(source)
        try:
            out.append(expand_macros(body, inputs, audience, file=path.name,
                                     page_path=path.relative_to(root / "docs").as_posix(),
                                     first_line=first_body_line(source, body)))
        except ProblemsFound as found:
            out.append("\n".join(map(str, found.problems)))
    return out


@pytest.mark.parametrize("audience", [Audience.PARTNERS, Audience.PUBLIC, Audience.INTERNAL], ids=lambda a: a.value)
@pytest.mark.parametrize("named_in_a_team_field", [False, True], ids=["consent-kept", "name-kept-out-in-team-field"])
def test_quotes_are_redacted_one_by_one_as_the_whole_view_redacts_them(tmp_path, audience, named_in_a_team_field):
    root = copy_project(tmp_path / "project")
    page = root / "docs" / "vision.md"
    page.write_text(page.read_text(encoding="utf-8") + QUOTES, encoding="utf-8")  # anonymous, withheld, named
    if named_in_a_team_field:  # a session title naming PI-009's anonymous partner: no view can be made
        partner = yaml.safe_load((root / PI / "PI-009.yaml").read_text(encoding="utf-8"))["partner"]
        name = next(p["name"] for p in yaml.safe_load((root / "inputs/partners.yaml").read_text(encoding="utf-8"))
                    if p["id"] == partner)
        meeting = root / "inputs/meeting.yaml"
        text = meeting.read_text(encoding="utf-8")
        meeting.write_text(text.replace('    title: "Phase II in review', f'    title: "{name} on Phase II in review', 1),
                           encoding="utf-8")
    one_by_one = _expanded(root, audience, whole_view_first=False)
    assert one_by_one == _expanded(root, audience, whole_view_first=True)
    vision = one_by_one[[p.name for p in Project(root).author_pages()].index("vision.md")]
    if named_in_a_team_field and audience is not Audience.INTERNAL:
        assert "expected" in vision and "PI-9999" not in vision  # the consent problem, before any quote's
    else:
        assert "'PI-9999'" in vision  # the unknown ID is named, after the quotes were made


def _png() -> bytes:
    """A picture of one white pixel."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
            + chunk(b"IEND", b""))


def test_where_the_project_is_on_disk_adds_no_possible_acronym(tmp_path, caplog):
    """The pictures of an input are kept by their absolute path, which a chapter never prints: a project in a
    folder named in capitals still makes no chapter to learn its acronyms. (The picture is not shown: a partner
    text that shows one names it by its input's ID, "PI-001/figure.png", whose "PI" a plain fallback would
    print as an acronym, and the chapters are made to tell.)"""
    root = copy_project(tmp_path / "QXYZ PROJECTS" / "project")
    (root / PI / "PI-001").mkdir()
    (root / PI / "PI-001" / "figure.png").write_bytes(_png())
    inputs = load_inputs(root / "inputs", root)
    assert any("QXYZ" in str(path) for path in inputs.partner_images.values())
    with caplog.at_level(logging.DEBUG, logger="strategy.chapters"):
        assert _acronym_report(root) == []
    assert CHAPTERS_MADE not in caplog.text


def test_the_records_travel_to_a_worker_without_the_files_texts(tmp_path):
    """The build sends the records to its chart workers: not the files' texts (withheld inputs' among them)."""
    import pickle

    root = copy_project(tmp_path / "project")
    inputs = load_inputs(root / "inputs", root)
    withheld = (root / PI / "PI-008.yaml").read_text(encoding="utf-8")
    assert withheld in inputs.texts.values()
    sent = pickle.dumps(inputs)
    comment = withheld.splitlines()[0]  # a YAML comment: in the text only, in no record
    assert comment.startswith("#") and b"texts" in sent and comment.encode() not in sent
    received = pickle.loads(sent)
    assert received.texts == {} and received.partner_inputs == inputs.partner_inputs


def test_on_the_example_no_chapter_can_hold_an_acronym_the_glossary_lacks(tmp_path):
    """The check's fast path (acronyms._may_hold_new false: no chapter made) holds on the example: the
    chapters' code has no string literal with capitals that the glossary and the author pages lack. A literal
    such as an image mode ("RGBA") in chapter code made every large check make every chapter (10,000 inputs:
    4.7 s instead of 1.7 s); such code belongs outside the chapters' modules (strategy/pictures.py)."""
    root = copy_project(tmp_path / "project")
    inputs = load_inputs(root / "inputs", root)
    known = acronyms._known(inputs)
    found = {term: ("", 0) for page in acronyms.published_pages(root, Project(root).author_pages())
             for term, _ in acronyms.acronyms(page.read_text(encoding="utf-8"))}
    assert acronyms._literal_terms(acronyms._chapter_code_files()) - known - set(found) == set()
    assert not acronyms._may_hold_new(inputs, Audience.PARTNERS, known, found, root / ".build")
