"""Consent holds whatever road a name takes (issue 8, section 1).

Fast tests of the name finder, the audience's view of the records and the small-cell rule; then one project
with canary names in every kind of field, built for partners and for public once each and searched in every
output byte; and the build stopping, with file and line, when a field the team wrote names an unnamed partner.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import case_build, copy_project, every_byte, strategy
from corpus import consent as consent_cases
from corpus import replace_in
from corpus.consent import NAME_CANARIES, SELF_NAMED, SHORT, plant_name_canaries
from strategy.audience import Audience
from strategy.inputs.records import Consent
from strategy.consent import (MINIMUM_CELL, Cell, audience_view, consent_problems, kept_out, small_cells,
                              unnamed_partners)
from strategy.names import NameFinder, Variant, partner_variants


def finder(*variants: tuple[str, str, str]) -> NameFinder:
    return NameFinder(Variant(partner, text, source) for partner, text, source in variants)


def found(f: NameFinder, text: str) -> list[str]:
    return [m.text for m in f.find(text)]


# --- the name finder ----------------------------------------------------------------------------------------


def test_names_match_as_whole_words_whatever_the_case():
    f = finder(("fr", "France", "short name"))
    assert found(f, "France, france and FRANCE-based") == ["France", "france", "FRANCE"]
    assert found(f, "Frances and Francesca and Defrance") == []


def test_apostrophes_accents_dashes_and_line_breaks_do_not_hide_a_name():
    f = finder(("civ", "Côte d'Ivoire", "country"), ("tl", "Timor-Leste", "country"),
               ("imf", "International Monetary Fund", "name"))
    text = "Côte d’Ivoire, Cote d'Ivoire, Timor–Leste, Timor Leste and the International Monetary\n   Fund"
    assert found(f, text) == ["Côte d’Ivoire", "Cote d'Ivoire", "Timor–Leste", "Timor Leste",
                              "International Monetary\n   Fund"]


def test_an_acronym_matches_only_in_capitals():
    f = finder(("ids", "IDS", "short name"))
    assert found(f, "IDS said so; the input IDs and ids are no name") == ["IDS"]


def test_short_derived_variants_do_not_count_but_aliases_and_names_do():
    assert not finder(("eu", "EU", "short name"), ("x", "UK", "glossary"), ("y", "", "country"))
    assert found(finder(("nl", "NL", "alias")), "NL and nl") == ["NL"]  # an acronym, so in capitals
    assert found(finder(("q", "Qq", "name")), "as Qq said") == ["Qq"]


def test_the_longer_of_two_overlapping_names_wins_and_shared_ones_name_both():
    f = finder(("jordan", "Jordan", "country"), ("ssc", "Jordan (SSC)", "short name"),
               ("a", "Kenya", "alias"), ("b", "Kenya", "alias"))
    mentions = f.find("Jordan (SSC) and Kenya")
    assert [(m.text, set(m.partners)) for m in mentions] == [("Jordan (SSC)", {"ssc"}), ("Kenya", {"a", "b"})]


def test_variants_of_the_example_include_countries_and_glossary_entries(example_inputs):
    variants = {pid: {v.text for v in found} for pid, found in partner_variants(example_inputs).items()}
    assert {"Belgium", "DGD", "Directorate-General for Development Cooperation and Humanitarian Aid (Belgium)",
            "Directorate-General for Development Cooperation and Humanitarian Aid"} <= variants["belgium"]
    assert {"Germany", "BMZ"} <= variants["germany"]
    assert {"IDS", "Institute of Development Studies"} <= variants["ids-sussex"]
    # A country is a name of a government only: Kenya is not a name of Kenya's employers' federation.
    assert "Kenya" not in variants["fke-kenya"] and "Federation of Kenya Employers" in variants["fke-kenya"]
    # "United Nations" alone is too generic to tie the glossary's "UN" to UNDP.
    assert "UN" not in variants["undp"]


# --- the audience's view ------------------------------------------------------------------------------------


def test_the_internal_view_is_the_records_themselves(example_inputs):
    assert audience_view(example_inputs, Audience.INTERNAL) is example_inputs


def test_the_view_hides_unnamed_partners_names_speakers_glossary_and_withheld_text(example_inputs):
    unnamed = unnamed_partners(example_inputs, Audience.PUBLIC)
    view = audience_view(example_inputs, Audience.PUBLIC)
    assert {"germany", "netherlands", "imf"} <= unnamed
    for pid in unnamed:
        assert view.partners[pid].name[0].isupper() and view.partners[pid].short_name is None
        label = example_inputs.partners[pid].kind.anonymous_label
        assert view.partners[pid].name == label[0].upper() + label[1:]
    assert {e.term for e in example_inputs.glossary} - {e.term for e in view.glossary} >= {"BMZ", "IMF", "IDS"}
    withheld = view.partner_inputs["PI-011"]
    assert withheld.vision == "Withheld." and all(p.proposal == "Withheld." for p in withheld.priorities)
    # Named partners and their glossary entries are untouched.
    assert view.partners["luxembourg"] == example_inputs.partners["luxembourg"]
    assert "ILO" in {e.term for e in view.glossary}


def test_a_speaker_for_an_unnamed_partner_is_shown_by_kind_and_role(example_inputs):
    session = example_inputs.meeting.sessions[2]
    speaker = session.speakers[1].model_copy(update={"partner": "paraguay-mtess", "name": "Ana Paraguay"})
    meeting = example_inputs.meeting.model_copy(update={"sessions": [
        *example_inputs.meeting.sessions[:2], session.model_copy(update={"speakers": [session.speakers[0], speaker]}),
        *example_inputs.meeting.sessions[3:]]})
    inputs = example_inputs.__class__(**{**example_inputs.__dict__, "meeting": meeting})
    shown = audience_view(inputs, Audience.PARTNERS).meeting.sessions[2].speakers[1]
    assert shown.name == "Representative of a priority-country government"
    assert shown.organisation == "" and shown.role == speaker.role


def test_partner_text_naming_an_unnamed_partner_reads_as_its_kind(example_inputs):
    item = example_inputs.partner_inputs["PI-009"]
    changed = item.model_copy(update={"vision": "As the Netherlands, we act.\n\nThe Netherlands and IDS agree.",
                                      "key_quote": "Netherlands’ view"})
    inputs = example_inputs.__class__(**{**example_inputs.__dict__,
                                         "partner_inputs": {**example_inputs.partner_inputs, "PI-009": changed}})
    shown = audience_view(inputs, Audience.PARTNERS).partner_inputs["PI-009"]
    assert shown.vision == ("As a development partner government, we act.\n\nA development partner government "
                            "and an academic institution agree.")
    assert shown.key_quote == "A development partner government’ view"
    warnings = [p for p in consent_problems(inputs, Audience.PARTNERS) if p.file.endswith("PI-009.yaml")]
    assert {p.field for p in warnings} == {"vision", "key_quote"}
    assert all(p.severity == "warning" for p in warnings)
    assert consent_problems(inputs, Audience.INTERNAL) == []


def test_an_anonymous_input_does_not_name_its_partner_even_when_another_input_names_it(example_inputs):
    named = example_inputs.partner_inputs["PI-001"]  # Luxembourg, named
    anonymous = named.model_copy(update={"id": "PI-099", "consent": Consent.ANONYMOUS,
                                         "vision": "Luxembourg asks for a financing pathway.",
                                         "key_quote": "As Luxembourg we ask."})
    inputs = example_inputs.__class__(**{**example_inputs.__dict__,
                                         "partner_inputs": {**example_inputs.partner_inputs, "PI-099": anonymous}})
    view = audience_view(inputs, Audience.PARTNERS)
    shown = view.partner_inputs["PI-099"]
    assert shown.vision == "A development partner government asks for a financing pathway."
    assert shown.key_quote == "As a development partner government we ask."
    assert all("Luxembourg" not in p.proposal for p in shown.priorities)
    assert "Luxembourg" in view.partner_inputs["PI-001"].vision  # its named input still names it
    assert audience_view(inputs, Audience.INTERNAL).partner_inputs["PI-099"].vision == anonymous.vision


def test_a_name_shared_with_a_partner_that_may_be_named_is_not_kept_out(example_inputs):
    # Kenya's employers' federation is anonymous; its country is no name of it, and COTU (K) is named.
    assert not kept_out(example_inputs, Audience.PARTNERS).find("Kenya and COTU (K)")


# --- small cells --------------------------------------------------------------------------------------------


def cell(label: str, *partners: str) -> Cell:
    return Cell(label, set(partners), [])


def test_small_cells_holding_an_unnamed_partner_merge_into_other():
    cells = [cell("Africa", "a", "b", "c", "d"), cell("Arab States", "x"), cell("Americas", "p", "q"),
             cell("Asia", "r", "s", "t")]
    rows, merged = small_cells(cells, {"x"})
    assert merged
    # Arab States (1, unnamed) is too small; Other then takes the smallest row left, Americas (2).
    assert [c.label for c in rows] == ["Africa", "Asia", "Other"]
    assert rows[-1].partners == {"x", "p", "q"}
    assert all(len(c.partners) >= MINIMUM_CELL or not (c.partners & {"x"}) for c in rows)
    assert sum(len(c.partners) for c in rows) == 10  # nobody lost


def test_the_other_row_takes_the_smallest_rows_until_it_counts_enough():
    rows, merged = small_cells([cell("A", "a", "b", "c"), cell("B", "x"), cell("C", "d", "e", "f", "g")], {"x"})
    assert merged and [c.label for c in rows] == ["C", "Other"]
    assert rows[-1].partners == {"a", "b", "c", "x"}


def test_small_cells_without_unnamed_partners_stay_as_they_are():
    cells = [cell("A", "a"), cell("B", "b", "c")]
    assert small_cells(cells, {"z"}) == (cells, False)


# --- real builds --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def canaries(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("name-canaries"))
    plant_name_canaries(root)
    return root


def test_check_warns_where_partner_text_names_an_unnamed_partner(canaries):
    run = strategy("check", "--project", str(canaries))
    assert run.returncode == 0, run.stderr
    warned = [ln for ln in run.stderr.splitlines() if "warning:" in ln]
    assert any(re.match(r"\s*inputs/partner-inputs/PI-009\.yaml:\d+: warning: field 'vision'.*its own name", ln)
               for ln in warned), run.stderr
    assert any("PI-001.yaml" in ln and "another partner" in ln and SELF_NAMED in ln for ln in warned), run.stderr


@pytest.mark.parametrize("audience", ["partners", "public"])
def test_no_variant_of_an_unnamed_partners_name_reaches_an_outside_build(tmp_path_factory, audience):
    """The corpus's build of the same case (plant_name_canaries, this audience), made once for the session."""
    case = next(c for c in consent_cases.CASES if c.name == f"consent-canaries-{audience}-build")
    assert case.make is plant_name_canaries and case.audience == audience
    build = case_build(tmp_path_factory, case)
    assert build.code == 0, build.stderr
    site = build.root / "site"
    haystack = every_byte(site)
    assert [c for c in NAME_CANARIES if c.encode() in haystack] == []
    register = (site / "generated" / "partner-inputs.html").read_text(encoding="utf-8")
    assert "As a development partner government, a development partner government" in register
    assert "Representative of a development partner government" in haystack.decode("utf-8", "replace")
    received = (site / "generated" / "inputs-in-numbers.html").read_text(encoding="utf-8")
    assert "merged into <em>Other</em>" in received


def test_a_team_field_or_author_page_naming_an_unnamed_partner_stops_the_build(tmp_path):
    root = copy_project(tmp_path / "project")
    line = replace_in(root / "docs/context.md", "\n## ", f"\n{SHORT} is not to be named here.\n\n## ")
    replace_in(root / "inputs/partners.yaml", "short_name: Netherlands", f"short_name: {SHORT}")
    run = strategy("build", "--project", str(root), "--audience", "public")
    assert run.returncode == 1
    assert f"docs/context.md:{line + 1}:" in run.stderr and SHORT in run.stderr, run.stderr
    assert not (root / "site").exists()
    outcome = "The ILO will explore a pooled funding window for Phase III with interested partners."
    line = replace_in(root / "inputs/meeting.yaml", outcome, f"The ILO will talk to {SHORT}.")
    run = strategy("build", "--project", str(root), "--audience", "partners")
    assert run.returncode == 1
    assert f"inputs/meeting.yaml:{line}: field 'sessions[1].outcomes[1]'" in run.stderr, run.stderr
    check = strategy("check", "--project", str(root))
    assert check.returncode == 1 and f"inputs/meeting.yaml:{line}:" in check.stderr
