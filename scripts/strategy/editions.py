"""The editions history: every released edition's record and sources, kept in the repository.

`strategy release` cuts the current edition ("Draft 1"): it builds and checks it, then stores under
`editions/<slug>/` the edition's record (`edition.yml`) and its sources (strategy.yml, mkdocs.yml, the
author pages of docs/ without docs/assets and docs/generated, and the inputs folder), and moves
strategy.yml to the next edition. A stored edition is never rewritten.

Layout, small text only (nothing built is stored):

    editions/
      draft-1/
        edition.yml     # EditionRecord
        strategy.yml
        mkdocs.yml
        docs/...        # the author pages (and other files of docs/ but assets/ and generated/)
        inputs/...      # the inputs folder, under the name strategy.yml gives it

An earlier edition is rebuilt from there (`StoredEdition.materialise` makes a project of it, with the current
docs/assets, which belong to the pipeline as the code does): the same sources and the same pipeline give the
same bytes, which the record's output fingerprints let a build verify.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict

EDITIONS_FOLDER = "editions"
RECORD_FILE = "edition.yml"


class EditionRecord(BaseModel):
    """editions/<slug>/edition.yml: what was released, when, from what."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str  # "Draft 1", as strategy.yml named it
    slug: str  # "draft-1": its folder here and under site/editions/
    number: int  # 1 for the first edition released, 2 for the next...
    date: dt.date  # the edition's date, as strategy.yml gave it
    released: dt.date  # the day `strategy release` cut it
    final: bool = False
    audience: str = "partners"  # the audience of the released build
    sources: str  # "sha256:…" of the stored sources (every file's path and bytes)
    pipeline: str  # "sha256:…" of the code and assets that built it (pipeline_fingerprint)
    outputs: dict[str, str] = {}  # file name in the site -> "sha256:…" of the released PDF, archive PDF and DOCX


@dataclass(frozen=True)
class StoredEdition:
    record: EditionRecord
    folder: Path  # editions/<slug>

    def materialise(self, into: Path, current_project_root: Path) -> Path:
        """A project folder made of the stored sources (and the current docs/assets), ready for `build`."""
        raise NotImplementedError


def edition_slug(label: str) -> str:
    """"Draft 1" -> "draft-1"."""
    raise NotImplementedError


def stored_editions(project_root: Path) -> list[StoredEdition]:
    """Every released edition, oldest first; [] without an editions folder. Bad records raise ProblemsFound
    with file, line and field."""
    raise NotImplementedError


def previous_edition(project_root: Path, current_label: str) -> StoredEdition | None:
    """The latest stored edition that is not the current one: the one "What changed" compares with."""
    raise NotImplementedError
