"""The procedure catalogue, fee benefits, FAQ and synonyms as immutable data (no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Literal

from handlers.content import Link, shown_on

AuthorityLevel = Literal["xa", "tinh", "bo"]
OnlineLevel = Literal["toan_trinh", "mot_phan", "truc_tiep"]

AUTHORITY_LEVELS: tuple[str, ...] = ("xa", "tinh", "bo")
ONLINE_LEVELS: tuple[str, ...] = ("toan_trinh", "mot_phan", "truc_tiep")

# Procedure fields whose value a reviewer may flag as not yet verified (column `uncertain`).
UNCERTAIN_FIELDS: frozenset[str] = frozenset(
    {
        "code",
        "name",
        "field",
        "authority",
        "authority_level",
        "online_level",
        "fee",
        "online_saving",
        "benefit_ids",
        "processing_time",
        "portal_url",
        "documents",
    }
)


BENEFIT_UNCERTAIN_FIELDS: frozenset[str] = frozenset(
    {"title", "description", "legal_basis", "valid_from", "valid_until", "scope"}
)


@dataclass(frozen=True)
class Procedure:
    """One administrative procedure (TTHC) citizens commonly do."""

    code: str
    name: str
    field: str
    authority: str
    authority_level: AuthorityLevel
    online_level: OnlineLevel
    fee: str
    online_saving: str
    benefit_ids: tuple[str, ...]
    processing_time: str
    portal_url: str
    guides: tuple[str, ...]
    keywords: tuple[str, ...]
    uncertain: frozenset[str]
    source: str
    checked: str
    # thành phần hồ sơ: short lines, each saying what can be shown on VNeID instead of paper
    documents: tuple[str, ...] = ()

    def is_uncertain(self, name: str) -> bool:
        """True when a reviewer has not verified this field's value yet."""
        return name in self.uncertain


@dataclass(frozen=True)
class Benefit:
    """A fee reduction or waiver with its legal basis and the days it applies."""

    id: str
    title: str
    description: str
    legal_basis: str
    valid_from: date
    valid_until: date | None
    procedure_codes: tuple[str, ...]
    source: str = ""
    checked: str = ""
    # the province code (e.g. "01") whose people it applies to; "" means the whole country
    scope: str = ""
    # names of fields whose value is not verified yet (see BENEFIT_UNCERTAIN_FIELDS)
    uncertain: frozenset[str] = frozenset()

    def is_uncertain(self, name: str) -> bool:
        return name in self.uncertain

    def active(self, on: date) -> bool:
        """Whether the benefit applies on the given day (both ends inclusive)."""
        if on < self.valid_from:
            return False
        return self.valid_until is None or on <= self.valid_until

    def expired(self, on: date) -> bool:
        return self.valid_until is not None and on > self.valid_until

    def applies_to(self, province: str | None) -> bool:
        """A national benefit applies to everyone; a provincial one only to its people."""
        return not self.scope or self.scope == province


@dataclass(frozen=True)
class Faq:
    """A question citizens actually ask, with a short answer."""

    id: str
    question: str
    answer: str
    keywords: tuple[str, ...]
    links: tuple[Link, ...]
    source: str
    checked: str
    # the last day the answer is true (None: no end); after it the answer is never shown
    valid_until: date | None = None
    # a reviewer has not verified the answer
    uncertain: bool = False
    # procedures the answer is about: their live card replaces the answer once it has expired
    procedures: tuple[str, ...] = ()
    # benefits the answer refers to: shown under it while they apply, instead of copied figures
    benefit_ids: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()  # other ways citizens ask it (cách hỏi khác), for search

    def shown(self, day: date) -> bool:
        return shown_on(self.valid_until, day)


@dataclass(frozen=True)
class ProvinceInfo:
    """What the deploying province adds: its hotline and one-stop centres (overlay folder)."""

    code: str
    name: str
    hotline: str = ""
    centres: tuple[str, ...] = ()
    source: str = ""
    checked: str = ""


@dataclass(frozen=True)
class Catalog:
    """Procedures by code, benefits and FAQs by id, synonyms by folded term."""

    procedures: Mapping[str, Procedure] = field(default_factory=lambda: MappingProxyType({}))
    benefits: Mapping[str, Benefit] = field(default_factory=lambda: MappingProxyType({}))
    faqs: Mapping[str, Faq] = field(default_factory=lambda: MappingProxyType({}))
    # folded term or abbreviation ("gplx", "ho khau", "muc do 4") -> the phrases it means
    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    # the deploying province (DVCBOT_PROVINCE) when its overlay folder was loaded
    province: ProvinceInfo | None = None
    # procedure code -> other ways citizens ask for it (content/vi/procedure_examples.yaml)
    examples: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))

    def benefits_for(self, code: str, on: date, province: str | None = None) -> tuple[Benefit, ...]:
        """The benefits of a procedure that apply on the given day to a person of `province`
        (None: unknown, so only national ones), soonest ending first."""
        procedure = self.procedures.get(code)
        if procedure is None:
            return ()
        return self.active_benefits(procedure.benefit_ids, on, province)

    def active_benefits(
        self, ids: tuple[str, ...], on: date, province: str | None = None
    ) -> tuple[Benefit, ...]:
        """Those of the named benefits that apply on the day to a person of `province`."""
        found = [
            self.benefits[b]
            for b in ids
            if b in self.benefits
            and self.benefits[b].active(on)
            and self.benefits[b].applies_to(province)
        ]
        return tuple(sorted(found, key=lambda b: (b.valid_until or date.max, b.id)))
