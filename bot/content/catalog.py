"""Load procedures.csv, benefits.yaml, faq.yaml and synonyms.yaml into a Catalog, checking each."""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any, cast

import yaml

from bot.content import yamlfile
from bot.content.loader import PARTS, Loading
from handlers.catalog import (
    AUTHORITY_LEVELS,
    BENEFIT_UNCERTAIN_FIELDS,
    ONLINE_LEVELS,
    UNCERTAIN_FIELDS,
    Benefit,
    Catalog,
    Faq,
    Procedure,
)

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,39}$")
IDENT = re.compile(r"^[a-z0-9][a-z0-9-]{1,40}$")
WARN_DAYS = 30
COLUMNS = tuple(f.name for f in fields(Procedure))
LIST_COLUMNS = {"benefit_ids", "guides", "keywords", "uncertain"}
REQUIRED_COLUMNS = set(COLUMNS) - LIST_COLUMNS - {"online_saving"}


def fold(text: str) -> str:
    """Lower case without diacritics (đ → d), spaces collapsed: the key form of a synonym."""
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.split())


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(";") if part.strip())


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return None


@dataclass
class CatalogPart:
    """Content part "catalog"; `today` decides which benefits are expired or about to expire."""

    name: str = "catalog"
    today: date | None = None

    def load(self, loading: Loading) -> Catalog:
        today = self.today or date.today()
        benefits, lines = load_benefits(loading, today)
        procedures = load_procedures(loading, set(benefits))
        check_benefit_codes(loading, benefits, lines, procedures)
        procedures, benefits = _cross_link(procedures, benefits)
        faqs = load_faqs(loading)
        synonyms = load_synonyms(loading)
        loading.targets["proc"] = set(procedures)
        loading.targets["faq"] = set(faqs)
        return Catalog(
            procedures=MappingProxyType(procedures),
            benefits=MappingProxyType(benefits),
            faqs=MappingProxyType(faqs),
            synonyms=MappingProxyType(synonyms),
        )


def load_procedures(loading: Loading, benefit_ids: set[str]) -> dict[str, Procedure]:
    path = loading.root / "procedures.csv"
    if not path.exists():
        return {}
    procedures: dict[str, Procedure] = {}
    first_line: dict[str, int] = {}
    guides = loading.targets.get("guide") or set()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            loading.problem(path, 1, f"missing column(s): {', '.join(missing)}")
            return {}
        start = 2
        for row in reader:
            line, start = start, reader.line_num + 1
            procedure = _procedure(loading, path, line, row, guides, benefit_ids)
            if procedure is None:
                continue
            if procedure.code in procedures:
                loading.problem(
                    path,
                    line,
                    f"duplicate procedure code {procedure.code!r} "
                    f"(first on line {first_line[procedure.code]})",
                )
                continue
            procedures[procedure.code] = procedure
            first_line[procedure.code] = line
    return procedures


def _procedure(
    loading: Loading,
    path: Path,
    line: int,
    row: Mapping[str, str | None],
    guides: set[str],
    benefit_ids: set[str],
) -> Procedure | None:
    values = {c: (row.get(c) or "").strip() for c in COLUMNS}
    if None in row:
        loading.problem(path, line, "more cells than columns (an unquoted comma?)")
        return None
    ok = True
    for column in sorted(REQUIRED_COLUMNS):
        if not values[column]:
            loading.problem(path, line, f"missing field {column!r}")
            ok = False
    code = values["code"]
    if code and not CODE.match(code):
        loading.problem(path, line, f"procedure code {code!r} may only use A-Z, 0-9, '.', '_', '-'")
        ok = False
    if values["authority_level"] and values["authority_level"] not in AUTHORITY_LEVELS:
        loading.problem(
            path,
            line,
            f"authority_level {values['authority_level']!r} must be one of "
            f"{', '.join(AUTHORITY_LEVELS)}",
        )
        ok = False
    if values["online_level"] and values["online_level"] not in ONLINE_LEVELS:
        loading.problem(
            path,
            line,
            f"online_level {values['online_level']!r} must be one of {', '.join(ONLINE_LEVELS)}",
        )
        ok = False
    if values["portal_url"] and not values["portal_url"].startswith("https://"):
        loading.problem(path, line, f"portal_url {values['portal_url']!r} must start with https://")
        ok = False
    if values["checked"] and _date(values["checked"]) is None:
        loading.problem(path, line, f"checked {values['checked']!r} is not a date (YYYY-MM-DD)")
        ok = False
    lists = {c: _split(values[c]) for c in LIST_COLUMNS}
    for guide in lists["guides"]:
        if guide not in guides:
            loading.problem(path, line, f"guide {guide!r} does not exist")
            ok = False
    for benefit in lists["benefit_ids"]:
        if benefit not in benefit_ids:
            loading.problem(path, line, f"benefit {benefit!r} does not exist")
            ok = False
    for name in lists["uncertain"]:
        if name not in UNCERTAIN_FIELDS:
            loading.problem(
                path, line, f"uncertain field {name!r} is not a procedure field that can be flagged"
            )
            ok = False
    if not ok:
        return None
    return Procedure(
        code=code,
        name=values["name"],
        field=values["field"],
        authority=values["authority"],
        authority_level=cast(Any, values["authority_level"]),
        online_level=cast(Any, values["online_level"]),
        fee=values["fee"],
        online_saving=values["online_saving"],
        benefit_ids=lists["benefit_ids"],
        processing_time=values["processing_time"],
        portal_url=values["portal_url"],
        guides=lists["guides"],
        keywords=lists["keywords"],
        uncertain=frozenset(lists["uncertain"]),
        source=values["source"],
        checked=values["checked"],
    )


def _items(loading: Loading, path: Path, kind: str) -> list[Any]:
    """The list of mappings in a YAML file (absent file: nothing, not a problem)."""
    if not path.exists():
        return []
    try:
        data = yamlfile.read(path)
    except yaml.YAMLError as exc:
        loading.problem(path, yamlfile.error_line(exc), f"bad YAML: {exc}")
        return []
    if data is None:
        return []
    if not isinstance(data, list):
        loading.problem(path, 1, f"{path.name} must be a list of {kind}")
        return []
    return data


def _text_fields(
    loading: Loading, path: Path, raw: Any, required: tuple[str, ...], kind: str
) -> bool:
    if not isinstance(raw, Mapping):
        loading.problem(path, yamlfile.line_of(raw), f"each {kind} must be a mapping")
        return False
    ok = True
    for key in required:
        if raw.get(key) in (None, ""):
            loading.problem(path, yamlfile.line_of(raw), f"{kind}: missing field {key!r}")
            ok = False
    ident = str(raw.get("id", ""))
    if ident and not IDENT.match(ident):
        loading.problem(
            path, yamlfile.line_of(raw), f"{kind} id {ident!r} must be lowercase a-z, 0-9, '-'"
        )
        ok = False
    if raw.get("checked") not in (None, "") and _date(raw["checked"]) is None:
        loading.problem(
            path, yamlfile.line_of(raw), f"{kind}: checked {raw['checked']!r} is not a date"
        )
        ok = False
    return ok


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return _split(value)
    return tuple(str(v).strip() for v in value if str(v).strip())


def load_benefits(loading: Loading, today: date) -> tuple[dict[str, Benefit], dict[str, int]]:
    """Benefits by id, and the line each starts on."""
    path = loading.root / "benefits.yaml"
    benefits: dict[str, Benefit] = {}
    lines: dict[str, int] = {}
    required = ("id", "title", "description", "legal_basis", "valid_from", "source", "checked")
    for raw in _items(loading, path, "benefits"):
        if not _text_fields(loading, path, raw, required, "benefit"):
            continue
        line = yamlfile.line_of(raw)
        valid_from = _date(raw["valid_from"])
        until_raw = raw.get("valid_until")
        valid_until = None if until_raw in (None, "") else _date(until_raw)
        if valid_from is None:
            loading.problem(path, line, f"valid_from {raw['valid_from']!r} is not a date")
            continue
        if until_raw not in (None, "") and valid_until is None:
            loading.problem(path, line, f"valid_until {until_raw!r} is not a date")
            continue
        if valid_until is not None and valid_until < valid_from:
            loading.problem(path, line, "valid_until is before valid_from")
            continue
        uncertain = _strings(raw.get("uncertain"))
        unknown = [u for u in uncertain if u not in BENEFIT_UNCERTAIN_FIELDS]
        if unknown:
            loading.problem(path, line, f"uncertain field {unknown[0]!r} is not a benefit field")
            continue
        benefit = Benefit(
            id=str(raw["id"]),
            title=str(raw["title"]).strip(),
            description=str(raw["description"]).strip(),
            legal_basis=str(raw["legal_basis"]).strip(),
            valid_from=valid_from,
            valid_until=valid_until,
            procedure_codes=_strings(raw.get("procedure_codes")),
            source=str(raw["source"]).strip(),
            checked=str(raw["checked"]),
            scope=str(raw.get("scope") or "").strip(),
            uncertain=frozenset(uncertain),
        )
        if benefit.id in benefits:
            loading.problem(path, line, f"duplicate benefit id {benefit.id!r}")
            continue
        benefits[benefit.id] = benefit
        lines[benefit.id] = line
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


def _cross_link(
    procedures: dict[str, Procedure], benefits: dict[str, Benefit]
) -> tuple[dict[str, Procedure], dict[str, Benefit]]:
    """A link written on either side (procedure.benefit_ids or benefit.procedure_codes) counts."""
    pairs = {(code, b) for code, p in procedures.items() for b in p.benefit_ids}
    pairs |= {(code, b.id) for b in benefits.values() for code in b.procedure_codes}
    pairs = {(code, b) for code, b in pairs if code in procedures and b in benefits}
    linked_procedures = {
        code: replace(p, benefit_ids=tuple(sorted(b for c, b in pairs if c == code)))
        for code, p in procedures.items()
    }
    linked_benefits = {
        bid: replace(b, procedure_codes=tuple(sorted(c for c, x in pairs if x == bid)))
        for bid, b in benefits.items()
    }
    return linked_procedures, linked_benefits


def check_benefit_codes(
    loading: Loading,
    benefits: Mapping[str, Benefit],
    lines: Mapping[str, int],
    procedures: Mapping[str, Procedure],
) -> None:
    """Every procedure code a benefit names must be in the catalogue."""
    path = loading.root / "benefits.yaml"
    for benefit in benefits.values():
        for code in benefit.procedure_codes:
            if code not in procedures:
                loading.problem(
                    path,
                    lines.get(benefit.id, 1),
                    f"benefit {benefit.id!r}: procedure {code!r} does not exist",
                )


def load_faqs(loading: Loading) -> dict[str, Faq]:
    path = loading.root / "faq.yaml"
    faqs: dict[str, Faq] = {}
    required = ("id", "question", "answer", "source", "checked")
    for raw in _items(loading, path, "questions"):
        if not _text_fields(loading, path, raw, required, "question"):
            continue
        links = [loading.link(path, b, "question button") for b in raw.get("buttons") or []]
        faq = Faq(
            id=str(raw["id"]),
            question=str(raw["question"]).strip(),
            answer=str(raw["answer"]).strip(),
            keywords=_strings(raw.get("keywords")),
            links=tuple(link for link in links if link),
            source=str(raw["source"]).strip(),
            checked=str(raw["checked"]),
        )
        if faq.id in faqs:
            loading.problem(path, yamlfile.line_of(raw), f"duplicate question id {faq.id!r}")
            continue
        faqs[faq.id] = faq
    return faqs


def load_synonyms(loading: Loading) -> dict[str, tuple[str, ...]]:
    path = loading.root / "synonyms.yaml"
    if not path.exists():
        return {}
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        loading.problem(path, yamlfile.error_line(exc), f"bad YAML: {exc}")
        return {}
    if node is None:
        return {}
    if not isinstance(node, yaml.MappingNode):
        loading.problem(path, 1, "synonyms.yaml must map a term to the phrases it means")
        return {}
    synonyms: dict[str, tuple[str, ...]] = {}
    first_line: dict[str, int] = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        term = fold(str(key_node.value))
        value = yaml.safe_load(yaml.serialize(value_node))
        phrases = _strings([value] if isinstance(value, str) else value or [])
        if not term:
            loading.problem(path, line, "empty synonym term")
            continue
        if not phrases:
            loading.problem(path, line, f"synonym {term!r} has no phrases")
            continue
        if term in synonyms:
            loading.problem(
                path, line, f"duplicate synonym {term!r} (first on line {first_line[term]})"
            )
            continue
        synonyms[term] = phrases
        first_line[term] = line
    return synonyms


PARTS.append(CatalogPart())
