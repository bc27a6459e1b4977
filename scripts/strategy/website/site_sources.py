"""What a site build makes from the project's sources, kept in the render cache (.build/cache) for the next
process: the generated chapters (with their charts and images), the abbreviations each page ends with and each
author page's Markdown with its macros expanded (`SiteSources`); and, apart, the results of the plugin's steps
on each page's HTML (the allow-list, the numbers, the Comment links) by the hash of everything each step is
given (`PageSteps`, a cache.KeptResults), so that after an edit only the pages whose HTML changed go through them again.

`mkdocs build` runs in a new process each time. Unchanged sources would only give the same chapters again, so
a build whose sources' fingerprint is known takes them from the cache and neither reads the inputs nor imports
the modules that make chapters. The key is the hash of everything they are made from: the bytes and places of
the inputs folder, strategy.yml (which names the edition), mkdocs.yml (the nav the chapters are numbered by),
the author pages and the stored editions; the audience; the `strategy` package's own files and the versions of
the libraries that decide the bytes (cache.render_key). Consent lives in the inputs' bytes, so a changed
consent is a new key, and an entry of an internal build is removed by the next build for another audience,
as every render of an internal build is (cache.RenderCache.prune).

Only a build that found no problem is kept, and only when there is no previous edition to mark changes
against (a redline is not kept: such a build makes its chapters again). The page steps are one entry per
audience (and package, and libraries), holding the steps the last build used: each result is found by the
hash of its own arguments, which hold the page's HTML, so it cannot be another page's or an older one's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..cache import Entry, KeptResults, RenderCache, fetch_results, keep_results, render_key, versions

SITE_SOURCES = "site sources"  # the output's name in the render cache
_RECORD = "site.json"
# Libraries whose versions decide the kept bytes: the charts (matplotlib), the choice between a partner's
# Markdown and its plain text (Python-Markdown and its extensions, the allow-list).
LIBRARIES = ("matplotlib", "markdown", "pymdown-extensions", "nh3")


@dataclass(frozen=True)
class GeneratedFile:
    """A generated chapter, chart or image as the site serves it: its path in docs/ and its bytes."""

    path: str
    content: bytes


@dataclass
class SiteSources:
    """What a site build made from its sources."""

    generated: list[GeneratedFile]
    abbreviations: str
    # Each author page's Markdown with its macros expanded, by the page's path in docs/: (the sha256 of the
    # Markdown it was expanded from, the expansion). Filled as the pages are read.
    expansions: dict[str, tuple[str, str]] = field(default_factory=dict)

    def expansion(self, page: str, markdown: str) -> str | None:
        found = self.expansions.get(page)
        return found[1] if found is not None and found[0] == markdown_hash(markdown) else None

    def expanded(self, page: str, markdown: str, expansion: str) -> None:
        self.expansions[page] = (markdown_hash(markdown), expansion)


PageSteps = KeptResults  # the plugin's page steps: each result by the hash of the step's arguments


def markdown_hash(markdown: str) -> str:
    return hashlib.sha256(markdown.encode("utf-8")).hexdigest()


def files_digest(paths: Iterable[Path], root: Path) -> str:
    """The hash of every file at or under `paths`, by its place (relative to `root` when inside it) and its
    bytes (editions.files_fingerprint). A path that does not exist counts, and so does a file that vanishes
    while it is read (an editor saving it under `mkdocs serve`): the next build sees it again."""
    from ..editions import _files_under, files_fingerprint

    parts = []
    for path in paths:
        where = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        files, base = (_files_under(path), path) if path.is_dir() else ([path], path.parent)
        parts.append(f"{len(where)}:{where}{files_fingerprint(files, base, vanished_ok=True)}")
    return hashlib.sha256("".join(parts).encode("utf-8")).hexdigest()


def site_sources_key(inputs: str, pages: str, audience: str) -> str:
    """The render cache's key of a build's site sources: `inputs` and `pages`, the digests of the inputs (with
    strategy.yml) and of the pages (mkdocs.yml, author pages, stored editions)."""
    return render_key(SITE_SOURCES, inputs, pages, audience, versions(*LIBRARIES))


def fetch_site_sources(renders: RenderCache, key: str) -> SiteSources | None:
    """The site sources kept under `key`, or None."""
    if (entry := renders.fetch(SITE_SOURCES, key)) is None:
        return None
    try:
        record = json.loads(entry.files[_RECORD])
        generated = [GeneratedFile(path, entry.files[f"generated-{n}"]) for n, path in enumerate(record["generated"])]
        expansions = {page: (sha, text) for page, (sha, text) in record["expansions"].items()}
        return SiteSources(generated, record["abbreviations"], expansions)
    except (KeyError, ValueError, TypeError):  # an entry of another shape: made again, and kept anew
        return None


def keep_site_sources(renders: RenderCache, key: str, sources: SiteSources) -> None:
    record = {"generated": [f.path for f in sources.generated], "abbreviations": sources.abbreviations,
              "expansions": {page: list(kept) for page, kept in sorted(sources.expansions.items())}}
    files = {_RECORD: json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8"),
             **{f"generated-{n}": f.content for n, f in enumerate(sources.generated)}}
    renders.keep(SITE_SOURCES, key, Entry(files))


PAGE_STEPS = "site page steps"  # the output's name in the render cache


def page_steps_key(audience: str) -> str:
    return render_key(PAGE_STEPS, audience, versions(*LIBRARIES))


def fetch_page_steps(renders: RenderCache, key: str) -> PageSteps:
    """The page steps kept under `key` (none if there are none, or if they cannot be read)."""
    return fetch_results(renders, PAGE_STEPS, key)


def keep_page_steps(renders: RenderCache, key: str, steps: PageSteps) -> None:
    """The steps the last build used (those of pages no longer built, or built from other HTML, are left out)."""
    keep_results(renders, PAGE_STEPS, key, steps)


PAGE_RENDERS = "site page renders"  # the output's name in the render cache


def page_renders_key(audience: str) -> str:
    """The key of the pages' renderings (MkDocs' Markdown to HTML) that `strategy build` keeps from build to
    build (rebuilds.remember_across_builds)."""
    return render_key(PAGE_RENDERS, audience, versions("mkdocs", *LIBRARIES))
