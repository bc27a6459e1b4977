"""What a reader and an author see: the built site in Chromium, and `mkdocs serve` picking up edits."""

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


@pytest.fixture(scope="module")
def served_site(built):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(built.site))
    handler.log_message = lambda *args: None
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
    page.goto(served_site + "/context/")
    banner = page.locator(".strategy-banner")
    assert banner.is_visible()
    text = banner.inner_text()
    assert built.publication.edition.label in text
    assert str(built.publication.edition.date.year) in text
    pdf_href = page.locator(".strategy-banner__pdf").get_attribute("href")
    with urllib.request.urlopen(page.url.rsplit("/", 2)[0] + "/" + pdf_href.replace("../", "")) as response:
        assert response.headers["Content-Type"] == "application/pdf"
    word_href = page.locator(".strategy-banner__docx").get_attribute("href")
    with urllib.request.urlopen(page.url.rsplit("/", 2)[0] + "/" + word_href.replace("../", "")) as response:
        assert response.read(2) == b"PK"
    mail = page.locator(".strategy-banner__comment").get_attribute("href")
    assert mail.startswith(f"mailto:{built.publication.comments_email}")
    # Nothing the page loaded came from anywhere but this site.
    assert all(url.startswith(served_site) or url.startswith("data:") for url in requests), requests
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
    page.goto(served_site + "/generated/inputs-received/")
    link = page.locator("a.record-id").first
    record_id = link.inner_text()
    link.click()
    page.wait_for_load_state()
    assert page.url.endswith("#" + record_id.lower())
    assert page.locator(f"#{record_id.lower()}").is_visible()
    page.close()


def test_serve_refreshes_a_generated_page_when_an_input_changes(tmp_path):
    root = copy_project(tmp_path / "project")
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{port}"],
                              cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/generated/partner-inputs/"
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
    url = f"http://127.0.0.1:{port}/generated/partner-inputs/"
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

