"""Measure how well questions are understood: the public query sets, by category.

Run: python bench/understanding.py [--threshold 0.55] [--sweep] [--misses] [--no-examples]
Reads tests/fixtures/search_queries.yaml (on-topic, each with the right answers) and
tests/fixtures/search_off_topic.yaml (questions with no answer in the content). Prints top-1
as the bot answers it (confidence gate and margin: a close second gets a clarifying question,
counted right when the right answer is one of the choices), top-3, and the share of off-topic
questions rejected, per category; --sweep prints precision and recall over thresholds.
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
from bot.search import SearchIndex, build_index
from bot.search.documents import documents_from, synonyms_from
from handlers.search import DEFAULT_MIN_CONFIDENCE, Choice, Decision, decide
from handlers.understanding import chat_words_of, small_talk_of

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=DEFAULT_MIN_CONFIDENCE)
    parser.add_argument("--sweep", action="store_true")
    parser.add_argument("--misses", action="store_true")
    parser.add_argument(
        "--no-examples", action="store_true", help="leave the content's `examples:` out"
    )
    args = parser.parse_args()
    content = load_or_raise(BUNDLED_CONTENT)
    index = build_index(content)
    if args.no_examples:
        documents = (replace(d, examples=()) for d in documents_from(content))
        index = SearchIndex(documents, synonyms_from(content), chat_words_of(content))
    chat = chat_words_of(content)
    queries = [
        q
        for q in yaml.safe_load((FIXTURES / "search_queries.yaml").read_text("utf-8"))
        if "after" not in q
    ]
    off = yaml.safe_load((FIXTURES / "search_off_topic.yaml").read_text("utf-8"))
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
        per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
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
            head = ("on-topic category", "n", "top-1 gated", "top-3", "asked")
            print("{:<18} {:>4} {:>12} {:>7} {:>6}".format(*head))
            for cat, (n, good, in3, asked) in sorted(per.items()):
                print(f"{cat:<18} {n:>4} {good / n:>12.1%} {in3 / n:>7.1%} {asked:>6}")
            print(f"{'all':<18} {total:>4} {top1:>12.1%} {top3:>7.1%}")
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


if __name__ == "__main__":
    main()
