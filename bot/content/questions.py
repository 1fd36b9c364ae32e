"""faq.yaml (questions and short answers) and synonyms.yaml (typed words -> their meaning)."""

from __future__ import annotations

from collections.abc import Mapping

import yaml

from bot.content import yamlfile
from bot.content.loader import Loading
from bot.content.records import check_record, strings, yaml_records
from handlers.catalog import Faq
from handlers.text import fold  # the key form of a synonym, as search folds queries


def load_faqs(loading: Loading) -> dict[str, Faq]:
    path = loading.root / "faq.yaml"
    faqs: dict[str, Faq] = {}
    required = ("id", "question", "answer", "source", "checked")
    for raw in yaml_records(loading, path, "questions"):
        buttons = raw.get("buttons") if isinstance(raw, Mapping) else None
        links = [loading.link(path, b, "question button") for b in buttons or []]
        if not check_record(loading, path, raw, required, "question"):
            continue
        faq = Faq(
            id=str(raw["id"]),
            question=str(raw["question"]).strip(),
            answer=str(raw["answer"]).strip(),
            keywords=strings(raw.get("keywords")),
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
