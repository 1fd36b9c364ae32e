"""The "en" content part: content/en (next to content/vi), the fixed texts in English."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import yaml

from bot.content import yamlfile
from bot.content.loader import PARTS, Loading
from handlers.english import English


@dataclass
class EnglishPart:
    name: str = "en"

    def load(self, loading: Loading) -> English:
        folder = loading.root.parent / "en"
        texts: dict[str, str] = {}
        words: set[str] = set()
        for name in ("messages.yaml", "words.yaml"):
            path = folder / name
            if not path.exists():
                continue
            try:
                data = yamlfile.read(path)
            except yaml.YAMLError as exc:
                loading.problem(path, yamlfile.error_line(exc), f"bad YAML: {exc}")
                continue
            if not isinstance(data, Mapping):
                loading.problem(path, 1, f"{name} must be a mapping")
            elif name == "words.yaml":
                if not isinstance(data.get("words"), list):
                    loading.problem(path, 1, "words.yaml needs a list 'words'")
                else:
                    words.update(str(w).strip().lower() for w in data["words"] if str(w).strip())
            else:
                for key, value in data.items():
                    if not isinstance(value, str) or not value.strip():
                        loading.problem(path, yamlfile.line_of(data), f"{key!r} must be text")
                    else:
                        texts[str(key)] = value.strip()
        return English(MappingProxyType(texts), frozenset(words))


PARTS.append(EnglishPart())
