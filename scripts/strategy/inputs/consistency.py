"""Checks across records: every reference resolves and the results add up.

Each record is valid on its own by now; here a partner input that names an
unknown partner, theme, priority or session is caught, and so are
per-country results that do not add up to the reported totals (the "counts
drift" that copying between spreadsheets causes).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..problems import Problem
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
