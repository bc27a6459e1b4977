"""What a rebuild of `mkdocs serve` takes from the build before it instead of doing again.

MkDocs rebuilds the whole site on every edit: it renders every page's Markdown, compiles the theme's
templates and lets every plugin hook run on every page. Under `mkdocs serve` the plugin (plugin.py) keeps,
for the life of the process:

- each page's rendering (`PageRenders`): its HTML, table of contents, title and anchors, reused while the
  page's Markdown, its place in the site and the site's files are the same and its rendering said nothing
  (a warning must be said again on every build: `strict` turns it into a failed build);
- the results of the plugin's own page steps (`Remembered`), by everything they are made from;
- the theme's compiled templates (`TemplateCache`, Jinja's bytecode cache: a template whose source changed is
  compiled again).

An edit then costs the pages it changes. Each keeps only what the last build used, so memory stays the size
of one site.
"""

from __future__ import annotations

import copy
import hashlib
import logging
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from jinja2.bccache import Bucket, BytecodeCache
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

T = TypeVar("T")


def files_fingerprint(files: Files) -> str:
    """Every file of the site by its source and its place: a page's links resolve against them."""
    listing = "\n".join(sorted(f"{f.src_uri}\0{f.dest_uri}" for f in files))
    return hashlib.sha256(listing.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class _Render:
    """What Page.render leaves on the page (MkDocs 1.6)."""

    content: str
    toc: Any
    title: str | None
    present_anchor_ids: set[str] | None
    links_to_anchors: dict[str, dict[str, str]] | None  # by the linked file's src_uri


class _Warnings(logging.Handler):
    """Counts the warnings MkDocs' loggers say while a page renders (a broken link, a missing anchor)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


class PageRenders:
    """The pages rendered by the last build, reused by the next while nothing they depend on changed."""

    def __init__(self) -> None:
        self.kept: dict[tuple, _Render] = {}
        self.used: dict[tuple, _Render] = {}
        self.rendered = self.reused = 0

    def start_build(self) -> None:
        """Keep only what the last build used: the pages of one site."""
        if self.used:
            self.kept, self.used = self.used, {}
        self.rendered = self.reused = 0

    def remember(self, page: Page, files_key: str, config: MkDocsConfig) -> None:
        """Make `page.render` take its rendering from here when its Markdown, its place and the site's files
        are what they were (MkDocs calls it right after the `page_markdown` event)."""
        render = page.render

        def remembered(config: MkDocsConfig, files: Files) -> None:
            key = (page.file.src_uri, page.file.dest_uri, files_key, page.markdown,
                   repr((config.markdown_extensions, config.mdx_configs)))
            if (found := self.kept.get(key) or self.used.get(key)) is not None:
                _restore(page, found, files)
                self.used[key] = found
                self.reused += 1
                return
            warnings = _Warnings()
            logger = logging.getLogger("mkdocs")
            logger.addHandler(warnings)
            try:
                render(config, files)
            finally:
                logger.removeHandler(warnings)
            self.rendered += 1
            if not warnings.count:
                self.used[key] = _Render(page.content or "", copy.deepcopy(page.toc), page._title_from_render,
                                         set(page.present_anchor_ids or ()), _by_source(page.links_to_anchors))

        page.render = remembered  # type: ignore[method-assign]


def _by_source(links: dict | None) -> dict[str, dict[str, str]] | None:
    return None if links is None else {file.src_uri: dict(anchors) for file, anchors in links.items()}


def _restore(page: Page, render: _Render, files: Files) -> None:
    page.content = render.content
    page.toc = copy.deepcopy(render.toc)
    page._title_from_render = render.title
    page.present_anchor_ids = set(render.present_anchor_ids) if render.present_anchor_ids is not None else None
    if render.links_to_anchors is not None:
        page.links_to_anchors = {target: dict(anchors) for src, anchors in render.links_to_anchors.items()
                                 if (target := files.get_file_from_path(src)) is not None}


class Remembered(Generic[T]):
    """The results of one step by its arguments, as the last build used them."""

    def __init__(self) -> None:
        self.kept: dict[Hashable, T] = {}
        self.used: dict[Hashable, T] = {}

    def start_build(self) -> None:
        if self.used:
            self.kept, self.used = self.used, {}

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        if key in self.used:
            return self.used[key]
        found = self.kept[key] if key in self.kept else make()
        self.used[key] = found
        return found


class TemplateCache(BytecodeCache):
    """The theme's compiled templates, kept in memory for the process (Jinja checks each template's source
    checksum: an edited template is compiled again)."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if (code := self.compiled.get(bucket.key)) is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()
