"""Two editions with known edits, end to end: Draft 1 released with `strategy release`, then edited into
Draft 2 (a word replaced, a sentence inserted, a paragraph moved, a paragraph deleted, a new partner input, a
partner who withheld its input since) and built. Each output must show exactly those changes: the "What
changed" page of the site, its annex in the PDF, the marks in the navigation and the contents, the Word copy
with tracked changes; and the withheld input nowhere in the redline."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pdfplumber
import pytest
from lxml import html as lxml_html

from conftest import copy_project, make_releasable, strategy
from strategy.inputs import load_publication

# The edits between the two editions: (page, text of Draft 1, text of Draft 2).
REPLACED = ("way-forward.md", "Governance would continue on the existing model.",
            "Governance would continue on the present model.")
INSERTED_SENTENCE = "Draft 2 adds this sentence about pension reform."
DELETED = ("The Recommendation is paired with the Social Security (Minimum Standards) Convention, 1952 (No. 102), "
           "which guides countries towards higher levels of protection.")
# PI-001's key quote: named in Draft 1, withheld in Draft 2. It must not come back as a deletion.
WITHDRAWN_QUOTE = "Our support was always meant to help countries build systems that no longer need us"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _moved_paragraph(root: Path) -> str:
    """Move the first paragraph of "A proposed results framework for 2030" to the end of the page."""
    page = root / "docs" / "way-forward.md"
    text = page.read_text(encoding="utf-8")
    start = text.index("The draft proposes to keep the two levels of results")
    end = text.index("\n\n", start)
    paragraph = text[start:end]
    page.write_text(text[:start] + text[end + 2:].rstrip("\n") + "\n\n" + paragraph + "\n", encoding="utf-8")
    return paragraph


def _draft_2(root: Path) -> dict[str, str]:
    docs = root / "docs"
    _edit(docs / REPLACED[0], REPLACED[1], REPLACED[2])
    _edit(docs / "context.md", "Two of its targets concern it directly:[^sdg]",
          f"Two of its targets concern it directly. {INSERTED_SENTENCE}[^sdg]")
    _edit(docs / "context.md", DELETED + "\n\n", "")
    moved = _moved_paragraph(root)
    inputs = root / "inputs" / "partner-inputs"
    new = (inputs / "PI-002.yaml").read_text(encoding="utf-8")
    new = re.sub(r"(?m)^id: PI-002$", "id: PI-900", new)
    (inputs / "PI-900.yaml").write_text(new, encoding="utf-8")
    _edit(inputs / "PI-001.yaml", "consent: named", "consent: withheld")
    _edit(docs / "way-forward.md", '{{ quote("PI-001") }}\n', "")  # a withheld input cannot be quoted
    return {"moved": moved}


@pytest.fixture(scope="module")
def two_editions(tmp_path_factory: pytest.TempPathFactory):
    root = copy_project(tmp_path_factory.mktemp("two-editions") / "project")
    make_releasable(root)
    cache = {"STRATEGY_CACHE_DIR": str(root.parent / "cache")}
    released = strategy("release", "--next", "Draft 2", "--date", "2026-03-02", "--project", str(root), env=cache)
    assert released.returncode == 0, released.stderr
    edits = _draft_2(root)
    built = strategy("build", "--project", str(root), env=cache)
    assert built.returncode == 0, built.stderr
    return root, edits


def _changes_page(root: Path):
    return lxml_html.fromstring((root / "site" / "generated" / "changes.html").read_text(encoding="utf-8"))


def _texts(tree, xpath: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in tree.xpath(xpath)]


def _marks_by_page(root: Path) -> dict[str, list[tuple[str, str, list[str], list[str]]]]:
    """Each page's part of the What changed page: (kind, label, inserted texts, deleted texts) of every mark,
    in order; the words said for screen readers ("[inserted: …]") left out."""
    article = _changes_page(root).xpath("//article")[0]
    for said in article.xpath(".//*[contains(@class, 'redline-said')]"):
        said.drop_tree()
    marks: dict[str, list] = {}
    page = None
    for element in article.iter("h2", "p"):
        if element.tag == "h2":
            page = " ".join(element.text_content().replace("¶", "").split())  # no permalink sign
            marks[page] = []
        elif page and "redline" in (element.get("class") or "").split():
            kind = next(c for c in element.get("class").split() if c.startswith("redline-"))
            label = " ".join(element.xpath("string(.//*[contains(@class, 'redline-what')])").split())
            marks[page].append((kind.removeprefix("redline-"), label, _texts(element, ".//ins"),
                                _texts(element, ".//del")))
    return marks


def test_the_changes_page_shows_exactly_the_edits_to_the_author_pages(two_editions):
    root, edits = two_editions
    marks = _marks_by_page(root)
    assert marks["1 Context"] == [
        ("changed", "Paragraph 1.1", [f". {INSERTED_SENTENCE}"], [":"]),
        ("deleted", "Paragraph 1.3", [], [DELETED]),
    ]
    way_forward = marks["6 Way forward"]
    assert way_forward[0] == ("changed", "Paragraph 6.2", ["present"], ["existing"])
    # The moved paragraph twice, where it was and where it is: a move, not a deletion and an insertion.
    assert [(kind, label) for kind, label, _, _ in way_forward[1:]] == [("moved", "Paragraph 6.3"),
                                                                         ("moved", "Paragraph 6.6")]
    assert all(not inserted and not deleted for _, _, inserted, deleted in way_forward[1:])
    # Pages the edits did not touch are not in it.
    assert not {"2 Phase II results", "4 Vision for Phase III"} & set(marks)


def test_the_new_partner_input_shows_in_the_generated_chapters(two_editions):
    root, _ = two_editions
    marks = _marks_by_page(root)
    register = marks["Annex 4 Register of partner inputs"]
    assert any(kind == "inserted" and any("PI-900" in text for text in inserted) for kind, _, inserted, _ in register)
    # The counts moved with it: one more input than Draft 1 counted.
    numbers = marks["Annex 2 Inputs received in numbers"]
    assert any(kind == "changed" and inserted and deleted and int(inserted[0]) == int(deleted[0]) + 1
               for kind, _, inserted, deleted in numbers if inserted and inserted[0].isdigit()
               and deleted and deleted[0].isdigit())


def test_the_site_marks_the_changed_pages_and_sections(two_editions):
    root, _ = two_editions
    index = lxml_html.fromstring((root / "site" / "index.html").read_text(encoding="utf-8"))
    marked = {" ".join(a.text_content().split()) for a in index.xpath(
        "//nav[contains(@class, 'md-nav--primary')]//a[.//span[contains(@class, 'md-status--changed')]]")}
    assert {"Context", "Way forward", "Register of partner inputs"} <= marked
    assert not {"Phase II results", "Vision for Phase III", "Foreword"} & marked
    page = lxml_html.fromstring((root / "site" / "way-forward.html").read_text(encoding="utf-8"))
    noted = [" ".join(n.getprevious().text_content().split()) if n.getprevious().tag.startswith("h")
             else " ".join(n.getprevious().getprevious().text_content().split())
             for n in page.xpath("//p[contains(@class, 'changed-note')]")]
    assert len(noted) == 3 and all("Comment" not in n for n in noted)
    banner = " ".join(index.xpath("string(//div[contains(@class, 'strategy-banner')])").split())
    assert "What changed since Draft 1" in banner and "Word, with tracked changes" in banner


def test_comments_on_draft_1_link_to_where_draft_2_answers_them(two_editions):
    root, _ = two_editions
    matrix = lxml_html.fromstring((root / "site" / "generated" / "comment-matrix.html").read_text(encoding="utf-8"))
    links = matrix.xpath("//a[starts-with(@href, '../way-forward.html#')]")
    assert links, "a comment on Draft 1's way forward links to Draft 2"
    for link in links:
        target = (root / "site" / "way-forward.html").read_text(encoding="utf-8")
        assert f'id="{link.get("href").split("#", 1)[1]}"' in target


def test_a_withheld_input_never_comes_back_as_a_deletion(two_editions):
    root, _ = two_editions
    text = (root / "site" / "generated" / "changes.html").read_text(encoding="utf-8")
    assert WITHDRAWN_QUOTE not in text and "Luxembourg sees Phase III" not in text


def test_the_pdf_contents_mark_exactly_the_changed_chapters(two_editions):
    root, _ = two_editions
    publication = load_publication(root / "strategy.yml", root)
    with pdfplumber.open(root / "site" / publication.pdf_file) as pdf:
        pages = [p.extract_text() or "" for p in pdf.pages]
    first = next(i for i, t in enumerate(pages) if t.lstrip().startswith("Contents"))
    lines = [line for page in pages[first:first + 3] for line in page.splitlines()]
    marked = [m.group(1) for line in lines if (m := re.fullmatch(r"(.+) changed [0-9ivx]+", line))]
    assert marked == ["1 Context", "5 Priorities for Phase III", "6 Way forward", "Annex 1 Summary of inputs received",
                      "Annex 2 Inputs received in numbers", "Annex 3 List of partners",
                      "Annex 4 Register of partner inputs"]
    assert "changed marks the chapters changed since Draft 1" in lines
    assert any(re.fullmatch(r"Annex 7 What changed since Draft 1 [0-9]+", line) for line in lines)
    assert WITHDRAWN_QUOTE not in " ".join(" ".join(pages).split())


def _revisions(docx: Path) -> tuple[list[str], list[str]]:
    """The text of each insertion and of each deletion of a Word file's body, in order."""
    from lxml import etree

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    with zipfile.ZipFile(docx) as package:
        body = etree.fromstring(package.read("word/document.xml"))
    for revision in [*body.iter(f"{w}ins"), *body.iter(f"{w}del")]:
        assert revision.get(f"{w}author") == "Draft 2" and revision.get(f"{w}date") == "2026-03-02T00:00:00Z"
    inserted = [t for e in body.iter(f"{w}ins") if (t := "".join(x.text or "" for x in e.iter(f"{w}t")))]
    deleted = [t for e in body.iter(f"{w}del") if (t := "".join(x.text or "" for x in e.iter(f"{w}delText")))]
    return inserted, deleted


def test_the_word_copy_has_the_edits_as_tracked_changes(two_editions):
    root, edits = two_editions
    tracked = list((root / "site").glob("*-changes-since-draft-1.docx"))
    assert len(tracked) == 1
    inserted, deleted = _revisions(tracked[0])
    # The edits to the author pages, in document order: each a revision of its own.
    author = [t for t in inserted if t in {f". {INSERTED_SENTENCE}", "present"}]
    assert author == [f". {INSERTED_SENTENCE}", "present"]
    assert [t for t in deleted if t in {":", "existing", f"1.3 {DELETED}"}] == [":", f"1.3 {DELETED}", "existing"]
    # Word cannot mark a move: the paragraph is deleted where it was (6.3) and inserted where it is (6.6).
    assert f"6.3 {edits['moved']}" in deleted and f" {edits['moved']}" in inserted
    assert "PI-900" in inserted
    with zipfile.ZipFile(tracked[0]) as package:
        assert WITHDRAWN_QUOTE not in package.read("word/document.xml").decode("utf-8")


def test_the_pdf_annex_shows_the_edits_in_words(two_editions):
    """In print, marks are said as words too ([inserted: …]): they survive greyscale and photocopies."""
    root, _ = two_editions
    publication = load_publication(root / "strategy.yml", root)
    with pdfplumber.open(root / "site" / publication.pdf_file) as pdf:
        pages = [p.extract_text() or "" for p in pdf.pages]
    first = next(i for i, t in enumerate(pages) if "What changed since Draft 1" in t.split("\n", 3)[1])
    annex = " ".join(" ".join(pages[first:]).split())
    assert "Governance would continue on the [deleted: existing][inserted: present] model." in annex
    assert f"directly[deleted: :][inserted: . {INSERTED_SENTENCE}]" in annex
    assert f"Paragraph 1.3 [deleted: {DELETED}]" in re.sub(r"(?<=[a-z])[-\u2010] (?=[a-z])", "", annex)  # hyphenation


def test_the_first_edition_says_so_and_prints_no_annex(tmp_path):
    root = copy_project(tmp_path / "project")
    done = strategy("chapters", "--project", str(root))
    assert done.returncode == 0, done.stderr
    page = (root / "docs" / "generated" / "changes.md").read_text(encoding="utf-8")
    assert "pdf: false" in page and "first edition" in page


@pytest.mark.parametrize("audience", ["partners", "public"])
def test_no_audience_sees_a_withheld_input_in_the_redline(two_editions, audience):
    """What changed, made for each audience: no text of an input withheld now, as a deletion or an insertion,
    whatever the earlier edition showed."""
    from strategy.audience import Audience
    from strategy.chapters import author_text, generate_chapters
    from strategy.changes import site_changes
    from strategy.feedback import edition_outline
    from strategy.project import Project

    root, _ = two_editions
    project = Project(root)
    publication = project.publication()
    inputs = project.inputs(publication)
    chapters = generate_chapters(inputs, Audience(audience), author_text(project.author_pages()),
                                 edition_outline(project, publication.edition.label))
    changes = site_changes(project, publication, inputs, Audience(audience), chapters)
    assert changes.redline is not None and changes.redline.since == "Draft 1"
    page = changes.page.markdown
    withheld = [i for i in inputs.partner_inputs.values() if i.consent.value == "withheld"]
    assert any(i.id == "PI-001" for i in withheld)
    for partner_input in withheld:
        for text in filter(None, [partner_input.key_quote, partner_input.vision]):
            assert " ".join(text.split())[:60] not in " ".join(page.split()), partner_input.id


def test_the_earlier_edition_is_reachable_from_what_changed(two_editions):
    root, _ = two_editions
    page = _changes_page(root)
    links = page.xpath("//p[contains(@class, 'earlier-editions')]//a/@href")
    assert len(links) == 3
    for href in links:
        assert (root / "site" / "generated" / href).resolve().is_file(), href


def test_the_pdf_with_the_annex_and_marks_passes_every_check(two_editions):
    """The layout audit (contents entries with their "changed" mark lead to their titles), the PDF/UA rules
    and the independent pdfua checker, on the edition that has the redline annex."""
    import pdfua

    root, _ = two_editions
    audit = strategy("audit", "--project", str(root))
    assert audit.returncode == 0, audit.stdout + audit.stderr
    publication = load_publication(root / "strategy.yml", root)
    report = pdfua.validate(str(root / "site" / publication.pdf_file))
    assert [f"{f.rule_id} page {f.location.page}: {f.message}" for f in report.findings] == []


def test_an_earlier_edition_takes_no_comments(two_editions):
    """Draft 1 is kept for the record: its pages offer no Comment link; the current edition's do."""
    root, _ = two_editions
    earlier = (root / "site" / "editions" / "draft-1" / "vision.html").read_text(encoding="utf-8")
    current = (root / "site" / "vision.html").read_text(encoding="utf-8")
    assert "comment-link" not in earlier and "strategy-banner__comment" not in earlier
    assert "comment-link" in current and "strategy-banner__comment" in current
