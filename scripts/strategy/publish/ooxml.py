"""Office packages (the Word version, the slides) rewritten after pandoc, the same way for both.

pandoc's sandbox dates a package's entries 1970 (or now) and leaves some properties empty; a reproducible
edition needs the edition's own date everywhere, and entry order and compression kept.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Callable

FIRST_ZIP_TIME = 315532800  # 1 January 1980: zip cannot store an earlier time


def rewritten(package: bytes, source_date_epoch: int, edit: Callable[[str, bytes], bytes]) -> bytes:
    """The package with each entry passed through `edit(name, data)`, every entry dated the edition's moment,
    and the creation and modification dates of docProps/core.xml set to it."""
    moment = time.gmtime(max(source_date_epoch, FIRST_ZIP_TIME))
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", moment).encode()
    result = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(result, "w") as target:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:)",
                              lambda m: m[1] + stamp + m[2], data)
            data = edit(entry.filename, data)
            info = zipfile.ZipInfo(entry.filename, date_time=moment[:6])
            info.compress_type = entry.compress_type
            info.external_attr = entry.external_attr
            target.writestr(info, data)
    return result.getvalue()


def with_property(core: bytes, tag: bytes, value: bytes) -> bytes:
    """docProps/core.xml with the element `tag` ("dc:title") holding `value` (escaped XML text)."""
    return re.sub(rb"<" + tag + rb">[^<]*</" + tag + rb">|<" + tag + rb" */>",
                  lambda m: b"<" + tag + b">" + value + b"</" + tag + b">", core)
