"""What goes into the PDF, in which order and with which role, read from mkdocs.yml.

The site's navigation is the document's table of contents: top-level pages
are front matter, the "Annexes" section holds the annexes and every other
section holds the numbered chapters. A page's front matter can say
`pdf: false` (site only) or `pdf: before-contents` (front matter printed
before the table of contents, such as a foreword).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class PrintChapter:
    """One page of the site as it appears in the PDF."""

    path: str  # inside the docs folder, as in the nav
    title: str
    role: str  # "front", "chapter" or "annex"
    number: str = ""  # "2" for chapter 2, "1" for annex 1, "" for front matter

    @property
    def slug(self) -> str:
        # No "--" inside: it separates the slug from the ids it prefixes (print_markup.PREFIX_SEPARATOR).
        return "ch-" + re.sub("-{2,}", "-", Path(self.path).stem)

    @property
    def label(self) -> str:
        """How the chapter is named in captions and cross-references: "2", "A1"."""
        return {"chapter": self.number, "annex": f"A{self.number}"}.get(self.role, "")


def document_outline(mkdocs_yml: Path) -> tuple[list[PrintChapter], dict[str, Any]]:
    """The chapters in nav order, numbered, and the Markdown extensions the site uses."""
    config = yaml.load(mkdocs_yml.read_text(encoding="utf-8"), Loader=_IgnoreTagsLoader)
    return chapters_of_nav(config.get("nav", [])), markdown_extensions(config.get("markdown_extensions", []))


def chapters_of_nav(nav: list) -> list[PrintChapter]:
    """The chapters of mkdocs.yml's nav, numbered: the site's plugin numbers paragraphs by it, as print does."""
    entries: list[tuple[str, str, str]] = []
    for entry in nav or []:
        (title, target), = entry.items()
        if isinstance(target, str):
            entries.append((target, title, "front"))
            continue
        role = "annex" if title.strip().lower() == "annexes" else "chapter"
        for sub in target:
            (sub_title, sub_target), = sub.items()
            entries.append((sub_target, sub_title, role))
    return entries_to_chapters(entries)


def entries_to_chapters(entries: list[tuple[str, str, str]]) -> list[PrintChapter]:
    counts = {"chapter": 0, "annex": 0}
    chapters = []
    for path, title, role in entries:
        number = ""
        if role in counts:
            counts[role] += 1
            number = str(counts[role])
        chapters.append(PrintChapter(path, title, role, number))
    return chapters


def markdown_extensions(configured: list) -> dict[str, Any]:
    """mkdocs.yml's markdown_extensions as {name: config}, without web-only permalinks."""
    out: dict[str, Any] = {}
    for entry in configured:
        name, options = (entry, {}) if isinstance(entry, str) else next(iter(entry.items()))
        out[name] = dict(options or {})
    if "toc" in out:
        out["toc"]["permalink"] = False
    return out


class _IgnoreTagsLoader(yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader):  # type: ignore[misc]
    """mkdocs.yml may use !ENV or !!python/name tags; the outline needs neither. Parsed by libyaml when PyYAML
    has it (the pinned wheel does): `strategy check` reads mkdocs.yml several times."""


_IgnoreTagsLoader.add_multi_constructor("", lambda loader, suffix, node: None)
_IgnoreTagsLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
