"""The query set: what citizens type must find the right guide, FAQ or procedure.

Reports top-1 and top-3 accuracy in the test summary and fails below 85% top-1. A top-1 hit
must also be confident enough to be answered directly (the threshold the bot uses).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.search import SearchIndex
from handlers.content import Content
from handlers.search import DEFAULT_MIN_CONFIDENCE

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
QUERIES = FIXTURES / "search_queries.yaml"
OFF_TOPIC = FIXTURES / "search_off_topic.yaml"
MIN_TOP1 = 0.85
MAX_OFF_TOPIC_ANSWERED = 0.2
# printed by conftest.py at the end of the run
SUMMARY = pytest.StashKey[list[str]]()
OFF_TOPIC_SUMMARY = pytest.StashKey[list[str]]()


def load_queries() -> list[dict[str, Any]]:
    return list(yaml.safe_load(QUERIES.read_text(encoding="utf-8")))


def test_every_expected_answer_exists_in_the_content(content: Content) -> None:
    catalog = content.extra["catalog"]
    known = (
        {f"guide:{g}" for g in content.guides}
        | {f"faq:{f}" for f in catalog.faqs}
        | {f"proc:{p}" for p in catalog.procedures}
    )
    queries = load_queries()
    assert len(queries) >= 60
    missing = [
        (q["q"], ref)
        for q in queries
        for ref in [q["expect"], *q.get("also", [])]
        if ref not in known
    ]
    assert missing == []


def test_top1_accuracy_is_at_least_85_percent(
    search_index: SearchIndex, request: pytest.FixtureRequest
) -> None:
    queries = load_queries()
    top1 = top3 = 0
    misses = []
    for item in queries:
        right = {item["expect"], *item.get("also", [])}
        hits = search_index.search(item["q"], 3)
        refs = [h.ref for h in hits]
        first = bool(hits) and refs[0] in right and hits[0].confidence >= DEFAULT_MIN_CONFIDENCE
        top1 += first
        top3 += any(r in right for r in refs)
        if not first:
            misses.append(f"  miss: {item['q']!r} -> {refs} (want {item['expect']})")
    total = len(queries)
    request.config.stash[SUMMARY] = [
        f"search query set: {total} queries, top-1 {top1 / total:.1%} ({top1}), "
        f"top-3 {top3 / total:.1%} ({top3})",
        *misses,
    ]
    assert top1 / total >= MIN_TOP1, "\n".join(misses)


def test_off_topic_questions_are_mostly_not_answered(
    search_index: SearchIndex, request: pytest.FixtureRequest
) -> None:
    questions = list(yaml.safe_load(OFF_TOPIC.read_text(encoding="utf-8")))
    answered = []
    for question in questions:
        hits = search_index.search(question, 1)
        if hits and hits[0].confidence >= DEFAULT_MIN_CONFIDENCE:
            answered.append(f"  answered off-topic: {question!r} -> {hits[0].ref}")
    share = len(answered) / len(questions)
    request.config.stash[OFF_TOPIC_SUMMARY] = [
        f"search off-topic set: {len(questions)} questions, {share:.0%} answered anyway",
        *answered,
    ]
    assert share <= MAX_OFF_TOPIC_ANSWERED, "\n".join(answered)
