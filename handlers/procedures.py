"""The procedure card: who handles it, fee and online saving, time, links, and what to do next."""

from __future__ import annotations

from datetime import date

from handlers.catalog import Catalog, Procedure
from handlers.context import Context
from handlers.menu import menu_button, stale_button_replies
from handlers.payload import pack, parse
from handlers.routing import Router
from handlers.statements import benefit_line, person_province, today_of, unverified
from handlers.text import fold, shorten
from handlers.types import Button, Incoming, Reply
from storage import events
from storage.events import EventKind

router = Router("procedures")

# The guide that explains submitting any dossier online, when the content has it.
SUBMIT_GUIDE = "nop-ho-so-truc-tuyen"
MAX_RELATED = 2
MAX_LABEL = 48
MAX_SEARCH_NAME = 60  # a longer name is not what anyone types into the portal's search box
# A code starting with this is the content's own id for a procedure whose official code is not
# known yet: it is never shown as "Mã thủ tục".
LOCAL_CODE = "x-"


def catalog_of(ctx: Context) -> Catalog:
    catalog = ctx.content.extra.get("catalog")
    return catalog if isinstance(catalog, Catalog) else Catalog()


def _field(ctx: Context, proc: Procedure, name: str, value: str) -> str:
    """A value, marked for checking when a reviewer has not verified it yet."""
    if proc.is_uncertain(name):
        return ctx.t("procedure.unverified", value=value)
    return value


def _level(ctx: Context, proc: Procedure) -> str:
    return {
        "toan_trinh": ctx.t("procedure.online.toan_trinh"),
        "mot_phan": ctx.t("procedure.online.mot_phan"),
        "truc_tiep": ctx.t("procedure.online.truc_tiep"),
    }[proc.online_level]


# Folded words that already say the level ("UBND xã, phường" needs no "(cấp xã)").
LEVEL_WORDS = {"xa": ("xa", "phuong"), "tinh": ("tinh",), "bo": ("bo", "trung uong")}


def _authority(ctx: Context, proc: Procedure) -> str:
    level = {
        "xa": ctx.t("procedure.authority.xa"),
        "tinh": ctx.t("procedure.authority.tinh"),
        "bo": ctx.t("procedure.authority.bo"),
    }[proc.authority_level]
    words = f" {fold(proc.authority).replace(',', ' ')} "
    if any(f" {word} " in words for word in LEVEL_WORDS[proc.authority_level]):
        return proc.authority
    return f"{proc.authority} ({level})"


def _local_help(ctx: Context, proc: Procedure) -> list[str]:
    """Where to go and whom to call in the deploying province, for that province's people."""
    info = catalog_of(ctx).province
    if info is None or person_province(ctx) != info.code:
        return []
    lines = []
    # Police procedures have their own desks; the centres are named for the others.
    police = "cong an" in fold(proc.authority)
    if info.centres and proc.online_level != "toan_trinh" and not police:
        lines.append(ctx.t("procedure.local_centres", centres="; ".join(info.centres)))
    if info.hotline:
        lines.append(ctx.t("procedure.local_hotline", hotline=info.hotline))
    return lines


def card_text(ctx: Context, proc: Procedure, today: date) -> str:
    """The card as it may be shown on `today` to this person (benefits of their province)."""
    lines = [ctx.t("procedure.title", name=_field(ctx, proc, "name", proc.name))]
    local = proc.code.startswith(LOCAL_CODE)
    if not local:
        lines.append(ctx.t("procedure.code", code=_field(ctx, proc, "code", proc.code)))
    # An online level nobody verified is said to be unknown, not shown as a doubtful value.
    level_unknown = proc.is_uncertain("online_level") and proc.online_level != "truc_tiep"
    if level_unknown:
        level = ctx.t("procedure.online.unknown")
    else:
        level = _field(ctx, proc, "online_level", _level(ctx, proc))
    lines.append(ctx.t("procedure.level", level=level))
    unsure = proc.is_uncertain("authority") or proc.is_uncertain("authority_level")
    authority = _authority(ctx, proc)
    authority = ctx.t("procedure.unverified", value=authority) if unsure else authority
    lines.append(ctx.t("procedure.authority_line", authority=authority))
    lines.extend(_local_help(ctx, proc))
    if proc.fee:
        lines.append(ctx.t("procedure.fee", fee=_field(ctx, proc, "fee", proc.fee)))
    if proc.online_saving:
        saving = _field(ctx, proc, "online_saving", proc.online_saving)
        lines.append(ctx.t("procedure.saving", saving=saving))
    benefits = catalog_of(ctx).benefits_for(proc.code, today, person_province(ctx))
    linked_unsure = proc.is_uncertain("benefit_ids")
    lines.extend(benefit_line(ctx, b, linked_unsure) for b in benefits)
    if proc.processing_time:
        time = _field(ctx, proc, "processing_time", proc.processing_time)
        lines.append(ctx.t("procedure.time", time=time))
    if proc.online_level != "truc_tiep":
        short = len(proc.name) <= MAX_SEARCH_NAME or proc.code.startswith(LOCAL_CODE)
        name = proc.name if short else proc.code
        lines.append(ctx.t("procedure.how_online", name=name))
    optional = {
        "fee": proc.fee,
        "online_saving": proc.online_saving,
        "processing_time": proc.processing_time,
        "benefit_ids": benefits,
    }
    shown = {"name", "authority", "authority_level"}
    shown |= set() if local else {"code"}
    shown |= set() if level_unknown else {"online_level"}
    shown |= {name for name, value in optional.items() if value}
    flagged = bool(proc.uncertain & shown) or any(b.uncertain for b in benefits)
    return unverified(ctx, "\n".join(lines), flagged)


def card_buttons(ctx: Context, proc: Procedure) -> tuple[Button, ...]:
    guides = ctx.content.guides
    buttons: list[Button] = []
    # "Cần giấy tờ gì" is what people ask first: the papers button leads.
    if proc.documents:
        buttons.append(Button(ctx.t("procedure.documents"), payload=pack("docs", proc.code)))
    submit = SUBMIT_GUIDE if SUBMIT_GUIDE in guides else None
    if proc.online_level != "truc_tiep" and submit:
        buttons.append(Button(ctx.t("procedure.submit_online"), payload=pack("guide", submit)))
    related = [g for g in proc.guides if g in guides and g != submit][:MAX_RELATED]
    for guide_id in related:
        label = ctx.t("procedure.related", title=shorten(guides[guide_id].title, MAX_LABEL))
        buttons.append(Button(label, payload=pack("guide", guide_id)))
    if proc.portal_url.startswith(("https://", "http://")):
        label = ctx.t("procedure.portal")
        if "bocongan.gov.vn" in proc.portal_url:
            label = ctx.t("procedure.portal_police")
        elif "vneid.gov.vn" in proc.portal_url:
            label = ctx.t("procedure.portal_vneid")
        buttons.append(Button(label, url=proc.portal_url))
    buttons.append(Button(ctx.t("procedure.rate"), payload=pack("rate", proc.code)))
    buttons.append(menu_button(ctx))
    return tuple(buttons)


async def show_procedure(ctx: Context, proc: Procedure) -> list[Reply]:
    """The card of one procedure; records that it was viewed."""
    await events.record(
        ctx.session, EventKind.PROCEDURE_VIEWED, ctx.contact, ref=proc.code, at=ctx.now
    )
    return [
        Reply(
            text=card_text(ctx, proc, today_of(ctx)),
            buttons=card_buttons(ctx, proc),
            topic=f"proc:{proc.code}",
        )
    ]


@router.button("proc")
async def open_procedure(msg: Incoming, ctx: Context) -> list[Reply]:
    proc = catalog_of(ctx).procedures.get(parse(msg.payload or "").arg(0))
    if proc is None:
        return stale_button_replies(ctx)
    return await show_procedure(ctx, proc)
