"""Draft and release builds, and the fonts decompressed once for print.

`strategy build` is a draft build: the site, the reading PDF, the Word version and the slides, no archive
edition. `strategy build --release` (and `strategy release`) adds the archive edition (PDF/A-3a). The reading
edition is the same bytes either way, and the render cache carries across the two. The PDF renderer reads the
fonts as TrueType files decompressed once from the project's WOFF2 fonts and kept in the render cache
(publish/print_fonts.py).

Real builds: `draft_then_release` (conftest.py) builds one copy of the example as a draft, for release, then as
a draft again, each in a fresh process; `built` is a release build of another copy.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pikepdf
import pytest

from conftest import REPO, outputs, start_tags, strategy
from strategy.cache import RenderCache
from strategy.problems import ProblemsFound
from strategy.checks.conformance import KNOWN_WEASYPRINT_LIMITATIONS, check_conformance, declared_variants
from strategy.publish.pdf import READING, render_pdf
from strategy.publish.print_fonts import OUTPUT as PRINT_FONTS, decompressed, write_print_fonts

FONT_CSS = REPO / "docs" / "assets" / "stylesheets" / "fonts.css"
ASSETS = REPO / "docs" / "assets"
FONT_FILES = sorted(p.name for p in (ASSETS / "fonts").glob("*.woff2"))


def local_links(site: Path) -> list[tuple[str, str, Path]]:
    """(page, link as written, the file it leads to) for every href and src of the site's pages that stays
    inside the site."""
    found = []
    for page in sorted(site.rglob("*.html")):
        for _, attrs in start_tags(page.read_text(encoding="utf-8")):
            for name, value in attrs:
                parts = urlsplit(value or "")
                if name not in ("href", "src") or parts.scheme or parts.netloc or not parts.path:
                    continue
                path = unquote(parts.path)
                base = site if path.startswith("/") else page.parent
                target = base / path.lstrip("/")
                found.append((page.relative_to(site).as_posix(), value,
                              target / "index.html" if path.endswith("/") else target))
    return found


# --- what each build writes ------------------------------------------------------------------------------------


def test_a_draft_build_writes_no_archive_pdf_and_its_site_links_no_missing_file(draft_then_release, built):
    site = draft_then_release.draft.site
    publication = built.publication
    assert (site / publication.pdf_file).is_file() and (site / publication.docx_file).is_file()
    assert not (site / publication.archive_pdf_file).exists()
    assert [p.name for p in site.rglob("*.pdf")] == [publication.pdf_file]
    links = local_links(site)
    assert len(links) > 500 and any(value.endswith(publication.pdf_file) for _, value, _ in links)
    assert not [(page, value) for page, value, _ in links if "archive" in value.lower()]
    assert [(page, value) for page, value, target in links if not target.is_file()] == []
    # Provenance is checked in the outputs this build made, and only those.
    report = json.loads((draft_then_release.draft.outputs / "reports" / "provenance.json").read_text())
    assert report["outputs"] == ["site", "reading PDF", "Word version"]


def test_a_release_build_writes_both_editions_and_the_archive_passes_the_conformance_checks(draft_then_release,
                                                                                            built):
    site = draft_then_release.release.site
    archive = site / built.publication.archive_pdf_file
    assert (site / built.publication.pdf_file).is_file() and archive.is_file()
    assert declared_variants(archive) == ["pdf/a-3a", "pdf/ua-1"]
    for variant in ("pdf/a-3a", "pdf/ua-1"):
        findings = check_conformance(archive, variant)
        assert [f for f in findings if f.check not in KNOWN_WEASYPRINT_LIMITATIONS] == [], variant
    report = json.loads((draft_then_release.release.outputs / "reports" / "provenance.json").read_text())
    assert report["outputs"] == ["site", "reading PDF", "archive PDF", "Word version"]
    assert [(page, value) for page, value, target in local_links(site) if not target.is_file()] == []


def test_the_cli_says_which_build_it_made(built):
    assert f"Archive PDF: {built.site / built.publication.archive_pdf_file}" in built.run.stdout
    assert "A draft build" not in built.run.stdout


def test_audit_after_a_draft_build_audits_the_reading_edition_and_says_why_not_the_archive(draft_then_release,
                                                                                            built):
    root = draft_then_release.root  # as the last build left it: a draft build
    run = strategy("audit", "--project", str(root))
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{root / 'site' / built.publication.pdf_file}: 0 layout problem(s)" in run.stdout
    assert "archive" not in run.stdout
    assert "No archive edition" in run.stderr and "strategy build --release" in run.stderr


def test_the_reading_pdf_of_a_draft_build_is_the_release_builds_byte_for_byte(draft_then_release, built):
    """Two cold renders in different folders and processes (a draft build here, a release build in `built`)."""
    name = built.publication.pdf_file
    draft = (draft_then_release.draft.site / name).read_bytes()
    assert draft == (built.site / name).read_bytes()
    assert draft == (draft_then_release.release.site / name).read_bytes()


# --- the render cache across the two -----------------------------------------------------------------------------


def test_a_cold_draft_build_renders_the_reading_edition_only(draft_then_release):
    draft = draft_then_release.draft
    assert "reading PDF" in draft.rendered and "archive PDF" not in draft.rendered + draft.reused
    assert {"Word version", "slides", PRINT_FONTS} <= set(draft.rendered)
    assert draft.reused == []


def test_a_release_build_after_a_draft_renders_the_archive_edition_alone(draft_then_release):
    release = draft_then_release.release
    assert release.rendered == ["archive PDF"]
    assert {"reading PDF", "Word version", "slides", PRINT_FONTS} <= set(release.reused)


def test_a_draft_build_after_a_release_renders_nothing_and_gives_the_first_drafts_bytes(draft_then_release):
    again, first = draft_then_release.draft_again, draft_then_release.draft
    assert again.rendered == []
    assert outputs(again.reused) == outputs(first.rendered)
    assert files_of(again.outputs) == files_of(first.outputs)


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- the fonts, decompressed once --------------------------------------------------------------------------------


def test_a_second_build_converts_no_font(draft_then_release):
    """The first build of a copy converts the fonts (one cache entry holds them all); the next ones copy them."""
    assert PRINT_FONTS in draft_then_release.draft.rendered
    for later in (draft_then_release.release, draft_then_release.draft_again):
        assert PRINT_FONTS not in later.rendered and PRINT_FONTS in later.reused
    entries = [json.loads(e.read_text()) for e in (draft_then_release.root / ".build/cache").glob("*/entry.json")]
    fonts, = [e for e in entries if e["output"] == PRINT_FONTS]
    assert sorted(fonts["files"]) == sorted(name.replace(".woff2", ".ttf") for name in FONT_FILES)


def test_the_fonts_are_unpacked_as_weasyprint_unpacks_them(tmp_path):
    """The same TrueType bytes as WeasyPrint's own decoding (fontTools' woff2.decompress), so the fonts a PDF
    embeds do not change; and the same bytes on every conversion."""
    from io import BytesIO

    from fontTools.ttLib import TTFont, woff2

    for name in FONT_FILES:
        packed = (ASSETS / "fonts" / name).read_bytes()
        out = BytesIO()
        woff2.decompress(BytesIO(packed), out)
        assert decompressed(packed) == out.getvalue() == decompressed(packed), name
        font = TTFont(BytesIO(decompressed(packed)))
        assert font.flavor is None and set(font.getBestCmap()) == set(TTFont(BytesIO(packed)).getBestCmap())


# Every face of the shipped fonts, and the symbols that only Noto Sans Math has.
EVERY_FACE = """<html lang="en"><head><title>Fonts</title><style>
.sans { font-family: "Noto Sans", "Noto Sans Math"; } .serif { font-family: "Noto Serif", "Noto Sans Math"; }
</style></head><body>
<p class="sans">Sans régulier <b>bold</b> <i>italic</i> <b><i>bold italic</i></b> ≤ ≥ → ≠</p>
<p class="serif">Serif régulier <b>bold</b> <i>italic</i> <b><i>bold italic</i></b> ⇒ ∞ −</p>
</body></html>"""


def embedded_fonts(path: Path) -> dict[str, tuple[str, bytes, bytes]]:
    """Each embedded font by its name without the subset tag: (its font file's kind, the widths of the glyphs
    it holds, the characters they print: its ToUnicode map)."""
    found = {}
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            for font in page.obj.Resources.Font.values():
                descendant = font.DescendantFonts[0]
                kind = next(k for k in ("/FontFile2", "/FontFile3", "/FontFile") if k in descendant.FontDescriptor)
                found[str(font.BaseFont).split("+", 1)[-1]] = (kind, descendant.W.unparse(),
                                                               font.ToUnicode.read_bytes())
    return found


def test_the_pdf_embeds_the_same_fonts_from_the_converted_folder_alone(tmp_path):
    """The same page rendered from the WOFF2 stylesheet (as before) and from the converted one, whose fonts the
    renderer may read from that folder only (not docs/assets): the same PDF, every face embedded as before."""
    fonts = tmp_path / "print-fonts"
    converted_css = write_print_fonts(FONT_CSS, [ASSETS], fonts)
    assert sorted(p.name for p in fonts.iterdir()) == sorted(["fonts.css", *(n.replace(".woff2", ".ttf")
                                                                            for n in FONT_FILES)])
    assert ".woff2" not in converted_css.read_text(encoding="utf-8")
    before, after = tmp_path / "woff2.pdf", tmp_path / "converted.pdf"
    render_pdf(EVERY_FACE, tmp_path, FONT_CSS, before, [ASSETS], READING, draft=False)
    render_pdf(EVERY_FACE, tmp_path, converted_css, after, [fonts], READING, draft=False)
    faces = embedded_fonts(after)
    assert set(faces) == {"Noto-Sans", "Noto-Sans-Bold", "Noto-Sans-Italic", "Noto-Sans-Bold-Italic",
                          "Noto-Serif", "Noto-Serif-Bold", "Noto-Serif-Italic", "Noto-Serif-Bold-Italic",
                          "Noto-Sans-Math"}, faces.keys()
    assert faces == embedded_fonts(before)
    assert after.read_bytes() == before.read_bytes()


def test_the_renderer_reads_the_converted_fonts_through_the_fetcher(tmp_path):
    """Not allowed to read the converted fonts' folder, the renderer embeds none of the shipped faces: the
    fonts pass the fetcher's check, and the folder given is where the render above read them."""
    fonts = tmp_path / "print-fonts"
    converted_css = write_print_fonts(FONT_CSS, [ASSETS], fonts)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    blocked = tmp_path / "blocked.pdf"
    render_pdf(EVERY_FACE, tmp_path, converted_css, blocked, [elsewhere], READING, draft=False)
    assert not any(name.startswith("Noto") for name in embedded_fonts(blocked))


@pytest.mark.parametrize("source", ["https://fonts.example.org/x.woff2", "../../../../../etc/hostname",
                                    "file:///etc/hostname"])
def test_a_font_outside_the_assets_is_a_problem_and_nothing_is_written(tmp_path, source):
    stylesheets = tmp_path / "docs" / "assets" / "stylesheets"
    stylesheets.mkdir(parents=True)
    css = stylesheets / "fonts.css"
    css.write_text(FONT_CSS.read_text(encoding="utf-8") + '\n@font-face {\n  font-family: "X";\n'
                   f'  src: url("{source}") format("woff2");\n}}\n', encoding="utf-8")
    shutil.copytree(ASSETS / "fonts", tmp_path / "docs" / "assets" / "fonts")
    with pytest.raises(ProblemsFound) as found:
        write_print_fonts(css, [tmp_path / "docs" / "assets"], tmp_path / "out", project_root=tmp_path)
    problem, = found.value.problems
    line = css.read_text(encoding="utf-8").splitlines().index(f'  src: url("{source}") format("woff2");') + 1
    assert (problem.file, problem.line, problem.field) == ("docs/assets/stylesheets/fonts.css", line, "src")
    assert source in problem.found
    assert not (tmp_path / "out").exists()


def test_a_damaged_fonts_entry_is_converted_again(tmp_path):
    """The cache checks each font against its hash: a damaged one is converted again, never used."""
    cache = RenderCache(tmp_path / "cache")
    write_print_fonts(FONT_CSS, [ASSETS], tmp_path / "first", cache)
    assert list(cache.rendered) == [PRINT_FONTS]
    entry, = [e.parent for e in (tmp_path / "cache").glob("*/entry.json")]
    damaged = entry / FONT_FILES[0].replace(".woff2", ".ttf")
    damaged.write_bytes(damaged.read_bytes()[:1000])
    again = RenderCache(tmp_path / "cache")
    write_print_fonts(FONT_CSS, [ASSETS], tmp_path / "second", again)
    assert list(again.rendered) == [PRINT_FONTS]
    assert files_of(tmp_path / "first") == files_of(tmp_path / "second")
    third = RenderCache(tmp_path / "cache")
    write_print_fonts(FONT_CSS, [ASSETS], tmp_path / "third", third)
    assert list(third.rendered) == [] and third.reused == [PRINT_FONTS]
    assert files_of(tmp_path / "third") == files_of(tmp_path / "first")
