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

Under `mkdocs serve` each rebuild redoes only what an edit changed: the inputs
are read again only when a file of theirs changed, the chapters made again only
when their sources did, and each page's rendering, the plugin's page steps and
the theme's compiled templates are taken from the build before (rebuilds.py);
the watcher polls every 0.1 s. Charts come from the project's render cache
(.build/cache) under `mkdocs build` and `mkdocs serve` alike.

`strategy build` hands it the records and chapters it made (`Preset`), so the
site and the print edition show the same text, read once.
"""

from __future__ import annotations

import hashlib
import html
import logging
import posixpath
import re
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from .. import cache
from ..cache import RenderCache
from ..chapters import GENERATED_FOLDER, Audience, Chapter
from ..chapters.abbreviations import abbreviation_definitions
from ..chapters.macros import expand_macros, first_body_line
from ..changes import edition_chapters
from ..chapters.markdown import long_date
from ..editions import EDITIONS_FOLDER
from ..feedback import COMMENT_MATRIX
from ..inputs import StrategyInputs, load_inputs, load_publication
from ..inputs.records import Publication
from ..lock import build_lock
from ..paragraphs import CommentContext, comment_href, number_paragraphs, paragraph_anchor, with_comment_links
from ..problems import Problem, ProblemsFound, display_path
from ..project import Project, docs_problems
from ..redline import CHANGES_FILE, Redline
from ..safe_html import clean_html
from ..typeset import number_captions
from .rebuilds import PageRenders, Remembered, TemplateCache, files_fingerprint

log = logging.getLogger("mkdocs.plugins.strategy")

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
    """The generated chapters of one build, and what changed since the previous edition."""

    chapters: list[Chapter]
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

    def __init__(self) -> None:
        # What each rebuild of `mkdocs serve` takes from the one before (rebuilds.py).
        self.page_renders, self.steps, self.templates = PageRenders(), Remembered(), TemplateCache()

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.command = command
        self.lock = ExitStack()

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
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
        self.page_renders.start_build()
        self.steps.start_build()
        # `mkdocs build` writes into site/ itself: not while `strategy build` swaps a new site in there.
        if self.command in ("build", "gh-deploy"):
            _or_fail(lambda: self.lock.enter_context(build_lock(self.root / ".build", log.info)))
        # Before MkDocs walks docs/: it would follow a symlinked folder round a loop, and copy what a link
        # leads to into the site.
        # Even when serving: MkDocs must not walk such a docs/ at all.
        if problems := docs_problems(Project(self.root), self.inputs_folder or self.root / "inputs"):
            raise PluginError(ProblemsFound(problems).report())
        self.inputs, self.chapters, self.abbreviations = None, [], ""
        if self.preset:
            self.inputs, self.chapters = self.preset.inputs, self.preset.chapters
        elif self.publication is not None:
            self.inputs = self._inputs()
            # As `strategy build`: no illustrative data or placeholder in a final edition, and an address for
            # the comments of a partners build.
            if self.inputs is not None:
                self._load(lambda: _refuse_unfinished(self.root, self.publication, self.inputs, self.audience))
                if (made := self._chapters()) is not None:
                    self.chapters = made.chapters
                    self._show_changes(config, made.redline)
        if self.problems:
            log.info("The preview shows these problems in place of every page until they are fixed:\n%s",
                     ProblemsFound(self.problems).report())
        else:
            self.abbreviations = abbreviation_definitions(self.inputs, self.audience)

    def _inputs(self) -> StrategyInputs | None:
        """The inputs, read again only when a file of the inputs folder (or strategy.yml) changed since the
        last build of this process: `mkdocs serve` rebuilds on every edit of an author page too."""
        sources = sources_fingerprint([self.inputs_folder, self.root / self.config.publication])
        if (kept := self.read) is None or kept.sources != sources:
            log.debug("Reading the inputs in %s", display_path(self.inputs_folder, self.root))
            found_before = len(self.problems)
            inputs = self._load(lambda: load_inputs(self.inputs_folder, self.root))
            kept = self.read = Kept(sources, inputs, self.problems[found_before:])
        else:
            self.problems += kept.problems
        return kept.made

    def _chapters(self) -> Made | None:
        """The generated chapters as `strategy build` makes them (What changed among them, and the comments'
        answers), made again only when what they are made from changed: the inputs, the author pages (the
        abbreviations in use, the headings comments are placed under), mkdocs.yml's nav and the stored
        editions. Charts come from the render cache (.build/cache) when their data is unchanged."""
        project = Project(self.root)
        sources = "\n".join([self.read.sources, self.audience.value, sources_fingerprint(
            [project.mkdocs_yml, *project.author_pages(), self.root / EDITIONS_FOLDER])])
        if (kept := self.made) is None or kept.sources != sources:
            log.debug("Making the generated chapters for the %s audience", self.audience.value)
            found_before = len(self.problems)
            with _render_cache(project, self.audience) as renders:
                made = self._load(lambda: edition_chapters(project, self.publication, self.inputs, self.audience))
            if renders is not None and (charts := [n for n in renders.rendered if n.startswith("chart ")]):
                log.debug("Drew %s", ", ".join(charts))
            kept = self.made = Kept(sources, made and Made(made[0], made[1].redline), self.problems[found_before:])
        else:
            self.problems += kept.problems
        return kept.made

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
        if self.serving:
            self.page_renders.remember(page, self.files_key, config)
        return page

    def on_env(self, env: Any, config: MkDocsConfig, files: Files) -> Any:
        if self.serving:
            env.bytecode_cache = self.templates
        return env

    @property
    def serving(self) -> bool:
        """Under `mkdocs serve`, whose rebuilds reuse what is unchanged (rebuilds.py); a build does all."""
        return self.command == "serve"

    def _remembered(self, key: tuple, make):
        return self.steps.get(key, make) if self.serving else make()

    def on_post_build(self, config: MkDocsConfig) -> None:
        if self.command:
            self.lock.close()

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
        source = Path(page.file.abs_src_path)
        expanded = self._load(lambda: expand_macros(
            markdown, self.inputs, self.audience, file=display_path(source, self.root),
            page_path=page.file.src_uri, first_line=first_body_line(source.read_text(encoding="utf-8"), markdown)))
        if expanded is None:  # serving: this page's own problems, on this page only
            self.page_problems[page.file.src_uri], self.problems = self.problems, []
            return ""
        return expanded + self.abbreviations

    def on_page_content(self, html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        if problems := self.problems or self.page_problems.get(page.file.src_uri):
            return problems_page(problems)
        label, number = self.caption_labels.get(page.file.src_uri, ""), self.chapter_numbers.get(page.file.src_uri, "")
        html, anchors = self._remembered(("content", html, label, number, self.publication.numbers_paragraphs),
                                         lambda: self._page_content(html, label, number))
        # Links to a paragraph ("vision.md#para-4.6", from the comment-response matrix) are checked against the
        # page's anchors, which MkDocs collected before the numbers existed.
        if page.present_anchor_ids is not None:
            page.present_anchor_ids |= anchors
        return html

    def _page_content(self, html: str, label: str, number: str) -> tuple[str, set[str]]:
        """A page's HTML through the allow-list, with its captions and paragraphs numbered; and the paragraphs'
        anchors."""
        # The second line of defence: whatever escaped partner_text, or raw HTML in an author page,
        # leaves no script or handler. The search plugin indexes the page after this event.
        html = number_captions(clean_html(html), label)
        if not self.publication.numbers_paragraphs:
            return html, set()
        html = number_paragraphs(html, number)  # after the allow-list, which has no data-paragraph
        # Every data-paragraph is one number_paragraphs just wrote (the allow-list lets none through).
        return html, {paragraph_anchor(n) for n in _PARAGRAPH_NUMBER.findall(html)}

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
            content = page.content
            page.content = self._remembered(("comment links", content, where), lambda: with_comment_links(
                content, lambda section, paragraph: comment_href(where, section, paragraph)))
        return context

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
    from ..publish.slides import SLIDES_PAGE

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


def _refuse_unfinished(root: Path, publication: Publication, inputs: StrategyInputs, audience: Audience) -> None:
    from ..facts import comments_address_problems, fact_problems

    found = comments_address_problems(root, publication, audience)
    if publication.edition.final:
        found += fact_problems(root, publication, inputs.headline)
    if problems := [p for p in found if p.severity == "error"]:
        raise ProblemsFound(problems)


def sources_fingerprint(paths: list[Path]) -> str:
    """The hash of every file at or under `paths`, by its path and its bytes (a missing path counts too):
    what decides whether the inputs or the chapters made from them must be made again."""
    digest = hashlib.sha256()
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(f"{file}\0".encode())
            try:
                digest.update(hashlib.sha256(file.read_bytes()).digest())
            except OSError:
                digest.update(b"missing")
    return digest.hexdigest()


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
# the half second an edit may take to show. Polled every 0.1 s instead: a listing of the few hundred files of
# docs/ and inputs/, about a millisecond each time.
POLL_SECONDS = 0.1


def _watch_quickly(server: Any, config: MkDocsConfig) -> None:
    """Give the server an observer that polls every POLL_SECONDS, watching what it watched so far (docs/,
    mkdocs.yml and, with --watch-theme, the theme); what is watched after this event goes to it too."""
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
    for path in watched:
        server.watch(path)


def _or_fail(action):
    try:
        return action()
    except ProblemsFound as found:
        raise PluginError(found.report()) from None
