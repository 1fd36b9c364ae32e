"""Where a person lives: province, then commune or ward, found by name (accents optional).

Asked once (by the survey, or from the menu), confirmed with buttons, kept on the contact so
answers and outreach are attributed to the commune. Another flow may hand over to this one
with `then="survey"`; when the place is chosen or skipped, that flow resumes.
"""

from __future__ import annotations

from enum import StrEnum

from handlers import places
from handlers.context import Context
from handlers.menu import menu_button
from handlers.payload import parse
from handlers.places import former
from handlers.routing import Router
from handlers.types import Button, Incoming, Reply

router = Router("location")
FLOW = "location"


class Step(StrEnum):
    PROVINCE = "province"
    COMMUNE = "commune"


def _skip_button(ctx: Context) -> Button:
    return Button(ctx.t("location.skip"), payload="loc:skip")


def ask_province(ctx: Context, *, then: str | None = None, intro: str | None = None) -> list[Reply]:
    """Start the flow: ask for the province (the answer is typed)."""
    ctx.conversation.start(FLOW, Step.PROVINCE, then=then)
    text = ctx.t("location.ask_province")
    if intro:
        text = f"{intro}\n\n{text}"
    return [Reply(text=text, buttons=(_skip_button(ctx),), topic="location:province")]


def _ask_commune(ctx: Context, province: places.Place) -> list[Reply]:
    ctx.conversation.goto(Step.COMMUNE, province=province.code)
    return [
        Reply(
            text=ctx.t("location.ask_commune", province=province.name),
            buttons=(Button(ctx.t("location.other_province"), payload="loc"), _skip_button(ctx)),
            topic="location:commune",
        )
    ]


def _choices(ctx: Context, found: list[places.Place], kind: str, text: str) -> list[Reply]:
    buttons = [Button(p.name, payload=f"loc:{kind}:{p.code}") for p in found]
    buttons.append(_skip_button(ctx))
    return [Reply(text=text, buttons=tuple(buttons), topic=f"location:{kind}")]


MAX_FORMER = 3  # former units described in one reply
MAX_BUTTONS = 10


def _former_choices(
    ctx: Context, found: list[former.Former], also: list[places.Place], kind: str
) -> list[Reply]:
    """A pre-2025 name: say what it became and offer the new units (plus `also`) as buttons."""
    lines: list[str] = []
    offered: list[places.Place] = list(also)
    for unit in found[:MAX_FORMER]:
        if unit.kind == "province":
            new = [p for code in unit.province_codes if (p := places.province(code))]
            joined = ", ".join(p.name for p in new)
            lines.append(ctx.t("location.former_province", former=unit.name, province=joined))
            offered.extend(new)
            continue
        communes = [c for code in unit.commune_codes if (c := places.commune(code))]
        if not communes:
            continue
        province = places.province(communes[0].province_code)
        names = [c.name for c in communes]
        key = "location.former_one" if len(names) == 1 else "location.former_many"
        within = (
            ctx.t("location.former_via", via=unit.via, within=unit.within)
            if unit.via
            else unit.within
        )
        lines.append(
            ctx.t(
                key,
                former=unit.name,
                within=within,
                commune=names[0],
                communes=", ".join(names),
                province=province.name if province else "",
            )
        )
        offered.extend(communes)
    unique = list(dict.fromkeys(offered))[:MAX_BUTTONS]
    provinces_shown = {p.province_code for p in unique}
    buttons = [
        Button(
            p.name if len(provinces_shown) == 1 or p.code == p.province_code else places.label(p),
            payload=f"loc:{'p' if p.code == p.province_code else 'c'}:{p.code}",
        )
        for p in unique
    ]
    buttons.append(_skip_button(ctx))
    text = "\n".join([*lines, "", ctx.t("location.pick_former")])
    return [Reply(text=text, buttons=tuple(buttons), topic=f"location:{kind}")]


def _changed(unit: former.Former, exact: list[places.Place]) -> bool:
    """False for a former commune that is an exact match under the same name today."""
    return not (
        unit.kind == "commune"
        and len(unit.commune_codes) == 1
        and any(p.code == unit.commune_codes[0] and p.name == unit.name for p in exact)
    )


@router.command("noio", "diachi")
@router.button("loc")
async def change_location(msg: Incoming, ctx: Context) -> list[Reply]:
    """The menu item and `loc:*` buttons: start over, pick a province/commune, or skip."""
    payload = parse(msg.payload or "loc")
    kind, code = payload.arg(0), payload.arg(1)
    flow = ctx.conversation.flow
    # A late or repeated press while a survey runs goes back to the survey, not to the menu.
    then = ctx.conversation.data.get("then") if flow == FLOW else flow if flow == "survey" else None
    if kind == "p" and (province := places.province(code)):
        if ctx.conversation.flow != FLOW:
            ctx.conversation.start(FLOW, Step.PROVINCE)
        return _ask_commune(ctx, province)
    if kind == "c" and (commune := places.commune(code)):
        return await _save(ctx, commune, then)
    if kind == "skip":
        return await _finish(ctx, then, ctx.t("location.skipped"))
    current = places.commune(ctx.contact.commune_code)
    intro = None
    if current is not None and ctx.conversation.flow != FLOW:
        province = places.province(current.province_code)
        intro = ctx.t(
            "location.current", commune=current.name, province=province.name if province else ""
        )
    return ask_province(ctx, then=then, intro=intro)


@router.flow(FLOW)
async def typed_place(msg: Incoming, ctx: Context) -> list[Reply]:
    """A typed province or commune name: offer the matches as buttons to confirm."""
    if ctx.conversation.step == Step.COMMUNE:
        province = places.province(ctx.conversation.data.get("province"))
        found = places.find_communes(msg.text, province.code if province else None)
        exact = [p for p in found if p.key == places.key(msg.text)]
        old = former.find(msg.text, province.code if province else None)
        old = [unit for unit in old if _changed(unit, exact)]
        if old:
            return _former_choices(ctx, old, exact, "c")
        if not found:
            return [
                Reply(
                    text=ctx.t("location.commune_not_found", query=msg.text[:60]),
                    buttons=(
                        Button(ctx.t("location.other_province"), payload="loc"),
                        _skip_button(ctx),
                    ),
                    topic="location:commune",
                )
            ]
        return _choices(ctx, found, "c", ctx.t("location.pick_commune"))
    found = places.find_provinces(msg.text)
    exact = [p for p in found if p.key == places.province_key(msg.text)]
    if not exact and (old := former.find(msg.text)):
        # "Can Lộc", "Quảng Bình": a former district or province, not a typo of a new one.
        return _former_choices(ctx, old, [], "p")
    if not found:
        return [
            Reply(
                text=ctx.t("location.province_not_found", query=msg.text[:60]),
                buttons=(_skip_button(ctx),),
                topic="location:province",
            )
        ]
    return _choices(ctx, found, "p", ctx.t("location.pick_province"))


async def _save(ctx: Context, commune: places.Place, then: str | None) -> list[Reply]:
    ctx.contact.commune_code = commune.code
    ctx.contact.province_code = commune.province_code
    province = places.province(commune.province_code)
    note = ctx.t("location.saved", commune=commune.name, province=province.name if province else "")
    return await _finish(ctx, then, note)


async def _finish(ctx: Context, then: str | None, note: str) -> list[Reply]:
    if ctx.conversation.flow == FLOW:
        ctx.conversation.end()
    if then == "survey":
        from handlers import survey_progress  # imported here: it imports this module

        return await survey_progress.resume(ctx, note)
    return [Reply(text=note, buttons=(menu_button(ctx),), topic="location:done")]
