"""The redline between two editions (strategy/redline.py): blocks, marks, moves, answers and the "What changed"
page, on two editions of a small strategy rendered by the real print renderer with the site's extensions."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import markdown
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import REPO, start_tags
from strategy.audience import Audience
from strategy.chapters.markdown import front_matter, md_escape, table
from strategy.inputs import load_inputs
from strategy.publish.outline import document_outline, entries_to_chapters
from strategy.publish.print_html import RenderedChapter, numbered, render_chapters
from strategy.redline import (MOVE_MIN_CHARACTERS, Answer, Redline, TextBlock, Word, changes_page, compare,
                              text_blocks, word_diff)
from strategy.safe_html import clean_html

HOSTILE = "<script>alert(1)</script> ](javascript:alert(1)) {: onclick=x }"

NAV = [("index.md", "About this draft", "front"), ("vision.md", "Vision for Phase III", "chapter"),
       ("context.md", "Context", "chapter"), ("generated/partners.md", "List of partners", "annex")]

P1 = "The programme keeps its long-standing vision of {} social protection for all people."
P2 = "Financing must become predictable and national budgets should carry more of the cost over time."
P2_ADDED = " Partners asked for a financing pathway in every country."
MOVED = "This paragraph on digital delivery of benefits will move to the context chapter in the next draft."
DELETED = "The programme will report every year on the results of its partnerships with donors."
P5 = "Partnerships rest on social dialogue with the organizations of workers and employers."


def vision(second: bool) -> str:
    return "\n\n".join([
        "# Vision for Phase III", "## Principles",
        P1.format("comprehensive" if second else "adequate"),
        P2 + (P2_ADDED if second else ""),
        *([] if second else [MOVED]),
        "## Partnerships",
        *([] if second else [DELETED]),
        P5, ""])


def context(second: bool) -> str:
    return "\n\n".join([
        "# Context", "## The world in 2025",
        "Four billion people still lack any social protection, and the gap is widest in low-income countries.",
        *([MOVED] if second else []),
        "- A list item that stays as it was.\n    - A nested item under it.", ""])


def partners(second: bool) -> str:
    rows = [["Luxembourg", "Government"], ["Ireland", "Government"]]
    if second:
        rows.append([md_escape(HOSTILE), "Civil society"])
    who = f"two governments and {md_escape(HOSTILE)}" if second else "two governments"
    return (front_matter("List of partners", "Partners") + "# List of partners\n\n"
            f"This annex lists the partners who sent inputs: {who}.\n\n"
            + table(["Partner", "Kind of partner"], rows, caption="Partners by kind", table_id="tbl-partners")
            + "\n")


def edition(root: Path, second: bool) -> list[RenderedChapter]:
    """One edition rendered for print as `strategy build` renders it, then numbered."""
    docs = root / ("second" if second else "first")
    docs.mkdir()
    (docs / "index.md").write_text("# About this draft\n\nA draft for review.\n", encoding="utf-8")
    (docs / "vision.md").write_text(vision(second), encoding="utf-8")
    (docs / "context.md").write_text(context(second), encoding="utf-8")
    return render(docs, {"generated/partners.md": partners(second)})


def render(docs: Path, generated: dict[str, str], nav=NAV) -> list[RenderedChapter]:
    _, extensions = document_outline(REPO / "mkdocs.yml")
    rendered = render_chapters(entries_to_chapters(nav), extensions, docs, INPUTS, Audience.PARTNERS, REPO,
                               generated)
    return [numbered(r) for r in rendered]


INPUTS = load_inputs(REPO / "inputs", REPO)


@pytest.fixture(scope="module")
def redline(tmp_path_factory) -> Redline:
    root = tmp_path_factory.mktemp("editions")
    return compare("Draft 1", "Draft 2", edition(root, False), edition(root, True))


def kinds(redline: Redline, path: str) -> list[tuple[str, str]]:
    page = next(p for p in redline.pages if p.path == path)
    return [(c.kind, c.block.text) for c in page.changes]


# --- blocks -------------------------------------------------------------------------------------------------


def test_blocks_are_what_a_reader_sees_as_units_with_the_sites_ids():
    fragment = (
        '<h2 id="ch-vision--principles">Principles<a class="headerlink" href="#x">¶</a></h2>'
        '<p id="para-1.2" data-paragraph="1.2"><span class="paragraph-number">1.2</span> Text'
        '<sup id="fnref"><a class="footnote-ref" href="#fn">1</a></sup> with   a note'
        '<span class="footnote">The note.</span>.</p>'
        "<ul><li>Item <em>one</em><ul><li>Nested</li></ul></li><li><p>Loose</p><p>item</p></li></ul>"
        '<div class="data-table" id="ch-vision--tbl-x"><p class="table-caption"><span class="caption-label">'
        "Table 1.1</span> Caption</p><table><thead><tr><th>A</th><th>B</th></tr></thead>"
        "<tbody><tr><td>1</td><td><strong>2</strong></td></tr></tbody></table></div>"
        "<dl><dt>Term</dt><dd>Description</dd></dl>"
        '<blockquote class="partner-input"><p>Quoted words.</p></blockquote>'
        '<div class="admonition note"><p class="admonition-title">Note</p><p>Boxed.</p></div>'
        '<figure id="ch-vision--fig-y"><figcaption><span class="caption-label">Figure 1.1</span> Chart</figcaption>'
        '<p><img alt="a chart" src="c.svg"></p></figure>'
        '<h4 id="ch-vision--deeper">Deeper</h4><p>Under it.</p>')
    blocks = text_blocks(fragment)
    assert [(b.tag, b.text) for b in blocks] == [
        ("h2", "Principles"), ("p", "Text with a note."), ("li", "Item one"), ("li", "Nested"),
        ("li", "Loose item"), ("caption", "Caption"), ("th", "A | B"), ("tr", "1 | 2"), ("dt", "Term"),
        ("dd", "Description"), ("blockquote", "Quoted words."), ("p", "Note"), ("p", "Boxed."),
        ("figcaption", "Chart"), ("h4", "Deeper"), ("p", "Under it.")]
    assert blocks[0].id == "principles" and blocks[0].section_id == "principles"
    assert (blocks[1].id, blocks[1].paragraph, blocks[1].section) == ("para-1.2", "1.2", "Principles")
    # h4 is not a section of its own: comments cite h1-h3, as paragraphs.py reads them.
    assert (blocks[-1].section, blocks[-1].section_id) == ("Principles", "principles")
    assert text_blocks("") == []


# --- marks --------------------------------------------------------------------------------------------------


def test_each_known_edit_gives_exactly_its_mark(redline):
    assert kinds(redline, "vision.md") == [
        ("unchanged", "Vision for Phase III"), ("unchanged", "Principles"),
        ("changed", P1.format("comprehensive")), ("changed", P2 + P2_ADDED), ("moved", MOVED),
        ("unchanged", "Partnerships"), ("deleted", DELETED), ("unchanged", P5)]
    assert kinds(redline, "context.md") == [
        ("unchanged", "Context"), ("unchanged", "The world in 2025"),
        ("unchanged", "Four billion people still lack any social protection, and the gap is widest in "
                      "low-income countries."),
        ("moved", MOVED), ("unchanged", "A list item that stays as it was."), ("unchanged", "A nested item under it.")]
    assert [kind for kind, _ in kinds(redline, "generated/partners.md")] == [
        "unchanged", "changed", "unchanged", "unchanged", "unchanged", "unchanged", "inserted"]
    assert kinds(redline, "generated/partners.md")[-1] == ("inserted", f"{HOSTILE} | Civil society")
    assert kinds(redline, "index.md") == [("unchanged", "About this draft"), ("unchanged", "A draft for review.")]
    assert {p.path: p.status for p in redline.pages} == {
        "index.md": "same", "vision.md": "changed", "context.md": "changed", "generated/partners.md": "changed"}
    assert redline.changed_pages == {"vision.md", "context.md", "generated/partners.md"}


def test_changed_blocks_mark_the_words_inserted_and_deleted(redline):
    page = next(p for p in redline.pages if p.path == "vision.md")
    replaced, added = page.changes[2], page.changes[3]
    assert [w for w in replaced.words if w.op != "same"] == [Word("delete", "adequate"),
                                                              Word("insert", "comprehensive")]
    assert [w for w in added.words if w.op != "same"] == [Word("insert", P2_ADDED)]
    partners_page = next(p for p in redline.pages if p.path == "generated/partners.md")
    assert [w for w in partners_page.changes[1].words if w.op != "same"] == [
        Word("insert", f" and {HOSTILE}")]


def test_a_moved_paragraph_is_marked_where_it_left_and_where_it_arrived(redline):
    old_place = next(c for p in redline.pages for c in p.changes if c.kind == "moved" and c.new is None)
    new_place = next(c for p in redline.pages for c in p.changes if c.kind == "moved" and c.new is not None)
    assert (old_place.moved_to, old_place.old.paragraph) == ("context.md", "1.3")
    assert (new_place.moved_from, new_place.old.paragraph, new_place.new.paragraph) == ("vision.md", "1.3", "2.2")


def test_short_or_repeated_texts_are_not_moves(tmp_path):
    short = "Illustrative"
    assert len(short) < MOVE_MIN_CHARACTERS
    docs = tmp_path / "docs"
    docs.mkdir()
    nav = [("a.md", "A", "chapter"), ("b.md", "B", "chapter")]
    (docs / "a.md").write_text(f"# A\n\n{short}\n\n{MOVED}\n\nStays.\n", encoding="utf-8")
    (docs / "b.md").write_text(f"# B\n\n{MOVED}\n\nStays too.\n", encoding="utf-8")
    old = render(docs, {}, nav)
    (docs / "a.md").write_text("# A\n\nStays.\n", encoding="utf-8")
    (docs / "b.md").write_text(f"# B\n\n{short}\n\n{MOVED}\n\nStays too.\n", encoding="utf-8")
    new = render(docs, {}, nav)
    result = compare("1", "2", old, new)
    # The short label is deleted and inserted; the long text, which the old edition held twice, moved nowhere.
    assert kinds(result, "a.md") == [("unchanged", "A"), ("deleted", short), ("deleted", MOVED),
                                     ("unchanged", "Stays.")]
    assert kinds(result, "b.md") == [("unchanged", "B"), ("inserted", short), ("unchanged", MOVED),
                                     ("unchanged", "Stays too.")]


def test_pages_follow_the_new_order_and_a_removed_page_stays_where_it_was(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in "abcd":
        (docs / f"{name}.md").write_text(f"# Page {name}\n\nText of page {name}.\n", encoding="utf-8")
    chapters = lambda names: [(f"{n}.md", n.upper(), "chapter") for n in names]  # noqa: E731
    result = compare("1", "2", render(docs, {}, chapters("abc")), render(docs, {}, chapters("dab")))
    assert [(p.path, p.status) for p in result.pages] == [
        ("d.md", "new"), ("a.md", "same"), ("b.md", "same"), ("c.md", "removed")]
    assert [c.kind for c in result.pages[0].changes] == ["inserted", "inserted"]
    assert [c.kind for c in result.pages[3].changes] == ["deleted", "deleted"]


def test_the_changes_page_is_not_compared(redline, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# A\n\nText.\n", encoding="utf-8")
    nav = [("a.md", "A", "chapter"), ("generated/changes.md", "What changed", "annex")]
    old = render(docs, {"generated/changes.md": changes_page(Redline("0", "1"), "1")}, nav)
    new = render(docs, {"generated/changes.md": changes_page(redline, "2")}, nav)
    assert [(p.path, p.status) for p in compare("1", "2", old, new).pages] == [("a.md", "same")]


# --- answers to comments on the old edition -----------------------------------------------------------------


def test_answers_say_where_the_old_editions_paragraphs_and_sections_stand_now(redline):
    assert redline.answer("1.1", None) == Answer("changed", "vision.md", "1.1", "para-1.1")
    assert redline.answer("1.2", None) == Answer("changed", "vision.md", "1.2", "para-1.2")
    assert redline.answer("1.3", None) == Answer("moved", "context.md", "2.2", "para-2.2")
    assert redline.answer("1.4", None) == Answer("removed", "vision.md", None, "partnerships")
    assert redline.answer("1.5", None) == Answer("unchanged", "vision.md", "1.3", "para-1.3")
    assert redline.answer("2.1", None) == Answer("unchanged", "context.md", "2.1", "para-2.1")
    assert redline.answer("9.9", None) == Answer("not-found")
    assert redline.answer(None, "Partnerships") == Answer("changed", "vision.md", None, "partnerships")
    assert redline.answer(None, "The world in 2025") == Answer("changed", "context.md", None, "the-world-in-2025")
    # As the PDF prints it, with the chapter's number; the chapter's opening holds no change.
    assert redline.answer(None, "1 Vision for Phase III") == Answer("unchanged", "vision.md", None,
                                                                    "vision-for-phase-iii")
    assert redline.answer(None, "No such section") == Answer("not-found")
    assert redline.answer(None, None) == Answer("not-found")


def test_changed_sections_are_the_new_pages_sections_with_a_change(redline):
    sections = {p.path: p.changed_sections() for p in redline.pages}
    assert sections == {
        "index.md": [], "vision.md": [("Principles", "principles"), ("Partnerships", "partnerships")],
        "context.md": [("The world in 2025", "the-world-in-2025")],
        "generated/partners.md": [("List of partners", "list-of-partners")]}


# --- words ----------------------------------------------------------------------------------------------------


@given(st.text(alphabet=st.sampled_from("ab c.,\n’é-"), max_size=40),
       st.text(alphabet=st.sampled_from("ab c.,\n’é-"), max_size=40))
def test_kept_and_inserted_words_give_the_new_text_kept_and_deleted_the_old(old, new):
    words = word_diff(old, new)
    assert "".join(w.text for w in words if w.op != "delete") == new
    assert "".join(w.text for w in words if w.op != "insert") == old
    assert all(w.text for w in words)
    assert all(a.op != b.op for a, b in zip(words, words[1:]))  # runs are merged


@given(st.lists(st.sampled_from(["alpha", "beta", "gamma", "delta", "the", "of", "2025"]), min_size=1, max_size=12),
       st.lists(st.sampled_from(["alpha", "beta", "gamma", "delta", "the", "of", "2026"]), min_size=1, max_size=12))
def test_sentences_of_words_round_trip_too(old, new):
    a, b = " ".join(old) + ".", " ".join(new) + "."
    words = word_diff(a, b)
    assert "".join(w.text for w in words if w.op != "delete") == b
    assert "".join(w.text for w in words if w.op != "insert") == a


def test_a_replaced_phrase_reads_as_one_deletion_and_one_insertion():
    assert word_diff("The red car stopped.", "The blue bus stopped.") == [
        Word("same", "The "), Word("delete", "red car"), Word("insert", "blue bus"), Word("same", " stopped.")]
    assert word_diff("It stays. Then more.", "It stays. A new sentence. Then more.") == [
        Word("same", "It stays. "), Word("insert", "A new sentence. "), Word("same", "Then more.")]


# --- the "What changed" page ----------------------------------------------------------------------------------

SITE_EXTENSIONS = ["abbr", "admonition", "attr_list", "def_list", "footnotes", "md_in_html", "smarty", "tables",
                   "toc", "pymdownx.details", "pymdownx.superfences", "strategy.typeset"]


def site_html(text: str) -> str:
    return markdown.Markdown(extensions=SITE_EXTENSIONS,
                             extension_configs={"toc": {"permalink": True}}).convert(text.split("\n---\n", 1)[1])


def marked(fragment: str, tag: str) -> list[str]:
    """The words inside each <ins> or <del>, without the words said to screen readers."""
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    for said in root.xpath("//span[@class='redline-said']"):
        said.drop_tree()
    return [element.text_content() for element in root.iter(tag)]


def test_the_page_marks_exactly_the_inserted_and_deleted_words(redline):
    page = changes_page(redline, "Draft 2")
    assert page.startswith('---\ntitle: "What changed since Draft 1"\n')
    assert "generated: true" in page and "pdf:" not in page
    rendered = site_html(page)
    assert marked(rendered, "ins") == ["inserted words", "comprehensive", P2_ADDED, f" and {HOSTILE}",
                                       f"{HOSTILE} | Civil society"]
    assert marked(rendered, "del") == ["deleted words", "adequate", DELETED]
    # Screen readers hear what the eye sees as underlined or struck through.
    root = lxml.html.fragment_fromstring(rendered, create_parent="div")
    assert all(i.text_content().startswith("[inserted: ") and i.text_content().endswith("]") for i in root.iter("ins"))
    assert all(d.text_content().startswith("[deleted: ") and d.text_content().endswith("]") for d in root.iter("del"))


def test_the_page_goes_chapter_by_chapter_with_links_folds_and_moves(redline):
    rendered = site_html(changes_page(redline, "Draft 2"))
    root = lxml.html.fragment_fromstring(rendered, create_parent="div")
    headings = [(h.tag, h.text_content().rstrip("¶"), [a.get("href") for a in h.iter("a")][:1])
                for h in root.iter("h2", "h3")]
    assert headings == [
        ("h2", "1 Vision for Phase III", ["../vision.md"]),
        ("h3", "Principles", ["../vision.md#principles"]),
        ("h3", "Partnerships", ["../vision.md#partnerships"]),
        ("h2", "2 Context", ["../context.md"]),
        ("h3", "The world in 2025", ["../context.md#the-world-in-2025"]),
        ("h2", "Annex 1 List of partners", ["partners.md"])]
    text = " ".join(root.text_content().split())
    assert ("2 pages changed" not in text) and "3 pages changed" in text
    assert "3 changed, 1 inserted, 1 deleted and 1 moved" in text
    assert "Paragraph 1.3 " + MOVED + " (moved to paragraph 2.2, 2 Context, section “The world in 2025”)" in text
    assert "Paragraph 2.2 " + MOVED + " (moved here from paragraph 1.3, 1 Vision for Phase III, section " \
                                      "“Principles”)" in text
    assert "Paragraph 1.4 [deleted: " + DELETED + "]" in text
    # Unchanged paragraphs are counted, never shown.
    assert [p.text_content() for p in root.find_class("redline-folded")] == [
        "1 unchanged paragraph", "1 unchanged paragraph", "2 unchanged paragraphs", "4 unchanged paragraphs"]
    assert P5 not in text and "Four billion" not in text and "Luxembourg" not in text
    assert "Table row [inserted: " in text
    assert text.endswith("1 other page is unchanged: About this draft.")


def test_hostile_text_stays_text(redline):
    rendered = site_html(changes_page(redline, "Draft 2"))
    tags = start_tags(rendered)
    assert "script" not in {tag for tag, _ in tags}
    assert not any(name.startswith("on") for _, attrs in tags for name, _ in attrs)
    assert not any("javascript" in (value or "") for _, attrs in tags for _, value in attrs)
    assert rendered.count("&lt;script&gt;alert(1)&lt;/script&gt; ](javascript:alert(1)) {: onclick=x }") == 2


def test_the_page_passes_the_allow_list_and_the_print_renderer_as_it_is(redline, tmp_path):
    page = changes_page(redline, "Draft 2")
    rendered = site_html(page)
    assert start_tags(clean_html(rendered)) == start_tags(rendered)
    assert {"ins", "del"} <= {tag for tag, _ in start_tags(rendered)}
    # In print (an annex of the PDF), links go inside the document and the marks stay.
    nav = [*NAV, ("generated/changes.md", "What changed", "annex")]
    docs = tmp_path / "docs"
    (docs / "generated").mkdir(parents=True)
    for name, text in [("index.md", "# About\n"), ("vision.md", vision(True)), ("context.md", context(True))]:
        (docs / name).write_text(text, encoding="utf-8")
    printed = render(docs, {"generated/partners.md": partners(True), "generated/changes.md": page}, nav)[-1].html
    links = [dict(attrs).get("href") for tag, attrs in start_tags(printed) if tag == "a"]
    assert {"#ch-vision", "#ch-vision--principles", "#ch-context--the-world-in-2025", "#ch-partners"} <= set(links)
    assert marked(printed, "ins") == marked(rendered, "ins")
    assert marked(printed, "del") == marked(rendered, "del")
    classes = {c for _, attrs in start_tags(printed) for name, value in attrs if name == "class"
               for c in (value or "").split()}
    assert {"redline", "redline-changed", "redline-inserted", "redline-deleted", "redline-moved", "redline-folded",
            "redline-said", "redline-what", "redline-where", "redline-legend"} <= classes


def test_the_printed_annex_underlines_strikes_and_says_its_marks(redline, tmp_path):
    """WeasyPrint with the PDF's stylesheet, on the annex as print renders it: the marks are lines under and
    through the words (greyscale will do), and the words "[inserted: …]" are in the text layer."""
    import pdfplumber
    import weasyprint

    from strategy.publish.pdf import PRINT_CSS

    docs = tmp_path / "docs"
    docs.mkdir()
    nav = [("vision.md", "Vision for Phase III", "chapter"), ("generated/changes.md", "What changed", "annex")]
    (docs / "vision.md").write_text(vision(True), encoding="utf-8")
    sections = "".join(f'<section class="chapter" id="{r.chapter.slug}">{r.html}</section>'
                       for r in render(docs, {"generated/changes.md": changes_page(redline, "Draft 2")}, nav))
    document = f'<html lang="en"><body class="edition-draft"><div class="main-matter">{sections}</div></body></html>'
    weasyprint.HTML(string=document, base_url=str(docs)).write_pdf(
        tmp_path / "annex.pdf", stylesheets=[weasyprint.CSS(filename=str(PRINT_CSS))])
    with pdfplumber.open(tmp_path / "annex.pdf") as pdf:
        text = " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
        page = next(p for p in pdf.pages if "What changed" in p.extract_text())
        words = page.extract_words(split_at_punctuation="[]")
        lines = page.lines + page.rects
    assert "of [deleted: adequate][inserted: comprehensive] social" in text
    assert f"[inserted: {HOSTILE} | Civil society]" in text

    def crossed(word: str) -> set[str]:
        box = next(w for w in words if w["text"] == word)
        middle = (box["top"] + box["bottom"]) / 2
        hits = set()
        for line in lines:
            near = box["top"] - 3 < line["top"] < box["bottom"] + 3
            if near and line["x0"] <= box["x0"] + 1 and line["x1"] >= box["x1"] - 1 and line["height"] < 1.5:
                hits.add("through" if abs(line["top"] - middle) < 2 else "under" if line["top"] > middle else "over")
        return hits

    assert crossed("adequate") == {"through"}
    assert crossed("comprehensive") == {"under"}


def test_the_first_edition_says_so_and_stays_out_of_the_pdf(tmp_path):
    page = changes_page(None, "Draft 1")
    assert "pdf: false" in page.split("\n---\n", 1)[0]
    assert "Draft 1 is the first edition" in site_html(page)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# About\n", encoding="utf-8")
    nav = [("index.md", "About", "front"), ("generated/changes.md", "What changed", "annex")]
    assert [r.chapter.path for r in render(docs, {"generated/changes.md": page}, nav)] == ["index.md"]


def test_an_edition_label_is_escaped_too():
    page = changes_page(Redline("<b>Draft 1</b>", "Draft *2*"), "Draft *2*")
    rendered = site_html(page)
    assert "<b>" not in rendered and "<em>" not in rendered
    assert "No page changed" not in rendered and re.search(r"0 pages changed", rendered)


def test_blocks_keep_their_print_only_numbers_out():
    block = text_blocks('<h1 id="ch-a--a"><span class="heading-number">Annex 2</span> Title</h1>')[0]
    assert block == TextBlock("h1", "Title", "a", None, "Title", "a")
