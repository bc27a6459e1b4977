"""Stage 3a: the MkDocs plugin that keeps the site in step with the inputs.

Before each build it validates the inputs and rewrites the generated chapters
(only files whose text changed, so `mkdocs serve` does not loop); it expands
author macros on each page; it passes each page's HTML through the allow-list
of safe_html; it puts the edition into the theme's context for the draft
banner; and under `mkdocs serve` it watches the inputs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from ..chapters import GENERATED_FOLDER, Audience, author_text, generate_chapters, write_chapters
from ..chapters.abbreviations import abbreviation_definitions
from ..chapters.macros import expand_macros, first_body_line
from ..chapters.markdown import long_date
from ..inputs import StrategyInputs, load_inputs, load_publication
from ..inputs.records import Publication
from ..problems import ProblemsFound, display_path
from ..safe_html import clean_html


class StrategyPluginConfig(base.Config):
    publication = c.Type(str, default="strategy.yml")
    audience = c.Choice([a.value for a in Audience], default=Audience.PARTNERS.value)


class StrategyPlugin(BasePlugin[StrategyPluginConfig]):
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.root = Path(config.config_file_path).parent
        self.audience = Audience(self.config.audience)
        self.publication = _or_fail(lambda: load_publication(self.root / self.config.publication, self.root))
        self.inputs_folder = self.root / self.publication.inputs_folder
        config.extra["strategy"] = banner_context(self.publication, self.audience)
        return config

    def on_pre_build(self, config: MkDocsConfig) -> None:
        self.inputs: StrategyInputs = _or_fail(lambda: load_inputs(self.inputs_folder, self.root))
        chapters = _or_fail(lambda: generate_chapters(self.inputs, self.audience, author_text(Path(config.docs_dir))))
        write_chapters(chapters, Path(config.docs_dir) / GENERATED_FOLDER)
        self.abbreviations = abbreviation_definitions(self.inputs, self.audience)

    def on_serve(self, server: Any, config: MkDocsConfig, builder: Any) -> Any:
        server.watch(str(self.inputs_folder))
        server.watch(str(self.root / self.config.publication))
        return server

    def on_page_markdown(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        if page.meta.get("generated"):
            return markdown + self.abbreviations
        source = Path(page.file.abs_src_path)
        return _or_fail(lambda: expand_macros(
            markdown, self.inputs, self.audience, file=display_path(source, self.root),
            page_path=page.file.src_uri, first_line=first_body_line(source.read_text(encoding="utf-8"), markdown))
        ) + self.abbreviations

    def on_page_content(self, html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        # The second line of defence: whatever escaped partner_text, or raw HTML in an author page,
        # leaves no script or handler. The search plugin indexes the page after this event.
        return clean_html(html)


def banner_context(publication: Publication, audience: Audience) -> dict[str, Any]:
    """What the theme's draft banner shows: edition, date, PDF, Word version and where to comment."""
    edition = publication.edition
    return {
        "edition": edition.label,
        "date": long_date(edition.date),
        "final": edition.final,
        "audience": audience.value,
        "pdf_file": publication.pdf_file,
        "docx_file": publication.docx_file,
        "comments_email": publication.comments_email,
        "short_title": publication.short_title,
    }


def _or_fail(action):
    try:
        return action()
    except ProblemsFound as found:
        raise PluginError(found.report()) from None
