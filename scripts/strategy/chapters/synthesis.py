"""What partners said, computed from the records: the synthesis that the summary of inputs received, the
key messages and the meeting's slides are written from.

Deterministic: the same records give the same findings, in the same order, every time, and the same words:
sentences are templates, chosen by a theme's position and data, never at random, and written without a
language model. Every finding keeps the inputs behind it, so the sentence made from it can cite them (and
provenance can trace it). Made from the audience's view of the records (consent.audience_view): a finding
never rests on what consent keeps out of that audience's text, though counts include every input, as the
count tables do.

Consent in every sentence:
- a withheld input is counted, never quoted, paraphrased or cited by ID outside internal builds (its ID shows
  only as "1 withheld" in a paragraph's references);
- a partner that may not be named is never named (the view holds its kind instead of its name);
- no sentence speaks of a group of partners that holds an unnamed one and counts fewer than MINIMUM_CELL
  partners: a kind of partner's shares are given only for kinds that pass the count tables' small-cell rule,
  and a theme's partners are broken down by kind with that same rule (consent.small_cells).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..inputs import StrategyInputs
from ..inputs.records import PartnerInput, PartnerKind, Priority, ThematicArea, Wording
from ..consent import OTHER
from .consent import (MINIMUM_CELL, Audience, Cell, attribution, audience_view, capitalise, may_show,
                      small_cells, unnamed_partners)
from .markdown import PRIORITIES, input_link, md_escape, number, references
from .ranking import PrioritySupport, ranked_priorities

# --- the thresholds a sentence rests on -------------------------------------------------------------------

# A kind of partner "stands behind" a theme or priority when at least half of its inputs raise it ...
STRONG_SHARE = 0.5
# ... and "barely mentions" it when at most one of its inputs in five does.
WEAK_SHARE = 0.2
# Kinds of partner "converge" on a theme when at least this many kinds stand behind it.
CONVERGING_KINDS = 3
# A kind presses for a priority when it stands behind it and proposes it at least this much more often (as a
# share of inputs) than all other partners together.
PRESS_MARGIN = 0.25
# A kind's shares speak for the kind only from this many inputs on: one or two inputs are a partner's view.
MIN_KIND_INPUTS = 3
# A theme raised by fewer partners has no section of its own: it is named with the other minor themes.
MINOR_THEME_PARTNERS = MINIMUM_CELL
PRIORITIES_PER_THEME = 3  # the most supported priorities a theme's paragraph names
QUOTES_PER_THEME = 2


@dataclass(frozen=True)
class Quote:
    """A partner's own words (a key quote, or a proposal whose wording is `quotation`), attributed as
    consent allows."""

    text: str  # as the partner wrote it: escape it (markdown.partner_text) where it is set
    attribution: str
    input: PartnerInput


@dataclass(frozen=True)
class KindShare:
    """How many of one kind's inputs raise a theme (or propose a priority)."""

    kind: PartnerKind
    raised: int
    sent: int  # the kind's inputs

    @property
    def share(self) -> float:
        return self.raised / self.sent if self.sent else 0.0


@dataclass(frozen=True)
class Contrast:
    """Kinds of partner that differ: one stands behind a theme or priority, another barely mentions it."""

    subject: str  # the theme's or priority's title, plain text
    strong: KindShare
    weak: KindShare
    verb: str = "raise"  # what partners do with it: "raise" a theme, "propose" a priority

    @property
    def gap(self) -> float:
        return self.strong.share - self.weak.share


@dataclass(frozen=True)
class Emphasis:
    """A priority one kind of partner presses for far more than the other partners do."""

    priority: Priority
    kind: KindShare
    others: float  # share of all other partners' inputs that propose it

    @property
    def margin(self) -> float:
        return self.kind.share - self.others


@dataclass(frozen=True)
class ThemeFinding:
    """One thematic area: who raised it, what they proposed under it, where kinds of partner agree or differ."""

    theme: ThematicArea
    inputs: list[PartnerInput]
    partners: set[str]
    # Share of each kind's inputs that raised the theme (0-1), for every kind that sent any input.
    share_by_kind: dict[PartnerKind, float]
    # Proposed by inputs that raise this theme, most supported first (support counted in those inputs only).
    priorities: list[PrioritySupport]
    paragraphs: list[str] = field(default_factory=list)  # the theme's text, Markdown, with its references
    quotes: list[Quote] = field(default_factory=list)
    converging: list[KindShare] = field(default_factory=list)  # kinds that stand behind it, when enough do
    contrast: Contrast | None = None

    @property
    def minor(self) -> bool:
        """Raised by too few partners for a section of its own."""
        return len(self.partners) < MINOR_THEME_PARTNERS


@dataclass(frozen=True)
class Synthesis:
    key_messages: list[str]  # three to five sentences about content, Markdown
    themes: list[ThemeFinding]  # most raised first
    priorities: list[PrioritySupport]  # ranked by supporting partners
    quotes: list[Quote]  # a few representative quotes, one per kind of partner at most
    illustrative: bool  # made from any illustrative record
    overview: str = ""  # the picture of the whole, a paragraph of Markdown
    minor_themes: str = ""  # one paragraph on the themes few partners (or none) raised
    contrasts: list[Contrast] = field(default_factory=list)  # on priorities, widest gap first
    emphases: list[Emphasis] = field(default_factory=list)  # widest margin first, one per kind


def synthesize(inputs: StrategyInputs, audience: Audience) -> Synthesis:
    """The synthesis of the inputs for `audience`."""
    inputs = audience_view(inputs, audience)  # the chapters pass a view already; a view's view is itself
    facts = _Facts(inputs, audience)
    themes = [_theme(facts, theme) for theme in inputs.thematic_areas.values()]
    themes = sorted((t for t in themes if t.inputs), key=lambda t: (-len(t.partners), -len(t.inputs), t.theme.title))
    used: set[str] = set()
    major = [t for t in themes if not t.minor]
    themes = [_written(facts, t, major.index(t) if t in major else -1, used) for t in themes]
    ranking = ranked_priorities(inputs)
    contrasts = [_contrast(facts, s.priority.title, s.inputs, "propose") for s in ranking if s.inputs]
    contrasts = sorted(filter(None, contrasts), key=lambda c: (-c.gap, c.subject))
    emphases = _emphases(facts, ranking)
    quotes = _representative_quotes(facts, ranking, used)
    messages = _key_messages(facts, themes, ranking, contrasts, emphases)
    return Synthesis(messages, themes, ranking, quotes, any(i.illustrative for i in facts.items),
                     _overview(facts, themes, ranking), _minor_themes(facts, themes), contrasts, emphases)


# --- the facts every sentence rests on --------------------------------------------------------------------


class _Facts:
    """The records, grouped once: inputs by kind of partner, and the kinds a sentence may speak of."""

    def __init__(self, inputs: StrategyInputs, audience: Audience):
        self.inputs = inputs
        self.audience = audience
        self.items = sorted(inputs.partner_inputs.values(), key=lambda i: i.id)
        self.partners = {i.partner for i in self.items}
        self.by_kind = {k: [i for i in self.items if self.kind(i) is k] for k in PartnerKind}
        self.by_kind = {k: group for k, group in self.by_kind.items() if group}
        # Outside internal builds, partners that may not be named (internal builds name everyone).
        self.unnamed = unnamed_partners(inputs, audience)
        # The kinds the count table by kind shows on a row of their own (small cells merged, consent.small_cells):
        # a sentence names no other kind, so that no sentence tells what that table keeps together.
        rows, _ = small_cells([Cell(k.label, {i.partner for i in group}, group) for k, group in self.by_kind.items()],
                              self.unnamed)
        self.named_kinds = {k for k in self.by_kind if k.label in {c.label for c in rows if c.label != OTHER}}
        # The kinds whose shares a sentence may give: named, and with enough inputs to be the kind's view.
        self.readable = {k for k in self.named_kinds if len(self.by_kind[k]) >= MIN_KIND_INPUTS}

    def kind(self, item: PartnerInput) -> PartnerKind:
        return self.inputs.partner_of(item).kind

    def shares(self, items: Iterable[PartnerInput]) -> list[KindShare]:
        """For each kind that sent inputs, how many of its inputs are among `items`."""
        chosen = {i.id for i in items}
        return [KindShare(k, sum(i.id in chosen for i in group), len(group)) for k, group in self.by_kind.items()]

    def references(self, items: Iterable[PartnerInput]) -> str:
        """The inputs behind a paragraph, at its end: shown ones by ID, withheld ones counted."""
        items = sorted({i.id: i for i in items}.values(), key=lambda i: i.id)
        shown = [input_link(i) for i in items if may_show(i, self.audience)]
        return references(shown, len(items) - len(shown))


def _theme(facts: _Facts, theme: ThematicArea) -> ThemeFinding:
    raised = [i for i in facts.items if theme.id in i.themes]
    shares = facts.shares(raised)
    support = {}
    for item in raised:
        for proposed in dict.fromkeys(p.priority for p in item.priorities):
            support.setdefault(proposed, PrioritySupport(facts.inputs.priorities[proposed])).inputs.append(item)
    priorities = sorted(support.values(), key=lambda s: (-len(s.partners), -len(s.inputs), s.priority.title))
    readable = [s for s in shares if s.kind in facts.readable]
    strong = [s for s in readable if s.share >= STRONG_SHARE]
    return ThemeFinding(theme, raised, {i.partner for i in raised}, {s.kind: s.share for s in shares}, priorities,
                        converging=strong if len(strong) >= CONVERGING_KINDS else [],
                        contrast=_contrast(facts, theme.title, raised))


def _contrast(facts: _Facts, subject: str, items: Sequence[PartnerInput], verb: str = "raise") -> Contrast | None:
    """The kind that stands behind `items`' theme or priority most against the one that mentions it least,
    when one reaches STRONG_SHARE and the other stays at WEAK_SHARE or under; ties go to the kinds' order."""
    readable = [s for s in facts.shares(items) if s.kind in facts.readable]
    if len(readable) < 2:
        return None
    strong = max(readable, key=lambda s: s.share)  # max and min keep the first of equals: the kinds' order
    weak = min(readable, key=lambda s: s.share)
    return Contrast(subject, strong, weak, verb) if strong.share >= STRONG_SHARE and weak.share <= WEAK_SHARE else None


def _emphases(facts: _Facts, ranking: list[PrioritySupport]) -> list[Emphasis]:
    """Each readable kind's priority it presses for most (when it presses for any), widest margin first."""
    found = []
    for kind in facts.readable:
        group = facts.by_kind[kind]
        # By ID, not `in` a list of records: comparing records field by field made this quadratic.
        mine_ids = {i.id for i in group}
        others_ids = {i.id for i in facts.items if facts.kind(i) is not kind}
        best = None
        for support in ranking:
            mine = sum(i.id in mine_ids for i in support.inputs)
            theirs = sum(i.id in others_ids for i in support.inputs) / len(others_ids) if others_ids else 0.0
            candidate = Emphasis(support.priority, KindShare(kind, mine, len(group)), theirs)
            if candidate.kind.share >= STRONG_SHARE and candidate.margin >= PRESS_MARGIN and (
                    best is None or candidate.margin > best.margin):
                best = candidate
        if best:
            found.append(best)
    return sorted(found, key=lambda e: (-e.margin, list(PartnerKind).index(e.kind.kind)))


# --- words ------------------------------------------------------------------------------------------------

_WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def _count(n: int) -> str:
    """A count as running text writes it: words up to ten, figures from 11."""
    return _WORDS[n] if 0 <= n < len(_WORDS) else number(n)


def _plural(word: str, n: int) -> str:
    return word if n == 1 else word + "s"


def _lower(title: str) -> str:
    """A title inside a sentence: "Financing" reads "financing"; "UN agencies" and "ILO ..." stay as they are."""
    return title[:1].lower() + title[1:] if title[1:2].islower() else title


def _title(title: str, start: bool = False) -> str:
    return md_escape(title if start else _lower(title))


def _kind(kind: PartnerKind, n: int = 2) -> str:
    """"workers' organizations", "one UN agency": a kind of partner in running text."""
    if n == 1:
        return kind.anonymous_label.split(" ", 1)[1]
    return "academic institutions" if kind is PartnerKind.ACADEMIA else _lower(kind.label)


def _and(parts: Sequence[str]) -> str:
    """"a, b and c"; "a; b, c and d" when an item holds a comma of its own (a title such as "Social
    protection, climate change and just transition"), so that the list still reads as a list."""
    parts = list(parts)
    if len(parts) < 2:
        return "".join(parts)
    separator = "; " if len(parts) > 2 and any("," in p for p in parts) else ", "
    return separator.join(parts[:-1]) + " and " + parts[-1]


def _in_their(share: KindShare) -> str:
    """"in all four of their inputs", "in two of their five inputs", "in none of their four inputs"."""
    if share.raised == share.sent:
        return "in both their inputs" if share.sent == 2 else f"in all {_count(share.sent)} of their inputs"
    if share.raised == 0:
        return f"in none of their {_count(share.sent)} inputs"
    return f"in {_count(share.raised)} of their {_count(share.sent)} inputs"


def _priority(support: PrioritySupport | Priority) -> str:
    priority = support.priority if isinstance(support, PrioritySupport) else support
    return f"[{_title(priority.title)}]({PRIORITIES}#{priority.id})"


# --- a theme, in paragraphs -------------------------------------------------------------------------------


def _written(facts: _Facts, finding: ThemeFinding, position: int, used: set[str]) -> ThemeFinding:
    """The finding with its paragraphs and quotes. `position` is its place among the major themes (-1 for a
    minor one): it picks the sentences' openings, so that consecutive sections do not read alike."""
    if finding.minor:
        n, m = len(finding.partners), len(finding.inputs)
        text = (f"Partners raise {_title(finding.theme.title)} in {_count(m)} {_plural('input', m)} from "
                f"{_count(n)}{_partners(n)}.")
        return _with(finding, [text + facts.references(finding.inputs)], [])
    paragraphs = [_who(facts, finding, position) + facts.references(finding.inputs)]
    if finding.priorities:
        paragraphs.append(_proposed(finding, position))
    if agreement := _agreement(finding, position):
        paragraphs.append(agreement)
    return _with(finding, paragraphs, _theme_quotes(facts, finding, used))


def _with(finding: ThemeFinding, paragraphs: list[str], quotes: list[Quote]) -> ThemeFinding:
    return dataclasses.replace(finding, paragraphs=paragraphs, quotes=quotes)


def _who(facts: _Facts, finding: ThemeFinding, position: int) -> str:
    """How many partners raised the theme, in how many inputs, and of which kinds. Partners or inputs are the
    subject, never the theme's title, which may read as singular or plural."""
    n, m, total = len(finding.partners), len(finding.inputs), len(facts.partners)
    kinds = _breakdown(facts, finding.inputs)
    title = _title(finding.theme.title)
    inputs = f"{_count(m)} {_plural('input', m)}"
    if position == 0:
        return (f"The theme partners raise most is {title}: {_count(n)} of the {_count(total)} partners do so, in "
                f"{inputs}{f' ({kinds})' if kinds else ''}.")
    if position % 3 == 1:
        return f"Of the {_count(total)} partners, {_count(n)} raise {title}, in {inputs}" + (
            f": {kinds}." if kinds else ".")
    if position % 3 == 2:
        who = f"; the {_count(n)} partners behind them are {kinds}" if kinds else f" from {_count(n)} partners"
        return f"Partners raise {title} in {inputs}{who}."
    return f"Inputs from {_count(n)} partners raise {title}, {inputs} in all{f': {kinds}' if kinds else ''}."


def _breakdown(facts: _Facts, items: list[PartnerInput]) -> str:
    """"five priority-country governments, four development partner governments and three other partners":
    kinds as the count tables would show them, most partners first. Kinds that the table by kind merges are
    "other partners" here too, and so are small cells (consent.small_cells); "" when every kind is merged,
    since "three other partners" would say nothing."""
    cells, hidden = [], Cell(OTHER, set(), [])
    for kind in PartnerKind:
        group = [i for i in items if facts.kind(i) is kind]
        if group:
            cell = Cell(kind.value, {i.partner for i in group}, group)
            if kind in facts.named_kinds:
                cells.append(cell)
            else:
                hidden.partners |= cell.partners
                hidden.items += group
    cells.sort(key=lambda c: -len(c.partners))  # stable: the kinds' order among equals
    shown, _ = small_cells(cells + ([hidden] if hidden.items else []), facts.unnamed)
    rows = [c for c in shown if c.label != OTHER]
    other = {p for c in shown if c.label == OTHER for p in c.partners}
    if not rows:
        return ""
    if not other and len(rows) == 1:
        return f"all of them {_kind(PartnerKind(rows[0].label), len(rows[0].partners))}"
    parts = [f"{_count(len(c.partners))} {_kind(PartnerKind(c.label), len(c.partners))}" for c in rows]
    if other:
        parts.append(f"{_count(len(other))} other {_plural('partner', len(other))}")
    return _and(parts)


def _proposed(finding: ThemeFinding, position: int) -> str:
    """The priorities proposed under the theme, ranked by support."""
    top = finding.priorities[:PRIORITIES_PER_THEME]
    first, rest = top[0], top[1:]
    n, everyone = len(first.partners), len(finding.partners)
    if not rest:
        if n == everyone:
            return f"All of them propose {_priority(first)}."
        return f"The priority they propose most is {_priority(first)}, with {_count(n)} {_plural('partner', n)}."
    others = _and([f"{_priority(s)} ({_count(len(s.partners))})" for s in rest])
    how_many = "all of these partners" if n == everyone else f"{_count(n)} of these partners"
    if position % 3 == 0:
        return f"The priorities proposed with it are led by {_priority(first)}, which {how_many} support, " \
               f"followed by {others}."
    if position % 3 == 1:
        return f"Among their proposals, {_priority(first)} comes first, with {_count(n)} {_plural('partner', n)}, " \
               f"then {others}."
    return f"What they propose most is {_priority(first)} ({_count(n)} {_plural('partner', n)}), ahead of {others}."


def _agreement(finding: ThemeFinding, position: int) -> str:
    """Where kinds of partner converge on the theme and where they differ, as the thresholds define it."""
    sentences = []
    if finding.converging:
        kinds = _and([_kind(s.kind) for s in finding.converging])
        opening = ("Kinds of partner converge on it", "Agreement is broad", "It brings kinds of partner together")
        sentences.append(f"{opening[position % 3]}: {kinds} each raise it in at least half of their inputs.")
    if c := finding.contrast:
        if finding.converging and c.strong in finding.converging:
            weak, share = _kind(c.weak.kind), _in_their(c.weak)
            sentences.append([f"Not every kind follows: {weak} raise it {share}.",
                              f"{capitalise(weak)} stand apart: they raise it {share}.",
                              f"The exception: {weak} raise it {share}."][position % 3])
        else:
            sentences.append(f"{capitalise(_differ(c))}.")
    return " ".join(sentences)


def _differ(c: Contrast) -> str:
    """"kinds of partner differ on it: workers' organizations raise it in all four of their inputs, financial
    institutions in none of their four inputs"."""
    return (f"kinds of partner differ on it: {_kind(c.strong.kind)} {c.verb} it {_in_their(c.strong)}, "
            f"{_kind(c.weak.kind)} {_in_their(c.weak)}")


# --- quotes -----------------------------------------------------------------------------------------------


def _quotable(item: PartnerInput) -> str | None:
    """The partner's own words in an input: its key quote, else a proposal it wrote as a quotation. A
    proposal in the author's words (a summary) is never set as a quote."""
    if item.key_quote:
        return item.key_quote
    return next((p.proposal for p in item.priorities if p.wording is Wording.QUOTATION), None)


def _quote(facts: _Facts, item: PartnerInput) -> Quote:
    return Quote(_quotable(item), attribution(item, facts.inputs.partner_of(item), facts.audience), item)


def _theme_quotes(facts: _Facts, finding: ThemeFinding, used: set[str]) -> list[Quote]:
    """One or two quotes from inputs that raise the theme, none used under an earlier theme: first the inputs
    that name the theme first, then those that propose its leading priority; two kinds of partner if it can."""
    lead = finding.priorities[0].priority.id if finding.priorities else None
    candidates = sorted((i for i in finding.inputs if may_show(i, facts.audience) and _quotable(i)
                         and i.id not in used),
                        key=lambda i: (i.themes.index(finding.theme.id),
                                       lead not in (p.priority for p in i.priorities), i.id))
    chosen: list[PartnerInput] = []
    for item in candidates:
        if len(chosen) < QUOTES_PER_THEME and all(facts.kind(c) is not facts.kind(item) for c in chosen):
            chosen.append(item)
    used.update(i.id for i in chosen)
    return [_quote(facts, i) for i in chosen]


def _representative_quotes(facts: _Facts, ranking: list[PrioritySupport], used: set[str]) -> list[Quote]:
    """One quote per kind of partner, in the kinds' order: one not shown under a theme, from an input that
    proposes the most supported priorities it can."""
    rank = {s.priority.id: n for n, s in enumerate(ranking)}
    quotes = []
    for kind, group in facts.by_kind.items():
        candidates = [i for i in group if may_show(i, facts.audience) and _quotable(i) and i.id not in used]
        if candidates:
            best = min(candidates, key=lambda i: (min(rank[p.priority] for p in i.priorities), i.id))
            quotes.append(_quote(facts, best))
    return quotes


# --- the whole --------------------------------------------------------------------------------------------


def _overview(facts: _Facts, themes: list[ThemeFinding], ranking: list[PrioritySupport]) -> str:
    """The picture of the whole in a paragraph: the themes raised most and the priorities ranked."""
    supported = [s for s in ranking if s.partners]
    if not supported or not themes:
        return ""
    counts = [len(t.partners) for t in themes[:3]]
    theme_part = _and([f"{_title(t.theme.title)} ({_count(n)}{' partners' if i == 0 else ''})"
                       for i, (t, n) in enumerate(zip(themes, counts))])
    leading = _and([f"{_priority(s)} ({_count(len(s.partners))})" for s in supported[:3]])
    last = supported[-1]
    tail = (f"; {_priority(last)} gathers the fewest, {_count(len(last.partners))}"
            if len(supported) > 3 else "")
    return (f"Across the {_count(len(facts.items))} inputs, the themes partners raise most are {theme_part}. "
            f"Of the candidate priorities, {leading} have the most supporting partners{tail}.")


def _minor_themes(facts: _Facts, themes: list[ThemeFinding]) -> str:
    """One paragraph for the themes too few partners raised for a section, and those no input raised."""
    minor = [t for t in themes if t.minor]
    unraised = [a for a in facts.inputs.thematic_areas.values() if all(a.id != t.theme.id for t in themes)]
    sentences = []
    if minor:
        named = _and([f"{_title(t.theme.title)} ({_count(len(t.partners))}"
                      f"{_partners(len(t.partners)) if n == 0 else ''})" for n, t in enumerate(minor)])
        sentences.append(f"Few partners raise the remaining themes: {named}.")
    if unraised:
        sentences.append(f"No input raises {_and([_title(a.title) for a in unraised])}.")
    refs = facts.references(i for t in minor for i in t.inputs)
    return " ".join(sentences) + refs if sentences else ""


def _partners(n: int) -> str:
    return f" {_plural('partner', n)}"


def _key_messages(facts: _Facts, themes: list[ThemeFinding], ranking: list[PrioritySupport],
                  contrasts: list[Contrast], emphases: list[Emphasis]) -> list[str]:
    """Three to five messages about what partners want, each from the data: the leading priorities, what one
    or two kinds press for, the broadest agreement, the widest difference, and the themes few raise."""
    total = len(facts.partners)
    messages = []
    supported = [s for s in ranking if s.partners]
    if len(supported) >= 2:
        a, b = supported[:2]
        counts = (f"each proposed by {_count(len(a.partners))} of the {_count(total)} partners"
                  if len(a.partners) == len(b.partners) else
                  f"proposed by {_count(len(a.partners))} and {_count(len(b.partners))} of the {_count(total)} "
                  "partners")
        messages.append(f"{_title(a.priority.title, start=True)} and {_title(b.priority.title)} are the priorities "
                        f"partners raise most, {counts}.")
    elif supported:
        messages.append(f"{_title(supported[0].priority.title, start=True)} is the priority partners raise most, "
                        f"proposed by {_count(len(supported[0].partners))} of the {_count(total)} partners.")
    for emphasis in emphases[:2]:
        messages.append(f"{capitalise(_kind(emphasis.kind.kind))} press for {_title(emphasis.priority.title)}, "
                        f"which they propose {_in_their(emphasis.kind)}, against {emphasis.others:.0%} of other "
                        "partners' inputs.")
    broadest = max((t for t in themes if t.converging), default=None,
                   key=lambda t: (len(t.converging), len(t.partners)))
    if broadest:
        messages.append(f"{_title(broadest.theme.title, start=True)} draws the broadest agreement: "
                        f"{_and([_kind(s.kind) for s in broadest.converging])} each raise it in at least half "
                        "of their inputs.")
    widest = sorted([*(t.contrast for t in themes if t.contrast), *contrasts], key=lambda c: -c.gap)
    if widest:
        c = widest[0]
        messages.append(f"Kinds of partner differ most on {_title(c.subject)}: {_kind(c.strong.kind)} {c.verb} it "
                        f"{_in_their(c.strong)}, {_kind(c.weak.kind)} {_in_their(c.weak)}.")
    if len(messages) < 5 and (few := sorted((t for t in themes if t.minor), key=lambda t: len(t.partners))):
        messages.append(f"Few partners raise {_and([_title(t.theme.title) for t in few[:3]])}.")
    if len(messages) < 3 and themes:
        t = themes[0]
        messages.append(f"{_title(t.theme.title, start=True)} is the theme partners raise most, in "
                        f"{_count(len(t.inputs))} of the {_count(len(facts.items))} inputs.")
    return messages[:5]
