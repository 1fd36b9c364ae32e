"""What the index searches: guides, FAQ entries and procedures flattened into weighted fields."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from handlers.content import Content

GUIDE, FAQ, PROCEDURE = "guide", "faq", "proc"


@dataclass(frozen=True, slots=True)
class Document:
    """One searchable item. `kind:id` is also the button payload that opens it."""

    kind: str
    id: str
    title: str
    keywords: tuple[str, ...] = ()
    body: str = ""

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.id}"


def documents_from(content: Content) -> Iterator[Document]:
    """Every guide, FAQ entry and procedure of `content`."""
    for guide in content.guides.values():
        steps = " ".join(f"{s.title} {s.body}" for s in guide.steps)
        yield Document(GUIDE, guide.id, guide.title, guide.keywords, f"{guide.summary} {steps}")
    catalog = content.extra.get("catalog")
    if catalog is None:
        return
    for faq in catalog.faqs.values() if isinstance(catalog.faqs, Mapping) else catalog.faqs:
        yield Document(FAQ, faq.id, faq.question, tuple(faq.keywords), faq.answer)
    procedures = catalog.procedures
    for proc in procedures.values() if isinstance(procedures, Mapping) else procedures:
        yield procedure_document(proc)


def procedure_document(proc: Any) -> Document:
    """A procedure: its name is the title; code, field and keywords are keywords."""
    keywords = (*proc.keywords, proc.code, proc.field)
    body = " ".join(str(v) for v in (proc.authority, proc.fee, proc.online_saving) if v)
    return Document(PROCEDURE, proc.code, proc.name, tuple(k for k in keywords if k), body)


def synonyms_from(content: Content) -> Mapping[str, tuple[str, ...]]:
    """Folded term -> what it also means (from content/vi/synonyms.yaml, when present)."""
    catalog = content.extra.get("catalog")
    return getattr(catalog, "synonyms", None) or {}
