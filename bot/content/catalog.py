"""The "catalog" content part: procedures, fee benefits, FAQ and synonyms in one Catalog.

National content comes from the content folder; the deploying province's overlay
(`provinces/<code>/`, chosen by DVCBOT_PROVINCE) is loaded over it: its benefits, procedures,
documents and questions are added, replacing national ones with the same id or code.
Every overlay is checked, whichever province is deployed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from types import MappingProxyType

from bot.content.benefits import check_benefit_codes, load_benefits, warn_stale_mentions
from bot.content.documents import load_documents
from bot.content.loader import PARTS, Loading
from bot.content.procedures import CODE, COLUMNS, load_procedures
from bot.content.provinces import load_province_info, overlay_folders
from bot.content.questions import fold, load_faqs, load_procedure_examples, load_synonyms
from handlers.catalog import Benefit, Catalog, Faq, Procedure, ProvinceInfo

# CODE, COLUMNS and fold are re-exported for callers that validate or import procedure rows.
__all__ = ["CODE", "COLUMNS", "CatalogPart", "fold"]


@dataclass
class Layer:
    """The catalogue as one folder (national, or national + one overlay) leaves it."""

    benefits: dict[str, Benefit] = field(default_factory=dict)
    procedures: dict[str, Procedure] = field(default_factory=dict)
    faqs: dict[str, Faq] = field(default_factory=dict)


@dataclass
class CatalogPart:
    """Content part "catalog". `today` (default: the loading's day) decides which benefits are
    expired or about to expire; `province` (default: the loading's) picks the overlay."""

    name: str = "catalog"
    today: date | None = None
    province: str | None = None

    def load(self, loading: Loading) -> Catalog:
        today = self.today or loading.today
        wanted = self.province if self.province is not None else loading.province
        national = _load_layer(loading, loading.root, today, Layer(), "")
        warn_stale_mentions(loading, national.benefits, today)
        chosen, info = national, None
        procs, faqs = set(national.procedures), set(national.faqs)
        papers = {code for code, p in national.procedures.items() if p.documents}
        for code, folder in overlay_folders(loading):
            layer = _load_layer(loading, folder, today, national, code)
            procs |= set(layer.procedures)
            faqs |= set(layer.faqs)
            papers |= {code for code, p in layer.procedures.items() if p.documents}
            if code == wanted:
                chosen, info = layer, load_province_info(loading, code, folder)
            else:
                load_province_info(loading, code, folder)
        if wanted and info is None:
            info = _info_without_overlay(wanted)
        procedures, benefits = _cross_link(chosen.procedures, chosen.benefits)
        synonyms = load_synonyms(loading, loading.root)
        examples = load_procedure_examples(loading, procs)
        loading.targets["proc"] = procs
        loading.targets["faq"] = faqs
        loading.targets["docs"] = papers
        return Catalog(
            procedures=MappingProxyType(procedures),
            benefits=MappingProxyType(benefits),
            faqs=MappingProxyType(chosen.faqs),
            synonyms=MappingProxyType(synonyms),
            province=info,
            examples=MappingProxyType(examples),
        )


def _load_layer(loading: Loading, folder: Path, today: date, base: Layer, code: str) -> Layer:
    """The files of one folder over `base`: same ids and codes replace, new ones are added."""
    own, lines = load_benefits(loading, today, folder, code)
    benefits = {**base.benefits, **own}
    own_procs = load_procedures(loading, set(benefits), folder)
    check_benefit_codes(loading, own, lines, {**base.procedures, **own_procs})
    procedures = load_documents(loading, folder, {**base.procedures, **own_procs})
    faqs = {**base.faqs, **load_faqs(loading, folder, set(procedures), set(benefits))}
    return Layer(benefits, procedures, faqs)


def _info_without_overlay(code: str) -> ProvinceInfo | None:
    from handlers import places  # the province's name, when it has no overlay folder

    place = places.province(code)
    return ProvinceInfo(code=place.code, name=place.name) if place else None


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
