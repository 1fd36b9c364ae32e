"""Free-text questions and /timkiem: the best answer with alternatives, or the closest topics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result. `kind:id` is the button payload that opens it."""

    kind: str
    id: str
    title: str
    score: float
    confidence: float  # 0..1: the share of the question this item matches

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.id}"


class Searcher(Protocol):
    """The search service (`ctx.services["search"]`), built once from the content."""

    def search(self, query: str, limit: int = 3) -> Sequence[Hit]: ...
