"""What the index searches: guides, FAQ entries and procedures flattened into weighted fields.

Alternative phrasings (`examples`) come from the content (guides' and FAQ entries' `examples:`,
content/vi/procedure_examples.yaml) and from any other source through `extra_examples`, keyed
by the reference they answer ("guide:ID", "faq:ID", "proc:CODE"): see `documents_from`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from handlers.catalog import Catalog, Procedure
from handlers.content import Content
from handlers.understanding import ChatWords, chat_words_of, tokens, without_fillers

GUIDE, FAQ, PROCEDURE = "guide", "faq", "proc"


@dataclass(frozen=True, slots=True)
class Document:
    """One searchable item. `kind:id` is also the button payload that opens it."""

    kind: str
    id: str
    title: str
    keywords: tuple[str, ...] = ()
    body: str = ""
    examples: tuple[str, ...] = ()  # other ways people ask for it, read like keywords

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.id}"


def catalog_of(content: Content) -> Catalog:
    catalog = content.extra.get("catalog")
    return catalog if isinstance(catalog, Catalog) else Catalog()


def documents_from(
    content: Content, extra_examples: Mapping[str, Sequence[str]] | None = None
) -> Iterator[Document]:
    """Every guide, FAQ entry and procedure of `content`, each with its alternative phrasings:
    the content's own `examples` and those `extra_examples` gives for its reference (for
    instance phrasings officers linked to an answer, read from the database)."""
    extra = extra_examples or {}
    chat = chat_words_of(content)
    catalog = catalog_of(content)

    def examples(ref: str, own: Sequence[str]) -> tuple[str, ...]:
        return phrasings((*own, *extra.get(ref, ())), chat)

    for guide in content.guides.values():
        steps = " ".join(f"{s.title} {s.body}" for s in guide.steps)
        yield Document(
            GUIDE,
            guide.id,
            guide.title,
            guide.keywords,
            f"{guide.summary} {steps}",
            examples(f"{GUIDE}:{guide.id}", guide.examples),
        )
    for faq in catalog.faqs.values():
        ref = f"{FAQ}:{faq.id}"
        yield Document(
            FAQ, faq.id, faq.question, faq.keywords, faq.answer, examples(ref, faq.examples)
        )
    for proc in catalog.procedures.values():
        ref = f"{PROCEDURE}:{proc.code}"
        yield procedure_document(proc, examples(ref, catalog.examples.get(proc.code, ())))


def phrasings(texts: Sequence[str], chat: ChatWords) -> tuple[str, ...]:
    """Phrasings as the index reads questions: shorthand expanded, fillers out, no repeats."""
    seen: dict[str, None] = {}
    for text in texts:
        read = " ".join(without_fillers(tokens(text, chat), chat))
        if read:
            seen.setdefault(read)
    return tuple(seen)


def procedure_document(proc: Procedure, examples: tuple[str, ...] = ()) -> Document:
    """A procedure: its name is the title; its keywords, code and field are keywords."""
    keywords = (*proc.keywords, proc.code, proc.field)
    body = " ".join(v for v in (proc.authority, proc.fee, proc.online_saving) if v)
    return Document(
        PROCEDURE, proc.code, proc.name, tuple(k for k in keywords if k), body, examples
    )


def synonyms_from(content: Content) -> Mapping[str, tuple[str, ...]]:
    """Folded term -> the phrases it means (content/vi/synonyms.yaml)."""
    return catalog_of(content).synonyms
