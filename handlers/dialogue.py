"""Dialogue context: the item last shown is the subject of a follow-up ("cần giấy tờ gì"),
and social messages (greetings, thanks, "bạn là ai") get a natural reply, in English too."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from handlers.catalog import Procedure
from handlers.context import Context, Conversation
from handlers.documents import documents_reply
from handlers.english import english_of, looks_english
from handlers.menu import menu_button, short_menu
from handlers.procedures import _authority, _field, _level, catalog_of
from handlers.types import Button, Reply

TOPIC_KINDS = ("proc", "guide", "faq")
TOPIC_TTL = timedelta(hours=2)  # a follow-up later than this starts afresh
# Replies after which a follow-up has no subject any more.
TOPIC_ENDS = ("menu", "search:off_topic", "search:unanswered", "english:about")
PORTAL = "https://dichvucong.gov.vn"
SOCIAL_KEYS = {
    "greeting": "dialogue.greeting",
    "who": "dialogue.who",
    "bye": "dialogue.bye",
    "personal": "dialogue.personal",
}


def remember_topic(conversation: Conversation, replies: Sequence[Reply], now: datetime) -> None:
    """Keep the last procedure, guide or FAQ shown as the subject of the next question."""
    for reply in replies:
        topic = reply.topic or ""
        kind, _, rest = topic.partition(":")
        kind = "proc" if kind == "docs" else kind  # a procedure's papers: still that procedure
        if kind in TOPIC_KINDS and rest:
            conversation.topic = f"{kind}:{rest.split(':', 1)[0]}"
            conversation.topic_at = now
        elif topic in TOPIC_ENDS:
            conversation.topic, conversation.topic_at = None, None


def current_topic(ctx: Context) -> str | None:
    """The subject of a follow-up: the item shown last, if shown recently."""
    conversation = ctx.conversation
    if conversation.topic is None or conversation.topic_at is None:
        return None
    if ctx.now - conversation.topic_at > TOPIC_TTL:
        return None
    return conversation.topic


def topic_title(ctx: Context, topic: str) -> str | None:
    kind, _, ident = topic.partition(":")
    if kind == "guide":
        guide = ctx.content.guides.get(ident)
        return guide.title if guide else None
    catalog = catalog_of(ctx)
    if kind == "proc":
        proc = catalog.procedures.get(ident)
        return proc.name if proc else None
    faq = catalog.faqs.get(ident) if kind == "faq" else None
    return faq.question if faq else None


def follow_up(ctx: Context, topic: str, aspect: str) -> list[Reply] | None:
    """The answer to "cần giấy tờ gì" / "bao nhiêu tiền" / "bao lâu" / "làm online được
    không" / "ở đâu" about the procedure shown last, or the one the FAQ shown last points to;
    None when the topic has no procedure."""
    proc = topic_procedure(ctx, topic)
    if proc is None:
        return None
    if aspect == "documents" and proc.documents:
        return [documents_reply(ctx, proc)]  # the papers, as the card's button shows them
    lines = {
        "documents": _documents,
        "fee": _fee,
        "time": _time,
        "online": _online,
        "where": _where,
    }[aspect](ctx, proc)
    buttons: list[Button] = [Button(ctx.t("procedure.portal"), url=_portal(proc))]
    buttons.append(Button(ctx.t("dialogue.card"), payload=f"proc:{proc.code}"))
    buttons.append(menu_button(ctx))
    return [Reply(text="\n".join(lines), buttons=tuple(buttons), topic=f"proc:{proc.code}")]


def topic_procedure(ctx: Context, topic: str) -> Procedure | None:
    catalog = catalog_of(ctx)
    kind, _, ident = topic.partition(":")
    if kind == "faq" and ident in catalog.faqs:
        faq = catalog.faqs[ident]
        linked = [link.target[5:] for link in faq.links if link.target.startswith("proc:")]
        targets = [*faq.procedures, *linked]  # what the answer is about, or points to
        ident = targets[0] if targets else ""
        kind = "proc"
    return catalog.procedures.get(ident) if kind == "proc" else None


def _portal(proc: Procedure) -> str:
    return proc.portal_url if proc.portal_url.startswith(("https://", "http://")) else PORTAL


def _documents(ctx: Context, proc: Procedure) -> list[str]:
    if not proc.documents:
        return [ctx.t("dialogue.no_documents", name=proc.name)]
    items = "\n".join(f"• {line}" for line in proc.documents)
    return [ctx.t("dialogue.documents", name=proc.name, items=items)]


def _fee(ctx: Context, proc: Procedure) -> list[str]:
    if not proc.fee:
        return [ctx.t("dialogue.no_fee", name=proc.name)]
    lines = [ctx.t("dialogue.fee_title", name=proc.name)]
    lines.append(ctx.t("procedure.fee", fee=_field(ctx, proc, "fee", proc.fee)))
    if proc.online_saving:
        saving = _field(ctx, proc, "online_saving", proc.online_saving)
        lines.append(ctx.t("procedure.saving", saving=saving))
    for benefit in catalog_of(ctx).benefits_for(proc.code, ctx.now.date()):
        lines.append(f"🎁 {benefit.title}")
    return lines


def _time(ctx: Context, proc: Procedure) -> list[str]:
    if not proc.processing_time:
        return [ctx.t("dialogue.no_time", name=proc.name)]
    time = _field(ctx, proc, "processing_time", proc.processing_time)
    return [ctx.t("dialogue.time_title", name=proc.name), ctx.t("procedure.time", time=time)]


def _online(ctx: Context, proc: Procedure) -> list[str]:
    level = _field(ctx, proc, "online_level", _level(ctx, proc))
    lines = [ctx.t("dialogue.online_title", name=proc.name), ctx.t("procedure.level", level=level)]
    if proc.online_level != "truc_tiep":
        lines.append(ctx.t("procedure.how_online", name=proc.name))
    return lines


def _where(ctx: Context, proc: Procedure) -> list[str]:
    authority = _field(ctx, proc, "authority", _authority(ctx, proc))
    return [
        ctx.t("dialogue.where_title", name=proc.name),
        ctx.t("procedure.authority_line", authority=authority),
    ]


def note_language(ctx: Context, text: str) -> bool:
    """Whether to answer the fixed texts in English; remembered while the person writes it."""
    english = english_of(ctx.content)
    if looks_english(text, english):
        ctx.conversation.language = "en"
    elif text != text.encode("ascii", "ignore").decode() or len(text.split()) > 2:
        ctx.conversation.language = None  # Vietnamese marks or a sentence: Vietnamese again
    return ctx.conversation.language == "en" and bool(english.texts)


def english_reply(ctx: Context, key: str = "about") -> list[Reply]:
    """A short English text: what dvcbot does, that it answers in Vietnamese, the portal."""
    english = english_of(ctx.content)
    buttons = (
        Button(english.texts.get("portal", PORTAL), url=PORTAL),
        Button(english.texts.get("menu", ctx.t("common.menu")), payload="menu"),
    )
    return [Reply(text=english.text(key) or "", buttons=buttons, topic=f"english:{key}")]


def social_reply(ctx: Context, kind: str, english: bool) -> list[Reply]:
    """Greetings, thanks, "bạn là ai", goodbyes: a natural word and the menu button."""
    if english:
        return english_reply(ctx, {"ok": "thanks", "personal": "who"}.get(kind, kind))
    key = SOCIAL_KEYS.get(kind, "search.thanks")
    if kind in ("greeting", "who", "personal"):  # a few places to start from
        return short_menu(ctx, ctx.t(key), topic=f"talk:{kind}")
    return [Reply(text=ctx.t(key), buttons=(menu_button(ctx),), topic=f"talk:{kind}")]
