"""`dvcbot search`: show how the bot ranks a question, for people who write the content."""

from __future__ import annotations

import argparse

from bot.commands.common import setup
from bot.i18n import _
from bot.runtime import load_content
from bot.search import build_index


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
    parser.set_defaults(func=search_question)


def search_question(args: argparse.Namespace) -> int:
    """Print the ranked matches; exit status 1 when the bot would not answer directly."""
    settings = setup()
    index = build_index(load_content(settings))
    hits = index.search(" ".join(args.question), max(1, args.limit))
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
