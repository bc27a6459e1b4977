"""The renderer's only way to read anything: project assets and data: URIs (issue 4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from weasyprint import HTML

from strategy.publish.fetcher import MAX_BYTES, AssetFetcher, BlockedResource


@pytest.fixture
def assets(tmp_path: Path) -> Path:
    folder = tmp_path / "assets"
    folder.mkdir()
    (folder / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>')
    return folder


def test_reads_a_project_asset_and_a_data_uri(assets):
    fetcher = AssetFetcher([assets])
    asset = fetcher.fetch((assets / "logo.svg").as_uri())
    assert b"<svg" in asset.read()
    asset.close()
    assert fetcher.fetch("data:text/plain;base64,aGVsbG8=").read() == b"hello"
    assert fetcher.blocked == []


@pytest.mark.parametrize("where", ["outside", "traversal", "symlink", "folder", "remote-host", "missing"])
def test_refuses_every_file_outside_the_assets(assets, tmp_path, where):
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the PDF")
    (assets / "link.txt").symlink_to(secret)
    url = {
        "outside": secret.as_uri(),
        "traversal": (assets.as_uri() + "/../secret.txt"),
        "symlink": (assets / "link.txt").as_uri(),
        "folder": assets.as_uri(),
        "remote-host": "file://example.org" + str(assets / "logo.svg"),
        "missing": (assets / "nothing.svg").as_uri(),
    }[where]
    fetcher = AssetFetcher([assets])
    with pytest.raises(BlockedResource):
        fetcher.fetch(url)
    assert fetcher.blocked == [url]


def test_refuses_a_file_over_the_size_cap(assets):
    big = assets / "huge.svg"
    with big.open("wb") as handle:  # sparse: costs no disk
        handle.truncate(MAX_BYTES + 1)
    with pytest.raises(BlockedResource):
        AssetFetcher([assets]).fetch(big.as_uri())


def test_calls_no_network_address_and_follows_no_redirect(assets, listener):
    fetcher = AssetFetcher([assets])
    for url in (f"{listener.url}/image.png", listener.url.replace("http", "https") + "/x.css", "ftp://127.0.0.1/x"):
        with pytest.raises(BlockedResource):
            fetcher.fetch(url)
    assert listener.seen == []


def test_a_real_render_reads_only_through_the_fetcher(assets, tmp_path, listener):
    """The same fetcher given to WeasyPrint: the page renders, the blocked resources are listed, none is read."""
    fetcher = AssetFetcher([assets])
    html = (f'<p>Text</p><img src="{(assets / "logo.svg").as_uri()}" alt="logo">'
            f'<img src="file:///etc/hostname" alt="x"><img src="{listener.url}/pixel.png" alt="y">'
            f'<link rel="attachment" href="file:///etc/hostname">'
            f'<p style="background: url(file:///etc/passwd)">styled</p>')
    pdf = HTML(string=html, base_url=str(assets), url_fetcher=fetcher).write_pdf()
    assert pdf.startswith(b"%PDF")
    assert listener.seen == []
    assert {"file:///etc/hostname", "file:///etc/passwd", f"{listener.url}/pixel.png"} <= set(fetcher.blocked)
    assert (assets / "logo.svg").as_uri() not in fetcher.blocked
