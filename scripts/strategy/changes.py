"""This edition against the previous one: the redline every output shows ("What changed since Draft 1").

The previous edition is made again from its stored sources (editions.py) for the same audience as this
build, and both editions are compared as their readers get them (redline.py): rendered, consent applied. Its
copy is first given today's consent (edition_builds.apply_narrowing, as the rebuilt earlier editions are): a
partner who has since withheld an input, or whose input was taken out, has its text kept out of the
comparison too, so it cannot come back as a deletion.

Two pages are not compared: this "What changed" page itself and the comment-response matrix, which answers
the comments of each edition in its own words.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import cache
from .audience import Audience
from .chapters import Chapter, author_text, generate_chapters
from .edition_builds import apply_narrowing, narrowed_consents
from .editions import StoredEdition, pipeline_fingerprint, previous_edition, sources_fingerprint
from .feedback import CHANGES_PAGE, COMMENT_MATRIX, edition_outline
from .inputs import StrategyInputs
from .inputs.records import Publication
from .project import Project
from .redline import CHANGES_FILE, Redline, changes_page, compare

NOT_COMPARED = frozenset({CHANGES_PAGE, COMMENT_MATRIX})


@dataclass(frozen=True)
class EditionChanges:
    """What changed since the previous edition (None when this is the first), and the page that says it."""

    redline: Redline | None
    page: Chapter

    @property
    def changed_pages(self) -> set[str]:
        return self.redline.changed_pages if self.redline else set()


def edition_changes(project: Project, publication: Publication, inputs: StrategyInputs, audience: Audience,
                    rendered: Callable[[], list], step: Callable[[str], None] = lambda _: None) -> EditionChanges:
    """The redline of this edition against the previous stored edition, and the "What changed" page.

    `rendered()` gives this edition's chapters as print_html.render_chapters makes them for `audience`
    (without this page), asked for only when there is an edition to compare with; `step` is told when the
    comparison starts."""
    label = publication.edition.label
    previous = previous_edition(project.root, label)
    if previous is None:
        return EditionChanges(None, Chapter(CHANGES_FILE, changes_page(None, label)))
    step(f"Comparing with the previous edition, {previous.record.label}")
    from .publish.print_html import numbered

    old = previous_rendering(project, previous, inputs, audience)
    new = [numbered(r) if publication.numbers_paragraphs else r for r in _compared(rendered())]
    redline = compare(previous.record.label, label, old, new)
    return EditionChanges(redline, Chapter(CHANGES_FILE, changes_page(redline, label)))


def edition_chapters(project: Project, publication: Publication, inputs: StrategyInputs,
                     audience: Audience) -> tuple[list[Chapter], EditionChanges]:
    """Every generated chapter of this edition as a build for `audience` shows it: What changed among them
    and the matrix answering the previous edition's comments (`strategy build` makes the same, reusing the
    print rendering it needs anyway)."""
    chapters = generate_chapters(inputs, audience, author_text(project.author_pages()),
                                 edition_outline(project, publication.edition.label))
    changes = site_changes(project, publication, inputs, audience, chapters)
    return [*with_answers(chapters, project, publication, inputs, audience, changes.redline), changes.page], changes


def with_answers(chapters: list[Chapter], project: Project, publication: Publication, inputs: StrategyInputs,
                 audience: Audience, redline: Redline | None) -> list[Chapter]:
    """The chapters again, the comment-response matrix now saying where this edition answers each comment on
    the previous one; as they were when there is no such comment."""
    if redline is None or not any(f.edition == redline.since for f in inputs.feedback):
        return chapters
    return generate_chapters(inputs, audience, author_text(project.author_pages()),
                             edition_outline(project, publication.edition.label), redline)


def site_changes(project: Project, publication: Publication, inputs: StrategyInputs, audience: Audience,
                 chapters: list[Chapter]) -> EditionChanges:
    """As `edition_changes`, for the site alone (`mkdocs serve`, `mkdocs build`): renders this edition's
    chapters for print only when there is an edition to compare with."""
    from .publish import document_outline, render_chapters

    def rendered() -> list:
        outline, extensions = document_outline(project.mkdocs_yml)
        return render_chapters([c for c in outline if c.path not in NOT_COMPARED], extensions, project.docs,
                               inputs, audience, project.root,
                               {c.path: c.markdown for c in chapters if c.image is None})

    return edition_changes(project, publication, inputs, audience, rendered)


def previous_rendering(project: Project, previous: StoredEdition, current: StrategyInputs,
                       audience: Audience) -> list:
    """The previous edition's chapters rendered for `audience` (with today's consent), paragraphs numbered
    as its outputs number them. A stored edition never changes: the rendering is kept for this process (the
    rebuilds of `mkdocs serve`), per edition, sources, audience and today's narrowed consents, and in the
    build's render cache (cache.py) for the builds after it."""
    narrowed = narrowed_consents(previous, current)
    key = (str(previous.folder.resolve()), previous.record.sources, audience, tuple(narrowed))
    if key not in _RENDERED:
        _RENDERED.clear()  # one previous edition at a time is all a project compares with
        _RENDERED[key] = _cached_previous(project, previous, audience, narrowed)
    elif (renders := cache.active()) is not None:
        renders.noted_reuse(PREVIOUS_RENDERING)
    return _RENDERED[key]


_RENDERED: dict[tuple, list] = {}
PREVIOUS_RENDERING = "previous edition's rendering"  # its name in the render cache and in BuildResult


def _cached_previous(project: Project, previous: StoredEdition, audience: Audience, narrowed: list) -> list:
    """The rendering from the build's render cache, keyed by the stored sources as they are on disk, the
    audience, the narrowed consents and the pipeline (our code, docs/assets, the renderers' versions); else
    rendered now and kept there."""
    renders = cache.active()
    if renders is None:  # outside a build (mkdocs serve): this process's memory is the cache
        return _render_previous(project, previous, audience, narrowed)
    key = cache.render_key(PREVIOUS_RENDERING, previous.record.label, sources_fingerprint(previous.folder),
                           audience.value, [[n.file, n.now.value] for n in narrowed],
                           pipeline_fingerprint(project.root))
    if (found := renders.fetch(PREVIOUS_RENDERING, key)) is not None:
        return [_rendered_chapter(chapter) for chapter in json.loads(found.files["chapters.json"])]
    rendered = _render_previous(project, previous, audience, narrowed)
    chapters = json.dumps([dataclasses.asdict(r) for r in rendered], ensure_ascii=False).encode("utf-8")
    renders.keep(PREVIOUS_RENDERING, key, cache.Entry({"chapters.json": chapters}))
    return rendered


def _rendered_chapter(said: dict):
    """A RenderedChapter from its JSON in the cache."""
    from .publish.outline import PrintChapter
    from .publish.print_html import RenderedChapter
    from .publish.print_markup import Caption, Heading

    return RenderedChapter(PrintChapter(**said["chapter"]), said["html"], said["before_contents"],
                           [Heading(**h) for h in said["headings"]], [Caption(**c) for c in said["captions"]])


def _render_previous(project: Project, previous: StoredEdition, audience: Audience, narrowed: list) -> list:
    from .publish import document_outline, render_chapters
    from .publish.print_html import numbered

    with tempfile.TemporaryDirectory(prefix="previous-", dir=_work(project)) as folder:
        old = Project(previous.materialise(Path(folder) / "project", project.root))
        apply_narrowing(old.root, narrowed)
        publication = old.publication()
        inputs = old.inputs(publication)
        chapters = generate_chapters(inputs, audience, author_text(old.author_pages()),
                                     edition_outline(old, publication.edition.label))
        outline, extensions = document_outline(old.mkdocs_yml)
        outline = [c for c in outline if c.path not in NOT_COMPARED]
        rendered = render_chapters(outline, extensions, old.docs, inputs, audience, old.root,
                                   {c.path: c.markdown for c in chapters if c.image is None})
        return [numbered(r) for r in rendered] if publication.numbers_paragraphs else rendered


def _compared(rendered: list) -> list:
    return [r for r in rendered if r.chapter.path not in NOT_COMPARED]


def _work(project: Project) -> Path:
    project.work.mkdir(parents=True, exist_ok=True)
    return project.work


__all__ = ["CHANGES_PAGE", "NOT_COMPARED", "EditionChanges", "edition_chapters", "edition_changes", "site_changes", "with_answers", "previous_rendering"]
