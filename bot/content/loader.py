"""Load content/vi once into immutable objects and report every problem as `file:line: problem`."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

import yaml

from bot.content import yamlfile
from bot.content.guides import load_guides
from bot.content.loading import (
    ContentError,
    LinkSite,
    Loading,
    Problem,
    check_duplicate_keys,
    parse_day,
)
from handlers.content import Content, Menu, Messages, placeholders
from storage.clock import SYSTEM_CLOCK, Clock, vietnam_today

# Re-exported: the parts and the commands import these from here.
__all__ = ["ContentError", "LinkSite", "Loading", "Problem", "load_content", "parse_day"]


class ContentPart(Protocol):
    """A kind of content beyond messages, menu and guides (procedures, FAQ, surveys, ...)."""

    name: str

    def load(self, loading: Loading) -> Any:
        """Read its files, report problems, register link targets; return the loaded value."""


# Feature modules append their parts here (e.g. bot/content/catalog.py); they load after guides.
PARTS: list[ContentPart] = []


def load_messages(loading: Loading) -> Messages:
    path = loading.root / "messages.yaml"
    data = _read_yaml(loading, path)
    texts: dict[str, str] = {}
    if isinstance(data, Mapping):
        _flatten(data, "", texts, loading, path)
    elif data is not None:
        loading.problem(path, 1, "messages.yaml must be a mapping of keys to texts")
    return Messages(MappingProxyType(texts))


def _flatten(
    data: Mapping[str, Any], prefix: str, out: dict[str, str], loading: Loading, path: Path
) -> None:
    for key, value in data.items():
        full = f"{prefix}{key}"
        if isinstance(value, Mapping):
            _flatten(value, full + ".", out, loading, path)
        elif isinstance(value, str) and value.strip():
            out[full] = value.strip()
        else:
            loading.problem(path, yamlfile.line_of(data), f"message {full!r} is empty or not text")


def load_menu(loading: Loading) -> Menu:
    path = loading.root / "menu.yaml"
    data = _read_yaml(loading, path)
    if (
        not isinstance(data, Mapping)
        or not data.get("text")
        or not isinstance(data.get("items"), list)
    ):
        loading.problem(
            path, yamlfile.line_of(data), "menu.yaml needs 'text' and a list of 'items'"
        )
        return Menu(text="", items=())
    items = [loading.link(path, raw, "menu item") for raw in data["items"]]
    return Menu(text=str(data["text"]).strip(), items=tuple(i for i in items if i))


def _read_yaml(loading: Loading, path: Path) -> Any:
    if not path.exists():
        loading.problem(path, 1, "file is missing")
        return None
    try:
        return yamlfile.read(path)
    except yaml.YAMLError as exc:
        loading.problem(path, yamlfile.error_line(exc), f"bad YAML: {exc}")
        return None


def handled_actions() -> set[str]:
    """The button actions the registered handlers serve (the default for checking links)."""
    from handlers.registry import ROUTERS  # imported here: the handlers import content types
    from handlers.routing import button_actions

    return button_actions(ROUTERS)


def check_links(loading: Loading, known_actions: Iterable[str]) -> None:
    """Every button must point at existing content or at an action some handler serves."""
    known = set(known_actions)
    for site in loading.links:
        target = site.link.target
        if site.link.is_url:
            continue
        action, _, rest = target.partition(":")
        ident = rest.split(":", 1)[0]
        valid_ids = loading.targets.get(action, None) if action in loading.targets else None
        if action not in known and action not in loading.targets:
            loading.problems.append(
                Problem(
                    site.path, site.line, f"button target {target!r}: no handler for {action!r}"
                )
            )
        elif valid_ids is not None and ident and ident not in valid_ids:
            loading.problems.append(
                Problem(site.path, site.line, f"button target {target!r} points nowhere")
            )


def check_placeholders(loading: Loading, messages: Messages, usage: Mapping[str, set[str]]) -> None:
    """Keys the code uses must exist; a template may only use placeholders the code fills."""
    path = loading.root / "messages.yaml"
    for key, passed in sorted(usage.items()):
        if key not in messages:
            loading.problem(path, 1, f"message {key!r} is used by the code but missing")
            continue
        if "*" in passed:
            continue
        unknown = placeholders(messages.texts[key]) - passed
        if unknown:
            names = ", ".join("{" + n + "}" for n in sorted(unknown))
            loading.problem(path, 1, f"message {key!r} has unknown placeholder {names}")


def version_of(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def load_content(
    root: Path,
    known_actions: Iterable[str] | None = None,
    usage: Mapping[str, set[str]] | None = None,
    parts: Iterable[ContentPart] | None = None,
    clock: Clock = SYSTEM_CLOCK,
    today: date | None = None,
    province: str | None = None,
) -> tuple[Content, list[Problem]]:
    """Load everything under `root` as of the clock's Vietnam date (or `today`); returns the
    content and the sorted problems found. That day only decides which dated statements are
    reported as expired or ending soon: what is shown is decided again at display time.
    `province` (DVCBOT_PROVINCE) picks the overlay folder loaded over the national content."""
    day = today if today is not None else vietnam_today(clock)
    loading = Loading(root=root, today=day, province=province)
    check_duplicate_keys(loading)
    messages = load_messages(loading)
    guides = load_guides(loading)
    menu = load_menu(loading)
    extra = {part.name: part.load(loading) for part in (PARTS if parts is None else parts)}
    check_links(loading, handled_actions() if known_actions is None else known_actions)
    if usage is not None:
        check_placeholders(loading, messages, usage)
    content = Content(
        messages=messages,
        menu=menu,
        guides=MappingProxyType(guides),
        version=version_of(root),
        extra=MappingProxyType(extra),
    )
    return content, sorted(set(loading.problems))


def load_or_raise(root: Path, **kwargs: Any) -> Content:
    """The content, or ContentError when any error (not warning) was found.

    A statement that has merely expired does not stop a bot from starting: it is hidden.
    """
    content, problems = load_content(root, **kwargs)
    errors = [p for p in problems if p.severity == "error" and not p.expiry]
    if errors:
        raise ContentError(errors)
    return content
