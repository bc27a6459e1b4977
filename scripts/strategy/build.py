"""The whole pipeline in order: check, chapters, site, PDF; outputs swapped in only at the end.

Each build works in a private folder of its own (`.build/build-*`), one build at a time per project (a lock
on `.build/lock`; a second build waits for the first and says so). The chapters are made in memory and
handed to the site and to the print edition; nothing a build reads was left on disk by another command,
so a partners build can never pick up chapters written for an internal one. The new site replaces the old
in one atomic step (an exchange rename), so `site/` is whole at every instant, and only when every step
has succeeded: a failed or killed build leaves the last good outputs as they were. The private folder,
with whatever the audience may not see, is removed at the end.

A draft build (`strategy build`) makes what reviewers need: the site, the reading edition of the PDF, the Word
version, the slides (and the tracked-changes Word copy when there is a previous edition). A release build
(`strategy build --release`, and `strategy release`; earlier editions are rebuilt as release builds) makes the
archive edition (PDF/A-3a) as well: the reading edition's bytes are the same in both.

The order keeps both cores at work: the render workers are forked first. While this process checks the
inputs and then renders for print the pages that show no chart, they draw the charts' SVGs as soon as the
inputs are read (the chapters wait for those alone), unpack the fonts, draw the charts' PNGs (for Word, the
slides and the site's files) and import WeasyPrint. The PDF starts as soon as the print HTML is made, and
the site, the Word version and the slides are made meanwhile (each of those from
the render cache when what decides its bytes is unchanged: after an edit to a partner input the slides, which
do not show it, are reused).
"""

from __future__ import annotations

import calendar
import hashlib
import io
import ctypes
import dataclasses
import errno
import gc
import logging
import os
import re
import resource
import shutil
import tarfile
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .chapters import (GENERATED_FOLDER, Audience, Chapter, author_text, chapters_without_charts, chart_pngs,
                       generate_chapters, write_chapters)
from .chapters.charts import CHARTS_FOLDER, drawing_only
from .chapters.partner_markdown import IMAGES_FOLDER
from .changes import NOT_COMPARED, edition_chapters, edition_changes, with_answers
from .edition_builds import add_earlier_editions
from . import cache, lock
from .cache import Entry, RenderCache, fetch_results, folders_fingerprint, keep_results, render_key, versions
from .feedback import edition_outline
from .files import replace_atomically
from .inputs import StrategyInputs
from .inputs.records import Publication
from .problems import Problem, ProblemsFound
from .redline import Redline
from .editions import EDITIONS_FOLDER
from .project import FONT_CSS, MKDOCS_YML, PUBLICATION_YML, Project, check
from .publish import document_outline, print_document, render_chapters, render_pdf
from .checks.provenance import (Place, docx_places, feedback_labels, feedback_provenance, input_labels, pdf_places,
                         provenance_report, site_places)
from .publish.docx import DocxMetadata, render_docx
from .publish.tracked_docx import render_tracked_docx, tracked_docx_file_name
from .publish.pdf import ARCHIVE, READING, PdfEdition, PdfPlace, RenderedPdf, import_renderer
from .publish import parts
from .publish.print_fonts import OUTPUT as PRINT_FONTS, write_print_fonts
from .publish.slides import FONTS_FOLDER, SLIDES_PAGE, make_deck, pptx_file_name, read_way_forward, write_slides

# Ceilings for one PDF render; the bundled example takes about 10 CPU seconds and 0.3 GiB.
RENDER_CPU_SECONDS = 600
RENDER_MEMORY_BYTES = 8 * 2**30
PRIVATE_PREFIX = "build-"


@dataclass(frozen=True)
class BuildResult:
    site: Path
    pdf: Path
    docx: Path
    provenance: Path
    seconds: float
    warnings: list[Problem]  # from the check: what the author should look at, which did not stop the build
    slides: Path | None = None  # the meeting's slides (PPTX), beside the PDF
    changes: Path | None = None  # "What changed since …", when an earlier edition is stored
    tracked_docx: Path | None = None  # the Word version with what changed as tracked changes
    archive_pdf: Path | None = None  # the archive edition (PDF/A-3a): made by a release build only
    # What this build rendered and what it copied from the render cache (cache.py), by output: "reading PDF",
    # "archive PDF", "Word version", "tracked Word version", "slides", "chart results-targets.svg"...
    rendered: tuple[str, ...] = ()
    reused: tuple[str, ...] = ()


Step = Callable[[str], None]


def write_generated_chapters(project: Project, audience: Audience) -> list[Path]:
    """`strategy chapters`: the chapters in docs/generated, and the whole site as plain files in .build/plain
    (website/plain.py), for generators other than ours (no build reads them). Checked as a build checks."""
    from .website.plain import write_plain_source

    publication = project.publication()
    inputs = check(project, audience)
    chapters, changes = edition_chapters(project, publication, inputs, audience)
    write_plain_source(project, publication, inputs, audience, chapters, changes.redline)
    return write_chapters(chapters, project.docs / GENERATED_FOLDER)


def build(project: Project, audience: Audience = Audience.PARTNERS, step: Step = lambda _: None,
          earlier_edition: bool = False, release: bool = False) -> BuildResult:
    """Check, make the chapters, build the site and the PDF, then swap them in; one build at a time.
    `release`: the archive edition (PDF/A-3a) too, as `strategy release` and `strategy build --release` make
    it; a draft build leaves it out (reviewers read the reading edition; the archive is a second full render).
    `earlier_edition`: the build of a stored edition (edition_builds.py), which rebuilds no earlier edition."""
    started = time.monotonic()
    with lock.build_lock(project.work, step):
        _recover(project)
        private = Path(tempfile.mkdtemp(prefix=PRIVATE_PREFIX, dir=project.work))
        try:
            with cache.using(RenderCache.of_project(project.work, audience.value)) as renders:
                result = _build_in(private, project, audience, step, earlier_edition, release)
            renders.prune()
        finally:
            _remove(private)
    return dataclasses.replace(result, seconds=time.monotonic() - started, rendered=tuple(renders.rendered),
                               reused=tuple(renders.reused))


def _build_in(private: Path, project: Project, audience: Audience, step: Step,
              earlier_edition: bool = False, release: bool = False) -> BuildResult:
    """The build itself, with everything it writes (but the outputs it swaps in) inside `private`."""
    step("Checking inputs")
    publication = project.publication()
    # The render workers, forked first, from this thread (before the build starts threads of its own), so
    # that the second core works from the start: they unpack the fonts while this process checks the inputs,
    # draw the charts as soon as the inputs are read (while the check goes on: a failed check throws them
    # away), then render the PDF's parts while this process builds the site, the Word version and the slides.
    limits = _render_limits(_source_date_epoch(publication))
    with ProcessPoolExecutor(max_workers=parts.workers(), initializer=_limit_worker, initargs=limits) as workers, \
            ThreadPoolExecutor(max_workers=1) as fonts_thread:
        workers.submit(int).result()  # the workers exist now: forked before the fonts' thread starts
        renders = _renders()
        fonts = fonts_thread.submit(_print_fonts, project, private / "print-fonts", renders, workers)
        charts: list[Future] = []  # the job that draws the charts' SVGs, then the one that draws their PNGs
        try:
            inputs = check(project, audience,
                           read=lambda read: charts.extend(_draw_charts(workers, read, audience, renders)))
        except BaseException:  # the check failed: the fonts and charts not yet started are not wanted
            workers.shutdown(wait=False, cancel_futures=True)
            raise
        return _build_checked(private, project, publication, inputs, audience, workers, fonts, step,
                              earlier_edition, release, charts)


def _build_checked(private: Path, project: Project, publication: Publication, inputs: StrategyInputs,
                   audience: Audience, workers: ProcessPoolExecutor, print_fonts: Future, step: Step,
                   earlier_edition: bool, release: bool, charts: list[Future]) -> BuildResult:
    """The build after the check, with its render workers, the fonts for print (`print_fonts`: their
    stylesheet's path, once unpacked; the PDF is the first to need them) and the jobs drawing the charts
    (_draw_charts: their SVGs, then their PNGs)."""
    renders = _renders()
    outline, extensions = document_outline(project.mkdocs_yml)
    compared_outline = [c for c in outline if c.path not in NOT_COMPARED]
    _pages_for_print(compared_outline, extensions, project, inputs, audience)  # while the SVGs are drawn
    _charts_drawn(charts[:1], renders)

    step("Making the generated chapters")
    with drawing_only("svg"):  # the PNGs are for the Word version, the slides and the site's files: added below
        chapters = generate_chapters(inputs, audience, author_text(project.author_pages()),
                                     edition_outline(project, publication.edition.label))
    if reused_charts := [name for name in renders.reused if name.startswith("chart ") and name.endswith(".svg")]:
        step(f"Reusing {len(reused_charts)} of the charts: the data they show is unchanged")
    # The renderers read images relative to the docs folder; this build's view of it holds its own charts
    # and the images of the partner inputs it shows under generated/, and the project's assets (a link to
    # docs/assets). docs/generated is not in it.
    view = private / "docs"
    write_chapters([c for c in chapters if c.file_name.startswith((f"{CHARTS_FOLDER}/", f"{IMAGES_FOLDER}/"))],
                   view / GENERATED_FOLDER)
    (view / "assets").symlink_to(os.path.relpath(project.docs / "assets", view))
    allowed_folders = [*project.asset_folders, view / GENERATED_FOLDER]

    step("Preparing the print edition")
    compared = render_chapters(compared_outline, extensions, project.docs, inputs, audience, project.root,
                               _texts(chapters))
    changes = edition_changes(project, publication, inputs, audience, lambda: compared, step)
    chapters = [*with_answers(chapters, project, publication, inputs, audience, changes.redline), changes.page]
    # The pages that the comparison does not cover, rendered now that they can be written.
    rest = render_chapters(outline, extensions, project.docs, inputs, audience, project.root, _texts(chapters),
                           only=NOT_COMPARED)
    rendered = _in_order(outline, compared + rest)
    document = print_document(publication, rendered, changes.changed_pages,
                              changes.redline.since if changes.redline else "")

    edition = publication.edition.label
    labels = {**input_labels(inputs), **feedback_labels(inputs, edition)}
    epoch = _source_date_epoch(publication)
    replace_atomically(project.work / "print.html", document.encode("utf-8"))

    # The PDF is the longest step: it starts first, and the site, the Word version and the slides are made
    # here while its parts render in worker processes. It is written beside the site, not in it (MkDocs
    # empties its site folder first), and moved in once both are made.
    new_site, rendered_pdfs = private / "site", private / "pdf"
    rendered_pdfs.mkdir()
    pdf_editions = {rendered_pdfs / publication.pdf_file: READING}
    if release:  # the archive edition is for the record: a release build's only
        pdf_editions[rendered_pdfs / publication.archive_pdf_file] = ARCHIVE
    alongside = _Alongside(project, audience, publication, inputs, chapters, changes.redline, document, new_site,
                           view, allowed_folders, epoch, labels, step,
                           lambda: _chart_pngs(charts[1:], renders, inputs, audience))
    font_css = print_fonts.result()
    if PRINT_FONTS in renders.rendered:
        step("Converting the fonts from WOFF2 for print, once: later builds take them from the render cache")
    fonts = font_css.parent
    step(f"Rendering the PDF ({'reading and archive editions, side by side' if release else 'reading edition'}); "
         "meanwhile the site, the Word version and the slides")
    pdfs = _render_editions(view, [*allowed_folders, fonts], font_css, publication, document, pdf_editions,
                            labels, epoch, workers, while_waiting=alongside.make, step=step)
    workers.shutdown()  # their work is done: no idle process is kept while earlier editions are built
    for output in pdf_editions:
        output.rename(new_site / output.name)
    step("Checking that every input the audience may see is in every output")
    places = {
        "site": alongside.places["site"],
        **{f"{pdf_edition.name} PDF": pdf_places(f"{pdf_edition.name} PDF", rendered.places)
           for pdf_edition, rendered in pdfs.items()},
        "Word version": alongside.places["Word version"],
    }
    report = dataclasses.replace(provenance_report(inputs, audience, places),
                                 feedback=feedback_provenance(inputs, audience, edition, places))
    if problems := report.problems():
        raise ProblemsFound(problems)
    # Written beside the new site before either is swapped in: a full disk here changes no output.
    new_reports = private / "reports"
    new_reports.mkdir()
    (new_reports / "provenance.md").write_text(report.as_markdown(), encoding="utf-8")
    (new_reports / "provenance.json").write_text(report.as_json(), encoding="utf-8")
    if not earlier_edition:  # each stored edition into site/editions/<slug>/, from the cache when it can
        inputs.warnings.extend(add_earlier_editions(project.root, new_site, audience, edition, inputs, step))
    step("Publishing the outputs")
    _swap_in(new_site, project.site, private)
    _swap_in(new_reports, project.reports, private)
    tracked = tracked_docx_file_name(publication, changes.redline.since) if changes.redline else None
    return BuildResult(project.site, project.site / publication.pdf_file, project.site / publication.docx_file,
                       project.reports / "provenance.md", 0.0, inputs.warnings, project.site / alongside.slides.name,
                       project.site / GENERATED_FOLDER / "changes.html" if changes.redline else None,
                       project.site / tracked if tracked else None,
                       project.site / publication.archive_pdf_file if release else None)


def _print_fonts(project: Project, into: Path, renders: RenderCache, workers: ProcessPoolExecutor) -> Path:
    """The fonts for print (print_fonts.py), unpacked in a worker; then a job that imports WeasyPrint (about
    0.3 s) in that worker, rather than when the PDF's first part reaches it (the build's own process never
    imports it; the charts' worker gets such a job of its own, _draw_charts)."""
    font_css = write_print_fonts(project.docs / FONT_CSS, project.asset_folders, into, renders, project.root, workers)
    workers.submit(import_renderer)
    return font_css


def _draw_charts(workers: ProcessPoolExecutor, inputs: StrategyInputs, audience: Audience,
                 renders: RenderCache) -> list[Future]:
    """Start drawing the charts in the render workers, into the render cache, where making the chapters then
    finds them (a chart already there is only looked up): their SVGs, which the chapters wait for, in one job,
    and their PNGs, which only the Word version, the slides and the site's files need, in another, which the
    other worker takes once it has unpacked the fonts (Matplotlib loads in 0.2 s; drawing the PNGs takes half
    a second, which the chapters no longer wait for). Matplotlib is loaded there, not here. Then each worker
    imports WeasyPrint, in a job of its own that the build does not wait for."""
    jobs = [workers.submit(_draw_all_charts, inputs, audience, renders.folder, renders.audience, picture)
            for picture in ("svg", "png")]
    workers.submit(import_renderer)
    return jobs


def _draw_all_charts(inputs: StrategyInputs, audience: Audience, folder: Path, cache_audience: str,
                     picture: str) -> list[str]:
    """In a worker: the charts' pictures of one kind ("svg", "png") drawn into the render cache; the names
    of those it drew."""
    from .chapters.charts import results_charts, synthesis_charts
    from .consent import audience_view

    with cache.using(RenderCache(folder, cache_audience)) as drawn, drawing_only(picture):
        view = audience_view(inputs, audience)
        results_charts(view)
        synthesis_charts(view, audience)
    return list(drawn.rendered)


def _pages_for_print(outline: list, extensions: dict, project: Project, inputs: StrategyInputs,
                     audience: Audience) -> None:
    """Render for print, while the charts are drawn, the pages that show none: the author pages and the
    generated chapters without charts. print_html keeps each rendering under everything it is made from (the
    Markdown, the pages in print), and the print edition takes them from there. The other generated pages
    are named, empty: the links to them resolve as in the whole document."""
    ready = chapters_without_charts(inputs, audience)
    generated = {c.path: ready.get(c.path, "") for c in outline if c.path.startswith(f"{GENERATED_FOLDER}/")}
    try:
        render_chapters(outline, extensions, project.docs, inputs, audience, project.root, generated,
                        only={c.path for c in outline if generated.get(c.path, True)})
    except ProblemsFound:
        pass  # reported where the build renders every page, in the order it always has


def _chart_pngs(jobs: list[Future], renders: RenderCache, inputs: StrategyInputs, audience: Audience
                ) -> list[Chapter]:
    """The charts' PNG files, once the worker drawing them is done (drawn here if it failed)."""
    _charts_drawn(jobs, renders)
    return chart_pngs(inputs, audience)


def _charts_drawn(jobs: list[Future], renders: RenderCache) -> None:
    """Wait for the workers' charts, and count those they drew as this build's renders. A group that failed
    is left to the chapters, which draw what the cache lacks and report a failure as they always do."""
    for job in jobs:
        try:
            drawn = job.result()
        except Exception:  # drawn again in this process, where the failure is reported
            continue
        renders.rendered.update(dict.fromkeys(drawn))


@dataclass
class _Alongside:
    """What the build makes itself while the PDF renders in the worker processes: the site and, alongside it
    in a thread of its own (pandoc is a process of its own), the Word version and the tracked-changes Word
    copy; then the slides (each from the render cache when its key is known); and where the site and the Word
    version show each input (for the provenance check)."""

    project: Project
    audience: Audience
    publication: Publication
    inputs: StrategyInputs
    chapters: list[Chapter]
    redline: Redline | None
    document: str  # the print HTML
    site: Path  # the new site's folder
    view: Path  # this build's docs folder (images relative to it)
    allowed_folders: list[Path]
    epoch: int
    labels: dict[str, str]
    step: Step
    # The charts' PNGs, once drawn (the PDF does not wait for them): added to the chapters, and to the view
    # for the Word version.
    chart_pngs: Callable[[], list[Chapter]]
    places: dict[str, dict[str, list[Place]]] = dataclasses.field(default_factory=dict)  # by output

    @property
    def docx(self) -> Path:
        return self.site / self.publication.docx_file

    @property
    def word_folder(self) -> Path:
        """Where the Word versions are written while the site is built (MkDocs empties its site folder first)."""
        return self.site.parent / "word"

    @property
    def slides(self) -> Path:
        return self.site / pptx_file_name(self.publication)

    def make(self) -> None:
        renders = _renders()
        pngs = self.chart_pngs()
        write_chapters(pngs, self.view / GENERATED_FOLDER, others=True)  # the PDF reads the charts' SVGs there
        self.chapters = [*self.chapters, *pngs]
        self.word_folder.mkdir()
        with ThreadPoolExecutor(max_workers=1) as word_thread:
            word = word_thread.submit(self._word, renders)
            site_reused = self._site(renders)
            self.places["site"] = self._site_places(renders)
            reused = [*site_reused, *word.result(), *self._slides()]
        for made in sorted(self.word_folder.iterdir()):
            made.rename(self.site / made.name)
        if reused:
            self.step(f"Reusing {_and(reused)}: the HTML and the options they are made from are unchanged")
        self.places["Word version"] = docx_places("Word version", self.docx, self.labels)

    def _site_places(self, renders: RenderCache) -> dict[str, list[Place]]:
        """Where the site shows each input, each page read once for its text: the builds before's pages from
        the render cache (a store of its own: no output of the build)."""
        store, key = RenderCache(renders.folder, renders.audience), render_key(SITE_PLACES, self.audience.value)
        kept = fetch_results(store, SITE_PLACES, key)
        places = site_places(self.site, self.labels, kept)
        if kept.made:
            keep_results(store, SITE_PLACES, key, kept)
        return places

    def _site(self, renders: RenderCache) -> list[str]:
        """The site (MkDocs with the strategy plugin), or, when nothing it is made from changed, the folder the
        last build made, from the render cache (one tar); ["the site"] then. What it is made from: the project's
        sources that the site reads (mkdocs.yml, strategy.yml, docs/, the stored editions; the inputs by the
        fingerprint the check took as it read them, the partners' pictures by the chapters that hold them), the
        chapters this build made, the audience and the edition date (the sitemap's dates), the package's code
        (in every key) and the site's libraries."""
        from .website.site_sources import files_digest

        root = self.project.root
        sources = [self.project.mkdocs_yml, root / PUBLICATION_YML, self.project.docs, root / EDITIONS_FOLDER]
        inputs = self.inputs.fingerprint or files_digest([root / self.publication.inputs_folder], root)
        chapters = [(c.file_name, hashlib.sha256(c.image or c.markdown.encode("utf-8")).hexdigest())
                    for c in self.chapters]
        key = render_key("site", self.audience.value, self.epoch, files_digest(sources, root), inputs, chapters,
                         versions(*SITE_LIBRARIES))
        if (found := renders.fetch("site", key)) is not None and _unpacked(found.files["site.tar"], self.site):
            return ["the site"]
        self.step("Building the site")
        _build_site(self.project, self.site, self.audience, self.publication, self.inputs, self.chapters,
                    self.redline)
        renders.keep("site", key, Entry({"site.tar": _packed(self.site)}))
        return []

    def _word(self, renders: RenderCache) -> list[str]:
        """The Word version and its tracked-changes copy (pandoc), into word_folder; what of them came from
        the cache. `renders`: the build's render cache (this runs in a thread of its own)."""
        reused: list[str] = []
        docx = self.word_folder / self.docx.name
        metadata = DocxMetadata.of(self.publication)
        images = folders_fingerprint(self.allowed_folders)
        word_key = render_key("Word version", self.document, metadata, self.epoch, images, versions("pandoc"))
        if renders.reuse_or_render("Word version", word_key, {"docx": docx}, lambda: render_docx(
                self.document, docx, metadata, base_folder=self.view, allowed_folders=self.allowed_folders,
                source_date_epoch=self.epoch)):
            reused.append("the Word version")
        if self.redline is not None:  # the Word version again, with what changed as tracked changes
            tracked = self.word_folder / tracked_docx_file_name(self.publication, self.redline.since)
            author, date = self.publication.edition.label, self.publication.edition.date
            tracked_key = render_key("tracked Word version", word_key, self.redline, author, date.isoformat())
            if renders.reuse_or_render("tracked Word version", tracked_key, {"docx": tracked},
                                       lambda: render_tracked_docx(self.document, self.redline, tracked, metadata,
                                                                   author=author, date=date, base_folder=self.view,
                                                                   allowed_folders=self.allowed_folders,
                                                                   source_date_epoch=self.epoch)):
                reused.append("the tracked-changes Word copy")
        return reused

    def _slides(self) -> list[str]:
        """The meeting's slides and their page in the site; ["the slides"] when they came from the cache."""
        deck = make_deck(self.publication, self.inputs, self.audience, read_way_forward(self.project.docs))
        page, fonts = self.site / SLIDES_PAGE, self.project.docs / FONTS_FOLDER
        key = render_key("slides", deck, self.slides.name, self.epoch, folders_fingerprint([fonts]),
                         versions("pandoc"))
        if _renders().reuse_or_render("slides", key, {"pptx": self.slides, "page": page}, lambda: write_slides(
                deck, self.slides, page, f"../{self.slides.name}", fonts, self.epoch)):
            return ["the slides"]
        return []


SITE_PLACES = "site places"  # where the site shows each input, by page: a store in the render cache

# The libraries whose versions decide the site's bytes besides the package's own code.
SITE_LIBRARIES = ("mkdocs", "mkdocs-material", "markdown", "pymdown-extensions", "nh3", "jinja2", "matplotlib")


def _packed(folder: Path) -> bytes:
    """The folder as an uncompressed tar (a few megabytes: the site's HTML, search index, assets and charts)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(folder.iterdir()):
            tar.add(str(path), arcname=path.name)
    return out.getvalue()


def _unpacked(data: bytes, folder: Path) -> bool:
    """A folder that _packed packed, made again at `folder` (tarfile's "data" filter: no link or path that
    leads out of it, no device, no owner); False, and no folder, for a tar that is not one (a cache entry made
    by hand: the site is built instead)."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(folder, filter="data")
    except (tarfile.TarError, OSError):
        shutil.rmtree(folder, ignore_errors=True)
        return False
    return True


def _texts(chapters: list[Chapter]) -> dict[str, str]:
    """The generated chapters' Markdown by their path in the docs folder (charts and images left out)."""
    return {c.path: c.markdown for c in chapters if c.image is None}


def _in_order(outline: list, rendered: list) -> list:
    """Rendered chapters in the order of the document's outline."""
    place = {chapter.path: index for index, chapter in enumerate(outline)}
    return sorted(rendered, key=lambda r: place[r.chapter.path])


def _render_editions(base_folder: Path, allowed_folders: list[Path], font_css: Path, publication: Publication,
                     document: str, editions: dict[Path, PdfEdition], locate: dict[str, str], source_date_epoch: int,
                     part_pool: ProcessPoolExecutor, while_waiting: Callable[[], None] = lambda: None,
                     step: Step = lambda _: None) -> dict[PdfEdition, RenderedPdf]:
    """Each edition from the render cache when its key is known (`_pdf_key`), else rendered: chapter by
    chapter in a pool of processes where the edition can be split (publish/parts.py, each chapter's render
    cached; `part_pool`, the build's render workers), else whole in a process of its own, so that the cores
    work side by side. `while_waiting` runs here meanwhile (the site, the Word version, the slides); should
    it fail, the parts not yet started are cancelled. Renders are checked and kept in the cache.

    WeasyPrint has no time limit of its own and pathological input can make it run for ever, so each
    worker gets a CPU-time and memory ceiling from the kernel (RLIMIT_CPU, RLIMIT_AS), and the edition date
    as SOURCE_DATE_EPOCH (fontTools stamps the fonts it subsets with it, not with the clock).
    """
    renders = _renders()
    draft = not publication.edition.final
    keys = {edition: _pdf_key(document, edition, draft, font_css, allowed_folders, locate, source_date_epoch)
            for edition in editions.values()}
    rendered: dict[PdfEdition, RenderedPdf] = {}
    for output, edition in editions.items():
        if (found := renders.fetch(f"{edition.name} PDF", keys[edition])) is not None:
            output.write_bytes(found.files["pdf"])
            rendered[edition] = _rendered_pdf(found.said)
    if rendered:
        which = "PDF editions" if len(rendered) == len(editions) else f"{_and([e.name for e in rendered])} PDF edition"
        step(f"Reusing the {which}: their print HTML and stylesheets are unchanged")
    to_render = {output: edition for output, edition in editions.items() if edition not in rendered}
    if not to_render:
        while_waiting()
        return rendered
    limits = _render_limits(source_date_epoch)
    cpu_seconds = limits[0]
    in_parts = {output: edition for output, edition in to_render.items() if _in_parts(edition)}
    whole = {output: edition for output, edition in to_render.items() if output not in in_parts}
    with ProcessPoolExecutor(max_workers=max(1, len(whole)), initializer=_limit_worker, initargs=limits) as pool, \
            ThreadPoolExecutor(max_workers=max(1, len(in_parts))) as threads:
        jobs = {output: pool.submit(render_pdf, document, base_folder, font_css, output, allowed_folders, edition,
                                    draft, locate)
                for output, edition in whole.items()}
        # An edition in parts is rendered from a thread (it waits for its parts in turn): the site, the Word
        # version and the slides are made here meanwhile.
        jobs |= {output: threads.submit(parts.render_in_parts, document, parts.Renderer(
                     base_folder, font_css, tuple(allowed_folders), edition, draft, output.name), output, renders,
                     part_pool, locate, parts.renderer_key(font_css, allowed_folders, source_date_epoch))
                 for output, edition in in_parts.items()}
        try:
            while_waiting()
        except BaseException:  # the build fails: no part more is started (the running ones end on their own)
            part_pool.shutdown(wait=False, cancel_futures=True)
            raise
        for output, edition in to_render.items():
            rendered[edition] = _finished(jobs[output], edition, cpu_seconds)
            if output in in_parts:
                step(_parts_said(edition, renders))
            renders.keep(f"{edition.name} PDF", keys[edition],
                         Entry({"pdf": output.read_bytes()}, dataclasses.asdict(rendered[edition])))
    return {edition: rendered[edition] for edition in editions.values()}


def _parts_said(edition: PdfEdition, renders: RenderCache) -> str:
    """How many of an edition's parts this build rendered: "Rendered 1 of the reading edition's 22 parts
    again: the others are unchanged"."""
    label = f"{edition.name} PDF part "
    made = [name for name in renders.rendered if name.startswith(label)]
    count = len(made) + len([name for name in renders.reused if name.startswith(label)])
    if len(made) == count:
        return f"Rendered the {edition.name} edition in {count} parts"
    return f"Rendered {len(made)} of the {edition.name} edition's {count} parts again: the others are unchanged"


def _in_parts(edition: PdfEdition) -> bool:
    """Whether this edition is rendered chapter by chapter (publish/parts.py), as every edition that can be
    is, unless STRATEGY_PDF_IN_PARTS=0 asks for one render of the whole document."""
    return os.environ.get("STRATEGY_PDF_IN_PARTS", "1") != "0" and parts.can_split(edition)


def _finished(job: Future, edition: PdfEdition, cpu_seconds: int) -> RenderedPdf:
    """A render's result, or its failure as a problem (never a traceback)."""
    try:
        return job.result()
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


def _pdf_key(document: str, edition: PdfEdition, draft: bool, font_css: Path, allowed_folders: list[Path],
             locate: dict[str, str], source_date_epoch: int) -> str:
    """What decides a PDF edition's bytes and what the render says about it: the print HTML, every file the
    renderer may read (the fonts' stylesheet and fonts, images, charts; the package's own stylesheets are in
    every key), the options and the versions of the libraries that lay out and write it."""
    return render_key(f"{edition.name} PDF", document, edition, draft, _in_parts(edition), source_date_epoch,
                      sorted(locate.items()),
                      font_css.read_bytes().decode("utf-8", "replace"), folders_fingerprint(allowed_folders),
                      versions("weasyprint", "pydyf", "fonttools"))


def _rendered_pdf(said: dict) -> RenderedPdf:
    return RenderedPdf(said["pages"], [PdfPlace(**place) for place in said["places"]])


def _renders() -> RenderCache:
    """The render cache of the build running in this process (`build` sets it)."""
    renders = cache.active()
    assert renders is not None, "a build sets its render cache"
    return renders


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _render_limits(source_date_epoch: int) -> tuple[int, int, int]:
    """A render worker's CPU seconds and memory bytes (`_limit_worker`), and the date its files carry."""
    return (int(os.environ.get("STRATEGY_RENDER_CPU_SECONDS", RENDER_CPU_SECONDS)), RENDER_MEMORY_BYTES,
            source_date_epoch)


# The cycle collector's thresholds in a render worker (Python's: 700, 10, 10). WeasyPrint's layout allocates
# millions of boxes and styles, which at the default made the collector run about 2,000 times a worker and
# walk the worker's whole heap again and again: 0.6 CPU s a worker on the example's cold build, 0.25 s with
# these (the same PDF; 10 MiB more at the peak).
WORKER_GC_THRESHOLDS = (50_000, 20, 20)


def _limit_worker(cpu_seconds: int, memory_bytes: int, source_date_epoch: int) -> None:
    gc.set_threshold(*WORKER_GC_THRESHOLDS)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    os.environ["SOURCE_DATE_EPOCH"] = str(source_date_epoch)
    # A forked worker shares the build lock's open file: let go of it, so that a worker outliving a killed
    # build cannot keep the next build waiting (the build itself still holds it).
    if (held := lock.held()) is not None:
        os.close(held)


def _build_site(project: Project, site_dir: Path, audience: Audience, publication: Publication,
                inputs: StrategyInputs, chapters: list[Chapter], redline: Redline | None = None) -> None:
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, MkDocsException

    from .website.plugin import Preset

    # Dates in the sitemap come from SOURCE_DATE_EPOCH when set: the edition date keeps builds repeatable.
    with _collect_warnings() as warnings, _environment(SOURCE_DATE_EPOCH=str(_source_date_epoch(publication))):
        try:
            config = load_config(str(project.mkdocs_yml), site_dir=str(site_dir), strict=True)
            plugin = config.plugins["strategy"]
            plugin.config["audience"] = audience.value
            plugin.preset = Preset(publication, inputs, chapters, redline)
            mkdocs_build(config)
        except (Abort, MkDocsException) as err:
            details = [_site_problem(w, project) for w in warnings]
            if not details:
                details = [Problem(MKDOCS_YML, None, None, "a site build without errors", str(err))]
            raise ProblemsFound(details) from None


# MkDocs names the page of a warning about a link as "Doc file 'vision.md' contains a link …".
_DOC_FILE = re.compile(r"^Doc file '([^']+)'")


def _site_problem(warning: str, project: Project) -> Problem:
    """A warning of MkDocs as a problem, on the page it names when it names one."""
    page = _DOC_FILE.match(warning)
    file = (project.docs / page.group(1)).relative_to(project.root).as_posix() if page else MKDOCS_YML
    return Problem(file, None, None, "a site build without warnings", warning)


def _source_date_epoch(publication: Publication) -> int:
    """The edition date at midnight UTC: every output is dated by it, whatever the machine's time zone."""
    return calendar.timegm(publication.edition.date.timetuple())


# renameat2(2)'s flag that swaps two paths in one step; Linux 3.15 and later, on most local filesystems.
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _swap_in(new: Path, target: Path, private: Path) -> None:
    """Put `new` in place of `target` in one atomic step: an exchange where the system can, which leaves
    the old site at `new` (removed with the private folder); else two renames, the old site kept in the
    private folder until the new one is in place (`_recover` restores a site after a kill in between)."""
    if not os.path.lexists(target):
        new.rename(target)
    elif not _exchange(new, target):
        old = private / f"{target.name}.old"
        target.rename(old)
        new.rename(target)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with renameat2(RENAME_EXCHANGE); False where the system cannot."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:  # a C library without it (glibc before 2.28, other systems)
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):  # kernel or filesystem cannot
        return False
    raise OSError(code, os.strerror(code), str(b))


def _recover(project: Project) -> None:
    """Tidy up after builds that were killed (none is running: we hold the lock): restore the last site if
    one was killed between two renames, and remove every private folder left behind (and any of the
    earlier layout, `.build/site.new-*` and `site.old-*`)."""
    privates = [p for p in project.work.glob(f"{PRIVATE_PREFIX}*") if p.is_dir()]
    olds = sorted((p / "site.old" for p in privates if (p / "site.old").is_dir()), key=_mtime)
    if not os.path.lexists(project.site) and olds:
        olds.pop().rename(project.site)
    for leftover in [*privates, *project.work.glob("site.new-*"), *project.work.glob("site.old-*")]:
        _remove(leftover)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif os.path.lexists(path):
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
