"""The slides that present "a summary of the inputs received" at the meeting: a PPTX and the same deck as a
page of the site.

Both are made from one `Deck`, itself made from the synthesis the summary of inputs is written from
(chapters/synthesis.py), for one audience: title, key messages, the themes by kind of partner (the heat map),
the priorities ranked by support, a few quotes as consent allows, and the way forward (the first list of the
author's `docs/way-forward.md`, its key messages: the authors' own summary of what comes next, kept in their
words). Every text on a slide is plain text, escaped where it is set: nothing a partner wrote can become
markup, in the PPTX or in the page.

A slide holds what fits at its type size; more goes to a continuation slide, never into smaller type (the
reference deck turns PowerPoint's shrinking off). The PPTX is written by pandoc in its sandbox (pandoc.py)
with the reference deck of publish/slides_reference.py; the page is one HTML file with its fonts, charts and
styles inside, no script, and a Content-Security-Policy that forbids any request.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import re
import tempfile
import textwrap
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from ..chapters.charts import Chart, synthesis_charts
from ..consent import Audience, audience_view, may_show
from ..chapters.macros import expand_macros
from ..chapters.markdown import long_date, number, partner_text
from ..chapters.synthesis import Synthesis, synthesize
from ..environment import seconds_from_environment
from ..site_paths import SLIDES_PAGE
from ..files import replace_atomically
from ..inputs import StrategyInputs
from ..inputs.records import Publication
from ..pandoc import SECONDS, SECONDS_VARIABLE, run_pandoc
from ..problems import Problem, ProblemsFound
from .ooxml import rewritten, with_property
from .slides_reference import FOOTER_PLACEHOLDER, reference_pptx

if TYPE_CHECKING:
    from ..project import Project

WAY_FORWARD = "way-forward.md"  # in the docs folder
FONTS_FOLDER = "assets/fonts"  # in the docs folder: the site's own Noto Sans
HEAT_MAP, PRIORITY_CHART = "inputs-heat-map.svg", "priority-support.svg"
QUOTES = 4  # "a few": the synthesis picks representative ones, one per kind of partner at most

# What fits in the body of a slide (9 x 3.7 inches) at the reference deck's 20 pt, measured in LibreOffice's
# rendering: lines of 60 to 65 characters in Noto Sans (56 counted, for the words that do not break where a
# count would), ten lines and a half (nine counted, and a fifth of a line for the space above each paragraph,
# for PowerPoint's taller line of Noto Sans). Tables, set at 14 pt (finish()), have 260 pt: a row takes its
# cell margins (7.2 pt) and 19.1 pt a line (Noto Sans's line at 14 pt), a first column (seven tenths of the
# width) about 60 characters a line (54 counted).
LINE_CHARACTERS = 56
BODY_LINES = 9
PARAGRAPH_LINES = 0.2
TABLE_CHARACTERS = 54
TABLE_HEIGHT = 260.0
TABLE_POINTS = 14


def row_height(lines_: int) -> float:
    return 7.2 + 19.1 * lines_


@dataclass(frozen=True)
class Said:
    """A quote on a slide: a partner's words and who said them, as consent allows."""

    text: str
    attribution: str
    source: str  # the input's ID, for the speaker notes
    opens: bool = True  # False: the rest of a quote too long for one slide, after "…"
    closes: bool = True  # False: continued on the next slide

    @property
    def shown(self) -> str:
        return f"{'“' if self.opens else '…'}{self.text}{'”' if self.closes else '…'}"

    def paragraphs(self) -> list[str]:
        return [self.shown, f"— {self.attribution}"]


@dataclass(frozen=True)
class Slide:
    title: str
    kind: str  # key-messages, themes, priorities, quotes, way-forward: tests and styles find slides by it
    bullets: tuple[str, ...] = ()
    quotes: tuple[Said, ...] = ()
    table: tuple[tuple[str, ...], ...] = ()  # the header row first
    chart: Chart | None = None
    notes: tuple[str, ...] = ()  # the speaker's notes (the chart's data, the quotes' sources)


@dataclass(frozen=True)
class Deck:
    title: str
    subtitle: str
    dateline: str
    footer: str
    language: str
    author: str
    draft: bool  # a draft's page asks search engines to keep out, as the site's pages do
    slides: list[Slide] = field(default_factory=list)


# --- what the slides say -------------------------------------------------------------------------------------


def make_deck(publication: Publication, inputs: StrategyInputs, audience: Audience, way_forward: str | None,
              charts: list[Chart] | None = None) -> Deck:
    """The deck for `audience`, from checked records; `way_forward` is the Markdown of docs/way-forward.md
    (None: no such page), `charts` the synthesis charts (None: drawn here)."""
    view = audience_view(inputs, audience)
    synthesis = synthesize(view, audience)
    if charts is None:
        charts = synthesis_charts(view, audience)
    drawn = {chart.file_name: chart for chart in charts if chart.png}
    edition = f"{publication.edition.label}, {long_date(publication.edition.date)}"
    illustrative = " · Illustrative example data" if synthesis.illustrative else ""
    slides = [
        *bullet_slides("Key messages", "key-messages", key_messages(synthesis, view)),
        *themes_slides(synthesis, drawn.get(HEAT_MAP)),
        *priority_slides(synthesis, drawn.get(PRIORITY_CHART)),
        *quote_slides(synthesis, view, audience),
        *bullet_slides("The way forward", "way-forward", way_forward_points(way_forward, inputs, audience)),
    ]
    return Deck(publication.title, "Summary of inputs received", f"{edition}{illustrative}",
                f"{publication.short_title} · {edition}{illustrative}", publication.language, publication.author,
                not publication.edition.final, slides)


def plain(markdown_text: str) -> str:
    """Markdown (a key message, a list item, a partner's escaped words) as the text a reader sees, without
    the light references to records and the illustrative marks (the deck's footer carries that)."""
    from lxml import html as lxml_html

    from ..chapters.markdown import _site_markdown

    rendered = _site_markdown().reset().convert(markdown_text)
    if not rendered.strip():
        return ""
    tree = lxml_html.fragment_fromstring(rendered, create_parent="div")
    for element in tree.xpath('.//*[contains(concat(" ", @class, " "), " references ") or '
                              'contains(concat(" ", @class, " "), " illustrative-mark ") or '
                              'contains(concat(" ", @class, " "), " record-id ")]'):
        element.drop_tree()
    return " ".join(tree.text_content().split())


def key_messages(synthesis: Synthesis, view: StrategyInputs) -> list[str]:
    """The synthesis's key messages; while it has none, a few read from its themes and ranking."""
    if synthesis.key_messages:
        return [m for m in (plain(message) for message in synthesis.key_messages) if m]
    partners = len({i.partner for i in view.partner_inputs.values()})
    messages = []
    if themes := synthesis.themes[:3]:
        listed = [f"{themes[0].theme.title} ({number(len(themes[0].partners))} of {number(partners)} partners)",
                  *(f"{t.theme.title} ({number(len(t.partners))})" for t in themes[1:])]
        messages.append(f"Themes raised most: {and_list(listed)}.")
        everyone = [t.theme.title for t in synthesis.themes if t.share_by_kind and all(t.share_by_kind.values())]
        if everyone:
            messages.append(f"Raised by every kind of partner: {and_list(everyone[:3])}.")
    if supported := [s for s in synthesis.priorities if s.partners][:3]:
        listed = [f"“{supported[0].priority.title}” ({number(len(supported[0].partners))} partners)",
                  *(f"“{s.priority.title}” ({number(len(s.partners))})" for s in supported[1:])]
        messages.append(f"Priorities with most support: {and_list(listed)}.")
    return messages


def and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def themes_slides(synthesis: Synthesis, heat_map: Chart | None) -> list[Slide]:
    title = "Themes by kind of partner"
    if heat_map is not None:
        return [Slide(title, "themes", chart=heat_map, notes=chart_notes(heat_map))]
    rows = [(t.theme.title, number(len(t.partners)), number(len(t.inputs))) for t in synthesis.themes]
    return table_slides("Themes raised most", "themes", ("Theme", "Partners", "Inputs"), rows)


def priority_slides(synthesis: Synthesis, chart: Chart | None) -> list[Slide]:
    title = "Priorities ranked by support"
    if chart is not None:
        return [Slide(title, "priorities", chart=chart, notes=chart_notes(chart))]
    rows = [(s.priority.title, number(len(s.partners)), number(len(s.inputs)))
            for s in synthesis.priorities if s.partners]
    return table_slides(title, "priorities", ("Priority", "Partners", "Inputs"), rows)


def table_slides(title: str, kind: str, headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[Slide]:
    """The first rows, as many as a slide holds (a summary shows the top, the annex has them all)."""
    if not rows:
        return []
    shown, used = [], row_height(1)  # the header
    for row in rows:
        needs = row_height(max(1, len(textwrap.wrap(row[0], TABLE_CHARACTERS))))
        if shown and used + needs > TABLE_HEIGHT:
            break
        shown.append(row)
        used += needs
    if len(rows) > len(shown):  # said in the title: pandoc would put a line under a table on a slide of its own
        title = f"{title} (top {number(len(shown))} of {number(len(rows))})"
    return [Slide(title, kind, table=(headers, *shown))]


def chart_notes(chart: Chart) -> tuple[str, ...]:
    return (chart.alt, *("; ".join(f"{h}: {v}" for h, v in zip(chart.data_headers, row)) for row in chart.data_rows))


def chosen_quotes(synthesis: Synthesis, view: StrategyInputs, audience: Audience) -> list[Said]:
    """A few quotes, one per kind of partner first, in the synthesis's order; never a withheld input's."""
    # The chapter's representative quotes first, then those it sets under its themes: each input once.
    offered = {q.input.id: q for q in [*synthesis.quotes, *(q for t in synthesis.themes for q in t.quotes)]}
    shown = [q for q in offered.values() if may_show(q.input, audience) and q.text.strip()]
    first, rest, kinds = [], [], set()
    for quote in shown:
        kind = view.partner_of(quote.input).kind
        (rest if kind in kinds else first).append(quote)
        kinds.add(kind)
    return [Said(text, plain(q.attribution) or q.attribution, q.input.id)
            for q in [*first, *rest][:QUOTES] if (text := plain(partner_text(q.text)))]


def quote_slides(synthesis: Synthesis, view: StrategyInputs, audience: Audience) -> list[Slide]:
    groups: list[list[Said]] = [[]]
    for whole in chosen_quotes(synthesis, view, audience):
        # A quote longer than a slide goes on over the next, its attribution on each.
        room = BODY_LINES - lines([f"— {whole.attribution}"])
        parts = pieces(whole.text, room - PARAGRAPH_LINES)
        for n, part in enumerate(parts):
            said = dataclasses.replace(whole, text=part, opens=n == 0, closes=n == len(parts) - 1)
            if groups[-1] and not fits([p for s in [*groups[-1], said] for p in s.paragraphs()]):
                groups.append([])
            groups[-1].append(said)
    return [Slide(continued("In partners’ words", n), "quotes", quotes=tuple(group),
                  notes=tuple(f"{s.attribution}: {s.source}" for s in group))
            for n, group in enumerate(g for g in groups if g)]


def way_forward_points(markdown_text: str | None, inputs: StrategyInputs, audience: Audience) -> list[str]:
    """The first list of the way-forward page (its key messages), macros expanded as the site shows them."""
    if not markdown_text:
        return []
    body = re.sub(r"\A---\n.*?\n---\n", "", markdown_text, flags=re.S)
    first_line = markdown_text.count("\n") - body.count("\n") + 1
    expanded = expand_macros(body, inputs, audience, file=f"docs/{WAY_FORWARD}", page_path=WAY_FORWARD,
                             first_line=first_line)
    from lxml import html as lxml_html

    from ..chapters.markdown import _site_markdown

    rendered = _site_markdown().reset().convert(expanded)
    if not rendered.strip():
        return []
    tree = lxml_html.fragment_fromstring(rendered, create_parent="div")
    # The page's own first list: not one inside a partner's quoted words or the footnotes.
    outside = "not(ancestor::blockquote) and not(ancestor::div[contains(@class, 'footnote')])"
    first = next(iter(tree.xpath(f".//ul[{outside}] | .//ol[{outside}]")), None)
    if first is None:
        return []
    return [text for item in first.xpath("./li")
            if (text := plain(lxml_html.tostring(item, encoding="unicode", method="html")))]


def continued(title: str, index: int) -> str:
    return title if index == 0 else f"{title} (continued)"


def lines(paragraphs: list[str]) -> float:
    """How many lines the paragraphs take in a slide's body, at the reference deck's type size, with the space
    between them."""
    return sum(max(1, len(textwrap.wrap(p, LINE_CHARACTERS))) + PARAGRAPH_LINES for p in paragraphs)


def fits(paragraphs: list[str]) -> bool:
    return lines(paragraphs) <= BODY_LINES


def pieces(text: str, room: float) -> list[str]:
    """The text whole if it fits in `room` lines; else in pieces that do, cut after a sentence where one ends
    in time, else between words."""
    text = " ".join(text.split())
    if lines([text]) <= room:
        return [text]
    whole_lines = max(1, int(room - PARAGRAPH_LINES))
    parts: list[str] = []
    for sentence in re.split(r"(?<=[.!?;])\s+", text):
        # Hyphens kept: joined again with spaces, the lines give back the sentence as it was (but for a word
        # longer than a line, an address say, which is cut where the line ends, as a slide would show it).
        wrapped = textwrap.wrap(sentence, LINE_CHARACTERS, break_on_hyphens=False) or [sentence]
        for start in range(0, len(wrapped), whole_lines):
            piece = " ".join(wrapped[start:start + whole_lines])
            if parts and lines([f"{parts[-1]} {piece}"]) <= room:
                parts[-1] = f"{parts[-1]} {piece}"
            else:
                parts.append(piece)
    return parts


def bullet_slides(title: str, kind: str, bullets: list[str]) -> list[Slide]:
    """As many slides as the bullets need, each bullet whole on one slide (a bullet longer than a slide in
    pieces, one after the other)."""
    groups: list[list[str]] = [[]]
    for bullet in (piece for whole in bullets for piece in pieces(whole, BODY_LINES)):
        if groups[-1] and not fits([*groups[-1], bullet]):
            groups.append([])
        groups[-1].append(bullet)
    return [Slide(continued(title, n), kind, bullets=tuple(group)) for n, group in enumerate(groups) if group]


# --- the PPTX ------------------------------------------------------------------------------------------------


def escaped(text: str) -> str:
    """Plain text as pandoc Markdown that reads as exactly that text: every ASCII punctuation character
    backslash-escaped (pandoc's Markdown allows it for all of them), line breaks as spaces."""
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", " ".join(text.split()))


def deck_markdown(deck: Deck) -> str:
    """The deck as pandoc Markdown: one `##` heading per slide (--slide-level=2)."""
    parts = []
    for slide in deck.slides:
        parts.append(f"## {escaped(slide.title)}")
        parts += [f"- {escaped(b)}" for b in slide.bullets]
        for said in slide.quotes:
            parts += [f"*{escaped(said.shown)}*", f"— {escaped(said.attribution)}"]
        if slide.table:
            header, *rows = slide.table
            parts.append("\n".join([
                "| " + " | ".join(escaped(h) for h in header) + " |",
                # Relative widths from the dashes (pandoc reads them when a line is longer than --columns):
                # the first column, the words, takes seven tenths.
                "|:" + "-" * (14 * len(header) - 14) + "|" + ("-" * 5 + ":|") * (len(header) - 1),
                *("| " + " | ".join(escaped(c) for c in row) + " |" for row in rows)]))
        if slide.chart is not None:  # no alt here: pandoc would print it as a caption (finish() sets it)
            parts.append(f"![]({png_uri(slide.chart)})")
        if slide.notes:
            parts.append("::: notes\n\n" + "\n\n".join(escaped(n) for n in slide.notes) + "\n\n:::")
    return "\n\n".join(parts) + "\n"


def png_uri(chart: Chart) -> str:
    return f"data:image/png;base64,{base64.b64encode(chart.png).decode('ascii')}"


def render_pptx(deck: Deck, source_date_epoch: int, seconds: float | None = None) -> bytes:
    """The deck as a PPTX: pandoc in its sandbox (pandoc.py) with the reference deck, then what pandoc cannot
    be told set right (finish). `seconds` (default: $STRATEGY_PANDOC_SECONDS, else 120) bounds pandoc."""
    seconds = seconds_from_environment(SECONDS_VARIABLE, SECONDS) if seconds is None else seconds
    # pandoc reads its reference deck from a file (its sandbox lets it read those named on its command line):
    # one made for this run, beside nothing of the user's.
    with tempfile.TemporaryDirectory(prefix="strategy-slides-") as folder:
        reference = Path(folder) / "reference.pptx"
        reference.write_bytes(reference_pptx())
        made = run_pandoc(pandoc_options(deck, reference), deck_markdown(deck).encode("utf-8"), file="the slides",
                          expected=f"a PPTX that pandoc can write within {seconds:g} seconds", seconds=seconds,
                          source_date_epoch=source_date_epoch, makes="PPTX")
    descriptions = {png_uri(s.chart): s.chart.alt for s in deck.slides if s.chart is not None}
    return finish(made, deck, source_date_epoch, descriptions)


def pandoc_options(deck: Deck, reference: Path) -> list[str]:
    return ["--from=markdown-implicit_figures", "--to=pptx", "--slide-level=2", "--columns=20", "--output=-",
               f"--reference-doc={reference}", "-M", f"title={deck.title}", "-M", f"subtitle={deck.subtitle}",
               "-M", f"date={deck.dateline}", "-M", f"lang={deck.language}"]


def finish(pptx: bytes, deck: Deck, source_date_epoch: int, descriptions: dict[str, str]) -> bytes:
    """What pandoc cannot be told, set right, entry order and compression kept:

    - the footer, in place of the reference deck's placeholder;
    - each chart's description (what a screen reader says), in place of the copy of the picture's data:
      URI that pandoc writes there;
    - the type size of tables (pandoc leaves it to the application: PowerPoint sets 18 pt, LibreOffice less);
    - the title and author of the package, which pandoc's PPTX writer leaves empty;
    - the edition's date as the package's and its entries' (pandoc's sandbox dates them 1970 or now).
    """
    title = html.escape(f"{deck.title}: {deck.subtitle}", quote=False).encode()
    author = html.escape(deck.author, quote=False).encode()

    def described(match: re.Match) -> bytes:
        return b'descr="' + html.escape(descriptions.get(match[1].decode("ascii"), ""), quote=True).encode() + b'"'

    def edit(name: str, data: bytes) -> bytes:
        if name == "docProps/core.xml":
            return with_property(with_property(data, b"dc:title", title), b"dc:creator", author)
        if name.startswith("ppt/slides/") and name.endswith(".xml"):
            data = re.sub(rb'descr="(data:[^"]*)"', described, data)
            return re.sub(rb"<a:tbl>.*?</a:tbl>", lambda m: m[0].replace(
                b"<a:rPr />", b'<a:rPr sz="%d" />' % (TABLE_POINTS * 100)), data, flags=re.S)
        if name.startswith("ppt/slideMasters/") and name.endswith(".xml"):
            return data.replace(FOOTER_PLACEHOLDER.encode(), html.escape(deck.footer, quote=False).encode())
        return data

    return rewritten(pptx, source_date_epoch, edit)


# --- the page ------------------------------------------------------------------------------------------------

# Everything the page may load is inside it: no script at all, styles and fonts and images from the page.
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
                           "base-uri 'none'; form-action 'none'")
FONTS = (("NotoSans-Regular.woff2", "normal", 400), ("NotoSans-Bold.woff2", "normal", 700),
         ("NotoSans-Italic.woff2", "italic", 400))


def font_faces(fonts_folder: Path | None) -> str:
    """The page's own Noto Sans (the site's files, OFL), inside it; none when the folder lacks them."""
    faces = []
    for name, style, weight in FONTS:
        path = fonts_folder / name if fonts_folder else None
        if path is None or not path.is_file():
            continue
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        faces.append(f'@font-face{{font-family:"Noto Sans";font-style:{style};font-weight:{weight};'
                     f'src:url(data:font/woff2;base64,{data}) format("woff2")}}')
    return "\n".join(faces)


def e(text: str) -> str:
    return html.escape(text, quote=True)


def slide_html(slide: Slide, number_: int, total: int, footer: str) -> str:
    body = []
    if slide.bullets:
        body.append("<ul>" + "".join(f"<li>{e(b)}</li>" for b in slide.bullets) + "</ul>")
    for said in slide.quotes:
        body.append(f"<figure class=\"quote\"><blockquote><p>{e(said.shown)}</p></blockquote>"
                    f"<figcaption>— {e(said.attribution)}</figcaption></figure>")
    if slide.table:
        header, *rows = slide.table
        body.append("<table><thead><tr>" + "".join(f'<th scope="col">{e(h)}</th>' for h in header)
                    + "</tr></thead><tbody>"
                    + "".join(f'<tr><th scope="row">{e(row[0])}</th>' + "".join(f"<td>{e(c)}</td>" for c in row[1:])
                              + "</tr>" for row in rows) + "</tbody></table>")
    if slide.chart is not None:
        svg = base64.b64encode(slide.chart.svg.encode("utf-8")).decode("ascii")
        body.append(f'<img src="data:image/svg+xml;base64,{svg}" alt="{e(slide.chart.alt)}">')
    data = ""
    if slide.chart is not None and slide.chart.data_rows:
        data = ("<details class=\"data\"><summary>The chart’s data</summary><table><thead><tr>"
                + "".join(f'<th scope="col">{e(h)}</th>' for h in slide.chart.data_headers) + "</tr></thead><tbody>"
                + "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in slide.chart.data_rows)
                + "</tbody></table></details>")
    # Named by number and title: two "(continued)" slides would otherwise be two regions of one name.
    return (f'<section class="slide {slide.kind}" id="slide-{number_}" aria-label="Slide {number_}: {e(slide.title)}">'
            f'<h2 id="slide-{number_}-title">{e(slide.title)}</h2><div class="body">{"".join(body)}</div>'
            f'<p class="footer"><span>{e(footer)}</span><span>{number_} / {total}</span></p></section>{data}')


def render_html(deck: Deck, pptx_href: str, fonts_folder: Path | None) -> str:
    """The deck as one page: the title slide, then each slide as a 16:9 box, a link to the PPTX."""
    style = resources.files(__package__).joinpath("slides.css").read_text(encoding="utf-8")
    total = len(deck.slides) + 1
    slides = "\n".join(slide_html(s, n, total, deck.footer) for n, s in enumerate(deck.slides, start=2))
    return f"""<!DOCTYPE html>
<html lang="{e(deck.language)}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
{'<meta name="robots" content="noindex, nofollow">' if deck.draft else ""}
<title>{e(deck.subtitle)}: slides · {e(deck.title)}</title>
<style>
{font_faces(fonts_folder)}
{style}
</style>
</head>
<body>
<header class="page-header"><p>Slides for the meeting: {e(deck.subtitle.lower())}.
<a href="{e(pptx_href)}" download>Download them as PowerPoint (PPTX)</a></p></header>
<main>
<section class="slide title-slide" id="slide-1" aria-labelledby="slide-1-title">
<h1 id="slide-1-title">{e(deck.title)}</h1>
<p class="subtitle">{e(deck.subtitle)}</p>
<p class="dateline">{e(deck.dateline)}</p>
</section>
{slides}
</main>
</body>
</html>
"""


# --- writing them --------------------------------------------------------------------------------------------


def pptx_file_name(publication: Publication) -> str:
    """The PPTX beside the PDF in the site: the PDF's name and `-slides`."""
    return publication.pdf_file.removesuffix(".pdf") + "-slides.pptx"


def read_way_forward(docs: Path) -> str | None:
    path = docs / WAY_FORWARD
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as err:
        raise ProblemsFound([Problem(f"docs/{WAY_FORWARD}", None, None, "a readable UTF-8 text file",
                                     str(err))]) from None


def write_slides(deck: Deck, pptx_path: Path, html_path: Path, pptx_href: str, fonts_folder: Path | None,
                 source_date_epoch: int) -> None:
    """Both forms of the deck: the PPTX at `pptx_path`, the page at `html_path`, linking to the PPTX by
    `pptx_href`; each replaced in one step, only once both are made."""
    pptx = render_pptx(deck, source_date_epoch)
    page = render_html(deck, pptx_href, fonts_folder).encode("utf-8")
    for path, data in ((pptx_path, pptx), (html_path, page)):
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_atomically(path, data)


def write_project_slides(project: "Project", audience: Audience, output: Path | None) -> tuple[Path, Path]:
    """`strategy slides`: check the inputs, then write the PPTX at `output` (default: named after the PDF, in
    the current folder) and the page beside it (the same name, .html)."""
    from ..build import _source_date_epoch
    from ..project import check

    publication = project.publication()
    pptx_path = output if output is not None else Path(pptx_file_name(publication))
    if pptx_path.suffix.lower() != ".pptx":
        raise ProblemsFound([Problem("-o", None, None, "a file name ending in .pptx (the page is written beside "
                                     "it, ending in .html)", str(pptx_path))])
    inputs = check(project, audience)
    deck = make_deck(publication, inputs, audience, read_way_forward(project.docs))
    html_path = pptx_path.with_suffix(".html")
    write_slides(deck, pptx_path, html_path, pptx_path.name, project.docs / FONTS_FOLDER,
                 _source_date_epoch(publication))
    return pptx_path, html_path


__all__ = ["Deck", "SLIDES_PAGE", "Slide", "make_deck", "pptx_file_name", "read_way_forward", "render_html",
           "render_pptx", "write_project_slides", "write_slides"]
