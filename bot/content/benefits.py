"""benefits.yaml: fee reductions with legal basis and validity, warned about before they end."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path

from bot.content import yamlfile
from bot.content.loader import Loading
from bot.content.loading import WARN_DAYS
from bot.content.records import check_record, parse_date, split_list, strings, yaml_records
from handlers import places
from handlers.catalog import BENEFIT_UNCERTAIN_FIELDS, Benefit, Procedure


def load_benefits(
    loading: Loading, today: date, folder: Path | None = None, province: str = ""
) -> tuple[dict[str, Benefit], dict[str, tuple[Path, int]]]:
    """Benefits by id, and the line each starts on. In a province's overlay folder a benefit
    without a `scope` applies to that `province` only; elsewhere it applies to the country."""
    path = (folder or loading.root) / "benefits.yaml"
    benefits: dict[str, Benefit] = {}
    lines: dict[str, tuple[Path, int]] = {}
    required = ("id", "title", "description", "legal_basis", "valid_from", "source", "checked")
    for raw in yaml_records(loading, path, "benefits"):
        if not check_record(loading, path, raw, required, "benefit"):
            continue
        line = yamlfile.line_of(raw)
        valid_from = parse_date(raw["valid_from"])
        until_raw = raw.get("valid_until")
        valid_until = None if until_raw in (None, "") else parse_date(until_raw)
        if valid_from is None:
            loading.problem(path, line, f"valid_from {raw['valid_from']!r} is not a date")
            continue
        if until_raw not in (None, "") and valid_until is None:
            loading.problem(path, line, f"valid_until {until_raw!r} is not a date")
            continue
        if valid_until is not None and valid_until < valid_from:
            loading.problem(path, line, "valid_until is before valid_from")
            continue
        uncertain = strings(raw.get("uncertain"))
        for name in uncertain:
            if name not in BENEFIT_UNCERTAIN_FIELDS:
                loading.problem(path, line, f"uncertain field {name!r} is not a benefit field")
        scope = str(raw.get("scope") or province).strip()
        place = places.province(scope) if scope else None
        if scope and place is None:
            loading.problem(
                path, line, f"scope {scope!r} is not a province code (e.g. '01' for Hà Nội)"
            )
            continue
        scope = place.code if place else ""
        if province and scope != province:
            loading.problem(path, line, f"a benefit of province {province} cannot apply to {scope}")
            continue
        codes = raw.get("procedure_codes") or []
        if isinstance(codes, str):
            codes = split_list(codes)
        for code in codes:
            if not isinstance(code, str):
                # YAML reads 1.010910 as the number 1.01091: codes must be quoted.
                loading.problem(path, line, f"procedure code {code!r} must be written in quotes")
        benefit = Benefit(
            id=str(raw["id"]),
            title=str(raw["title"]).strip(),
            description=str(raw["description"]).strip(),
            legal_basis=str(raw["legal_basis"]).strip(),
            valid_from=valid_from,
            valid_until=valid_until,
            procedure_codes=tuple(c.strip() for c in codes if isinstance(c, str) and c.strip()),
            source=str(raw["source"]).strip(),
            checked=str(raw["checked"]),
            scope=scope,
            uncertain=frozenset(u for u in uncertain if u in BENEFIT_UNCERTAIN_FIELDS),
        )
        if benefit.id in benefits:
            loading.problem(path, line, f"duplicate benefit id {benefit.id!r}")
            continue
        benefits[benefit.id] = benefit
        lines[benefit.id] = (path, line)
        _warn_expiry(loading, path, line, benefit, today)
    return benefits, lines


def _warn_expiry(loading: Loading, path: Path, line: int, benefit: Benefit, today: date) -> None:
    until = benefit.valid_until
    if until is None:
        return
    if until < today:
        loading.problem(
            path,
            line,
            f"benefit {benefit.id!r} expired on {until.isoformat()}; it is no longer shown",
            warning=True,
        )
    elif until - today <= timedelta(days=WARN_DAYS):
        days = (until - today).days
        loading.problem(
            path,
            line,
            f"benefit {benefit.id!r} ends on {until.isoformat()} (in {days} days); "
            "check whether it is extended",
            warning=True,
        )


def check_benefit_codes(
    loading: Loading,
    benefits: Mapping[str, Benefit],
    lines: Mapping[str, tuple[Path, int]],
    procedures: Mapping[str, Procedure],
) -> None:
    """Every procedure code a benefit names must be in the catalogue."""
    for benefit in benefits.values():
        path, line = lines.get(benefit.id, (loading.root / "benefits.yaml", 1))
        for code in benefit.procedure_codes:
            if code not in procedures:
                loading.problem(
                    path,
                    line,
                    f"benefit {benefit.id!r}: procedure {code!r} does not exist",
                )


def warn_stale_mentions(loading: Loading, benefits: Mapping[str, Benefit], today: date) -> None:
    """Texts that quote the end date of a benefit that has ended (or soon will) need updating."""
    ending = {
        b.valid_until: b.id
        for b in benefits.values()
        if b.valid_until is not None and b.valid_until - today <= timedelta(days=WARN_DAYS)
    }
    if not ending:
        return
    patterns = {
        day: re.compile(
            rf"(?<!\d)(?:{day.day}|{day.day:02d})/(?:{day.month}|{day.month:02d})/{day.year}(?!\d)"
        )
        for day in ending
    }
    files = [loading.root / "faq.yaml", loading.root / "procedures.csv"]
    files += sorted((loading.root / "guides").glob("*.md"))
    for path in (p for p in files if p.is_file()):
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for day, pattern in patterns.items():
                if pattern.search(text):
                    verb = "ended" if day < today else "ends"
                    loading.problem(
                        path,
                        number,
                        f"mentions {day.day}/{day.month}/{day.year}, when benefit "
                        f"{ending[day]!r} {verb}: update this text",
                        warning=True,
                    )
