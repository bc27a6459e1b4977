"""Where things are in a strategy repository, and the check every command starts with.

Kept apart from `build` so that `strategy check` imports no renderer: it only reads and validates.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .alongside import Alongside
from .audience import Audience
from .facts import comments_address_problems, fact_problems, file_scans
from .inputs import StrategyInputs, load_inputs, load_publication
from .inputs.ahead import AfterReading
from .inputs.records import Publication
from .inputs.sources import ParsedFiles
from .problems import Problem, ProblemsFound

MKDOCS_YML = "mkdocs.yml"
PUBLICATION_YML = "strategy.yml"
FONT_CSS = "assets/stylesheets/fonts.css"  # inside docs/: the shipped fonts, for the PDF and the glyph check
# From this many partner inputs on, the later checks run alongside the first ones (alongside.py): below it,
# forking a second process saves nothing (as ahead.MIN_FILES for reading the inputs).
SHARED_FROM = 500


@dataclass(frozen=True)
class Project:
    """Where things are in a strategy repository."""

    root: Path

    def __post_init__(self) -> None:
        # Absolute from the start: MkDocs resolves paths against mkdocs.yml's folder and the renderers run in
        # other folders, so a relative root (`--project proj`) named files that were not there.
        object.__setattr__(self, "root", self.root.absolute())

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
        """What the PDF and Word renderers may read of the project: its assets. Each build adds its own
        private folder (where it draws the charts); `docs/generated`, which any command may have written,
        is never among them."""
        return [self.docs / "assets"]

    @property
    def work(self) -> Path:
        """Where builds work: each in a private folder of its own (`.build/build-*`), one at a time (`lock`)."""
        return self.root / ".build"

    @property
    def reports(self) -> Path:
        """What a build tells its authors and does not publish: the provenance report."""
        return self.root / "reports"

    def author_pages(self) -> list[Path]:
        """The hand-written pages: every Markdown file in docs/ outside the generated folder."""
        generated = self.docs / "generated"  # chapters.GENERATED_FOLDER; `check` imports no chapter module
        return sorted(p for p in self.docs.rglob("*.md")
                      if not p.is_relative_to(generated) and p.is_file() and not p.is_symlink())

    def publication(self) -> Publication:
        return load_publication(self.root / PUBLICATION_YML, self.root)

    def inputs(self, publication: Publication) -> StrategyInputs:
        return load_inputs(self.root / publication.inputs_folder, self.root)


def check(project: Project, audience: Audience = Audience.PARTNERS,
          read: Callable[[StrategyInputs], object] = lambda _: None, *, alongside: bool = False) -> StrategyInputs:
    """Validate strategy.yml and every input; raise ProblemsFound with all problems.

    Consent is checked for the audience: a name it keeps out in a field the team wrote is a problem, one in
    partner text a warning (`inputs.warnings`). `read` is given the inputs as soon as they are read and
    valid each on its own, before the checks across them and the pages (the build starts drawing the charts
    then); it is not called when reading them finds a problem.

    `alongside`: a large project is checked by two processes, on two cores (inputs/ahead.py, alongside.py),
    where this process may fork (see can_fork): for `strategy check`, which has the machine to itself; a
    build's second core draws the charts meanwhile. The answer is the same either way.
    """
    with _no_cycle_collection():
        return _check(project, audience, read, alongside)


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's collector of reference cycles paused: a check allocates millions of small objects (every
    value of every input, and the records made of them), which make the collector run again and again over
    all of them, a fifth of checking ten thousand inputs; what they hold is freed by reference counting. The
    collector runs again as before afterwards."""
    import gc

    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _check(project: Project, audience: Audience, read: Callable[[StrategyInputs], object],
           alongside: bool) -> StrategyInputs:
    problems: list[Problem] = []
    publication = None
    try:
        publication = project.publication()
    except ProblemsFound as found:
        problems += found.problems
    folder = project.root / (publication.inputs_folder if publication else "inputs")
    parsed = ParsedFiles(project.work)  # kept below, while a second process may work alongside
    # The facts check's reading of the files, by the process that reads the partner inputs ahead, if one does,
    # once it has read them (its answer is taken by the facts check, below).
    scans = AfterReading(lambda texts: file_scans(project.root, folder, texts)) if alongside else None
    try:
        return _checked(project, audience, read, publication, folder, parsed, scans, problems)
    finally:
        if scans:
            scans.close()


def _checked(project: Project, audience: Audience, read: Callable[[StrategyInputs], object],
             publication: Publication | None, folder: Path, parsed: ParsedFiles, scans: AfterReading | None,
             problems: list[Problem]) -> StrategyInputs:
    try:
        inputs = load_inputs(folder, project.root, parsed, scans)
    except ProblemsFound as found:
        problems += found.problems
    problems += docs_problems(project, folder)
    from .editions import stored_editions

    try:  # the editions history: what every build rebuilds and compares with
        stored_editions(project.root)
    except ProblemsFound as found:
        problems += found.problems
    if problems:
        parsed.save()
        raise ProblemsFound(problems)
    read(inputs)
    here, aside = _checks_across(project, inputs, publication, audience, folder, scans)
    # A large project's later checks run alongside the first ones, in a second process (alongside.py), on a
    # second core, while this one keeps the inputs as parsed and runs the first checks.
    worker = Alongside.start(aside) if scans and len(inputs.partner_inputs) >= SHARED_FROM else None
    try:
        parsed.save()
        found = [problem for step in here for problem in step()]
        found += worker.results() if worker else [problem for step in aside for problem in step()]
    finally:
        if worker:
            worker.stop()
    inputs.warnings.extend(p for p in found if p.severity == "warning")
    if errors := [p for p in found if p.severity == "error"]:
        raise ProblemsFound(errors)
    return inputs


def _checks_across(project: Project, inputs: StrategyInputs, publication: Publication, audience: Audience,
                   folder: Path, scans: AfterReading | None = None
                   ) -> tuple[list[Callable[[], list[Problem]]], list[Callable[[], list[Problem]]]]:
    """The checks across inputs and pages, in the order their problems are reported: those that run here
    first, then those that may run alongside (each a function of no arguments). Split where both take about as
    long on a first check of ten thousand inputs (the acronyms' alone as long as the first five), with keeping
    the parsed inputs here. The facts check is one of the first: it takes its reading of the files from the
    process that read the inputs ahead (`scans`), whose answer comes to this process only."""
    from .chapters.macros import page_macro_problems
    from .consent import consent_problems, pages_problems
    from .glyphs import uncovered_characters

    def acronyms() -> list[Problem]:
        from .acronyms import acronym_problems

        return acronym_problems(project.root, folder, inputs, publication, audience, project.author_pages())

    def captions() -> list[Problem]:
        from .acronyms import published_pages
        from .captions import uncaptioned_tables

        return uncaptioned_tables(project.root, publication, published_pages(project.root, project.author_pages()))

    def facts() -> list[Problem]:
        return fact_problems(project.root, publication, inputs.headline, inputs.texts,
                             scans.answer() if scans else None)

    def comments() -> list[Problem]:
        return comments_address_problems(project.root, publication, audience)

    def feedback() -> list[Problem]:
        from .feedback import check_feedback

        return check_feedback(project, inputs, publication.edition.label)

    here = [lambda: consent_problems(inputs, audience, project.root, publication),
            lambda: pages_problems([project.mkdocs_yml, *project.author_pages()], inputs, audience, project.root),
            lambda: uncovered_characters(inputs, project.root, project.docs / FONT_CSS, project.work),
            lambda: page_macro_problems(project.author_pages(), project.docs, inputs, audience, project.root), facts]
    return here, [comments, feedback, acronyms, captions]


def docs_problems(project: Project, inputs_folder: Path | None = None) -> list[Problem]:
    """What in `docs/` the site may not publish: every file there is copied into the site as it is.

    A symlink must lead to a regular file inside the project, and not into the inputs (consent decides what
    of them is shown) or the outputs; a symlinked folder, a FIFO, a device or a socket is refused too (MkDocs
    would follow a folder link round a loop, and reading a FIFO never ends). Nothing is followed or read.
    """
    # realpath, not resolve(): a symlink loop (an inputs folder linking to itself) is reported elsewhere, and
    # must not raise here.
    root = Path(os.path.realpath(project.root))
    off_limits = [Path(os.path.realpath(p)) for p in (inputs_folder or project.root / "inputs", project.site,
                                                       project.work, project.reports)]
    problems: list[Problem] = []
    pending = [project.docs] if os.path.lexists(project.docs) else []  # no docs/: MkDocs names it itself
    while pending:
        folder = pending.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as err:
            problems.append(Problem(_shown_path(Path(folder), project.root), None, None, "a folder that can be read",
                                    err.strerror or type(err).__name__))
            continue
        for entry in entries:
            path = Path(entry.path)
            if entry.is_symlink():
                if found := _bad_link(path, root, off_limits):
                    problems.append(Problem(_shown_path(path, project.root), None, None,
                                            "a symlink to a regular file inside the project", found))
            elif entry.is_dir(follow_symlinks=False):
                pending.append(path)
            elif not entry.is_file(follow_symlinks=False):
                problems.append(Problem(_shown_path(path, project.root), None, None, "a regular file or a folder",
                                        _kind(entry.stat(follow_symlinks=False).st_mode)))
    return problems


def _bad_link(link: Path, root: Path, off_limits: list[Path]) -> str | None:
    """Why the site may not publish what `link` leads to; None when it may."""
    target = Path(os.path.realpath(link))  # never raises: a loop or a missing target stays unresolved
    try:
        mode = os.stat(link).st_mode
    except OSError as err:
        return f"a symlink to {os.readlink(link)} ({err.strerror.lower() if err.strerror else 'unreadable'})"
    if not target.is_relative_to(root):
        return f"a symlink to {target}, outside the project"
    if not stat.S_ISREG(mode):
        return f"a symlink to {target.relative_to(root).as_posix()}, {_kind(mode)}"
    if any(target.is_relative_to(folder) for folder in off_limits) or any(
            part.startswith(".") for part in target.relative_to(root).parts):
        return f"a symlink to {target.relative_to(root).as_posix()}, which the site may not publish"
    return None


def _kind(mode: int) -> str:
    kinds = [(stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")]
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def _shown_path(path: Path, root: Path) -> str:
    """The path of an entry itself (never of what a symlink leads to), relative to the project."""
    return Path(os.path.relpath(path, root)).as_posix()
