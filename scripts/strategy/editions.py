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
import os
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
        this edition and the later ones do not. The current docs/assets and theme (mkdocs.yml's custom_dir)
        come from the current project: they are the pipeline's, as the code is. `into` must not exist yet
        or be empty."""
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
        # The theme (mkdocs.yml's custom_dir, our own templates) belongs to the pipeline too.
        if (theme := theme_folder(into / "mkdocs.yml")) is not None:
            current_theme = current_project_root / theme
            package_theme = Path(__file__).resolve().parent / "website" / "theme"
            shutil.copytree(current_theme if current_theme.is_dir() else package_theme, into / theme)
        for earlier in stored_editions(current_project_root):
            if earlier.record.number < self.record.number:
                shutil.copytree(earlier.folder, into / EDITIONS_FOLDER / earlier.folder.name)
        return into


def theme_folder(mkdocs_yml: Path) -> str | None:
    """mkdocs.yml's `theme.custom_dir`, relative to the project (read by line: mkdocs.yml may hold tags that
    a safe YAML loader refuses)."""
    found = re.search(r"^\s+custom_dir:\s*['\"]?([^'\"#\s]+)", mkdocs_yml.read_text(encoding="utf-8"), re.M)
    if found is None or Path(found.group(1)).is_absolute() or ".." in Path(found.group(1)).parts:
        return None
    return found.group(1)


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


def files_fingerprint(files: list[Path], base: Path, *, vanished_ok: bool = False) -> str:
    """"sha256:…" of every file's path (relative to `base`) and bytes: equal fingerprints, equal files.

    `vanished_ok`: a file that cannot be read (missing, or removed while an editor saves it under `mkdocs
    serve`) counts as such instead of stopping; a fingerprint of files that all exist is the same either way."""
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.relative_to(base).as_posix()):
        name = path.relative_to(base).as_posix().encode("utf-8")
        try:
            content = path.read_bytes()
        except OSError:
            if not vanished_ok:
                raise
            digest.update(b"%d:%s-:" % (len(name), name))  # no length: no file's bytes can look like this
            continue
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
    the project's docs/assets and theme (mkdocs.yml's custom_dir) and the versions of the renderers.
    Unchanged, the same sources give the same bytes; changed, an earlier edition rebuilt may differ from what
    was released."""
    package = Path(__file__).resolve().parent
    assets = project_root / "docs" / "assets"
    digest = hashlib.sha256()
    digest.update(files_fingerprint(_files_under(package), package).encode())
    digest.update(files_fingerprint(_files_under(assets), assets).encode())
    mkdocs_yml = project_root / "mkdocs.yml"
    if mkdocs_yml.is_file() and (theme := theme_folder(mkdocs_yml)) is not None:  # the project's copy of it
        digest.update(files_fingerprint(_files_under(project_root / theme), project_root / theme).encode())
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


# --- strategy release ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Release:
    """What `strategy release` did."""

    record: EditionRecord
    folder: Path  # editions/<slug>
    next_label: str
    next_date: dt.date
    git_checked: str | None  # why the tree could not be checked for uncommitted changes; None when it was
    warnings: list[Problem]  # where strategy.yml and mkdocs.yml still name the released label, and the check's


def release(project_root: Path, next_label: str, next_date: dt.date, audience_name: str = "partners",
            step=lambda _: None, today: dt.date | None = None) -> Release:
    """Cut the current edition: refuse a dirty or invalid tree, build it, store its record and sources under
    editions/<slug>/, then move strategy.yml to the next edition. On any problem nothing is written."""
    from .audience import Audience
    from .build import build
    from .project import PUBLICATION_YML, Project

    project = Project(project_root)
    publication = project.publication()
    audience = Audience(audience_name)
    label, slug = publication.edition.label, edition_slug(publication.edition.label)
    strategy_text = (project_root / PUBLICATION_YML).read_text(encoding="utf-8")
    moved = moved_to_next(strategy_text, next_label, next_date)  # before anything: a file it cannot edit stops here
    step("Checking the tree and the edition")
    not_checked, dirty = uncommitted_sources(project_root, publication.inputs_folder)
    problems = dirty + label_problems(project_root, strategy_text, label, next_label)
    try:
        inputs_warnings = release_check(project, audience)
    except ProblemsFound as found:
        problems += found.problems
    if problems:
        raise ProblemsFound(problems)

    editions = project_root / EDITIONS_FOLDER
    editions.mkdir(exist_ok=True)
    staging = editions / f".{slug}.new-{os.getpid()}"
    try:
        # The sources are copied before the build, and compared after it: an edit made while it ran would
        # otherwise be stored as sources of outputs that did not come from it.
        files = source_files(project_root, publication.inputs_folder)
        for source in files:
            target = staging / source.relative_to(project_root)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        sources = sources_fingerprint(staging)
        step(f"Building {label}")
        built = build(project, audience, step, release=True)  # the archive edition too: it is recorded
        if files_fingerprint(source_files(project_root, publication.inputs_folder), project_root) != sources:
            raise ProblemsFound([Problem(PUBLICATION_YML, None, None, "sources left as they were during the "
                                         "release's build", "a file of strategy.yml, mkdocs.yml, docs/ or the "
                                         "inputs changed while it ran: release again")])
        record = EditionRecord(
            label=label, slug=slug, number=1 + max((e.record.number for e in stored_editions(project_root)),
                                                   default=0),
            date=publication.edition.date, released=today or dt.date.today(), final=publication.edition.final,
            audience=audience.value, sources=sources, pipeline=pipeline_fingerprint(project_root),
            outputs={p.name: file_fingerprint(p) for p in released_outputs(built.site, publication)})
        (staging / RECORD_FILE).write_text(record_yaml(record), encoding="utf-8")
        staging.rename(editions / slug)  # fails if the folder appeared meanwhile: an edition is never rewritten
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    from .files import replace_atomically

    replace_atomically(project_root / PUBLICATION_YML, moved.encode("utf-8"))
    return Release(record, editions / slug, next_label, next_date, not_checked,
                   old_label_mentions(project_root, label) + inputs_warnings)


def released_outputs(site: Path, publication) -> list[Path]:
    """The files whose bytes a release records: the PDF, its archive edition and the Word version."""
    return [site / publication.pdf_file, site / publication.archive_pdf_file, site / publication.docx_file]


def record_yaml(record: EditionRecord) -> str:
    import yaml

    head = (f"# {record.label}, released with `strategy release`: never edit this folder (an edition is never "
            "rewritten).\n")
    return head + yaml.safe_dump(record.model_dump(), sort_keys=False, allow_unicode=True, width=1000)


def release_check(project, audience) -> list[Problem]:
    """`strategy check`, and what a final edition refuses: placeholders, illustrative records, headline figures
    typed by hand, an example address for comments. A release is kept for good, as a final edition is.
    Returns the warnings that remain."""
    import dataclasses

    from .facts import comments_address_problems, fact_problems
    from .project import check

    inputs = check(project, audience)
    publication = project.publication()
    as_final = publication.model_copy(update={"edition": publication.edition.model_copy(update={"final": True})})
    refused = fact_problems(project.root, as_final, inputs.headline) + \
        comments_address_problems(project.root, as_final, audience)
    refused = [dataclasses.replace(p, expected=p.expected.replace(
        "this is a final edition (edition.final: true)",
        "`strategy release` refuses it, as a final edition does")
    ) for p in refused if p.severity == "error"]
    if refused:
        raise ProblemsFound(refused)
    return inputs.warnings


def label_problems(project_root: Path, strategy_text: str, label: str, next_label: str) -> list[Problem]:
    """The current label must not be released yet, and the next one must be new."""
    from .project import PUBLICATION_YML

    released = {e.record.label: e for e in stored_editions(project_root)}
    released_slugs = {e.record.slug: e for e in released.values()}
    line = _value_line(strategy_text, ("edition", "label"))
    problems = []
    if label in released or edition_slug(label) in released_slugs:
        earlier = released.get(label) or released_slugs[edition_slug(label)]
        problems.append(Problem(PUBLICATION_YML, line, "edition.label",
                                "the label of an edition not released yet: an edition is never rewritten, so set "
                                "strategy.yml to the next edition's label",
                                f"'{label}', released on {earlier.record.released.isoformat()} "
                                f"({EDITIONS_FOLDER}/{earlier.folder.name})"))
    if not next_label.strip():
        problems.append(Problem("--next", None, None, "the label of the next edition (\"Draft 2\")", "nothing"))
    elif next_label == label or edition_slug(next_label) == edition_slug(label):
        problems.append(Problem("--next", None, None, "a label other than the edition being released",
                                f"'{next_label}'"))
    elif next_label in released or edition_slug(next_label) in released_slugs:
        problems.append(Problem("--next", None, None, "a label no edition was released under",
                                f"'{next_label}', released already"))
    return problems


def uncommitted_sources(project_root: Path, inputs_folder: str) -> tuple[str | None, list[Problem]]:
    """(why the tree could not be checked, or None; a problem for each source with uncommitted changes).

    Only the sources count (strategy.yml, mkdocs.yml, docs/ but docs/generated, the inputs folder): the
    editions history and the outputs may differ from the last commit."""
    import subprocess

    git = shutil.which("git")
    if git is None:
        return "git was not found, so uncommitted changes could not be looked for", []
    top = subprocess.run([git, "-C", str(project_root), "rev-parse", "--show-toplevel"], capture_output=True,
                         text=True)
    if top.returncode != 0:
        said = (top.stderr.strip().splitlines() or [""])[0]
        if "not a git repository" in said:
            return "the project is not in a git repository, so uncommitted changes could not be looked for", []
        return f"git could not read the repository ({said}), so uncommitted changes could not be looked for", []
    status = subprocess.run(
        [git, "-C", str(project_root), "status", "--porcelain=v1", "-z", "--untracked-files=all", "--",
         "strategy.yml", "mkdocs.yml", "docs", inputs_folder, ":(exclude)docs/generated"],
        capture_output=True, check=True)
    top_level = Path(top.stdout.strip())
    problems = []
    entries = status.stdout.decode("utf-8", "surrogateescape").split("\0")
    index = 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if len(entry) < 4:
            continue
        code, path = entry[:2], entry[3:]
        if "R" in code or "C" in code:
            index += 1  # a rename or copy: its former path follows
        state = "not in git (untracked)" if code == "??" else "changes not committed" if code[1] != " " \
            else "changes staged but not committed"
        shown = os.path.relpath(top_level / path, project_root)
        problems.append(Problem(Path(shown).as_posix(), None, None, "no uncommitted change in the edition's sources: "
                                "commit them first, so that the release is the repository's", state))
    return None, problems


def old_label_mentions(project_root: Path, label: str) -> list[Problem]:
    """Warnings for every line of strategy.yml and mkdocs.yml that still names the released edition (the
    citation "Draft 1.", a copyright line)."""
    from .problems import warning
    from .project import MKDOCS_YML, PUBLICATION_YML

    pattern = re.compile(rf"(?<!\w){re.escape(label)}(?!\w)")
    found = []
    for name in (PUBLICATION_YML, MKDOCS_YML):
        path = project_root / name
        if not path.is_file():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if pattern.search(line):
                found.append(warning(name, number, None, "the next edition's words: this line still names the "
                                     f"edition just released, '{label}'", line.strip()))
    return found


# --- moving strategy.yml to the next edition, comments and layout kept -----------------------------------


def moved_to_next(strategy_text: str, next_label: str, next_date: dt.date) -> str:
    """strategy.yml with edition.label and edition.date set to the next edition's, and nothing else changed:
    both values are replaced where the YAML parser found them, so comments and layout stay."""
    import yaml

    from .project import PUBLICATION_YML

    root = yaml.compose(strategy_text, Loader=yaml.SafeLoader)
    edits = []
    for key, value in (("label", _yaml_text(next_label)), ("date", next_date.isoformat())):
        node = _value_node(root, ("edition", key))
        if node is None or not isinstance(node, yaml.ScalarNode):
            raise ProblemsFound([Problem(PUBLICATION_YML, None, f"edition.{key}", "a value on one line that "
                                         "`strategy release` can replace", "none")])
        edits.append((node.start_mark.index, node.end_mark.index, value))
    moved = strategy_text
    for start, end, value in sorted(edits, reverse=True):
        moved = moved[:start] + value + moved[end:]
    before, after = yaml.safe_load(strategy_text), yaml.safe_load(moved)
    before["edition"].update(label=next_label, date=next_date)
    if before != after:  # a layout this replacement does not understand: better to stop than to guess
        raise ProblemsFound([Problem(PUBLICATION_YML, None, "edition", "an edition whose label and date "
                                     "`strategy release` can replace", "a layout it cannot edit safely")])
    return moved


def _yaml_text(value: str) -> str:
    """A label as YAML reads it back: plain when it can be, else double-quoted (JSON is valid YAML)."""
    import json

    import yaml

    try:
        plain_ok = yaml.safe_load(value) == value and value == value.strip() and "#" not in value \
            and ": " not in value
    except yaml.YAMLError:
        plain_ok = False
    return value if plain_ok else json.dumps(value, ensure_ascii=False)


def _value_node(root, path: tuple[str, ...]):
    import yaml

    node = root
    for key in path:
        if not isinstance(node, yaml.MappingNode):
            return None
        node = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)
    return node


def _value_line(text: str, path: tuple[str, ...]) -> int | None:
    import yaml

    try:
        node = _value_node(yaml.compose(text, Loader=yaml.SafeLoader), path)
    except yaml.YAMLError:
        return None
    return node.start_mark.line + 1 if node is not None else None
