"""The PDF rendered in parts (strategy/publish/parts.py) is the PDF rendered whole, as a reader and a checker see
it: the same text on the same pages, page labels, outline, named destinations, links and tags, and it passes
the same conformance checks, the independent pdfua checker and the layout audit. A merge of the same parts is
the same bytes however the parts came (cold, cached, in one worker or two), an edit renders again exactly
the parts it changes, and a build says so in BuildResult.rendered.

The example's print HTML comes from the session's real build; every PDF here is a real WeasyPrint render.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pdfplumber
import pdfua
import pikepdf
import pytest

from conftest import copy_project
from strategy.cache import RenderCache
from strategy.problems import ProblemsFound
from strategy.publish import parts
from strategy.checks.audit import audit_pdf
from strategy.checks.conformance import KNOWN_WEASYPRINT_LIMITATIONS, check_conformance
from strategy.publish.pdf import ARCHIVE, READING, render_pdf

EPOCH = 1767225600


class Example:
    """The example's print HTML and what renders it: a view of the docs folder as the build makes one."""

    def __init__(self, built, folder: Path) -> None:
        self.html = (built.root / ".build" / "print.html").read_text(encoding="utf-8")
        self.view = folder / "docs"
        self.view.mkdir(parents=True)
        (self.view / "assets").symlink_to(built.root / "docs" / "assets")
        (self.view / "generated").symlink_to(built.site / "generated")
        self.font_css = built.root / "docs" / "assets" / "stylesheets" / "fonts.css"
        self.allowed = [built.root / "docs" / "assets", built.site / "generated"]
        self.locate = {f"pi-{n:03d}": f"PI-{n:03d}" for n in range(1, 47)}
        self.draft = not built.publication.edition.final

    def whole(self, output: Path, html: str | None = None):
        return render_pdf(html or self.html, self.view, self.font_css, output, self.allowed, READING, self.draft,
                          self.locate)

    def in_parts(self, output: Path, cache: Path, html: str | None = None, workers: int = 2):
        renderer = parts.Renderer(self.view, self.font_css, tuple(self.allowed), READING, self.draft, output.name)
        renders = RenderCache(cache)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            result = parts.render_in_parts(html or self.html, renderer, output, renders, pool, self.locate,
                                           parts.renderer_key(self.font_css, self.allowed, EPOCH))
        return result, renders


@pytest.fixture(scope="module")
def example(built, tmp_path_factory) -> Example:
    os.environ["SOURCE_DATE_EPOCH"] = str(EPOCH)  # as the build's workers have it
    return Example(built, tmp_path_factory.mktemp("view"))


@pytest.fixture(scope="module")
def renders(example, tmp_path_factory) -> dict:
    """The example rendered whole, and in parts cold (with its render cache)."""
    folder = tmp_path_factory.mktemp("renders")
    whole = example.whole(folder / "whole.pdf")
    merged, cache = example.in_parts(folder / "parts.pdf", folder / "cache")
    return {"whole": whole, "parts": merged, "whole.pdf": folder / "whole.pdf", "parts.pdf": folder / "parts.pdf",
            "cache": folder / "cache", "rendered": list(cache.rendered), "folder": folder}


def page_texts(path: Path) -> list[str]:
    with pdfplumber.open(path) as pdf:
        return [page.extract_text() for page in pdf.pages]


def page_index(pdf: pikepdf.Pdf) -> dict:
    return {page.objgen: number for number, page in enumerate(pdf.pages)}


def outline(pdf: pikepdf.Pdf) -> list[tuple]:
    """(depth, title, page, x, y) of every bookmark, in order."""
    pages, found = page_index(pdf), []

    def walk(items, depth):
        for item in items:
            target = item.destination
            found.append((depth, item.title, pages[target[0].objgen], float(target[2]), float(target[3])))
            walk(item.children, depth + 1)

    with pdf.open_outline() as tree:
        walk(tree.root, 0)
    return found


def destinations(pdf: pikepdf.Pdf) -> dict[str, tuple]:
    pages = page_index(pdf)
    return {name: (pages[target[0].objgen], round(float(target[2]), 2), round(float(target[3]), 2))
            for name, target in pikepdf.NameTree(pdf.Root.Names.Dests).items()}


def links(pdf: pikepdf.Pdf) -> list[tuple]:
    """(page, destination, address, contents, rectangle) of every link annotation, in order."""
    return [(number, str(a.get("/Dest", "")), str(a.A.URI) if "/A" in a else "", str(a.get("/Contents", "")),
             tuple(round(float(v), 2) for v in a.Rect))
            for number, page in enumerate(pdf.pages) for a in page.get("/Annots", [])]


def tags(pdf: pikepdf.Pdf) -> list[tuple]:
    """The structure tree in reading order: (depth, role, page, alternative text) of each element, and each
    marked-content and annotation reference under it; every reference through the parent tree checked."""
    pages, found = page_index(pdf), []
    nums = pdf.Root.StructTreeRoot.ParentTree.Nums
    parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}

    def walk(element, depth):
        if isinstance(element, pikepdf.Dictionary) and "/S" in element:
            page = pages.get(element.Pg.objgen) if "/Pg" in element else None
            found.append((depth, str(element.S), page, str(element.get("/Alt", ""))))
            kids = element.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [] if kids is None else [kids]:
                if isinstance(kid, int) or getattr(kid, "_type_code", None) == pikepdf.ObjectType.integer:
                    found.append((depth + 1, "MCID", page, ""))
                    assert parents[int(element.Pg.StructParents)][int(kid)].objgen == element.objgen
                elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
                    found.append((depth + 1, "OBJR", pages.get(kid.Pg.objgen), ""))
                    assert parents[int(kid.Obj.StructParent)].objgen == element.objgen
                else:
                    walk(kid, depth + 1)

    for kid in pdf.Root.StructTreeRoot.K:
        walk(kid, 0)
    return found


# ---------- The example, whole and in parts ----------

def test_the_parts_are_the_front_matter_and_each_chapter(example):
    """One part a chapter or annex, but the register of partner inputs: a few entries a part, each part after
    its first in a section of its own (tests/test_register_parts.py)."""
    split = parts.split_document(example.html)
    names = [part.name for part in split.parts]
    register = [name for name in names if name == parts.REGISTER or name.startswith(f"{parts.REGISTER}--")]
    assert len(register) > 1
    assert names[0] == "front" and len(names) == 1 + example.html.count('<section class="chapter numbered"') \
        + example.html.count('<section class="chapter annex"') + len(register) - 1
    assert "".join(part.body for part in split.parts).count("<section") == \
        example.html.count("<section") + len(register) - 1


def test_same_pages_and_text_on_each(renders):
    whole, merged = page_texts(renders["whole.pdf"]), page_texts(renders["parts.pdf"])
    assert len(whole) >= 50
    assert merged == whole


def test_same_page_count_and_places_of_every_input(renders):
    assert renders["parts"].pages == renders["whole"].pages
    assert renders["parts"].places == renders["whole"].places
    assert {place.kind for place in renders["whole"].places} == {"entry", "reference"}


def test_same_page_labels_outline_destinations_and_links(renders):
    with pikepdf.open(renders["whole.pdf"]) as whole, pikepdf.open(renders["parts.pdf"]) as merged:
        assert [p.label for p in merged.pages] == [p.label for p in whole.pages]
        assert {p.label for p in whole.pages} >= {"i", "ii", "1", "27"}
        assert outline(merged) == outline(whole) and len(outline(whole)) >= 50
        assert destinations(merged) == destinations(whole)
        assert links(merged) == links(whole)
        # The contents link into every chapter: links across parts are links inside the document again.
        assert not any(parts.PART_LINK in address for _, _, address, _, _ in links(merged))


def test_same_tags_in_the_same_order(renders):
    with pikepdf.open(renders["whole.pdf"]) as whole, pikepdf.open(renders["parts.pdf"]) as merged:
        expected = tags(whole)
        roles = {t[1] for t in expected}
        assert len(expected) > 5000 and {"/L", "/LI", "/Table", "/TH", "/Link", "/Figure", "/H1", "/H2"} <= roles
        assert tags(merged) == expected
        for key in ("/Lang", "/MarkInfo", "/ViewerPreferences", "/Metadata"):
            assert key in merged.Root
        assert merged.open_metadata().get("pdfuaid:part") == "1"


def test_the_merged_pdf_passes_the_checks_the_whole_one_passes(renders):
    whole = [(f.check, f.page) for f in check_conformance(renders["whole.pdf"], "pdf/ua-1")]
    merged = check_conformance(renders["parts.pdf"], "pdf/ua-1")
    assert [str(f) for f in merged if f.check not in KNOWN_WEASYPRINT_LIMITATIONS] == []
    assert [(f.check, f.page) for f in merged] == whole
    report = pdfua.validate(str(renders["parts.pdf"]))
    assert [f"{f.rule_id} page {f.location.page}: {f.message}" for f in report.findings] == []
    assert len(report.outcomes) - len(report.skipped) >= 10
    assert audit_pdf(renders["parts.pdf"]) == []


def faces(pdf: pikepdf.Pdf) -> dict[str, tuple[set, dict[int, float]]]:
    """Each embedded face by its name without the subset tag: (its font programs, as objects, and the widths
    of the glyphs the PDF shows with it, by glyph ID, from every font dictionary of the face)."""
    found: dict[str, tuple[set, dict[int, float]]] = {}
    for page in pdf.pages:
        for font in page.obj.Resources.Font.values():
            descendant = font.DescendantFonts[0]
            programs, widths = found.setdefault(str(font.BaseFont).split("+", 1)[-1], (set(), {}))
            programs.add(descendant.FontDescriptor.FontFile2.objgen)
            w = list(descendant.W)
            for i in range(0, len(w), 2):
                widths.update({int(w[i]) + k: float(v) for k, v in enumerate(w[i + 1])})
    return found


def glyph_drawings(program: bytes, glyph_ids) -> dict[int, list]:
    """How the font program draws each glyph ID: its outline, components drawn out."""
    from fontTools.pens.recordingPen import DecomposingRecordingPen
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(program))
    order, glyphs = font.getGlyphOrder(), font.getGlyphSet()
    drawings = {}
    for glyph_id in glyph_ids:
        pen = DecomposingRecordingPen(glyphs)
        glyphs[order[glyph_id]].draw(pen)
        drawings[glyph_id] = pen.value
    return drawings


def test_each_face_is_embedded_once_and_draws_the_glyphs_the_whole_render_draws(renders):
    """The parts embed their fonts whole and the merge keeps one copy of each (publish/part_fonts.py): one
    font program a face, larger than the whole render's subset, holding the same outline for every glyph the
    text shows, which the parts' font dictionaries list with the widths the whole render gives them."""
    with pikepdf.open(renders["whole.pdf"]) as whole, pikepdf.open(renders["parts.pdf"]) as merged:
        whole_faces, merged_faces = faces(whole), faces(merged)
        assert set(merged_faces) == set(whole_faces) and len(whole_faces) >= 4
        for face, (programs, widths) in merged_faces.items():
            whole_programs, whole_widths = whole_faces[face]
            assert len(programs) == 1 == len(whole_programs), face
            assert widths == whole_widths and len(widths) > 10, face
            program = merged.get_object(*next(iter(programs))).read_bytes()
            subset = whole.get_object(*next(iter(whole_programs))).read_bytes()
            assert len(program) > len(subset), f"{face}: the merged PDF holds a subset, not the whole font"
            assert glyph_drawings(program, widths) == glyph_drawings(subset, widths), face


def test_a_cold_render_lays_out_and_renders_every_part_once(renders, example):
    names = [part.name for part in parts.split_document(example.html).parts]
    assert sorted(renders["rendered"]) == sorted([f"reading PDF layout {n}" for n in names]
                                                 + [f"reading PDF part {n}" for n in names])


# ---------- The same bytes, however the parts came ----------

def test_the_same_parts_merge_to_the_same_bytes(renders, example, tmp_path):
    """Cold in one worker, and again from the cache of the first render: byte for byte the first merge."""
    cold, _ = example.in_parts(tmp_path / "cold.pdf", tmp_path / "cache", workers=1)
    cached, cache = example.in_parts(tmp_path / "cached.pdf", renders["cache"])
    assert cache.rendered == {}
    assert (tmp_path / "cold.pdf").read_bytes() == renders["parts.pdf"].read_bytes()
    assert (tmp_path / "cached.pdf").read_bytes() == renders["parts.pdf"].read_bytes()
    assert cold == cached == renders["parts"]


def _edited(html: str, section: str, addition: str) -> str:
    """The print HTML with `addition` at the end of the section `section`."""
    start = html.index(f'id="{section}"')
    end = html.index("</section>", start)
    return html[:end] + addition + html[end:]


def _copy_cache(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def test_a_sentence_more_in_one_chapter_renders_that_chapter_only(renders, example, tmp_path):
    html = _edited(example.html, "ch-vision", "<p>One sentence more, for the parts test.</p>")
    edited, cache = example.in_parts(tmp_path / "edited.pdf", _copy_cache(renders["cache"], tmp_path / "cache"), html)
    assert sorted(cache.rendered) == ["reading PDF layout ch-vision", "reading PDF part ch-vision"]
    cold, _ = example.in_parts(tmp_path / "cold.pdf", tmp_path / "cold-cache", html)
    assert (tmp_path / "edited.pdf").read_bytes() == (tmp_path / "cold.pdf").read_bytes()
    assert "One sentence more, for the parts test." in "".join(page_texts(tmp_path / "edited.pdf"))


def test_pages_more_in_one_chapter_render_the_contents_and_the_chapters_after_it(renders, example, tmp_path):
    """Every page after the chapter has a new number: the chapters after it print theirs, the contents its
    entries'; the chapters before it are untouched. The result is what the whole render gives."""
    names = [part.name for part in parts.split_document(example.html).parts]
    grown = "ch-phase-ii-results"
    html = _edited(example.html, grown, "".join(f"<p>Paragraph {n} of a longer chapter. " + "Words. " * 60 + "</p>"
                                                for n in range(30)))
    edited, cache = example.in_parts(tmp_path / "edited.pdf", _copy_cache(renders["cache"], tmp_path / "cache"), html)
    after = names[names.index(grown):]
    # The chapters after it are unchanged but for their page numbers: their layouts are known (none is laid
    # out to find its page count), their PDFs are made again; the contents' numbers change its text.
    assert sorted(cache.rendered) == sorted([f"reading PDF layout {grown}", "reading PDF part front",
                                             "reading PDF layout front"]
                                            + [f"reading PDF part {name}" for name in after])
    assert edited.pages >= renders["parts"].pages + 3
    whole = example.whole(tmp_path / "whole.pdf", html)
    assert page_texts(tmp_path / "edited.pdf") == page_texts(tmp_path / "whole.pdf")
    assert edited == whole
    with pikepdf.open(tmp_path / "edited.pdf") as merged, pikepdf.open(tmp_path / "whole.pdf") as reference:
        assert outline(merged) == outline(reference) and links(merged) == links(reference)


def test_pages_more_in_the_front_matter_render_the_front_matter_only(renders, example, tmp_path):
    """The main matter is numbered from 1 whatever comes before it: no chapter is rendered again."""
    html = _edited(example.html, "ch-foreword", "".join(f"<p>Paragraph {n} of a longer foreword. " + "Words. " * 60
                                                         + "</p>" for n in range(20)))
    edited, cache = example.in_parts(tmp_path / "edited.pdf", _copy_cache(renders["cache"], tmp_path / "cache"), html)
    assert sorted(cache.rendered) == ["reading PDF layout front", "reading PDF part front"]
    assert edited.pages >= renders["parts"].pages + 2
    whole = example.whole(tmp_path / "whole.pdf", html)
    assert edited == whole
    assert page_texts(tmp_path / "edited.pdf") == page_texts(tmp_path / "whole.pdf")
    with pikepdf.open(tmp_path / "edited.pdf") as merged, pikepdf.open(tmp_path / "whole.pdf") as reference:
        assert [p.label for p in merged.pages] == [p.label for p in reference.pages]
        assert links(merged) == links(reference)


def test_a_cross_reference_prints_the_page_of_its_table_in_another_chapter(renders):
    """"Table 2.3 (page 27)": the page is resolved across parts, as target-counter() does in one document."""
    whole, merged = page_texts(renders["whole.pdf"]), page_texts(renders["parts.pdf"])
    references = [m for text in whole for m in re.findall(r"\(page \d+\)", text)]
    assert references and references == [m for text in merged for m in re.findall(r"\(page \d+\)", text)]


def test_text_off_the_page_in_two_chapters_is_two_problems_as_in_one_render(example, tmp_path):
    """Every part's problems at once, naming the printed page and its place in the whole PDF."""
    line = "<p style='white-space: nowrap'>An address " + "x" * 200 + " of PI-004</p>"
    html = _edited(_edited(example.html, "ch-vision", line), "ch-partners", line)
    with pytest.raises(ProblemsFound) as whole:
        example.whole(tmp_path / "x.pdf", html)
    with pytest.raises(ProblemsFound) as in_parts:
        example.in_parts(tmp_path / "x.pdf", tmp_path / "cache", html)
    assert len(whole.value.problems) == 2 and "PI-004" in str(whole.value.problems[0])
    assert [str(p) for p in in_parts.value.problems] == [str(p) for p in whole.value.problems]
    assert not (tmp_path / "x.pdf").exists()


def test_an_edition_that_opens_chapters_on_the_right_is_rendered_whole():
    assert parts.can_split(READING) and not parts.can_split(ARCHIVE)


# ---------- In a build: what an edit renders again ----------

BUILD = """
import json, sys
from pathlib import Path
from strategy.audience import Audience
from strategy.build import build
from strategy.project import Project
result = build(Project(Path(sys.argv[1])), Audience.PARTNERS)
print(json.dumps({"rendered": list(result.rendered), "reused": list(result.reused)}))
"""


def _build(root: Path) -> tuple[list[str], str]:
    """Build in a fresh process; what it rendered, and the reading edition's sha256."""
    done = subprocess.run([sys.executable, "-c", BUILD, str(root)], capture_output=True, text=True, timeout=900,
                          env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    said = json.loads(done.stdout.strip().splitlines()[-1])
    pdf = root / "site" / "spf-flagship-phase-iii-strategy.pdf"
    return said["rendered"], hashlib.sha256(pdf.read_bytes()).hexdigest()


def _parts_of(root: Path) -> dict[str, str]:
    """Each part of the last build's print HTML, by name."""
    split = parts.split_document((root / ".build" / "print.html").read_text(encoding="utf-8"))
    return {part.name: part.body for part in split.parts}


@pytest.fixture(scope="module")
def rebuilds(tmp_path_factory) -> dict:
    """A copy of the example built cold, after an edit to one partner input, and cold again."""
    root = copy_project(tmp_path_factory.mktemp("parts-build"))
    cold = _build(root)
    before = _parts_of(root)
    partner_input = root / "inputs" / "partner-inputs" / "PI-007.yaml"
    text = partner_input.read_text(encoding="utf-8")
    partner_input.write_text(text.replace("proposal: Belgium asks", "proposal: Briefly, Belgium asks", 1),
                             encoding="utf-8")
    assert partner_input.read_text(encoding="utf-8") != text
    edited = _build(root)
    after = _parts_of(root)
    shutil.rmtree(root / ".build" / "cache")
    again = _build(root)
    return {"cold": cold, "edited": edited, "again": again, "before": before, "after": after}


def _part_renders(rendered: list[str]) -> set[str]:
    return {name.removeprefix("reading PDF ") for name in rendered if name.startswith("reading PDF ")}


def test_an_input_edit_lays_out_again_exactly_the_parts_that_show_it(rebuilds):
    changed = {name for name, body in rebuilds["after"].items() if rebuilds["before"].get(name) != body}
    assert changed and changed != set(rebuilds["after"])  # the input shows in some chapters, not all
    rendered = _part_renders(rebuilds["edited"][0])
    assert {name.removeprefix("layout ") for name in rendered if name.startswith("layout ")} == changed
    # Rendered again: those, and only parts whose page numbers moved (none unless a page count changed)
    renders = {name.removeprefix("part ") for name in rendered if name.startswith("part ")}
    assert changed - {"front"} <= renders
    assert "reading PDF" in rebuilds["edited"][0]


def test_an_incremental_build_gives_the_bytes_of_a_cold_build(rebuilds):
    assert rebuilds["edited"][1] == rebuilds["again"][1] != rebuilds["cold"][1]
    assert {f"layout {name}" for name in rebuilds["after"]} <= _part_renders(rebuilds["again"][0])


# ---------- One layout per part: a guessed start page mended, or laid out again ----------

def _answered(example, part_name: str, guess: int, start: int) -> tuple:
    """One part rendered in a real worker from the start page `guess`, the build's side of the exchange
    played here: its layout is received and the start page `start` is answered. What the worker returns."""
    from multiprocessing.connection import Listener

    split = parts.split_document(parts.prepared(example.html, example.font_css))
    part = next(p for p in split.parts if p.name == part_name)
    renderer = parts.Renderer(example.view, example.font_css, tuple(example.allowed), READING, example.draft, "x.pdf")
    task = parts.PartTask(parts.part_html(split, part, None), guess, 0, True, example.locate)
    with Listener(family="AF_UNIX", authkey=b"test") as listener, ProcessPoolExecutor(max_workers=1) as pool:
        asking = parts.Asking(listener.address, b"test", part.name, not part.prints_own_pages)
        job = pool.submit(parts._worker_render, renderer, task, asking)
        with listener.accept() as connection:
            name, pages, anchors = connection.recv()
            assert name == part_name and pages >= 1 and anchors
            connection.send(parts.PartTask(task.html, start, 0, True, example.locate))
        answered = job.result()
        right = pool.submit(parts._worker_render, renderer, answered[2]).result()
    return answered, right


def test_a_start_page_guessed_wrong_is_mended_in_the_margins_byte_for_byte(example):
    """A chapter laid out from page 1 and told it starts on page 127 (three digits) writes, without a second
    layout, the PDF that a layout from page 127 writes."""
    (result, pdf, task, layouts), (right, right_pdf, _, right_layouts) = _answered(example, "ch-meeting-outcomes", 1, 127)
    assert task.start == 127 and layouts == 1 and right_layouts == 1
    assert pdf == right_pdf and result == right
    with pikepdf.open(io.BytesIO(pdf)) as written:
        assert len(written.pages) == result.pages >= 2
    assert "127" in pdfplumber.open(io.BytesIO(pdf)).pages[0].extract_text().split()


def test_a_part_that_prints_its_own_page_numbers_is_laid_out_again_when_its_guess_was_wrong(example):
    """Its cross-reference within the chapter prints "(page N)" in its text: the margins cannot mend that."""
    split = parts.split_document(example.html)
    own = [part.name for part in split.parts if part.prints_own_pages]
    assert "ch-context" in own and "ch-meeting-outcomes" not in own
    (result, pdf, task, layouts), (right, right_pdf, _, _) = _answered(example, "ch-context", 5, 9)
    assert task.start == 9 and layouts == 2
    assert pdf == right_pdf and result == right


def test_a_cold_build_lays_out_each_part_once_and_an_input_edit_only_the_parts_that_show_it(rebuilds):
    """In a real build: cold, every part laid out and written once (no guess laid out again); after the
    edit, each part that shows the input once, and no part that does not."""
    names = set(rebuilds["before"])
    assert _part_renders(rebuilds["cold"][0]) == {f"layout {n}" for n in names} | {f"part {n}" for n in names}
    changed = {name for name, body in rebuilds["after"].items() if rebuilds["before"].get(name) != body}
    edited = _part_renders(rebuilds["edited"][0])
    assert not any(name.endswith(" again") for name in edited)
    assert {name.removeprefix("part ") for name in edited if name.startswith("part ")} <= changed | {"front"}
