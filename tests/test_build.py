"""`strategy build` on the bundled example: the real PDF and the real site, read back."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from conftest import copy_built, copy_project, digest, start_tags, strategy
from strategy.changes import edition_chapters
from strategy.chapters import GENERATED_FOLDER
from strategy.chapters.consent import Audience, may_name, may_show
from strategy.inputs.records import Consent
from strategy.project import Project


def nav_titles(root: Path) -> list[tuple[str, str]]:
    """(title, page) for every page of mkdocs.yml's nav."""
    config = yaml.load((root / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    out = []
    for entry in config["nav"]:
        (title, target), = entry.items()
        items = [(title, target)] if isinstance(target, str) else [next(iter(s.items())) for s in target]
        out += items
    return out


def page_source(root: Path, page: str) -> str:
    """A page's Markdown: the author's file, or the generated chapter as a partners build makes it (in
    memory: no build writes docs/generated)."""
    if page.startswith(f"{GENERATED_FOLDER}/"):
        project = Project(root)
        publication = project.publication()
        chapters, _ = edition_chapters(project, publication, project.inputs(publication), Audience.PARTNERS)
        return next(c.markdown for c in chapters if c.path == page)
    return (root / "docs" / page).read_text(encoding="utf-8")


def page_title(root: Path, page: str) -> str:
    return re.search(r"^# (.+)$", page_source(root, page), re.M).group(1).strip()


def in_pdf(root: Path, page: str) -> bool:
    return "pdf: false" not in page_source(root, page).split("---")[1]


@pytest.fixture(scope="module")
def pdf(built):
    return PdfReader(built.pdf)


@pytest.fixture(scope="module")
def pdf_text(pdf):
    return [page.extract_text() for page in pdf.pages]


def test_build_says_where_its_outputs_are(built):
    assert str(built.pdf) in built.run.stdout
    assert str(built.site / "index.html") in built.run.stdout


def test_pdf_metadata(built, pdf):
    meta = pdf.metadata
    assert meta.title.startswith(built.publication.title)
    assert meta.author == built.publication.author
    root = pdf.trailer["/Root"]
    assert root["/Lang"] == built.publication.language


def test_pdf_states_the_counts_from_the_inputs(built, pdf_text):
    text = re.sub(r"\s+", " ", " ".join(pdf_text))
    partners = len({i.partner for i in built.inputs.partner_inputs.values()})
    assert f"{partners} partners" in text
    assert f"{built.inputs.results.institutional_changes.achieved} institutional changes" in text
    assert built.publication.edition.label in pdf_text[0]


def test_pdf_outline_has_every_printed_chapter(built, pdf):
    outline_titles = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                outline_titles.append(item.title)
    walk(pdf.outline)
    for _, page in nav_titles(built.root):
        if in_pdf(built.root, page):
            title = page_title(built.root, page)
            assert any(t == title or t.endswith(" " + title) for t in outline_titles), (title, outline_titles)


def test_table_of_contents_page_numbers_are_right(built, pdf, pdf_text):
    """Each chapter listed in the contents starts on the page the contents says."""
    first = next(i for i, t in enumerate(pdf_text) if "Contents" in t)
    contents = "\n".join(pdf_text[first:first + 4])
    labels = pdf.page_labels  # printed page numbers, by physical page
    checked = 0
    for _, page in nav_titles(built.root):
        if not in_pdf(built.root, page):
            continue
        title = page_title(built.root, page)
        found = re.search(re.escape(title) + r"[ .]*?([0-9]+|[ivxlc]+)\s*$", contents, re.M)
        assert found, f"{title} not in the contents:\n{contents}"
        printed = found.group(1)
        assert printed in labels, f"no page is numbered {printed}"
        assert title in pdf_text[labels.index(printed)], f"{title} is not on page {printed}"
        checked += 1
    assert checked >= 8


def test_pages_show_the_numbers_their_labels_say(pdf, pdf_text):
    """From the contents on, every page prints its number, and it is the PDF page label (i, ii, …, 1, 2, …)."""
    labels = pdf.page_labels
    assert labels[0] == "i" and "1" in labels and labels.index("1") > labels.index("iii")
    first = next(i for i, t in enumerate(pdf_text) if t.lstrip().startswith("Contents") or "\nContents\n" in t)
    for index in range(first, len(pdf_text)):
        words = pdf_text[index].split()
        assert labels[index] in words[-4:], f"page {index + 1} should show {labels[index]}: {words[-4:]}"


def test_every_visible_input_id_is_in_the_pdf_and_the_site(built, pdf_text):
    text = " ".join(pdf_text)
    register = (built.site / "generated" / "partner-inputs.html").read_text(encoding="utf-8")
    for item in built.inputs.partner_inputs.values():
        if may_show(item, Audience.PARTNERS):
            assert item.id in text, f"{item.id} missing from the PDF"
            assert f'id="{item.id.lower()}"' in register, f"{item.id} has no entry in the register page"


def test_withheld_inputs_and_anonymous_names_stay_out(built, pdf_text):
    text = " ".join(pdf_text)
    pages = [p.read_text(encoding="utf-8") for p in built.site.rglob("*.html")]
    search = (built.site / "search" / "search_index.json").read_text(encoding="utf-8")
    withheld = [i for i in built.inputs.partner_inputs.values() if i.consent is Consent.WITHHELD]
    assert withheld, "the example should have withheld inputs"
    for item in withheld:
        assert not re.search(rf"\b{item.id}\b", text)
        assert not any(re.search(rf"\b{item.id}\b", page) for page in pages)
        assert item.id not in search
    named = {i.partner for i in built.inputs.partner_inputs.values() if may_name(i, Audience.PARTNERS)}
    anonymous = {i.partner for i in built.inputs.partner_inputs.values()} - named
    for partner_id in anonymous:
        name = built.inputs.partners[partner_id].name
        assert name not in text
        assert name not in search


def test_site_has_every_nav_page_and_search_index(built):
    index = json.loads((built.site / "search" / "search_index.json").read_text(encoding="utf-8"))
    locations = {doc["location"].split("#")[0] for doc in index["docs"]}
    for title, page in nav_titles(built.root):
        url = page.removesuffix(".md") + ".html"  # a page is a file: the site opens from a folder too
        assert (built.site / url).is_file(), page
        assert url in locations, f"{page} is not in the search index"


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.urls.append(value)


def test_site_needs_no_internet(built):
    for page in built.site.rglob("*.html"):
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for url in parser.urls:
            if url.startswith(("http://", "https://", "//")):
                # External links a reader may follow are fine; nothing the page loads may be remote.
                assert not url.endswith((".css", ".js", ".woff2", ".woff", ".ttf")), (page, url)
                assert "fonts.googleapis" not in url and "fonts.gstatic" not in url, (page, url)
    for css in built.site.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        assert "fonts.googleapis" not in text and "@import url(http" not in text, css
    fonts = list((built.site / "assets" / "fonts").glob("*.woff2"))
    assert fonts, "self-hosted fonts are missing from the site"


def test_every_page_shows_the_draft_banner_the_pdf_and_the_word_version(built):
    edition = built.publication.edition.label
    for page in built.site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        if "md-content" not in html or page.name == "404.html":  # the 404 page links from the root (test_site_reader)
            continue
        assert "strategy-banner" in html and edition in html, page
        link = re.search(r'class="strategy-banner__pdf" href="([^"]+)"', html).group(1)
        assert (page.parent / link).resolve() == built.pdf.resolve(), (page, link)
        word = re.search(r'class="strategy-banner__docx" href="([^"]+)"', html).group(1)
        assert (page.parent / word).resolve() == (built.site / built.publication.docx_file).resolve()
    assert (built.site / built.publication.docx_file).read_bytes().startswith(b"PK")
    assert f"Word: {built.site / built.publication.docx_file}" in built.run.stdout


def test_a_failed_build_changes_no_output(built, tmp_path):
    root = copy_built(built, tmp_path / "project")  # the outputs of a build that succeeded
    before = digest(root / "site")
    partners = root / "inputs" / "partners.yaml"
    partners.write_text(partners.read_text(encoding="utf-8").replace("kind: ", "kind: nonsense-", 1),
                        encoding="utf-8")
    run = strategy("build", "--project", str(root))
    assert run.returncode == 1
    assert "inputs/partners.yaml:" in run.stderr and "Traceback" not in run.stderr
    assert digest(root / "site") == before


def test_unknown_input_id_in_an_author_chapter_fails_the_build_with_file_and_line(tmp_path):
    root = copy_project(tmp_path / "project")
    chapter = root / "docs" / "vision.md"
    lines = chapter.read_text(encoding="utf-8").splitlines()
    lines.insert(12, "")
    lines.insert(13, '{{ quote("PI-999") }}')
    chapter.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = strategy("build", "--project", str(root))
    assert run.returncode == 1
    assert "docs/vision.md:14:" in run.stderr and "PI-999" in run.stderr, run.stderr
    assert not (root / "site").exists()


def test_pdf_uses_only_the_shipped_fonts_all_embedded(pdf):
    shipped = {p.stem.split("-")[0] for p in (Path(__file__).parent.parent / "docs" / "assets" / "fonts").glob("*.woff2")}
    seen = set()
    for page in pdf.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            name = str(font["/BaseFont"]).lstrip("/").split("+", 1)[-1]
            seen.add(name)
            descendant = font.get("/DescendantFonts")
            descriptor = (descendant[0].get_object() if descendant else font).get("/FontDescriptor").get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), f"{name} not embedded"
    assert seen
    for name in seen:
        assert name.replace("-", "").split("Bold")[0].split("Italic")[0] in shipped, f"{name} is not a shipped font"


def test_every_internal_link_of_the_print_edition_resolves(built):
    html = (built.root / ".build" / "print.html").read_text(encoding="utf-8")
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    targets = re.findall(r'\bhref="#([^"]+)"', html)
    assert len(targets) > 100
    missing = sorted({t for t in targets if t not in ids})
    assert not missing, missing[:10]


def test_mkdocs_build_alone_names_the_file_and_line_of_a_bad_macro(tmp_path):
    import subprocess
    import sys

    root = copy_project(tmp_path / "project")
    chapter = root / "docs" / "way-forward.md"
    text = chapter.read_text(encoding="utf-8")
    chapter.write_text(text + '\n{{ quote("PI-998") }}\n', encoding="utf-8")
    line = text.count("\n") + 2
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=root, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 1
    assert f"docs/way-forward.md:{line}:" in run.stderr and "PI-998" in run.stderr, run.stderr
    assert "Traceback" not in run.stderr


def test_a_draft_site_keeps_search_engines_out(built):
    """Every page of a draft (edition.final false) asks not to be indexed, and robots.txt disallows all."""
    assert not built.publication.edition.final
    pages = list(built.site.rglob("*.html"))
    assert len(pages) >= 15 and (built.site / "404.html") in pages
    for page in pages:
        robots = [dict(attrs).get("content") for tag, attrs in start_tags(page.read_text(encoding="utf-8"))
                  if tag == "meta" and dict(attrs).get("name") == "robots"]
        assert robots == ["noindex, nofollow"], page
    assert (built.site / "robots.txt").read_text(encoding="utf-8") == "User-agent: *\nDisallow: /\n"


def _painted(content, resources, seen: set) -> int:
    """How many paths a content stream paints (fill, stroke), with the forms it draws."""
    import pikepdf

    count = 0
    for operands, operator in pikepdf.parse_content_stream(content):
        if str(operator) in ("f", "f*", "F", "S", "s", "B", "B*", "b", "b*"):
            count += 1
        elif str(operator) == "Do":
            form = resources.get("/XObject", {}).get(operands[0])
            if form is not None and form.get("/Subtype") == "/Form" and form.objgen not in seen:
                seen.add(form.objgen)
                count += _painted(form, form.get("/Resources", resources), seen)
    return count


def test_every_chart_is_drawn_in_the_pdf_the_build_made(built):
    """Each figure that shows a chart has the chart's drawing on its page: Matplotlib draws a chart's text as
    paths, so a chart paints hundreds of them, and a page of text and table rules a few dozen. The build
    renders the PDF's parts while it writes the charts' PNGs for Word into the folder they read the SVGs
    from: those must not be taken away meanwhile."""
    import pdfplumber
    import pikepdf

    document = (built.root / ".build" / "print.html").read_text(encoding="utf-8")
    captions = [re.sub(r"<[^>]+>", "", caption).replace("\xa0", " ").strip()[:30]
                for figure in re.findall(r"<figure\b.*?</figure>", document, re.S) if "charts/" in figure
                for caption in re.findall(r"<figcaption>(.*?)</figcaption>", figure, re.S)]
    assert len(captions) == 5
    with pdfplumber.open(built.pdf) as plumbed, pikepdf.open(built.pdf) as pdf:
        texts = [(page.extract_text() or "").replace("\xa0", " ") for page in plumbed.pages]
        for caption in captions:
            pages = [number for number, text in enumerate(texts) if caption in text]
            painted = max(_painted(pdf.pages[n].obj, pdf.pages[n].obj.get("/Resources", {}), set()) for n in pages)
            assert painted > 150, f"{caption}: {painted} paths painted on its page"
