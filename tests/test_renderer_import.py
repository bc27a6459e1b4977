"""WeasyPrint is imported for a render without looking its libraries up (publish/pdf.py, import_renderer): the
import starts no process (cffi's look-up ran ldconfig, gcc and ld about 200 times), and the same libraries are
loaded as by WeasyPrint's own import, HarfBuzz's subsetter among them."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import REPO

LOADED = """
import json, resource, subprocess, sys
started = []
opening = subprocess.Popen.__init__
def recorded(self, args, *rest, **kwargs):
    started.append(str(args))
    opening(self, args, *rest, **kwargs)
subprocess.Popen.__init__ = recorded
if sys.argv[1] == "strategy":
    from strategy.publish.pdf import import_renderer
    import_renderer()
else:
    import weasyprint.document, weasyprint.pdf
import weasyprint.text.ffi as ffi
libraries = sorted({line.split()[-1] for line in open("/proc/self/maps")
                    if any(n in line for n in ("harfbuzz", "pango", "gobject", "fontconfig"))})
print(json.dumps({"started": started, "libraries": libraries, "subset": ffi.harfbuzz_subset is not None}))
"""


def _imported(how: str) -> dict:
    done = subprocess.run([sys.executable, "-c", LOADED, how], capture_output=True, text=True, timeout=120,
                          cwd=REPO, check=True)
    return json.loads(done.stdout)


def test_the_renderer_is_imported_without_a_process_and_with_the_same_libraries():
    ours, weasyprints = _imported("strategy"), _imported("weasyprint")
    assert weasyprints["started"], "WeasyPrint's own import no longer looks its libraries up: drop the shortcut"
    assert ours["started"] == []
    assert ours["libraries"] == weasyprints["libraries"] and len(ours["libraries"]) >= 6
    assert ours["subset"] and weasyprints["subset"]
    assert any("harfbuzz-subset" in library for library in ours["libraries"])
