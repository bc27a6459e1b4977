"""What a reader and an author see: the built site in Chromium, served or opened from a folder, in light and
dark schemes, checked by axe-core; and `mkdocs serve` picking up edits."""

from __future__ import annotations

import functools
import http.server
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from conftest import copy_project

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StaticHost(http.server.SimpleHTTPRequestHandler):
    """Serves the site as a static host does: a page that is not there answers with the site's 404 page."""

    def log_message(self, *args) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        not_found = Path(self.directory) / "404.html"
        if code != 404 or not not_found.is_file():
            return super().send_error(code, message, explain)
        body = not_found.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def served_site(built):
    handler = functools.partial(StaticHost, directory=str(built.site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_banner_shows_edition_date_pdf_word_and_comments(built, served_site, browser):
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(served_site + "/generated/priorities.html")
    banner = page.locator(".strategy-banner")
    assert banner.is_visible()
    text = banner.inner_text()
    assert built.publication.edition.label in text
    assert str(built.publication.edition.date.year) in text
    assert_pdf_and_word_links_work(page)
    mail = page.locator(".strategy-banner__comment").get_attribute("href")
    assert mail.startswith(f"mailto:{built.publication.comments_email}")
    # Nothing the page loaded came from anywhere but this site.
    assert all(url.startswith(served_site) or url.startswith("data:") for url in requests), requests
    page.close()


def assert_pdf_and_word_links_work(page) -> None:
    """The banner's PDF and Word links, as the browser resolves them, fetch a PDF and a Word file."""
    pdf_url = page.locator(".strategy-banner__pdf").evaluate("a => a.href")
    with urllib.request.urlopen(pdf_url) as response:
        assert response.headers["Content-Type"] == "application/pdf", pdf_url
        assert response.read(5) == b"%PDF-"
    word_url = page.locator(".strategy-banner__docx").evaluate("a => a.href")
    with urllib.request.urlopen(word_url) as response:
        assert response.read(2) == b"PK", word_url


def test_the_404_page_links_to_the_pdf_and_word_version_from_any_depth(built, served_site, browser):
    page = browser.new_page()
    for missing in ("/no-such-page.html", "/generated/charts/old/no-such-page.html"):
        response = page.goto(served_site + missing)
        assert response.status == 404 and "404" in page.locator("h1").inner_text()
        # Styled as every page (its stylesheets load from the root too): the banner is amber, not bare text.
        assert page.locator(".strategy-banner").evaluate("e => getComputedStyle(e).backgroundColor") \
            == "rgb(255, 213, 79)"
        assert_pdf_and_word_links_work(page)
    page.close()


def test_search_finds_a_partner_input(built, served_site, browser):
    page = browser.new_page()
    page.goto(served_site + "/")
    # The search index loads in a worker; a query typed before it is ready waits for the next keystroke.
    page.wait_for_load_state("networkidle")
    page.locator("label.md-search__icon, .md-search__input").first.click()
    page.locator(".md-search__input").press_sequentially("informal economy", delay=20)
    results = page.locator(".md-search-result__item")
    results.first.wait_for(timeout=20000)
    assert results.count() > 0
    assert "matching document" in page.locator(".md-search-result__meta").inner_text()
    page.close()


def test_input_id_links_lead_to_the_register_entry(built, served_site, browser):
    page = browser.new_page()
    page.goto(served_site + "/generated/inputs-received.html")
    link = page.locator("a.record-id").first
    record_id = link.inner_text()
    link.click()
    page.wait_for_load_state()
    assert page.url.endswith("#" + record_id.lower())
    assert page.locator(f"#{record_id.lower()}").is_visible()
    page.close()


# --- opened from a folder ----------------------------------------------------------------------------------


def test_the_site_opened_from_a_folder_navigates_and_finds_a_partner_input(built, browser):
    """A partner downloads the review draft and opens index.html without a server."""
    page = browser.new_page()
    loaded: list[str] = []
    page.on("request", lambda r: loaded.append(r.url))
    page.goto((built.site / "index.html").as_uri())
    page.locator(".md-nav--primary a.md-nav__link", has_text="Vision for Phase III").first.click()
    page.wait_for_load_state()
    assert page.url == (built.site / "vision.html").as_uri()
    assert page.locator("h1").inner_text().startswith("Vision for Phase III")
    assert page.locator(".md-nav__link--active", has_text="Vision for Phase III").count() > 0  # styled, scripted

    # Search works from the folder too (the index as a script, the worker in an iframe), by a record's ID.
    record = next(i for i in built.inputs.partner_inputs.values() if i.consent.value == "named")
    page.locator("label.md-search__icon, .md-search__input").first.click()
    page.locator(".md-search__input").press_sequentially(record.id, delay=20)
    result = page.locator(f".md-search-result__item a[href*='partner-inputs.html'][href$='#{record.id.lower()}']")
    result.first.wait_for(timeout=20000)
    assert record.id in result.first.inner_text()
    result.first.click()
    page.wait_for_load_state()
    assert page.url.startswith((built.site / "generated" / "partner-inputs.html").as_uri())
    assert page.url.endswith("#" + record.id.lower())
    entry = page.locator(f"#{record.id.lower()}")
    assert entry.is_visible() and entry.evaluate("e => e.getBoundingClientRect().top") < 200  # scrolled to it
    # Nothing came from a server: every file the pages loaded is in the folder.
    assert all(url.startswith(built.site.as_uri()) or url.startswith("data:") for url in loaded), loaded
    page.close()


def test_from_a_folder_the_banners_links_reach_the_pdf_and_word_version(built, browser):
    page = browser.new_page()
    page.goto((built.site / "generated" / "priorities.html").as_uri())
    for link in (".strategy-banner__pdf", ".strategy-banner__docx"):
        target = page.locator(link).evaluate("a => a.href")
        assert target.startswith("file://")
        assert Path(urllib.request.url2pathname(target.removeprefix("file://"))).resolve().is_file(), target
    page.close()


# --- accessibility -----------------------------------------------------------------------------------------

# WCAG 2.1 A and AA, and axe-core's best practices.
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
               "resultTypes": ["violations"]}


@pytest.mark.parametrize("scheme, palette", [("light", "default"), ("dark", "slate")])
def test_every_page_passes_axe_core_in_light_and_dark_schemes(built, served_site, browser, scheme, palette):
    axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe()
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    pages = sorted(p.relative_to(built.site).as_posix() for p in built.site.rglob("*.html"))
    assert len(pages) > 10
    found: dict[str, str] = {}
    for name in pages:
        page.goto(f"{served_site}/{name}")
        page.wait_for_load_state("networkidle")
        if not name.startswith("slides/"):  # the deck is a page of its own, without the site's theme
            assert page.evaluate("document.body.dataset.mdColorScheme") == palette, name  # the reader's scheme
        # Folded parts (a chart's data table) are checked too.
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        if report := _violations(axe, page):
            found[name] = report
    # The search dialog, open with results, as a reader sees it over any page.
    page.goto(f"{served_site}/index.html")
    page.wait_for_load_state("networkidle")
    page.locator("label.md-search__icon, .md-search__input").first.click()
    page.locator(".md-search__input").press_sequentially("financing", delay=20)
    page.locator(".md-search-result__item").first.wait_for(timeout=20000)
    if report := _violations(axe, page):
        found["index.html with search results"] = report
    context.close()
    assert not found, "\n".join(f"{name} ({scheme}):\n{report}" for name, report in found.items())


def _violations(axe, page) -> str:
    results = axe.run(page, options=AXE_OPTIONS)
    return results.generate_report() if results.violations_count else ""


def test_serve_refreshes_a_generated_page_when_an_input_changes(tmp_path):
    root = copy_project(tmp_path / "project")
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{port}"],
                              cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/generated/partner-inputs.html"
    try:
        first = _wait_for(url, lambda body: "PI-001" in body, server)
        assert "A sentence added while serving" not in first
        path = root / "inputs" / "partner-inputs" / "PI-001.yaml"
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        field = "vision" if record.get("vision") else "country_experience"
        record[field] = "A sentence added while serving. " + record[field]
        path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
        _wait_for(url, lambda body: "A sentence added while serving" in body, server)
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_serve_shows_a_broken_input_as_an_error_page_until_it_is_fixed(tmp_path):
    """`mkdocs serve` keeps serving: every page names the file, line and field of the problem (the found
    value escaped), and the pages come back when the file is fixed; `mkdocs build` still fails."""
    root = copy_project(tmp_path / "project")
    path = root / "inputs" / "partner-inputs" / "PI-001.yaml"
    good = path.read_text(encoding="utf-8")
    line = next(i for i, text in enumerate(good.splitlines(), 1) if text.startswith("received:"))
    broken = good.replace("\nreceived: ", "\nreceived: <b>someday</b> ", 1)
    path.write_text(broken, encoding="utf-8")
    built = subprocess.run([sys.executable, "-m", "mkdocs", "build"], cwd=root, capture_output=True, text=True,
                           timeout=300)
    assert built.returncode == 1 and f"PI-001.yaml:{line}: field 'received'" in built.stderr, built.stderr
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{port}"],
                              cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/generated/partner-inputs.html"
    try:
        for attempt in ("first build", "rebuild"):
            page = _wait_for(url, lambda body: "strategy-problems" in body, server, 180)
            row = re.search(r"<tr><td><code>inputs/partner-inputs/PI-001\.yaml</code></td><td>(\d+)</td>"
                            r"<td>received</td><td>a date[^<]*</td><td>([^<]*)</td></tr>", page)
            assert row and int(row[1]) == line, (attempt, page[-3000:])
            assert "&lt;b&gt;someday&lt;/b&gt;" in row[2] and "<b>someday" not in page
            assert "comes back by itself" in page and "livereload" in page  # the browser reloads on a rebuild
            home = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).read().decode("utf-8")
            assert "PI-001.yaml" in home and "strategy-problems" in home
            path.write_text(good, encoding="utf-8")
            fixed = _wait_for(url, lambda body: "strategy-problems" not in body and "PI-001" in body, server, 180)
            assert 'id="pi-001"' in fixed
            path.write_text(broken, encoding="utf-8")
    finally:
        server.terminate()
        server.wait(timeout=20)


def _wait_for(url: str, ready, server: subprocess.Popen, seconds: float = 90) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"mkdocs serve stopped: {server.stderr.read()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                body = response.read().decode("utf-8")
            if ready(body):
                return body
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} never showed what was expected")

