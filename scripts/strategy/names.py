"""Partners' names and their variants, and a finder of them in any text.

A partner goes by more than its `name`: its short name, its country (for a government), the glossary entries
that spell it out ("DGD" for Belgium's directorate-general) and the aliases the team lists. Consent must hold
whichever of these a text uses, so every stage that decides what to show asks this module where they are.

The rules (documented in inputs/README.md, "Names and consent"):

- matches are whole words, case-insensitive, blind to accents, typographic apostrophes and dashes, and to how
  the words are spread over lines;
- a variant written as an acronym (one word with two or more capitals: IDS, AfDB) matches only with those
  capitals, so that "input IDs" is not read as IDS;
- a variant the pipeline derives (short name, country name, glossary entry) needs at least 3 letters or
  digits ("EU" does not count); the full name and explicit aliases always count.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .inputs.records import Partner, PartnerKind

if TYPE_CHECKING:
    from .inputs import StrategyInputs

MINIMUM_DERIVED_LENGTH = 3
# A run of this many words of a partner's name, spelt out in a glossary expansion, names the partner
# ("Institute of Development Studies"); shorter runs ("United Nations") are too generic.
MINIMUM_NAME_WORDS = 3
GOVERNMENTS = {PartnerKind.DONOR_GOVERNMENT, PartnerKind.PRIORITY_COUNTRY_GOVERNMENT}

_APOSTROPHES = dict.fromkeys(map(ord, "\u2018\u2019\u02bc\u02b9\u2032\u00b4`\uff07"), "'")
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2212"), "-")


@dataclass(frozen=True)
class Variant:
    """One way of writing a partner's name, and where the pipeline learnt it."""

    partner: str  # the partner's ID
    text: str
    source: str  # "name", "short name", "country", "glossary", "alias"

    @property
    def counts(self) -> bool:
        """Whether the variant is specific enough to look for (see the module's rules)."""
        if self.source in ("name", "alias"):
            return True
        return sum(c.isalnum() for c in self.text) >= MINIMUM_DERIVED_LENGTH


@dataclass(frozen=True)
class Mention:
    """Where a text names one or more partners (a shared variant names all who share it)."""

    start: int
    end: int
    text: str  # as written in the text
    partners: frozenset[str]


def fold(text: str) -> tuple[str, list[int]]:
    """The text without accents, with plain apostrophes and hyphens; and, for each folded character, the
    index of the original character it came from."""
    if text.isascii():  # most text: no accents, and the only apostrophe to change is the backtick
        return text.translate(_APOSTROPHES), list(range(len(text)))
    folded: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        plain = _fold_character(char)
        folded.append(plain)
        origin.extend([index] * len(plain))
    return "".join(folded), origin


@functools.cache
def _fold_character(char: str) -> str:
    """One character folded (NFKD without combining marks, plain apostrophes and hyphens), kept for reuse:
    a text uses few distinct characters, and normalising each of them afresh was most of the check's time."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return plain.translate(_APOSTROPHES).translate(_DASHES)


def is_acronym(text: str) -> bool:
    return not any(c.isspace() for c in text) and sum(c.isupper() for c in text) >= 2


def _key(folded: str, exact: bool) -> str:
    """What two spellings of one variant share: spaces and hyphens alike, and the case unless exact."""
    key = re.sub(r"[-\s]+", " ", folded).strip()
    return key if exact else key.casefold()


def _pattern(variant: str) -> str:
    words = fold(variant)[0].split()
    return r"\s+".join(re.escape(w).replace(r"\-", r"[-\s]") for w in words)


class NameFinder:
    """Finds every variant of a set of partners' names in a text."""

    def __init__(self, variants: Iterable[Variant]):
        self.variants = tuple(variants)
        self.partners_of: dict[tuple[bool, str], set[str]] = defaultdict(set)
        written: dict[bool, set[str]] = {False: set(), True: set()}
        for variant in self.variants:
            if variant.counts and variant.text.strip():
                exact = is_acronym(variant.text)
                folded = fold(variant.text.strip())[0]
                written[exact].add(folded)
                self.partners_of[(exact, _key(folded, exact))].add(variant.partner)
        self._written = {exact: sorted(keys, key=len, reverse=True) for exact, keys in written.items() if keys}
        # Compiled when first needed: compiling the finders' patterns was a tenth of `strategy check` of the
        # example, most of it for re.IGNORECASE, which ASCII text does not need (_patterns_for).
        self._compiled: dict[tuple[bool, bool], re.Pattern] = {}
        # Each text's mentions, as found: the consent check, the audience's view and the chapters ask about the same
        # partner texts, and a finder's answer for a text never changes.
        self._found: dict[str, tuple[Mention, ...]] = {}

    def __bool__(self) -> bool:
        return bool(self.partners_of)

    def names(self, partner: str) -> bool:
        """Whether the finder looks for this partner's names."""
        return any(partner in found for found in self.partners_of.values())

    def _patterns_for(self, folded: str) -> list[tuple[bool, re.Pattern, str]]:
        """Each pattern (whether it is exact, the pattern, the text to search) for a folded text.

        In ASCII text, re.IGNORECASE takes a letter only for its other case, so the case-blind pattern is the
        same as its keys in lower case searched for, case-sensitively, in the text in lower case (same length,
        same places), which compiles in a third of the time. Keys that are not all ASCII keep the case-blind
        pattern (re.I takes "K", the Kelvin sign, for "k")."""
        found = []
        for exact, keys in self._written.items():
            lower = not exact and folded.isascii() and all(k.isascii() for k in keys)
            if (pattern := self._compiled.get((exact, lower))) is None:
                body = "|".join(_pattern(k.lower() if lower else k) for k in keys)
                pattern = self._compiled[(exact, lower)] = re.compile(
                    rf"(?<!\w)(?:{body})(?!\w)", 0 if exact or lower else re.IGNORECASE)
            found.append((exact, pattern, folded.lower() if lower else folded))
        return found

    def find(self, text: str) -> list[Mention]:
        """Every mention, left to right; where two overlap, the longer wins."""
        if not self._written or not text:
            return []
        found = self._found.get(text)
        if found is None:
            found = self._found[text] = tuple(self._search(text))
        return list(found)

    def _search(self, text: str) -> list[Mention]:
        folded, origin = fold(text)
        found: list[Mention] = []
        for exact, pattern, searched in self._patterns_for(folded):
            for match in pattern.finditer(searched):
                partners = frozenset(self.partners_of.get((exact, _key(match.group(0), exact)), ()))
                start, end = origin[match.start()], origin[match.end() - 1] + 1
                found.append(Mention(start, end, text[start:end], partners))
        found.sort(key=lambda m: (m.start, -(m.end - m.start)))
        kept: list[Mention] = []
        for mention in found:
            if not kept or mention.start >= kept[-1].end:
                kept.append(mention)
        return kept

    def replace(self, text: str, by: Callable[[Mention, str], str]) -> str:
        """The text with each mention replaced by `by(mention, text)`."""
        out, last = [], 0
        for mention in self.find(text):
            out += [text[last:mention.start], by(mention, text)]
            last = mention.end
        return "".join(out) + text[last:]


# Records -> their partners' variants, kept with the records so that their id is not reused while here: the
# consent check, the wording check and the priorities chapter each ask for the same records' variants.
_variants_of: dict[int, tuple["StrategyInputs", dict[str, list[Variant]]]] = {}
KEPT = 8


def partner_variants(inputs: "StrategyInputs") -> dict[str, list[Variant]]:
    """Every partner's variants: name, short name, aliases, a government's country name, and the glossary
    entries that name the partner (their term and expansion both become variants). Worked out once per
    records; the answer is shared, not to be changed.

    A glossary entry names a partner when it contains one of the partner's own variants ("(Belgium)"), when
    its term is a word of the partner's name ("... Humanitarian Aid (DGD)"), or when its expansion, without a
    closing bracket, is a run of at least MINIMUM_NAME_WORDS words of that name.
    """
    kept = _variants_of.get(id(inputs))
    if kept is None or kept[0] is not inputs:
        while len(_variants_of) >= KEPT:  # `mkdocs serve` loads the records anew on every change
            _variants_of.pop(next(iter(_variants_of)))
        kept = _variants_of[id(inputs)] = (inputs, _partner_variants(inputs))
    return kept[1]


def _partner_variants(inputs: "StrategyInputs") -> dict[str, list[Variant]]:
    variants = {pid: _own_variants(p, inputs) for pid, p in inputs.partners.items()}
    own = NameFinder(v for found in variants.values() for v in found)
    terms = NameFinder(Variant(str(n), e.term, "alias") for n, e in enumerate(inputs.glossary)
                       if sum(c.isalnum() for c in e.term) >= MINIMUM_DERIVED_LENGTH)
    cores = NameFinder(Variant(str(n), core, "alias") for n, e in enumerate(inputs.glossary)
                       if len((core := _without_bracket(e.expansion)).split()) >= MINIMUM_NAME_WORDS)
    naming: dict[str, set[int]] = defaultdict(set)  # partner ID -> indexes of the glossary entries naming it
    for n, entry in enumerate(inputs.glossary):
        for mention in own.find(f"{entry.term}\n{entry.expansion}"):
            for pid in mention.partners:
                naming[pid].add(n)
    for pid, partner in inputs.partners.items():
        names = "\n".join([partner.name, *([partner.short_name] if partner.short_name else [])])
        for mention in [*terms.find(names), *cores.find(names)]:
            naming[pid] |= {int(n) for n in mention.partners}
    for pid, entries in naming.items():
        for n in sorted(entries):
            entry = inputs.glossary[n]
            variants[pid] += [Variant(pid, entry.term, "glossary"), Variant(pid, entry.expansion, "glossary")]
            # Without its closing bracket, which often only says the country: "Directorate-General ... Aid".
            core = _without_bracket(entry.expansion)
            if core != entry.expansion and len(core.split()) >= 2:  # one word ("Ministry") is too generic
                variants[pid].append(Variant(pid, core, "glossary"))
    return variants


def _without_bracket(expansion: str) -> str:
    return re.sub(r"\s*\([^()]*\)\s*$", "", expansion)


def _own_variants(partner: Partner, inputs: "StrategyInputs") -> list[Variant]:
    out = [Variant(partner.id, partner.name, "name")]
    if partner.short_name:
        out.append(Variant(partner.id, partner.short_name, "short name"))
    out += [Variant(partner.id, alias, "alias") for alias in getattr(partner, "aliases", None) or []]
    if partner.kind in GOVERNMENTS and partner.country in inputs.countries:
        out.append(Variant(partner.id, inputs.countries[partner.country].name, "country"))
    return out


def variant_key(variant: Variant) -> tuple[bool, str]:
    """What two variants share when they are the same name, however written."""
    exact = is_acronym(variant.text)
    return exact, _key(fold(variant.text.strip())[0], exact)
