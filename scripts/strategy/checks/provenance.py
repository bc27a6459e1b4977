"""The provenance report: where every partner input ended up, and why any input was left out.

A strategy that quietly drops one government's submission is a diplomatic
incident, so the report is read from the outputs themselves (the site's
pages, the laid-out PDFs and the Word file), not from what the chapters meant
to write. An input that the audience may see but that is missing from any
output stops the build; an input that consent keeps out is listed with the
reason.
"""

from __future__ import annotations

import hashlib

import json
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

from ..cache import KeptResults
from ..consent import Audience, may_show
from ..chapters.markdown import anchor, mentions
from ..inputs import StrategyInputs
from ..inputs.records import PartnerInput
from ..problems import Problem
from ..publish.pdf import PdfPlace
from ..publish.print_markup import unprefixed

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

SITE = "site"


@dataclass(frozen=True)
class Place:
    output: str  # SITE, a PDF edition ("reading PDF") or the Word version
    where: str  # a site page ("generated/priorities.html"), a printed page number ("27"), or "" in Word
    section: str  # the heading it falls under
    kind: str  # "entry" where the input is given in full, "reference" where it is linked to or named


@dataclass(frozen=True)
class InputProvenance:
    id: str
    consent: str
    origin: str  # file:line of the input
    left_out: str  # why this audience's outputs do not show it; "" when they do
    places: list[Place]

    def missing_from(self, outputs: list[str]) -> list[str]:
        """Those of `outputs` that should show this input and do not."""
        if self.left_out:
            return []
        return [output for output in outputs if not any(p.output == output for p in self.places)]


@dataclass(frozen=True)
class ProvenanceReport:
    audience: Audience
    outputs: list[str]  # "site", "PDF", …: where every visible input must appear
    inputs: list[InputProvenance]
    # Reviewers' comments, as inputs: each on the current edition that consent lets the audience see must be
    # in the comment-response matrix of every output.
    feedback: list[InputProvenance] = field(default_factory=list)

    def problems(self) -> list[Problem]:
        """One problem for each visible input or comment that an output lost."""
        found = []
        for noun, items in (("input", self.inputs), ("comment", self.feedback)):
            for item in items:
                if missing := item.missing_from(self.outputs):
                    file, _, line = item.origin.rpartition(":")
                    found.append(Problem(file or item.origin, int(line) if line.isdigit() else None, "id",
                                         f"{noun} {item.id} in every output (consent '{item.consent}' lets the "
                                         f"{self.audience.value} audience see it)",
                                         f"it is missing from {_and(f'the {output}' for output in missing)}"))
        return found

    def as_json(self) -> str:
        report = {"audience": self.audience.value, "outputs": self.outputs,
                  "inputs": [asdict(i) for i in self.inputs], "feedback": [asdict(i) for i in self.feedback]}
        return json.dumps(report, indent=1, ensure_ascii=False) + "\n"

    def as_markdown(self) -> str:
        shown = [i for i in self.inputs if not i.left_out]
        left_out = [i for i in self.inputs if i.left_out]
        lines = [f"# Provenance of partner inputs ({self.audience.value} build)", "",
                 f"{len(self.inputs)} inputs: {len(shown)} appear in every output, {len(left_out)} are left out "
                 "because of consent. Each place was read from the built site, the laid-out PDFs and the Word version "
                 "(section headings in brackets; \"entry\" is where the input is given in full).", "",
                 "## Left out", ""]
        lines += [f"- **{i.id}** ({i.origin}): {i.left_out}" for i in left_out] or ["None."]
        lines += ["", "## Where each input appears"]
        for item in shown:
            lines += ["", f"### {item.id}", "", f"Consent: {item.consent}. Source: {item.origin}.", ""]
            lines += [f"- {output[:1].upper()}{output[1:]}: {_places(item.places, output)}" for output in self.outputs]
        lines += self._feedback_markdown()
        return "\n".join(lines) + "\n"

    def _feedback_markdown(self) -> list[str]:
        if not self.feedback:
            return []
        shown = [i for i in self.feedback if not i.left_out]
        lines = ["", "## Reviewers' comments", "",
                 f"{len(self.feedback)} comments: {len(shown)} appear in the comment-response matrix of every "
                 f"output, {len(self.feedback) - len(shown)} are left out.", ""]
        lines += [f"- **{i.id}** ({i.origin}): left out: {i.left_out}" for i in self.feedback if i.left_out]
        for item in shown:
            places = "; ".join(f"{output}: {_places(item.places, output)}" for output in self.outputs)
            lines.append(f"- **{item.id}** ({item.origin}, consent {item.consent}): {places}")
        return lines


def site_places(site_dir: Path, locate: Mapping[str, str], kept: KeptResults | None = None) -> dict[str, list[Place]]:
    """Where each record in `locate` (anchor -> printed label) is, is linked to, or is named, in the main text
    of the site's pages. `kept`: each page's places by its text and `locate` (a build's, from the builds
    before: after an edit, only the pages it changed are read again)."""
    found: dict[str, list[Place]] = {}
    finder: list = []  # one finder for every page, made when a page is read
    locate_digest = hashlib.sha256(repr(sorted(locate.items())).encode("utf-8")).hexdigest()

    def read(text: str) -> list:
        if not finder:
            finder.append(mentions(locate))
        reader = _PageReader(set(locate), finder[0])
        reader.feed(text)
        return [list(place) for place in reader.found]

    for page in sorted(site_dir.rglob("*.html")):
        address = site_address(page.relative_to(site_dir).as_posix())
        text = page.read_text(encoding="utf-8")
        places = read(text) if kept is None else kept.result(
            (locate_digest, hashlib.sha256(text.encode("utf-8")).hexdigest()), lambda: read(text))
        for name, section, kind in places:
            _add(found, name, Place(SITE, address, section, kind))
    return found


def site_address(file: str) -> str:
    """A page's address as a reader types it: "generated/priorities.html", a folder's "index.html" as the
    folder ("generated/"), the home page as ""."""
    return file.removesuffix("index.html") if file == "index.html" or file.endswith("/index.html") else file


def pdf_places(output: str, spots: Iterable[PdfPlace]) -> dict[str, list[Place]]:
    """The places the renderer found in one PDF edition, by anchor."""
    found: dict[str, list[Place]] = {}
    for spot in spots:
        _add(found, spot.anchor, Place(output, spot.page, spot.section, spot.kind))
    return found


def docx_places(output: str, docx: Path, locate: Mapping[str, str]) -> dict[str, list[Place]]:
    """Where each record in `locate` is (a bookmark), is linked to, or is named in a Word file, by heading.
    Word lays out its own pages, so a place is its section only."""
    named_in = mentions(locate)
    found: dict[str, list[Place]] = {}

    def add(name: str, section: str, kind: str) -> None:
        _add(found, name, Place(output, "", section, kind))

    with zipfile.ZipFile(docx) as archive:
        body = ElementTree.fromstring(archive.read("word/document.xml"))
    section, bookmarked = "", []
    # Document order; pandoc puts a section's bookmark before its heading, outside any paragraph.
    for element in body.iter():
        if element.tag == f"{_W}bookmarkStart":
            if (name := unprefixed(element.get(f"{_W}name", ""))) in locate:
                bookmarked.append(name)
            continue
        if element.tag != f"{_W}p":
            continue
        style = element.find(f"{_W}pPr/{_W}pStyle")
        if style is not None and style.get(f"{_W}val", "").startswith("TOC"):
            continue  # the contents field repeats the headings: no place of its own
        text = "".join(t.text or "" for t in element.iter(f"{_W}t"))
        if style is not None and re.fullmatch(r"Heading[1-3]", style.get(f"{_W}val", "")):
            section = " ".join(text.split())
        for name in bookmarked:
            add(name, section, "entry")
        bookmarked = []
        for link in element.iter(f"{_W}hyperlink"):
            if (name := unprefixed(link.get(f"{_W}anchor", ""))) in locate:
                add(name, section, "reference")
        for name in named_in(text):
            add(name, section, "reference")
    return found


def provenance_report(inputs: StrategyInputs, audience: Audience,
                      outputs: dict[str, dict[str, list[Place]]]) -> ProvenanceReport:
    """Each input with its consent and places in `outputs` (output name -> anchor -> places)."""
    items = []
    for input_id, item in sorted(inputs.partner_inputs.items()):
        shown = may_show(item, audience)
        origin = inputs.origins.get(f"PartnerInput:{input_id}")
        places = [place for found in outputs.values() for place in found.get(anchor(input_id), [])]
        items.append(InputProvenance(input_id, item.consent.value, str(origin) if origin else input_id,
                                     "" if shown else _why_left_out(item), places if shown else []))
    return ProvenanceReport(audience, list(outputs), items)


def feedback_provenance(inputs: StrategyInputs, audience: Audience, edition: str,
                        outputs: dict[str, dict[str, list[Place]]]) -> list[InputProvenance]:
    """Each reviewer's comment with its consent, file and line, and its places in `outputs`; those that the
    matrix does not list (withheld, or on another edition) with the reason."""
    found = []
    for feedback in inputs.feedback:
        for comment in feedback.comments:
            origin = inputs.origins.get(f"FeedbackComment:{comment.id}")
            if feedback.edition != edition:
                why = f"a comment on {feedback.edition}, not on {edition}: answered in that edition's matrix"
            elif not may_show(feedback, audience):
                why = ("no consent recorded, so it is treated as withheld: counted, never shown"
                       if "consent" not in feedback.model_fields_set else
                       "its reviewer withheld it: counted, never shown")
            else:
                why = ""
            places = [] if why else [p for found_in in outputs.values() for p in found_in.get(anchor(comment.id), [])]
            found.append(InputProvenance(comment.id, feedback.consent.value, str(origin) if origin else comment.id,
                                         why, places))
    return sorted(found, key=lambda item: item.id)


def feedback_labels(inputs: StrategyInputs, edition: str) -> dict[str, str]:
    """Each comment on `edition`: its anchor in the matrix and the ID it prints as."""
    return {anchor(c.id): c.id for f in inputs.feedback if f.edition == edition for c in f.comments}


def input_labels(inputs: StrategyInputs) -> dict[str, str]:
    """Each input's anchor on the site (its register entry, where links point) and the ID it prints as."""
    return {anchor(input_id): input_id for input_id in inputs.partner_inputs}


def _why_left_out(item: PartnerInput) -> str:
    if "consent" not in item.model_fields_set:
        return "no consent recorded, so it is treated as withheld: counted, never shown"
    return "its partner withheld it: counted, never shown"


def _add(found: dict[str, list[Place]], name: str, place: Place) -> None:
    """Each place once; a mention under the heading of the input's own entry is that entry."""
    here = found.setdefault(name, [])
    if place not in here and Place(place.output, place.where, place.section, "entry") not in here:
        here.append(place)


def _and(items: Iterable[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    items = list(items)
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def _places(places: list[Place], output: str) -> str:
    """"p. 23 (Who contributed; Inputs by region); p. 29 (entry: PI-001 · Luxembourg)", grouped by page."""
    by_page: dict[str, list[str]] = {}
    for place in places:
        if place.output == output:
            by_page.setdefault(place.where, []).append(
                f"entry: {place.section}" if place.kind == "entry" else place.section)
    if not by_page:
        return "nowhere"
    if list(by_page) == [""] and output != SITE:  # Word: no pages of its own, sections only
        return "; ".join(dict.fromkeys(by_page[""]))
    prefix = "" if output == SITE else "p. "
    return "; ".join(f"{prefix}{where or 'home page'} ({'; '.join(dict.fromkeys(sections))})"
                     for where, sections in by_page.items())


class _PageReader(HTMLParser):
    """Input anchors, links to them and their IDs in a page's article (not its menus), under their headings."""

    HEADINGS = {"h1", "h2", "h3"}

    def __init__(self, anchors: set[str], named_in: Callable[[str], list[str]]):
        super().__init__(convert_charrefs=True)
        self.anchors = anchors
        self.named_in = named_in
        self.found: list[tuple[str, str, str]] = []
        self.depth = 0  # inside <article> when > 0
        self.section = ""
        self.heading: tuple[str, list[str]] | None = None  # (its id, its text so far)
        self.in_permalink = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "article":
            self.depth += 1
        if not self.depth:
            return
        element_id = attributes.get("id") or ""
        if tag in self.HEADINGS:
            self.heading = (element_id, [])
        elif element_id in self.anchors:
            self.found.append((element_id, self.section, "entry"))
        if tag == "a":
            self.in_permalink = "headerlink" in (attributes.get("class") or "").split()
            fragment = (attributes.get("href") or "").partition("#")[2]
            # Links inside a heading are counted with the heading's text, once it is complete.
            if fragment in self.anchors and not self.in_permalink and self.heading is None:
                self.found.append((fragment, self.section, "reference"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "article" and self.depth:
            self.depth -= 1
        elif tag == "a":
            self.in_permalink = False
        elif tag in self.HEADINGS and self.heading is not None:
            element_id, text = self.heading
            self.section = " ".join("".join(text).split())
            self.heading = None
            if element_id in self.anchors:
                self.found.append((element_id, self.section, "entry"))
            # Named in a heading: a place under that heading.
            self.found += [(name, self.section, "reference") for name in self.named_in(self.section)
                           if name != element_id]

    def handle_data(self, data: str) -> None:
        if not self.depth or self.in_permalink:
            return
        if self.heading is not None:
            self.heading[1].append(data)
        else:
            self.found += [(name, self.section, "reference") for name in self.named_in(data)]

