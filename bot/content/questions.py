"""faq.yaml (questions and short answers) and synonyms.yaml (typed words -> their meaning)."""

from __future__ import annotations

from collections.abc import Mapping, Set
from pathlib import Path

import yaml

from bot.content import yamlfile
from bot.content.loader import Loading
from bot.content.records import check_record, parse_date, strings, yaml_records
from handlers.catalog import Faq
from handlers.text import fold  # the key form of a synonym, as search folds queries


def load_faqs(
    loading: Loading,
    folder: Path,
    procedures: Set[str] = frozenset(),
    benefits: Set[str] = frozenset(),
) -> dict[str, Faq]:
    """faq.yaml of a content folder; `procedures` and `benefits` are the ids it may name."""
    path = folder / "faq.yaml"
    faqs: dict[str, Faq] = {}
    required = ("id", "question", "answer", "source", "checked")
    for raw in yaml_records(loading, path, "questions"):
        buttons = raw.get("buttons") if isinstance(raw, Mapping) else None
        links = [loading.link(path, b, "question button") for b in buttons or []]
        if not check_record(loading, path, raw, required, "question"):
            continue
        line = yamlfile.line_of(raw)
        until_raw = raw.get("valid_until")
        until = None if until_raw in (None, "") else parse_date(until_raw)
        if until_raw not in (None, "") and until is None:
            loading.problem(path, line, f"valid_until {until_raw!r} is not a date")
            continue
        if not isinstance(raw.get("uncertain", False), bool):
            loading.problem(path, line, "uncertain must be true or false")
            continue
        raw_codes = raw.get("procedures")
        for code in raw_codes if isinstance(raw_codes, list) else []:
            if not isinstance(code, str):
                # YAML reads 1.010910 as the number 1.01091: codes must be quoted.
                loading.problem(path, line, f"procedure code {code!r} must be written in quotes")
        if isinstance(raw_codes, list):
            raw_codes = [c for c in raw_codes if isinstance(c, str)]
        codes = strings(raw_codes)
        named = strings(raw.get("benefits"))
        for code in codes:
            if code not in procedures:
                loading.problem(path, line, f"question: procedure {code!r} does not exist")
        for ident in named:
            if ident not in benefits:
                loading.problem(path, line, f"question: benefit {ident!r} does not exist")
        loading.check_until(path, line, f"answer {raw['id']!r}", until)
        faq = Faq(
            id=str(raw["id"]),
            question=str(raw["question"]).strip(),
            answer=str(raw["answer"]).strip(),
            keywords=strings(raw.get("keywords")),
            links=tuple(link for link in links if link),
            source=str(raw["source"]).strip(),
            checked=str(raw["checked"]),
            valid_until=until,
            uncertain=bool(raw.get("uncertain", False)),
            procedures=tuple(c for c in codes if c in procedures),
            benefit_ids=tuple(b for b in named if b in benefits),
            examples=strings(raw.get("examples")),
        )
        if faq.id in faqs:
            loading.problem(path, yamlfile.line_of(raw), f"duplicate question id {faq.id!r}")
            continue
        faqs[faq.id] = faq
    return faqs


def load_synonyms(loading: Loading, folder: Path) -> dict[str, tuple[str, ...]]:
    path = folder / "synonyms.yaml"
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
        if isinstance(value, str):
            value = [value]
        if value is not None and not isinstance(value, list):
            loading.problem(path, line, f"synonym {term!r} must map to a list of phrases")
            continue
        phrases = strings(value)
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


def load_procedure_examples(loading: Loading, codes: set[str]) -> dict[str, tuple[str, ...]]:
    """procedure_examples.yaml: procedure code -> other ways citizens ask for it."""
    path = loading.root / "procedure_examples.yaml"
    if not path.exists():
        return {}
    try:
        data = yamlfile.read(path)
    except yaml.YAMLError as exc:
        loading.problem(path, yamlfile.error_line(exc), f"bad YAML: {exc}")
        return {}
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        loading.problem(path, 1, "procedure_examples.yaml must map a procedure code to questions")
        return {}
    examples: dict[str, tuple[str, ...]] = {}
    for code, value in data.items():
        if not isinstance(code, str):
            loading.problem(path, yamlfile.line_of(data), f"write code {code!r} in quotes")
            continue
        if code not in codes:
            loading.problem(
                path, yamlfile.line_of(data), f"no procedure {code!r} in procedures.csv"
            )
            continue
        if not isinstance(value, list) or not strings(value):
            loading.problem(path, yamlfile.line_of(data), f"{code}: give a list of questions")
            continue
        examples[code] = strings(value)
    return examples
