"""The only way WeasyPrint may read anything: the project's own assets and data: URIs.

Partner text is untrusted, so the renderer must never read a file elsewhere on
the build machine or call a network address. One instance of this fetcher is
given to every HTML and CSS object.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from weasyprint.urls import URLFetcher

from ..files import MAX_BYTES, is_readable_asset

__all__ = ["MAX_BYTES", "AssetFetcher", "BlockedResource", "is_readable_asset"]


class BlockedResource(ValueError):
    pass


class AssetFetcher(URLFetcher):
    """Reads regular files under the allowed folders and data: URIs; nothing else."""

    def __init__(self, allowed_folders: list[Path]):
        super().__init__(timeout=5, allowed_protocols={"data", "file"}, allow_redirects=False)
        self.allowed = [folder.resolve() for folder in allowed_folders]
        self.blocked: list[str] = []

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "file":
            if parts.netloc not in ("", "localhost"):
                self._block(url)  # urllib would look the host up, and try FTP for a remote one
            if not is_readable_asset(Path(url2pathname(unquote(parts.path))), self.allowed):
                self._block(url)
        elif scheme != "data":
            self._block(url)
        return super().fetch(url, headers)

    def _block(self, url: str) -> None:
        self.blocked.append(url)
        raise BlockedResource(f"blocked: {url[:120]}")
