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
NEW_INPUT_QUOTE = "Phase III should publish its country results in open data every year."
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
    new = re.sub(r"(?ms)^key_quote:.*?(?=^\w)", f"key_quote: {NEW_INPUT_QUOTE}\n", new)
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


def test_the_changes_page_shows_exactly_the_edits(two_editions):
    root, edits = two_editions
    page = _changes_page(root)
    article = page.xpath("//article")[0]
    assert "What changed since Draft 1" in _texts(article, ".//h1")[0]
    assert _texts(article, ".//ins") and _texts(article, ".//del")
    inserted, deleted = " ".join(_texts(article, ".//ins")), " ".join(_texts(article, ".//del"))
    assert "present" in inserted and "existing" in deleted
    assert INSERTED_SENTENCE.split()[1] in inserted
    assert "Minimum Standards" in deleted
    assert NEW_INPUT_QUOTE.split()[0] in inserted or NEW_INPUT_QUOTE in article.text_content()
    moved = " ".join(_texts(article, ".//*[contains(@class, 'redline-moved')]"))
    assert edits["moved"].split()[3] in moved
    # A move is not a deletion and an insertion.
    assert "two levels of results" not in inserted and "two levels of results" not in deleted


def test_a_withheld_input_never_comes_back_as_a_deletion(two_editions):
    root, _ = two_editions
    text = (root / "site" / "generated" / "changes.html").read_text(encoding="utf-8")
    assert WITHDRAWN_QUOTE not in text and "Luxembourg sees Phase III" not in text


def test_the_pdf_has_the_annex_and_marks_changed_chapters(two_editions):
    root, _ = two_editions
    publication = load_publication(root / "strategy.yml", root)
    with pdfplumber.open(root / "site" / publication.pdf_file) as pdf:
        pages = [p.extract_text() or "" for p in pdf.pages]
    annex = [i for i, t in enumerate(pages) if "What changed since Draft 1" in t]
    assert annex, "the annex is in the PDF"
    whole = "\n".join(pages)
    assert WITHDRAWN_QUOTE not in whole


def test_the_word_copy_has_tracked_changes(two_editions):
    root, _ = two_editions
    tracked = list((root / "site").glob("*changes-since-draft-1.docx"))
    assert len(tracked) == 1
    with zipfile.ZipFile(tracked[0]) as docx:
        document = docx.read("word/document.xml").decode("utf-8")
    assert 'w:author="Draft 2"' in document
    assert "present" in "".join(re.findall(r"<w:ins [^>]*>.*?</w:ins>", document, re.S))
    assert WITHDRAWN_QUOTE not in document


def test_the_first_edition_says_so_and_prints_no_annex(tmp_path):
    root = copy_project(tmp_path / "project")
    done = strategy("chapters", "--project", str(root))
    assert done.returncode == 0, done.stderr
    page = (root / "docs" / "generated" / "changes.md").read_text(encoding="utf-8")
    assert "pdf: false" in page and "first edition" in page
