"""Checks across records: every reference resolves and the results add up.

Each record is valid on its own by now; here a partner input that names an
unknown partner, theme, priority or session is caught, and so are
per-country results that do not add up to the reported totals (the "counts
drift" that copying between spreadsheets causes).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ..names import NameFinder, fold, partner_variants
from ..problems import Problem, warning
from . import records as r
from .sources import SourceData, dotted

if TYPE_CHECKING:
    from .loading import StrategyInputs

Where = dict[str, tuple[SourceData, tuple]]


class _Checker:
    def __init__(self, where: Where):
        self.where = where
        self.problems: list[Problem] = []

    def problem(self, record: str, path: tuple, expected: str, found: str | None = None) -> None:
        source, base = self.where[record]
        self.problems.append(Problem(source.file, source.line_of(base + path), dotted(path) or None,
                                     expected, found))

    def known(self, record: str, path: tuple, value: str | None, known: Iterable[str], what: str) -> None:
        if value is None:
            return
        known = list(known)
        if value in known:
            return
        guess = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
        hint = f" (did you mean '{guess[0]}'?)" if guess else ""
        self.problem(record, path, f"a known {what}{hint}", f"'{value}'")


def check_consistency(inputs: "StrategyInputs", where: Where) -> list[Problem]:
    c = _Checker(where)
    themes, priorities = inputs.thematic_areas, inputs.priorities
    sessions, partners, countries = inputs.sessions, inputs.partners, inputs.countries

    for partner in partners.values():
        key = f"Partner:{partner.id}"
        c.known(key, ("country",), partner.country, countries, "country code from countries.csv")
        if partner.country and partner.country in countries and partner.region is not r.Region.GLOBAL:
            expected_region = countries[partner.country].region
            if expected_region is not partner.region:
                c.problem(key, ("region",), f"'{expected_region.value}', the region of {partner.country}",
                          f"'{partner.region.value}'")

    for item in inputs.partner_inputs.values():
        key = f"PartnerInput:{item.id}"
        c.known(key, ("partner",), item.partner, partners, "partner ID from partners.yaml")
        c.known(key, ("session",), item.session, sessions, "session ID from meeting.yaml")
        for i, theme in enumerate(item.themes):
            c.known(key, ("themes", i), theme, themes, "thematic area ID from thematic-areas.yaml")
        for i, proposed in enumerate(item.priorities):
            c.known(key, ("priorities", i, "priority"), proposed.priority, priorities,
                    "priority ID from priorities.yaml")
        if item.channel is r.Channel.SESSION_INTERVENTION and item.session is None:
            c.problem(key, ("session",), "the session it was made in, since its channel is session-intervention",
                      "nothing")
        if item.timing is r.Timing.BEFORE_MEETING and item.received > inputs.meeting.date:
            c.problem(key, ("received",), f"a date on or before the meeting ({inputs.meeting.date} in "
                      f"{where['Meeting'][0].file}) for an input sent before the meeting", str(item.received))

    meeting_objectives = {o.id for o in inputs.meeting.objectives}
    seen_sessions: set[str] = set()
    for index, session in enumerate(inputs.meeting.sessions):
        key = f"Session:{session.id}"
        if session.id in seen_sessions:
            c.problem(key, ("id",), "a unique session ID", f"'{session.id}' again")
        seen_sessions.add(session.id)
        for i, objective in enumerate(session.objectives):
            c.known(key, ("objectives", i), objective, meeting_objectives, "objective ID of this meeting")
        for i, priority in enumerate(session.priorities):
            c.known(key, ("priorities", i), priority, priorities, "priority ID from priorities.yaml")
        for i, theme in enumerate(session.themes):
            c.known(key, ("themes", i), theme, themes, "thematic area ID from thematic-areas.yaml")
        people = ([("chair",)] if session.chair else []) + [("speakers", i) for i in range(len(session.speakers))]
        for path in people:
            speaker = session.chair if path == ("chair",) else session.speakers[path[1]]
            c.known(key, path + ("partner",), speaker.partner, partners, "partner ID from partners.yaml")

    _check_results(c, inputs)
    _check_feedback(c, inputs)
    return c.problems


def _check_feedback(c: _Checker, inputs: "StrategyInputs") -> None:
    """A reviewer is a partner (consent follows the partner's name), and a reply answers a comment of its own
    file (a Word thread never spans two returned drafts)."""
    for feedback in inputs.feedback:
        file_key = f"Feedback:{inputs.file_of(feedback)}"
        c.known(file_key, ("reviewer",), feedback.reviewer, inputs.partners, "partner ID from partners.yaml")
        ids = [comment.id for comment in feedback.comments]
        for index, comment in enumerate(feedback.comments):
            if comment.reply_to is None:
                continue
            if comment.reply_to == comment.id:
                c.problem(file_key, ("comments", index, "reply_to"), "the ID of another comment", f"'{comment.id}'")
            elif comment.reply_to not in ids:
                others = [i for i in ids if i != comment.id]
                guess = difflib.get_close_matches(comment.reply_to, others, n=1, cutoff=0.6)
                hint = f" (did you mean '{guess[0]}'?)" if guess else ""
                c.problem(file_key, ("comments", index, "reply_to"),
                          f"the ID of a comment in this file{hint}", f"'{comment.reply_to}'")


def _check_results(c: _Checker, inputs: "StrategyInputs") -> None:
    for row in inputs.country_results:
        key = f"CountryResult:{row.country}"
        c.known(key, ("country",), row.country, inputs.countries, "country code from countries.csv")
        country = inputs.countries.get(row.country)
        if country and not country.priority_country:
            c.problem(key, ("country",), "a priority country (priority_country true in countries.csv)",
                      f"'{row.country}'")
    if not inputs.country_results:
        return
    summary = inputs.results
    total_changes = sum(row.institutional_changes for row in inputs.country_results)
    if total_changes != summary.institutional_changes.achieved:
        c.problem("ResultsSummary", ("institutional_changes", "achieved"),
                  f"the sum of institutional_changes in results/countries.csv ({total_changes:,})",
                  f"{summary.institutional_changes.achieved:,}")
    for index, people in enumerate(summary.people):
        total = sum(row.people(people.dimension) for row in inputs.country_results)
        if total != people.achieved:
            c.problem("ResultsSummary", ("people", index, "achieved"),
                      f"the sum of the {people.dimension.value.replace('-', '_')} column in "
                      f"results/countries.csv ({total:,})", f"{people.achieved:,}")
    dimensions = [p.dimension for p in summary.people]
    if len(set(dimensions)) != len(dimensions):
        c.problem("ResultsSummary", ("people",), "each coverage dimension once", "a repeated dimension")


# Verbs an author uses to report what a partner said ("Ireland encourages ..."): after "It" or "The partner",
# only these count, since a partner's own sentence may well open with "It is ...".
_REPORTING_VERBS = frozenset("""
    adds advocates agrees argues asks believes calls considers emphasises emphasizes encourages expects explains
    favours favors highlights hopes insists intends invites notes offers plans pledges points prefers proposes
    recalls recommends requests says sees seeks states stresses suggests supports underlines urges wants warns
    welcomes wishes would will added argued asked called emphasised emphasized encouraged explained noted
    proposed recommended requested said stressed suggested supported urged wanted warned welcomed
    """.split())
_PRONOUN_OPENING = re.compile(r"(?:it|the\s+partner)\s+(\w+)", re.IGNORECASE)
_NEXT_WORD = re.compile(r"[ \t]+([a-z]+)\b")
_LEADING = re.compile(r"^[\s\"'“‘«*_]+")  # quotation marks and emphasis before the first word
_ARTICLE = re.compile(r"the\s+", re.IGNORECASE)


def wording_warnings(inputs: "StrategyInputs", where: Where) -> list[Problem]:
    """A warning for each text set as the partner's own words (its key_quote, a proposal whose wording is
    `quotation`) that reads as an author's summary in the third person: it opens with the partner's name (or
    short name, an alias) followed by a verb, or with "It" or "The partner" followed by a reporting verb. The
    build would set such a text as a quotation; the author should mark it `wording: summary` or quote the
    partner."""
    variants = partner_variants(inputs)
    finders: dict[str, NameFinder] = {}  # one a partner, not one an input: each compiles a pattern
    found: list[Problem] = []
    for item in inputs.partner_inputs.values():
        if (finder := finders.get(item.partner)) is None:
            finder = finders[item.partner] = NameFinder(variants.get(item.partner, ()))
        source, base = where[f"PartnerInput:{item.id}"]
        for path, text in _quoted_texts(item):
            if opening := third_person_opening(text, finder):
                found.append(warning(source.file, source.line_of(base + path), dotted(path),
                                     "the partner's own words in a text marked as a quotation (a summary in the "
                                     "third person takes `wording: summary`)", f"'{opening}'"))
    return found


def _quoted_texts(item: "r.PartnerInput") -> Iterator[tuple[tuple, str]]:
    if item.key_quote:
        yield ("key_quote",), item.key_quote
    for index, proposed in enumerate(item.priorities):
        if proposed.wording is r.Wording.QUOTATION:
            yield ("priorities", index, "proposal"), proposed.proposal


def third_person_opening(text: str, finder: NameFinder) -> str | None:
    """The opening words ("Ireland encourages") if the text reads as a third-person summary, else None."""
    text = _LEADING.sub("", text, count=1)
    if pronoun := _PRONOUN_OPENING.match(text):
        return pronoun.group(0) if pronoun.group(1).casefold() in _REPORTING_VERBS else None
    # "The ITUC calls": the article may stand before the name, or be part of it ("The Netherlands").
    for start in (0, *((m.end(),) if (m := _ARTICLE.match(text)) else ())):
        mention = next(iter(finder.find(text[start:])), None)
        if mention is None or mention.start != 0:
            continue
        verb = _NEXT_WORD.match(text, start + mention.end)
        # A lowercase word ending in -s or -ed after the name is a verb ("Japan suggests", "INPS proposed"),
        # and so is any reporting verb ("Belgium would").
        if verb and (verb.group(1) in _REPORTING_VERBS or verb.group(1).endswith(("s", "ed"))):
            return text[:verb.end()]
    return None
