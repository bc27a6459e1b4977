"""Isolation cases (issue 8, sections 2 and 4): what a build may read and publish besides the inputs.

- docs/ is copied into the site as it is: a symlink that leads out of the project, into the inputs or the
  outputs, to a folder or round a loop, and a FIFO, are refused with the path (by `strategy check`, and by
  the build before MkDocs walks the folder);
- chapters that another command left in docs/generated (perhaps for an internal audience) are never
  published: the build makes its own in memory;
- links in author pages never reach the PDF or the Word version as addresses on the build machine.

Most cases are checks (a second each); the build cases are few, each covering several canaries at once.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from corpus import Case

CANARY_STALE = "CANARYSTALEGENERATED4K"
CANARY_STALE_CHART = "CANARYSTALECHART8M"
CANARY_SECRET = "CANARYSECRETNOTES2P"


def withheld_inputs(root: Path) -> list[Path]:
    """The partner input files whose consent is `withheld`."""
    folder = root / "inputs" / "partner-inputs"
    return sorted(p for p in folder.glob("*.yaml")
                  if (yaml.safe_load(p.read_text(encoding="utf-8")) or {}).get("consent") == "withheld")


def plant_withheld_canary(root: Path, canary: str) -> Path:
    """Put `canary` in the key quote and the prose of the first withheld input; return its file."""
    path = withheld_inputs(root)[0]
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    record["key_quote"] = f"{canary} is what we said in confidence."
    field = "vision" if record.get("vision") else "country_experience"
    record[field] = f"{canary} {record[field]}"
    path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _symlink(relative: str, target: str | Path):
    def make(root: Path) -> None:
        link = root / relative
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target if isinstance(target, str) else root / target)
    return make


def _fifo(relative: str):
    def make(root: Path) -> None:
        os.mkfifo(root / relative)
    return make


def _link_to_withheld_input(root: Path) -> None:
    target = withheld_inputs(root)[0]
    (root / "docs" / "assets" / "raw.yaml").symlink_to(os.path.relpath(target, root / "docs" / "assets"))


def _hidden_file(root: Path) -> None:
    (root / ".env").write_text("TOKEN=not-for-the-site\n", encoding="utf-8")
    (root / "docs" / "settings.txt").symlink_to("../.env")


def _stale_generated(root: Path) -> None:
    """What `strategy chapters --audience internal` (or an older build) may leave: chapters showing withheld
    text, a page no nav names, and a chart, all under docs/generated."""
    plant_withheld_canary(root, CANARY_STALE)
    generated = root / "docs" / "generated"
    (generated / "charts").mkdir(parents=True)
    for name in ("partner-inputs.md", "inputs-received.md", "priorities.md"):
        (generated / name).write_text(f"---\ngenerated: true\n---\n\n# Stale\n\n{CANARY_STALE} said so.\n",
                                      encoding="utf-8")
    (generated / "stale-extra.md").write_text(f"# Extra\n\n{CANARY_STALE}\n", encoding="utf-8")
    (generated / "charts" / "results-targets.svg").write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg"><text>{CANARY_STALE_CHART}</text></svg>', encoding="utf-8")
    (generated / "charts" / "results-targets.png").write_bytes(b"\x89PNG" + CANARY_STALE_CHART.encode())


AUTHOR_LINKS = f"""

Links written by hand: <a href="/etc/passwd">the password file</a>, <a href="../secret.txt">{CANARY_SECRET}</a>,
<a href="">an empty link</a>, <a href="//build-host.invalid/x">a host</a>, <a href="?q=1">a query</a>,
<a href="notes.txt">notes in docs</a>, [notes by Markdown](notes.txt), <a href="file:///etc/hostname">a file</a>.

<img src="../../x.png" alt="an image outside the docs"> <img src="/etc/hostname" alt="an absolute image">
"""


def _author_links(root: Path) -> None:
    (root / "secret.txt").write_text("not for the site\n", encoding="utf-8")
    (root / "docs" / "notes.txt").write_text("Notes the site publishes.\n", encoding="utf-8")
    with (root / "docs" / "vision.md").open("a", encoding="utf-8") as page:
        page.write(AUTHOR_LINKS)


def _markdown_link_out_of_docs(root: Path) -> None:
    (root / "secret.txt").write_text("not for the site\n", encoding="utf-8")
    with (root / "docs" / "way-forward.md").open("a", encoding="utf-8") as page:
        page.write("\nSee [the notes](../secret.txt).\n")


CASES = [
    Case("isolation-docs-symlink-outside-project", "docs-symlink", _symlink("docs/leak.md", "/etc/hostname"),
         "problem", "docs/leak.md", says="outside the project"),
    Case("isolation-docs-symlink-to-withheld-input", "docs-symlink", _link_to_withheld_input,
         "problem", "docs/assets/raw.yaml", says="which the site may not publish"),
    Case("isolation-docs-symlink-to-hidden-file", "docs-symlink", _hidden_file,
         "problem", "docs/settings.txt", says="which the site may not publish"),
    Case("isolation-docs-symlink-to-folder", "docs-symlink", _symlink("docs/more", "../inputs"),
         "problem", "docs/more", says="a folder"),
    Case("isolation-docs-symlink-folder-loop", "docs-symlink", _symlink("docs/again", "."),
         "problem", "docs/again", says="a folder"),
    Case("isolation-docs-symlink-loop", "docs-symlink", _symlink("docs/loop.md", "loop.md"),
         "problem", "docs/loop.md", says="too many levels of symbolic links"),
    Case("isolation-docs-symlink-dangling", "docs-symlink", _symlink("docs/gone.md", "nowhere.md"),
         "problem", "docs/gone.md", says="no such file"),
    Case("isolation-docs-symlink-to-device", "docs-symlink", _symlink("docs/assets/zero.png", "/dev/zero"),
         "problem", "docs/assets/zero.png", says="/dev/zero"),
    Case("isolation-docs-fifo", "docs-special-file", _fifo("docs/pipe.md"),
         "problem", "docs/pipe.md", says="a FIFO"),
    Case("isolation-docs-symlink-inside-docs", "docs-symlink",
         _symlink("docs/assets/copy.css", "stylesheets/site.css"), "valid"),
    # The build refuses too (before MkDocs walks docs/), and publishes nothing.
    Case("isolation-build-refuses-docs-symlink", "docs-symlink",
         _symlink("docs/assets/hosts.txt", "/etc/hosts"), "problem", "docs/assets/hosts.txt",
         says="outside the project", command="build", seconds=120),
    Case("isolation-stale-generated-never-published", "stale-generated", _stale_generated, "valid",
         command="build", canaries=(CANARY_STALE, CANARY_STALE_CHART, "stale-extra"), seconds=240),
    Case("isolation-author-links-stay-on-the-page", "author-links", _author_links, "valid", command="build",
         canaries=("file:///etc", "file:///tmp"), seconds=240),
    Case("isolation-markdown-link-out-of-docs", "author-links", _markdown_link_out_of_docs, "problem",
         "docs/way-forward.md", says="../secret.txt", command="build", seconds=240),
]
