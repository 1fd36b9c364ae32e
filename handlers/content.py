"""The immutable content handlers read: messages, main menu and guides (loaded by bot.content)."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any


class MissingMessage(KeyError):
    """A message key used by code is absent from content/vi/messages.yaml."""


def placeholders(template: str) -> set[str]:
    """The `{name}` fields of a message template."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@dataclass(frozen=True)
class Messages:
    """Short citizen-facing texts keyed `feature.step`."""

    texts: Mapping[str, str]

    def __call__(self, key: str, /, **values: Any) -> str:
        try:
            template = self.texts[key]
        except KeyError:
            raise MissingMessage(key) from None
        return template.format_map(values) if values else template

    def __contains__(self, key: object) -> bool:
        return key in self.texts


@dataclass(frozen=True)
class Link:
    """A button defined in content: `target` is a button payload or an http(s) URL."""

    label: str
    target: str

    @property
    def is_url(self) -> bool:
        return self.target.startswith(("http://", "https://"))


@dataclass(frozen=True)
class Menu:
    """The main menu: a greeting and its entries."""

    text: str
    items: tuple[Link, ...]


def shown_on(valid_until: date | None, day: date) -> bool:
    """Whether a statement that stops being true after `valid_until` may still be shown."""
    return valid_until is None or day <= valid_until


@dataclass(frozen=True)
class GuideStep:
    title: str
    body: str
    # the last day the step is true (None: no end); after it the step is never shown
    valid_until: date | None = None
    # a reviewer has not verified what the step says
    uncertain: bool = False
    line: int = 0  # where the step starts in its file

    def shown(self, day: date) -> bool:
        return shown_on(self.valid_until, day)


@dataclass(frozen=True)
class Guide:
    """A short sequence of steps a citizen follows on a phone, one step per message."""

    id: str
    title: str
    summary: str
    steps: tuple[GuideStep, ...]
    keywords: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    source: str = ""
    checked: str = ""
    path: str = ""
    examples: tuple[str, ...] = ()  # other ways citizens ask for it (cách hỏi khác), for search

    def steps_on(self, day: date) -> tuple[GuideStep, ...]:
        """The steps still true on `day` (a step past its valid_until is left out)."""
        return tuple(step for step in self.steps if step.shown(day))


@dataclass(frozen=True)
class Content:
    """Everything in content/vi, loaded once. `extra` carries feature content added later."""

    messages: Messages
    menu: Menu
    guides: Mapping[str, Guide]
    version: str = ""
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
