"""`strategy slides` and the slides of `strategy build`: the deck's slides in order, quotes as consent allows,
no slide that overflows (rendered by LibreOffice Impress), a page that fetches nothing and runs nothing, and
the same bytes every time."""

from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree

import pdfplumber
import pytest

from conftest import copy_project, start_tags, strategy
from strategy.consent import capitalise
from strategy.inputs import load_inputs, load_publication
from strategy.inputs.records import PartnerKind
from strategy.publish.slides_reference import HEIGHT, reference_pptx

A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
EMU_PER_POINT = 12700
# The reference deck's body placeholder ends 1200151 + 3394472 EMU from the top; the footer starts below it.
BODY_BOTTOM = (1200151 + 3394472) / EMU_PER_POINT
FOOTER_TOP = (HEIGHT - 320040) / EMU_PER_POINT
SCRIPT = "<script>alert('slides')</script>"
LONG_POINTS = [f"Point {n} of the way forward, long on purpose: partners asked that the programme report what each "
               f"contribution achieved, country by country, with the institutional changes and the people covered, "
               f"and that the results framework say so in plain words that every partner can check (item {n})."
               for n in range(1, 7)]
# Longer than a slide holds, by far: it goes on over slides, cut between sentences.
HUGE_POINT = " ".join(f"Sentence {n} of a point that no slide can hold, so that it must go on over the next one."
                      for n in range(1, 25))
LONG_QUOTE = " ".join(f"Part {n} of what Ireland said, at a length that no single slide holds at its type size."
                      for n in range(1, 12))


@dataclass
class Deck:
    pptx: Path
    page: Path
    slides: list[list[str]]  # each slide's paragraphs, in order: the title first

    @property
    def titles(self) -> list[str]:
        return [paragraphs[0] for paragraphs in self.slides]

    def text(self) -> str:
        return "\n".join("\n".join(p) for p in self.slides)


def slide_paragraphs(pptx: Path) -> list[list[str]]:
    with zipfile.ZipFile(pptx) as package:
        names = sorted((n for n in package.namelist() if re.fullmatch(r"ppt/slides/slide\d+\.xml", n)),
                       key=lambda n: int(re.search(r"\d+", n.rsplit("/", 1)[1]).group()))
        slides = []
        for name in names:
            root = ElementTree.fromstring(package.read(name))
            paragraphs = ["".join(t.text or "" for t in p.iter(f"{A}t")) for p in root.iter(f"{A}p")]
            slides.append([p for p in paragraphs if p.strip()])
    return slides


def make_slides(root: Path, audience: str = "partners") -> Deck:
    pptx = root / f"out-{audience}" / "deck.pptx"
    run = strategy("slides", "--project", str(root), "--audience", audience, "-o", str(pptx))
    assert run.returncode == 0, run.stderr
    return Deck(pptx, pptx.with_suffix(".html"), slide_paragraphs(pptx))


def strip_key_quote(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"^key_quote:.*\n(?:[ \t]+.*\n)*", "", text, flags=re.M), encoding="utf-8")


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> tuple[Path, Deck]:
    """The bundled example's deck, for partners."""
    root = copy_project(tmp_path_factory.mktemp("slides-example"))
    return root, make_slides(root)


@pytest.fixture(scope="module")
def edited(tmp_path_factory) -> tuple[Path, Deck]:
    """A copy where PI-001 is withheld, PI-004 anonymous, PI-010's quote holds a script, PI-002's is longer than
    a slide, no other input has a key quote (so that those four are the quotes on offer), and the way forward
    is long: more points than a slide holds, and one longer than a slide."""
    root = copy_project(tmp_path_factory.mktemp("slides-edited"))
    folder = root / "inputs" / "partner-inputs"
    for path in folder.glob("PI-*.yaml"):
        if path.stem not in ("PI-001", "PI-002", "PI-004", "PI-010"):
            strip_key_quote(path)
        # Proposals in the partner's own words are quotable too: none here, so the four key quotes are all.
        path.write_text(path.read_text(encoding="utf-8").replace("wording: quotation", "wording: summary"),
                        encoding="utf-8")
    ireland = folder / "PI-002.yaml"
    strip_key_quote(ireland)
    ireland.write_text(ireland.read_text(encoding="utf-8") + f"key_quote: {LONG_QUOTE}\n", encoding="utf-8")
    for name, consent in (("PI-001", "withheld"), ("PI-004", "anonymous")):
        path = folder / f"{name}.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("consent: named", f"consent: {consent}"),
                        encoding="utf-8")
    ituc = folder / "PI-010.yaml"
    ituc.write_text(re.sub(r"^key_quote: ", f"key_quote: {SCRIPT} ", ituc.read_text(encoding="utf-8"), flags=re.M),
                    encoding="utf-8")
    way = root / "docs" / "way-forward.md"
    way.write_text(way.read_text(encoding="utf-8").replace('{{ quote("PI-001") }}', ""), encoding="utf-8")
    first_item = re.search(r"^    - .*$", way.read_text(encoding="utf-8"), flags=re.M).group(0)
    way.write_text(way.read_text(encoding="utf-8").replace(
        first_item, first_item + "".join(f"\n    - {point}" for point in [*LONG_POINTS, HUGE_POINT])),
        encoding="utf-8")
    return root, make_slides(root)


def rendered(deck: Deck, folder: Path) -> pdfplumber.PDF:
    """The PPTX as LibreOffice Impress renders it, with the project's Noto Sans (as TrueType: LibreOffice reads
    no WOFF2) so that lines break as they do with the font the deck names."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.fail("LibreOffice's soffice is not installed: `make test` installs Debian's libreoffice-impress-nogui")
    from fontTools.ttLib import TTFont

    fonts = folder / "fonts"
    fonts.mkdir(parents=True, exist_ok=True)
    for woff2 in (Path(__file__).parent.parent / "docs" / "assets" / "fonts").glob("NotoSans-*.woff2"):
        font = TTFont(woff2)
        font.flavor = None
        font.save(fonts / f"{woff2.stem}.ttf")
    config = folder / "fonts.conf"
    config.write_text(f'<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                      f'<include ignore_missing="yes">/etc/fonts/fonts.conf</include><dir>{fonts}</dir>'
                      f'<cachedir>{folder / "fontconfig"}</cachedir></fontconfig>', encoding="utf-8")
    command = [soffice, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
               "--convert-to", "pdf", "--outdir", str(folder), str(deck.pptx)]
    subprocess.run(command, check=True, capture_output=True, timeout=180,
                   env={"PATH": "/usr/bin:/bin", "HOME": str(folder), "FONTCONFIG_FILE": str(config)})
    return pdfplumber.open(folder / f"{deck.pptx.stem}.pdf")


# --- what the deck says, in order --------------------------------------------------------------------------------


def test_the_deck_has_its_slides_in_order(example):
    root, deck = example
    publication = load_publication(root / "strategy.yml", root)
    title, *others = deck.slides
    assert title[0] == publication.title
    assert "Summary of inputs received" in title
    assert any(publication.edition.label in p and "20 November 2025" in p for p in title)
    kinds = []
    for paragraphs in others:
        heading = re.sub(r" \(continued\)$| \(top .*\)$", "", paragraphs[0])
        if not kinds or kinds[-1] != heading:
            kinds.append(heading)
    # Without the synthesis charts (not drawn yet on this branch) themes and priorities are tables.
    assert kinds in (
        ["Key messages", "Themes raised most", "Priorities ranked by support", "In partners’ words",
         "The way forward"],
        ["Key messages", "Themes by kind of partner", "Priorities ranked by support",
         "In partners’ words", "The way forward"])
    way = (root / "docs" / "way-forward.md").read_text(encoding="utf-8")
    first_point = re.search(r"^    - (.*)$", way, flags=re.M).group(1)
    assert first_point in deck.text()  # the way forward is the author's own first list
    footer = re.compile(rf"SPF Flagship Phase III strategy · {publication.edition.label}, 20 November 2025")
    with zipfile.ZipFile(deck.pptx) as package:
        assert footer.search(package.read("ppt/slideMasters/slideMaster1.xml").decode())
        core = package.read("docProps/core.xml").decode()
    assert f"<dc:title>{publication.title}: Summary of inputs received</dc:title>" in core


def test_the_page_shows_the_same_slides(example):
    _, deck = example
    page = deck.page.read_text(encoding="utf-8")
    headings = re.findall(r"<h[12] id=\"slide-\d+-title\">(.*?)</h[12]>", page)
    assert [html.unescape(h) for h in headings] == deck.titles


def test_the_reference_deck_is_made_from_pandocs_own_16_9_in_noto_sans_and_the_sites_blue():
    data = reference_pptx()
    assert data == reference_pptx.__wrapped__()  # the same every time
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        presentation = package.read("ppt/presentation.xml").decode()
        theme = package.read("ppt/theme/theme1.xml").decode()
        master = package.read("ppt/slideMasters/slideMaster1.xml").decode()
    assert 'cx="9144000" cy="5143500"' in presentation  # 16:9
    assert '<a:latin typeface="Noto Sans"' in theme and "Calibri" not in theme
    assert '<a:srgbClr val="1E2DBE"/>' in master
    assert "normAutofit" not in master  # no shrinking: an overflow shows


# --- consent ---------------------------------------------------------------------------------------------------


def test_quotes_respect_consent_and_partner_text_stays_text(edited):
    root, deck = edited
    inputs = load_inputs(root / "inputs", root)
    withheld = " ".join(inputs.partner_inputs["PI-001"].key_quote.split())
    anonymous = inputs.partner_inputs["PI-004"]
    with zipfile.ZipFile(deck.pptx) as package:
        every_part = b"".join(package.read(n) for n in package.namelist()).decode("utf-8", "replace")
    page = deck.page.read_text(encoding="utf-8")
    for words in (withheld, withheld[:40]):
        assert words not in deck.text() and words not in every_part and words not in page
    quotes = [(paragraphs[i], paragraphs[i + 1]) for paragraphs in deck.slides if paragraphs[0].startswith("In partners")
              for i in range(1, len(paragraphs) - 1) if paragraphs[i].startswith("“")]
    kinds = {capitalise(kind.anonymous_label) for kind in PartnerKind}
    def straight(text: str) -> str:  # the deck sets typographic apostrophes, as the site and the PDF do
        return text.replace("\u2019", "'").replace("\u2018", "'")

    by_text = {" ".join(i.key_quote.split()): i for i in inputs.partner_inputs.values() if i.key_quote}
    assert f"“{' '.join(anonymous.key_quote.split())}”" in [q for q, _ in quotes]
    assert any(SCRIPT in straight(q) for q, _ in quotes)  # shown as typed
    for quote, attribution in quotes:
        if not quote.endswith("”"):  # a piece of PI-002's long quote: see the test of long content
            continue
        item = by_text[straight(quote.strip("“”"))]
        partner = inputs.partners[item.partner]
        expected = partner.display_name if item.consent.value == "named" else capitalise(partner.kind.anonymous_label)
        assert attribution == f"— {expected}"
        if item is anonymous:
            assert attribution.removeprefix("— ") in kinds
    assert SCRIPT not in page and "&lt;script&gt;" in page


def test_an_internal_deck_shows_what_partners_withheld_marked_as_such(edited, tmp_path):
    root, _ = edited
    deck = make_slides(root, "internal")
    assert "not shown outside internal builds" in deck.text()


# --- no slide overflows -----------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"\s+|(?<=-)", text) if w]


def assert_every_slide_fits(deck: Deck, pdf: pdfplumber.PDF) -> None:
    assert len(pdf.pages) == len(deck.slides)
    for number, (page, paragraphs) in enumerate(zip(pdf.pages, deck.slides), start=1):
        chars = page.chars
        assert chars, f"slide {number} has no text"
        for char in chars:
            assert 0 <= char["x0"] and char["x1"] <= page.width and 0 <= char["top"] and char["bottom"] <= page.height, \
                f"slide {number}: {char['text']!r} outside the page"
        body = [c for c in chars if c["size"] > 10]  # all but the footer's 9 pt
        lowest = max(c["bottom"] for c in body)
        limit = BODY_BOTTOM if number > 1 else FOOTER_TOP
        assert lowest <= limit + 1, f"slide {number} ({paragraphs[0]!r}) runs {lowest - limit:.0f} pt past its body"
        # Every word of every paragraph is on the page (a table's cells wrap in columns, so words, not lines).
        # A line may break after a hyphen ("priority-" / "country"), so words are cut after hyphens on both sides.
        shown = set(_words(page.extract_text() or ""))
        for paragraph in paragraphs:
            missing = [w for w in _words(paragraph) if w not in shown]
            assert not missing, f"slide {number}: {missing} of {paragraph[:40]!r} not shown"


def test_no_slide_of_the_example_overflows(example, tmp_path):
    _, deck = example
    assert_every_slide_fits(deck, rendered(deck, tmp_path))


def test_long_content_goes_onto_more_slides_whole_and_nothing_overflows(edited, tmp_path):
    _, deck = edited
    forward = [paragraphs for paragraphs in deck.slides if paragraphs[0].startswith("The way forward")]
    assert len(forward) >= 3 and all(p[0] == "The way forward (continued)" for p in forward[1:])
    shown = [point for paragraphs in forward for point in paragraphs[1:]]
    for point in LONG_POINTS:
        assert shown.count(point) == 1  # whole, once, on one slide
    huge = shown.index(next(p for p in shown if p.startswith("Sentence 1 ")))
    pieces = [p for p in shown[huge:] if p.startswith("Sentence ")]
    assert len(pieces) >= 2 and " ".join(pieces) == HUGE_POINT  # every word, in order, cut between sentences
    ireland = [paragraphs[i:i + 2] for paragraphs in deck.slides if paragraphs[0].startswith("In partners")
               for i in range(1, len(paragraphs)) if "Part 1 " in paragraphs[i] or paragraphs[i].startswith("…Part")]
    assert len(ireland) >= 2 and all(attribution == "— Ireland" for _, attribution in ireland)
    assert ireland[0][0].startswith("“") and ireland[-1][0].endswith("”")
    assert " ".join(q.strip("“”…") for q, _ in ireland) == LONG_QUOTE
    assert_every_slide_fits(deck, rendered(deck, tmp_path))


# --- the page ---------------------------------------------------------------------------------------------------


def test_the_page_runs_nothing_and_fetches_nothing(edited):
    _, deck = edited
    page = deck.page.read_text(encoding="utf-8")
    tags = start_tags(page)
    assert not [t for t, _ in tags if t in ("script", "iframe", "object", "embed", "link", "base", "form")]
    for tag, attributes in tags:
        for name, value in attributes:
            assert not name.startswith("on"), (tag, name)
            if name in ("src", "href") and value:
                assert value.startswith("data:") or not urlsplit(value).scheme, (tag, value)
    assert "default-src 'none'" in page and "url(http" not in page
    playwright = pytest.importorskip("playwright.sync_api")
    requested = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        view = browser.new_page()
        view.on("request", lambda request: requested.append(request.url))
        messages = []
        view.on("console", lambda message: messages.append(message.text))
        view.goto(deck.page.as_uri())
        assert view.locator("section.slide").count() == len(deck.slides)
        assert view.evaluate("document.fonts.check('16px \"Noto Sans\"')")
        browser.close()
    assert [u for u in requested if not u.startswith("data:")] == [deck.page.as_uri()]
    assert not [m for m in messages if "Content Security Policy" in m]  # nothing it holds was refused either


# --- the same bytes; the command's problems ----------------------------------------------------------------------


def test_the_same_inputs_give_the_same_bytes(example):
    root, deck = example
    again = strategy("slides", "--project", str(root), "-o", str(root / "again" / "deck.pptx"))
    assert again.returncode == 0, again.stderr
    assert (root / "again" / "deck.pptx").read_bytes() == deck.pptx.read_bytes()
    # The page links to its own PPTX by name: the same name, the same bytes.
    assert (root / "again" / "deck.html").read_bytes() == deck.page.read_bytes()


def test_an_output_that_is_not_a_pptx_is_a_problem(example):
    root, _ = example
    run = strategy("slides", "--project", str(root), "-o", str(root / "deck.ppt"))
    assert run.returncode == 1
    assert "-o: expected a file name ending in .pptx" in run.stderr and "Internal error" not in run.stderr


# --- the build ----------------------------------------------------------------------------------------------------


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a" and "strategy-banner__slides" in (attributes.get("class") or ""):
            self.found["slides"] = attributes["href"]


def test_the_build_puts_the_pptx_beside_the_pdf_and_links_the_slides_page_from_every_page(built):
    pptx = built.site / (built.publication.pdf_file.removesuffix(".pdf") + "-slides.pptx")
    assert pptx.is_file() and zipfile.is_zipfile(pptx)
    assert "Slides:" in built.run.stdout
    page = built.site / "slides" / "index.html"
    assert f'href="../{pptx.name}"' in page.read_text(encoding="utf-8")
    for html_file in (built.site / "index.html", built.site / "generated" / "inputs-received.html"):
        links = Links()
        links.feed(html_file.read_text(encoding="utf-8"))
        target = urljoin(html_file.relative_to(built.site).as_posix(), links.found["slides"])
        assert (built.site / target).resolve() == page.resolve()


def test_a_text_longer_than_a_slide_is_cut_into_pieces_that_each_fit():
    from strategy.publish.slides import BODY_LINES, lines, pieces

    prose = " ".join(f"Sentence {n} says something of its own, at some length." for n in range(60))
    for text in (prose, "x" * 3000, "short"):
        parts = pieces(text, BODY_LINES)
        assert all(lines([p]) <= BODY_LINES for p in parts)
        assert "".join(parts).replace(" ", "") == text.replace(" ", "")
    assert all(p.endswith(".") for p in pieces(prose, BODY_LINES))  # cut between sentences
    assert pieces("short", BODY_LINES) == ["short"]
