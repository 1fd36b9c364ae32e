"""Free-text questions and /timkiem: the best answer with alternatives, or the closest topics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from handlers import handoff
from handlers.context import Context
from handlers.dialogue import (
    current_topic,
    english_reply,
    follow_up,
    note_language,
    social_reply,
    topic_title,
)
from handlers.documents import answer_papers, asks_for_papers
from handlers.faq import show_faq
from handlers.guides import open_guide
from handlers.menu import menu_button, menu_replies, short_menu
from handlers.procedures import catalog_of, show_procedure
from handlers.routing import Router
from handlers.text import clean, for_figures, normalise, short_labels, shorten
from handlers.types import Button, Incoming, Reply
from handlers.understanding import aspect_of, chat_words_of, refers_back, small_talk_of
from storage import events
from storage.events import EventKind


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result. `kind:id` is the button payload that opens it."""

    kind: str
    id: str
    title: str
    score: float
    # 0..1: the chance this item is the right answer (bot/search/calibration.py), compared
    # with DVCBOT_SEARCH_MIN_CONFIDENCE
    confidence: float
    exact: bool = False  # the question is this item's whole title or one of its keywords
    # 0..1: the idf-weighted share of the question's informative words the item matches, raised
    # when the question holds one of its phrases whole (what the confidence is calibrated from)
    evidence: float = 0.0

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.id}"


class Searcher(Protocol):
    """The search service (`ctx.services["search"]`), built once from the content."""

    def search(self, query: str, limit: int = 3) -> Sequence[Hit]: ...


router = Router("search")

DEFAULT_MIN_CONFIDENCE = 0.4  # chosen on the labelled sets: docs/BENCHMARKS.md
ALTERNATIVE_SHARE = 0.4  # an alternative scores at least this share of the best answer
MAX_ALTERNATIVES = 2
MAX_RESULTS = 5
MAX_LABEL = 56  # characters of a title on a button
# An unanswered question's topics matching this share of it are offered as "did you mean".
NEAR_EVIDENCE = 0.5
# A question of one or two words ("kết hôn") that several items match about equally well is
# answered with the choice of them, unless it is exactly the title or a keyword of the best.
SHORT_QUESTION = 2
CLOSE_SHARE = 0.85
# Two answers of the same kind whose scores are within this share of each other are too close
# to guess between ("đổi" or "cấp lại" căn cước): the bot asks which one is meant.
CLARIFY_MARGIN = 0.03
RERANK = 0.85  # a confident item scoring this share of an unconfident first one answers instead
# Thanks and acknowledgements (folded) get a friendly word, not a search.
# fmt: off
THANKS = frozenset({
    "cam on", "cam on ban", "cam on nhieu", "cam on nhe", "cam on a", "cam on bot", "thanks",
    "thank you", "thank", "tks", "ok", "oke", "okay", "ok cam on", "vang", "da", "da vang",
    "vang a", "uh", "u", "duoc roi", "hieu roi", "xong roi",
})
# fmt: on


class Decision(StrEnum):
    """What the bot does with the ranked hits of a question."""

    ANSWER = "answer"  # the first hit, with the others as alternatives
    CLARIFY = "clarify"  # two answers of the same kind are too close: ask which one
    NOT_FOUND = "not_found"  # nothing confident: say what dvcbot helps with


@dataclass(frozen=True, slots=True)
class Choice:
    kind: Decision
    choices: tuple[Hit, ...] = ()


def decide(hits: Sequence[Hit], threshold: float) -> Choice:
    """Answer, ask a clarifying question, or admit not knowing: the one rule the bot and the
    benchmark (bench/understanding.py) share."""
    if not hits:
        return Choice(Decision.NOT_FOUND, ())
    best = hits[0]
    if best.confidence < threshold:
        # a near-equal item that covers the question better is the one it is about
        better = [
            h for h in hits[1:] if h.confidence >= threshold and h.score >= RERANK * best.score
        ]
        if not better:
            return Choice(Decision.NOT_FOUND, tuple(hits))
        best = better[0]
        hits = [best, *(h for h in hits if h is not best)]
    close = [
        h
        for h in hits[1:]
        if h.kind == best.kind
        and h.confidence >= threshold
        and h.score >= (1 - CLARIFY_MARGIN) * best.score
    ]
    if close and not best.exact:
        return Choice(Decision.CLARIFY, (best, *close))
    others = [
        h
        for h in hits[1:]
        if h.confidence >= threshold and h.score >= ALTERNATIVE_SHARE * best.score
    ]
    return Choice(Decision.ANSWER, (best, *others))


def searcher_of(ctx: Context) -> Searcher | None:
    service = ctx.services.get("search")
    return service if service is not None and hasattr(service, "search") else None


def min_confidence(ctx: Context) -> float:
    value = ctx.settings.get("search_min_confidence")
    return float(value) if isinstance(value, int | float) else DEFAULT_MIN_CONFIDENCE


def hit_buttons(ctx: Context, hits: list[Hit]) -> list[Button]:
    """Buttons for hits offered together, labels shortened so each keeps what tells it apart."""
    titles = short_labels([h.title for h in hits], MAX_LABEL)
    return [hit_button(ctx, hit, title) for hit, title in zip(hits, titles, strict=True)]


def hit_button(ctx: Context, hit: Hit, title: str | None = None) -> Button:
    """A button that opens a search result, labelled with its kind and title."""
    icon = {
        "guide": ctx.t("search.icon_guide"),
        "faq": ctx.t("search.icon_faq"),
        "proc": ctx.t("search.icon_proc"),
    }.get(hit.kind, "")
    title = title or shorten(hit.title, MAX_LABEL)
    return Button(f"{icon} {title}".strip(), payload=hit.ref)


async def open_hit(ctx: Context, hit: Hit) -> list[Reply] | None:
    """The answer a result stands for, or None when the content no longer has it."""
    if hit.kind == "guide":
        guide = ctx.content.guides.get(hit.id)
        return await open_guide(ctx, guide) if guide else None
    catalog = catalog_of(ctx)
    if hit.kind == "proc":
        proc = catalog.procedures.get(hit.id)
        return await show_procedure(ctx, proc) if proc else None
    if hit.kind == "faq":
        faq = catalog.faqs.get(hit.id)
        return await show_faq(ctx, faq) if faq else None
    return None


def procedures_of(ctx: Context, hits: Sequence[Hit]) -> list[str]:
    """The procedure codes results stand for, best first (an answer counts for its procedures)."""
    faqs = catalog_of(ctx).faqs
    codes: list[str] = []
    for hit in hits:
        if hit.kind == "proc":
            codes.append(hit.id)
        elif hit.kind == "faq" and hit.id in faqs:
            codes.extend(faqs[hit.id].procedures)
    return codes


async def record_answered(ctx: Context, ref: str, typed: str) -> None:
    """Count the question as answered (the funnel's "engaged" and the content-gap report);
    what was typed is kept only redacted and folded (handlers.text.for_figures)."""
    detail = for_figures(typed) or None
    await events.record(
        ctx.session, EventKind.SEARCH_ANSWERED, ctx.contact, ref=ref, detail=detail, at=ctx.now
    )


async def not_found(
    ctx: Context, query: str, hits: Sequence[Hit], query_text: str = ""
) -> list[Reply]:
    """Not understood: what dvcbot helps with, the nearest topics if any came close, at most
    four buttons (an officer offered on the second miss), and the question (as typed,
    `query_text`) kept as a content gap, redacted and folded. Never the whole welcome again."""
    detail = for_figures(query_text or query)
    if detail:
        await events.record(
            ctx.session, EventKind.SEARCH_UNANSWERED, ctx.contact, detail=detail, at=ctx.now
        )
    if note_language(ctx, query):
        return english_reply(ctx)
    near = [h for h in hits[:MAX_ALTERNATIVES] if h.evidence >= NEAR_EVIDENCE]
    closest = tuple(hit_buttons(ctx, near))
    text = ctx.t("search.closest") if closest else ctx.t("search.off_topic")
    topic = "search:unanswered" if closest else "search:off_topic"
    offer = handoff.remember_miss(ctx, query_text) if query else None  # 2nd miss: an officer
    if offer is not None:
        text, closest = f"{text}\n\n{ctx.t('handoff.offer')}", (offer, *closest)
    return short_menu(ctx, text, closest, topic=topic)


def is_thanks(query: str) -> bool:
    """'cảm ơn', 'ok', 'cảm ơn bạn nhiều nhé' (a few words that start with thanks)."""
    return query in THANKS or (query.startswith(("cam on", "thank")) and len(query.split()) <= 6)


def ambiguous(query: str, good: Sequence[Hit]) -> bool:
    return (
        len(good) >= 2
        and not good[0].exact
        and len(query.split()) <= SHORT_QUESTION
        and good[1].score >= CLOSE_SHARE * good[0].score
    )


async def choices(ctx: Context, query: str, text: str, hits: Sequence[Hit]) -> list[Reply]:
    """Several items fit a short question equally well: let the person pick one."""
    await record_answered(ctx, "choices", text)
    buttons = hit_buttons(ctx, list(hits))
    buttons.append(menu_button(ctx))
    return [
        Reply(
            text=ctx.t("search.choose", query=clean(text)[:80]),
            buttons=tuple(buttons),
            topic="search:choices",
        )
    ]


async def clarify(ctx: Context, text: str, hits: Sequence[Hit]) -> list[Reply]:
    """Two answers are too close to guess between: one short question with their buttons."""
    await record_answered(ctx, "clarify", text)
    buttons = [hit_button(ctx, h) for h in hits[: MAX_ALTERNATIVES + 1]]
    buttons.append(menu_button(ctx))
    return [Reply(text=ctx.t("search.clarify"), buttons=tuple(buttons), topic="search:clarify")]


async def within_topic(ctx: Context, text: str, topic: str) -> Choice | None:
    """Read a question about what was just shown ("nó báo sai mật khẩu") with its title."""
    searcher = searcher_of(ctx)
    title = topic_title(ctx, topic)
    if searcher is None or title is None:
        return None
    hits = [h for h in searcher.search(f"{text} {title}", MAX_ALTERNATIVES + 2) if h.ref != topic]
    choice = decide(hits, min_confidence(ctx))
    return choice if choice.kind is Decision.ANSWER else None


async def answer(ctx: Context, text: str) -> list[Reply]:
    """The best answer to a free-text question, with up to two alternatives as buttons; a
    follow-up about the item just shown; a natural word to small talk; English in English."""
    query = normalise(text)
    searcher = searcher_of(ctx)
    if not query:
        return menu_replies(ctx, ctx.t("search.no_words"))
    chat = chat_words_of(ctx.content)
    english = note_language(ctx, text)
    social = small_talk_of(text, chat) or ("ok" if is_thanks(query) else None)
    if social is not None:
        return social_reply(ctx, social, english)
    if english:
        return english_reply(ctx)
    topic = current_topic(ctx)
    aspect = aspect_of(text, chat)
    if topic is not None and aspect is not None:
        replies = follow_up(ctx, topic, aspect)
        if replies is not None:
            await record_answered(ctx, f"{topic}:{aspect}", text)
            return replies
    hits = list(searcher.search(text, MAX_ALTERNATIVES + 1)) if searcher else []
    choice = decide(hits, min_confidence(ctx))
    if (
        choice.kind is not Decision.ANSWER
        and topic is not None
        and (refers_back(text, chat) or aspect is not None)
    ):
        choice = await within_topic(ctx, text, topic) or choice
    if choice.kind is Decision.NOT_FOUND:
        return await not_found(ctx, query, hits, text)
    good = list(choice.choices)
    if asks_for_papers(query):  # "đăng ký kết hôn cần giấy tờ gì": the papers themselves
        papers = await answer_papers(ctx, procedures_of(ctx, good))
        if papers is not None:
            await record_answered(ctx, papers[0].topic or "docs", text)
            return papers
    if choice.kind is Decision.CLARIFY:
        return await clarify(ctx, text, good)
    if ambiguous(query, good):
        return await choices(ctx, query, text, good)
    replies = await open_hit(ctx, good[0])
    if replies is None:
        return await not_found(ctx, query, hits, text)
    handoff.forget_misses(ctx)
    await record_answered(ctx, good[0].ref, text)
    others = hit_buttons(ctx, list(good[1 : MAX_ALTERNATIVES + 1]))
    if others:
        replies.append(Reply(text=ctx.t("search.alternatives"), buttons=tuple(others)))
    return replies


@router.command("timkiem", "tim", "search")
async def search_command(msg: Incoming, ctx: Context) -> list[Reply]:
    """/timkiem <từ khóa>: a list of the best matches to choose from."""
    ctx.conversation.end()
    if not msg.args:
        return [
            Reply(
                text=ctx.t("search.usage"),
                buttons=(menu_button(ctx),),
                topic="search:usage",
            )
        ]
    query = normalise(msg.args)
    searcher = searcher_of(ctx)
    if not query:
        return menu_replies(ctx, ctx.t("search.no_words"))
    hits = list(searcher.search(msg.args, MAX_RESULTS)) if searcher else []
    good = [h for h in hits if h.confidence >= min_confidence(ctx)]
    if not good:
        return await not_found(ctx, query, hits, msg.args)
    await record_answered(ctx, good[0].ref, msg.args)
    buttons = hit_buttons(ctx, list(good))
    buttons.append(menu_button(ctx))
    return [
        Reply(
            text=ctx.t("search.results", query=clean(msg.args)[:80], count=len(good)),
            buttons=tuple(buttons),
            topic="search:results",
        )
    ]


@router.text
async def answer_question(msg: Incoming, ctx: Context) -> list[Reply] | None:
    """Any free text no other handler took; empty text is left to the fallback."""
    if not msg.text.strip():
        return None
    return await answer(ctx, msg.text)
