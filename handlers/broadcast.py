"""/phatsong: a team member or officer prepares a broadcast (see broadcast.mmd)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from handlers import broadcast_message, places
from handlers.broadcast_message import MAX_OWN_TEXT, Kind
from handlers.context import Context
from handlers.payload import pack, parse
from handlers.routing import Router
from handlers.schedule import QuietHours, local_label, parse_time
from handlers.teams import refusal, team_of
from handlers.text import fold, short_labels
from handlers.types import MAX_PAYLOAD_BYTES, Button, Incoming, Reply
from storage import broadcasts, roles
from storage.broadcasts import Audience, Target
from storage.roles import RoleName

router = Router("broadcast")
FLOW = "broadcast"
MAX_LABEL = 60  # characters of a procedure name on a button
MAX_CHOICES = 24  # Telegram shows them all; Zalo turns the extra ones into numbered text


class Step(StrEnum):
    WHAT = "what"
    GUIDE = "guide"
    PROCEDURE = "procedure"
    TEXT = "text"
    AUDIENCE = "audience"
    WHEN = "when"
    CONFIRM = "confirm"


@dataclass(frozen=True)
class Scope:
    """Where this person may broadcast: their team's commune, their team, maybe a province."""

    team_id: int | None
    team_name: str | None
    commune_code: str | None
    province_code: str | None
    officer: bool

    def target(self, audience: Audience) -> Target | None:
        if audience is Audience.COMMUNE and self.commune_code:
            return Target(audience, self.province_code, self.commune_code, self.team_id)
        if audience is Audience.TEAM and self.team_id is not None:
            return Target(audience, self.province_code, self.commune_code, self.team_id)
        if audience is Audience.PROVINCE and self.officer and self.province_code:
            return Target(audience, self.province_code, None, self.team_id)
        return None


async def scope_of(ctx: Context) -> Scope | None:
    """None for a citizen; members broadcast in their commune, officers also in a province."""
    held = {r.role: r for r in await roles.of(ctx.session, ctx.contact.id)}
    officer = held.get(RoleName.ADMIN) or held.get(RoleName.OFFICER)
    member = held.get(RoleName.MEMBER)
    if officer is None and member is None:
        return None
    team = await team_of(ctx) if member is not None else None
    commune = (team.commune_code if team else None) or (officer.commune_code if officer else None)
    province = (officer.province_code if officer else None) or (
        team.province_code if team else None
    )
    return Scope(
        team_id=team.id if team else None,
        team_name=team.name if team else None,
        commune_code=commune,
        province_code=province,
        officer=officer is not None,
    )


def cancel_button(ctx: Context) -> Button:
    return Button(ctx.t("broadcast.cancel"), payload=pack("cast", "cancel"))


def signature(ctx: Context, scope: Scope) -> str:
    return scope.team_name or ctx.t("broadcast.signature_officer")


async def audience_counts(ctx: Context, scope: Scope) -> list[tuple[Audience, int]]:
    """How many people each audience this person may reach would receive a broadcast now."""
    found = []
    for audience in Audience:
        target = scope.target(audience)
        if target is not None:
            found.append((audience, await broadcasts.count_recipients(ctx.session, target)))
    return found


def nobody(ctx: Context, scope: Scope, key: str = "broadcast.nobody_yet") -> Reply:
    """No one would receive it: say so, and who would."""
    place = places.commune(scope.commune_code) if scope.commune_code else None
    where = place.name if place else (scope.team_name or ctx.t("broadcast.your_area"))
    return Reply(text=ctx.t(key, place=where), topic="broadcast:nobody")


@router.command("phatsong")
@router.button("phatsong")
async def start_broadcast(msg: Incoming, ctx: Context) -> list[Reply]:
    scope = await scope_of(ctx)
    if scope is None:
        return refusal(ctx)
    counts = await audience_counts(ctx, scope)
    if counts and not any(count for _audience, count in counts):
        ctx.conversation.end()  # before choosing what and when: there is no one to send to
        return [nobody(ctx, scope)]
    ctx.conversation.start(FLOW, Step.WHAT.value)
    buttons = (
        Button(ctx.t("broadcast.what_guide"), payload=pack("cast", "what", Kind.GUIDE)),
        Button(ctx.t("broadcast.what_procedure"), payload=pack("cast", "what", Kind.PROCEDURE)),
        Button(ctx.t("broadcast.what_text"), payload=pack("cast", "what", Kind.TEXT)),
        cancel_button(ctx),
    )
    return [Reply(text=ctx.t("broadcast.ask_what"), buttons=buttons, topic="broadcast:start")]


def ask_kind(ctx: Context, kind: Kind) -> list[Reply]:
    if kind is Kind.GUIDE:
        ctx.conversation.goto(Step.GUIDE.value)
        buttons = [
            Button(guide.title, payload=pack("cast", "guide", guide.id))
            for guide in list(ctx.content.guides.values())[:MAX_CHOICES]
        ]
        return [Reply(text=ctx.t("broadcast.ask_guide"), buttons=(*buttons, cancel_button(ctx)))]
    if kind is Kind.PROCEDURE:
        if not broadcast_message.procedures(ctx.content):
            return [Reply(text=ctx.t("broadcast.no_procedures"))]
        ctx.conversation.goto(Step.PROCEDURE.value)
        return [Reply(text=ctx.t("broadcast.ask_procedure"), buttons=(cancel_button(ctx),))]
    ctx.conversation.goto(Step.TEXT.value)
    return [
        Reply(text=ctx.t("broadcast.ask_text", max=MAX_OWN_TEXT), buttons=(cancel_button(ctx),))
    ]


async def ask_audience(ctx: Context, kind: Kind, ref: str) -> list[Reply]:
    scope = await scope_of(ctx)
    if scope is None:
        ctx.conversation.end()
        return refusal(ctx)
    ctx.conversation.goto(Step.AUDIENCE.value, kind=kind.value, ref=ref)
    counts = await audience_counts(ctx, scope)
    if not counts:
        ctx.conversation.end()
        return [Reply(text=ctx.t("broadcast.no_place"))]
    if not any(count for _audience, count in counts):
        ctx.conversation.end()
        return [nobody(ctx, scope)]
    buttons = [
        Button(
            ctx.t(f"broadcast.audience_{audience.value}", count=count),
            payload=pack("cast", "aud", audience.value),
        )
        for audience, count in counts
    ]
    return [Reply(text=ctx.t("broadcast.ask_audience"), buttons=(*buttons, cancel_button(ctx)))]


def ask_when(ctx: Context) -> list[Reply]:
    ctx.conversation.goto(Step.WHEN.value)
    buttons = (Button(ctx.t("broadcast.now"), payload=pack("cast", "now")), cancel_button(ctx))
    return [Reply(text=ctx.t("broadcast.ask_when"), buttons=buttons)]


async def preview(ctx: Context, send_at: datetime) -> list[Reply]:
    """The message exactly as recipients will see it, the count, and the confirmation."""
    data = ctx.conversation.data
    scope = await scope_of(ctx)
    target = scope.target(Audience(data["audience"])) if scope else None
    if scope is None or target is None:
        ctx.conversation.end()
        return refusal(ctx)
    message = broadcast_message.build(
        ctx.content, Kind(data["kind"]), data["ref"], signature(ctx, scope)
    )
    if message is None:
        ctx.conversation.end()
        return [Reply(text=ctx.t("broadcast.expired"))]
    replies = []
    quiet = QuietHours.parse(ctx.settings.get("broadcast_quiet_hours"))
    if quiet is not None and quiet.contains(send_at):
        send_at = quiet.next_open(send_at)
        replies.append(
            Reply(
                text=ctx.t("broadcast.quiet_moved", quiet=quiet.label(), when=local_label(send_at))
            )
        )
    count = await broadcasts.count_recipients(ctx.session, target)
    if count == 0:
        ctx.conversation.end()
        return [*replies, Reply(text=ctx.t("broadcast.nobody"))]
    ctx.conversation.goto(
        Step.CONFIRM.value, send_at=send_at.isoformat(), message=broadcast_message.to_dict(message)
    )
    if send_at <= ctx.now:
        confirm = ctx.t("broadcast.confirm_now", count=count)
    else:
        confirm = ctx.t("broadcast.confirm", count=count, when=local_label(send_at))
    buttons = (Button(ctx.t("broadcast.send"), payload=pack("cast", "send")), cancel_button(ctx))
    return [
        *replies,
        Reply(text=ctx.t("broadcast.preview_intro")),
        message,
        Reply(text=confirm, buttons=buttons, topic="broadcast:preview"),
    ]


async def confirm(ctx: Context) -> list[Reply]:
    data = ctx.conversation.data
    scope = await scope_of(ctx)
    target = scope.target(Audience(data["audience"])) if scope else None
    ctx.conversation.end()
    if target is None:
        return refusal(ctx)
    created = await broadcasts.create(
        ctx.session,
        kind=data["kind"],
        ref=data["ref"][:200],
        message=data["message"],
        target=target,
        author_id=ctx.contact.id,
        author_label=f"contact:{ctx.contact.id}",
        send_at=datetime.fromisoformat(data["send_at"]),
        now=ctx.now,
    )
    stop = Button(ctx.t("broadcast.stop", id=created.id), payload=pack("cast", "stop", created.id))
    text = ctx.t("broadcast.created", id=created.id, count=created.total)
    return [Reply(text=text, buttons=(stop,), topic=f"broadcast:created:{created.id}")]


def matching_procedures(ctx: Context, query: str) -> list[Button]:
    catalog = broadcast_message.procedures(ctx.content)
    wanted = fold(query)
    found = [code for code in catalog if fold(code) == wanted]
    found += [
        code
        for code, p in catalog.items()
        if wanted and wanted in fold(p.name) and code not in found
    ]
    codes = [
        code
        for code in found[:MAX_CHOICES]
        if ":" not in code and len(f"cast:proc:{code}".encode()) <= MAX_PAYLOAD_BYTES
    ]
    labels = short_labels([catalog[code].name for code in codes], MAX_LABEL)
    return [
        Button(label, payload=f"cast:proc:{code}")
        for code, label in zip(codes, labels, strict=True)
    ]


@router.flow(FLOW)
async def continue_broadcast(msg: Incoming, ctx: Context) -> list[Reply]:
    step = ctx.conversation.step
    text = msg.text.strip()
    if step == Step.PROCEDURE:
        buttons = matching_procedures(ctx, text)
        if not buttons:
            return [
                Reply(text=ctx.t("broadcast.procedure_not_found"), buttons=(cancel_button(ctx),))
            ]
        return [
            Reply(text=ctx.t("broadcast.procedure_choose"), buttons=(*buttons, cancel_button(ctx)))
        ]
    if step == Step.TEXT:
        if not text or len(text) > MAX_OWN_TEXT:
            return [Reply(text=ctx.t("broadcast.bad_text", max=MAX_OWN_TEXT))]
        return await ask_audience(ctx, Kind.TEXT, text)
    if step == Step.WHEN:
        when = parse_time(text, ctx.now)
        if when is None:
            return [Reply(text=ctx.t("broadcast.bad_when")), *ask_when(ctx)]
        return await preview(ctx, when)
    return [Reply(text=ctx.t("broadcast.expired"))] if step is None else await resume(ctx)


async def resume(ctx: Context) -> list[Reply]:
    """Typing where a button is expected: show that step's question again."""
    step = ctx.conversation.step
    data = ctx.conversation.data
    if step == Step.AUDIENCE:
        return await ask_audience(ctx, Kind(data["kind"]), data["ref"])
    if step == Step.CONFIRM:
        return await preview(ctx, datetime.fromisoformat(data["send_at"]))
    if step == Step.GUIDE:
        return ask_kind(ctx, Kind.GUIDE)
    return await start_broadcast(Incoming(ctx.contact.channel, "", ""), ctx)


@router.button("cast")
async def press_broadcast(msg: Incoming, ctx: Context) -> list[Reply]:
    payload = parse(msg.payload or "")
    action, value = payload.arg(0), payload.arg(1)
    if action == "stop":
        return await stop_broadcast(ctx, value)
    if ctx.conversation.flow != FLOW:
        return [Reply(text=ctx.t("broadcast.expired"))]
    if action == "cancel":
        ctx.conversation.end()
        return [Reply(text=ctx.t("broadcast.cancelled"))]
    if await scope_of(ctx) is None:
        ctx.conversation.end()
        return refusal(ctx)
    step = ctx.conversation.step
    if action == "what" and step == Step.WHAT and value in set(Kind):
        return ask_kind(ctx, Kind(value))
    if action == "guide" and step == Step.GUIDE and value in ctx.content.guides:
        return await ask_audience(ctx, Kind.GUIDE, value)
    if action == "proc" and step == Step.PROCEDURE:
        code = ":".join(payload.args[1:])
        if code in broadcast_message.procedures(ctx.content):
            return await ask_audience(ctx, Kind.PROCEDURE, code)
    if action == "aud" and step == Step.AUDIENCE and value in set(Audience):
        scope = await scope_of(ctx)
        target = scope.target(Audience(value)) if scope is not None else None
        if scope is None or target is None:
            return [Reply(text=ctx.t("broadcast.province_refused"))]
        if await broadcasts.count_recipients(ctx.session, target) == 0:
            # Say so now, not after asking when: pick another audience or cancel.
            data = ctx.conversation.data
            again = await ask_audience(ctx, Kind(data["kind"]), data["ref"])
            return [nobody(ctx, scope, "broadcast.nobody_in_audience"), *again]
        ctx.conversation.goto(Step.AUDIENCE.value, audience=value)
        return ask_when(ctx)
    if action == "now" and step == Step.WHEN:
        return await preview(ctx, ctx.now)
    if action == "send" and step == Step.CONFIRM:
        return await confirm(ctx)
    return await resume(ctx)


async def stop_broadcast(ctx: Context, value: str) -> list[Reply]:
    if not value.isdigit():
        return [Reply(text=ctx.t("fallback.stale_button"))]
    found = await broadcasts.get(ctx.session, int(value))
    is_admin = await roles.has(ctx.session, ctx.contact.id, RoleName.ADMIN) is not None
    if found is None or (found.author_id != ctx.contact.id and not is_admin):
        return refusal(ctx)
    stopped = await broadcasts.cancel(ctx.session, found.id, actor=f"contact:{ctx.contact.id}")
    key = "broadcast.stopped" if stopped else "broadcast.not_stoppable"
    return [Reply(text=ctx.t(key, id=found.id))]
