"""Which procedure a survey answer is about: found by name through the search service.

The search service (`ctx.services["search"]`, hits with `kind`, `id`, `title`) is used when it
is running; otherwise the procedure catalogue in the content (`content.extra["catalog"]`, whose
`procedures` map codes to items with a `name`) is matched word by word, accents optional.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from handlers.context import Context
from handlers.text import fold

PROCEDURE_KINDS = {"proc", "procedure"}
LIMIT = 5


def _procedures(ctx: Context) -> Mapping[str, Any]:
    catalog = ctx.content.extra.get("catalog")
    found = getattr(catalog, "procedures", None)
    return found if isinstance(found, Mapping) else {}


def procedure_name(ctx: Context, code: str | None) -> str | None:
    if not code:
        return None
    item = _procedures(ctx).get(code)
    name = getattr(item, "name", None)
    return str(name) if name else None


def find_procedures(ctx: Context, query: str) -> list[tuple[str, str]]:
    """Up to LIMIT (code, name) pairs for what the person typed, best first."""
    service = ctx.services.get("search")
    if service is not None and hasattr(service, "search"):
        hits = service.search(query, limit=LIMIT * 3)
        found = [
            (str(hit.id), str(hit.title))
            for hit in hits
            if getattr(hit, "kind", "") in PROCEDURE_KINDS
        ]
        if found:
            return found[:LIMIT]
    words = fold(query).split()
    if not words:
        return []
    scored: list[tuple[int, str, str]] = []
    for code, item in _procedures(ctx).items():
        name = str(getattr(item, "name", ""))
        haystack = fold(f"{name} {code} {' '.join(getattr(item, 'keywords', ()) or ())}")
        hits = sum(1 for word in words if word in haystack)
        if hits == len(words):
            scored.append((len(name), str(code), name))
    return [(code, name) for _, code, name in sorted(scored)[:LIMIT]]
