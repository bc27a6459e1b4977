"""Reviewers' feedback files (issue 9, section 5): broken and hostile comments are named with their file,
line and field; a withheld reviewer's words reach no byte of a partners build.

The bundled example has two feedback files on Draft 1: luxembourg-draft-1.yaml (named; FB-001 to FB-003) and
netherlands-draft-1.yaml (anonymous; FB-004 to FB-006, FB-005 a reply to FB-004).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from corpus import Case, line_of, replace_in

REPO = Path(__file__).resolve().parents[2]
FOLDER = "inputs/feedback"
LUX = f"{FOLDER}/luxembourg-draft-1.yaml"
NL = f"{FOLDER}/netherlands-draft-1.yaml"


def _replace(relative: str, old: str, new: str):
    return lambda root: replace_in(root / relative, old, new)


def _write(relative: str, text: str):
    def make(root: Path) -> None:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    return make


def _at(relative: str, text: str) -> int:
    return line_of(REPO / relative, text)


def _file(reviewer: str, comments: str, consent: str = "named", edition: str = "Draft 1") -> str:
    return (f"reviewer: {reviewer}\nconsent: {consent}\nedition: {edition}\nreceived: 2025-12-10\n"
            f"channel: e-mail\ncomments:\n{comments}")


CANARY = "Xylophone-canary-of-a-withheld-reviewer"

CASES = [
    Case("feedback-bad-status", "feedback-schema", _replace(LUX, "status: open", "status: done"), "problem",
         LUX, _at(LUX, "status: open"), "comments[1].status", says="open"),
    Case("feedback-declined-without-reason", "feedback-schema",
         _replace(LUX, "    response: The principles follow", "    action: The principles follow"), "problem",
         LUX, _at(LUX, "id: FB-003"), "comments[2]", says="declined"),
    Case("feedback-unknown-reviewer", "feedback-reference", _replace(LUX, "reviewer: luxembourg",
                                                                     "reviewer: luxemburg"),
         "problem", LUX, _at(LUX, "reviewer: luxembourg"), "reviewer", says="did you mean 'luxembourg'"),
    Case("feedback-duplicate-id-across-files", "feedback-reference", _replace(NL, "id: FB-006", "id: FB-001"),
         "problem", NL, _at(NL, "id: FB-006"), "comments[2].id", says="also in inputs/feedback/luxembourg"),
    Case("feedback-same-number-other-spelling", "feedback-reference", _replace(NL, "id: FB-006", "id: FB-0001"),
         "problem", NL, _at(NL, "id: FB-006"), "comments[2].id", says="as 'FB-001'"),
    Case("feedback-reply-to-nowhere", "feedback-reference", _replace(NL, "reply_to: FB-004", "reply_to: FB-044"),
         "problem", NL, _at(NL, "reply_to: FB-004"), "comments[1].reply_to", says="a comment in this file"),
    Case("feedback-reply-to-another-file", "feedback-reference",
         _replace(NL, "reply_to: FB-004", "reply_to: FB-001"), "problem", NL, _at(NL, "reply_to: FB-004"),
         "comments[1].reply_to"),
    Case("feedback-reply-to-itself", "feedback-reference", _replace(NL, "reply_to: FB-004", "reply_to: FB-005"),
         "problem", NL, _at(NL, "reply_to: FB-004"), "comments[1].reply_to", says="another comment"),
    Case("feedback-bad-id", "feedback-schema", _replace(LUX, "id: FB-002", "id: FB-2"), "problem",
         LUX, _at(LUX, "id: FB-002"), "comments[1].id"),
    Case("feedback-paragraph-not-a-number", "feedback-schema",
         _replace(LUX, "    section: Principles", "    paragraph: twelve\n    section: Principles"), "problem",
         LUX, _at(LUX, "section: Principles"), "comments[2].paragraph"),
    Case("feedback-no-comments", "feedback-schema", _write(f"{FOLDER}/ilo-draft-1.yaml",
                                                           _file("ioe", "  []\n")), "problem",
         f"{FOLDER}/ilo-draft-1.yaml", None, "comments"),
    Case("feedback-unknown-field", "feedback-schema", _replace(LUX, "    quoted: A costed", "    quote: A costed"),
         "problem", LUX, _at(LUX, "quoted: A costed"), "comments[1].quote", says="did you mean 'quoted'"),
    Case("feedback-section-gone", "feedback-section",
         _replace(LUX, "section: Resource mobilization and partnerships", "section: Resource mobilisation"),
         "problem", LUX, _at(LUX, "id: FB-002"), "comments[1].section",
         says="did you mean 'Resource mobilization and partnerships'"),
    Case("feedback-section-gone-but-answered", "feedback-section",
         _replace(LUX, "section: Principles for the third phase", "section: Principles of old"), "valid"),
    Case("feedback-section-of-a-generated-chapter", "feedback-section",
         _replace(LUX, "section: Resource mobilization and partnerships", "section: Inputs by thematic area"),
         "valid"),
    Case("feedback-section-as-print-numbers-it", "feedback-section",
         _replace(LUX, "section: Resource mobilization and partnerships", "section: 6 Way forward"), "valid"),
    Case("feedback-open-without-response", "feedback-section", lambda root: None, "warning", LUX,
         _at(LUX, "id: FB-002"), "comments[1].response", says="a response"),
    Case("feedback-no-consent", "feedback-consent", _replace(NL, "consent: anonymous\n", ""), "warning",
         NL, _at(NL, "reviewer:"), "consent", says="withheld"),
    Case("feedback-file-named-after-another-reviewer", "feedback-files",
         _replace(NL, "reviewer: netherlands", "reviewer: france"), "warning", NL,
         _at(NL, "reviewer: netherlands"), "reviewer", says="named after its reviewer"),
    Case("feedback-unknown-file", "feedback-files", _write(f"{FOLDER}/notes.txt", "to do\n"), "warning",
         f"{FOLDER}/notes.txt", says="not read"),
    Case("feedback-subfolder", "feedback-files", _write(f"{FOLDER}/old/ioe-draft-0.yaml", "reviewer: ioe\n"),
         "problem", f"{FOLDER}/old", says="not in a subfolder"),
    Case("feedback-folder-absent", "feedback-files", lambda root: shutil.rmtree(root / FOLDER), "valid"),
    Case("feedback-alias-bomb", "feedback-files",
         _write(f"{FOLDER}/ioe-draft-1.yaml", "a: &a [x]\nb: [*a, *a]\n"), "problem",
         f"{FOLDER}/ioe-draft-1.yaml", 2, says="alias"),
    Case("feedback-name-in-reviewer-text", "feedback-consent",
         _replace(LUX, "Say which share of the plan", "Say, as France did, which share of the plan"), "warning",
         LUX, _at(LUX, "Say which share of the plan"), "comments[1].comment", says="consent keeps out"),
    Case("feedback-name-in-team-response", "feedback-consent",
         _replace(LUX, "response: A target needs the costed plan", "response: France agrees. A target needs the costed plan"),
         "problem", LUX, _at(LUX, "response: A target needs"), "comments[0].response", says="consent keeps out"),
    # One build: a withheld reviewer's comment, with markup and a macro in it, in a partners build.
    Case("feedback-withheld-reviewer-leaks-nothing", "feedback-consent",
         _write(f"{FOLDER}/germany-draft-1.yaml",
                _file("germany", f"  - id: FB-050\n    section: Way forward\n    comment: '{CANARY} <script>x</script>"
                      " {{{{ quote(\"PI-011\") }}}}'\n    response: Noted.\n    status: noted\n",
                      consent="withheld")),
         "valid", command="build", canaries=(CANARY, "FB-050"), seconds=240),
]

CASES.append(Case("feedback-emoji-in-comment", "feedback-glyphs",
                  _replace(LUX, "Say which share of the plan", "Say \U0001F600 which share of the plan"), "warning",
                  LUX, _at(LUX, "Say which share of the plan"), "comment", says="U+1F600"))
