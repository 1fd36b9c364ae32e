"""The bot learns from officers: a question linked to a guide, FAQ or procedure becomes one of
its phrasings in the search index, on every instance, unless it makes the public query set
answer worse (checked in-process before it is saved)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.search import SearchIndex, build_index
from bot.search.documents import catalog_of
from handlers.content import Content
from handlers.text import normalise, words
from storage import learned, roles
from storage.db import DbSession

logger = logging.getLogger(__name__)

QUERY_SET = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "search_queries.yaml"
VERSION = "learned_version"


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""


@lru_cache(maxsize=1)
def query_set(path: Path = QUERY_SET) -> tuple[tuple[str, frozenset[str]], ...]:
    """(question, acceptable refs) pairs; empty when the file is not shipped."""
    if not path.is_file():
        return ()
    rows: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return tuple((str(r["q"]), frozenset([r["expect"], *r.get("also", [])])) for r in rows)


def known_refs(content: Content) -> set[str]:
    catalog = catalog_of(content)
    return (
        {f"guide:{g}" for g in content.guides}
        | {f"faq:{f}" for f in catalog.faqs}
        | {f"proc:{p}" for p in catalog.procedures}
    )


def right(index: SearchIndex, queries: Sequence[tuple[str, frozenset[str]]]) -> set[str]:
    """The queries whose best answer is one of the acceptable ones."""
    out: set[str] = set()
    for question, expected in queries:
        hits = index.search(question, 1)
        if hits and hits[0].ref in expected:
            out.add(question)
    return out


def check(
    content: Content,
    phrasings: Mapping[str, Sequence[str]],
    question: str,
    ref: str,
    queries: Sequence[tuple[str, frozenset[str]]] | None = None,
    current: SearchIndex | None = None,
) -> Verdict:
    """May `question` become a phrasing of `ref`? Not if a query the index answers right
    today would then be answered wrong. Only queries sharing a word with the phrasing are
    searched again (the others' ranking cannot move), so the check takes one index build."""
    if ref not in known_refs(content):
        return Verdict(False, f"{ref} không có trong nội dung")
    if not normalise(question):
        return Verdict(False, "câu hỏi trống")
    queries = query_set() if queries is None else queries
    said = set(words(question))
    near = [(q, expected) for q, expected in queries if said & set(words(q))]
    before = right(current or build_index(content, phrasings), near)
    extra = {k: list(v) for k, v in phrasings.items()}
    extra.setdefault(ref, []).append(question)
    after = right(build_index(content, extra), near)
    lost = sorted(before - after)
    if lost:
        shown = "; ".join(f'"{q}"' for q in lost[:3])
        return Verdict(False, f"câu này làm bot trả lời sai {len(lost)} câu hỏi mẫu: {shown}")
    return Verdict(True)


async def link(
    session: DbSession,
    content: Content,
    question: str,
    ref: str,
    *,
    actor: str,
    now: datetime,
    ticket_id: int | None = None,
    current: SearchIndex | None = None,
) -> Verdict:
    """Check and save a phrasing, and raise the version every instance watches."""
    verdict = check(content, await learned.phrasings(session), question, ref, current=current)
    if verdict.ok:
        await learned.save(
            session, learned.PHRASING, question.strip(), normalise(question), by=actor,
            now=now, ref=ref, ticket_id=ticket_id,
        )  # fmt: skip
        await learned.bump(session)
        await roles.audit(session, actor, "learned.link", ref, {"ticket": ticket_id})
    return verdict


async def refresh(runtime: Any, *, force: bool = False) -> bool:
    """Rebuild this instance's index when the learned version moved; True when it did."""
    async with runtime.sessions() as session:
        current = await learned.version(session)
        if not force and runtime.services.get(VERSION, 0) == current:
            return False
        phrasings = await learned.phrasings(session)
    runtime.services["search"] = build_index(runtime.content, phrasings)
    runtime.services[VERSION] = current
    logger.info("search index rebuilt with %d learned phrasings", sum(map(len, phrasings.values())))
    return True


def export(items: Sequence[Any], drafts: Sequence[Any]) -> str:
    """The learned phrasings (by reference) and draft FAQ, as YAML to merge into content/vi."""
    by_ref: dict[str, list[str]] = {}
    for item in items:
        by_ref.setdefault(item.ref, []).append(item.question)
    data = {
        "examples": [{"ref": ref, "examples": qs} for ref, qs in sorted(by_ref.items())],
        "faq_drafts": [{"question": d.question, "answer": d.answer or ""} for d in drafts],
    }
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
