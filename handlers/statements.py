"""What may be shown to this person today: dated statements, benefits of their province."""

from __future__ import annotations

from datetime import date

from handlers import places
from handlers.catalog import Benefit
from handlers.context import Context
from storage.clock import vietnam_date


def today_of(ctx: Context) -> date:
    """The day in Viet Nam when the message is handled: what is shown is decided on it."""
    return vietnam_date(ctx.now)


def person_province(ctx: Context) -> str | None:
    """The person's province (their /noio place), else the deploying province, else None."""
    own = ctx.contact.province_code if ctx.contact is not None else None
    deployed = ctx.settings.get("province")
    return own or (str(deployed) if deployed else None)


def benefit_line(ctx: Context, benefit: Benefit, flagged: bool = False) -> str:
    """One benefit as a card line: title, legal basis, end date, the province it applies in."""
    until = (
        ctx.t("procedure.benefit_until", until=benefit.valid_until.strftime("%d/%m/%Y"))
        if benefit.valid_until
        else ""
    )
    text = ctx.t("procedure.benefit", title=benefit.title, basis=benefit.legal_basis, until=until)
    if benefit.scope:
        place = places.province(benefit.scope)
        where = ctx.t("procedure.benefit_scope", place=place.name if place else benefit.scope)
        text = f"{text} {where}"
    if benefit.uncertain or flagged:
        text = ctx.t("procedure.unverified", value=text)
    return text


def unverified(ctx: Context, text: str, flagged: bool) -> str:
    """The text, with the closing "hãy kiểm tra" note when anything in it is not verified."""
    return f"{text}\n\n{ctx.t('procedure.unverified_note')}" if flagged else text
