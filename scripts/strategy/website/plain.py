"""The site's sources as plain files, for generators that run no MkDocs plugin (Zensical).

Zensical reads `mkdocs.yml` but runs none of our plugin: it would find macros
(`{{ quote("PI-012") }}`) unexpanded, no generated chapters and no banner data.
`strategy chapters` therefore also writes a complete plain source tree into
`.build/plain/`, made for one audience:

- `docs/`: the author pages with their macros expanded as a build expands them
  (consent decides what a quote shows, as in chapters/macros.py), the generated
  chapters with their charts and images, every other file of docs/ (assets);
  every page ends with the abbreviations, as the plugin appends them; a draft
  gets the robots.txt that keeps search engines out;
- `overrides/`: a copy of the theme override (`theme.custom_dir`), without
  the copy of Material 9's search dialog (Zensical's search is another);
- `mkdocs.yml`: the project's, without our plugin and its `watch`, with
  `extra.strategy` holding the banner's data (website/plugin.py's
  `banner_context`, and one "Send comments" address for the whole draft).

`zensical build -f .build/plain/mkdocs.yml` (or `mkdocs build -f …`) then
builds the site into `.build/plain/site/`. The authors' files are never
written to; the tree is written beside `.build/plain` and renamed into place
whole, so a failed run leaves the previous tree as it was.

What the plugin does to the rendered HTML (the allow-list of safe_html, caption
and paragraph numbers, Comment links, the marks of what changed) needs the
plugin: a plain site does without them. Partner text is escaped in the Markdown
itself (chapters/markdown.py), which is what a plain generator reads.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from ..chapters import GENERATED_FOLDER, Audience, Chapter
from ..chapters.abbreviations import abbreviation_definitions
from ..chapters.macros import expand_macros, first_body_line
from ..inputs import StrategyInputs
from ..inputs.records import Publication
from ..problems import Problem, ProblemsFound, display_path
from ..project import MKDOCS_YML, Project
from ..redline import Redline

# Inside the project's work folder (.build/): ignored by git, like every generated output.
PLAIN_FOLDER = "plain"
PLAIN_DOCS = "docs"
PLAIN_THEME = "overrides"
PLUGIN = "strategy"
HEADER = ("# Written by `strategy chapters` for the {audience} audience: the site's sources as plain files, for\n"
          "# generators that run no MkDocs plugin. Build with `zensical build -f {config}`. Edits here are lost:\n"
          "# edit the project's mkdocs.yml, docs/ and inputs/, then run `strategy chapters` again.\n")


def plain_folder(project: Project) -> Path:
    return project.work / PLAIN_FOLDER


def write_plain_source(project: Project, publication: Publication, inputs: StrategyInputs, audience: Audience,
                       chapters: list[Chapter], redline: Redline | None) -> Path:
    """Write `.build/plain/` whole for `audience` (see the module's docstring); return its mkdocs.yml."""
    config = _plain_config(project, publication, audience, redline)
    project.work.mkdir(parents=True, exist_ok=True)
    new = Path(tempfile.mkdtemp(prefix=f".{PLAIN_FOLDER}-", dir=project.work))
    try:
        docs = new / PLAIN_DOCS
        abbreviations = abbreviation_definitions(inputs, audience)
        _copy_assets(project, docs)
        _write_author_pages(project, docs, inputs, audience, abbreviations)
        for chapter in chapters:
            content = chapter.content if chapter.image is not None or not chapter.file_name.endswith(".md") \
                else (chapter.markdown + abbreviations).encode("utf-8")
            _write(docs / chapter.path, content)
        if not publication.edition.final:
            from .plugin import DRAFT_ROBOTS, ROBOTS_TXT

            _write(docs / ROBOTS_TXT, DRAFT_ROBOTS.encode("utf-8"))
        theme = config["theme"].get("custom_dir")
        if theme:
            shutil.copytree(project.root / theme, new / PLAIN_THEME, ignore=_material_only)
            config["theme"]["custom_dir"] = PLAIN_THEME
        target = plain_folder(project)
        shown = display_path(target / MKDOCS_YML, project.root)
        _write(new / MKDOCS_YML, (HEADER.format(audience=audience.value, config=shown)
                                  + yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=120)
                                  ).encode("utf-8"))
        _replace_folder(new, target)
    finally:
        shutil.rmtree(new, ignore_errors=True)
    return target / MKDOCS_YML


def _plain_config(project: Project, publication: Publication, audience: Audience,
                  redline: Redline | None) -> dict[str, Any]:
    """The project's mkdocs.yml for the plain tree: its docs and site folders inside the tree, no plugin of
    ours, nothing watched outside the tree, and the banner's data in extra.strategy."""
    from .plugin import banner_context

    config = _read_config(project)
    config["docs_dir"], config["site_dir"] = PLAIN_DOCS, "site"
    plugins = config.get("plugins") or []
    if isinstance(plugins, dict):  # MkDocs takes the plugins as a mapping too
        config["plugins"] = {name: options for name, options in plugins.items() if name != PLUGIN}
    else:
        config["plugins"] = [p for p in plugins if (p if isinstance(p, str) else next(iter(p), None)) != PLUGIN]
    config.pop("watch", None)  # the inputs are the project's: `strategy chapters` is what reads them
    config["theme"] = dict(config.get("theme") or {})
    banner = banner_context(publication, audience)
    if redline is not None:
        from ..publish.tracked_docx import tracked_docx_file_name
        from .plugin import CHANGES_PAGE

        banner["changes"] = {"since": redline.since, "page": CHANGES_PAGE.removesuffix(".md") + ".html",
                             "tracked_docx": tracked_docx_file_name(publication, redline.since)}
    if publication.comments_email:  # the plugin writes one per page; a plain site has one for the whole draft
        from ..paragraphs import mailto

        edition = f"{banner['edition']}, {banner['date']}"
        banner["comment_href"] = mailto(publication.comments_email, f"{publication.short_title}, {banner['edition']}",
                                        f"Edition: {edition}\nPage: \nSection: \n\nComment:\n\n\n"
                                        "Proposed text (if any):\n\n")
    config["extra"] = {**(config.get("extra") or {}), "strategy": banner}
    return config


def _read_config(project: Project) -> dict[str, Any]:
    shown = display_path(project.mkdocs_yml, project.root)
    try:
        config = yaml.load(project.mkdocs_yml.read_text(encoding="utf-8"),
                           Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise ProblemsFound([Problem(shown, mark.line + 1 if mark else None, None,
                                     "plain YAML, without tags such as !ENV, for the plain copy of the site",
                                     str(getattr(err, "problem", None) or err))]) from None
    if not isinstance(config, dict):
        raise ProblemsFound([Problem(shown, None, None, "a mapping of settings", type(config).__name__)])
    return config


def _copy_assets(project: Project, docs: Path) -> None:
    """Every file of docs/ but the author pages (written expanded) and docs/generated (which another command
    may have written for another audience: the chapters come from memory)."""
    left_out = {project.docs / GENERATED_FOLDER, *project.author_pages()}

    def ignored(folder: str, names: list[str]) -> set[str]:
        return {n for n in names if Path(folder) / n in left_out}

    shutil.copytree(project.docs, docs, ignore=ignored)  # links are followed: `check` allows only safe ones


def _write_author_pages(project: Project, docs: Path, inputs: StrategyInputs, audience: Audience,
                        abbreviations: str) -> None:
    """Each author page with its macros expanded for `audience`, its front matter kept as written."""
    from mkdocs.utils.meta import get_data  # as the site and the print edition split off the front matter

    for path in project.author_pages():
        source = path.read_text(encoding="utf-8-sig")
        body, meta = get_data(source)
        page_path = path.relative_to(project.docs).as_posix()
        expanded = expand_macros(body, inputs, audience, file=display_path(path, project.root),
                                 page_path=page_path, first_line=first_body_line(source, body))
        head = source[:len(source) - len(body)] if source.endswith(body) else \
            ("---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n\n" if meta else "")
        _write(docs / page_path, (head + expanded + abbreviations).encode("utf-8"))


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def _replace_folder(new: Path, target: Path) -> None:
    """`new` in place of `target`: the old tree moved aside first, then removed (put back if the new one
    cannot take its place)."""
    if target.exists():
        old = new.with_name(new.name + ".old")
        target.rename(old)
        try:
            new.rename(target)
        except BaseException:
            old.rename(target)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        new.rename(target)


def _material_only(folder: str, names: list[str]) -> list[str]:
    """The override files that replace one of Material 9's own partials: Zensical's templates differ (its
    search dialog would lose its styles and scripts), so the plain tree leaves them out."""
    return ["search.html"] if Path(folder).name == "partials" else []
