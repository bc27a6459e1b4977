"""What a rebuild of `mkdocs serve` reuses after an edit to one partner input (website/rebuilds.py), and that the
pages it serves are those a cold `mkdocs build` writes.

The register of partner inputs renders entry by entry under `mkdocs serve` (`rebuilds.Pieces`): an edit to one
input renders that input's entry, and the other entries' HTML, headings and anchors come from the build before.
The pieces must add up to the page that rendering it whole gives: tested here on MkDocs' own rendering with
the site's extensions (ids made unique across the page, a title, a table of contents, footnotes and
definitions that reach across entries), and on a real server against a cold build, with partner Markdown
(headings, a table, images, hostile HTML) and a withheld input whose words must appear nowhere.

Nothing here is timed: the times are in benchmarks/preview.py."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO, copy_project
from corpus.partner_markdown import SUBMISSION, WITHHELD_VISION, TEXT_CANARY, jpeg, png, write_input
from test_preview import free_port
from test_site_reuse import GENERATED_PAGES, _served, _wait_for, _without_server, site_build

SUFFIX = "\n\n*[ILO]: International Labour Organization\n"  # as the plugin ends every page: abbreviations


@pytest.fixture(scope="module")
def site():
    """The example's MkDocs configuration (its extensions and the strategy plugin) and its files."""
    from mkdocs.config import load_config
    from mkdocs.structure.files import get_files

    config = load_config(str(REPO / "mkdocs.yml"))
    return config, get_files(config)


def _page(site, markdown: str):
    from mkdocs.structure.files import File
    from mkdocs.structure.pages import Page

    config, files = site
    file = File("generated/partner-inputs.md", src_dir=None, dest_dir=config.site_dir,
                use_directory_urls=config.use_directory_urls)
    file.content_string = markdown
    page = Page(None, file, config)
    page.read_source(config)
    return page


def _rendered(page) -> tuple:
    return (page.content, [(a.id, a.title, a.level, [(c.id, c.title, c.level) for c in a.children])
                           for a in page.toc], page._title_from_render, page.present_anchor_ids)


def _whole_and_in_pieces(site, markdown: str):
    """The page rendered whole by MkDocs, and rendered as the server renders the register (twice: the second
    time from the pieces kept by the first); and the counts of each build."""
    from strategy.website.plugin import REGISTER_ENTRY
    from strategy.website.rebuilds import PageRenders, Pieces

    config, files = site
    whole = _page(site, markdown)
    whole.render(config, files)
    renders, results = PageRenders(), []
    for _ in range(2):
        renders.start_build()
        page = _page(site, markdown)
        renders.remember(page, "files", config, Pieces(REGISTER_ENTRY, SUFFIX))
        page.render(config, files)
        results.append((_rendered(page), (renders.pieces_rendered, renders.pieces_reused, renders.reused)))
    return _rendered(whole), results


ENTRY = "## {id} · Partner {n} {{#{anchor}}}\n\n### Vision {{#{anchor}-vision}}\n\nThe ILO's text {n}, " \
        "with a [link](../vision.md#a-section).\n\n| A | B |\n|:--|--:|\n| 1 | 2 |\n\n" \
        "### Proposals {{#{anchor}-proposals}}\n\n- **Financing:** “Fund the floor.”\n"


def _register(*entries: str, head: str = "# Register of partner inputs\n\nThis register lists them.\n") -> str:
    return "\n".join([head, *entries]) + SUFFIX


def _entries(count: int) -> list[str]:
    return [ENTRY.format(id=f"PI-{n:03d}", n=n, anchor=f"pi-{n:03d}") for n in range(1, count + 1)]


def test_the_register_in_pieces_is_the_page_rendered_whole(site):
    whole, [(first, first_counts), (second, second_counts)] = _whole_and_in_pieces(site, _register(*_entries(3)))
    assert first == whole
    assert second == whole
    assert first_counts == (4, 0, 0)  # the heading's piece and three entries
    assert second_counts == (0, 0, 1)  # the page reused whole
    assert whole[2] == "Register of partner inputs"
    assert [item[0] for item in whole[1]] == ["register-of-partner-inputs"]
    assert [c[0] for c in whole[1][0][3]] == ["pi-001", "pi-002", "pi-003"]


def test_an_edited_entry_is_the_only_piece_rendered_again(site):
    from strategy.website.plugin import REGISTER_ENTRY
    from strategy.website.rebuilds import PageRenders, Pieces

    config, files = site
    entries = _entries(3)
    renders = PageRenders()
    # The second build is of an edit to another page: the register is reused whole, and its pieces kept for the
    # third, an edit to one entry.
    for markdown in (_register(*entries), _register(*entries),
                     _register(entries[0], entries[1].replace("text 2", "text 2, edited"), entries[2])):
        renders.start_build()
        page = _page(site, markdown)
        renders.remember(page, "files", config, Pieces(REGISTER_ENTRY, SUFFIX))
        page.render(config, files)
        whole = _page(site, markdown)
        whole.render(config, files)
        assert _rendered(page) == _rendered(whole)
    assert (renders.pieces_rendered, renders.pieces_reused) == (1, 3)
    assert "text 2, edited" in page.content


@pytest.mark.parametrize("case", ["same heading twice", "footnotes", "reference link", "abbreviation in an entry",
                                  "no title first", "raw HTML left open"])
def test_what_reaches_across_entries_renders_the_page_whole(site, case):
    """An id that the whole page would make unique ("same", "same_1"), a footnote (numbered through the page),
    a definition (for the whole page) or a first piece with no element: rendered whole, as MkDocs would."""
    entries = _entries(2)
    if case == "same heading twice":
        entries = [e + "\n### Same\n\nWords.\n" for e in entries]
    elif case == "footnotes":
        entries = [e + f"\nA note[^{n}].\n\n[^{n}]: The note.\n" for n, e in enumerate(entries)]
    elif case == "reference link":
        entries = [entries[0] + "\nSee [the site][s].\n", entries[1] + "\n[s]: https://example.org\n"]
    elif case == "abbreviation in an entry":
        entries = [entries[0] + "\nThe SPF.\n", entries[1] + "\n*[SPF]: Social Protection Floor\n"]
    elif case == "raw HTML left open":  # the whole page: the block runs on into the next entry
        entries = [entries[0] + "\n<div class=\"x\">\n\nOpen.\n", entries[1] + "\n</div>\n"]
    markdown = _register(*entries, head="\n" if case == "no title first" else "# Register\n\nIntro.\n")
    whole, [(first, counts), (second, _)] = _whole_and_in_pieces(site, markdown)
    assert first == whole
    assert second == whole
    if case in ("same heading twice", "no title first", "raw HTML left open"):
        assert counts[0] > 0  # rendered in pieces, found not to add up, then whole
    else:
        assert counts == (0, 0, 0)  # not cut at all
    if case == "same heading twice":
        assert 'id="same_1"' in whole[0]


# A real server, after real edits, against a cold `mkdocs build` of the same sources.

PIECES = re.compile(r"Pages: (\d+) rendered \(pieces: (\d+) rendered, (\d+) reused\), (\d+) reused; search "
                    r"entries: \d+ pages made \(pieces: (\d+) made, (\d+) reused\)")
WITHOUT_FOOTNOTES = re.sub(r"\[\^\d\]:?[^\n]*", "", SUBMISSION)
SENTENCE = "Words added to an input while the server runs."
PARAGRAPH = "A paragraph the author added while the server runs."
REGISTER = "generated/partner-inputs.html"
FOOTNOTE = "A footnote added while the server runs"


def _edit(path: Path, change) -> None:
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(record)
    path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False, width=10**6), encoding="utf-8")


def _planted(root: Path) -> Path:
    """Partner Markdown of every kind the register shows (headings, lists, a table, images, hostile HTML), and
    a withheld input."""
    write_input(root, "PI-047", WITHOUT_FOOTNOTES, images={"coverage.png": png(), "meeting.jpg": jpeg()})
    write_input(root, "PI-048", WITHHELD_VISION, consent="withheld", images={"secret.png": png((200, 0, 0))})
    return root


def test_serve_renders_the_edited_entry_only_and_serves_what_a_cold_build_makes(tmp_path):
    """Four edits: a paragraph in an author page (the register reused whole); a sentence in one input (its
    entry rendered again, no other); that input withheld (its entry gone from the register and the search
    index); a footnote in another input's vision (the register rendered whole). After each, every served page
    and the search index are a cold build's."""
    root = _planted(copy_project(tmp_path / "project"))

    def add_sentence(project: Path) -> None:
        _edit(project / "inputs" / "partner-inputs" / "PI-002.yaml",
              lambda r: r.update(vision=f"{SENTENCE} {r['vision']}"))

    def withhold(project: Path) -> None:
        _edit(project / "inputs" / "partner-inputs" / "PI-002.yaml", lambda r: r.update(consent="withheld"))

    def add_footnote(project: Path) -> None:
        _edit(project / "inputs" / "partner-inputs" / "PI-047.yaml",
              lambda r: r.update(vision=f"{r['vision']}\nA claim[^9].\n\n[^9]: {FOOTNOTE}.\n"))

    def add_paragraph(project: Path) -> None:
        page = project / "docs" / "vision.md"
        page.write_text(page.read_text(encoding="utf-8") + f"\n{PARAGRAPH}\n", encoding="utf-8")

    # First an author page: the register is reused whole, and keeps its pieces for the edits after.
    edits = [(add_paragraph, "vision.html", lambda body: PARAGRAPH in body),
             (add_sentence, REGISTER, lambda body: SENTENCE in body),
             (withhold, REGISTER, lambda body: 'id="pi-002"' not in body),
             (add_footnote, REGISTER, lambda body: FOOTNOTE in body)]
    port, log = free_port(), tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "-v", "--dev-addr", f"127.0.0.1:{port}"],
                                  cwd=root, stdout=out, stderr=subprocess.STDOUT,
                                  env={**os.environ, "PYTHONPATH": str(root / "scripts")})
    base = f"http://127.0.0.1:{port}"
    served, counts = [], []
    try:
        _wait_for(f"{base}/{REGISTER}", lambda body: 'id="pi-047"' in body)
        _wait_for(f"{base}/index.html", lambda body: "Serving on" in log.read_text())
        for edit, where, shows in edits:
            rebuilds = log.read_text().count("Reloading browsers")
            edit(root)
            _wait_for(f"{base}/{where}", shows)
            _wait_for(f"{base}/index.html", lambda body: log.read_text().count("Reloading browsers") > rebuilds)
            counts.append(PIECES.findall(log.read_text())[-1])
            pages = [p.relative_to(root / "docs").with_suffix(".html").as_posix()
                     for p in (root / "docs").rglob("*.md") if "generated" not in p.parts] \
                + [f"generated/{name}.html" for name in GENERATED_PAGES] + ["search/search_index.json"]
            served.append({page: _served(f"{base}/{page}") for page in pages})
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
    entries = len(re.findall(r'<h2 id="pi-\d+"', served[0][REGISTER]))
    assert entries > 30
    assert counts.pop(0)[:4] == ("1", "0", "0", "16"), counts  # the author page: no piece of the register
    # The sentence: its entry only (the register's one page not reused whole); withheld: the register's opening
    # (its count of inputs) only, the entry left out; a footnote: the page rendered whole.
    # Its search entries likewise: the edited entry's section only.
    assert counts[0] == ("1", "1", str(entries), counts[0][3], "1", str(entries)), counts
    assert counts[1][1:3] == ("1", str(entries - 1)), counts  # other pages count the inputs too
    assert counts[1][4:] == ("1", str(entries - 1)), counts
    assert counts[2][:3] == ("1", "0", "0"), counts
    assert counts[2][4:] == ("1", str(entries - 1)), counts  # the edited entry's section, with the footnotes
    for words in (SENTENCE, TEXT_CANARY):
        assert words not in served[2][REGISTER]
        assert words not in served[2]["search/search_index.json"]
    assert TEXT_CANARY not in served[1]["search/search_index.json"]

    fresh = _planted(copy_project(tmp_path / "fresh"))
    for n, ((edit, _, _), pages) in enumerate(zip(edits, served)):
        edit(fresh)
        cold = site_build(fresh, tmp_path / f"cold-{n}", f"{base}/").site
        for page, body in pages.items():
            if not (cold / page).is_file():
                continue
            built = (cold / page).read_text(encoding="utf-8")
            if page.endswith(".json"):
                assert json.loads(body) == json.loads(built)
            else:
                assert _without_server(body) == _without_server(built), (n, page)


NESTED = "\n<div class=\"note\" markdown=\"1\">\n\n#### A heading in a box {#box-{n}}\n\nBoxed words {n}.\n\n</div>\n" \
    "\nAfter the box {n}.\n"
EXCLUDED = "\n<div data-search-exclude markdown=\"1\">\n\nNot for search {n}.\n\n</div>\n"


@pytest.mark.parametrize("extra", ["", NESTED, EXCLUDED])
def test_the_search_entries_of_the_register_by_section_are_those_of_the_whole_page(site, extra):
    """Material's entries of the whole register, and the same made section by section (and then reused), with
    a heading nested in an element (whose section ends with it) and a part excluded from search."""
    from material.plugins.search.plugin import SearchIndex

    from strategy.website.plugin import REGISTER_PAGE
    from strategy.website.rebuilds import SearchEntries

    config, files = site
    entries = [e + extra.replace("{n}", str(n)) for n, e in enumerate(_entries(3))]
    page = _page(site, _register(*entries))
    page.render(config, files)
    whole = SearchIndex(**config.plugins["material/search"].config)
    whole.add_entry_from_context(page)
    assert len(whole.entries) >= 9
    search, kept = config.plugins["material/search"], SearchEntries()
    # The second build is of an edit to another page (the register's entries reused whole); the third, of an
    # edit to one entry: only its section is parsed again.
    for edit in (False, False, True):
        if edit:
            page.content = page.content.replace("text 2", "text 2, edited")
            whole = SearchIndex(**config.plugins["material/search"].config)
            whole.add_entry_from_context(page)
        search.on_config(config)  # a new index, as each build makes
        kept.start_build()
        kept.remember(config, in_pieces=(REGISTER_PAGE,))
        search.search_index.add_entry_from_context(page)
        assert search.search_index.entries == whole.entries
    assert (kept.made, kept.pieces_made, kept.pieces_reused) == (1, 1, 3)
    assert any("text 2, edited" in entry["text"] for entry in search.search_index.entries)
