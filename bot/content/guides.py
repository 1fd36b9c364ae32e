"""Guides: Markdown with YAML front matter, one `## ` step per message, steps that may expire."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import yaml

from bot.content import yamlfile
from bot.content.loading import FRONT_MATTER, Loading, parse_day
from handlers.content import Guide, GuideStep

GUIDE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,40}$")
# A note on its own line in a guide step: <!-- valid_until: 2026-12-31 --> or <!-- uncertain -->
STEP_NOTE = re.compile(r"^\s*<!--\s*(valid_until|uncertain)\s*(?::\s*(.*?))?\s*-->\s*$")


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
    summary, steps = _split_steps(loading, path, text[match.end() :], body_start)
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
    examples = meta.get("examples") or []
    if not isinstance(examples, list):
        loading.problem(path, yamlfile.line_of(meta), "'examples' must be a list of questions")
        examples = []
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
        examples=tuple(str(e).strip() for e in examples if str(e).strip()),
    )


def _split_steps(
    loading: Loading, path: Path, body: str, first_line: int
) -> tuple[str, list[GuideStep]]:
    """The text before the first `## ` heading, and the steps with their notes taken out."""
    summary: list[str] = []
    raw_steps: list[tuple[str, int, list[tuple[int, str]]]] = []
    for number, row in enumerate(body.splitlines(), first_line):
        heading = re.match(r"^## +(.+)$", row)
        if heading:
            raw_steps.append((heading.group(1).strip(), number, []))
        elif raw_steps:
            raw_steps[-1][2].append((number, row))
        else:
            summary.append(row)
    steps = []
    for title, line, lines in raw_steps:
        until, uncertain, kept = None, False, []
        for number, text in lines:
            note = STEP_NOTE.match(text)
            if note is None:
                kept.append(text)
            elif note.group(1) == "uncertain":
                uncertain = True
            else:
                until = parse_day(note.group(2))
                if until is None:
                    loading.problem(path, number, f"valid_until {note.group(2)!r} is not a date")
        loading.check_until(path, line, f"step {title!r}", until)
        body_text = "\n".join(kept).strip()
        steps.append(GuideStep(title, body_text, valid_until=until, uncertain=uncertain, line=line))
    return "\n".join(summary).strip(), steps
