"""/ghinhan: a team member records a field session (see outreach_log.mmd); /cuatoi: figures."""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from handlers.context import Context
from handlers.menu import wants_back
from handlers.payload import pack, parse
from handlers.routing import Router
from handlers.schedule import VIETNAM
from handlers.teams import refusal, role_of, team_of
from handlers.types import Button, Incoming, Reply
from storage import outreach_log, teams
from storage.outreach_log import FIGURES
from storage.redaction import redact
from storage.roles import RoleName

router = Router("outreach_log")
FLOW = "outreach_log"
MAX_DAYS_BACK = 31
# Plausible upper bounds for one session; a typo like 1200 households gets a second look.
LIMITS = {
    "households": 300,
    "vneid_installs": 500,
    "level2": 500,
    "portal_logins": 500,
    "dossiers_online": 500,
}
DAY_TYPED = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2,4}))?\s*$")


class Step(StrEnum):
    DAY = "day"
    PLACE = "place"
    HOUSEHOLDS = "households"
    VNEID_INSTALLS = "vneid_installs"
    LEVEL2 = "level2"
    PORTAL_LOGINS = "portal_logins"
    DOSSIERS_ONLINE = "dossiers_online"
    NOTE = "note"
    CONFIRM = "confirm"


NUMBER_STEPS = [Step(name) for name in FIGURES]


def today(ctx: Context) -> date:
    return ctx.now.astimezone(VIETNAM).date()


def parse_day(text: str, now: datetime) -> date | None:
    match = DAY_TYPED.match(text)
    if not match:
        return None
    local = now.astimezone(VIETNAM).date()
    day, month, year = match.groups()
    full_year = int(year) + 2000 if year and len(year) == 2 else int(year or local.year)
    try:
        found = date(full_year, int(month), int(day))
    except ValueError:
        return None
    if found > local and not year:
        found = found.replace(year=found.year - 1)  # "28/12" typed on 2 January
    if found > local or (local - found).days > MAX_DAYS_BACK:
        return None
    return found


def ask(ctx: Context, step: Step) -> list[Reply]:
    """The question of `step`; number steps offer 'keep' when editing, and are not numbered."""
    data = ctx.conversation.data
    cancel = Button(ctx.t("outreach.cancel"), payload=pack("log", "cancel"))
    keep: tuple[Button, ...] = ()
    if kept(data, step) is not None and step not in (Step.NOTE, Step.CONFIRM):
        shown = kept(data, step)
        if step is Step.DAY:
            shown = date.fromisoformat(shown).strftime("%d/%m/%Y")
        keep = (Button(ctx.t("outreach.keep", value=shown), payload=pack("log", "keep")),)
    back = Button(ctx.t("outreach.back"), payload=pack("log", "back"))
    if step is Step.DAY:
        buttons = (*keep, Button(ctx.t("outreach.today"), payload=pack("log", "today")), cancel)
        return [Reply(text=ctx.t("outreach.ask_day"), buttons=buttons)]
    if step is Step.PLACE:
        return [Reply(text=ctx.t("outreach.ask_place"), buttons=(*keep, back, cancel))]
    if step in NUMBER_STEPS:
        buttons = (*keep, back, cancel)
        return [Reply(text=ctx.t(f"outreach.ask_{step.value}"), buttons=buttons, numbered=False)]
    if step is Step.NOTE:
        skip = Button(ctx.t("outreach.skip"), payload=pack("log", "skip"))
        return [Reply(text=ctx.t("outreach.ask_note"), buttons=(skip, back, cancel))]
    summary = ctx.t(
        "outreach.summary",
        day=date.fromisoformat(data["day"]).strftime("%d/%m/%Y"),
        place=data["place"],
        note=data.get("note") or ctx.t("outreach.no_note"),
        **{name: data[name] for name in FIGURES},
    )
    buttons = (
        Button(ctx.t("outreach.save"), payload=pack("log", "save")),
        Button(ctx.t("outreach.redo"), payload=pack("log", "redo")),
        back,
        cancel,
    )
    return [Reply(text=summary, buttons=buttons, topic="outreach:confirm")]


def kept(data: dict[str, Any], step: Step) -> Any:
    """The answer 'Giữ nguyên' keeps: given already in this log (going back) or when editing."""
    if data.get(step.value) is not None:
        return data[step.value]
    return data.get("previous", {}).get(step.value)


def next_step(step: Step) -> Step:
    order = list(Step)
    return order[order.index(step) + 1]


def go_back(ctx: Context, step: Step) -> list[Reply]:
    """The question before `step` again, its answer shown to keep or change."""
    order = list(Step)
    if step is Step.DAY:
        return ask(ctx, step)
    previous = order[order.index(step) - 1]
    ctx.conversation.goto(previous.value)
    return [Reply(text=ctx.t("outreach.back_intro")), *ask(ctx, previous)]


def advance(ctx: Context, step: Step, **values: Any) -> list[Reply]:
    following = next_step(step)
    ctx.conversation.goto(following.value, **values)
    return ask(ctx, following)


@router.command("ghinhan")
@router.button("ghinhan")
async def start_log(msg: Incoming, ctx: Context) -> list[Reply]:
    if await role_of(ctx, RoleName.MEMBER) is None:
        return refusal(ctx)
    if msg.args.lower() in ("sua", "sửa"):
        return await start_edit(ctx)
    ctx.conversation.start(FLOW, Step.DAY.value)
    return ask(ctx, Step.DAY)


async def start_edit(ctx: Context) -> list[Reply]:
    row = await outreach_log.latest_editable(ctx.session, ctx.contact, ctx.now)
    if row is None:
        return [Reply(text=ctx.t("outreach.nothing_to_edit"))]
    previous = {name: getattr(row, name) for name in FIGURES}
    previous.update(day=row.day.isoformat(), place=row.place, note=row.note)
    ctx.conversation.start(FLOW, Step.DAY.value, editing=row.id, previous=previous)
    intro = Reply(text=ctx.t("outreach.editing", id=row.id, day=row.day.strftime("%d/%m/%Y")))
    return [intro, *ask(ctx, Step.DAY)]


@router.flow(FLOW)
async def continue_log(msg: Incoming, ctx: Context) -> list[Reply]:
    try:
        step = Step(ctx.conversation.step or "")
    except ValueError:
        ctx.conversation.end()
        return [Reply(text=ctx.t("fallback.stale_button"))]
    text = msg.text.strip()
    if step is not Step.DAY and wants_back(ctx, text):
        return go_back(ctx, step)
    if step is Step.DAY:
        day = parse_day(text, ctx.now)
        if day is None:
            return [Reply(text=ctx.t("outreach.bad_day")), *ask(ctx, step)]
        return advance(ctx, step, day=day.isoformat())
    if step is Step.PLACE:
        if not text or len(text) > 200:
            return [Reply(text=ctx.t("outreach.bad_place"))]
        return advance(ctx, step, place=text)
    if step in NUMBER_STEPS:
        limit = LIMITS[step.value]
        digits = text.replace(".", "").replace(" ", "")
        if not digits.isdigit() or int(digits) > limit:
            return [Reply(text=ctx.t("outreach.bad_number", max=limit), numbered=False)]
        return advance(ctx, step, **{step.value: int(digits)})
    if step is Step.NOTE:
        return advance(ctx, step, note=redact(text)[:1000])  # no household's phone or name
    return ask(ctx, step)  # at the confirmation, typing shows it again


@router.button("log")
async def press_log(msg: Incoming, ctx: Context) -> list[Reply]:
    action = parse(msg.payload or "").arg(0)
    if ctx.conversation.flow != FLOW:
        return [Reply(text=ctx.t("fallback.stale_button"))]
    data = ctx.conversation.data
    step = Step(ctx.conversation.step or Step.DAY.value)
    if action == "cancel":
        ctx.conversation.end()
        return [Reply(text=ctx.t("outreach.cancelled"))]
    if action == "today" and step is Step.DAY:
        return advance(ctx, step, day=today(ctx).isoformat())
    if action == "keep" and kept(data, step) is not None:
        return advance(ctx, step, **{step.value: kept(data, step)})
    if action == "skip" and step is Step.NOTE:
        return advance(ctx, step, note=None)
    if action == "redo" and step is Step.CONFIRM:
        ctx.conversation.goto(Step.DAY.value)
        return ask(ctx, Step.DAY)
    if action == "back":
        return go_back(ctx, step)
    if action == "save" and step is Step.CONFIRM:
        return await save(ctx)
    return ask(ctx, step)


async def save(ctx: Context) -> list[Reply]:
    data = ctx.conversation.data
    editing = data.get("editing")
    row = await outreach_log.save(
        ctx.session,
        ctx.contact,
        day=date.fromisoformat(data["day"]),
        place=data["place"],
        figures={name: int(data[name]) for name in FIGURES},
        note=data.get("note"),
        session_id=editing,
        now=ctx.now,
    )
    ctx.conversation.end()
    if row is None:
        return [Reply(text=ctx.t("outreach.edit_expired"))]
    key = "outreach.updated" if editing else "outreach.saved"
    return [Reply(text=ctx.t(key, id=row.id), topic="outreach:saved")]


@router.command("cuatoi")
@router.button("cuatoi")
async def show_my_figures(msg: Incoming, ctx: Context) -> list[Reply]:
    """The member's and the team's figures this month (Vietnam time)."""
    if await role_of(ctx, RoleName.MEMBER) is None:
        return refusal(ctx)
    start, end = outreach_log.month_bounds(today(ctx))
    since = datetime.combine(start, datetime.min.time(), VIETNAM)
    mine = await outreach_log.totals(ctx.session, start=start, end=end, member_id=ctx.contact.id)
    referred = await teams.referred_count(ctx.session, member_id=ctx.contact.id, since=since)
    text = ctx.t(
        "outreach.mine", month=start.strftime("%m/%Y"), referred=referred, **mine.as_dict()
    )
    team = await team_of(ctx)
    if team is not None:
        totals = await outreach_log.totals(ctx.session, start=start, end=end, team_id=team.id)
        team_referred = await teams.referred_count(ctx.session, team_id=team.id, since=since)
        text += "\n\n" + ctx.t(
            "outreach.team", team=team.name, referred=team_referred, **totals.as_dict()
        )
    return [Reply(text=text, topic="outreach:mine")]
