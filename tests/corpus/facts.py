"""No invented fact passes as real (issue 8, part 6): headline figures typed by hand, figure macros that cannot
be expanded, a headline record that drifts from the results, illustrative records and placeholders in a draft
(warnings) and in a final edition (problems that stop the build)."""

from __future__ import annotations

import re
from pathlib import Path

from corpus import Case, appending, line_of, replace_in

HEADLINE = "inputs/headline-figures.yaml"


def _final(root: Path) -> None:
    replace_in(root / "strategy.yml", "final: false", "final: true")


def _both(*makes):
    def make(root: Path) -> None:
        for step in makes:
            step(root)
    return make


def _replace(relative: str, old: str, new: str):
    return lambda root: replace_in(root / relative, old, new)


def _line_count(relative: str) -> int:
    """The line a text appended to a file of the example lands on."""
    from conftest import REPO

    return len((REPO / relative).read_text(encoding="utf-8").splitlines()) + 2


def _line(relative: str, text: str) -> int:
    from conftest import REPO

    return line_of(REPO / relative, text)


def _real_data_only(root: Path) -> None:
    """A final edition whose records are all real and whose placeholders are filled in: it builds."""
    for path in (root / "inputs").rglob("*"):
        if path.suffix == ".yaml":
            text = re.sub(r"^(\s*(?:-\s+)?)illustrative: true", r"\1illustrative: false", path.read_text("utf-8"),
                          flags=re.M)
            text = re.sub(r"^illustrative_note:.*(?:\n  .*)*\n?", "", text, flags=re.M)
            path.write_text(text, encoding="utf-8")
        elif path.suffix == ".csv":
            path.write_text(re.sub(r",true$", ",false", path.read_text("utf-8"), flags=re.M), encoding="utf-8")
    replace_in(root / "docs/foreword.md", "[Name]", "Shahra Razavi")
    replace_in(root / "strategy.yml", "spf-strategy-comments@example.org", "spf-comments@ilo.org")
    replace_in(root / "strategy.yml", '"978-92-2-000000-0 (web PDF) — placeholder: the ISBN is assigned at publication"',
               '"978-92-2-041234-5 (web PDF)"')
    _final(root)


TYPED = "typed by hand"
REFUSED = "this is a final edition"

CASES = [
    # Headline figures typed by hand in author prose (warnings in a draft).
    Case("facts-typed-institutional-changes", "facts-hand-typed-figure",
         appending("docs/vision.md", "\nPhase II recorded 148 institutional changes.\n"), "warning",
         "docs/vision.md", _line_count("docs/vision.md"), says="'148 institutional changes' " + TYPED),
    Case("facts-typed-people-in-millions", "facts-hand-typed-figure",
         appending("docs/way-forward.md", "\nCoverage grew for 50.0 million people.\n"), "warning",
         "docs/way-forward.md", _line_count("docs/way-forward.md"), says=TYPED),
    Case("facts-typed-people-with-separators", "facts-hand-typed-figure",
         appending("docs/context.md", "\nCoverage grew for 50,000,000 more people.\n"), "warning",
         "docs/context.md", _line_count("docs/context.md"), says=TYPED),
    Case("facts-typed-period", "facts-hand-typed-figure",
         appending("docs/executive-summary.md", "\nThe results cover the years between 2021 and 2024.\n"), "warning",
         "docs/executive-summary.md", _line_count("docs/executive-summary.md"), says='figure("period")'),
    Case("facts-typed-target", "facts-hand-typed-figure",
         appending("docs/vision.md", "\nThe phase beat its target of 80.\n"), "warning",
         "docs/vision.md", _line_count("docs/vision.md"), says='figure("institutional-changes", "target")'),
    Case("facts-typed-later-figure", "facts-hand-typed-figure",
         appending("docs/vision.md", "\nBy October 2025 it had reached nearly 56 million people.\n"), "warning",
         "docs/vision.md", _line_count("docs/vision.md"), says='figure("people", "update")'),
    Case("facts-typed-priority-countries", "facts-hand-typed-figure",
         appending("docs/foreword.md", "\nWe worked in 50 countries.\n"), "warning",
         "docs/foreword.md", _line_count("docs/foreword.md"), says='figure("priority-countries")'),
    Case("facts-typed-in-cover-text", "facts-hand-typed-figure",
         _replace("strategy.yml", "  Phase III strategy (2026–2030) of", "  After 148 institutional changes, the Phase III strategy (2026–2030) of"),
         "warning", "strategy.yml", _line("strategy.yml", "Phase III strategy (2026–2030) of"), says=TYPED),
    Case("facts-typed-in-a-new-page", "facts-hand-typed-figure",
         lambda root: (root / "docs/notes.md").write_text("# Notes\n\nMore than 50 million people.\n", "utf-8"),
         "warning", "docs/notes.md", 3, says=TYPED),
    Case("facts-macro-and-code-are-not-typed", "facts-hand-typed-figure",
         appending("docs/vision.md", '\n{{ figure("institutional-changes") }} and `148 institutional changes`.\n'),
         "valid"),
    # Figure macros a build could not expand: found by `strategy check` already.
    Case("facts-macro-unknown-figure", "facts-figure-macro",
         appending("docs/vision.md", '\nWe made {{ figure("institutional-change") }}.\n'), "problem",
         "docs/vision.md", _line_count("docs/vision.md"), says="did you mean institutional-changes?"),
    Case("facts-macro-unknown-part", "facts-figure-macro",
         appending("docs/vision.md", '\nWe made {{ figure("people", "total") }}.\n'), "problem",
         "docs/vision.md", _line_count("docs/vision.md"), says="a part of a figure"),
    Case("facts-macro-update-missing", "facts-figure-macro",
         appending("docs/vision.md", '\nNow {{ figure("priority-countries", "update") }}.\n'), "problem",
         "docs/vision.md", _line_count("docs/vision.md"), says="has none"),
    Case("facts-headline-file-missing", "facts-figure-macro",
         lambda root: (root / HEADLINE).unlink(), "problem", "docs/context.md",
         says="this project has no inputs/headline-figures.yaml"),
    # The headline record itself.
    Case("facts-headline-drifts-from-results", "facts-headline-record",
         _replace(HEADLINE, "value: 148", "value: 150"), "problem", "inputs/results/summary.yaml",
         field="institutional_changes.achieved", says="150, the headline figure"),
    Case("facts-headline-period-drifts", "facts-headline-record",
         _replace(HEADLINE, "text: 2021–2024\n", "text: 2021–2025\n"), "problem", "inputs/results/summary.yaml",
         field="reporting_period", says="the headline period"),
    Case("facts-headline-update-without-source", "facts-headline-record",
         _replace(HEADLINE, "source: gtac-2025\n", "source: press-coverage\n"), "problem", HEADLINE,
         field="figures[0].updates[0].source", says="its own source"),
    Case("facts-headline-duplicate-id", "facts-headline-record",
         _replace(HEADLINE, "id: period", "id: people"), "problem", HEADLINE, says="a unique figure ID"),
    Case("facts-headline-value-not-a-number", "facts-headline-record",
         _replace(HEADLINE, "value: 148", "value: many"), "problem", HEADLINE, field="figures[0].value"),
    Case("facts-headline-unknown-field", "facts-headline-record",
         _replace(HEADLINE, "    value: 148", "    valeu: 148"), "problem", HEADLINE, says="did you mean 'value'?"),
    # Illustrative records and placeholders: warnings in a draft, problems in a final edition.
    Case("facts-draft-warns-illustrative-input", "facts-illustrative",
         lambda root: None, "warning", "inputs/partner-inputs/PI-001.yaml",
         _line("inputs/partner-inputs/PI-001.yaml", "illustrative: true"), field="illustrative"),
    Case("facts-draft-warns-name-placeholder", "facts-placeholder", lambda root: None, "warning",
         "docs/foreword.md", _line("docs/foreword.md", "[Name]"), says="'[Name]'"),
    Case("facts-draft-warns-example-address-in-prose", "facts-placeholder",
         appending("docs/way-forward.md", "\nWrite to drafting@example.org.\n"), "warning",
         "docs/way-forward.md", _line_count("docs/way-forward.md"), says="example.org address"),
    Case("facts-final-refuses-illustrative-input", "facts-final-edition", _final, "problem",
         "inputs/partner-inputs/PI-004.yaml", _line("inputs/partner-inputs/PI-004.yaml", "illustrative: true"),
         field="illustrative", says=REFUSED),
    Case("facts-final-refuses-illustrative-csv-rows", "facts-final-edition", _final, "problem",
         "inputs/results/countries.csv", 2, field="illustrative", says="49 illustrative records"),
    Case("facts-final-refuses-illustrative-note", "facts-final-edition", _final, "problem",
         "inputs/results/summary.yaml", _line("inputs/results/summary.yaml", "illustrative_note:"),
         says="illustrative_note"),
    Case("facts-final-refuses-name-placeholder", "facts-final-edition", _final, "problem",
         "docs/foreword.md", _line("docs/foreword.md", "[Name]"), says=REFUSED),
    Case("facts-final-refuses-isbn-placeholder", "facts-final-edition", _final, "problem",
         "strategy.yml", _line("strategy.yml", "isbn:"), says="ISBN placeholder"),
    Case("facts-final-refuses-example-address", "facts-final-edition", _final, "problem",
         "strategy.yml", _line("strategy.yml", "comments_email"), says="example.org address"),
    Case("facts-final-refuses-hand-typed-figure", "facts-final-edition",
         _both(_final, appending("docs/vision.md", "\nMore than 50 million people.\n")), "problem",
         "docs/vision.md", _line_count("docs/vision.md"), says=TYPED),
    Case("facts-final-refuses-to-build", "facts-final-edition", _final, "problem",
         "docs/foreword.md", _line("docs/foreword.md", "[Name]"), says=REFUSED, command="build", seconds=60),
    Case("facts-final-with-real-data-only-is-valid", "facts-final-edition", _real_data_only, "valid"),
]
