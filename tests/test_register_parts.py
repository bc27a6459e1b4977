"""The register of partner inputs in parts (strategy/publish/parts.py, register_parts): each entry opens a page
(print.css), the reading edition renders the register a few entries a part, and the merged PDF reads as one
document: the register's bookmarks under its annex, every input ID link landing on its entry's page, each
entry at the top of a page. An edit to one input's text renders one part again, with a cold build's bytes.

Real builds of the example (the session's `built`, and a copy of it edited), real PDFs opened with pikepdf and
pdfplumber; the split is tested on the example's real print HTML.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pdfplumber
import pikepdf
import pytest

from conftest import copy_built, counted_build
from strategy.publish import parts
from strategy.publish.outline import PrintChapter

EDITED_INPUT = "inputs/partner-inputs/PI-022.yaml"
VISION_BEFORE = "Employers have a direct interest"
VISION_AFTER = "Employers, large and small, have a direct interest"
ENTRY_ID = re.compile(rf'<h2 id="{parts.REGISTER}--(pi-\d+)">')


def _print_html(root: Path) -> str:
    return (root / ".build" / "print.html").read_text(encoding="utf-8")


def _register(split: parts.Split) -> list[parts.Part]:
    return [part for part in split.parts if part.name == parts.REGISTER or part.running_head]


def _entries(part: parts.Part) -> list[str]:
    return ENTRY_ID.findall(part.body)


# ---------- The split: stable groups of entries ----------

def test_the_register_is_split_into_parts_of_a_few_entries_in_order(built):
    html = _print_html(built.root)
    register = _register(parts.split_document(html))
    everything = ENTRY_ID.findall(html)
    assert len(everything) == 40 and len(register) == 10
    assert [entry for part in register for entry in _entries(part)] == everything
    assert all(1 <= len(_entries(part)) <= parts.ENTRIES_PER_PART for part in register)
    first, *others = register
    # The first part keeps the annex's heading and introduction; the others continue it under its title.
    assert 'id="ch-partner-inputs"' in first.body and "<h1 " in first.body and "This register lists" in first.body
    assert first.running_head == ""
    assert {part.running_head for part in others} == {"Annex 4 Register of partner inputs"}
    assert not any("<h1 " in part.body or 'id="ch-partner-inputs"' in part.body for part in others)
    assert [part.name for part in others] == [f"{parts.REGISTER}--{_entries(part)[0]}" for part in others]


def test_the_register_section_is_the_one_the_outline_names():
    """parts.REGISTER repeats the register chapter's slug (parts.py does not import the chapters package)."""
    from strategy.chapters.markdown import REGISTER

    assert parts.REGISTER == PrintChapter(f"generated/{REGISTER}", "", "annex").slug


def test_editing_an_entrys_text_keeps_every_boundary(built):
    html = _print_html(built.root)
    before = _register(parts.split_document(html))
    middle = _entries(before[4])[1]
    start = html.index(f'id="{parts.REGISTER}--{middle}-vision"')
    paragraph = html.index("<p>", start) + len("<p>")
    longer = " ".join(["Many more words of the partner's vision, to make its entry longer."] * 12)
    edited = _register(parts.split_document(html[:paragraph] + longer + " " + html[paragraph:]))
    assert [part.name for part in edited] == [part.name for part in before]
    assert [_entries(part) for part in edited] == [_entries(part) for part in before]
    assert [part.name for part, old in zip(edited, before) if part.body != old.body] == [before[4].name]


def test_an_input_added_last_changes_the_last_part_only(built):
    html = _print_html(built.root)
    before = _register(parts.split_document(html))
    last = _entries(before[-1])[-1]
    start = html.index(f'<h2 id="{parts.REGISTER}--{last}">')
    end = html.index("</section>", start)
    added = html[start:end].replace(last, "pi-099")
    after = _register(parts.split_document(html[:end] + added + html[end:]))
    changed = [part.name for part in after if part.body != next((p.body for p in before if p.name == part.name), "")]
    assert changed == [after[-1].name] and _entries(after[-1])[-1] == "pi-099"


def test_a_register_without_entries_is_one_part_as_it_was(built):
    """Every input withheld: the annex is its heading and introduction, one part, its section unchanged."""
    html = _print_html(built.root)
    start = html.index(f'<h2 id="{parts.REGISTER}--')
    end = html.index("</section>", start)
    without = html[:start] + html[end:]
    register = _register(parts.split_document(without))
    section = without[without.index(f'<section class="chapter annex" id="{parts.REGISTER}"'):]
    assert len(register) == 1 and register[0].running_head == ""
    assert register[0].body == f'<div class="main-matter">{section[:section.index("</section>") + 10]}</div>'


# ---------- The merged PDF reads as one document ----------

def _page_of_entry(pdf: pdfplumber.PDF) -> dict[str, int]:
    """The page (0-based) whose text holds each register entry's heading, "PI-022 · IOE"."""
    found = {}
    for number, page in enumerate(pdf.pages):
        for line in (page.extract_text() or "").splitlines():
            if match := re.match(r"(PI-\d{3}) · ", line):
                found.setdefault(match.group(1).lower(), number)
    return found


def test_every_entry_but_the_first_opens_a_page_and_its_bookmark_lies_under_the_annex(built):
    html = _print_html(built.root)
    entries = ENTRY_ID.findall(html)
    titles = [re.sub(r"<[^>]+>", "", t) for t in re.findall(rf'<h2 id="{parts.REGISTER}--pi-\d+">(.*?)</h2>', html)]
    with pikepdf.open(built.pdf) as pdf, pdf.open_outline() as outline:
        annex = [item for item in outline.root if item.title.endswith("Register of partner inputs")]
        assert len(annex) == 1
        assert [child.title for child in annex[0].children] == titles
        assert not any(item.title.startswith("PI-") for item in outline.root)
    with pdfplumber.open(built.pdf) as pdf:
        pages = _page_of_entry(pdf)
        assert set(entries) <= set(pages)
        starts = [pages[entry] for entry in entries]
        assert starts == sorted(set(starts))  # one entry a page, in order
        assert "Register of partner inputs" in pdf.pages[starts[0]].extract_text()
        for entry, number in zip(entries[1:], starts[1:]):
            lines = pdf.pages[number].extract_text().splitlines()
            # The running head, then the entry's heading: nothing of the entry before above it.
            assert lines[0] == "Annex 4 Register of partner inputs" and lines[1].startswith(entry.upper() + " · ")


def test_every_input_link_from_another_chapter_lands_on_its_entrys_page(built):
    with pdfplumber.open(built.pdf) as plumbed:
        pages = _page_of_entry(plumbed)
    register_pages = set(pages.values())
    with pikepdf.open(built.pdf) as pdf:
        index = {page.objgen: number for number, page in enumerate(pdf.pages)}
        destinations = dict(pikepdf.NameTree(pdf.Root.Names.Dests).items())
        followed = 0
        for number, page in enumerate(pdf.pages):
            if number in register_pages:
                continue
            for annotation in page.get("/Annots", []):
                target = str(annotation.get("/Dest", ""))
                if not (match := re.fullmatch(rf"{parts.REGISTER}--(pi-\d+)", target)):
                    continue
                assert "/A" not in annotation  # a link inside the document, not the parts' own address
                destination = destinations[target]
                assert index[destination[0].objgen] == pages[match.group(1)], target
                followed += 1
    assert followed >= 30


# ---------- An edit to one input renders one part again ----------

@pytest.fixture(scope="module")
def edited(built, tmp_path_factory) -> dict:
    """A copy of the session's build, one input's vision edited, built again; then built cold."""
    folder = tmp_path_factory.mktemp("register-edit")
    root = copy_built(built, folder / "project")
    before = parts.split_document(_print_html(root))
    path = root / EDITED_INPUT
    text = path.read_text(encoding="utf-8")
    assert text.count(VISION_BEFORE) == 1
    path.write_text(text.replace(VISION_BEFORE, VISION_AFTER), encoding="utf-8")
    warm = counted_build(root, release=False, keep_in=folder / "warm")
    after = parts.split_document(_print_html(root))
    shutil.rmtree(root / ".build" / "cache")
    cold = counted_build(root, release=False, keep_in=folder / "cold")
    return {"before": before, "after": after, "warm": warm, "cold": cold, "pdf": built.publication.pdf_file}


def test_an_input_edit_renders_one_register_part_again_with_a_cold_builds_bytes(edited):
    old = {part.name: part.body for part in edited["before"].parts}
    changed = [part.name for part in edited["after"].parts if old.get(part.name) != part.body]
    holding = next(part.name for part in _register(edited["after"]) if "pi-022" in _entries(part))
    assert changed == [holding] and holding != parts.REGISTER
    rendered = [name for name in edited["warm"].rendered if name.startswith("reading PDF")]
    assert sorted(rendered) == ["reading PDF", f"reading PDF layout {holding}", f"reading PDF part {holding}"]
    warm, cold = (edited[name].site / edited["pdf"] for name in ("warm", "cold"))
    assert warm.read_bytes() == cold.read_bytes()
    with pdfplumber.open(warm) as pdf:
        assert any(VISION_AFTER in " ".join((page.extract_text() or "").split()) for page in pdf.pages)
