"""The whole pipeline in order: check, chapters, site, PDF; outputs swapped in only at the end.

Everything is built in a fresh folder beside the output; the previous site
(with its PDF) is replaced only when every step has succeeded, so a failed
build leaves the last good outputs as they were.
"""

from __future__ import annotations

import calendar
import logging
import os
import resource
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .chapters import GENERATED_FOLDER, Audience, author_text, generate_chapters, write_chapters
from .files import replace_atomically
from .inputs.records import Publication
from .problems import Problem, ProblemsFound
from .project import FONT_CSS, MKDOCS_YML, Project, check
from .publish import document_outline, print_document, render_chapters, render_pdf
from .provenance import docx_places, input_labels, pdf_places, provenance_report, site_places
from .publish.docx import DocxMetadata, render_docx
from .publish.pdf import ARCHIVE, READING, PdfEdition, RenderedPdf

# Ceilings for one PDF render; the bundled example takes about 10 CPU seconds and 0.3 GiB.
RENDER_CPU_SECONDS = 600
RENDER_MEMORY_BYTES = 8 * 2**30


@dataclass(frozen=True)
class BuildResult:
    site: Path
    pdf: Path
    docx: Path
    provenance: Path
    seconds: float


Step = Callable[[str], None]


def write_generated_chapters(project: Project, audience: Audience) -> list[Path]:
    publication = project.publication()
    inputs = project.inputs(publication)
    chapters = generate_chapters(inputs, audience, author_text(project.docs))
    return write_chapters(chapters, project.docs / GENERATED_FOLDER)


def build(project: Project, audience: Audience = Audience.PARTNERS, step: Step = lambda _: None) -> BuildResult:
    """Check, write chapters, build the site and the PDF, then swap them in."""
    started = time.monotonic()
    step("Checking inputs")
    publication = project.publication()
    inputs = check(project, audience)

    step("Writing generated chapters")
    write_chapters(generate_chapters(inputs, audience, author_text(project.docs)), project.docs / GENERATED_FOLDER)

    step("Preparing the print edition")
    chapters, extensions = document_outline(project.mkdocs_yml)
    rendered = render_chapters(chapters, extensions, project.docs, inputs, audience, project.root)
    document = print_document(publication, rendered)

    project.work.mkdir(exist_ok=True)
    _recover(project)
    new_site = project.work / f"site.new-{os.getpid()}"
    try:
        step("Building the site")
        _build_site(project, new_site, audience, publication)
        step("Rendering the PDF (reading and archive editions, side by side) and the Word version")
        (project.work / "print.html").write_text(document, encoding="utf-8")
        labels = input_labels(inputs)
        docx = new_site / publication.docx_file
        pdfs = _render_editions(project, publication, document, {
            new_site / publication.pdf_file: READING,
            new_site / publication.archive_pdf_file: ARCHIVE,
        }, labels, while_waiting=lambda: render_docx(
            document, docx, DocxMetadata.of(publication), base_folder=project.docs,
            allowed_folders=project.asset_folders,
            source_date_epoch=_source_date_epoch(publication)))
        step("Checking that every input the audience may see is in every output")
        report = provenance_report(inputs, audience, {
            "site": site_places(new_site, labels),
            **{f"{edition.name} PDF": pdf_places(f"{edition.name} PDF", rendered.places)
               for edition, rendered in pdfs.items()},
            "Word version": docx_places("Word version", docx, labels),
        })
        if problems := report.problems():
            raise ProblemsFound(problems)
        step("Publishing the outputs")
        _swap_in(new_site, project.site, project.work)
        replace_atomically(project.reports / "provenance.md", report.as_markdown().encode("utf-8"))
        replace_atomically(project.reports / "provenance.json", report.as_json().encode("utf-8"))
    finally:
        _remove(new_site)
    return BuildResult(project.site, project.site / publication.pdf_file, project.site / publication.docx_file,
                       project.reports / "provenance.md",
                       time.monotonic() - started)


def _render_editions(project: Project, publication: Publication, document: str,
                     editions: dict[Path, PdfEdition], locate: dict[str, str],
                     while_waiting: Callable[[], None] = lambda: None) -> dict[PdfEdition, RenderedPdf]:
    """Each edition in its own process: two cores render two editions in the time of one. `while_waiting`
    runs here meanwhile (pandoc's Word export, a process of its own).

    WeasyPrint has no time limit of its own and pathological input can make it run for ever, so each
    worker gets a CPU-time and memory ceiling from the kernel (RLIMIT_CPU, RLIMIT_AS).
    """
    cpu_seconds = int(os.environ.get("STRATEGY_RENDER_CPU_SECONDS", RENDER_CPU_SECONDS))
    with ProcessPoolExecutor(max_workers=len(editions), initializer=_limit_worker,
                             initargs=(cpu_seconds, RENDER_MEMORY_BYTES)) as pool:
        jobs = [pool.submit(render_pdf, document, project.docs, project.docs / FONT_CSS, output,
                            project.asset_folders, edition,
                            not publication.edition.final, locate)
                for output, edition in editions.items()]
        while_waiting()
        rendered = {}
        for (output, edition), job in zip(editions.items(), jobs):
            try:
                rendered[edition] = job.result()
            except ProblemsFound:
                raise
            except BrokenProcessPool:
                raise ProblemsFound([Problem(".build/print.html", None, None,
                                             f"a {edition.name} edition rendered within {cpu_seconds} CPU seconds "
                                             f"and {RENDER_MEMORY_BYTES // 2**30} GiB",
                                             "a render that the limit stopped")]) from None
            except Exception as err:  # WeasyPrint's own failures: report them, never a traceback
                raise ProblemsFound([Problem(".build/print.html", None, None,
                                             f"a {edition.name} edition that WeasyPrint can render",
                                             f"{type(err).__name__}: {err}".rstrip(": "))]) from None
    return rendered


def _limit_worker(cpu_seconds: int, memory_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))


def _build_site(project: Project, site_dir: Path, audience: Audience, publication: Publication) -> None:
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, MkDocsException

    # Dates in the sitemap come from SOURCE_DATE_EPOCH when set: the edition date keeps builds repeatable.
    with _collect_warnings() as warnings, _environment(SOURCE_DATE_EPOCH=str(_source_date_epoch(publication))):
        try:
            config = load_config(str(project.mkdocs_yml), site_dir=str(site_dir), strict=True)
            config.plugins["strategy"].config["audience"] = audience.value
            mkdocs_build(config)
        except (Abort, MkDocsException) as err:
            details = [Problem(MKDOCS_YML, None, None, "a site build without warnings", w) for w in warnings]
            if not details:
                details = [Problem(MKDOCS_YML, None, None, "a site build without errors", str(err))]
            raise ProblemsFound(details) from None


def _source_date_epoch(publication: Publication) -> int:
    """The edition date at midnight UTC: every output is dated by it, whatever the machine's time zone."""
    return calendar.timegm(publication.edition.date.timetuple())


def _swap_in(new: Path, target: Path, work: Path) -> None:
    """Replace `target` by `new` with two renames, keeping the old until the new is in place."""
    old = work / f"site.old-{os.getpid()}"
    _remove(old)
    if target.exists():
        target.rename(old)
    new.rename(target)
    _remove(old)


def _recover(project: Project) -> None:
    """Tidy up after a build that was killed: restore the last site if it was mid-swap, drop half-built ones."""
    olds = sorted(project.work.glob("site.old-*"), key=lambda p: p.stat().st_mtime)
    if not project.site.exists() and olds:
        olds.pop().rename(project.site)
    for leftover in [*olds, *project.work.glob("site.new-*")]:
        _remove(leftover)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


@contextmanager
def _collect_warnings():
    """MkDocs reports through logging; keep its warnings to show them as problems."""
    collected: list[str] = []

    class Handler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            collected.append(record.getMessage())

    handler = Handler(level=logging.WARNING)
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    try:
        yield collected
    finally:
        logger.removeHandler(handler)


@contextmanager
def _environment(**values: str):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
