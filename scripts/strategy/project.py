"""Where things are in a strategy repository, and the check every command starts with.

Kept apart from `build` so that `strategy check` imports no renderer: it only reads and validates.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .inputs import StrategyInputs, load_inputs, load_publication
from .inputs.records import Publication
from .problems import Problem, ProblemsFound

MKDOCS_YML = "mkdocs.yml"
PUBLICATION_YML = "strategy.yml"


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

    def publication(self) -> Publication:
        return load_publication(self.root / PUBLICATION_YML, self.root)

    def inputs(self, publication: Publication) -> StrategyInputs:
        return load_inputs(self.root / publication.inputs_folder, self.root)


def check(project: Project) -> StrategyInputs:
    """Validate strategy.yml and every input; raise ProblemsFound with all problems."""
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
    problems = _fact_problems(project, publication, inputs)
    if [p for p in problems if p.severity == "error"]:
        raise ProblemsFound(problems)
    inputs.warnings.extend(problems)
    return inputs


def _fact_problems(project: Project, publication: Publication, inputs: StrategyInputs) -> list[Problem]:
    """Headline figures typed by hand, illustrative records and placeholders (facts.py): warnings in a draft,
    problems in a final edition; and figure macros that a build could not expand."""
    from .facts import fact_problems, figure_macro_problems

    return [*fact_problems(project.root, publication, inputs.headline),
            *figure_macro_problems(project.root, inputs.headline)]
