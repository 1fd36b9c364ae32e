"""Measure how well questions are understood: the public query sets, by category.

Run: python bench/understanding.py [--threshold 0.4] [--sweep] [--misses] [--no-examples]
                                   [--set FILE] [--fit]
Reads tests/fixtures/search_queries.yaml (on-topic, each with the right answers) and
tests/fixtures/search_off_topic.yaml (questions with no answer in the content); --set reads
instead one file of your own with both: `on_topic:` (entries as in search_queries.yaml) and
`off_topic:` (a list of questions, or lists by category), e.g. a held-out set kept outside the
project so that nobody tunes the search to it. --fit fits the confidence's calibration
(bot/search/calibration.py) on the public sets and tests/fixtures/search_calibration.yaml,
prints its weights, and measures with them.
Prints top-1 as the bot answers it (confidence gate and margin: a close second gets a
clarifying question, counted right when the right answer is one of the choices), top-3, the
clarifying questions asked, "direct" (the right answer given at once, no question asked), and
the share of off-topic questions rejected, per category; --sweep prints precision and recall over
thresholds.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml

from bot.config import BUNDLED_CONTENT
from bot.content import load_or_raise
from bot.search import SearchIndex
from bot.search.calibration import FITTED, Calibration, features, fit
from bot.search.documents import documents_from, synonyms_from
from handlers.search import DEFAULT_MIN_CONFIDENCE, Choice, Decision, decide
from handlers.understanding import chat_words_of, small_talk_of

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
CALIBRATION = FIXTURES / "search_calibration.yaml"  # fits the confidence with the public sets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=DEFAULT_MIN_CONFIDENCE)
    parser.add_argument("--sweep", action="store_true")
    parser.add_argument("--misses", action="store_true")
    parser.add_argument(
        "--no-examples", action="store_true", help="leave the content's `examples:` out"
    )
    parser.add_argument("--set", type=Path, help="one YAML file with on_topic: and off_topic:")
    parser.add_argument("--fit", action="store_true", help="refit the confidence calibration")
    args = parser.parse_args()
    content = load_or_raise(BUNDLED_CONTENT)
    chat = chat_words_of(content)
    documents = list(documents_from(content))
    if args.no_examples:
        documents = [replace(d, examples=()) for d in documents]
    calibration = _fitted(documents, content, chat) if args.fit else FITTED
    if args.fit:
        print(f"fitted: {calibration}\n")
    index = SearchIndex(documents, synonyms_from(content), chat, calibration)
    queries, off = _query_sets(args.set)
    on_hits = [(q, index.search(q["q"], 3), small_talk_of(q["q"], chat)) for q in queries]
    off_hits = [
        (cat, text, index.search(text, 3), small_talk_of(text, chat))
        for cat, texts in off.items()
        for text in texts
    ]

    def decision_of(hits: list, talk: str | None, threshold: float) -> Choice:
        # as handlers/search.py: small talk ("bạn là ai") is answered in kind, never searched
        return Choice(Decision.NOT_FOUND) if talk else decide(hits, threshold)

    def run(threshold: float, verbose: bool) -> tuple[float, float, float, int]:
        """top-1 gated, top-3, off-topic rejection, and on-topic questions answered wrongly."""
        per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
        wrong = 0
        for q, hits, talk in on_hits:
            right = {q["expect"], *q.get("also", [])}
            decision = decision_of(hits, talk, threshold)
            ok = bool(decision.choices) and (
                decision.choices[0].ref in right
                if decision.kind == Decision.ANSWER
                else decision.kind == Decision.CLARIFY
                and any(h.ref in right for h in decision.choices)
            )
            wrong += decision.kind is not Decision.NOT_FOUND and not ok
            row = per[q.get("cat", "other")]
            row[0] += 1
            row[1] += int(ok)
            row[2] += int(any(h.ref in right for h in hits))
            row[3] += int(decision.kind == Decision.CLARIFY)
            row[4] += int(ok and decision.kind == Decision.ANSWER)
            if verbose and args.misses and not ok:
                refs = [(h.ref, round(h.confidence, 2)) for h in hits]
                print(f"  miss [{decision.kind}] {q['q']!r} -> {refs} want {q['expect']}")
        rejected: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for cat, text, hits, talk in off_hits:
            decision = decision_of(hits, talk, threshold)
            rejected[cat][0] += 1
            rejected[cat][1] += decision.kind == Decision.NOT_FOUND
            if verbose and args.misses and decision.kind != Decision.NOT_FOUND:
                refs = [(h.ref, round(h.confidence, 2)) for h in hits[:2]]
                print(f"  off-topic answered [{decision.kind}] {text!r} -> {refs}")
        total = sum(r[0] for r in per.values())
        top1 = sum(r[1] for r in per.values()) / total
        top3 = sum(r[2] for r in per.values()) / total
        off_total = sum(r[0] for r in rejected.values())
        rejection = sum(r[1] for r in rejected.values()) / off_total
        if verbose:
            print(f"threshold {threshold:.2f}")
            head = ("on-topic category", "n", "top-1 gated", "top-3", "asked", "direct")
            print("{:<18} {:>4} {:>12} {:>7} {:>6} {:>7}".format(*head))
            for cat, (n, good, in3, asked, direct) in sorted(per.items()):
                print(
                    f"{cat:<18} {n:>4} {good / n:>12.1%} {in3 / n:>7.1%} {asked:>6}"
                    f" {direct / n:>7.1%}"
                )
            direct = sum(r[4] for r in per.values()) / total
            asked = sum(r[3] for r in per.values())
            print(f"{'all':<18} {total:>4} {top1:>12.1%} {top3:>7.1%} {asked:>6} {direct:>7.1%}")
            print(f"{'off-topic category':<18} {'n':>4} {'rejected':>12}")
            for cat, (n, refused) in sorted(rejected.items()):
                print(f"{cat:<18} {n:>4} {refused / n:>12.1%}")
            print(f"{'all':<18} {off_total:>4} {rejection:>12.1%}")
        return top1, top3, rejection, wrong

    run(args.threshold, True)
    if args.sweep:
        print("\nthreshold  top-1 gated (recall)  off-topic rejected  precision of answers")
        for step in range(30, 91, 5):
            threshold = step / 100
            top1, _, rejection, wrong = run(threshold, False)
            answered_off = (1 - rejection) * len(off_hits)
            answered_right = top1 * len(on_hits)
            # of everything the bot answered (or asked about), the share that was right
            precision = answered_right / max(1.0, answered_right + wrong + answered_off)
            print(f"{threshold:>9.2f}  {top1:>20.1%}  {rejection:>18.1%}  {precision:>20.1%}")


def _fitted(documents: list, content: object, chat: object) -> Calibration:
    """The calibration fitted on the public sets and the calibration set: each of the top 3
    hits of every question (small talk left out, as the bot never searches it), right or
    wrong."""
    raw = SearchIndex(documents, synonyms_from(content), chat, calibration=None)
    asked: list[tuple[str, set[str]]] = []
    for path in (None, CALIBRATION):
        queries, off = _query_sets(path)
        asked += [(q["q"], {q["expect"], *q.get("also", [])}) for q in queries]
        asked += [(text, set()) for texts in off.values() for text in texts]
    rows, right = [], []
    for text, wanted in asked:
        if small_talk_of(text, chat):
            continue
        hits = raw.search(text, 3)
        for hit in hits:
            rows.append(features(hit.evidence, hit.score, hits[0].score, raw.max_idf))
            right.append(hit.ref in wanted)
    print(f"fitted on {len(asked)} questions, {len(rows)} hits ({sum(right)} right)")
    return fit(rows, right)


def _query_sets(path: Path | None) -> tuple[list[dict], dict[str, list[str]]]:
    """On-topic entries (follow-ups left out: they need the conversation before them) and
    off-topic questions by category, from the public fixtures or from one file of both."""
    if path is None:
        on = yaml.safe_load((FIXTURES / "search_queries.yaml").read_text("utf-8"))
        off = yaml.safe_load((FIXTURES / "search_off_topic.yaml").read_text("utf-8"))
    else:
        both = yaml.safe_load(path.read_text("utf-8"))
        on, off = both.get("on_topic") or [], both.get("off_topic") or {}
    if isinstance(off, list):
        off = {"off_topic": off}
    return [q for q in on if "after" not in q], off


if __name__ == "__main__":
    main()
