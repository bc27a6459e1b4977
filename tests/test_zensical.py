"""Zensical builds the site from the plain files that `strategy chapters` writes (website/plain.py).

Real runs only: `strategy chapters` on a copy of the project, then the real `zensical build` on the tree it
wrote, and the built pages read back.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import copy_project, strategy
from strategy.chapters.markdown import long_date
from strategy.inputs import load_inputs, load_publication
from strategy.inputs.records import Consent

ZENSICAL = shutil.which("zensical", path=str(Path(sys.executable).parent)) or "zensical"
PLAIN = Path(".build") / "plain"


def zensical_build(root: Path, config: Path) -> subprocess.CompletedProcess:
    """The real `zensical build`, as the README says to run it; our Markdown extension comes from the
    copy's scripts/."""
    env = {**os.environ, "PYTHONPATH": str(root / "scripts"), "NO_COLOR": "1"}
    return subprocess.run([ZENSICAL, "build", "-f", str(config)], cwd=root, capture_output=True, text=True,
                          env=env, timeout=300)


def files_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and "generated" not in p.parts}


def withheld_texts(root: Path) -> list[tuple[str, list[str]]]:
    """Each withheld input's ID with the opening words of each text it holds."""
    inputs = load_inputs(root / "inputs", root)
    found = [(i.id, [w.strip()[:60] for w in (i.key_quote, i.vision, i.country_experience) if w and w.strip()])
             for i in inputs.partner_inputs.values() if i.consent is Consent.WITHHELD]
    assert found, "the example should have withheld inputs"
    return found


def shows_withheld(text: str, withheld: list[tuple[str, list[str]]]) -> list[str]:
    return [record_id for record_id, words in withheld
            if re.search(rf"\b{record_id}\b", text) or any(w in text for w in words)]


@pytest.fixture(scope="module")
def plain_site(tmp_path_factory) -> Path:
    """A copy of the project after `strategy chapters --audience internal` then `strategy chapters` (the
    partners' default), built by Zensical. The internal run leaves withheld text in docs/generated, which
    the partners' plain tree must not pick up."""
    root = copy_project(tmp_path_factory.mktemp("zensical") / "project")
    docs_before = files_digest(root / "docs")
    internal = strategy("chapters", "--audience", "internal", "--project", str(root))
    assert internal.returncode == 0, internal.stderr
    assert "withheld" in internal.stderr  # the warning that these files are not for publishing
    internal_pages = "\n".join(p.read_text(encoding="utf-8") for p in (root / PLAIN / "docs").rglob("*.md"))
    assert shows_withheld(internal_pages, withheld_texts(root)), "an internal tree shows withheld inputs"
    partners = strategy("chapters", "--project", str(root))
    assert partners.returncode == 0, partners.stderr
    assert "zensical build -f" in partners.stdout and "withheld" not in partners.stderr
    assert files_digest(root / "docs") == docs_before, "the authors' pages were written to"
    built = zensical_build(root, root / PLAIN / "mkdocs.yml")
    assert built.returncode == 0, built.stdout + built.stderr
    return root


def test_zensical_builds_every_nav_page_with_the_macros_expanded(plain_site):
    site = plain_site / PLAIN / "site"
    config = yaml.safe_load((plain_site / "mkdocs.yml").read_text(encoding="utf-8"))
    pages = [target for entry in config["nav"] for target in _targets(entry)]
    assert len(pages) > 10
    for page in pages:
        built = site / page.replace(".md", ".html")
        assert built.is_file(), page
        assert "{{" not in _main_text(built), f"{page} shows an unexpanded macro"
    # The quote macro became the partner's words with a link to the register.
    assert 'generated/partner-inputs.html#pi-' in (site / "vision.html").read_text(encoding="utf-8")


def test_zensical_pages_show_the_banner_with_edition_and_date(plain_site):
    publication = load_publication(plain_site / "strategy.yml", plain_site)
    page = (plain_site / PLAIN / "site" / "context.html").read_text(encoding="utf-8")
    banner = page[page.index('<div class="strategy-banner"'):]
    banner = banner[:banner.index("</div>")]
    assert publication.edition.label in banner and long_date(publication.edition.date) in banner
    assert publication.pdf_file in banner and publication.docx_file in banner
    assert f'href="mailto:{publication.comments_email}?subject=' in banner and "Send comments" in banner
    assert '<meta name="robots" content="noindex, nofollow">' in page  # a draft
    assert (plain_site / PLAIN / "site" / "robots.txt").read_text() == "User-agent: *\nDisallow: /\n"


def test_zensical_pages_keep_zensical_own_search(plain_site):
    """Our override of Material 9's search dialog is left out of the plain tree: in a Zensical page it showed
    as bare icons and "Initializing search" under the header, without Zensical's styles and scripts."""
    assert not (plain_site / PLAIN / "overrides" / "partials" / "search.html").exists()
    assert (plain_site / PLAIN / "overrides" / "main.html").is_file()
    page = (plain_site / PLAIN / "site" / "context.html").read_text(encoding="utf-8")
    assert 'data-md-component="search-query"' not in page and "md-search__button" in page


def test_zensical_site_holds_no_withheld_input(plain_site):
    withheld = withheld_texts(plain_site)
    site = plain_site / PLAIN / "site"
    outputs = [p for p in site.rglob("*") if p.suffix in (".html", ".json", ".js", ".xml", ".svg")]
    assert any(p.name == "search.json" for p in outputs)
    for path in outputs:
        assert not shows_withheld(path.read_text(encoding="utf-8", errors="replace"), withheld), path
    for path in (plain_site / PLAIN / "docs").rglob("*.md"):
        assert not shows_withheld(path.read_text(encoding="utf-8"), withheld), path


@pytest.mark.parametrize("generator", ["zensical", "mkdocs"])
def test_the_theme_builds_without_banner_data(plain_site, tmp_path, generator):
    """Another generator's mkdocs.yml, or one written by hand, has no extra.strategy: no banner, and the
    pages stay out of search engines as a draft's do; in Zensical's template engine and in MkDocs' Jinja."""
    tree = tmp_path / "plain"
    shutil.copytree(plain_site / PLAIN, tree, ignore=shutil.ignore_patterns("site"))
    config_file = tree / "mkdocs.yml"
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    del config["extra"]["strategy"]
    config_file.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    built = zensical_build(plain_site, config_file) if generator == "zensical" else subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config_file)], cwd=plain_site,
        capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(plain_site / "scripts")})
    assert built.returncode == 0, built.stdout + built.stderr
    page = (tree / "site" / "context.html").read_text(encoding="utf-8")
    assert "strategy-banner" not in page
    assert '<meta name="robots" content="noindex, nofollow">' in page


def _targets(entry) -> list[str]:
    (_, target), = entry.items()
    return [target] if isinstance(target, str) else [t for sub in target for t in _targets(sub)]


def _main_text(page: Path) -> str:
    """The page's article, where the Markdown goes (the theme's own scripts may hold braces)."""
    text = page.read_text(encoding="utf-8")
    start = text.find('<article')
    return text[start:text.find("</article>", start)] if start >= 0 else text


def test_a_bad_macro_stops_strategy_chapters_and_leaves_the_plain_tree_as_it_was(tmp_path):
    root = copy_project(tmp_path / "project")
    assert strategy("chapters", "--project", str(root)).returncode == 0
    before = files_digest(root / PLAIN)
    page = root / "docs" / "vision.md"
    page.write_text(page.read_text(encoding="utf-8") + '\n{{ quote("PI-9999") }}\n', encoding="utf-8")
    line = page.read_text(encoding="utf-8").count("\n")
    failed = strategy("chapters", "--project", str(root))
    assert failed.returncode == 1
    assert f"docs/vision.md:{line}:" in failed.stderr and "PI-9999" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert files_digest(root / PLAIN) == before
    assert not [p for p in (root / ".build").iterdir() if p.name.startswith(".plain-")]  # no half-written tree
