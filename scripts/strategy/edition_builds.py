"""Earlier editions in every build: each stored edition rebuilt from its sources into site/editions/<slug>/.

Every `strategy build` puts each edition of the history (but the current one) into the new site before it is
swapped in: its site, PDF, archive PDF and Word version, made by the normal build from the stored sources
(`StoredEdition.materialise`) in the earlier-edition mode, where every page carries a banner that says it is an
earlier edition and links to the current edition's home page, and where the edition's own earlier editions
are not rebuilt.

- **Byte identity.** The same sources and the same pipeline give the same bytes: the PDF, archive PDF and
  Word version are checked against the hashes in the edition's record. When they differ the build goes on,
  with a warning that names the outputs and says why (the pipeline changed since the release).
- **Consent first.** An earlier edition never shows more than the current inputs allow: an input whose
  consent was narrowed since the release (named -> anonymous or withheld), or which was removed, is rebuilt
  with the narrower consent written into the materialised copy (and, for an input withheld now, without the
  author pages' `quote` of it, which a build refuses), and the build says so. Byte identity gives way to
  consent.
- **Cache.** Each earlier edition is built once per (its sources, the pipeline, the audience, the current
  edition's label, the consent narrowed) into the user's cache folder (`STRATEGY_CACHE_DIR`, or
  platformdirs' user_cache_dir("strategy")), shared by every project; later builds copy from there. An entry
  is built in a temporary folder and renamed into place, so that it is whole or absent; a concurrent build
  that loses the race uses the winner's entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from .audience import Audience
from .cache import atomic_entry
from .editions import EDITIONS_FOLDER, RECORD_FILE, StoredEdition, file_fingerprint, pipeline_fingerprint, \
    stored_editions
from .inputs import StrategyInputs, load_inputs, load_publication
from .inputs.records import Consent
from .problems import Problem, ProblemsFound, warning

CACHE_ENV = "STRATEGY_CACHE_DIR"
SITE_FOLDER = "editions"  # site/editions/<slug>/
ENTRY_FILE = "entry.json"  # what a cache entry was built from, beside its site
# From the widest consent to the narrowest: an earlier edition may only move down this list.
CONSENT_WIDTH = {Consent.NAMED: 2, Consent.ANONYMOUS: 1, Consent.WITHHELD: 0}

Step = Callable[[str], None]


@dataclass(frozen=True)
class EarlierEdition:
    """What the banner of an earlier edition's pages says, and where it points."""

    label: str  # the earlier edition's label, "Draft 1"
    current_label: str  # the edition the site is for, "Draft 2"
    # The current edition's home page, from the earlier edition's site root (site/editions/<slug>/).
    current_home: str = "../../index.html"


# MkDocs builds the site in this process: the earlier edition's build reads its banner from here (set only
# around that build), so that nothing of the earlier-edition mode goes through the project's files.
_EARLIER: ContextVar[EarlierEdition | None] = ContextVar("earlier_edition", default=None)


def earlier_edition() -> EarlierEdition | None:
    """The earlier edition being built in this process, if any: for the site's banner."""
    return _EARLIER.get()


@contextmanager
def _building_earlier(edition: EarlierEdition) -> Iterator[None]:
    token = _EARLIER.set(edition)
    try:
        yield
    finally:
        _EARLIER.reset(token)


@dataclass(frozen=True)
class Narrowing:
    """An input shown with less than the released edition showed: its consent now, or removed."""

    file: str  # the input's file in the stored sources, relative to the project ("inputs/partner-inputs/PI-004.yaml")
    what: str  # "PI-004", "feedback of luxembourg on Draft 1"
    released: Consent
    now: Consent
    removed: bool = False
    input_id: str | None = None  # a partner input's ID, which author pages may quote


def cache_root() -> Path:
    """Where earlier editions are cached: STRATEGY_CACHE_DIR, or the user's cache folder."""
    if folder := os.environ.get(CACHE_ENV):
        return Path(folder)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("strategy"))


def add_earlier_editions(project_root: Path, new_site: Path, audience: Audience, current_label: str,
                         current: StrategyInputs, step: Step = lambda _: None) -> list[Problem]:
    """Put every stored edition but the current one into `new_site/editions/<slug>/`; return the warnings
    (outputs that differ from the release, consent narrowed, an edition that could not be rebuilt).
    Nothing is done without an editions folder."""
    editions = [e for e in stored_editions(project_root) if e.record.label != current_label]
    if not editions:
        return []
    pipeline = pipeline_fingerprint(project_root)
    found: list[Problem] = []
    for edition in editions:
        try:
            narrowed = narrowed_consents(edition, current)
            entry = cached_site(edition, project_root, audience, current_label, pipeline, narrowed, step)
        except ProblemsFound as failed:
            found.append(_not_rebuilt(edition, project_root, failed))
            continue
        shutil.copytree(entry / "site", new_site / SITE_FOLDER / edition.record.slug)
        found += _narrowing_warnings(edition, narrowed)
        found += differing_outputs(edition, entry / "site", audience, pipeline, narrowed)
    return found


def cached_site(edition: StoredEdition, project_root: Path, audience: Audience, current_label: str,
                pipeline: str, narrowed: list[Narrowing], step: Step = lambda _: None) -> Path:
    """The cache entry (a folder with `site/` and `entry.json`) of this edition for this build: built now
    if no build made it before."""
    key = {"edition": edition.record.label, "sources": edition.record.sources, "pipeline": pipeline,
           "audience": audience.value, "current": current_label,
           "narrowed": [[n.file, n.now.value] for n in narrowed]}
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:32]
    folder = cache_root() / "editions"
    entry = folder / f"{edition.record.slug}-{digest}"
    if (entry / ENTRY_FILE).is_file():
        return entry
    step(f"Building the earlier edition {edition.record.label} (once: later builds take it from {folder})")

    def make(staging: Path) -> None:
        _build_earlier(edition, project_root, staging / "project", audience, current_label, narrowed)
        (staging / "project" / "site").rename(staging / "site")
        shutil.rmtree(staging / "project")  # the sources and the build's leftovers: the site is all we keep
        (staging / ENTRY_FILE).write_text(json.dumps(key, indent=2, sort_keys=True), encoding="utf-8")

    atomic_entry(entry, make)
    return entry


def _build_earlier(edition: StoredEdition, project_root: Path, into: Path, audience: Audience,
                   current_label: str, narrowed: list[Narrowing]) -> None:
    from .build import build
    from .project import Project

    edition.materialise(into, project_root)
    apply_narrowing(into, narrowed)
    with _building_earlier(EarlierEdition(edition.record.label, current_label)):
        # A release build, as `strategy release` made it: the archive PDF's bytes are in the record too.
        build(Project(into), audience, earlier_edition=True, release=True)


# --- consent --------------------------------------------------------------------------------------------------


def narrowed_consents(edition: StoredEdition, current: StrategyInputs) -> list[Narrowing]:
    """Every input of the stored edition that the current inputs show less of: a partner input or a
    reviewer's feedback whose consent is narrower now, or which is gone."""
    publication = load_publication(edition.folder / "strategy.yml", edition.folder)
    stored = load_inputs(edition.folder / publication.inputs_folder, edition.folder)
    found = []
    for input_id, released in stored.partner_inputs.items():
        now = current.partner_inputs.get(input_id)
        removed = now is None or now.partner != released.partner
        consent = Consent.WITHHELD if removed else now.consent
        if CONSENT_WIDTH[consent] < CONSENT_WIDTH[released.consent]:
            found.append(Narrowing(stored.origins[f"PartnerInput:{input_id}"].file, input_id, released.consent,
                                   consent, removed, input_id))
    feedback_now = {(f.reviewer, f.edition): f for f in current.feedback}
    for released in stored.feedback:
        now = feedback_now.get((released.reviewer, released.edition))
        consent = Consent.WITHHELD if now is None else now.consent
        if CONSENT_WIDTH[consent] < CONSENT_WIDTH[released.consent]:
            found.append(Narrowing(stored.file_of(released), f"the feedback of {released.reviewer} on "
                                   f"{released.edition}", released.consent, consent, now is None))
    return found


def apply_narrowing(project_folder: Path, narrowed: list[Narrowing]) -> None:
    """Today's consent in a materialised copy of a stored edition: each narrowed input's consent line
    rewritten, and the author pages' quotes of inputs withheld now taken out."""
    for narrowing in narrowed:
        _write_consent(project_folder / narrowing.file, narrowing.now)
    _drop_quotes(project_folder / "docs",
                 [n.input_id for n in narrowed if n.input_id and n.now is Consent.WITHHELD])


def _write_consent(path: Path, consent: Consent) -> None:
    """Set the top-level `consent:` of a stored input's copy, the rest of the file as it is."""
    import yaml

    text = path.read_text(encoding="utf-8")
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    node = next((v for k, v in root.value if k.value == "consent"), None) \
        if isinstance(root, yaml.MappingNode) else None
    if node is None:  # no consent at all counts as withheld already; say it anyway, first
        text = f"consent: {consent.value}\n" + text
    else:
        text = text[:node.start_mark.index] + consent.value + text[node.end_mark.index:]
    path.write_text(text, encoding="utf-8")


def _drop_quotes(docs: Path, withheld: list[str]) -> None:
    """Take out of the copy's author pages each `{{ quote("PI-004") }}` line of an input withheld now: the
    build refuses to quote a withheld input, and the edition is still rebuilt, without the quote."""
    if not withheld:
        return
    ids = "|".join(map(re.escape, withheld))
    macro = re.compile(r"""^[ \t]*\{\{\s*quote\(\s*["'](?:%s)["']\s*\)\s*\}\}[ \t]*\n?""" % ids, re.M)
    for page in sorted(docs.rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        if (kept := macro.sub("", text)) != text:
            page.write_text(kept, encoding="utf-8")


def _narrowing_warnings(edition: StoredEdition, narrowed: list[Narrowing]) -> list[Problem]:
    file = f"{EDITIONS_FOLDER}/{edition.folder.name}/{RECORD_FILE}"
    return [warning(file, None, None, f"{edition.record.label} as released, but {n.what} "
                    f"{'was removed' if n.removed else 'has a narrower consent'} since then",
                    f"{edition.record.label} rebuilt with {n.what} {n.now.value} (released {n.released.value}), so "
                    "its outputs differ from the release") for n in narrowed]


# --- byte identity ------------------------------------------------------------------------------------------


def differing_outputs(edition: StoredEdition, site: Path, audience: Audience, pipeline: str,
                      narrowed: list[Narrowing]) -> list[Problem]:
    """A warning naming the released outputs (PDF, archive PDF, Word version) whose bytes the rebuild did not
    give again. Only for the audience the edition was released for, and not when consent was narrowed (then
    they must differ, and the build says why)."""
    record = edition.record
    if audience.value != record.audience or narrowed:
        return []
    differ = sorted(name for name, fingerprint in record.outputs.items()
                    if not (site / name).is_file() or file_fingerprint(site / name) != fingerprint)
    if not differ:
        return []
    why = ("the pipeline (our code, docs/assets or a renderer's version) changed since the release"
           if pipeline != record.pipeline else "the pipeline is unchanged since the release, yet the bytes differ")
    return [warning(f"{EDITIONS_FOLDER}/{edition.folder.name}/{RECORD_FILE}", None, "outputs",
                    f"{record.label} rebuilt byte for byte as released", f"{', '.join(differ)} differ: {why}")]


def _not_rebuilt(edition: StoredEdition, project_root: Path, failed: ProblemsFound) -> Problem:
    first = failed.problems[0] if failed.problems else None
    return warning(f"{EDITIONS_FOLDER}/{edition.folder.name}/{RECORD_FILE}", None, None,
                   f"{edition.record.label} rebuilt from its stored sources into site/{SITE_FOLDER}/"
                   f"{edition.record.slug}/",
                   f"{len(failed.problems)} problem(s) with today's pipeline, the first: {first}; the site has "
                   "no copy of this edition")
