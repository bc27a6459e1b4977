"""Where things are in a strategy repository, and the check every command starts with.

Kept apart from `build` so that `strategy check` imports no renderer: it only reads and validates.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .audience import Audience
from .inputs import StrategyInputs, load_inputs, load_publication
from .inputs.records import Publication
from .problems import Problem, ProblemsFound

MKDOCS_YML = "mkdocs.yml"
PUBLICATION_YML = "strategy.yml"
FONT_CSS = "assets/stylesheets/fonts.css"  # inside docs/: the shipped fonts, for the PDF and the glyph check


@dataclass(frozen=True)
class Project:
    """Where things are in a strategy repository."""

    root: Path

    @property
    def mkdocs_yml(self) -> Path:
        return self.root / MKDOCS_YML

    @property
    def docs(self) -> Path:
        return self.root / "docs"

    @property
    def site(self) -> Path:
        return self.root / "site"

    @property
    def asset_folders(self) -> list[Path]:
        """What the PDF and Word renderers may read: the project's assets and the generated charts."""
        from .chapters import GENERATED_FOLDER  # not at the top: chapters import matplotlib, `check` needs none

        return [self.docs / "assets", self.docs / GENERATED_FOLDER]

    @property
    def work(self) -> Path:
        return self.root / ".build"

    @property
    def reports(self) -> Path:
        """What a build tells its authors and does not publish: the provenance report."""
        return self.root / "reports"

    def author_pages(self) -> list[Path]:
        """The hand-written pages: every Markdown file in docs/ outside the generated folder."""
        generated = self.docs / "generated"  # chapters.GENERATED_FOLDER; `check` imports no chapter module
        return sorted(p for p in self.docs.rglob("*.md") if not p.is_relative_to(generated))

    def publication(self) -> Publication:
        return load_publication(self.root / PUBLICATION_YML, self.root)

    def inputs(self, publication: Publication) -> StrategyInputs:
        return load_inputs(self.root / publication.inputs_folder, self.root)


def check(project: Project, audience: Audience = Audience.PARTNERS) -> StrategyInputs:
    """Validate strategy.yml and every input; raise ProblemsFound with all problems.

    Consent is checked for the audience: a name it keeps out in a field the team wrote is a problem, one in
    partner text a warning (`inputs.warnings`).
    """
    problems: list[Problem] = []
    publication = None
    try:
        publication = project.publication()
    except ProblemsFound as found:
        problems += found.problems
    folder = project.root / (publication.inputs_folder if publication else "inputs")
    try:
        inputs = load_inputs(folder, project.root)
    except ProblemsFound as found:
        problems += found.problems
    if problems:
        raise ProblemsFound(problems)
    from .consent import consent_problems, pages_problems
    from .glyphs import uncovered_characters

    found = consent_problems(inputs, audience, project.root, publication)
    found += pages_problems([project.mkdocs_yml, *project.author_pages()], inputs, audience, project.root)
    found += uncovered_characters(inputs, project.root, project.docs / FONT_CSS)
    inputs.warnings.extend(p for p in found if p.severity == "warning")
    if errors := [p for p in found if p.severity == "error"]:
        raise ProblemsFound(errors)
    return inputs
