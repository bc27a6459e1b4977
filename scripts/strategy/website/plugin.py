"""Stage 3a: the MkDocs plugin that keeps the site in step with the inputs.

Before each build it refuses what in docs/ the site may not publish (symlinks
out of the project, FIFOs, ...), validates the inputs and makes the generated
chapters in memory; it adds them to the site as virtual files, in place of
anything under docs/generated on disk (which another command may have written
for another audience); it expands author macros on each page; it passes each
page's HTML through the allow-list of safe_html; it puts the edition into the
theme's context for the draft banner and, for a draft, keeps search engines out
(robots.txt here, a robots meta tag in the theme); given the redline against the
previous edition, it marks the changed pages in the navigation (Material's page
status) and each changed section with a note leading to "What changed"; and
under `mkdocs serve` it
watches the inputs and, while an input is broken, shows its problems in place
of every page (`mkdocs build` fails instead).

What the generated chapters, the abbreviations and the author pages' expanded
macros are made from is fingerprinted by content (site_sources.py): a build whose
sources are unchanged takes them from the build before, in this process (the
rebuilds of `mkdocs serve`) or from the project's render cache (.build/cache,
the next `mkdocs build`), without reading the inputs or importing the modules
that make chapters; an edit makes them again. The plugin's steps on each page's
HTML are kept by their arguments, across processes too (site_sources.py). Under
`mkdocs serve` each rebuild also takes each unchanged page's rendering, search
entries and template output, the theme's compiled templates and file listing
from the build before, and in the register of partner inputs each unchanged
entry's rendering, search entries and Comment links (rebuilds.py); the watcher
polls every 0.05 s. Charts come
from the render cache under `mkdocs build` and `mkdocs serve` alike.

`strategy build` hands it the records and chapters it made (`Preset`), so the
site and the print edition show the same text, read once.
"""

from __future__ import annotations

import html
import logging
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

# What a build whose sources are unchanged runs is imported here; what makes chapters (the chapters, the
# comparison with a previous edition, the macros, the slides) is imported where it is used.
from .. import cache
from ..audience import Audience
from ..cache import KeptResults, RenderCache, fetch_results, keep_results
from ..dates import long_date
from ..editions import EDITIONS_FOLDER
from ..feedback import COMMENT_MATRIX
from ..inputs import StrategyInputs, load_inputs, load_publication
from ..inputs.records import Publication
from ..lock import build_lock
from ..paragraphs import CommentContext, comment_href, number_paragraphs, paragraph_anchor, with_comment_links
from ..problems import Problem, ProblemsFound, display_path
from ..project import Project, docs_problems
from ..safe_html import clean_html
from ..site_paths import CHANGES_FILE, GENERATED_FOLDER, REGISTER_FILE, SLIDES_PAGE
from ..typeset import number_captions
from .rebuilds import (PageOutputs, PageRenders, Pieces, SearchEntries, TemplateCache, ThemeListing, files_fingerprint,
                       html_pieces, remember_across_builds)
from .site_sources import (PAGE_RENDERS, SITE_SOURCES, GeneratedFile, PageSteps, SiteSources, fetch_page_steps,
                           fetch_site_sources, files_digest, keep_page_steps, keep_site_sources, page_renders_key,
                           page_steps_key, site_sources_key)

if TYPE_CHECKING:
    from ..chapters import Chapter
    from ..redline import Redline

log = logging.getLogger("mkdocs.plugins.strategy")

# The site sources kept in the render cache, per audience: the newest builds' (site_sources.py).
KEEP_SITE_SOURCES = 3

# A draft is for review, not for search engines: the whole site is out of bounds to crawlers.
ROBOTS_TXT = "robots.txt"
DRAFT_ROBOTS = "User-agent: *\nDisallow: /\n"


@dataclass(frozen=True)
class Preset:
    """What `strategy build` read and made once, for the site to use as they are."""

    publication: Publication
    inputs: StrategyInputs
    chapters: list[Chapter]
    redline: Redline | None = None  # this edition against the previous one, for the marks of what changed


@dataclass(frozen=True)
class Made:
    """The generated chapters of one build with the abbreviations and the expanded macros, and what changed
    since the previous edition."""

    sources: SiteSources
    redline: Redline | None


@dataclass(frozen=True)
class Kept:
    """What a build of this process made (None if it found problems, then kept too), and a fingerprint of
    what it was made from: the next build (a rebuild of `mkdocs serve`) reuses it while that is the same."""

    sources: str
    made: Any
    problems: list[Problem]


class StrategyPluginConfig(base.Config):
    publication = c.Type(str, default="strategy.yml")
    audience = c.Choice([a.value for a in Audience], default=Audience.PARTNERS.value)


class StrategyPlugin(BasePlugin[StrategyPluginConfig]):
    preset: Preset | None = None
    # What changed since the previous edition: the preset's, or (under `mkdocs serve`) set by whoever runs it.
    redline: Redline | None = None
    command: str | None = None  # "build", "serve", "gh-deploy"; None when `strategy build` runs MkDocs
    # Under `mkdocs serve`: the problems that stop this build, shown on every page instead of its text (a
    # failed build would leave the browser waiting, with the problems only in the terminal)...
    problems: list[Problem]
    # ... and those of one page only (its macros), by the page's path in docs/.
    page_problems: dict[str, list[Problem]]
    # The inputs and the generated chapters of the last build in this process, reused while their sources are
    # unchanged (the plugin lives as long as `mkdocs serve`: MkDocs keeps a plugin that has on_startup).
    read: Kept | None = None
    made: Kept | None = None
    unkept = False  # whether site sources made since are not kept yet
    steps_unkept = False  # the same of page steps
    # The results of the plugin's steps on each page's HTML, by their arguments (site_sources.py): from the
    # render cache at a process's first build, then kept in memory from build to build.
    page_steps: PageSteps | None = None
    # Under `strategy build`: each page's rendering (Markdown to HTML) by what it is made from, kept in the
    # build's render cache from build to build (rebuilds.remember_across_builds).
    page_renders_kept: KeptResults | None = None
    builds = 0  # the builds of this process

    def __init__(self) -> None:
        # What each rebuild of `mkdocs serve` takes from the one before (rebuilds.py).
        self.page_renders, self.templates = PageRenders(), TemplateCache()
        self.search_entries, self.theme_listing, self.page_outputs = SearchEntries(), ThemeListing(), PageOutputs()

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.command = command
        self.lock = ExitStack()

    @event_priority(100)  # before the search plugin reads its words from the theme (a Jinja environment each)
    def _reuse_theme(self, config: MkDocsConfig) -> None:
        """Under `mkdocs serve`: every Jinja environment of this build's theme takes the compiled templates and
        the list of the theme's files from the builds before (rebuilds.py)."""
        if self.serving:
            self.theme_listing.remember(config, self.templates)

    def _on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.root = Path(config.config_file_path).parent
        self.audience = Audience(self.config.audience)
        self.problems, self.page_problems = [], {}
        self.publication = self.preset.publication if self.preset else self._load(
            lambda: load_publication(self.root / self.config.publication, self.root))
        if self.publication is None:  # serving, with strategy.yml broken: the banner says so
            self.inputs_folder = None
            config.extra["strategy"] = PREVIEW_STOPPED_BANNER
        else:
            self.inputs_folder = self.root / self.publication.inputs_folder
            config.extra["strategy"] = banner_context(self.publication, self.audience)
        from ..publish.outline import chapters_of_nav

        # Paragraphs are numbered by the chapter numbers of the PDF, which come from the same nav.
        self.chapter_numbers = {c.path: c.number for c in chapters_of_nav(config.nav or []) if c.role == "chapter"}
        self.caption_labels = {c.path: c.label for c in chapters_of_nav(config.nav or [])}  # "2", "A1"
        self.redline = None
        if self.preset:
            self._show_changes(config, self.preset.redline)
        return config

    on_config = CombinedEvent(_reuse_theme, _on_config)

    def _show_changes(self, config: MkDocsConfig, redline: Redline | None) -> None:
        """What changed since the previous edition, in the nav (page status) and in the banner."""
        self.redline = redline
        if redline is None or self.publication is None:
            return
        # Material shows a page's `status` in the nav, named by extra.status (its template does not escape).
        config.extra["status"] = {**(config.extra.get("status") or {}),
                                  CHANGED_STATUS: html.escape(changed_since(redline))}
        from ..publish.tracked_docx import tracked_docx_file_name

        config.extra["strategy"] = {**config.extra["strategy"], "changes": {
            "since": redline.since, "page": CHANGES_PAGE.removesuffix(".md") + ".html",
            "tracked_docx": tracked_docx_file_name(self.publication, redline.since)}}

    def on_pre_build(self, config: MkDocsConfig) -> None:
        self.builds += 1
        self.page_renders.start_build()
        self.page_outputs.start_build()
        self.search_entries.start_build()
        if self.serving:
            self.search_entries.remember(config, in_pieces=(REGISTER_PAGE,))
        # `mkdocs build` writes into site/ itself: not while `strategy build` swaps a new site in there.
        if self.command in ("build", "gh-deploy"):
            _or_fail(lambda: self.lock.enter_context(build_lock(self.root / ".build", log.info)))
        # Before MkDocs walks docs/: it would follow a symlinked folder round a loop, and copy what a link
        # leads to into the site.
        # Even when serving: MkDocs must not walk such a docs/ at all.
        if problems := docs_problems(Project(self.root), self.inputs_folder or self.root / "inputs"):
            raise PluginError(ProblemsFound(problems).report())
        self.inputs, self.chapters, self.abbreviations, self.site_sources = None, [], "", None
        self.made_now = False  # whether this build made its site sources (rather than reusing them)
        self.page_renders_kept = None
        if not self.preset and self.publication is not None and cache.active() is None:
            if self.page_steps is None or self.page_steps_of != (self.root, self.audience):
                self.page_steps = fetch_page_steps(self._renders(), page_steps_key(self.audience.value))
                self.page_steps_of = (self.root, self.audience)
            self.page_steps.start_build()
        elif self.preset and (store := self._build_store()) is not None:
            # `strategy build`: the page steps and the pages' renderings of the builds before, from its render
            # cache (a rebuild after an edit renders the pages it changes).
            self.page_steps = fetch_page_steps(store, page_steps_key(self.audience.value))
            self.page_renders_kept = fetch_results(store, PAGE_RENDERS, page_renders_key(self.audience.value))
        else:
            self.page_steps = None
        self.inputs_asked = False  # whether this build needed the inputs (read, or the last build's)
        if self.preset:
            self.inputs, self.chapters = self.preset.inputs, self.preset.chapters
        elif self.publication is not None:
            project = Project(self.root)
            # What the inputs and what the chapters are made from, each file read once (site_sources.py).
            self.inputs_digest = files_digest([self.inputs_folder, self.root / self.config.publication], self.root)
            self.site_key = site_sources_key(self.inputs_digest, files_digest(
                [project.mkdocs_yml, *project.author_pages(), self.root / EDITIONS_FOLDER], self.root),
                self.audience.value)
            # As `strategy build`: no illustrative data or placeholder in a final edition, and an address for
            # the comments of a partners build.
            self._load(lambda: _refuse_unfinished(self.root, self.publication, self._inputs, self.audience))
            if not self.problems and (made := self._made(project)) is not None:
                self.site_sources = made.sources
                self.chapters, self.abbreviations = made.sources.generated, made.sources.abbreviations
                self._show_changes(config, made.redline)
        if self.problems:
            log.info("The preview shows these problems in place of every page until they are fixed:\n%s",
                     ProblemsFound(self.problems).report())
            self.abbreviations = ""
        elif self.preset:
            from ..chapters.abbreviations import abbreviation_definitions

            self.abbreviations = abbreviation_definitions(self.inputs, self.audience)

    def _inputs(self) -> StrategyInputs | None:
        """The inputs, read only when needed, and again only when a file of the inputs folder (or strategy.yml)
        changed since the last build of this process: `mkdocs serve` rebuilds on every edit of an author page
        too."""
        if self.preset or self.inputs_asked:
            return self.inputs
        self.inputs_asked = True
        sources = f"{self.root}\n{self.inputs_digest}"
        if (kept := self.read) is None or kept.sources != sources:
            log.debug("Reading the inputs in %s", display_path(self.inputs_folder, self.root))
            found_before = len(self.problems)
            inputs = self._load(lambda: load_inputs(self.inputs_folder, self.root))
            kept = self.read = Kept(sources, inputs, self.problems[found_before:])
        else:
            self.problems += kept.problems
        self.inputs = kept.made
        return kept.made

    def _made(self, project: Project) -> Made | None:
        """The site sources of this build: the last build's in this process, or the render cache's, while what
        they are made from is the same (site_sources.py); else made now."""
        sources = f"{self.root}\n{self.site_key}"
        if (kept := self.made) is not None and kept.sources == sources:
            self.problems += kept.problems
            return kept.made
        # `mkdocs serve` makes them at its start: its first edit then finds the inputs read and the chapters'
        # modules loaded, and shows as quickly as the next.
        if not self.serving and (found := self._cached_site_sources(project)) is not None:
            log.debug("Taking the generated chapters for the %s audience from the render cache",
                      self.audience.value)
            self.made = Kept(sources, Made(found, None), [])
            return self.made.made
        found_before = len(self.problems)
        made = self._chapters(project) if self._inputs() is not None else None
        self.made = Kept(sources, made, self.problems[found_before:])
        self.made_now = made is not None
        return made

    def _chapters(self, project: Project) -> Made | None:
        """The generated chapters as `strategy build` makes them (What changed among them, and the comments'
        answers), with the abbreviations each page ends with. Charts come from the render cache (.build/cache)
        when their data is unchanged."""
        from ..changes import edition_chapters
        from ..chapters.abbreviations import abbreviation_definitions

        log.debug("Making the generated chapters for the %s audience", self.audience.value)
        with _render_cache(project, self.audience) as renders:
            made = self._load(lambda: edition_chapters(project, self.publication, self.inputs, self.audience))
        if renders is not None and (charts := [n for n in renders.rendered if n.startswith("chart ")]):
            log.debug("Drew %s", ", ".join(charts))
        if made is None:
            return None
        generated = [GeneratedFile(c.path, c.content) for c in made[0]]
        return Made(SiteSources(generated, abbreviation_definitions(self.inputs, self.audience)), made[1].redline)

    def _cached_site_sources(self, project: Project) -> SiteSources | None:
        """The site sources that a build in another process kept in the render cache under this key. Not
        while `strategy build` runs MkDocs (it has a cache of its own, and hands the chapters over)."""
        if cache.active() is not None:
            return None
        return fetch_site_sources(self._renders(), self.site_key)

    def _renders(self) -> RenderCache:
        """The project's render cache, for a build that MkDocs runs."""
        return RenderCache.of_project(Project(self.root).work, self.audience.value)

    def _keep_site_sources(self) -> None:
        """The site sources this build made, kept in the render cache for the next process; not when the build
        found problems, nor with a comparison against a previous edition (which is made again). As after any
        build for another audience than internal, no entry of an internal build is left there."""
        if self.publication is None or cache.active() is not None:
            return
        renders = self._renders()
        renders.remove_withheld()
        if self.problems or self.page_problems:
            return
        if self.page_steps is not None and self.steps_unkept:
            keep_page_steps(renders, page_steps_key(self.audience.value), self.page_steps)
            self.steps_unkept = False
        if self.site_sources is None or not self.unkept or self.redline is not None:
            return
        keep_site_sources(renders, self.site_key, self.site_sources)
        self.unkept = False
        # Each edit is a new key: the sources of the last few builds are enough (going back to an earlier state).
        renders.keep_newest(SITE_SOURCES, KEEP_SITE_SOURCES)

    def _load(self, action):
        """The result of a step that reads the inputs. If they have problems: when serving, None, and the
        problems kept for the pages to show; otherwise the build stops with them."""
        try:
            return action()
        except ProblemsFound as found:
            if self.command != "serve":
                raise PluginError(found.report()) from None
            self.problems += found.problems
            return None

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        """The generated chapters from memory. Whatever docs/generated holds on disk (written by `strategy
        chapters`, perhaps for an internal audience) is left out, so it can never be published."""
        for file in [f for f in files if f.src_uri.startswith(f"{GENERATED_FOLDER}/")]:
            files.remove(file)
        for chapter in self.chapters:
            files.append(File.generated(config, chapter.path, content=chapter.content))
        self.changes_file = files.get_file_from_path(CHANGES_PAGE)  # the changed-notes link to it
        self.changes_anchors: dict[tuple[str, str], str] | None = None  # read from it once it is rendered
        if self.problems:  # a page for each generated chapter in the nav, to show the problems on
            from ..publish.outline import chapters_of_nav

            for path in {c.path for c in chapters_of_nav(config.nav or [])} - {c.path for c in self.chapters}:
                if path.startswith(f"{GENERATED_FOLDER}/"):
                    files.append(File.generated(config, path, content=""))
        if self.publication is not None and not self.publication.edition.final:
            if author_robots := files.get_file_from_path(ROBOTS_TXT):
                files.remove(author_robots)
            files.append(File.generated(config, ROBOTS_TXT, content=DRAFT_ROBOTS))
        self.files_key = files_fingerprint(files)
        return files

    def on_pre_page(self, page: Page, config: MkDocsConfig, files: Files) -> Page:
        if self.page_renders_kept is not None:
            remember_across_builds(page, self.page_renders_kept, self.files_key)
        if self.serving:
            # The register renders entry by entry: an edit to an input renders its entry only.
            pieces = Pieces(REGISTER_ENTRY, self.abbreviations) if page.file.src_uri == REGISTER_PAGE else None
            self.page_renders.remember(page, self.files_key, config, pieces)
        return page

    def on_env(self, env: Any, config: MkDocsConfig, files: Files) -> Any:
        if self.serving:
            self.page_outputs.remember(env, config, self.files_key)
        return env

    @property
    def serving(self) -> bool:
        """Under `mkdocs serve`, whose rebuilds reuse what is unchanged (rebuilds.py); a build does all."""
        return self.command == "serve"

    @staticmethod
    def _build_store() -> RenderCache | None:
        """The render cache of the `strategy build` running this build, as a store of the plugin's own: what
        it keeps there is no output of the build (not among what it says it rendered or reused)."""
        if (active := cache.active()) is None:
            return None
        return RenderCache(active.folder, active.audience)

    def _remembered(self, key: tuple, make):
        """A page step's result (a JSON value): from the builds before (site_sources.py), or made now."""
        return make() if self.page_steps is None else self.page_steps.result(key, make)

    def on_post_build(self, config: MkDocsConfig) -> None:
        if self.page_steps is not None:  # tests count these
            made = self.page_steps.made
            log.debug("Page steps: %d made, %d taken from the builds before", made, len(self.page_steps.used) - made)
        if self.page_renders_kept is not None and (store := self._build_store()) is not None and not self.problems:
            if self.page_steps is not None and self.page_steps.made:
                keep_page_steps(store, page_steps_key(self.audience.value), self.page_steps)
            if self.page_renders_kept.made:
                keep_results(store, PAGE_RENDERS, page_renders_key(self.audience.value), self.page_renders_kept)
        if self.serving:  # and these
            renders, entries = self.page_renders, self.search_entries
            log.debug("Pages: %d rendered (pieces: %d rendered, %d reused), %d reused; search entries: %d pages "
                      "made (pieces: %d made, %d reused), %d reused", renders.rendered, renders.pieces_rendered,
                      renders.pieces_reused, renders.reused, entries.made, entries.pieces_made, entries.pieces_reused,
                      entries.reused)
        if not self.preset:
            self.unkept |= self.made_now
            self.steps_unkept |= bool(self.page_steps and self.page_steps.made)
            # Under `mkdocs serve`, after the first build and when the server stops: not on every edit.
            if not self.serving or self.builds == 1:
                self._keep_site_sources()
        if self.command:
            self.lock.close()

    def on_shutdown(self) -> None:
        if self.serving and not self.preset:
            self._keep_site_sources()

    def on_build_error(self, error: Exception) -> None:
        if self.command:
            self.lock.close()

    def on_serve(self, server: Any, config: MkDocsConfig, builder: Any) -> Any:
        _watch_quickly(server, config)
        server.watch(str(self.inputs_folder or self.root / "inputs"))
        server.watch(str(self.root / self.config.publication))
        return server

    def on_page_markdown(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        # Every page is read before any is rendered, so each page's nav shows every changed page's mark.
        if self.redline is not None and page.file.src_uri in self.redline.changed_pages:
            page.meta["status"] = CHANGED_STATUS
        if self.problems:
            return ""  # the problems take the page's place (on_page_content); nothing of it to link or check
        if page.meta.get("generated"):
            return markdown + self.abbreviations
        page_path = page.file.src_uri
        if self.site_sources is not None and (expanded := self.site_sources.expansion(page_path, markdown)) \
                is not None:
            return expanded + self.abbreviations
        expanded = self._load(lambda: self._expanded(page, markdown))
        if expanded is None:  # serving: this page's own problems, on this page only
            self.page_problems[page_path], self.problems = self.problems, []
            return ""
        if self.site_sources is not None:
            self.site_sources.expanded(page_path, markdown, expanded)
        return expanded + self.abbreviations

    def _expanded(self, page: Page, markdown: str) -> str:
        """The page's Markdown with its macros expanded, or ProblemsFound."""
        from ..chapters.macros import expand_macros, first_body_line

        source = Path(page.file.abs_src_path)
        inputs = self._inputs()
        if inputs is None:  # the inputs' problems, which a build already stopped on, and a preview shows
            raise ProblemsFound(list(self.problems))
        return expand_macros(markdown, inputs, self.audience, file=display_path(source, self.root),
                             page_path=page.file.src_uri,
                             first_line=first_body_line(source.read_text(encoding="utf-8"), markdown))

    def on_page_content(self, html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        if problems := self.problems or self.page_problems.get(page.file.src_uri):
            return problems_page(problems)
        label, number = self.caption_labels.get(page.file.src_uri, ""), self.chapter_numbers.get(page.file.src_uri, "")
        html, anchors = self._remembered(("content", html, label, number, self.publication.numbers_paragraphs),
                                         lambda: self._page_content(html, label, number))
        anchors = set(anchors)
        # Links to a paragraph ("vision.md#para-4.6", from the comment-response matrix) are checked against the
        # page's anchors, which MkDocs collected before the numbers existed.
        if page.present_anchor_ids is not None:
            page.present_anchor_ids |= anchors
        return html

    def _page_content(self, html: str, label: str, number: str) -> tuple[str, list[str]]:
        """A page's HTML through the allow-list, with its captions and paragraphs numbered; and the paragraphs'
        anchors."""
        # The second line of defence: whatever escaped partner_text, or raw HTML in an author page,
        # leaves no script or handler. The search plugin indexes the page after this event.
        html = number_captions(clean_html(html), label)
        if not self.publication.numbers_paragraphs:
            return html, []
        html = number_paragraphs(html, number)  # after the allow-list, which has no data-paragraph
        # Every data-paragraph is one number_paragraphs just wrote (the allow-list lets none through).
        return html, sorted({paragraph_anchor(n) for n in _PARAGRAPH_NUMBER.findall(html)})

    @event_priority(-100)  # after the search plugin has indexed the page: no "Comment" or "Changed" in results
    def on_page_context(self, context: dict[str, Any], page: Page, config: MkDocsConfig, nav: Any) -> dict[str, Any]:
        """The notes on changed sections; comment links on the page's sections and numbered paragraphs, and the
        banner's "Send comments"."""
        if self.redline is not None and page.content is not None and not self.problems \
                and page.file.src_uri not in self.page_problems:
            page.content = self._changed_notes(page)
            if page.file.src_uri == CHANGES_PAGE:
                page.content = with_earlier_editions(page.content, earlier_editions(self.root, page.url))
        from ..edition_builds import earlier_edition

        # An earlier edition is kept for the record: comments go to the current one, whose banner it links to.
        if self.publication is None or not self.publication.comments_email or self.problems \
                or page.file.src_uri in self.page_problems or earlier_edition() is not None:
            return context
        edition = self.publication.edition
        where = CommentContext(self.publication.comments_email, self.publication.short_title,
                               f"{edition.label}, {long_date(edition.date)}", edition.label, page.title or "",
                               page.canonical_url if config.site_url else (page.url or "./"))
        context["strategy_comment_href"] = comment_href(where, page.title or "")
        # The matrix's and What changed's headings repeat other pages' sections: a comment belongs on the
        # section, not on them.
        if page.content is not None and page.file.src_uri not in (COMMENT_MATRIX, CHANGES_PAGE):
            page.content = self._comment_links(page, page.content, where)
        return context

    def _comment_links(self, page: Page, content: str, where: CommentContext) -> str:
        """The page's HTML with its Comment links. Under `mkdocs serve`, the register's top-level sections one by
        one (a section's links follow from its own HTML: its heading names it), so that an edit to an input
        links that input's entry only; `mkdocs build` links the whole page, as a cold build to compare with."""
        parts = html_pieces(content) if self.serving and page.file.src_uri == REGISTER_PAGE else None

        def linked(part: str) -> str:
            return self._remembered(("comment links", part, where), lambda: with_comment_links(
                part, lambda section, paragraph: comment_href(where, section, paragraph)))

        return "".join(linked(part) for part in parts or [content])

    def _changed_notes(self, page: Page) -> str:
        """The page's HTML with a note after the heading of each section that changed since the previous
        edition, leading to the "What changed" page."""
        changes = next((p for p in self.redline.pages if p.path == page.file.src_uri and p.changed), None)
        if changes is None or page.file.src_uri == CHANGES_PAGE:
            return page.content
        if self.changes_file is None:
            links = {}
        else:
            if self.changes_anchors is None:  # every page is rendered before the first is put in its template
                rendered = self.changes_file.page
                self.changes_anchors = changes_anchors(rendered.content or "", self.changes_file.url) if rendered \
                    else {}
            here, url = get_relative_url(self.changes_file.url, page.file.url), posixpath.normpath(page.file.url)
            # The section's heading there, or else the page's, or else the top of the page.
            page_anchor = self.changes_anchors.get((url, ""))
            links = {section_id: here + (f"#{anchor}" if (anchor := self.changes_anchors.get(
                (url, section_id), page_anchor)) else "")
                for _, section_id in changes.changed_sections() if section_id}
        sections = {section_id for _, section_id in changes.changed_sections() if section_id}  # the site's ids
        return with_changed_notes(page.content, {s: links.get(s) for s in sections}, changed_since(self.redline))

    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str:
        """The nav's marks of changed pages get a name: Material's mark is an empty span with a tooltip only."""
        if self.redline is None:
            return output
        return _NAV_MARK.sub(lambda m: f'{m.group(0)[:-1]} role="img" aria-label="{m.group(1)}">', output)


_PARAGRAPH_NUMBER = re.compile(r'<p\b[^>]*? data-paragraph="([^"]+)"')
# The page status that marks a page changed since the previous edition (site.css draws its mark).
CHANGED_STATUS = "changed"
CHANGES_PAGE = f"{GENERATED_FOLDER}/{CHANGES_FILE}"
REGISTER_PAGE = f"{GENERATED_FOLDER}/{REGISTER_FILE}"
# An entry of the register starts at its heading, which carries the input's id (chapters/register.py).
REGISTER_ENTRY = re.compile(r"^## [^\n]*\{#[^}\s]+\}[ \t]*$", re.M)
# Material's nav mark, as its partials/nav-item.html writes it; the title is escaped (on_config).
_NAV_MARK = re.compile(rf'<span class="md-status md-status--{CHANGED_STATUS}" title="([^"<>]*)">')
_HEADING = re.compile(r'<(h[1-3])\b[^>]*?\bid="([^"]+)"[^>]*>.*?</\1>', re.S)


def earlier_editions(root: Path, page_url: str) -> list[tuple[str, dict[str, str]]]:
    """Each stored edition's label with the links to it (site, PDF, Word version) from the page at
    `page_url`, as site/editions/<slug>/ holds it; none in an earlier edition's own build."""
    from ..edition_builds import earlier_edition
    from ..editions import EDITIONS_FOLDER, stored_editions

    if earlier_edition() is not None:
        return []
    found = []
    for stored in stored_editions(root):
        released = load_publication(stored.folder / "strategy.yml", stored.folder)
        folder = f"{EDITIONS_FOLDER}/{stored.record.slug}"
        files = {"site": "index.html", "PDF": released.pdf_file, "Word": released.docx_file}
        found.append((stored.record.label, {k: get_relative_url(f"{folder}/{v}", page_url) for k, v in files.items()}))
    return found


def with_earlier_editions(content: str, editions: list[tuple[str, dict[str, str]]]) -> str:
    """What changed's page with, under its title, the earlier editions as they were released (site only: the
    PDF is a record of one edition)."""
    if not editions:
        return content
    e = html.escape
    items = "; ".join(f'<a href="{e(links["site"])}">{e(label)}</a> (<a href="{e(links["PDF"])}">PDF</a>, '
                      f'<a href="{e(links["Word"])}">Word</a>)' for label, links in editions)
    note = f'<p class="earlier-editions">Earlier editions, as they were released: {items}.</p>'
    end = content.find("</h1>")
    return content[:end + 5] + note + content[end + 5:] if end >= 0 else note + content


def changed_since(redline: Redline) -> str:
    """The words of every mark: "Changed since Draft 1"."""
    return f"Changed since {redline.since}"


def with_changed_notes(content: str, sections: Mapping[str, str | None], words: str) -> str:
    """`content` with `<p class="changed-note">` right after each heading (h1–h3) whose id is in `sections`,
    linking to where `sections` says (None: no link).

    The note is no body paragraph (paragraphs.NOT_BODY_CLASSES): it moves no paragraph number."""

    def add(match: re.Match) -> str:
        if match.group(2) not in sections:
            return match.group(0)
        href = sections[match.group(2)]
        link = f' — <a href="{html.escape(href)}">see what changed</a>' if href else ""
        return f'{match.group(0)}<p class="changed-note">{html.escape(words)}{link}</p>'

    return _HEADING.sub(add, content)


# A heading of the "What changed" page that links to the page or section it shows (redline.changes_page).
_LINKED_HEADING = re.compile(r'<h[23]\b[^>]*?\bid="([^"]+)"[^>]*>\s*<a\b[^>]*?\bhref="([^"]*)"')


def changes_anchors(content: str, url: str) -> dict[tuple[str, str], str]:
    """Where the "What changed" page (its HTML, at `url` in the site) shows each page and section:
    (the page's URL, the section's id or "" for the whole page) -> the id of its heading there."""
    found: dict[tuple[str, str], str] = {}
    for heading_id, href in _LINKED_HEADING.findall(content):
        target, _, fragment = html.unescape(href).partition("#")
        path = posixpath.normpath(posixpath.join(posixpath.dirname(url), target))
        found.setdefault((path, fragment), heading_id)
    return found


def banner_context(publication: Publication, audience: Audience) -> dict[str, Any]:
    """What the theme's draft banner shows: edition, date, PDF, Word version and where to comment; on an earlier
    edition's pages, that it is one, with a link to the current edition."""
    edition = publication.edition
    return {
        "edition": edition.label,
        "date": long_date(edition.date),
        "final": edition.final,
        "audience": audience.value,
        "pdf_file": publication.pdf_file,
        "docx_file": publication.docx_file,
        "slides_page": SLIDES_PAGE,  # written by `strategy build`
        "comments_email": publication.comments_email,
        "short_title": publication.short_title,
        "earlier": _earlier_banner(),
    }


def _earlier_banner() -> dict[str, str] | None:
    """For the site of an earlier edition (site/editions/<slug>/, built by edition_builds.py): its label, the
    current edition's and a link to the current home page, relative to the earlier site's root."""
    from ..edition_builds import earlier_edition

    if (earlier := earlier_edition()) is None:
        return None
    return {"label": earlier.label, "current_label": earlier.current_label, "current_home": earlier.current_home}


# What the banner shows while strategy.yml, which names the edition, cannot be read.
PREVIEW_STOPPED_BANNER = {"edition": "Preview", "date": "stopped: see the problems below", "final": False,
                          "audience": "", "pdf_file": "", "docx_file": "", "comments_email": None, "short_title": "",
                          "earlier": None}


PROBLEMS_SHOWN = 200


def problems_page(problems: list[Problem]) -> str:
    """The page the preview shows while the inputs have problems: each with its file, line and field, what
    was expected and what was found. Every value is escaped: a found value is the author's own text."""
    e = html.escape
    unique = ProblemsFound(problems).problems  # sorted by file and line, duplicates and warnings left out
    rows = "".join(
        f"<tr><td><code>{e(p.file)}</code></td><td>{p.line or ''}</td><td>{e(p.field or '')}</td>"
        f"<td>{e(p.expected)}</td><td>{e(p.found or '')}</td></tr>" for p in unique[:PROBLEMS_SHOWN])
    if len(unique) > PROBLEMS_SHOWN:  # a file of thousands of broken lines: the first ones say enough
        rows += (f'<tr><td colspan="5">and {len(unique) - PROBLEMS_SHOWN:,} more, which '
                 "<code>strategy check</code> lists</td></tr>")
    count = f"{len(unique)} problem{'s' * (len(unique) != 1)}"
    return (f'<div class="admonition failure strategy-problems" role="alert">'
            f'<p class="admonition-title">The preview cannot show this page: {count} in the files below</p>'
            "<p>Fix the files and save them: this page comes back by itself as soon as they are right. The "
            "terminal where <code>mkdocs serve</code> runs lists the same problems.</p></div>"
            "<table><thead><tr><th>File</th><th>Line</th><th>Field</th><th>Expected</th><th>Found</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def _refuse_unfinished(root: Path, publication: Publication, inputs: Callable[[], StrategyInputs | None],
                       audience: Audience) -> None:
    """The comments' address, and in a final edition the facts (which need the inputs: `inputs()` gives them, or
    None when they have problems of their own)."""
    from ..facts import comments_address_problems, fact_problems

    found = comments_address_problems(root, publication, audience)
    if publication.edition.final and (loaded := inputs()) is not None:
        found += fact_problems(root, publication, loaded.headline)
    if problems := [p for p in found if p.severity == "error"]:
        raise ProblemsFound(problems)


@contextmanager
def _render_cache(project: Project, audience: Audience) -> Iterator[RenderCache | None]:
    """The project's render cache (.build/cache) for a build that MkDocs runs (`mkdocs build`, `mkdocs serve`):
    charts whose data is unchanged are read from there, not drawn again. `strategy build` has its own."""
    if cache.active() is not None:
        yield None
        return
    with cache.using(RenderCache.of_project(project.work, audience.value)) as renders:
        yield renders


# MkDocs polls what it watches every half second and then waits for 0.1 s of quiet before it rebuilds: most of
# the half second an edit may take to show. Polled every 0.05 s instead (a listing of the few hundred files of
# docs/ and inputs/, under 2 ms each time: 3% of a core while the server waits), and a rebuild starts after one
# poll of quiet, as before: an editor's save (a new file renamed over the old, or the file rewritten) is seen
# whole by one poll.
POLL_SECONDS = 0.05


def _watch_quickly(server: Any, config: MkDocsConfig) -> None:
    """Give the server an observer that polls every POLL_SECONDS, watching what it watched so far (docs/,
    mkdocs.yml and, with --watch-theme, the theme), and rebuild after POLL_SECONDS of quiet; what is watched
    after this event goes to the observer too."""
    from watchdog.observers.polling import PollingObserver

    watched = []
    for path in [config.docs_dir, config.config_file_path, *config.theme.dirs]:
        while path:
            try:
                server.unwatch(path)
            except KeyError:  # not watched (the theme without --watch-theme), or no more times
                break
            watched.append(path)
    server.observer = PollingObserver(timeout=POLL_SECONDS)
    server.build_delay = POLL_SECONDS
    for path in watched:
        server.watch(path)


def _or_fail(action):
    try:
        return action()
    except ProblemsFound as found:
        raise PluginError(found.report()) from None
