"""The "catalog" content part: procedures, fee benefits, FAQ and synonyms in one Catalog."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from types import MappingProxyType

from bot.content.benefits import check_benefit_codes, load_benefits, warn_stale_mentions
from bot.content.loader import PARTS, Loading
from bot.content.procedures import CODE, COLUMNS, load_procedures
from bot.content.questions import fold, load_faqs, load_synonyms
from handlers.catalog import Benefit, Catalog, Procedure

# CODE, COLUMNS and fold are re-exported for callers that validate or import procedure rows.
__all__ = ["CODE", "COLUMNS", "CatalogPart", "fold"]


@dataclass
class CatalogPart:
    """Content part "catalog"; `today` decides which benefits are expired or about to expire."""

    name: str = "catalog"
    today: date | None = None

    def load(self, loading: Loading) -> Catalog:
        today = self.today or loading.today
        benefits, lines = load_benefits(loading, today)
        procedures = load_procedures(loading, set(benefits))
        check_benefit_codes(loading, benefits, lines, procedures)
        warn_stale_mentions(loading, benefits, today)
        procedures, benefits = _cross_link(procedures, benefits)
        faqs = load_faqs(loading)
        synonyms = load_synonyms(loading)
        loading.targets["proc"] = set(procedures)
        loading.targets["faq"] = set(faqs)
        return Catalog(
            procedures=MappingProxyType(procedures),
            benefits=MappingProxyType(benefits),
            faqs=MappingProxyType(faqs),
            synonyms=MappingProxyType(synonyms),
        )


def _cross_link(
    procedures: dict[str, Procedure], benefits: dict[str, Benefit]
) -> tuple[dict[str, Procedure], dict[str, Benefit]]:
    """A link written on either side (procedure.benefit_ids or benefit.procedure_codes) counts."""
    pairs = {(code, b) for code, p in procedures.items() for b in p.benefit_ids}
    pairs |= {(code, b.id) for b in benefits.values() for code in b.procedure_codes}
    pairs = {(code, b) for code, b in pairs if code in procedures and b in benefits}
    linked_procedures = {
        code: replace(p, benefit_ids=tuple(sorted(b for c, b in pairs if c == code)))
        for code, p in procedures.items()
    }
    linked_benefits = {
        bid: replace(b, procedure_codes=tuple(sorted(c for c, x in pairs if x == bid)))
        for bid, b in benefits.items()
    }
    return linked_procedures, linked_benefits


PARTS.append(CatalogPart())
