"""English: a person who writes English gets the few fixed texts of content/en in English."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from handlers.text import clean, fold

ENGLISH_SHARE = 0.6  # of a message's words in the English list
MIN_WORDS = 2


@dataclass(frozen=True)
class English:
    """content/en: the fixed texts (`about`, `greeting`, ...) and common English words."""

    texts: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    words: frozenset[str] = frozenset()

    def text(self, key: str) -> str | None:
        return self.texts.get(key) or self.texts.get("about")


def english_of(content: Any) -> English:
    found = content.extra.get("en") if content is not None else None
    return found if isinstance(found, English) else English()


def looks_english(text: str, english: English) -> bool:
    """A message without Vietnamese marks, mostly made of common English words."""
    cleaned = clean(text).lower()
    if not english.words or fold(cleaned) != cleaned.encode("ascii", "ignore").decode():
        return False  # Vietnamese letters or marks: Vietnamese
    found = [w for w in "".join(c if c.isalpha() else " " for c in cleaned).split() if w]
    if len(found) < MIN_WORDS:
        return False
    share = sum(w in english.words for w in found) / len(found)
    return share >= ENGLISH_SHARE
