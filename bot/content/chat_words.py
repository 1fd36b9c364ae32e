"""The "chat" content part: content/vi/chat_words.yaml (fillers, shorthand, intents, follow-ups)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from bot.content import yamlfile
from bot.content.loader import PARTS, Loading
from bot.content.records import strings
from handlers.understanding import Beside, ChatWords, MinorWords, Phrase, marked_words, phrase

FILE = "chat_words.yaml"
ASPECTS = ("documents", "fee", "time", "online", "where")
ASKS = (*ASPECTS, "error", "scam", "free")
SMALL_TALK = ("greeting", "thanks", "ok", "who", "bye", "personal")
LISTS = ("fillers", "minor", "references", "context")
TABLES = (
    "shorthand",
    "beside",
    "intents",
    "situations",
    "instead",
    "aspects",
    "asks",
    "small_talk",
    "elsewhere",
)


@dataclass
class ChatWordsPart:
    name: str = "chat"

    def load(self, loading: Loading) -> ChatWords:
        path = loading.root / FILE
        if not path.exists():
            return ChatWords()
        try:
            data = yamlfile.read(path)
        except yaml.YAMLError as exc:
            loading.problem(path, yamlfile.error_line(exc), f"bad YAML: {exc}")
            return ChatWords()
        if data is None:
            return ChatWords()
        if not isinstance(data, Mapping):
            loading.problem(path, 1, f"{FILE} must be a mapping of lists")
            return ChatWords()
        for key in data:
            if key not in (*LISTS, *TABLES):
                loading.problem(path, yamlfile.line_of(data), f"unknown section {key!r}")
        check = _Checker(loading, path)
        minor = check.entries("minor", data.get("minor"))
        key_marks = {}
        for section in ("intents", "situations", "instead"):
            table = data.get(section)
            for key in table if isinstance(table, Mapping) else ():
                written = marked_words(str(key))
                key_marks[tuple(map(str, written))] = tuple(
                    getattr(w, "marks", "") for w in written
                )
        return ChatWords(
            fillers=frozenset(check.phrases("fillers", data.get("fillers"))),
            minor=MinorWords.of(minor),
            shorthand=MappingProxyType(check.shorthand(data.get("shorthand"))),
            shorthand_marks=MappingProxyType(_marked_keys(data.get("shorthand"))),
            beside=MappingProxyType(check.beside(data.get("beside"))),
            intents=MappingProxyType(check.intents("intents", data.get("intents"))),
            situations=MappingProxyType(check.intents("situations", data.get("situations"))),
            instead=MappingProxyType(check.intents("instead", data.get("instead"))),
            aspects=MappingProxyType(check.grouped("aspects", data.get("aspects"), ASPECTS)),
            asks=MappingProxyType(check.grouped("asks", data.get("asks"), ASKS)),
            small_talk=MappingProxyType(
                check.grouped("small_talk", data.get("small_talk"), SMALL_TALK)
            ),
            references=frozenset(check.phrases("references", data.get("references"))),
            elsewhere=MappingProxyType(check.elsewhere(data.get("elsewhere"))),
            context=MinorWords.of(check.entries("context", data.get("context"))),
            key_marks=MappingProxyType(key_marks),
        )


def _marked_keys(raw: Any) -> dict[str, str]:
    """Shorthand keys written with marks ("mún"): folded key -> its marks."""
    found = {}
    for key in raw if isinstance(raw, Mapping) else ():
        written = marked_words(str(key))
        marks = getattr(written[0], "marks", "") if len(written) == 1 else ""
        if marks not in ("", "đ"):
            found[str(written[0])] = marks
    return found


@dataclass
class _Checker:
    loading: Loading
    path: Path

    def problem(self, raw: Any, message: str) -> None:
        self.loading.problem(self.path, yamlfile.line_of(raw), message)

    def entries(self, section: str, raw: Any) -> list[str]:
        """One-word entries as written, with their marks (duplicates are exact repeats)."""
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.problem(raw, f"{section}: must be a list")
            return []
        seen: set[str] = set()
        for entry in raw:
            text = str(entry).strip().lower()
            if len(phrase(text)) != 1:
                self.problem(raw, f"{section}: {entry!r} must be one word")
            elif text in seen:
                self.problem(raw, f"{section}: {entry!r} is listed twice")
            seen.add(text)
        return sorted(seen)

    def phrases(self, section: str, raw: Any) -> list[Phrase]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.problem(raw, f"{section}: must be a list")
            return []
        seen: set[Phrase] = set()
        found = []
        for entry in raw:
            words = phrase(str(entry))
            if not words:
                self.problem(raw, f"{section}: entry {entry!r} has no words")
            elif words in seen:
                self.problem(raw, f"{section}: {entry!r} is listed twice")
            else:
                seen.add(words)
                found.append(words)
        return found

    def shorthand(self, raw: Any) -> dict[str, Phrase]:
        table: dict[str, Phrase] = {}
        for key, value in self._mapping("shorthand", raw).items():
            word, meaning = phrase(str(key)), phrase(str(value or ""))
            if len(word) != 1:
                self.problem(raw, f"shorthand: {key!r} must be one word")
            elif not meaning:
                self.problem(raw, f"shorthand: {key!r} has no meaning")
            elif word[0] in table:
                self.problem(raw, f"shorthand: {key!r} is listed twice")
            else:
                table[word[0]] = meaning
        return table

    def beside(self, raw: Any) -> dict[str, Beside]:
        """`key: {means: …, after: [...], before: [...]}`: a one-word key, its other meaning,
        and the words next to it that call for that meaning."""
        table: dict[str, Beside] = {}
        for key, value in self._mapping("beside", raw).items():
            word = phrase(str(key))
            if len(word) != 1:
                self.problem(raw, f"beside: {key!r} must be one word")
                continue
            if not isinstance(value, Mapping) or not phrase(str(value.get("means") or "")):
                self.problem(raw, f"beside: {key!r} needs `means:` and `after:` or `before:`")
                continue
            after, before = strings(value.get("after")), strings(value.get("before"))
            if not after and not before:
                self.problem(raw, f"beside: {key!r} needs `after:` or `before:` words")
                continue
            unknown = set(value) - {"means", "after", "before"}
            if unknown:
                self.problem(raw, f"beside: {key!r} has unknown keys {sorted(unknown)}")
            table[word[0]] = Beside(
                phrase(str(value["means"])),
                frozenset(w for entry in after for w in phrase(entry)),
                frozenset(w for entry in before for w in phrase(entry)),
            )
        return table

    def intents(self, section: str, raw: Any) -> dict[Phrase, tuple[str, ...]]:
        table: dict[Phrase, tuple[str, ...]] = {}
        for key, value in self._mapping(section, raw).items():
            words, meanings = phrase(str(key)), strings(value)
            if not words or not meanings:
                self.problem(raw, f"{section}: {key!r} needs words and a list of meanings")
            elif words in table:
                self.problem(raw, f"{section}: {key!r} is listed twice")
            else:
                table[words] = meanings
        return table

    def grouped(self, section: str, raw: Any, names: tuple[str, ...]) -> dict[Phrase, str]:
        table: dict[Phrase, str] = {}
        for name, entries in self._mapping(section, raw).items():
            if name not in names:
                self.problem(raw, f"{section}: unknown group {name!r} (one of {', '.join(names)})")
                continue
            for words in self.phrases(f"{section}.{name}", entries):
                if words in table:
                    self.problem(raw, f"{section}: {' '.join(words)!r} is in two groups")
                else:
                    table[words] = name
        return table

    def elsewhere(self, raw: Any) -> dict[Phrase, tuple[str, ...]]:
        """Subjects outside public services, grouped freely by domain: phrase -> the marks of
        each of its words as written."""
        table: dict[Phrase, tuple[str, ...]] = {}
        for name, entries in self._mapping("elsewhere", raw).items():
            if not isinstance(entries, list):
                self.problem(raw, f"elsewhere: {name!r} must be a list")
                continue
            for entry in entries:
                written = marked_words(str(entry))
                words = tuple(map(str, written))
                if not words:
                    self.problem(raw, f"elsewhere.{name}: entry {entry!r} has no words")
                elif words in table:
                    self.problem(raw, f"elsewhere: {entry!r} is listed twice")
                else:
                    table[words] = tuple(getattr(w, "marks", "") for w in written)
        return table

    def _mapping(self, section: str, raw: Any) -> Mapping[Any, Any]:
        if raw is None:
            return {}
        if not isinstance(raw, Mapping):
            self.problem(raw, f"{section}: must be a mapping")
            return {}
        return raw


PARTS.append(ChatWordsPart())
