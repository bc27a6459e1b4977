"""The records the rest of the pipeline works on, typed and validated.

Each model is both the schema of one kind of input file and the record that
later stages read. Field names are what an author writes in the YAML or CSV;
`extra="forbid"` turns a misspelt field into an error instead of a silent loss.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

# Input IDs are opaque on purpose: an anonymous input's ID is shown to readers
# and must not reveal who sent it. Digits are ASCII: the pattern engine's \d would also take Arabic-Indic or
# full-width digits, which look like the same ID and are not.
InputId = Annotated[str, StringConstraints(pattern=r"^PI-[0-9]{3,4}$")]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
SessionId = Annotated[str, StringConstraints(pattern=r"^S[0-9]{1,2}$")]
ObjectiveId = Annotated[str, StringConstraints(pattern=r"^O[0-9]{1,2}$")]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
_CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _no_control_character(value: str) -> str:
    """A control character (a form feed written "\\f" in YAML) prints nothing and breaks the Word version's XML."""
    if found := _CONTROL_CHARACTER.search(value):
        raise PydanticCustomError("control_character", "text without control characters (found {point})",
                                  {"point": f"U+{ord(found.group()):04X}"})
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(_no_control_character)]

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_WHOLE_NUMBER = re.compile(r"[0-9]{1,15}")
# More than anyone a programme could count (the world has about 8 billion people): a bigger number is a typo.
MAX_COUNT = 10_000_000_000


def _written_date(value: Any) -> Any:
    """A date as YAML reads it, or text written YYYY-MM-DD. Pydantic would also read a number as Unix time
    (20250206 becomes a day in 1970); no author means that."""
    if isinstance(value, dt.date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value.strip())):
        return value
    raise PydanticCustomError("written_date", "a date written YYYY-MM-DD (a number is not read as a date)")


def _whole_number(value: Any) -> Any:
    """A whole number as YAML reads it, or ASCII digits in a CSV cell. Pydantic would also take true as 1,
    2.0 as 2 and other scripts' digits; each of those is a typo or a shifted column here."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
        return int(value)
    raise PydanticCustomError("whole_number", "an integer written with the digits 0-9, without separators")


Date = Annotated[dt.date, BeforeValidator(_written_date)]
Count = Annotated[int, BeforeValidator(_whole_number), Field(ge=0, le=MAX_COUNT)]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class Region(str, Enum):
    """The five ILO regions, plus global for partners that work everywhere."""

    AFRICA = "africa"
    AMERICAS = "americas"
    ARAB_STATES = "arab-states"
    ASIA_PACIFIC = "asia-pacific"
    EUROPE_CENTRAL_ASIA = "europe-central-asia"
    GLOBAL = "global"

    @property
    def label(self) -> str:
        return {
            "africa": "Africa",
            "americas": "Americas",
            "arab-states": "Arab States",
            "asia-pacific": "Asia and the Pacific",
            "europe-central-asia": "Europe and Central Asia",
            "global": "Global",
        }[self.value]


class PartnerKind(str, Enum):
    DONOR_GOVERNMENT = "donor-government"
    PRIORITY_COUNTRY_GOVERNMENT = "priority-country-government"
    EMPLOYERS_ORGANISATION = "employers-organisation"
    WORKERS_ORGANISATION = "workers-organisation"
    UN_AGENCY = "un-agency"
    FINANCIAL_INSTITUTION = "financial-institution"
    CIVIL_SOCIETY = "civil-society"
    ACADEMIA = "academia"
    # Neither a government nor of the UN system: an organization of States of one region (the European Union,
    # the African Union), and an international organization of other members (ISSA, of social security
    # institutions). Each kind's meaning is in inputs/README.md.
    REGIONAL_ORGANISATION = "regional-organisation"
    INTERNATIONAL_ORGANISATION = "international-organisation"

    @property
    def label(self) -> str:
        """Plural label, for tables of counts."""
        return {
            "donor-government": "Development partner governments",
            "priority-country-government": "Priority-country governments",
            "employers-organisation": "Employers' organizations",
            "workers-organisation": "Workers' organizations",
            "un-agency": "UN agencies",
            "financial-institution": "International financial institutions",
            "civil-society": "Civil society organizations",
            "academia": "Academia and research",
            "regional-organisation": "Regional organizations",
            "international-organisation": "Other international organizations",
        }[self.value]

    @property
    def anonymous_label(self) -> str:
        """How an anonymous input is attributed: by kind of partner only."""
        return {
            "donor-government": "a development partner government",
            "priority-country-government": "a priority-country government",
            "employers-organisation": "an employers' organization",
            "workers-organisation": "a workers' organization",
            "un-agency": "a UN agency",
            "financial-institution": "an international financial institution",
            "civil-society": "a civil society organization",
            "academia": "an academic institution",
            "regional-organisation": "a regional organization",
            "international-organisation": "an international organization",
        }[self.value]


class Consent(str, Enum):
    """What the partner agreed to. Absent means withheld: the safest reading."""

    NAMED = "named"
    ANONYMOUS = "anonymous"
    WITHHELD = "withheld"


class Timing(str, Enum):
    BEFORE_MEETING = "before-meeting"
    DURING_MEETING = "during-meeting"

    @property
    def label(self) -> str:
        return {"before-meeting": "Before the meeting", "during-meeting": "During the meeting"}[self.value]


class Channel(str, Enum):
    WRITTEN_SUBMISSION = "written-submission"
    ONLINE_FORM = "online-form"
    SESSION_INTERVENTION = "session-intervention"
    BILATERAL_CONSULTATION = "bilateral-consultation"

    @property
    def label(self) -> str:
        return self.value.replace("-", " ").capitalize()


# --- reference lists ---------------------------------------------------------


class Country(Record):
    code: CountryCode
    name: Text
    region: Region
    priority_country: bool
    illustrative: bool = False


class ThematicArea(Record):
    id: Slug
    title: Text
    group: Text


class Priority(Record):
    """A candidate Phase III priority that partner proposals are coded against."""

    id: Slug
    title: Text
    description: Text


class GlossaryEntry(Record):
    term: Text
    expansion: Text


# --- partners and what they sent ----------------------------------------------


class Partner(Record):
    id: Slug
    name: Text
    short_name: Text | None = None
    kind: PartnerKind
    region: Region
    country: CountryCode | None = None
    # Other names the partner goes by ("Irish Aid"): consent holds for these as for its name.
    aliases: tuple[Text, ...] = ()  # a tuple: records are frozen and hashable
    illustrative: bool = False

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


class Wording(str, Enum):
    """Whose words a text is: the partner's own (set as a quotation, in quotation marks, attributed), or an
    author's summary of what the partner said (set as running text, never as a quotation)."""

    QUOTATION = "quotation"
    SUMMARY = "summary"


class ProposedPriority(Record):
    priority: Slug
    proposal: Text
    # A proposal is an author's summary unless the input says it is the partner's own words: a summary in the
    # third person ("Ireland encourages ...") must never be set as a quotation.
    wording: Wording = Wording.SUMMARY


class NoteKind(str, Enum):
    """What a note in a partner's Word submission was: a comment, or a change the partner tracked."""

    COMMENT = "comment"
    INSERTION = "insertion"
    DELETION = "deletion"


class PartnerNote(Record):
    """A Word comment or tracked change inside a partner's submission.

    Kept for the authors, with who wrote it and when; never published outside an internal build, and never
    mixed into the text of the input.
    """

    kind: NoteKind
    text: Text
    author: Text | None = None
    date: Date | None = None
    anchor: Text | None = None  # the text a comment is on
    reply_to: int | None = Field(default=None, ge=1)  # a reply: the number (from 1) of the note it answers


class PartnerInput(Record):
    id: InputId
    partner: Slug
    received: Date
    timing: Timing
    channel: Channel
    consent: Consent = Consent.WITHHELD
    session: SessionId | None = None
    themes: list[Slug] = Field(min_length=1)
    priorities: list[ProposedPriority] = Field(min_length=1)
    vision: Text | None = None
    country_experience: Text | None = None
    key_quote: Text | None = None
    illustrative: bool = False
    # Where the input was imported from ("submission.docx"; a form export's file and row), for provenance.
    imported_from: Text | None = None
    notes: list[PartnerNote] = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_a_statement(self) -> "PartnerInput":
        if self.vision is None and self.country_experience is None:
            raise ValueError("needs its vision or its country_experience as text (or both)")
        return self


# --- reviewers' comments on an edition and the authors' responses ---------------

FeedbackId = Annotated[str, StringConstraints(pattern=r"^FB-[0-9]{3,4}$")]
# A paragraph as review drafts number it: "12" across the document, or "3.12" within chapter 3.
ParagraphNumber = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,4}(\.[0-9]{1,4})?$")]


class FeedbackStatus(str, Enum):
    """Where the authors stand on a comment. Only `open` asks for nothing; `declined` needs a reason."""

    OPEN = "open"
    ACCEPTED = "accepted"
    PARTLY_ACCEPTED = "partly accepted"
    DECLINED = "declined"
    NOTED = "noted"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class FeedbackChannel(str, Enum):
    """How the comments came back."""

    RETURNED_DRAFT = "returned-draft"  # Word comments in the reviewers' DOCX
    COMMENT_MATRIX = "comment-matrix"  # an Excel or CSV matrix
    E_MAIL = "e-mail"  # the site's "Comment" action, or any letter

    @property
    def label(self) -> str:
        return {"returned-draft": "Comments in the Word draft", "comment-matrix": "Comment matrix",
                "e-mail": "E-mail"}[self.value]


def _int_paragraph(value: Any) -> Any:
    """A paragraph number as YAML or a spreadsheet reads it: 12 is "12"."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class FeedbackComment(Record):
    """One comment of a reviewer, placed in the edition, with the authors' response."""

    id: FeedbackId
    section: Text | None = None  # the section's heading as the edition prints it
    paragraph: Annotated[ParagraphNumber | None, BeforeValidator(_int_paragraph)] = None
    quoted: Text | None = None  # the text the comment is on
    comment: Text
    proposed_text: Text | None = None
    reply_to: FeedbackId | None = None  # a reply in a Word thread
    response: Text | None = None
    action: Text | None = None
    status: FeedbackStatus = FeedbackStatus.OPEN

    @model_validator(mode="after")
    def _declined_with_a_reason(self) -> "FeedbackComment":
        if self.status is FeedbackStatus.DECLINED and self.response is None:
            raise ValueError("is declined: its `response` must give the reason")
        return self


class Feedback(Record):
    """inputs/feedback/<reviewer>-<edition>.yaml: one reviewer's comments on one edition."""

    reviewer: Slug  # a partner ID: consent holds for reviewers as for partner inputs
    consent: Consent = Consent.WITHHELD
    edition: Text  # the edition's label, as strategy.yml gives it: "Draft 1"
    received: Date
    channel: FeedbackChannel
    imported_from: Text | None = None
    illustrative: bool = False
    comments: list[FeedbackComment] = Field(min_length=1)


# --- the partners meeting ------------------------------------------------------


class Speaker(Record):
    name: Text
    role: Text
    organisation: Text
    partner: Slug | None = None


class Objective(Record):
    id: ObjectiveId
    text: Text


class Session(Record):
    id: SessionId
    title: Text
    objectives: list[ObjectiveId] = Field(min_length=1)
    chair: Speaker | None = None
    speakers: list[Speaker] = Field(min_length=1)
    key_messages: list[Text] = Field(min_length=1)
    outcomes: list[Text] = Field(min_length=1)
    priorities: list[Slug] = Field(default_factory=list)
    themes: list[Slug] = Field(default_factory=list)


class Meeting(Record):
    title: Text
    date: Date
    venue: Text
    format: Text
    source: Text | None = None  # where the real facts about the meeting come from (its concept note)
    illustrative: bool = False
    objectives: list[Objective] = Field(min_length=1)
    sessions: list[Session] = Field(min_length=1)


# --- Phase II results ------------------------------------------------------------


class CoverageDimension(str, Enum):
    LEGAL = "legal-coverage"
    EFFECTIVE = "effective-coverage"
    ADEQUACY = "adequacy"

    @property
    def label(self) -> str:
        return {
            "legal-coverage": "Legal coverage",
            "effective-coverage": "Effective coverage",
            "adequacy": "Adequacy and comprehensiveness",
        }[self.value]


class TargetAndAchievement(Record):
    target: Count
    achieved: Count


class PeopleCovered(Record):
    dimension: CoverageDimension
    target: Count
    achieved: Count


class ResultsSummary(Record):
    phase: Text
    reporting_period: Text
    priority_countries: Count
    institutional_changes: TargetAndAchievement
    people: list[PeopleCovered] = Field(min_length=1)
    source: Text
    illustrative_note: Text | None = None


class CountryResult(Record):
    """One row of the per-country results table."""

    country: CountryCode
    institutional_changes: Count
    legal_coverage: Count
    effective_coverage: Count
    adequacy: Count
    illustrative: bool = False

    def people(self, dimension: CoverageDimension) -> int:
        return getattr(self, dimension.value.replace("-", "_"))


# --- headline figures: each stated once, with its source ------------------------


class FigureSource(Record):
    id: Slug
    title: Text
    url: Text
    date: dt.date


class FigureUpdate(Record):
    """A later figure: shown only as a dated update, with its own source."""

    text: Text
    value: int = Field(ge=0)
    as_of: dt.date
    source: Slug


class HeadlineFigure(Record):
    id: Slug
    text: Text  # as prose states it: "148 institutional changes"
    value: int | None = Field(default=None, ge=0)
    target: int | None = Field(default=None, ge=0)
    target_text: Text | None = None  # "a target of 80"
    period: Text | None = None
    updates: list[FigureUpdate] = Field(default_factory=list)


class HeadlineFigures(Record):
    """inputs/headline-figures.yaml: the one record that every page stating a headline figure reads."""

    source: Slug  # the source of every figure (not of its updates)
    sources: list[FigureSource] = Field(min_length=1)
    figures: list[HeadlineFigure] = Field(min_length=1)

    def figure(self, figure_id: str) -> HeadlineFigure | None:
        return next((f for f in self.figures if f.id == figure_id), None)

    def source_of(self, source_id: str) -> FigureSource | None:
        return next((s for s in self.sources if s.id == source_id), None)


# --- the publication itself ------------------------------------------------------


class Edition(Record):
    label: Text
    date: Date
    final: bool = False


class Rights(Record):
    """The copyright page: who holds the rights, under which licence, and how to cite."""

    holder: Text
    year: Annotated[int, BeforeValidator(_whole_number), Field(ge=1900, le=2100)]
    licence: Text
    licence_text: Text
    isbn: Text
    citation: Text
    disclaimer: Text


class Publication(Record):
    """What strategy.yml says about the document: title, edition, who publishes it."""

    title: Text
    subtitle: Text
    programme: Text
    short_title: Text
    edition: Edition
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]
    author: Text
    publisher: Text
    subject: Text
    keywords: list[Text] = Field(default_factory=list)
    # Where the site's Comment links send reviewers' e-mails; a partners build needs one (facts.py).
    comments_email: Text | None = None
    pdf_file: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9.-]*\.pdf$")]
    inputs_folder: Text = "inputs"
    rights: Rights
    # Numbered paragraphs (paragraphs.py) in every output; unset: on in a draft, off in a final edition.
    paragraph_numbers: bool | None = None

    @property
    def numbers_paragraphs(self) -> bool:
        return (not self.edition.final) if self.paragraph_numbers is None else self.paragraph_numbers

    @property
    def archive_pdf_file(self) -> str:
        """The PDF/A edition for the archive, beside the reading edition."""
        return self.pdf_file.removesuffix(".pdf") + "-archive.pdf"

    @property
    def docx_file(self) -> str:
        """The Word version for reviewers who comment in Word, beside the PDF."""
        return self.pdf_file.removesuffix(".pdf") + ".docx"
