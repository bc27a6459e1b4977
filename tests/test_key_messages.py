"""Key messages that say something, quotes that are quotes, references instead of IDs in prose (issue 10): the
meeting, priorities and Phase II chapters, on the bundled example's records and on records changed here."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from conftest import copy_project, strategy
from corpus import line_of, replace_in
from strategy.chapters import Audience, text_chapters
from strategy.chapters.markdown import partner_text
from strategy.chapters.priorities import kind_plural, lower_first
from strategy.consent import audience_view
from strategy.inputs.records import Consent, Wording
from strategy.names import NameFinder, Variant, partner_variants

MEETING, PRIORITIES = "generated/meeting-outcomes.md", "generated/priorities.md"
RESULTS = "generated/phase-ii-results.md"


def key_messages(markdown: str) -> list[str]:
    box = re.search(r'!!! abstract "Key messages"\n((?:    - .*\n)+)', markdown).group(1)
    return [line.removeprefix("    - ") for line in box.splitlines()]


def with_inputs(inputs, **changed):
    return inputs.__class__(**{**inputs.__dict__, **changed})


def with_item(inputs, item):
    return with_inputs(inputs, partner_inputs={**inputs.partner_inputs, item.id: item})


def with_proposal(inputs, input_id: str, index: int, **update):
    item = inputs.partner_inputs[input_id]
    priorities = list(item.priorities)
    priorities[index] = priorities[index].model_copy(update=update)
    return with_item(inputs, item.model_copy(update={"priorities": priorities}))


# --- key messages about content ---------------------------------------------------------------------------


@pytest.mark.parametrize("audience", list(Audience))
def test_every_chapter_opens_with_three_to_five_messages_about_content_not_counts(example_inputs, audience):
    chapters = text_chapters(example_inputs, audience)
    for path in (MEETING, PRIORITIES, RESULTS):
        messages = key_messages(chapters[path])
        assert 3 <= len(messages) <= 5, (path, messages)
        for message in messages:
            assert not re.search(r"\d+ sessions heard|candidate priorities emerged from|\d+ partner inputs and",
                                 message), (path, message)


def test_the_meeting_messages_say_what_the_sessions_discussed_most_and_concluded(example_inputs):
    sessions = example_inputs.meeting.sessions
    on_agenda = Counter(p for s in sessions for p in s.priorities)
    most = max(on_agenda.values())
    leaders = {example_inputs.priorities[p].title for p, n in on_agenda.items() if n == most}
    messages = key_messages(text_chapters(example_inputs, Audience.PARTNERS)[MEETING])
    assert any(title in messages[0] for title in leaders), messages[0]
    assert f"({most} of {len(sessions)})" in messages[0]
    # The first outcome of each of the three sessions that took up the most priorities, citing its session.
    busiest = sorted(sessions, key=lambda s: -len(s.priorities))[:3]
    for session in busiest:
        outcome = session.outcomes[0].rstrip(".")
        said = [m for m in messages if outcome in m]
        assert said and f"#{session.id.lower()}" in said[0], (session.id, messages)
    assert len(messages) == 1 + len(busiest)


def test_the_priorities_messages_say_which_lead_and_who_presses_for_them(example_inputs):
    inputs = example_inputs
    partners_of: dict[str, set[str]] = {}
    for item in inputs.partner_inputs.values():
        for proposed in item.priorities:
            partners_of.setdefault(proposed.priority, set()).add(item.partner)
    contributors = {i.partner for i in inputs.partner_inputs.values()}
    ranked = sorted(partners_of, key=lambda p: -len(partners_of[p]))
    leader = ranked[0]
    messages = key_messages(text_chapters(inputs, Audience.PUBLIC)[PRIORITIES])
    kinds = Counter(inputs.partners[p].kind for p in partners_of[leader])
    assert inputs.priorities[leader].title in messages[0]
    assert f"{len(partners_of[leader])} of the {len(contributors)} partners" in messages[0]
    assert kind_plural(kinds.most_common(1)[0][0]) in messages[0]
    for runner_up in ranked[1:3]:
        assert inputs.priorities[runner_up].title in messages[1], messages[1]
    # Where kinds differ: a kind of partner all of whose members (at least three) back a priority is named.
    members = Counter(inputs.partners[p].kind for p in contributors)
    unanimous = [(kind, p) for p, backers in partners_of.items() for kind, size in members.items()
                 if size >= 3 and sum(inputs.partners[b].kind is kind for b in backers) == size]
    assert unanimous
    text = " ".join(messages)
    assert any(f"{kind_plural(kind)[1:]} press hardest for" in text
               and lower_first(inputs.priorities[p].title) in text for kind, p in unanimous), messages


def test_the_results_messages_state_phase_ii_against_its_targets_with_the_real_figures(example_inputs):
    headline = example_inputs.headline
    messages = key_messages(text_chapters(example_inputs, Audience.PUBLIC)[RESULTS])
    for figure_id, message in (("institutional-changes", messages[0]), ("people", messages[1])):
        figure = headline.figure(figure_id)
        latest = max(figure.updates, key=lambda u: u.as_of)
        assert figure.text in message and figure.target_text in message, message
        assert latest.text in message and headline.source_of(latest.source).title in message, message
        assert "illustrative-mark" not in message
    changes = example_inputs.results.institutional_changes
    assert ("went beyond its target" if changes.achieved >= changes.target else "fell short") in messages[0]
    short = [p for p in example_inputs.results.people if p.achieved < p.target]
    assert all(p.dimension.label.lower() in messages[-1] for p in short) and "illustrative-mark" in messages[-1]


# --- quotes are quotes ------------------------------------------------------------------------------------


def blockquotes(markdown: str) -> str:
    return "\n".join(re.findall(r"<blockquote.*?</blockquote>", markdown, re.S))


@pytest.mark.parametrize("audience", list(Audience))
def test_a_summary_is_never_set_as_a_quotation_and_a_quotation_always_is(example_inputs, audience):
    view = audience_view(example_inputs, audience)
    chapter = text_chapters(example_inputs, audience)[PRIORITIES]
    quoted = blockquotes(chapter)
    outside = re.sub(r"<blockquote.*?</blockquote>", "", chapter, flags=re.S)
    seen = Counter()
    for item in view.partner_inputs.values():
        for proposed in item.priorities:
            text = partner_text(proposed.proposal)
            if text not in chapter:
                continue  # not among the proposals shown under its priority
            seen[proposed.wording] += 1
            if proposed.wording is Wording.SUMMARY:
                assert text not in quoted, (item.id, text)
            else:
                assert text in quoted and text not in outside, (item.id, text)
    assert seen[Wording.SUMMARY] and seen[Wording.QUOTATION], seen


def test_the_register_puts_quotations_in_quotation_marks_and_summaries_as_written(example_inputs):
    register = text_chapters(example_inputs, Audience.PUBLIC)["generated/partner-inputs.md"]
    item = example_inputs.partner_inputs["PI-001"]
    summary, quotation = (partner_text(p.proposal) for p in item.priorities)
    assert [p.wording for p in item.priorities] == [Wording.SUMMARY, Wording.QUOTATION]
    assert f":** “{quotation}”" in register and f":** {summary}" in register


def test_the_wording_decides_how_a_proposal_is_set(example_inputs):
    item = example_inputs.partner_inputs["PI-002"]
    summary = partner_text(item.priorities[0].proposal)
    assert item.priorities[0].wording is Wording.SUMMARY
    assert summary not in blockquotes(text_chapters(example_inputs, Audience.PUBLIC)[PRIORITIES])
    changed = with_proposal(example_inputs, "PI-002", 0, wording=Wording.QUOTATION)
    assert summary in blockquotes(text_chapters(changed, Audience.PUBLIC)[PRIORITIES])


def test_an_anonymous_summary_names_only_the_kind_of_partner_even_when_it_opens_with_the_name(example_inputs):
    item = example_inputs.partner_inputs["PI-009"]
    partner = example_inputs.partner_of(item)
    assert item.consent is Consent.ANONYMOUS
    index = next(n for n, p in enumerate(item.priorities) if p.wording is Wording.SUMMARY)
    inputs = with_proposal(example_inputs, "PI-009", index,
                           proposal=f"{partner.name} asks that the Programme work with humanitarian actors.")
    view = audience_view(inputs, Audience.PARTNERS)
    assert view.partner_inputs["PI-009"].priorities[index].wording is Wording.SUMMARY  # the view keeps it
    chapter = text_chapters(inputs, Audience.PARTNERS)[PRIORITIES]
    label = partner.kind.anonymous_label
    assert f"- {label[0].upper()}{label[1:]} asks that the Programme work with humanitarian actors." in chapter
    finder = NameFinder(v for v in partner_variants(inputs)[partner.id] if v.counts)
    assert finder.find(chapter) == []
    # As written, the summary does not open with its partner: who sent it introduces it, as consent allows.
    unchanged = text_chapters(example_inputs, Audience.PARTNERS)[PRIORITIES]
    assert f"- **{label[0].upper()}{label[1:]}:** {partner_text(item.priorities[index].proposal)}" in unchanged


def test_check_warns_where_a_quotation_reads_as_a_third_person_summary(tmp_path):
    root = copy_project(tmp_path / "project")
    pi002 = root / "inputs/partner-inputs/PI-002.yaml"
    proposal_line = line_of(pi002, "proposal: Ireland encourages")
    replace_in(pi002, "    economy, including in agriculture and home-based work.\n",
               "    economy, including in agriculture and home-based work.\n  wording: quotation\n")
    pi010 = root / "inputs/partner-inputs/PI-010.yaml"
    quote_line = line_of(pi010, "key_quote:")
    replace_in(pi010, "key_quote: Social protection", "key_quote: It stresses that social protection")
    run = strategy("check", "--project", str(root))
    assert run.returncode == 0, run.stderr
    warned = [ln.strip() for ln in run.stderr.splitlines() if "third person" in ln]
    assert any(ln.startswith(f"inputs/partner-inputs/PI-002.yaml:{proposal_line}: warning: field "
                             "'priorities[0].proposal'") and "'Ireland encourages'" in ln for ln in warned), warned
    assert any(ln.startswith(f"inputs/partner-inputs/PI-010.yaml:{quote_line}: warning: field 'key_quote'")
               and "'It stresses'" in ln for ln in warned), warned
    assert len(warned) == 2, warned  # the example's own quotations are in the partners' words


# --- references, not clutter ------------------------------------------------------------------------------


@pytest.mark.parametrize("audience", list(Audience))
def test_no_repository_path_reaches_a_reader_in_any_generated_chapter(example_inputs, audience):
    for path, markdown in text_chapters(example_inputs, audience).items():
        shown = re.sub(r"<!--.*?-->", "", markdown, flags=re.S)  # comments are for whoever edits the Markdown
        found = re.findall(r"\S*(?:inputs/|\.ya?ml\b|\.csv\b|partner-inputs/PI)\S*", shown)
        assert not [f for f in found if not f.startswith(("(partner-inputs.md", "[PI-"))], (audience, path, found)


@pytest.mark.parametrize("audience", list(Audience))
def test_speaker_lines_name_each_organisation_once(example_inputs, audience):
    chapter = text_chapters(example_inputs, audience)[MEETING]
    view = audience_view(example_inputs, audience)
    checked = 0
    for session in view.meeting.sessions:
        block = chapter.split(f"{{#{session.id.lower()}}}")[1].split("### Key messages")[0]
        lines = [ln for ln in block.splitlines() if ln.startswith(("- ", "**Chair:**"))]
        for speaker in [*([session.chair] if session.chair else []), *session.speakers]:
            if not speaker.partner:
                continue
            line = next(ln for ln in lines if speaker.role in ln or (speaker.organisation and
                                                                     speaker.organisation in ln)
                        or speaker.name in ln)
            # Once each: who the partner is ("Côte d'Ivoire", "ITUC", its country) and that this is its
            # representative; the organisation may name a unit of the partner ("Government of Belgium,
            # Directorate-General for ...").
            partner = view.partners[speaker.partner]
            country = view.countries[partner.country].name if partner.country else None
            for name in filter(None, {partner.display_name, country}):
                assert len(NameFinder([Variant(partner.id, name, "name")]).find(line)) <= 1, (name, line)
            assert line.lower().count("representative") <= 1, line
            checked += 1
    assert checked >= 10


def test_record_ids_stand_as_references_at_the_end_of_paragraphs(example_inputs):
    chapters = text_chapters(example_inputs, Audience.PARTNERS)
    for path in (MEETING, PRIORITIES):
        for paragraph in chapters[path].split("\n\n"):
            prose = re.sub(r' <span class="references">.*?</span>', "", paragraph)
            prose = re.sub(r"<!--.*?-->|\{#[^}]+\}", "", prose)
            assert not re.search(r"\[(PI-\d+|S\d+)\]\(", prose), (path, paragraph)
    assert chapters[PRIORITIES].count('<span class="references">') > 10
