"""Consent by every road (issue 8, section 1): a partner that may not be named stays unnamed whichever field,
variant or page its name arrives through.

In the bundled example these partners are unnamed in partners and public builds (among others): the
Netherlands (PI-009, anonymous), France (PI-012, anonymous), Germany (PI-011, withheld; glossary "BMZ"),
Kyrgyzstan (PI-021, anonymous), Paraguay (PI-019, withheld; glossary "MTESS"), IDS (PI-035, anonymous),
the IMF, the AfDB, UNDP and WFP. Fields the team writes must not name them (a problem, with file and line);
partner text that does is shown with the name replaced by the kind of partner (a warning).
"""

from __future__ import annotations

from pathlib import Path

from corpus import Case, line_of, replace_in

REPO = Path(__file__).resolve().parents[2]
MEETING = "inputs/meeting.yaml"
PRIORITIES = "inputs/priorities.yaml"
THEMES = "inputs/thematic-areas.yaml"
SUMMARY = "inputs/results/summary.yaml"
PARTNERS = "inputs/partners.yaml"
GLOSSARY = "inputs/glossary.yaml"
KEPT_OUT = "consent keeps out"  # in every consent problem and warning


def _input(number: int) -> str:
    return f"inputs/partner-inputs/PI-{number:03d}.yaml"


def _replace(relative: str, old: str, new: str):
    return lambda root: replace_in(root / relative, old, new)


def _all(*makes):
    def make(root: Path) -> None:
        for step in makes:
            step(root)
    return make


def _append(relative: str, text: str):
    def make(root: Path) -> None:
        path = root / relative
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    return make


def _at(relative: str, text: str) -> int:
    return line_of(REPO / relative, text)


def _team(name: str, cls: str, relative: str, old: str, new: str, field: str | None, *, also=None) -> Case:
    """A field the team writes, made to name an unnamed partner: a problem on the line of `old`."""
    make = _replace(relative, old, new) if also is None else _all(also, _replace(relative, old, new))
    return Case(name, cls, make, "problem", relative, _at(relative, old), field, says=KEPT_OUT)


def _clean(name: str, cls: str, relative: str, old: str, new: str, *, also=None) -> Case:
    """A text that looks like a kept-out name but is not one: it must pass."""
    make = _replace(relative, old, new) if also is None else _all(also, _replace(relative, old, new))
    return Case(name, cls, make, "valid")


def _partner(name: str, relative: str, old: str, new: str, field: str, says: str = KEPT_OUT, *,
             also=None) -> Case:
    """Partner text naming an unnamed partner: a warning on the line of `old`."""
    make = _replace(relative, old, new) if also is None else _all(also, _replace(relative, old, new))
    return Case(name, "consent-partner-text", make, "warning", relative, _at(relative, old), field, says=says)


S2_OUTCOME = "The ILO will explore a pooled funding window for Phase III with interested partners."
S1_MESSAGE = "Enrolment figures need to be complemented by data on active contributors"
S3_MESSAGE = "Informal workers are best reached through their own organizations"
S3_SPEAKER = "Representative of WIEGO"
S3_ORGANISATION = "Save the Children International"
S4_CHAIR = "Representative of Japan"
FINANCING = "Help countries pay for their social protection systems year after year:"
NL_VISION = "We have supported social protection work in countries"
NL_QUOTE = "Parallel systems for displaced people are a stopgap"
KG_EXPERIENCE = "A large share of our working-age population works abroad"
KG_PROPOSAL = "We propose that Phase III support bilateral social security agreements"
IDS_VISION = "As researchers, we have followed the growth"
LU_VISION = "We encourage the ILO to keep the Programme focused"

# An Ivorian government body that sends an anonymous input: "Côte d'Ivoire" then names an unnamed partner.
CIV_ANONYMOUS = _replace(_input(37), "consent: named", "consent: anonymous")
CIV_ALL_ANONYMOUS = _all(CIV_ANONYMOUS, _replace(_input(4), "consent: named", "consent: anonymous"))
# Belgium, named in the example, made anonymous: its directorate-general (glossary "DGD") must then stay out.
BELGIUM_ANONYMOUS = _replace(_input(7), "consent: named", "consent: anonymous")
NL_ALIASES = _replace(PARTNERS, "  short_name: Netherlands\n",
                      "  short_name: Netherlands\n  aliases: [Dutch MFA, NL]\n")


def _second_ivorian_partner(root: Path) -> None:
    """A second Ivorian government body, anonymous, beside the named ministry."""
    _append(PARTNERS, "- id: cote-divoire-cnps\n  name: Caisse nationale de prévoyance sociale, Côte d'Ivoire\n"
                      "  kind: priority-country-government\n  region: africa\n  country: CIV\n")(root)
    text = (root / _input(37)).read_text(encoding="utf-8")
    text = text.replace("id: PI-037", "id: PI-047").replace("partner: cote-divoire-ministry",
                                                             "partner: cote-divoire-cnps")
    text = text.replace("consent: named", "consent: anonymous")
    (root / _input(47)).write_text(text, encoding="utf-8")


CASES = [
    # --- fields the team writes: a kept-out name stops the build, with file, line and field ---------------
    _team("consent-outcome-short-name", "consent-team-field", MEETING, S2_OUTCOME,
          "The ILO will explore a pooled funding window for Phase III with Germany.", "sessions[1].outcomes[1]"),
    _team("consent-key-message-country-name", "consent-team-field", MEETING, S1_MESSAGE,
          "In Paraguay, enrolment figures need to be complemented by data on active contributors",
          "sessions[0].key_messages[1]"),
    _team("consent-key-message-lower-case", "consent-team-field", MEETING, S1_MESSAGE,
          "in paraguay, enrolment figures need to be complemented by data on active contributors",
          "sessions[0].key_messages[1]"),
    _team("consent-outcome-full-name", "consent-team-field", MEETING, S2_OUTCOME,
          "The ILO will explore a pooled funding window with the International Monetary Fund.",
          "sessions[1].outcomes[1]"),
    _team("consent-outcome-glossary-acronym", "consent-team-field", MEETING, S2_OUTCOME,
          "The ILO will explore a pooled funding window for Phase III with BMZ.", "sessions[1].outcomes[1]"),
    _team("consent-outcome-glossary-expansion", "consent-team-field", MEETING, S2_OUTCOME,
          "The ILO will explore a pooled funding window with the Directorate-General for Development "
          "Cooperation and Humanitarian Aid.", "sessions[1].outcomes[1]", also=BELGIUM_ANONYMOUS),
    _team("consent-outcome-glossary-term-of-name", "consent-team-field", MEETING, S2_OUTCOME,
          "The ILO will explore a pooled funding window for Phase III with DGD.", "sessions[1].outcomes[1]",
          also=BELGIUM_ANONYMOUS),
    _team("consent-outcome-alias", "consent-team-field", MEETING, S2_OUTCOME,
          "The ILO will explore a pooled funding window for Phase III with the Dutch MFA.",
          "sessions[1].outcomes[1]", also=NL_ALIASES),
    _team("consent-outcome-two-letter-alias", "consent-team-field", MEETING, S2_OUTCOME,
          "The ILO will explore a pooled funding window for Phase III with NL.", "sessions[1].outcomes[1]",
          also=NL_ALIASES),
    _team("consent-outcome-typographic-apostrophe", "consent-team-field", MEETING, S2_OUTCOME,
          "The ILO will explore a pooled funding window for Phase III with Côte d’Ivoire.",
          "sessions[1].outcomes[1]", also=CIV_ALL_ANONYMOUS),
    _team("consent-outcome-without-accent", "consent-team-field", MEETING, S2_OUTCOME,
          "The ILO will explore a pooled funding window for Phase III with Cote d'Ivoire.",
          "sessions[1].outcomes[1]", also=CIV_ALL_ANONYMOUS),
    _team("consent-outcome-acronym", "consent-team-field", MEETING, S2_OUTCOME,
          "The ILO will explore a pooled funding window for Phase III with IDS and UNDP.",
          "sessions[1].outcomes[1]"),
    _team("consent-speaker-name-unlinked", "consent-speaker", MEETING, S3_SPEAKER, "Representative of France",
          "sessions[2].speakers[1].name"),
    _team("consent-speaker-organisation-unlinked", "consent-speaker", MEETING, S3_ORGANISATION,
          "Government of Finland", "sessions[2].speakers[3].organisation"),
    _team("consent-chair-name", "consent-speaker", MEETING, S4_CHAIR, "Representative of Kyrgyzstan",
          "sessions[3].chair.name"),
    # A speaker for an unnamed partner is shown by role only, so the role must not name it.
    Case("consent-speaker-linked-role", "consent-speaker",
         _all(_replace(MEETING, "        partner: wiego\n", "        partner: netherlands\n"),
              _replace(MEETING, "role: Civil society representative\n        organisation: \"Women",
                       "role: Envoy of the Netherlands\n        organisation: \"Women")),
         "problem", MEETING, _at(MEETING, S3_SPEAKER) + 1, "sessions[2].speakers[1].role", says=KEPT_OUT),
    _team("consent-priority-description", "consent-team-field", PRIORITIES, FINANCING,
          "Help countries pay for their social protection systems with the World Food Programme:",
          "description"),
    _team("consent-priority-title", "consent-team-field", PRIORITIES, "title: Sustainable and equitable financing",
          "title: Sustainable financing, as the AfDB proposes", "title"),
    _team("consent-thematic-area-title", "consent-team-field", THEMES, "title: Old-age pensions",
          "title: Old-age pensions (with WFP)", "title"),
    _team("consent-results-source", "consent-results-note", SUMMARY, "and the Phase II strategy (Ambition 2025);",
          "and the Phase II strategy (Ambition 2025), checked by UNDP;", "source"),
    _team("consent-results-note", "consent-results-note", SUMMARY, "Only the totals are confirmed:",
          "Only the totals are confirmed by the African Development Bank:", "illustrative_note"),
    _team("consent-meeting-venue", "consent-team-field", MEETING, "venue: Geneva and online",
          "venue: Embassy of France, Geneva and online", "venue"),
    _team("consent-objective", "consent-team-field", MEETING, "Identify key priorities for Phase III of the SPF Flagship Programme.",
          "Identify key priorities for Phase III of the SPF Flagship Programme with Germany.", "objectives[3].text"),
    _team("consent-named-partner-name", "consent-team-field", PARTNERS,
          "name: Government of Ireland, Department of Foreign Affairs (Irish Aid)",
          "name: Government of Ireland, Department of Foreign Affairs (Irish Aid), with Finland", "name"),
    _team("consent-name-over-two-lines", "consent-team-field", MEETING, S1_MESSAGE,
          "The International Monetary\n        Fund said enrolment figures need to be complemented by data on active "
          "contributors", "sessions[0].key_messages[1]"),
    _team("consent-publication-subtitle", "consent-team-field", "strategy.yml",
          "subtitle: Strategy for the third phase (2026–2030)",
          "subtitle: Strategy for the third phase (2026–2030), with Germany", "subtitle"),
    _team("consent-author-page-front-matter", "consent-author-page", "docs/context.md", "title: ",
          "title: With the IMF: ", None),
    _team("consent-navigation-title", "consent-author-page", "mkdocs.yml", "      - Context: context.md",
          "      - Context, with WFP: context.md", None),
    # --- look-alikes that must not be refused ------------------------------------------------------------
    _clean("consent-acronym-in-lower-case-is-no-name", "consent-false-hit", MEETING, S2_OUTCOME,
           "The ILO will list the input IDs that each Phase III priority rests on."),
    _clean("consent-two-letter-short-name-is-no-name", "consent-false-hit", MEETING, S2_OUTCOME,
           "The ILO will explore a pooled funding window for Phase III with FR partners.",
           also=_replace(PARTNERS, "short_name: France", "short_name: FR")),
    _clean("consent-name-inside-a-word-is-no-name", "consent-false-hit", MEETING, S2_OUTCOME,
           "The ILO will explore a pooled funding window with Frances and the Imfactory."),
    _clean("consent-speaker-linked-name-hidden", "consent-speaker", MEETING, "name: Representative of WIEGO",
           "name: Representative of the Netherlands",
           also=_replace(MEETING, "        partner: wiego\n", "        partner: netherlands\n")),
    _clean("consent-country-shared-with-named-partner", "consent-false-hit", MEETING, S2_OUTCOME,
           "The ILO will explore a pooled funding window for Phase III with Côte d'Ivoire.",
           also=_second_ivorian_partner),
    _clean("consent-withheld-text-may-name-itself", "consent-partner-text", _input(11),
           "vision: In our view the next phase", "vision: In Germany's view the next phase"),
    _clean("consent-named-partner-names-itself", "consent-partner-text", _input(1), LU_VISION,
           "As Luxembourg, we encourage the ILO to keep the Programme focused"),
    # --- partner text: the name is replaced by the kind of partner, with a warning -------------------------
    _partner("consent-self-naming-vision", _input(9), NL_VISION,
             "As the Netherlands, we have supported social protection work in countries", "vision",
             says="its own name"),
    _partner("consent-self-naming-key-quote", _input(9), NL_QUOTE,
             "For the Netherlands, parallel systems for displaced people are a stopgap", "key_quote"),
    _partner("consent-self-naming-country-experience", _input(21), KG_EXPERIENCE,
             "A large share of Kyrgyzstan’s working-age population works abroad", "country_experience"),
    _partner("consent-self-naming-proposal", _input(21), KG_PROPOSAL,
             "Kyrgyzstan proposes that Phase III support bilateral social security agreements",
             "priorities[0].proposal"),
    _partner("consent-self-naming-glossary-variant", _input(35), IDS_VISION,
             "As researchers at the Institute of Development Studies, we have followed the growth", "vision"),
    _partner("consent-other-partner-named", _input(1), LU_VISION,
             "With Germany, we encourage the ILO to keep the Programme focused", "vision",
             says="the name of another partner"),
]


# --- canaries: one project where every road a name can take carries a word that no outside build may show ---

NAME = "Zqnamecanary"
SHORT = "Zqshortcanary"
ALIAS = "Zqaliascanary"
COUNTRY = "Zqcountrycanary"
GLOSSARY_TERM = "ZQGC"
GLOSSARY_EXPANSION = "Zqglossarycanary"
SPEAKER = "Zqspeakercanary"
ORGANISATION = "Zqorgcanary"
SELF_NAMED = "Zqkyrgyzcanary"
WITHHELD_SPEAKER = "Zqwithheldspeaker"
NAME_CANARIES = (NAME, SHORT, ALIAS, COUNTRY, GLOSSARY_TERM, GLOSSARY_EXPANSION, SPEAKER, ORGANISATION,
                 SELF_NAMED, WITHHELD_SPEAKER)


def plant_name_canaries(root: Path) -> None:
    """The Netherlands (anonymous) and Kyrgyzstan (anonymous) under canary names, their names and variants in
    every kind of field a build may show: partner text (their own and a named partner's), an author page's
    quote, glossary entries, and speakers linked to them or to Germany (withheld). None of it may reach a
    partners or public build; all of it must build."""
    partners = root / PARTNERS
    replace_in(partners, "name: Government of the Netherlands, Ministry of Foreign Affairs",
               f"name: {NAME} Ministry of Foreign Affairs")
    replace_in(partners, "short_name: Netherlands\n", f"short_name: {SHORT}\n  aliases: [{ALIAS}]\n")
    replace_in(partners, "short_name: Kyrgyzstan", f"short_name: {SELF_NAMED}")
    replace_in(root / "inputs/countries.csv", "NLD,Netherlands,", f"NLD,{COUNTRY},")
    _append(GLOSSARY, f"- term: {GLOSSARY_TERM}\n  expansion: {GLOSSARY_EXPANSION} Directorate ({COUNTRY})\n")(root)
    # The anonymous partner names itself by every variant, in every field of its input.
    replace_in(root / _input(9), NL_VISION, f"As {SHORT}, the {NAME} Ministry of Foreign Affairs and "
               f"{GLOSSARY_TERM}, we have supported social protection work in countries")
    replace_in(root / _input(9), NL_QUOTE, f"For {COUNTRY} and the {GLOSSARY_EXPANSION} Directorate, "
               "parallel systems for displaced people are a stopgap")
    replace_in(root / _input(9), "We propose that Phase III include forcibly displaced people",
               f"{ALIAS} proposes that Phase III include forcibly displaced people")
    replace_in(root / _input(21), KG_EXPERIENCE, f"A large share of {SELF_NAMED}’s working-age population "
               "works abroad")
    replace_in(root / _input(21), "key_quote: Our migrant workers", f"key_quote: {SELF_NAMED}'s migrant workers")
    # A named partner names the anonymous ones.
    replace_in(root / _input(1), LU_VISION, f"With {SHORT}, {GLOSSARY_TERM} and {SELF_NAMED}, we encourage "
               "the ILO to keep the Programme focused")
    # Speakers for unnamed partners: shown by kind and role only.
    replace_in(root / MEETING, "name: Representative of WIEGO", f"name: {SPEAKER}")
    replace_in(root / MEETING, '"Women in Informal Employment: Globalizing and Organizing"', f"{ORGANISATION} Office")
    replace_in(root / MEETING, "        partner: wiego\n", "        partner: netherlands\n")
    replace_in(root / MEETING, "name: Representative of Save the Children", f"name: {WITHHELD_SPEAKER}")
    replace_in(root / MEETING, "        partner: save-the-children\n", "        partner: germany\n")
    # An author page quotes the anonymous input: the quote arrives with the names replaced.
    replace_in(root / "docs/vision.md", "## A vision that endures\n",
               '## A vision that endures\n\n{{ quote("PI-009") }}\n')


CASES += [
    Case("consent-canaries-partners-build", "consent-canaries", plant_name_canaries, "valid", command="build",
         audience="partners", canaries=NAME_CANARIES, seconds=300),
    Case("consent-canaries-public-build", "consent-canaries", plant_name_canaries, "valid", command="build",
         audience="public", canaries=NAME_CANARIES, seconds=300),
    Case("consent-author-page-names-unnamed-partner", "consent-author-page",
         _replace("docs/vision.md", "## A vision that endures\n",
                  "## A vision that endures\n\nThe Netherlands asked for this.\n"),
         "problem", "docs/vision.md", _at("docs/vision.md", "## A vision that endures") + 2, says=KEPT_OUT,
         command="build", seconds=300),
]
