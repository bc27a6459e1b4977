"""The synthesis of partner inputs (issue 10, section 1): small hand-made record sets with known answers, then
the bundled example's chapter as a reader meets it.

The hand-made set, 15 partners and 15 inputs:
- three workers' organizations (named) raise the informal economy and health, and propose informal coverage;
- three international financial institutions (one named, two anonymous) raise financing only, and propose it;
- three development partner governments (named) raise health, one of them financing too; they propose health;
- three UN agencies (named) raise health and propose it;
- one employers' organization (anonymous: a kind of one, so a small cell) raises pensions and the informal
  economy;
- one academic institution (anonymous) raises pensions and proposes health;
- one civil society organization withheld its input, which raises financing.
The last three kinds are small cells: the table by kind merges them into one row of three, Other.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from strategy.chapters import Audience, generate_chapters
from strategy.chapters.charts import Chart
from strategy.chapters.consent import audience_view
from strategy.chapters.inputs_received import summary_of_inputs
from strategy.chapters.synthesis import synthesize
from strategy.inputs.records import (Channel, Consent, Partner, PartnerInput, PartnerKind, Priority,
                                     ProposedPriority, Region, ThematicArea, Timing, Wording)

OUTSIDE = [Audience.PARTNERS, Audience.PUBLIC]

WITHHELD_QUOTE = "Nobody outside may read this sentence about budgets."
WITHHELD_PROPOSAL = "Our confidential plan for levies on remittances."
QUOTED_PROPOSAL = "Coverage must follow the worker from job to job."  # a proposal in the partner's own words
SUMMARY_PROPOSAL = "The federation urges portable benefits for platform workers."  # an author's summary
ANONYMOUS_NAMES = ["Quartzbank Development Fund", "Yonder Employers Council", "Nu Institute of Studies"]


def _partner(pid: str, name: str, kind: PartnerKind) -> Partner:
    return Partner(id=pid, name=name, kind=kind, region=Region.GLOBAL)


def _input(n: int, partner: str, consent: Consent, themes: list[str], priorities: list[str], *,
           key_quote: str | None = None, proposals: dict[str, tuple[str, Wording]] | None = None) -> PartnerInput:
    proposals = proposals or {}
    return PartnerInput(
        id=f"PI-{n:03d}", partner=partner, received=dt.date(2025, 2, n), timing=Timing.BEFORE_MEETING,
        channel=Channel.WRITTEN_SUBMISSION, consent=consent, themes=themes,
        priorities=[ProposedPriority(priority=p, proposal=proposals.get(p, (f"Proposal {n} on {p}.",))[0],
                                     wording=proposals.get(p, ("", Wording.SUMMARY))[1]) for p in priorities],
        vision=f"Vision of input {n}.", key_quote=key_quote)


@pytest.fixture(scope="module")
def made(example_inputs):
    """The hand-made records, in the example's frame (its meeting, countries and glossary)."""
    w, f, d, u = (PartnerKind.WORKERS_ORGANISATION, PartnerKind.FINANCIAL_INSTITUTION,
                  PartnerKind.DONOR_GOVERNMENT, PartnerKind.UN_AGENCY)
    partners = [
        _partner("w1", "Alpha Workers Union", w), _partner("w2", "Beta Trade Union Federation", w),
        _partner("w3", "Gamma Labour Congress", w),
        _partner("f1", "Delta Investment Bank", f), _partner("f2", "Quartzbank Development Fund", f),
        _partner("f3", "Epsilon Monetary Facility", f),
        _partner("d1", "Government of Zetaland", d), _partner("d2", "Government of Etaland", d),
        _partner("d3", "Government of Thetaland", d),
        _partner("u1", "Iota Agency", u), _partner("u2", "Kappa Programme", u), _partner("u3", "Lambda Office", u),
        _partner("e1", "Yonder Employers Council", PartnerKind.EMPLOYERS_ORGANISATION),
        _partner("c1", "Mu Citizens Network", PartnerKind.CIVIL_SOCIETY),
        _partner("a1", "Nu Institute of Studies", PartnerKind.ACADEMIA),
    ]
    named, anonymous, withheld = Consent.NAMED, Consent.ANONYMOUS, Consent.WITHHELD
    items = [
        _input(1, "w1", named, ["informal", "health"], ["inf"],
               proposals={"inf": (QUOTED_PROPOSAL, Wording.QUOTATION)}),
        _input(2, "w2", named, ["informal", "health"], ["inf"], key_quote="Informal workers build the economy."),
        _input(3, "w3", named, ["informal", "health"], ["inf"],
               proposals={"inf": (SUMMARY_PROPOSAL, Wording.SUMMARY)}),
        _input(4, "f1", named, ["financing"], ["fin"], key_quote="Budgets decide what rights mean."),
        _input(5, "f2", anonymous, ["financing"], ["fin"],
               key_quote="Quartzbank Development Fund says: cost every promise."),
        _input(6, "f3", anonymous, ["financing"], ["fin"]),
        _input(7, "d1", named, ["health", "financing"], ["hea", "fin"], key_quote="Health first."),
        _input(8, "d2", named, ["health"], ["hea"]),
        _input(9, "d3", named, ["health"], ["hea"]),
        _input(10, "u1", named, ["health"], ["hea"], key_quote="Clinics need staff, not only buildings."),
        _input(11, "u2", named, ["health"], ["hea"]),
        _input(12, "u3", named, ["health"], ["hea"]),
        _input(13, "e1", anonymous, ["pensions", "informal"], ["inf"]),
        _input(14, "c1", withheld, ["financing"], ["fin"], key_quote=WITHHELD_QUOTE,
               proposals={"fin": (WITHHELD_PROPOSAL, Wording.QUOTATION)}),
        _input(15, "a1", anonymous, ["pensions"], ["hea"],
               key_quote="Nu Institute of Studies found that pensions work."),
    ]
    themes = [ThematicArea(id="financing", title="Financing", group="Means"),
              ThematicArea(id="informal", title="Informal economy", group="People"),
              ThematicArea(id="health", title="Social health protection", group="Branches"),
              ThematicArea(id="pensions", title="Old-age pensions", group="Branches"),
              ThematicArea(id="unraised", title="Unemployment protection", group="Branches")]
    priorities = [Priority(id="fin", title="Sustainable financing", description="Money."),
                  Priority(id="inf", title="Informal coverage", description="Reach."),
                  Priority(id="hea", title="Health coverage", description="Care.")]
    # The example's sessions name its own priorities and partners: here they name none.
    sessions = [s.model_copy(update={"priorities": [], "themes": []}) for s in example_inputs.meeting.sessions]
    return dataclasses.replace(
        example_inputs, meeting=example_inputs.meeting.model_copy(update={"sessions": sessions}),
        partners={p.id: p for p in partners}, partner_inputs={i.id: i for i in items},
        thematic_areas={t.id: t for t in themes}, priorities={p.id: p for p in priorities}, feedback=[],
        partner_images={})


def sentences(synthesis) -> str:
    """Every sentence the synthesis writes itself (not the partners' quotes)."""
    return "\n".join([*synthesis.key_messages, synthesis.overview, synthesis.minor_themes,
                      *(p for t in synthesis.themes for p in t.paragraphs)])


def theme(synthesis, theme_id):
    return next(t for t in synthesis.themes if t.theme.id == theme_id)


# --- known answers ----------------------------------------------------------------------------------------


def test_priorities_are_ranked_by_supporting_partners_overall_and_within_a_theme(made):
    s = synthesize(made, Audience.PARTNERS)
    assert [(p.priority.id, len(p.partners)) for p in s.priorities] == [("hea", 7), ("fin", 5), ("inf", 4)]
    # Within financing, support counts only the inputs that raise it: d1 proposes health there too.
    assert [(p.priority.id, len(p.partners)) for p in theme(s, "financing").priorities] == [("fin", 5), ("hea", 1)]
    assert [t.theme.id for t in s.themes] == ["health", "financing", "informal", "pensions"]
    assert s.key_messages[0] == ("Health coverage and sustainable financing are the priorities partners raise "
                                 "most, proposed by seven and five of the 15 partners.")


def test_convergence_is_found_where_three_kinds_stand_behind_a_theme(made):
    s = synthesize(made, Audience.PARTNERS)
    health = theme(s, "health")
    assert {k.kind for k in health.converging} == {PartnerKind.DONOR_GOVERNMENT, PartnerKind.WORKERS_ORGANISATION,
                                                   PartnerKind.UN_AGENCY}
    assert ("development partner governments, workers' organizations and UN agencies each raise it in at least "
            "half of their inputs") in "\n".join(health.paragraphs)
    assert theme(s, "financing").converging == []  # only two kinds stand behind financing


def test_divergence_is_found_between_financial_institutions_and_workers_on_financing(made):
    s = synthesize(made, Audience.PARTNERS)
    contrast = theme(s, "financing").contrast
    assert (contrast.strong.kind, contrast.strong.raised, contrast.strong.sent) == (
        PartnerKind.FINANCIAL_INSTITUTION, 3, 3)
    assert (contrast.weak.kind, contrast.weak.raised) == (PartnerKind.WORKERS_ORGANISATION, 0)
    expected = ("international financial institutions raise it in all three of their inputs, workers' "
                "organizations in none of their three inputs")
    assert expected in "\n".join(theme(s, "financing").paragraphs)
    # What each kind presses for, widest margin first: workers on informal coverage, then the institutions.
    assert [(e.kind.kind, e.priority.id) for e in s.emphases][:2] == [
        (PartnerKind.WORKERS_ORGANISATION, "inf"), (PartnerKind.FINANCIAL_INSTITUTION, "fin")]
    assert any(m.startswith("Workers' organizations press for informal coverage") for m in s.key_messages)


def test_a_theme_few_partners_raise_has_no_section_and_an_unraised_one_is_said(made):
    s = synthesize(made, Audience.PARTNERS)
    assert theme(s, "pensions").minor
    assert "old-age pensions (two partners)" in s.minor_themes and "No input raises unemployment protection" in \
        s.minor_themes
    chapter = summary_of_inputs(audience_view(made, Audience.PARTNERS), Audience.PARTNERS)
    assert "## Old-age pensions" not in chapter and "## Other themes" in chapter


@pytest.mark.parametrize("audience", [Audience.INTERNAL, *OUTSIDE])
def test_only_the_partners_own_words_are_quoted_and_a_summary_never_is(made, audience):
    s = synthesize(made, audience)
    quotes = [q for t in s.themes for q in t.quotes] + s.quotes
    view = audience_view(made, audience)  # as the audience may see them: kept-out names replaced by a kind
    own_words = {i.id: {i.key_quote, *(p.proposal for p in i.priorities if p.wording is Wording.QUOTATION)}
                 for i in view.partner_inputs.values()}
    assert quotes and all(q.text in own_words[q.input.id] for q in quotes)
    assert QUOTED_PROPOSAL in [q.text for q in quotes]  # a quotation proposal is quoted, in every audience
    chapter = summary_of_inputs(view, audience)
    blocks = re.findall(r"<blockquote.*?</blockquote>", chapter, re.S)
    assert blocks and not any("platform workers" in b for b in blocks)
    assert len(blocks) == len({q.input.id for q in quotes})  # each input quoted once in the chapter


@pytest.mark.parametrize("audience", OUTSIDE)
def test_consent_holds_in_every_sentence(made, audience):
    view = audience_view(made, audience)
    s = synthesize(view, audience)
    text = "\n".join([summary_of_inputs(view, audience), sentences(s), *(q.text + q.attribution for q in s.quotes)])
    # The withheld input: counted, never quoted, paraphrased or cited by ID.
    assert WITHHELD_QUOTE not in text and WITHHELD_PROPOSAL not in text and "remittances" not in text
    assert not re.search(r"\bPI-014\b", text)
    assert "5 withheld" not in text and "1 withheld" in text  # counted in the references of financing
    # Anonymous partners are never named, even by their own words.
    assert [n for n in ANONYMOUS_NAMES if n in text] == []
    assert "An international financial institution" in text or "an international financial institution" in text
    # The employers' organization is the only one of its kind and asked not to be named: no sentence speaks
    # of its kind, and no breakdown leaves it as "one other partner".
    written = sentences(s)
    assert "employers" not in written.lower()
    assert "one other partner" not in written
    assert "Inputs from four partners raise informal economy" in written or "four partners" in written


def test_internal_builds_show_everything_marked(made):
    s = synthesize(made, Audience.INTERNAL)
    assert re.search(r"\bPI-014\b", sentences(s))  # cited by ID for the authors
    assert "employers' organization" in sentences(s)  # no small cells to protect in an internal build


@pytest.mark.parametrize("audience", [Audience.INTERNAL, Audience.PUBLIC])
def test_the_synthesis_is_deterministic(made, audience):
    first, second = synthesize(made, audience), synthesize(dataclasses.replace(made), audience)
    assert first.key_messages == second.key_messages
    assert [t.paragraphs for t in first.themes] == [t.paragraphs for t in second.themes]
    view = audience_view(made, audience)
    assert summary_of_inputs(view, audience) == summary_of_inputs(view, audience)


def test_the_picture_of_the_whole_shows_the_charts_it_is_given_and_skips_those_it_is_not(made):
    view = audience_view(made, Audience.PARTNERS)
    chart = Chart("priority-support.svg", "<svg/>", "Proposed priorities by supporting partners", "A bar chart",
                  ["Priority", "Partners"], [["Health coverage", "6"]])
    with_chart = summary_of_inputs(view, Audience.PARTNERS, [chart])
    assert 'id="fig-priority-support"' in with_chart and "charts/priority-support.svg" in with_chart
    assert "fig-inputs-heat-map" not in with_chart
    assert "<figure" not in summary_of_inputs(view, Audience.PARTNERS, [])


# --- the bundled example, as a reader meets it --------------------------------------------------------------


@pytest.mark.parametrize("audience", OUTSIDE)
def test_the_examples_key_messages_are_about_what_partners_want(example_inputs, audience):
    s = synthesize(example_inputs, audience)
    assert 3 <= len(s.key_messages) <= 5
    titles = [t.title.lower() for t in [*example_inputs.thematic_areas.values(), *example_inputs.priorities.values()]]
    for message in s.key_messages:
        assert "session" not in message.lower() and "speaker" not in message.lower()
    assert all(any(t in m.lower() for t in titles) for m in s.key_messages)
    assert "sustainable and equitable financing" in s.key_messages[0].lower()
    assert any("workers' organizations press for" in m.lower() for m in s.key_messages)


def test_the_summary_is_a_synthesis_and_its_counts_are_an_annex(example_inputs):
    chapters = {c.file_name: c.markdown for c in generate_chapters(example_inputs, Audience.PARTNERS)
                if c.file_name.endswith(".md")}
    summary, numbers = chapters["inputs-received.md"], chapters["inputs-in-numbers.md"]
    assert '!!! abstract "Key messages"' in summary and "Illustrative" in summary.split("\n\n## ")[0]
    assert "## A picture of the whole" in summary and "## In partners' words" in summary
    assert "## Financing {#theme-financing}" in summary
    for table_id in ("tbl-by-kind", "tbl-by-timing", "tbl-by-region", "tbl-by-theme", "tbl-priorities"):
        assert f'id="{table_id}"' in numbers and table_id not in summary
    # IDs sit in the references at a paragraph's end, not in its prose.
    for paragraph in summary.split("\n\n"):
        if paragraph.startswith(("<", "!!!", "#", "-", "    ")) or "class=\"attribution\"" in paragraph:
            continue
        prose = paragraph.split('<span class="references">')[0]
        assert not re.search(r"\bPI-\d{3}\b", prose), paragraph
