"""The fast paths of `strategy check` (issue 12) give the same answers as the slow ones did.

Correctness, not speed (benchmarks/run.py measures that): check loads no renderer, each YAML file is parsed
once by libyaml when PyYAML has it, and the problems keep the lines and words they had when every file was
parsed twice.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import copy_project, strategy
from strategy.inputs import sources

# What `strategy check` must not load: the renderers and MkDocs' build machinery. (mkdocs.utils.meta, the
# function MkDocs splits front matter with, is used on purpose, so that check reads pages as the site does.)
RENDERERS = ["weasyprint", "matplotlib", "pikepdf", "pypdf", "docx", "pypandoc", "mkdocs.commands",
             "mkdocs.config", "mkdocs.structure", "mkdocs.plugins", "material"]

# A runner: `strategy check` in this process, then which of RENDERERS it imported.
LOADED_AFTER_CHECK = """
import json, sys
from strategy.cli import main
try:
    main(["check", "--project", sys.argv[1]], standalone_mode=False)
    code = 0
except SystemExit as end:
    code = end.code
print(json.dumps({"code": code, "loaded": [name for name in json.loads(sys.argv[2]) if name in sys.modules]}))
"""


def test_check_imports_no_renderer(tmp_path):
    root = copy_project(tmp_path / "project")
    done = subprocess.run([sys.executable, "-c", LOADED_AFTER_CHECK, str(root), json.dumps(RENDERERS)],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] in (0, None), done.stderr[-3000:]  # the example is valid: check ran to the end
    assert report["loaded"] == []


def test_the_runner_sees_a_renderer_when_one_is_loaded(tmp_path):
    """The test above could pass by never looking: a command that does load WeasyPrint is seen to."""
    runner = LOADED_AFTER_CHECK.replace("from strategy.cli import main", "import weasyprint\nfrom strategy.cli import main")
    root = copy_project(tmp_path / "project")
    done = subprocess.run([sys.executable, "-c", runner, str(root), json.dumps(RENDERERS)],
                          capture_output=True, text=True, timeout=120)
    assert json.loads(done.stdout.strip().splitlines()[-1])["loaded"] == ["weasyprint"]


# Known errors and the problems they gave when every file was parsed twice (the event prescan, then libyaml's
# composer), recorded from that reader before it was replaced. Lines, fields and words must not change.
KNOWN_ERRORS = {
    "duplicate key": ("id: PI-001\npartner: a\nthemes:\n- x\npartner: b\n",
                      "inputs/f.yaml:5: field 'partner': expected each key once in a mapping; found a second 'partner' "
                      "(first on line 2)"),
    "impossible date": ("id: PI-001\nreceived: 2025-02-30\n",
                        "inputs/f.yaml:2: field 'received': expected a real calendar date (YYYY-MM-DD); found "
                        "'2025-02-30' (day is out of range for month)"),
    "huge number": ("items:\n- n: 1\n- n: " + "9" * 40 + "\n",
                    "inputs/f.yaml:3: field 'items[1].n': expected a whole number of at most 30 digits; found a "
                    "number of 40 digits"),
    "alias": ("a: &x [1]\nb: 2\nc: *x\n",
              "inputs/f.yaml:3: expected no YAML aliases (*name): write the value out; found alias *x"),
    "deep nesting": ("x:\n  y: " + "[" * 31 + "]" * 31 + "\n",
                     "inputs/f.yaml:2: expected nesting of at most 30 levels; found nesting deeper than 30 levels"),
    "tag on a mapping": ("a: 1\nb: !!set {x, y}\n",
                         "inputs/f.yaml:2: expected valid YAML; found the tag tag:yaml.org,2002:set"),
    "two documents": ("a: 1\nb: 2\n---\nc: 3\n",
                      "inputs/f.yaml:3: expected valid YAML; found but found another document (expected a single "
                      "document in the stream that starts on line 1)"),
    "unclosed bracket": ("a: [1, 2\nb: 3\nc: 4\n",
                         "inputs/f.yaml:2: expected valid YAML; found did not find expected ',' or ']' (while "
                         "parsing a flow sequence that starts on line 1)"),
    "tab indentation": ("a:\n\t- x\n",
                        "inputs/f.yaml:2: expected valid YAML; found found character that cannot start any token"),
    "plain key": ("a: 1\n? [x, y]\n: 2\n", "inputs/f.yaml:2: expected a plain key; found ['x', 'y']"),
    "duplicate anchor": ("a: &x 1\nb: 2\nc: &x 3\n",
                         "inputs/f.yaml:3: expected valid YAML; found second occurrence (found duplicate anchor; "
                         "first occurrence that starts on line 1)"),
    "alias after a duplicate key": ("a: 1\na: 2\nb: &x 1\nc: *x\n",  # the alias alone, as before: no tree is built
                                    "inputs/f.yaml:4: expected no YAML aliases (*name): write the value out; found "
                                    "alias *x"),
}

needs_libyaml = pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")


@needs_libyaml
@pytest.mark.parametrize("case", KNOWN_ERRORS)
def test_known_errors_keep_their_lines_and_words(tmp_path, case):
    text, expected = KNOWN_ERRORS[case]
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    assert [str(p) for p in sources.read_yaml(path, "inputs/f.yaml").problems] == [expected]


def test_every_value_keeps_its_line(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text("# a comment\nid: PI-001\nthemes:\n- a\n- b\npriorities:\n- priority: x\n  proposal: >-\n"
                    "    two\n    lines\n  wording: quotation\n", encoding="utf-8")
    source = sources.read_yaml(path, "f.yaml")
    assert source.problems == []
    assert source.data == {"id": "PI-001", "themes": ["a", "b"],
                           "priorities": [{"priority": "x", "proposal": "two lines", "wording": "quotation"}]}
    assert source.lines == {(): 2, ("id",): 2, ("themes",): 3, ("themes", 0): 4, ("themes", 1): 5,
                            ("priorities",): 6, ("priorities", 0): 7, ("priorities", 0, "priority"): 7,
                            ("priorities", 0, "proposal"): 8, ("priorities", 0, "wording"): 11}


@needs_libyaml
def test_libyaml_parses_when_pyyaml_has_it(tmp_path):
    assert issubclass(sources._Loader, yaml.CSafeLoader)  # the safe loader in C, its tags resolved by a table
    path = tmp_path / "f.yaml"
    path.write_text("a: b: c\n", encoding="utf-8")
    # libyaml's own wording ("in this context"; PyYAML's parser says "here"): the C parser read the file.
    assert [str(p) for p in sources.read_yaml(path, "f.yaml").problems] == [
        "f.yaml:1: expected valid YAML; found mapping values are not allowed in this context"]


@needs_libyaml
def test_a_million_brackets_are_refused_by_the_one_pass_reader(tmp_path):
    """libyaml's own composer recurses in C and crashes on this file; the reader never lets it compose."""
    path = tmp_path / "f.yaml"
    path.write_text("x: " + "[" * 1_000_000, encoding="utf-8")
    assert [str(p) for p in sources.read_yaml(path, "f.yaml").problems] == [
        "f.yaml:1: expected nesting of at most 30 levels; found nesting deeper than 30 levels"]


# Without libyaml (`yaml._yaml` unimportable), PyYAML's own parser reads the same files, lines unchanged.
WITHOUT_LIBYAML = """
import json, sys
sys.modules["yaml._yaml"] = None  # as on a machine where PyYAML was built without libyaml
import yaml
from pathlib import Path
from strategy.inputs import sources
assert not yaml.__with_libyaml__ and issubclass(sources._Loader, yaml.SafeLoader)
found = {}
for name, text in json.loads(sys.argv[1]).items():
    path = Path(sys.argv[2]) / "f.yaml"
    path.write_text(text, encoding="utf-8")
    found[name] = [(p.line, p.field) for p in sources.read_yaml(path, "f.yaml").problems]
print(json.dumps(found))
"""


@needs_libyaml
def test_without_libyaml_the_lines_are_the_same(tmp_path):
    texts = {name: text for name, (text, _) in KNOWN_ERRORS.items()}
    done = subprocess.run([sys.executable, "-c", WITHOUT_LIBYAML, json.dumps(texts), str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    pure = json.loads(done.stdout)
    for name, text in texts.items():
        path = tmp_path / "f.yaml"
        path.write_text(text, encoding="utf-8")
        with_c = [[p.line, p.field] for p in sources.read_yaml(path, "f.yaml").problems]
        assert pure[name] == with_c, name


def test_check_names_file_line_and_field_of_an_input(tmp_path):
    """Through the whole command: an input's error, read by the one-pass reader, points at its line."""
    root = copy_project(tmp_path / "project")
    path = root / "inputs" / "partner-inputs" / "PI-002.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(n for n, line in enumerate(lines, start=1) if line.startswith("received:"))
    lines[number - 1] = "received: 2025-02-30\n"
    path.write_text("".join(lines), encoding="utf-8")
    done = strategy("check", "--project", str(root), timeout=120)
    assert done.returncode == 1
    assert (f"inputs/partner-inputs/PI-002.yaml:{number}: field 'received': expected a real calendar date "
            "(YYYY-MM-DD); found '2025-02-30'") in done.stderr, done.stderr[-3000:]
