"""What each audience may see of the partners and what they sent, decided in one place.

Consent is the partner's: named (quote and name), anonymous (quote, attributed by kind of partner only) or
withheld (counted, never shown). The audience is the build's: `internal` authors see everything, withheld
material marked as such; `partners` and `public` see only what consent allows.

A partner is *unnamed* in an audience when it sent inputs and none of them may be named there. Its name then
stays out of the build whatever road it takes (names.py finds every variant of it):

- `audience_view` is what the chapters are made from: the records as the audience may see them, with unnamed
  partners' names, speakers and glossary entries replaced or dropped, and names in partner text replaced by
  the partner's kind. A chapter that forgets consent still cannot print what the view does not hold.
- `consent_problems` lists what the authors must fix: a kept-out name in a field the team wrote is an error
  (the build stops, naming file and line); one in a partner's own text is a warning (the build replaces it).
- `small_cells` merges rows of count tables that would narrow an unnamed partner down to one or two.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .audience import Audience
from .inputs.loading import Origin
from .inputs.records import Consent, Partner, PartnerInput, Speaker
from .names import Mention, NameFinder, fold, partner_variants, variant_key
from .problems import Problem, ProblemsFound, display_path, warning

if TYPE_CHECKING:
    from .inputs import StrategyInputs
    from .inputs.records import Feedback, Publication

__all__ = ["Audience", "MINIMUM_CELL", "attribution", "audience_view", "capitalise", "consent_problems",
           "kept_out", "may_name", "may_show", "names_to_keep_out", "small_cells", "unnamed_partners"]

# Statistical offices' usual threshold: a count of fewer than 3 units can single one of them out.
MINIMUM_CELL = 3
OTHER = "Other"
PARTNER_TEXT_FIELDS = ("vision", "country_experience", "key_quote")
WITHHELD_TEXT = "Withheld."
PUBLICATION_ORIGIN = Origin("strategy.yml", 1)
MAX_PAGE_BYTES = 2 * 1024 * 1024


def may_show(item: PartnerInput, audience: Audience) -> bool:
    """Whether the input's ID and text may appear at all."""
    return item.consent is not Consent.WITHHELD or audience is Audience.INTERNAL


def may_name(item: PartnerInput, audience: Audience) -> bool:
    """Whether the partner behind the input may be named next to it."""
    return item.consent is Consent.NAMED or audience is Audience.INTERNAL


def attribution(item: PartnerInput, partner: Partner, audience: Audience) -> str:
    """Who said it, as far as consent allows."""
    if item.consent is Consent.NAMED:
        return partner.display_name
    if audience is Audience.INTERNAL:
        return f"{partner.display_name} ({item.consent.value}: not shown outside internal builds)"
    return capitalise(partner.kind.anonymous_label)


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def unnamed_partners(inputs: "StrategyInputs", audience: Audience) -> set[str]:
    """IDs of partners that contributed (inputs, or comments as reviewers) but may not be named in this
    audience's build: a reviewer's consent counts as an input's does."""
    contributions = [*((i.partner, i) for i in inputs.partner_inputs.values()),
                     *((f.reviewer, f) for f in inputs.feedback)]
    contributed = {partner for partner, _ in contributions}
    named = {partner for partner, item in contributions if may_name(item, audience)}
    return contributed - named


def kept_out(inputs: "StrategyInputs", audience: Audience) -> NameFinder:
    """A finder of every variant of the unnamed partners' names.

    A variant shared with a partner that may be named (two ministries of one country) is left out: it
    points to the named one, and refusing it would forbid naming that one.
    """
    return _consent(inputs, audience).finder


def names_to_keep_out(inputs: "StrategyInputs", audience: Audience) -> set[str]:
    """Every variant of the names of the partners this build may not name, as written."""
    variants = partner_variants(inputs)
    return {v.text for pid in unnamed_partners(inputs, audience) for v in variants[pid] if v.counts}


@dataclass(frozen=True)
class _Decided:
    finder: NameFinder
    unnamed: frozenset[str]
    view: "StrategyInputs | None" = None
    refused: "tuple[Problem, ...] | None" = None  # what stops the view being made (view_problems), once known


# Records (and views made of them) -> what consent decided for them. Each entry keeps its records alive, so
# that their id cannot be reused by another object while the entry is here.
_decided: dict[tuple[int, Audience], tuple["StrategyInputs", _Decided]] = {}
CACHED = 16


def _consent(inputs: "StrategyInputs", audience: Audience) -> _Decided:
    """Computed once per records and audience (every page of a build asks again). A view answers as the
    records it was made from: its names are already replaced."""
    key = (id(inputs), audience)
    if key not in _decided or _decided[key][0] is not inputs:
        unnamed = unnamed_partners(inputs, audience)
        variants = partner_variants(inputs)
        nameable = {variant_key(v) for pid, found in variants.items() if pid not in unnamed for v in found}
        finder = NameFinder(v for pid in sorted(unnamed) for v in variants[pid] if variant_key(v) not in nameable)
        while len(_decided) >= CACHED:  # `mkdocs serve` loads the records anew on every change: drop the oldest
            _decided.pop(next(iter(_decided)))
        _decided[key] = (inputs, _Decided(finder, frozenset(unnamed)))
    return _decided[key][1]


# --- the records as an audience may see them --------------------------------------------------------------


def audience_view(inputs: "StrategyInputs", audience: Audience) -> "StrategyInputs":
    """The records a chapter for this audience is made from; raise ProblemsFound if the team's own fields
    name a partner that consent keeps out (those are for the authors to fix, not for the build to hide)."""
    if audience is Audience.INTERNAL:
        return inputs
    decided = _consent(inputs, audience)
    if decided.view is not None:
        return decided.view
    if errors := view_problems(inputs, audience):
        raise ProblemsFound(errors)
    finder, unnamed = decided.finder, decided.unnamed
    partners = {pid: _anonymised(p) if pid in unnamed else p for pid, p in inputs.partners.items()}
    items = {iid: _redacted(item, audience, finder, inputs) for iid, item in inputs.partner_inputs.items()}
    sessions = [s.model_copy(update={
        "chair": _speaker(s.chair, unnamed, inputs) if s.chair else None,
        "speakers": [_speaker(sp, unnamed, inputs) for sp in s.speakers]}) for s in inputs.meeting.sessions]
    glossary = [e for e in inputs.glossary if not finder.find(f"{e.term}\n{e.expansion}")]
    shown = {iid for iid, item in inputs.partner_inputs.items() if may_show(item, audience)}
    images = {ref: path for ref, path in inputs.partner_images.items() if ref.split("/", 1)[0] in shown}
    feedback = [_redacted_feedback(f, audience, finder, inputs) for f in inputs.feedback]
    view = dataclasses.replace(inputs, partners=partners, partner_inputs=items, glossary=glossary,
                               meeting=inputs.meeting.model_copy(update={"sessions": sessions}),
                               partner_images=images,
                               feedback=feedback)
    _decided[(id(inputs), audience)] = (inputs, dataclasses.replace(decided, view=view))
    _decided[(id(view), audience)] = (view, dataclasses.replace(decided, view=view))
    return view


def view_problems(inputs: "StrategyInputs", audience: Audience) -> list[Problem]:
    """What stops audience_view(inputs, audience) being made (a name consent keeps out in a field the team
    wrote): worked out once per records and audience."""
    if audience is Audience.INTERNAL:
        return []
    decided = _consent(inputs, audience)
    if decided.view is not None:
        return []
    if decided.refused is None:
        refused = tuple(p for p in consent_problems(inputs, audience) if p.severity == "error")
        decided = dataclasses.replace(decided, refused=refused)
        _decided[(id(inputs), audience)] = (inputs, decided)
    return list(decided.refused)


def shown_input(inputs: "StrategyInputs", audience: Audience, input_id: str) -> tuple[PartnerInput, Partner] | None:
    """One input and its partner as audience_view(inputs, audience) holds them (None for an unknown ID), without
    making the view of every other input: an author page quoting two inputs of ten thousand redacts two.
    Asked for only where audience_view can be made (view_problems is empty)."""
    item = inputs.partner_inputs.get(input_id)
    if item is None:
        return None
    if audience is Audience.INTERNAL:
        return item, inputs.partner_of(item)
    decided = _consent(inputs, audience)
    if decided.view is not None:
        shown = decided.view.partner_inputs[input_id]
        return shown, decided.view.partner_of(shown)
    partner = inputs.partners[item.partner]
    return (_redacted(item, audience, decided.finder, inputs),
            _anonymised(partner) if item.partner in decided.unnamed else partner)


def _anonymised(partner: Partner) -> Partner:
    return partner.model_copy(update={"name": capitalise(partner.kind.anonymous_label), "short_name": None,
                                      "aliases": (), "country": None})


def _speaker(speaker: Speaker, unnamed: frozenset[str], inputs: "StrategyInputs") -> Speaker:
    """A speaker for an unnamed partner is shown by kind and role only."""
    if speaker.partner not in unnamed:
        return speaker
    kind = inputs.partners[speaker.partner].kind.anonymous_label
    return speaker.model_copy(update={"name": f"Representative of {kind}", "organisation": ""})


def _redacted(item: PartnerInput, audience: Audience, finder: NameFinder, inputs: "StrategyInputs") -> PartnerInput:
    if not may_show(item, audience):
        # Never shown; emptied all the same, so that a chapter that forgot to ask shows nothing of it.
        return item.model_copy(update={"vision": WITHHELD_TEXT, "country_experience": None, "key_quote": None,
                                       "notes": [],
                                       "priorities": [p.model_copy(update={"proposal": WITHHELD_TEXT})
                                                      for p in item.priorities]})
    if not may_name(item, audience) and not finder.names(item.partner):
        # An anonymous input of a partner that another input of its own lets us name: its text must not name
        # it either, or the input would be tied to that partner.
        finder = NameFinder([*finder.variants, *partner_variants(inputs)[item.partner]])
    update = {f: redact(getattr(item, f), finder, inputs) for f in PARTNER_TEXT_FIELDS if getattr(item, f)}
    # A copy, not a new record: the proposal keeps its wording (quotation or summary). Records are frozen, so
    # a priority (or an input) that redaction leaves as it was is shared, not copied: copying ten thousand
    # inputs' priorities was most of making an audience's view of them.
    update["priorities"] = [p if (proposal := redact(p.proposal, finder, inputs)) == p.proposal
                            else p.model_copy(update={"proposal": proposal}) for p in item.priorities]
    update["notes"] = []  # the partner's Word comments and tracked changes: for internal builds only
    if not item.notes and all(getattr(item, f) == value if f != "priorities" else
                              all(a is b for a, b in zip(value, item.priorities)) for f, value in update.items()):
        return item
    return item.model_copy(update=update)


REVIEWER_TEXT_FIELDS = ("section", "quoted", "comment", "proposed_text")
TEAM_RESPONSE_FIELDS = ("response", "action")


def _redacted_feedback(feedback: "Feedback", audience: Audience, finder: NameFinder,
                       inputs: "StrategyInputs") -> "Feedback":
    """A reviewer's comments as the audience may see them: withheld ones emptied (never shown, emptied all the
    same), the others with kept-out names replaced by their kind of partner, as in partner inputs."""
    if not may_show(feedback, audience):
        comments = [c.model_copy(update={"comment": WITHHELD_TEXT, "quoted": None, "proposed_text": None,
                                         "section": None, "response": None, "action": None})
                    for c in feedback.comments]
    else:
        comments = [c.model_copy(update={f: redact(getattr(c, f), finder, inputs)
                                         for f in (*REVIEWER_TEXT_FIELDS, *TEAM_RESPONSE_FIELDS) if getattr(c, f)})
                    for c in feedback.comments]
    return feedback.model_copy(update={"comments": comments})


def redact(text: str, finder: NameFinder, inputs: "StrategyInputs") -> str:
    """The text with each kept-out name replaced by its kind of partner ("the Netherlands" as a whole)."""
    out, last = [], 0
    for mention in finder.find(text):
        start = mention.start
        article = re.search(r"\bthe\s+$", text[last:start], re.IGNORECASE)
        if article:
            start -= len(article.group(0))
        label = kind_label(mention, inputs)
        out += [text[last:start], capitalise(label) if _opens_sentence(text, start) else label]
        last = mention.end
    return "".join(out) + text[last:]


def kind_label(mention: Mention, inputs: "StrategyInputs") -> str:
    kinds = {inputs.partners[p].kind.anonymous_label for p in mention.partners if p in inputs.partners}
    return kinds.pop() if len(kinds) == 1 else "a partner"


def _opens_sentence(text: str, index: int) -> bool:
    before = text[:index].rstrip(" \t*_")
    return not before or before[-1] in ".!?:\n"


# --- what the authors must look at ------------------------------------------------------------------------


def consent_problems(inputs: "StrategyInputs", audience: Audience, root: Path | None = None,
                     publication: "Publication | None" = None) -> list[Problem]:
    """Errors for kept-out names in fields the team wrote (and in `publication`, strategy.yml, when given);
    warnings for those in partner text (which the build replaces). With the project's `root`, each names the
    line of the name itself, not of its record."""
    if audience is Audience.INTERNAL:
        return []
    decided = _consent(inputs, audience)
    finder = decided.finder
    if not finder:
        return []
    lines = _Lines(root)
    found: list[Problem] = []
    fields = [*team_fields(inputs, decided.unnamed), *(_publication_fields(publication) if publication else [])]
    for record, field, text in fields:
        origin = inputs.origins.get(record, PUBLICATION_ORIGIN if record == "Publication" else None)
        for mention in finder.find(text):
            file, line = lines.locate(origin, text, mention.text)
            found.append(Problem(file, line, field,
                                 f"no name of a partner that consent keeps out of {audience.value} builds (write "
                                 "its kind of partner, or ask the partner's consent)",
                                 f"'{mention.text}' ({', '.join(sorted(mention.partners))})"))
    for feedback in inputs.feedback:
        if not may_show(feedback, audience):
            continue
        for index, comment in enumerate(feedback.comments):
            origin = inputs.origins.get(f"FeedbackComment:{comment.id}")
            for field in REVIEWER_TEXT_FIELDS:
                for mention in finder.find(getattr(comment, field) or ""):
                    file, line = lines.locate(origin, getattr(comment, field), mention.text)
                    found.append(warning(file, line, f"comments[{index}].{field}",
                                         f"reviewer's text without a name that consent keeps out of "
                                         f"{audience.value} builds: they show '{kind_label(mention, inputs)}' "
                                         "instead", f"'{mention.text}'"))
    for item in inputs.partner_inputs.values():
        if not may_show(item, audience):
            continue
        origin = inputs.origins.get(f"PartnerInput:{item.id}")
        for field, text in _partner_text(item):
            for mention in finder.find(text):
                file, line = lines.locate(origin, text, mention.text)
                whose = "its own name" if item.partner in mention.partners else "the name of another partner"
                found.append(warning(file, line, field,
                                     f"partner text without {whose}, which consent keeps out of {audience.value} "
                                     f"builds: they show '{kind_label(mention, inputs)}' instead",
                                     f"'{mention.text}'"))
    return found


def team_fields(inputs: "StrategyInputs", unnamed: frozenset[str]) -> Iterator[tuple[str, str, str]]:
    """(record, field, text) for every field the drafting team writes that a build shows.

    The glossary is not here: an entry that names a partner is one of its variants, and a build for an
    audience leaves it out instead. Per-country results list countries, not partners: they are exempt.
    """
    meeting = inputs.meeting
    yield from (("Meeting", f, getattr(meeting, f)) for f in ("title", "venue", "format"))
    for index, objective in enumerate(meeting.objectives):
        yield "Meeting", f"objectives[{index}].text", objective.text
    for n, session in enumerate(meeting.sessions):
        record, at = f"Session:{session.id}", f"sessions[{n}]"
        yield record, f"{at}.title", session.title
        people = ([("chair", session.chair)] if session.chair else []) + \
            [(f"speakers[{i}]", s) for i, s in enumerate(session.speakers)]
        for where, speaker in people:
            # A speaker for an unnamed partner is shown by role only: its name and organisation may name it.
            shown = ("role",) if speaker.partner in unnamed else ("name", "role", "organisation")
            yield from ((record, f"{at}.{where}.{f}", getattr(speaker, f)) for f in shown)
        yield from ((record, f"{at}.key_messages[{i}]", m) for i, m in enumerate(session.key_messages))
        yield from ((record, f"{at}.outcomes[{i}]", o) for i, o in enumerate(session.outcomes))
    for priority in inputs.priorities.values():
        yield from ((f"Priority:{priority.id}", f, getattr(priority, f)) for f in ("title", "description"))
    for area in inputs.thematic_areas.values():
        yield from ((f"ThematicArea:{area.id}", f, getattr(area, f)) for f in ("title", "group"))
    results = inputs.results
    for field in ("phase", "reporting_period", "source", "illustrative_note"):
        if getattr(results, field):
            yield "ResultsSummary", field, getattr(results, field)
    for feedback in inputs.feedback:  # the drafting team's responses to reviewers (withheld ones are never shown)
        if feedback.consent is Consent.WITHHELD:
            continue
        for index, comment in enumerate(feedback.comments):
            yield from ((f"FeedbackComment:{comment.id}", f"comments[{index}].{f}", getattr(comment, f))
                        for f in TEAM_RESPONSE_FIELDS if getattr(comment, f))
    for partner in inputs.partners.values():
        if partner.id not in unnamed:  # its name is shown: it must not name an unnamed one
            yield from ((f"Partner:{partner.id}", f, getattr(partner, f)) for f in ("name", "short_name")
                        if getattr(partner, f))


def _publication_fields(publication: "Publication") -> Iterator[tuple[str, str, str]]:
    """strategy.yml's text: the cover, the title and copyright pages, the banner and the PDF's metadata."""
    for field in ("title", "subtitle", "programme", "short_title", "author", "publisher", "subject"):
        yield "Publication", field, getattr(publication, field)
    yield from (("Publication", f"keywords[{i}]", k) for i, k in enumerate(publication.keywords))
    for field in ("holder", "licence", "licence_text", "citation", "disclaimer"):
        yield "Publication", f"rights.{field}", getattr(publication.rights, field)


def _partner_text(item: PartnerInput) -> Iterator[tuple[str, str]]:
    yield from ((f, getattr(item, f)) for f in PARTNER_TEXT_FIELDS if getattr(item, f))
    yield from ((f"priorities[{i}].proposal", p.proposal) for i, p in enumerate(item.priorities))


def author_page_problems(markdown: str, inputs: "StrategyInputs", audience: Audience, *, file: str,
                         first_line: int = 1) -> list[Problem]:
    """A kept-out name in an author page: an error with the page's file and line."""
    if audience is Audience.INTERNAL:
        return []
    return [Problem(file, first_line + markdown.count("\n", 0, m.start), None,
                    f"no name of a partner that consent keeps out of {audience.value} builds (write its kind of "
                    "partner, or ask the partner's consent)", f"'{m.text}' ({', '.join(sorted(m.partners))})")
            for m in kept_out(inputs, audience).find(markdown)]


def pages_problems(pages: list[Path], inputs: "StrategyInputs", audience: Audience, root: Path) -> list[Problem]:
    """A kept-out name anywhere in these pages (front matter and all) or in mkdocs.yml, whose titles make the
    navigation: what `strategy check` can say about author pages before a build. Only regular files of a
    sane size are read; what else the docs folder holds is for the build to report."""
    found: list[Problem] = []
    for page in pages:
        try:
            if page.is_symlink() or not page.is_file() or page.stat().st_size > MAX_PAGE_BYTES:
                continue
            text = page.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        found += author_page_problems(text, inputs, audience, file=display_path(page, root))
    return found


class _Lines:
    """The line a name is written on, found in its file from its record's line on."""

    def __init__(self, root: Path | None):
        self.root = root
        self.files: dict[str, list[str]] = {}

    def locate(self, origin: "Origin | None", field_text: str, written: str) -> tuple[str, int | None]:
        if origin is None:
            return "inputs", None
        lines = self._read(origin.file)
        if not lines:
            return origin.file, origin.line
        start = _first_line_with(lines, (origin.line or 1) - 1, field_text)
        return origin.file, _first_line_with(lines, start, written) + 1

    def _read(self, file: str) -> list[str]:
        if self.root is None:
            return []
        if file not in self.files:
            try:
                text = (self.root / file).read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError):
                text = ""
            self.files[file] = [fold(line)[0].casefold() for line in text.splitlines()]
        return self.files[file]


def _first_line_with(lines: list[str], start: int, text: str) -> int:
    """The first line from `start` on holding the beginning of `text` (its first six words, else three, else
    two, as a name can run over two lines); `start` if none does."""
    words = fold(text)[0].casefold().split()
    for count in (6, 3, 2):
        wanted = " ".join(words[:count])
        for n in range(start, len(lines)):
            if wanted and wanted in " ".join(lines[n].split()):
                return n
    return start


# --- small cells ------------------------------------------------------------------------------------------


@dataclass
class Cell:
    """One row of a table of counts: its label, the partners it counts, and their inputs."""

    label: str
    partners: set[str]
    items: list[PartnerInput]


def small_cells(cells: Sequence[Cell], unnamed: set[str] | frozenset[str]) -> tuple[list[Cell], bool]:
    """The rows to show: every row that counts fewer than MINIMUM_CELL partners and holds an unnamed one is
    merged into one "Other" row, which takes the smallest of the remaining rows until it too counts enough.
    Returns the rows and whether anything was merged (the table then needs its note)."""
    keep = [c for c in cells if len(c.partners) >= MINIMUM_CELL or not (c.partners & unnamed)]
    small = [c for c in cells if c not in keep]
    if not small:
        return list(cells), False
    other = Cell(OTHER, set(), [])
    for cell in small:
        _absorb(other, cell)
    while len(other.partners) < MINIMUM_CELL and keep:
        smallest = min(keep, key=lambda c: (len(c.partners), c.label))
        keep.remove(smallest)
        _absorb(other, smallest)
    return [*keep, other], True


def _absorb(into: Cell, cell: Cell) -> None:
    into.partners |= cell.partners
    held = {i.id for i in into.items}  # by ID: `in` a list of records compares them field by field (quadratic)
    into.items += [i for i in cell.items if i.id not in held]


SMALL_CELLS_NOTE = (f"Rows counting fewer than {MINIMUM_CELL} partners, one of whom asked not to be named, are "
                    f"merged into *{OTHER}*, so that no count narrows such a partner down to one or two.")
