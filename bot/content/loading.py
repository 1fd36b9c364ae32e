"""The state shared while one content folder loads, and the `file:line: problem` it reports."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from bot.content import yamlfile
from handlers.content import Link
from storage.clock import SYSTEM_CLOCK, vietnam_today

FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
# A dated statement is warned about this many days before its valid_until.
WARN_DAYS = 30


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str
    severity: Literal["error", "warning"] = "error"
    # an error only because a date has passed: `content check` fails, a running bot hides it
    expiry: bool = False

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
    # the day in Viet Nam that decides which dated statements have expired or soon will
    today: date = field(default_factory=lambda: vietnam_today(SYSTEM_CLOCK))
    # the deploying province (DVCBOT_PROVINCE): its overlay folder is loaded over the national
    province: str | None = None
    problems: list[Problem] = field(default_factory=list)
    links: list[LinkSite] = field(default_factory=list)
    # action -> the ids a payload `action:id` may name; None means any argument is fine.
    targets: dict[str, set[str] | None] = field(default_factory=dict)

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root.parent.parent))
        except ValueError:
            return str(path)

    def problem(
        self, path: Path, line: int, message: str, warning: bool = False, expiry: bool = False
    ) -> None:
        self.problems.append(
            Problem(self.rel(path), line, message, "warning" if warning else "error", expiry)
        )

    def check_until(self, path: Path, line: int, what: str, until: date | None) -> None:
        """A statement past its valid_until is an error; one ending within WARN_DAYS a warning."""
        if until is None:
            return
        if until < self.today:
            self.problem(
                path,
                line,
                f"{what} stopped being true after {until.isoformat()} (valid_until) and is no "
                "longer shown: rewrite it or remove it",
                expiry=True,
            )
        elif (until - self.today).days <= WARN_DAYS:
            days = (until - self.today).days
            self.problem(
                path,
                line,
                f"{what} is true only until {until.isoformat()} (in {days} days): "
                "update it or extend valid_until",
                warning=True,
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


def parse_day(value: object) -> date | None:
    """A date from YAML (already a date) or an ISO `YYYY-MM-DD` string; None if unparsable."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def check_duplicate_keys(loading: Loading) -> None:
    """YAML silently keeps the last of two equal keys: every YAML file and front matter."""
    files = sorted(p for p in loading.root.rglob("*") if p.suffix in (".yaml", ".yml"))
    for path in files:
        _report_duplicates(loading, path, path.read_text(encoding="utf-8"), 1)
    for path in sorted(loading.root.rglob("*.md")):
        match = FRONT_MATTER.match(path.read_text(encoding="utf-8"))
        if match:
            _report_duplicates(loading, path, match.group(1), 2)


def _report_duplicates(loading: Loading, path: Path, text: str, first_line: int) -> None:
    for key, first, again in yamlfile.duplicate_keys(text, first_line):
        loading.problem(
            path,
            again,
            f"duplicate key {key!r} (first on line {first}: {loading.rel(path)}:{first}); "
            "only the last one would count",
        )
