"""Load content/vi once into immutable objects and report every problem as `file:line: problem`."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, Protocol

import yaml

from bot.content import yamlfile
from handlers.content import Content, Guide, GuideStep, Link, Menu, Messages, placeholders
from storage.clock import SYSTEM_CLOCK, Clock, vietnam_today

GUIDE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,40}$")
FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        tag = "" if self.severity == "error" else "warning: "
        return f"{self.path}:{self.line}: {tag}{self.message}"


class ContentError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class LinkSite:
    """Where a link to other content was written, so a dangling one can be reported."""

    path: str
    line: int
    link: Link


@dataclass
class Loading:
    """State shared by the parts while one content folder loads."""

    root: Path
    # the Vietnam date content is checked against (benefits that ended, statements that expire)
    today: date = field(default_factory=lambda: vietnam_today(SYSTEM_CLOCK))
    problems: list[Problem] = field(default_factory=list)
    links: list[LinkSite] = field(default_factory=list)
    # action -> the ids a payload `action:id` may name; None means any argument is fine.
    targets: dict[str, set[str] | None] = field(default_factory=dict)

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root.parent.parent))
        except ValueError:
            return str(path)

    def problem(self, path: Path, line: int, message: str, warning: bool = False) -> None:
        self.problems.append(
            Problem(self.rel(path), line, message, "warning" if warning else "error")
        )

    def link(self, path: Path, raw: Any, where: str) -> Link | None:
        """A Link from `{label, target}`; problems reported at the raw mapping's line."""
        line = yamlfile.line_of(raw)
        if not isinstance(raw, Mapping) or not raw.get("label") or not raw.get("target"):
            self.problem(path, line, f"{where}: a button needs 'label' and 'target'")
            return None
        link = Link(label=str(raw["label"]), target=str(raw["target"]))
        self.links.append(LinkSite(self.rel(path), line, link))
        return link


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


def load_guides(loading: Loading) -> dict[str, Guide]:
    guides: dict[str, Guide] = {}
    folder = loading.root / "guides"
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        guide = _load_guide(loading, path)
        if guide is None:
            continue
        if guide.id in guides:
            loading.problem(
                path, 2, f"duplicate guide id {guide.id!r} (also in {guides[guide.id].path})"
            )
            continue
        guides[guide.id] = guide
    loading.targets["guide"] = set(guides)
    return guides


def _load_guide(loading: Loading, path: Path) -> Guide | None:
    text = path.read_text(encoding="utf-8")
    match = FRONT_MATTER.match(text)
    if not match:
        loading.problem(path, 1, "missing YAML front matter (--- ... ---)")
        return None
    try:
        meta = yamlfile.parse(match.group(1), first_line=2)
    except yaml.YAMLError as exc:
        loading.problem(path, yamlfile.error_line(exc) + 1, f"bad front matter: {exc}")
        return None
    if not isinstance(meta, Mapping):
        loading.problem(path, 2, "front matter must be a mapping")
        return None
    ok = True
    for key in ("id", "title", "source", "checked"):
        if not meta.get(key):
            loading.problem(path, yamlfile.line_of(meta), f"missing field {key!r}")
            ok = False
    guide_id = str(meta.get("id", ""))
    if guide_id and not GUIDE_ID.match(guide_id):
        loading.problem(
            path, yamlfile.line_of(meta), f"guide id {guide_id!r} must be lowercase a-z, 0-9, '-'"
        )
        ok = False
    body_start = text[: match.end()].count("\n") + 1
    summary, steps = _split_steps(text[match.end() :])
    if not steps:
        loading.problem(path, body_start, "a guide needs at least one step ('## ' heading)")
        ok = False
    for index, step in enumerate(steps, 1):
        if not step.body:
            loading.problem(path, body_start, f"step {index} ({step.title!r}) has no text")
            ok = False
    links = [loading.link(path, raw, "guide button") for raw in meta.get("buttons") or []]
    if not ok:
        return None
    keywords = meta.get("keywords") or []
    return Guide(
        id=guide_id,
        title=str(meta["title"]),
        summary=summary,
        steps=tuple(steps),
        keywords=tuple(str(k) for k in keywords),
        links=tuple(link for link in links if link),
        source=str(meta["source"]),
        checked=str(meta["checked"]),
        path=loading.rel(path),
    )


def _split_steps(body: str) -> tuple[str, list[GuideStep]]:
    chunks = re.split(r"^## +(.+)$", body, flags=re.MULTILINE)
    summary = chunks[0].strip()
    steps = [
        GuideStep(title=chunks[i].strip(), body=chunks[i + 1].strip())
        for i in range(1, len(chunks) - 1, 2)
    ]
    return summary, steps


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
) -> tuple[Content, list[Problem]]:
    """Load everything under `root` as of the clock's Vietnam date; returns the content and the
    sorted problems found."""
    loading = Loading(root=root, today=vietnam_today(clock))
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
    """The content, or ContentError when any error (not warning) was found."""
    content, problems = load_content(root, **kwargs)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ContentError(errors)
    return content
