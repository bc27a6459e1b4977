"""`strategy check` on the bundled example and on broken copies of it.

Each broken folder is the example with one thing broken, made here so that it
stays in step with the example. The expected message names the file, the
line and the field.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conftest import REPO, copy_project, strategy
from corpus import line_of, replace_in


def test_bundled_example_is_valid(example_inputs):
    run = strategy("check", "--project", str(REPO))
    assert run.returncode == 0, run.stderr
    assert f"{len(example_inputs.partner_inputs)} partner inputs" in run.stdout


def test_bundled_example_is_big_enough(example_inputs):
    partners = {example_inputs.partners[i.partner] for i in example_inputs.partner_inputs.values()}
    assert len(partners) >= 30
    kinds = {p.kind for p in partners}
    from strategy.inputs.records import PartnerKind
    assert kinds == set(PartnerKind)


def first_input(root: Path) -> Path:
    return sorted((root / "inputs" / "partner-inputs").glob("PI-*.yaml"))[0]


def break_yaml_syntax(root):
    path = first_input(root)
    line = replace_in(path, "themes:", "themes: [unclosed")
    # The parser notices on a later line; the message also names the line where the list opened.
    return path, None, None, f"that starts on line {line}"


def remove_required_field(root):
    path = first_input(root)
    data = path.read_text(encoding="utf-8")
    partner_line = re.search(r"^partner: .*$", data, re.M).group(0)
    path.write_text(data.replace(partner_line + "\n", ""), encoding="utf-8")
    return path, None, "partner", "this field is required"


def wrong_type(root):
    path = first_input(root)
    line = replace_in(path, "received: ", "received: not-a-date #")
    return path, line, "received", "date"


def unknown_theme(root):
    path = first_input(root)
    theme = yaml.safe_load(path.read_text(encoding="utf-8"))["themes"][0]
    line = replace_in(path, f"- {theme}", f"- {theme}x")
    return path, line, "themes[0]", f"did you mean '{theme}'"


def unknown_partner(root):
    path = first_input(root)
    line = replace_in(path, "partner: ", "partner: nobody-")
    return path, line, "partner", "a known partner ID"


def unknown_session(root):
    path = next(p for p in sorted((root / "inputs" / "partner-inputs").glob("*.yaml"))
                if "session: S" in p.read_text(encoding="utf-8"))
    line = replace_in(path, "session: S", "session: S9")
    return path, line, "session", "a known session ID"


def unknown_priority(root):
    path = first_input(root)
    line = replace_in(path, "- priority: ", "- priority: zz-")
    return path, line, "priorities[0].priority", "a known priority ID"


def unknown_country(root):
    path = root / "inputs" / "partners.yaml"
    line = replace_in(path, "country: ", "country: ZZZ #")
    return path, line, "country", "a known country code"


def duplicate_id(root):
    folder = root / "inputs" / "partner-inputs"
    first, second = sorted(folder.glob("PI-*.yaml"))[:2]
    line = replace_in(second, f"id: {second.stem}", f"id: {first.stem}")
    return second, line, "id", "a unique partner input ID"


def duplicate_key(root):
    path = first_input(root)
    content = path.read_text(encoding="utf-8")
    path.write_text(content + "consent: named\nconsent: anonymous\n", encoding="utf-8")
    return path, content.count("\n") + 2, "consent", "each key once"


def misspelt_field(root):
    path = first_input(root)
    line = replace_in(path, "themes:", "themse:")
    return path, line, "themse", "did you mean 'themes'"


def malformed_csv_row(root):
    path = root / "inputs" / "results" / "countries.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3] + ",extra"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, 4, None, "cells as in the header"


def non_integer_in_csv(root):
    path = root / "inputs" / "results" / "countries.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    cells = lines[2].split(",")
    cells[1] = "many"
    lines[2] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, 3, "institutional_changes", "integer"


def results_do_not_add_up(root):
    path = root / "inputs" / "results" / "summary.yaml"
    achieved = yaml.safe_load(path.read_text(encoding="utf-8"))["institutional_changes"]["achieved"]
    line = replace_in(path, f"achieved: {achieved}", f"achieved: {achieved + 1}")
    return path, line, "institutional_changes.achieved", "the sum of institutional_changes"


BROKEN = [break_yaml_syntax, remove_required_field, wrong_type, unknown_theme, unknown_partner, unknown_session,
          unknown_priority, unknown_country, duplicate_id, duplicate_key, misspelt_field, malformed_csv_row,
          non_integer_in_csv, results_do_not_add_up]


@pytest.mark.parametrize("breakage", BROKEN, ids=lambda f: f.__name__)
def test_broken_input_is_reported_with_file_line_and_field(tmp_path, breakage):
    root = copy_project(tmp_path / "project")
    path, line, field, expected = breakage(root)
    run = strategy("check", "--project", str(root))
    assert run.returncode == 1
    assert "Traceback" not in run.stderr + run.stdout
    where = path.relative_to(root).as_posix() + (f":{line}" if line else "")
    matching = [ln for ln in run.stderr.splitlines() if where + (":" if line else "") in ln]
    assert matching, f"no problem names {where}:\n{run.stderr}"
    problem = " ".join(matching)
    if field:
        assert f"field '{field}'" in problem, run.stderr
    assert expected in problem, run.stderr


def test_every_problem_is_reported_at_once(tmp_path):
    root = copy_project(tmp_path / "project")
    breakages = [unknown_theme, unknown_country, results_do_not_add_up]
    places = [b(root) for b in breakages]
    run = strategy("check", "--project", str(root))
    assert run.returncode == 1
    for path, line, _, _ in places:
        assert f"{path.relative_to(root).as_posix()}:{line}:" in run.stderr
    assert re.search(r"^(\d+) problems found", run.stderr, re.M)


def test_missing_inputs_folder_is_a_problem_not_a_crash(tmp_path):
    root = copy_project(tmp_path / "project")
    (root / "inputs" / "meeting.yaml").unlink()
    run = strategy("check", "--project", str(root))
    assert run.returncode == 1
    assert "inputs/meeting.yaml" in run.stderr
    assert "Traceback" not in run.stderr


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(data)


HOSTILE_FILES = {
    "alias bomb": ("inputs/glossary.yaml", b"a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n",
                   "no YAML aliases"),
    "binary garbage": ("inputs/priorities.yaml", bytes(range(256)) * 4, "a text file"),
    "too large": ("inputs/glossary.yaml", b"- term: X\n  expansion: " + b"y" * (3 * 1024 * 1024) + b"\n",
                  "a file of at most"),
    "deep nesting": ("inputs/glossary.yaml", b"x: " + b"[" * 60 + b"]" * 60 + b"\n", "nesting deeper than"),
    "not a list": ("inputs/priorities.yaml", b"just: a mapping\n", "a list of Priority records"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_FILES))
def test_hostile_files_get_a_clear_problem_and_no_hang(tmp_path, case):
    root = copy_project(tmp_path / "project")
    relative, data, expected = HOSTILE_FILES[case]
    _write(root / relative, data)
    run = strategy("check", "--project", str(root), timeout=60)
    assert run.returncode == 1
    assert relative in run.stderr and expected in run.stderr, run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1252"])
def test_readable_encodings_crlf_and_semicolons_are_read(tmp_path, encoding):
    """Files as Excel and Windows editors write them are read, not refused."""
    root = copy_project(tmp_path / "project")
    countries = root / "inputs" / "countries.csv"
    text = countries.read_text(encoding="utf-8")
    if encoding == "cp1252":
        text = text.replace(",", ";")  # Excel in many European locales separates with semicolons
    countries.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    partner = first_input(root)
    partner.write_bytes(partner.read_text(encoding="utf-8").replace("\n", "\r\n").encode(encoding))
    run = strategy("check", "--project", str(root))
    assert run.returncode == 0, run.stderr
    from strategy.inputs import load_inputs
    inputs = load_inputs(root / "inputs", root)
    assert inputs.countries["CIV"].name == "Côte d'Ivoire"


def test_input_without_consent_is_kept_out_with_a_warning(tmp_path):
    """No input leaves the partners and public builds unannounced: check names each one without consent."""
    root = copy_project(tmp_path / "project")
    path = root / "inputs" / "partner-inputs" / "PI-002.yaml"  # quoted by no author page, so a build can leave it out
    content = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"^consent: .*\n", "", content, flags=re.M), encoding="utf-8")
    run = strategy("check", "--project", str(root))
    assert run.returncode == 0, run.stderr
    where = f"{path.relative_to(root).as_posix()}:{line_of(path, 'id:')}: warning: field 'consent'"
    assert [ln for ln in run.stderr.splitlines() if where in ln and "stays out of partners and public" in ln], \
        run.stderr
    from strategy.inputs import load_inputs
    from strategy.inputs.records import Consent
    assert load_inputs(root / "inputs", root).partner_inputs[path.stem].consent is Consent.WITHHELD


def test_files_the_loader_does_not_read_are_named(tmp_path):
    root = copy_project(tmp_path / "project")
    (root / "inputs" / "partners.yml").write_text("- id: x\n", encoding="utf-8")
    (root / "inputs" / "partner-inputs" / "notes.txt").write_text("to do\n", encoding="utf-8")
    upper = root / "inputs" / "partner-inputs" / "PI-047.YAML"
    upper.write_text(re.sub(r"^id: .*$", "id: PI-047", first_input(root).read_text(encoding="utf-8"), count=1,
                            flags=re.M), encoding="utf-8")
    run = strategy("check", "--project", str(root))
    assert run.returncode == 0, run.stderr
    assert "inputs/partners.yml: warning: expected only the known input files (did you mean partners.yaml?)" \
        in run.stderr
    assert "inputs/partner-inputs/notes.txt: warning:" in run.stderr
    from strategy.inputs import load_inputs
    assert "PI-047" in load_inputs(root / "inputs", root).partner_inputs  # the upper-case extension is read
