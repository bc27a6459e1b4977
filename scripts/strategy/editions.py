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
import hashlib
import re
import shutil
import unicodedata
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from .problems import Problem, ProblemsFound

EDITIONS_FOLDER = "editions"
RECORD_FILE = "edition.yml"
# Kept out of the stored docs: the assets belong to the pipeline (fingerprinted there), the generated
# chapters are output.
NOT_STORED_IN_DOCS = ("assets", "generated")
# What turns sources into bytes besides our own code: their versions are part of the pipeline fingerprint.
PIPELINE_PACKAGES = ("weasyprint", "pydyf", "fonttools", "mkdocs", "mkdocs-material", "Markdown",
                     "pymdown-extensions")


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
        """A project folder made of the stored sources (and the current docs/assets), ready for `build`.

        The editions released before this one come along under `into/editions/` (they never change), so
        that what the edition showed about its own predecessors ("What changed since …") is made again;
        this edition and the later ones do not. `into` must not exist yet or be empty."""
        into.mkdir(parents=True, exist_ok=True)
        if any(into.iterdir()):
            raise FileExistsError(f"{into} is not empty")
        for source in stored_files(self.folder):
            target = into / source.relative_to(self.folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        # A copy, not a link: a symlinked folder in docs/ is refused by every build (project.docs_problems).
        assets = current_project_root / "docs" / "assets"
        if assets.is_dir():
            shutil.copytree(assets, into / "docs" / "assets")
        for earlier in stored_editions(current_project_root):
            if earlier.record.number < self.record.number:
                shutil.copytree(earlier.folder, into / EDITIONS_FOLDER / earlier.folder.name)
        return into


def edition_slug(label: str) -> str:
    """"Draft 1" -> "draft-1"."""
    plain = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "edition"


def stored_editions(project_root: Path) -> list[StoredEdition]:
    """Every released edition, oldest first; [] without an editions folder. Bad records raise ProblemsFound
    with file, line and field."""
    folder = project_root / EDITIONS_FOLDER
    if not folder.is_dir():
        return []
    found: list[StoredEdition] = []
    problems: list[Problem] = []
    for edition_folder in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            found.append(StoredEdition(read_record(edition_folder / RECORD_FILE, project_root), edition_folder))
        except ProblemsFound as bad:
            problems += bad.problems
    problems += _inconsistent(found, project_root)
    if problems:
        raise ProblemsFound(problems)
    return sorted(found, key=lambda e: e.record.number)


def previous_edition(project_root: Path, current_label: str) -> StoredEdition | None:
    """The latest stored edition that is not the current one: the one "What changed" compares with."""
    earlier = [e for e in stored_editions(project_root) if e.record.label != current_label]
    return earlier[-1] if earlier else None


def read_record(path: Path, project_root: Path) -> EditionRecord:
    """One edition.yml, validated; its problems with file, line and field."""
    from .inputs.loading import _Reader  # the loader's reader: lines of values, pydantic errors as problems

    reader = _Reader(path.parent, project_root)
    source = reader.yaml(path.name)
    record = None if source.problems else reader.one(source, EditionRecord, source.data)
    if reader.problems or record is None:
        raise ProblemsFound(reader.problems)
    return record


def _inconsistent(editions: list[StoredEdition], project_root: Path) -> list[Problem]:
    """A record must sit in the folder of its slug, and numbers and labels are each used once."""
    problems = []
    seen_numbers: dict[int, str] = {}
    seen_labels: dict[str, str] = {}
    for edition in editions:
        file = _shown(edition.folder / RECORD_FILE, project_root)
        record = edition.record
        if record.slug != edition.folder.name:
            problems.append(Problem(file, None, "slug", f"'{edition.folder.name}', the name of its folder",
                                    f"'{record.slug}'"))
        for seen, key, field in ((seen_numbers, record.number, "number"), (seen_labels, record.label, "label")):
            if key in seen:
                problems.append(Problem(file, None, field, f"a {field} no other edition has",
                                        f"'{key}', as in {seen[key]}"))
            seen[key] = file
    return problems


def _shown(path: Path, root: Path) -> str:
    from .problems import display_path

    return display_path(path, root)


# --- what is stored, and fingerprints ---------------------------------------------------------------------


def source_files(project_root: Path, inputs_folder: str) -> list[Path]:
    """The sources of the current edition, as `strategy release` stores them: strategy.yml, mkdocs.yml, the
    files of docs/ but assets/ and generated/, and the inputs folder."""
    from .project import MKDOCS_YML, PUBLICATION_YML

    files = [project_root / PUBLICATION_YML, project_root / MKDOCS_YML]
    docs = project_root / "docs"
    files += [p for p in _files_under(docs)
              if p.relative_to(docs).parts[0] not in NOT_STORED_IN_DOCS]
    files += _files_under(project_root / inputs_folder)
    return sorted(set(files))


def stored_files(edition_folder: Path) -> list[Path]:
    """The stored sources of an edition: every file of its folder but the record."""
    return [p for p in _files_under(edition_folder) if p != edition_folder / RECORD_FILE]


def _files_under(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def files_fingerprint(files: list[Path], base: Path) -> str:
    """"sha256:…" of every file's path (relative to `base`) and bytes: equal fingerprints, equal files."""
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.relative_to(base).as_posix()):
        name = path.relative_to(base).as_posix().encode("utf-8")
        content = path.read_bytes()
        # Lengths first, so that no two different sets of files can run together into the same stream.
        digest.update(b"%d:%s%d:" % (len(name), name, len(content)))
        digest.update(content)
    return f"sha256:{digest.hexdigest()}"


def sources_fingerprint(edition_folder: Path) -> str:
    """The fingerprint of an edition's stored sources (what EditionRecord.sources holds)."""
    return files_fingerprint(stored_files(edition_folder), edition_folder)


def file_fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as opened:
        for block in iter(lambda: opened.read(1 << 20), b""):
            digest.update(block)
    return f"sha256:{digest.hexdigest()}"


def pipeline_fingerprint(project_root: Path) -> str:
    """What turns sources into bytes: the files of the installed `strategy` package (code, CSS, templates),
    the project's docs/assets and the versions of the renderers. Unchanged, the same sources give the same
    bytes; changed, an earlier edition rebuilt may differ from what was released."""
    package = Path(__file__).resolve().parent
    assets = project_root / "docs" / "assets"
    digest = hashlib.sha256()
    digest.update(files_fingerprint(_files_under(package), package).encode())
    digest.update(files_fingerprint(_files_under(assets), assets).encode())
    for name, version in renderer_versions().items():
        digest.update(f"\n{name}=={version}".encode())
    return f"sha256:{digest.hexdigest()}"


def renderer_versions() -> dict[str, str]:
    """The versions of the libraries and of pandoc that the outputs depend on."""
    versions = {}
    for name in PIPELINE_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    import pypandoc

    versions["pandoc"] = pypandoc.get_pandoc_version()
    return versions
