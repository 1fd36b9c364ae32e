"""`dvcbot search`: show how the bot ranks a question, for people who write the content."""

from __future__ import annotations

import argparse

from bot.commands.common import setup
from bot.i18n import _
from bot.runtime import load_content
from bot.search import SearchIndex, build_index


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "search",
        help=_("show the ranked answers to a question, with scores"),
        description=_(
            "Search the content the way the bot does and print the best matches with their "
            "score and confidence, to check a question from the content-gap list or a new "
            "synonym. Nothing is recorded."
        ),
    )
    parser.add_argument("question", nargs="+", help=_("the question, as a citizen would type it"))
    parser.add_argument(
        "--limit", type=int, default=5, help=_("how many matches to show (default: 5)")
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help=_("also show how each word was read: synonyms, typo corrections, unknown words"),
    )
    parser.set_defaults(func=search_question)


def explain(index: SearchIndex, question: str) -> list[str]:
    """One line per stretch of the question: the words read and what they stand for."""
    names = {term: word for word, term in index.terms.items()}
    lines = []
    for group in index.parse(question).groups:
        readings = []
        for variant in group.variants:
            words = []
            for slot in variant:
                found = "/".join(names[t] for t, _ in slot.terms) or "?"
                word = slot.word if found == slot.word else f"{slot.word}→{found}"
                words.append(f"({word})" if slot.stop else word)
            readings.append(" ".join(words))
        lines.append("  " + " | ".join(readings))
    return lines


def search_question(args: argparse.Namespace) -> int:
    """Print the ranked matches; exit status 1 when the bot would not answer directly."""
    settings = setup()
    index = build_index(load_content(settings))
    question = " ".join(args.question)
    if args.explain:
        print(_("Words as read (→ correction, ? unknown, (filler), | synonym):"))
        print("\n".join(explain(index, question)))
    hits = index.search(question, max(1, args.limit))
    threshold = settings.search_min_confidence
    for rank, hit in enumerate(hits, 1):
        line = _("{rank}. {ref}  score {score:.2f}  confidence {confidence:.0%}  {title}")
        print(
            line.format(
                rank=rank, ref=hit.ref, score=hit.score, confidence=hit.confidence, title=hit.title
            )
        )
    if not hits or hits[0].confidence < threshold:
        print(
            _("No answer above the confidence threshold ({threshold:.0%}).").format(
                threshold=threshold
            )
        )
        return 1
    return 0
