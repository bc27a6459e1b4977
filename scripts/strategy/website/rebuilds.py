"""What a rebuild of `mkdocs serve` takes from the build before it instead of doing again.

MkDocs rebuilds the whole site on every edit: it renders every page's Markdown, compiles the theme's
templates and lets every plugin hook run on every page. Under `mkdocs serve` the plugin (plugin.py) keeps,
for the life of the process:

- each page's rendering (`PageRenders`): its HTML, table of contents, title and anchors, reused while the
  page's Markdown, its place in the site and the site's files are the same and its rendering said nothing
  (a warning must be said again on every build: `strict` turns it into a failed build). A page of many
  independent parts (the register: one entry per input) renders in pieces (`Pieces`), each reused while its
  own Markdown is the same, so an edit to one input renders one entry; the pieces are merged as
  Python-Markdown joins top-level blocks, with the table of contents nested again from all their headings.
  Whatever makes one part's rendering depend on another (a footnote, a definition, a heading whose id the
  whole page would make unique, a first part with no element to take the title from) makes the page render
  whole, as MkDocs renders it;
- each page's entries in the search index (`SearchEntries`), by the page's HTML, place, title, headings and
  front matter: the search plugin parses every page's HTML again on each build; and for the register, each
  top-level section's entries by its own HTML (`html_pieces`), parsed as Material parses it within the page;
- the theme's compiled templates (`TemplateCache`, Jinja's bytecode cache: a template whose source changed is
  compiled again), in every Jinja environment of the theme;
- the list of the theme's files that MkDocs copies into the site (`ThemeListing`): it walks the theme's
  folders on each build, 14,000 files in Material's, most of them icons; installed themes do not change while
  the server runs, and a theme folder of the project is walked each time;
- each page's output from the theme's template (`PageOutputs`), by everything the template is given: the
  page (its HTML, title, headings, front matter, place, neighbours), the whole navigation, the site's files,
  mkdocs.yml's bytes and the configuration (the banner's data among them), the other values
  of the template's context, and the project's theme files (names, sizes, times).

The results of the plugin's own steps on each page's HTML are kept by site_sources.PageSteps, across
processes too (under `mkdocs serve`, the register's Comment links by section). An edit then costs the pages it
changes, and in the register the entries it changes. Each keeps only what the last build used (a page reused
whole keeps the pieces it was made of), so memory stays the size of one site. Everything is found by what it
is made from (the Markdown or HTML itself), so nothing is taken from another page, audience or edit.

`mkdocs build` renders, indexes and links every page whole: the cold build that tests compare the server's
pages with.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import re
import sys
import sysconfig
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2.bccache import Bucket, BytecodeCache
from markdown.extensions.toc import nest_toc_tokens
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc


def files_fingerprint(files: Files) -> str:
    """Every file of the site by its source and its place: a page's links resolve against them."""
    listing = "\n".join(sorted(f"{f.src_uri}\0{f.dest_uri}" for f in files))
    return hashlib.sha256(listing.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class _Render:
    """What Page.render leaves on the page (MkDocs 1.6)."""

    content: str
    toc: tuple[tuple[str, str, int], ...]  # each heading's title, id and level, in order (`_flat_toc`)
    title: str | None
    present_anchor_ids: set[str] | None
    links_to_anchors: dict[str, dict[str, str]] | None  # by the linked file's src_uri
    closed: bool = True  # of a piece: whether its HTML closes every element it opens


class _Warnings(logging.Handler):
    """Counts the warnings MkDocs' loggers say while a page renders (a broken link, a missing anchor)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


class _KeptFromLastBuild:
    """What the last build made, by key (`kept`), for the next to reuse; what this build used (`used`) becomes
    the next build's `kept`, so only one site's worth is held. COUNTS: the counters each build starts at 0."""

    COUNTS: tuple[str, ...] = ("rendered", "reused")

    def __init__(self) -> None:
        self.kept: dict = {}
        self.used: dict = {}
        self.start_build()

    def start_build(self) -> None:
        """Keep only what the last build used: the pages of one site."""
        if self.used:
            self.kept, self.used = self.used, {}
        for count in self.COUNTS:
            setattr(self, count, 0)

    def reuse(self, key: Any) -> Any:
        """What was made under `key` (by the last build or this one), or None; marked used, and so are the
        pieces it was made of (`made_of`): a page reused whole after an edit elsewhere keeps its pieces for the
        next edit to it."""
        if (found := self.kept.get(key) or self.used.get(key)) is not None:
            self.used[key] = found
            if pieces := self.kept.get((_PIECES_OF, key)):
                self.used[(_PIECES_OF, key)] = pieces
                self.used.update((piece, self.kept[piece]) for piece in pieces if piece in self.kept)
        return found

    def made_of(self, key: Any, pieces: list) -> None:
        """What was made under `key` this build was made of these pieces' (their keys)."""
        self.used[(_PIECES_OF, key)] = pieces


_PIECES_OF = "pieces of"


@dataclass(frozen=True)
class Pieces:
    """Where a page's Markdown may be cut into pieces that render on their own (the register's entries): each
    piece but the first starts at a line `start` matches, after a blank line; the page ends with `suffix` (the
    abbreviations' definitions, which apply to every piece), rendered with each piece."""

    start: re.Pattern[str]
    suffix: str


class PageRenders(_KeptFromLastBuild):
    """The pages rendered by the last build, reused by the next while nothing they depend on changed; and the
    pieces of a page that renders in pieces (`Pieces`), each reused while its own Markdown is the same."""

    COUNTS = ("rendered", "reused", "pieces_rendered", "pieces_reused")

    def remember(self, page: Page, files_key: str, config: MkDocsConfig, pieces: Pieces | None = None) -> None:
        """Make `page.render` take its rendering from here when its Markdown, its place and the site's files
        are what they were (MkDocs calls it right after the `page_markdown` event). A page cut into `pieces`
        renders only the pieces that changed, when its Markdown has nothing that reaches across pieces."""
        render = page.render

        def remembered(config: MkDocsConfig, files: Files) -> None:
            place = (page.file.src_uri, page.file.dest_uri, files_key,
                     repr((config.markdown_extensions, config.mdx_configs)))
            key = (*place, page.markdown)
            if (found := self.reuse(key)) is not None:
                _restore(page, found, files)
                self.reused += 1
                return
            self.rendered += 1
            texts = None if pieces is None else _cut(page.markdown or "", pieces)
            if texts is not None and (merged := self._in_pieces(page, render, texts, place, config, files)):
                rendering, warned = merged
                _restore(page, rendering, files)
                if not warned:
                    self.used[key] = rendering
                    self.made_of(key, [("piece", *place, text) for text in texts])
                return
            if (rendering := _rendered(page, render, config, files)) is not None:
                self.used[key] = rendering

        page.render = remembered  # type: ignore[method-assign]

    def _in_pieces(self, page: Page, render: Callable, texts: list[str], place: tuple, config: MkDocsConfig,
                   files: Files) -> tuple[_Render, bool] | None:
        """The page's rendering from its pieces' (each rendered on its own, or reused) and whether MkDocs warned
        while rendering one; or None when the pieces do not add up to the whole page (an id in two pieces: the
        whole page would have made one of them unique; a first piece with nothing in it: the page's title comes
        from its first element; a piece that leaves an element open: in the whole page, a raw HTML block runs
        on into the next piece)."""
        whole, renderings, warned = page.markdown, [], False
        try:
            for text in texts:
                key = ("piece", *place, text)
                if (found := self.kept.get(key) or self.used.get(key)) is None:
                    page.markdown = text
                    found = _rendered(page, render, config, files)
                    self.pieces_rendered += 1
                    said = found is None  # a warning: said again on every build, so not kept
                    if said:
                        found = _Render(page.content or "", _flat_toc(page.toc), page._title_from_render,
                                        set(page.present_anchor_ids or ()), _by_source(page.links_to_anchors))
                    found = dataclasses.replace(found, closed=_closes_all(found.content))
                    warned |= said
                    if not said:
                        self.used[key] = found
                else:
                    self.used[key] = found
                    self.pieces_reused += 1
                renderings.append(found)
        finally:
            page.markdown = whole
        merged = _merged(renderings)
        return None if merged is None else (merged, warned)


def remember_across_builds(page: Page, kept: Any, files_key: str) -> None:
    """Make `page.render` take its rendering from `kept` (cache.KeptResults: a `strategy build`'s, kept in the
    render cache from build to build) when its Markdown, its place, the site's files and the Markdown
    extensions are what they were: a rebuild after an edit renders the pages it changes, not every page.
    A rendering that warned is not kept (the warning must be said again: `strict` fails the build on it)."""
    render = page.render

    def remembered(config: MkDocsConfig, files: Files) -> None:
        made = []

        def make() -> dict | None:
            made.append(True)
            rendering = _rendered(page, render, config, files)
            return None if rendering is None else _as_json(rendering)

        key = (page.file.src_uri, page.file.dest_uri, files_key,
               repr((config.markdown_extensions, config.mdx_configs)), page.markdown)
        said = kept.result(key, make)
        if not made:
            _restore(page, _from_json(said), files)

    page.render = remembered  # type: ignore[method-assign]


def _as_json(rendering: _Render) -> dict:
    return {"content": rendering.content, "toc": [list(heading) for heading in rendering.toc],
            "title": rendering.title, "links_to_anchors": rendering.links_to_anchors,
            "present_anchor_ids": None if rendering.present_anchor_ids is None
            else sorted(rendering.present_anchor_ids)}


def _from_json(said: dict) -> _Render:
    ids = said["present_anchor_ids"]
    return _Render(said["content"], tuple((title, id, level) for title, id, level in said["toc"]), said["title"],
                   None if ids is None else set(ids), said["links_to_anchors"])


def _rendered(page: Page, render: Callable, config: MkDocsConfig, files: Files) -> _Render | None:
    """Render the page (MkDocs' own Page.render) and return what it left on it; None when MkDocs warned while
    rendering (a warning must be said again on every build: `strict` turns it into a failed build)."""
    warnings = _Warnings()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(warnings)
    try:
        render(config, files)
    finally:
        logger.removeHandler(warnings)
    if warnings.count:
        return None
    return _Render(page.content or "", _flat_toc(page.toc), page._title_from_render,
                   set(page.present_anchor_ids or ()), _by_source(page.links_to_anchors))


# What makes Python-Markdown's rendering of one part of a page depend on another: a footnote (numbered through
# the page, listed at its end), a definition (a reference link's, an abbreviation's: they apply to the whole
# page) and a table of contents marker.
_ACROSS_PIECES = ("[^", "]:", "[TOC]")


def _cut(markdown: str, pieces: Pieces) -> list[str] | None:
    """The page's Markdown in pieces, each ending with `pieces.suffix`; None when it does not end with it, holds
    what reaches across pieces, or makes one piece only."""
    if not pieces.suffix or not markdown.endswith(pieces.suffix):
        return None
    body = markdown[:-len(pieces.suffix)]
    if any(mark in body for mark in _ACROSS_PIECES):
        return None
    starts = [m.start() for m in pieces.start.finditer(body) if body[max(m.start() - 2, 0):m.start()] == "\n\n"]
    if not starts:
        return None
    bounds = [0, *starts, len(body)]
    return [body[a:b] + pieces.suffix for a, b in zip(bounds, bounds[1:])]


_ID = re.compile(r'\sid="([^"]*)"')


def _merged(renderings: list[_Render]) -> _Render | None:
    """One page's rendering from its pieces', in order: the HTML joined as Python-Markdown joins top-level
    blocks, the headings of all (nested when the page takes them, `_toc`), the title from the first piece."""
    if not renderings[0].content.strip() or not all(r.closed for r in renderings):
        return None
    seen: set[str] = set()
    for rendering in renderings:
        ids = set(_ID.findall(rendering.content))
        if ids & seen:
            return None
        seen |= ids
    links: dict[str, dict[str, str]] | None = None
    for rendering in renderings:
        if rendering.links_to_anchors is not None:
            links = links or {}
            for source, anchors in rendering.links_to_anchors.items():
                links.setdefault(source, {}).update(anchors)
    return _Render("\n".join(r.content for r in renderings), sum((r.toc for r in renderings), ()),
                   renderings[0].title, set().union(*(r.present_anchor_ids or () for r in renderings)), links)


def _flat_toc(toc: Any) -> tuple[tuple[str, str, int], ...]:
    """A table of contents as the headings it was nested from (toc.nest_toc_tokens), in order: kept so, it is
    made anew for each build that takes it (`_toc`), as MkDocs makes it, and joins other pieces' headings."""
    found: list[tuple[str, str, int]] = []
    for item in toc or ():
        found.append((item.title, item.id, item.level))
        found += _flat_toc(item.children)
    return tuple(found)


def _toc(headings: tuple[tuple[str, str, int], ...]) -> Any:
    """MkDocs' table of contents of these headings, nested as Python-Markdown nests them."""
    return get_toc(nest_toc_tokens([{"name": title, "id": id, "level": level} for title, id, level in headings]))


def _by_source(links: dict | None) -> dict[str, dict[str, str]] | None:
    return None if links is None else {file.src_uri: dict(anchors) for file, anchors in links.items()}


def _restore(page: Page, render: _Render, files: Files) -> None:
    page.content = render.content
    page.toc = _toc(render.toc)
    page._title_from_render = render.title
    page.present_anchor_ids = set(render.present_anchor_ids) if render.present_anchor_ids is not None else None
    if render.links_to_anchors is not None:
        page.links_to_anchors = {target: dict(anchors) for src, anchors in render.links_to_anchors.items()
                                 if (target := files.get_file_from_path(src)) is not None}


class TemplateCache(BytecodeCache):
    """The theme's compiled templates, kept in memory for the process by the checksum of their source (an edited
    template is compiled again). Kept as code objects, not as bytes to unmarshal on every build: a code object
    never changes, and each environment makes its own functions from it."""

    def __init__(self) -> None:
        self.compiled: dict[str, tuple[str, Any]] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if (found := self.compiled.get(bucket.key)) is not None and found[0] == bucket.checksum:
            bucket.code = found[1]

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = (bucket.checksum, bucket.code)


class SearchEntries(_KeptFromLastBuild):
    """Each page's entries in the search index, as the last build made them, by everything they are made from
    (Material's SearchIndex.add_entry_from_context reads the page's HTML, URL, title, table of contents and
    front matter); and, for a page of many sections (the register), each of its top-level h2 sections'
    entries, so that an edit to one input parses that input's section only."""

    COUNTS = ("made", "reused", "pieces_made", "pieces_reused")

    def remember(self, config: MkDocsConfig, in_pieces: Collection[str] = ()) -> None:
        """Make the search plugin's index of this build (made by its on_config) take each unchanged page's
        entries from here, and those of each unchanged top-level section of the pages `in_pieces` (by their
        paths in docs/). A search plugin of another shape is left as it is."""
        index = next((p.search_index for p in config.plugins.values()
                      if hasattr(getattr(p, "search_index", None), "add_entry_from_context")), None)
        if index is None or not isinstance(getattr(index, "entries", None), list):
            return
        add = index.add_entry_from_context
        # Material's parser of a page's HTML into sections, and its entry of a section: for the pieces.
        parser = getattr(sys.modules.get(type(index).__module__), "Parser", None)

        def remembered(page: Page) -> None:
            key = (page.url, page.content, page.title, _toc_key(page.toc), repr(page.meta))
            if (found := self.reuse(key)) is not None:
                index.entries.extend(_copied(found))
                self.reused += 1
                return
            before = len(index.entries)
            chunks = None if parser is None or not hasattr(index, "create_entry_for_section") \
                or page.file.src_uri not in in_pieces \
                or (page.meta.get("search") or {}).get("exclude") else html_pieces(page.content or "")
            if chunks is None:
                add(page)
            else:
                keys = [self._piece_key(page, number, chunk) for number, chunk in enumerate(chunks)]
                for number, (chunk, piece) in enumerate(zip(chunks, keys)):
                    index.entries.extend(_copied(self._piece(page, number, chunk, piece, parser, index)))
                self.made_of(key, keys)
            self.used[key] = _copied(index.entries[before:])
            self.made += 1

        index.add_entry_from_context = remembered

    @staticmethod
    def _piece_key(page: Page, number: int, chunk: str) -> tuple:
        # Not by the page's table of contents: Material looks a section's heading up there only for its URL,
        # which is "#" + its id whether found there or not (MkDocs' AnchorLink.url); the section's id is in
        # the part's HTML. So an entry added to or left out of the register leaves the others' entries alone.
        return ("piece", page.url, number == 0, chunk, page.title, repr(page.meta))

    def _piece(self, page: Page, number: int, chunk: str, key: tuple, parser: Any, index: Any) -> list[dict]:
        """The entries of one top-level part of a page's HTML (the first part, or one that opens with an h2
        heading with an id), as Material makes them when it parses the whole page: a part after the first is
        parsed after a section that stands for the parts before it, which is then left out."""
        if (found := self.kept.get(key) or self.used.get(key)) is not None:
            self.pieces_reused += 1
        else:
            sections = parser()
            if number:
                sections.section = placeholder = _SectionBefore()
                sections.data.append(placeholder)
            sections.feed(chunk)
            sections.close()
            entries, index.entries = index.entries, []  # where create_entry_for_section appends
            try:
                for section in sections.data[1 if number else 0:]:
                    if not section.is_excluded():
                        index.create_entry_for_section(section, page.toc, page.url, page)
                found = index.entries
            finally:
                index.entries = entries
            self.pieces_made += 1
        self.used[key] = found
        return found


def _copied(entries: list[dict]) -> list[dict]:
    """Search entries, copied so that no plugin changes the kept ones (the values are text, numbers and lists
    of tags): as copy.deepcopy, in a tenth of its time."""
    return [{k: list(v) if isinstance(v, list) else v for k, v in entry.items()} for entry in entries]


class _SectionBefore:
    """Stands for the sections of the parts of a page before the one parsed (Material's parser asks only
    whether there is one, and its depth when a heading nested in an element ends)."""

    def __init__(self) -> None:
        self.depth, self.el, self.text, self.title = 0, None, [], []


# A top-level heading with an id: where the register's entries start in the page's HTML (Python-Markdown writes
# every top-level block on a line of its own).
_TOP_HEADING = re.compile(r'\n(?=<h2 id=")')
# Every tag, to check that a part of a page's HTML opens and closes its own elements.
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)\b[^>]*?(/?)>")
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())


def html_pieces(content: str) -> list[str] | None:
    """A page's HTML cut before each h2 heading with an id that starts a line, when every part closes every
    element it opens (so each heading is at the top level); None if not, or if there is one part only, or
    comments or raw-text elements, which a tag count cannot follow."""
    if "<!--" in content or "<script" in content or "<style" in content:
        return None
    parts = _TOP_HEADING.split(content)
    if len(parts) < 2:
        return None
    parts = [part + "\n" for part in parts[:-1]] + parts[-1:]
    return parts if all(_closes_all(part) for part in parts) else None


def _closes_all(html: str) -> bool:
    open_tags: list[str] = []
    for closing, tag, self_closing in _TAG.findall(html):
        tag = tag.lower()
        if tag in _VOID or self_closing:
            continue
        if not closing:
            open_tags.append(tag)
        elif not open_tags or open_tags.pop() != tag:
            return False
    return not open_tags


def _toc_key(toc: Any) -> tuple:
    """A table of contents as plain values: each heading's id, URL, title and level, and its children's."""
    return tuple((item.id, item.url, item.title, item.level, _toc_key(item.children)) for item in toc or ())


class ThemeListing:
    """The theme's files as MkDocs lists them on each build to copy them into the site (Environment.list_templates
    with MkDocs' filter), kept while the theme's folders hold the same files."""

    def __init__(self) -> None:
        self.kept: dict[tuple, list[str]] = {}
        self.listed = self.reused = 0

    def remember(self, config: MkDocsConfig, templates: BytecodeCache) -> None:
        """Give this build's theme (a new one each build) Jinja environments whose listing comes from here and
        whose compiled templates from `templates` (the page templates, and those the search plugin reads its
        words from)."""
        theme = config.theme
        get_env = theme.get_env

        def env_with_listing() -> Any:
            env = get_env()
            env.bytecode_cache = templates
            list_templates = env.list_templates

            def listed(extensions: Any = None, filter_func: Callable[[str], bool] | None = None) -> list[str]:
                # MkDocs' filter is a closure over the config: what it decides follows from its code and the
                # theme's static templates.
                key = (tuple(theme.dirs), _changing_files(theme.dirs), repr(extensions),
                       getattr(filter_func, "__code__", filter_func), tuple(sorted(theme.static_templates)))
                if (found := self.kept.get(key)) is None:
                    found = self.kept[key] = list_templates(extensions, filter_func)
                    self.listed += 1
                else:
                    self.reused += 1
                return list(found)

            env.list_templates = listed
            return env

        theme.get_env = env_with_listing  # type: ignore[method-assign]


# Where installed packages live: a theme folder in there (Material's, MkDocs' own) does not change while the
# server runs.
_INSTALLED = {Path(sysconfig.get_paths()[name]).resolve() for name in ("purelib", "platlib")}


def _changing_files(folders: list[str]) -> tuple[str, ...]:
    """Every file of the theme folders that are not installed packages (the project's own theme)."""
    found = []
    for folder in folders:
        path = Path(folder).resolve()
        if any(path.is_relative_to(installed) for installed in _INSTALLED):
            continue
        for parent, _, names in os.walk(path):
            found += (os.path.join(parent, name) for name in names)
    return tuple(sorted(found))


class PageOutputs(_KeptFromLastBuild):
    """Each page's output from the theme's template, as the last build made it, by everything the template is
    given (`_context_key`). MkDocs renders every page's template on every build; after an edit most pages'
    templates are given the same as before."""

    def remember(self, env: Any, config: MkDocsConfig, files_key: str) -> None:
        """Make the templates that `env` gives render a page from here when it is given what it was given."""
        get_template = env.get_template
        site = _site_key(config, files_key)

        def remembered_template(name: Any, *args: Any, **kwargs: Any) -> Any:
            return _RememberedTemplate(get_template(name, *args, **kwargs), self, site)

        env.get_template = remembered_template


class _RememberedTemplate:
    """A Jinja template whose `render` of a page is looked up first; the rest is the template's own (Jinja's
    extends and includes use it through here)."""

    def __init__(self, template: Any, outputs: PageOutputs, site: str) -> None:
        self._template, self._outputs, self._site = template, outputs, site

    def __getattr__(self, name: str) -> Any:
        return getattr(self._template, name)

    def render(self, *args: Any, **kwargs: Any) -> str:
        context = dict(*args, **kwargs)
        if context.get("page") is None:  # a static template (404.html, sitemap.xml): made each time
            return self._template.render(context)
        key = hashlib.sha256(f"{self._template.name}\0{self._site}\0{_context_key(context)}".encode()).hexdigest()
        outputs = self._outputs
        if (found := outputs.kept.get(key) or outputs.used.get(key)) is not None:
            outputs.used[key] = found
            outputs.reused += 1
            return found
        output = outputs.used[key] = self._template.render(context)
        outputs.rendered += 1
        return output


def _plain(value: Any) -> str:
    """A value as JSON text, a mapping (MkDocs' configuration sections) as an object; an object of another kind
    by its repr (an address in it only costs a reuse)."""
    return json.dumps(value, sort_keys=True, default=lambda v: dict(v) if isinstance(v, Mapping) else repr(v),
                      ensure_ascii=False)


def _site_key(config: MkDocsConfig, files_key: str) -> str:
    """What every page's template is given from the site: mkdocs.yml's bytes, the configuration (after the
    plugins' on_config: the banner's data is in `extra`), the theme, the site's files and the project's theme
    files."""
    try:
        yml = hashlib.sha256(Path(config.config_file_path).read_bytes()).hexdigest()
    except (OSError, TypeError):
        yml = "unread"
    values = {k: v for k, v in config.items() if k != "plugins"}
    values["plugins"] = {name: dict(plugin.config) for name, plugin in config.plugins.items()}
    theme = [(path, os.stat(path).st_size, os.stat(path).st_mtime_ns) for path in _changing_files(config.theme.dirs)
             if os.path.exists(path)]
    return hashlib.sha256(_plain([yml, values, repr(config.theme), files_key, theme]).encode()).hexdigest()


def _context_key(context: dict) -> str:
    """What one page's template is given: the page, the navigation and the rest of the context (but the build's
    time, which no template of this site shows)."""
    page = context["page"]
    rest = {k: v for k, v in context.items() if k not in ("page", "nav", "pages", "config", "build_date_utc")}
    return _plain([_page_key(page), _nav_key(context.get("nav")), [f.src_uri for f in context.get("pages") or ()],
                   rest])


def _page_key(page: Page) -> list:
    def place(other: Any) -> Any:
        return None if other is None else [getattr(other, "title", None), getattr(other, "url", None)]

    parents, parent = [], page.parent
    while parent is not None:
        parents.append(parent.title)
        parent = parent.parent
    return [page.file.src_uri, page.url, page.canonical_url, page.edit_url, page.title, page.content,
            _toc_key(page.toc), page.meta, page.is_homepage, place(page.previous_page), place(page.next_page),
            parents, getattr(page, "update_date", None)]


def _nav_key(nav: Any) -> list:
    def item(node: Any) -> list:
        return [type(node).__name__, node.title, getattr(node, "url", None), getattr(node, "active", None),
                getattr(node, "meta", None), [item(child) for child in getattr(node, "children", None) or ()]]

    return [item(node) for node in getattr(nav, "items", None) or ()]
