"""Renders reused across builds: what an unchanged input would only make again is copied from a cache.

Each render (a PDF edition, the Word version and its tracked-changes copy, the slides, each chart) is keyed by
the hash of everything that decides its bytes: its input (the print HTML, the deck, the chart's data), every
file the renderer may read (stylesheets, fonts, images), its options, the versions of the libraries that
make it and the files of the `strategy` package itself. An entry is a folder `.build/cache/<key>/` with the
rendered files and `entry.json` (the output it is, each file's sha256, and what the render said besides its
files, such as the PDF's page count and places). It is made whole in a temporary folder and renamed into
place (`atomic_entry`, which the earlier editions' cache shares), and each file is checked against its hash
when it is read: a damaged entry is dropped and the output rendered again, never published.

A build says what it rendered and what it reused (`RenderCache.rendered`, `.reused`). Entries that none of
the last KEEP_BUILDS builds used are removed at the end of a build. An internal build's entries hold withheld
text, like its site: the next build for any other audience removes them, so that after a partners or public
build no withheld text is left in `.build/`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

CACHE_FOLDER = "cache"  # in the project's work folder: .build/cache/
ENTRY_FILE = "entry.json"
BUILDS_FILE = "builds.json"  # when the last builds started: entries older than all of them are pruned
KEEP_BUILDS = 3


def atomic_entry(entry: Path, make: Callable[[Path], None]) -> Path:
    """The folder `entry`, made whole or not at all: `make` fills a temporary folder beside it, which is then
    renamed into place. A concurrent maker that won the race keeps its entry (the same key, the same
    content); an entry already there is left as it is."""
    entry.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{entry.name}.new-", dir=entry.parent))
    try:
        make(staging)
        try:
            staging.rename(entry)
        except OSError:
            if not entry.is_dir():  # not a concurrent build's entry: a real failure
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return entry


@cache
def package_fingerprint() -> str:
    """The `strategy` package's own files (code, stylesheets, templates): a change to any may change bytes."""
    from .editions import _files_under, files_fingerprint

    package = Path(__file__).resolve().parent
    return files_fingerprint(_files_under(package), package)


def folders_fingerprint(folders: Sequence[Path]) -> list[str]:
    """Every file a renderer may read from these folders, by its path inside its folder and its bytes."""
    from .editions import _files_under, files_fingerprint

    return [files_fingerprint(_files_under(folder), folder) for folder in folders]


@cache
def versions(*packages: str) -> dict[str, str]:
    """The installed versions of these libraries ("pandoc" for the pandoc binary)."""
    found = {}
    for name in packages:
        if name == "pandoc":
            import pypandoc

            found[name] = pypandoc.get_pandoc_version()
        else:
            try:
                found[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                found[name] = "not installed"
    return found


def render_key(output: str, *parts: Any) -> str:
    """The content hash of a render: its output's name and everything that decides its bytes. Parts are
    JSON, or dataclasses given as their repr (lists, tuples and strings only: the same value, the same text)."""
    text = json.dumps([output, package_fingerprint(), *parts], sort_keys=True, default=repr, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Entry:
    """A render as the cache keeps it: its files by name, and what else the render said (JSON)."""

    files: dict[str, bytes]
    said: Any = None


@dataclass
class RenderCache:
    """One build's view of the project's render cache: reads, writes, and the record of what was done."""

    folder: Path
    audience: str = "partners"  # of the build: an internal build's entries are removed by the next other build
    started: float = field(default_factory=time.time)
    rendered: dict[str, None] = field(default_factory=dict)  # output names, in the order they were made
    reused_: dict[str, None] = field(default_factory=dict)

    @classmethod
    def of_project(cls, work: Path, audience: str) -> RenderCache:
        return cls(work / CACHE_FOLDER, audience)

    @property
    def reused(self) -> list[str]:
        """Outputs taken from the cache (or from this process's memory), and not rendered in this build."""
        return [name for name in self.reused_ if name not in self.rendered]

    def fetch(self, output: str, key: str) -> Entry | None:
        """The entry for this key, each file checked against its hash; None (and a damaged entry removed)
        when there is none to trust."""
        entry = self.folder / key
        try:
            record = json.loads((entry / ENTRY_FILE).read_text(encoding="utf-8"))
            files = {name: (entry / name).read_bytes() for name in record["files"]}
        except (OSError, ValueError, KeyError, TypeError):
            record, files = None, {}
        if record is None or record.get("output") != output or any(
                hashlib.sha256(data).hexdigest() != record["files"][name] for name, data in files.items()):
            if entry.exists():
                shutil.rmtree(entry, ignore_errors=True)
            return None
        try:
            os.utime(entry)  # used by this build: kept by the next prunes
        except OSError:
            pass
        self.reused_[output] = None
        return Entry(files, record.get("said"))

    def keep(self, output: str, key: str, entry: Entry) -> None:
        """Store a fresh render under its key (whole or not at all), and note that it was rendered."""
        self.rendered[output] = None

        def write(staging: Path) -> None:
            for name, data in entry.files.items():
                (staging / name).write_bytes(data)
            record = {"output": output, "audience": self.audience, "files": {n: hashlib.sha256(d).hexdigest() for n, d in entry.files.items()},
                      "said": entry.said}
            (staging / ENTRY_FILE).write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")

        target = self.folder / key
        if target.exists():  # a damaged entry was removed on fetch; one still here is whole
            shutil.rmtree(target, ignore_errors=True)
        try:
            atomic_entry(target, write)
        except OSError:  # a full disk or a read-only cache costs the next build a render, never this build
            pass

    def reuse_or_render(self, output: str, key: str, files: dict[str, Path],
                        render: Callable[[], Any] = lambda: None) -> bool:
        """The one decision for outputs written to files: copy `files` (name in the entry -> where the output
        goes) from the cache when the key is known, else `render()` them there and keep them. True if reused."""
        if (found := self.fetch(output, key)) is not None:
            for name, path in files.items():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(found.files[name])
            return True
        said = render()
        self.keep(output, key, Entry({name: path.read_bytes() for name, path in files.items()}, said))
        return False

    def noted_reuse(self, output: str) -> None:
        """An output this process kept in memory from an earlier build (mkdocs serve, tests): reused too."""
        self.reused_[output] = None

    def prune(self) -> None:
        """Remove entries that none of the last KEEP_BUILDS builds (this one included) used, and, after a
        build for another audience, every entry an internal build made (and any a killed build left half
        made). Runs after the outputs are in place: a cache it cannot tidy never fails the build."""
        try:
            self._prune()
        except OSError:
            pass

    def _prune(self) -> None:
        log = self.folder / BUILDS_FILE
        try:
            starts = json.loads(log.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            starts = []
        starts = sorted([*(s for s in starts if isinstance(s, (int, float))), self.started])[-KEEP_BUILDS:]
        if not self.folder.is_dir():
            return
        from .files import replace_atomically

        replace_atomically(log, json.dumps(starts).encode())
        for entry in self.folder.iterdir():
            if entry.is_dir() and (entry.stat().st_mtime < starts[0] - 1 or self._withheld_here(entry)):
                shutil.rmtree(entry, ignore_errors=True)

    def remove_withheld(self) -> None:
        """After a build for an audience other than internal: every entry an internal build made, which holds
        withheld text (what `prune` removes besides old entries; for the builds that MkDocs runs, which keep the
        rest). Entries being made (hidden folders) are left to their maker."""
        if self.audience == "internal" or not self.folder.is_dir():
            return
        try:
            for entry in self.folder.iterdir():
                if entry.is_dir() and not entry.name.startswith(".") and self._withheld_here(entry):
                    shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            pass

    def keep_newest(self, output: str, count: int) -> None:
        """Remove all but the `count` newest entries of `output` made for this audience: for an output whose
        key changes with every edit (the site's sources), which builds that MkDocs runs make without the
        pruning of `strategy build`."""
        found = []
        try:
            for entry in self.folder.iterdir():
                try:
                    record = json.loads((entry / ENTRY_FILE).read_text(encoding="utf-8"))
                    if record.get("output") == output and record.get("audience") == self.audience:
                        found.append((entry.stat().st_mtime, entry))
                except (OSError, ValueError, AttributeError):
                    continue
        except OSError:
            return
        for _, entry in sorted(found, reverse=True)[count:]:
            shutil.rmtree(entry, ignore_errors=True)

    def _withheld_here(self, entry: Path) -> bool:
        """An internal build's entry, after a build for an audience that may not see what it holds (an
        unreadable entry counts as one: it is only a render to make again)."""
        if self.audience == "internal":
            return False
        try:
            return json.loads((entry / ENTRY_FILE).read_text(encoding="utf-8")).get("audience") == "internal"
        except (OSError, ValueError, AttributeError):
            return True


@dataclass
class KeptResults:
    """Results (JSON values) by the sha256 of their arguments, kept in one render cache entry between builds
    (`fetch_results`, `keep_results`): a build looks each result up by its arguments and makes what is missing;
    what it used is what is kept, so a result of a page no longer built, or built from other text, drops out.
    The plugin's page steps (website/site_sources.py) and the pages' print HTML (publish/print_html.py)."""

    results: dict[str, Any] = field(default_factory=dict)
    used: dict[str, Any] = field(default_factory=dict)
    made: int = 0

    def start_build(self) -> None:
        """Keep only what the last build used: one build's results (a server's rebuilds would gather every
        edit's)."""
        if self.used:
            self.results = self.used
        self.used, self.made = {}, 0

    def result(self, arguments: Any, make: Callable[[], Any]) -> Any:
        """The result for these arguments (plain values, whose repr is the same text for the same values):
        kept from a build before, or made now."""
        name = hashlib.sha256(repr(arguments).encode("utf-8")).hexdigest()
        if (found := self.results.get(name)) is None:
            found = self.results[name] = make()
            self.made += 1
        self.used[name] = found
        return found


_RESULTS_FILE = "results.json"


def fetch_results(renders: RenderCache, output: str, key: str) -> KeptResults:
    """The results kept under `key` (none if there are none, or if they cannot be read)."""
    if (entry := renders.fetch(output, key)) is not None:
        try:
            return KeptResults(dict(json.loads(entry.files[_RESULTS_FILE])))
        except (KeyError, ValueError, TypeError):
            pass
    return KeptResults()


def keep_results(renders: RenderCache, output: str, key: str, kept: KeptResults) -> None:
    """Keep the results this build used."""
    data = json.dumps(kept.used, ensure_ascii=False, sort_keys=True).encode("utf-8")
    renders.keep(output, key, Entry({_RESULTS_FILE: data}))


# The build running in this process: chapter generation (charts) reads its cache from here, set only around
# a build, so that nothing of the cache goes through the chapters' signatures.
_ACTIVE: ContextVar[RenderCache | None] = ContextVar("render_cache", default=None)


def active() -> RenderCache | None:
    return _ACTIVE.get()


@contextmanager
def using(render_cache: RenderCache) -> Iterator[RenderCache]:
    token = _ACTIVE.set(render_cache)
    try:
        yield render_cache
    finally:
        _ACTIVE.reset(token)
