"""Stage 2: validated records -> the generated Markdown chapters.

Each chapter is a function of the records and the audience, made in memory.
The site (website/plugin.py) and the print edition take them from there, so no
build reads chapters that another command left on disk. `write_chapters` writes
them out for `strategy chapters` (for other generators, such as Zensical) and
the charts into a build's private folder, touching only files whose bytes
changed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..files import replace_atomically
from ..feedback import EditionOutline
from ..inputs import StrategyInputs
from ..problems import ProblemsFound
from ..site_paths import GENERATED_FOLDER, REGISTER_FILE
from .abbreviations import abbreviations
from .charts import CHARTS_FOLDER, Chart, drawing_only, results_charts, synthesis_charts
from .comment_matrix import FILE_NAME as COMMENT_MATRIX, comment_matrix
from .consent import Audience, audience_view
from .inputs_received import NUMBERS, inputs_in_numbers, summary_of_inputs
from .meeting_outcomes import meeting_outcomes
from .partner_markdown import IMAGES_FOLDER, partner_images
from .partners import list_of_partners
from .phase_ii_results import phase_ii_results
from .priorities import priorities_chapter
from .register import register_of_inputs

if TYPE_CHECKING:
    from ..redline import Redline

__all__ = ["Audience", "Chapter", "GENERATED_FOLDER", "author_text", "generate_chapters", "generated_markdown",
           "write_chapters"]

log = logging.getLogger(__name__)

# Relative to the docs folder; the site navigation links here.

ABBREVIATIONS = "abbreviations.md"


@dataclass(frozen=True)
class Chapter:
    """A generated file: a Markdown chapter, a chart one of them shows (`charts/…svg`, and `…png` for Word), or
    an image of a partner input that the register shows (`partner-images/PI-018/image1.png`)."""

    file_name: str
    markdown: str
    image: bytes | None = None  # the bytes of a PNG chart or of a partner's image, written instead of `markdown`

    @property
    def path(self) -> str:
        """Where the chapter sits in the docs folder, as the nav and links name it: "generated/partners.md"."""
        return f"{GENERATED_FOLDER}/{self.file_name}"

    @property
    def content(self) -> bytes:
        return self.image if self.image is not None else self.markdown.encode("utf-8")


def generate_chapters(inputs: StrategyInputs, audience: Audience, author_text: str = "",
                      outline: EditionOutline | None = None, redline: Redline | None = None) -> list[Chapter]:
    """Every generated chapter; the abbreviations list only the terms this text and the chapters use.

    Chapters are made from the audience's view of the records (consent.audience_view), never the records
    themselves, so a chapter cannot show what consent keeps out even if it forgets to ask. `outline` (the
    current edition and its pages, feedback.edition_outline) places reviewers' comments in the
    comment-response matrix; without it the matrix lists none. `redline` (this edition against the previous
    one, for the audience) adds the comments on the previous edition to the matrix, each with where this
    edition answers it.
    """
    inputs = audience_view(inputs, audience)
    results, synthesis = results_charts(inputs), synthesis_charts(inputs, audience)
    charts = results + synthesis
    chapters = _remembered_text_chapters(inputs, audience, results, synthesis)
    outline = (outline or EditionOutline("")).with_generated({c.path: c.markdown for c in chapters})
    chapters.append(Chapter(COMMENT_MATRIX, comment_matrix(inputs, audience, outline, redline)))
    used_in = author_text + "\n".join(c.markdown for c in chapters)
    return [*chapters, Chapter(ABBREVIATIONS, abbreviations(inputs, audience, used_in)),
            *(Chapter(f"{CHARTS_FOLDER}/{chart.file_name}", chart.svg) for chart in charts if chart.svg),
            *_png_files(charts),
            *(Chapter(f"{IMAGES_FOLDER}/{ref}", "", image) for ref, image in partner_images(inputs, audience))]


def chart_pngs(inputs: StrategyInputs, audience: Audience) -> list[Chapter]:
    """The charts' PNG files, which generate_chapters leaves out when it runs under
    `charts.drawing_only("svg")`: a build adds them once they are drawn (build.py)."""
    inputs = audience_view(inputs, audience)
    with drawing_only("png"):
        return _png_files(results_charts(inputs) + synthesis_charts(inputs, audience))


def _png_files(charts: list[Chart]) -> list[Chapter]:
    return [Chapter(f"{CHARTS_FOLDER}/{chart.png_file_name}", "", chart.png) for chart in charts if chart.png]


# The text chapters last made, with what they were made from. They depend on the records alone, but the
# abbreviations and the comment-response matrix depend on the author pages too: a rebuild of `mkdocs serve`
# after an author page's edit passes the same records object (the plugin reads the inputs again only when
# they change) and the same charts, and takes the text chapters from here.
_last_text: tuple[StrategyInputs, Audience, list[Chart], list[Chart], list[Chapter]] | None = None


def _remembered_text_chapters(inputs: StrategyInputs, audience: Audience, results: list[Chart],
                              synthesis: list[Chart]) -> list[Chapter]:
    """`_text_chapters`, or the last ones made from these very objects (records are never changed in place)."""
    global _last_text
    last = _last_text
    if last is not None and last[0] is inputs and last[1] is audience and _same(last[2], results) \
            and _same(last[3], synthesis):
        return list(last[4])
    chapters = _text_chapters(inputs, audience, results, synthesis)
    _last_text = (inputs, audience, results, synthesis, list(chapters))
    return chapters


def _same(charts: list[Chart], others: list[Chart]) -> bool:
    return len(charts) == len(others) and all(a is b for a, b in zip(charts, others))


def _text_chapters(inputs: StrategyInputs, audience: Audience, results: list[Chart],
                   synthesis: list[Chart]) -> list[Chapter]:
    """Each chapter with its own charts only: the results chapter shows every chart it is given."""
    log.debug("Making the generated chapters for the %s audience", audience.value)  # once per build: tests count it
    numbers, outcomes, priorities, register, partners = _chapters_without_charts(inputs, audience)
    return [
        Chapter("inputs-received.md", summary_of_inputs(inputs, audience, synthesis)),
        numbers, outcomes,
        Chapter("phase-ii-results.md", phase_ii_results(inputs, audience, results)),
        priorities, register, partners,
    ]


# The chapters that show no chart, last made, with the records (the audience's view) they were made from.
_last_without_charts: tuple[StrategyInputs, Audience, list[Chapter]] | None = None


def _chapters_without_charts(inputs: StrategyInputs, audience: Audience) -> list[Chapter]:
    """The generated chapters that show no chart, made once for these very records (never changed in place)."""
    global _last_without_charts
    if (last := _last_without_charts) is not None and last[0] is inputs and last[1] is audience:
        return list(last[2])
    chapters = [Chapter(NUMBERS, inputs_in_numbers(inputs, audience)),
                Chapter("meeting-outcomes.md", meeting_outcomes(inputs, audience)),
                Chapter("priorities.md", priorities_chapter(inputs, audience)),
                Chapter(REGISTER_FILE, register_of_inputs(inputs, audience)),
                Chapter("partners.md", list_of_partners(inputs, audience))]
    _last_without_charts = (inputs, audience, list(chapters))
    return chapters


def chapters_without_charts(inputs: StrategyInputs, audience: Audience) -> dict[str, str]:
    """The Markdown by path of the generated chapters that show no chart, for `audience`: what a build renders
    for print while the charts are drawn; generate_chapters then takes the same chapters."""
    return {c.path: c.markdown for c in _chapters_without_charts(audience_view(inputs, audience), audience)}


def text_chapters(inputs: StrategyInputs, audience: Audience) -> dict[str, str]:
    """The generated chapters' Markdown by path, for `audience`, without charts (drawing them is most of the
    cost): what a build of that audience prints, for whoever needs its words rather than its pictures."""
    return {c.path: c.markdown for c in _text_chapters(audience_view(inputs, audience), audience, [], [])}


def generated_markdown(inputs: StrategyInputs) -> dict[str, str]:
    """The generated chapters' Markdown by path, without charts (drawing them is most of the cost), for their
    headings: as an internal build and as a partners build make them (a register entry's heading differs),
    joined."""
    out: dict[str, str] = {}
    for audience in (Audience.INTERNAL, Audience.PARTNERS):
        try:
            view = audience_view(inputs, audience)
        except ProblemsFound:  # `strategy check` reports those problems itself
            continue
        for chapter in _text_chapters(view, audience, [], []):
            out[chapter.path] = out.get(chapter.path, "") + "\n" + chapter.markdown
    return out


def author_text(pages: list[Path]) -> str:
    """The text of the hand-written pages (Project.author_pages), for what depends on it (the abbreviations
    in use)."""
    return "\n".join(p.read_text(encoding="utf-8") for p in pages)


def write_chapters(chapters: list[Chapter], folder: Path, *, others: bool = False) -> list[Path]:
    """Write the chapters into `folder`; return the files whose text changed. Any other chapter, chart or
    image in `folder` is removed, unless `others` keeps them (a build adds the charts' PNGs to the folder
    its PDF is rendering from)."""
    folder.mkdir(parents=True, exist_ok=True)
    changed = []
    for chapter in chapters:
        path = folder / chapter.file_name
        if not path.exists() or path.read_bytes() != chapter.content:
            replace_atomically(path, chapter.content)
            changed.append(path)
    if others:
        return changed
    expected = {c.file_name for c in chapters}
    for stale in [*folder.glob("*.md"), *folder.glob(f"{CHARTS_FOLDER}/*"), *folder.glob(f"{IMAGES_FOLDER}/*/*")]:
        if stale.relative_to(folder).as_posix() not in expected:
            stale.unlink()
    return changed
