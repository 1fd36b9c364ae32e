"""What the index searches: guides, FAQ entries and procedures flattened into weighted fields."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from handlers.catalog import Catalog, Procedure
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


def catalog_of(content: Content) -> Catalog:
    catalog = content.extra.get("catalog")
    return catalog if isinstance(catalog, Catalog) else Catalog()


def documents_from(content: Content) -> Iterator[Document]:
    """Every guide, FAQ entry and procedure of `content`."""
    for guide in content.guides.values():
        steps = " ".join(f"{s.title} {s.body}" for s in guide.steps)
        yield Document(GUIDE, guide.id, guide.title, guide.keywords, f"{guide.summary} {steps}")
    catalog = catalog_of(content)
    for faq in catalog.faqs.values():
        yield Document(FAQ, faq.id, faq.question, faq.keywords, faq.answer)
    for proc in catalog.procedures.values():
        yield procedure_document(proc)


def with_phrasings(
    documents: Iterable[Document], phrasings: Mapping[str, Sequence[str]]
) -> Iterator[Document]:
    """The documents with extra phrasings (by `kind:id`) added to their keywords: what
    officers linked to an item (learned in the database)."""
    for doc in documents:
        extra = phrasings.get(doc.ref)
        yield replace(doc, keywords=(*doc.keywords, *extra)) if extra else doc


def procedure_document(proc: Procedure) -> Document:
    """A procedure: its name is the title; its keywords, code and field are keywords."""
    keywords = (*proc.keywords, proc.code, proc.field)
    body = " ".join(v for v in (proc.authority, proc.fee, proc.online_saving) if v)
    return Document(PROCEDURE, proc.code, proc.name, tuple(k for k in keywords if k), body)


def synonyms_from(content: Content) -> Mapping[str, tuple[str, ...]]:
    """Folded term -> the phrases it means (content/vi/synonyms.yaml)."""
    return catalog_of(content).synonyms
