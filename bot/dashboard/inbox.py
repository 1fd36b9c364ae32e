"""The officers' inbox (/dashboard/hoidap): citizens' tickets in the viewer's scope, the
conversation, reply, internal note, assign, close and teach the bot; every action audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.dashboard.auth import VIEWER, Viewer, officers_only, refused, signed_form
from bot.handoff import figures as handoff_figures
from bot.handoff import learning
from bot.i18n import _
from bot.reports.labels import scope_label
from bot.web.keys import RUNTIME
from bot.web.plugins import Plugin
from handlers import tickets as actions
from storage import learned, roles, stats, ticket_inbox, tickets
from storage.models import Contact, Ticket
from storage.tickets import Author

PAGE_SIZE = 50
AGES = {"": None, "1d": timedelta(days=1), "3d": timedelta(days=3), "7d": timedelta(days=7)}


def _common(request: web.Request, viewer: Viewer) -> dict[str, Any]:
    from bot.dashboard.web import nav  # the figures pages own the navigation

    return {
        "states": {
            "open": _("waiting for an officer"),
            "taken": _("taken"),
            "answered": _("answered"),
            "closed": _("closed"),
        },
        "viewer": viewer,
        "nav": nav(),
        "page": "dashboard_hoidap",
        "params": {},
        "scope_label": scope_label(viewer.scope),
        "refresh": 20,
    }


@officers_only
async def inbox(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/hoidap?folder=open|mine|waiting|closed|all&commune=&age=&page="""
    viewer: Viewer = request[VIEWER]
    runtime = request.app[RUNTIME]
    folder = request.query.get("folder", "open")
    age = request.query.get("age", "")
    if folder not in ticket_inbox.FOLDERS or age not in AGES:
        return refused(request, _("Unknown folder or age."), 400)
    commune = viewer.scope.commune or request.query.get("commune", "").strip() or None
    page = (
        max(1, int(request.query.get("page", "1") or 1))
        if request.query.get("page", "1").isdigit()
        else 1
    )
    now = runtime.clock.now()
    wait = AGES[age]
    older = now - wait if wait is not None else None
    async with runtime.sessions() as session:
        rows, total = await ticket_inbox.listing(
            session, viewer.scope, viewer.contact_id, folder, commune=commune,
            older_than=older, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE,
        )  # fmt: skip
    context = _common(request, viewer) | {
        "folder": folder,
        "folders": [
            ("open", _("Open")),
            ("mine", _("Mine")),
            ("waiting", _("Waiting for citizen")),
            ("closed", _("Closed")),
            ("all", _("All")),
        ],
        "age": age,
        "commune": commune or "",
        "tickets": [(t, actions.place_label(t), now - t.opened_at) for t in rows],
        "total": total,
        "page_no": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
    }
    return aiohttp_jinja2.render_template("dashboard/inbox.html", request, context)


async def _load(request: web.Request, session: Any, viewer: Viewer) -> Ticket | None:
    value = request.match_info["id"]
    ticket = await tickets.get(session, int(value)) if value.isdigit() else None
    return ticket if ticket is not None and actions.covers(viewer.scope, ticket) else None


@officers_only
async def ticket_page(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/hoidap/<id>: the conversation and what can be done with it."""
    viewer: Viewer = request[VIEWER]
    runtime = request.app[RUNTIME]
    async with runtime.sessions() as session, session.begin():
        ticket = await _load(request, session, viewer)
        if ticket is None:
            raise web.HTTPNotFound()
        lines = await tickets.lines(session, ticket.id)
        citizen = await session.get(Contact, ticket.contact_id) if ticket.contact_id else None
        before = (
            await ticket_inbox.bot_before(session, citizen.id, ticket.opened_at, limit=10)
            if citizen
            else []
        )
        officers = await ticket_inbox.officers_covering(
            session, ticket.province_code, ticket.commune_code
        )
        await roles.audit(session, viewer.actor, "dashboard.ticket.view", f"ticket:{ticket.id}")
        window = actions.outside_window(citizen, runtime.clock.now(), runtime.core.settings)
    context = _common(request, viewer) | {
        "ticket": ticket,
        "place": actions.place_label(ticket),
        "lines": lines,
        "before": before,
        "officers": [(o.id, actions.officer_label(o)) for o in officers],
        "outside_window": window,
        "message": request.query.get("m", ""),
        "refresh": 15,
    }
    return aiohttp_jinja2.render_template("dashboard/ticket.html", request, context)


@officers_only
async def ticket_action(request: web.Request) -> web.StreamResponse:
    """POST /dashboard/hoidap/<id>: action = take | reply | note | assign | close | link | draft."""
    viewer: Viewer = request[VIEWER]
    runtime = request.app[RUNTIME]
    form = await signed_form(request)
    if isinstance(form, web.Response):
        return form
    action = str(form.get("action", ""))
    text = str(form.get("text", "")).strip()
    t = runtime.content.messages
    now = runtime.clock.now()
    message = ""
    async with runtime.sessions() as session, session.begin():
        ticket = await _load(request, session, viewer)
        if ticket is None:
            raise web.HTTPNotFound()
        me = await session.get(Contact, viewer.contact_id)
        assert me is not None
        if action == "take":
            message = (await actions.take(session, t, ticket, me, now=now)).text
        elif action == "reply":
            message = (
                await actions.answer(session, t, runtime.core.settings, ticket, me, text, now=now)
            ).text
        elif action == "note" and text:
            await tickets.add_line(
                session,
                ticket,
                Author.NOTE,
                actions.cut(t, text, {}),
                now=now,
                author_id=me.id,
                label=actions.officer_label(me),
            )
            message = _("Note saved.")
        elif action == "assign":
            target = str(form.get("officer", ""))
            officer = await session.get(Contact, int(target)) if target.isdigit() else None
            await tickets.assign(
                session,
                ticket,
                officer.id if officer else None,
                actions.officer_label(officer) if officer else None,
            )
            message = _("Assigned.")
        elif action == "close":
            await actions.close(session, t, ticket, now=now)
            message = _("Closed; the citizen is asked for a rating.")
        elif action == "link":
            ref = str(form.get("ref", "")).strip()
            verdict = await learning.link(
                session,
                runtime.content,
                ticket.question,
                ref,
                actor=viewer.actor,
                now=now,
                ticket_id=ticket.id,
                current=runtime.services.get("search"),
            )
            if verdict.ok:
                ticket.learned_ref = ref
            message = (
                _("The bot now answers this question with {ref}.").format(ref=ref)
                if verdict.ok
                else _("Refused: {reason}").format(reason=verdict.reason)
            )
        elif action == "draft":
            answer = next(
                (
                    line.text
                    for line in reversed(await tickets.lines(session, ticket.id))
                    if line.author == Author.OFFICER
                ),
                "",
            )
            await learned.save(
                session,
                learned.FAQ_DRAFT,
                ticket.question,
                normalise_question(ticket.question),
                by=viewer.actor,
                now=now,
                answer=answer,
                ticket_id=ticket.id,
            )
            message = _("Saved as a draft FAQ.")
        else:
            return refused(request, _("Unknown action."), 400)
        await roles.audit(
            session, viewer.actor, f"dashboard.ticket.{action}", f"ticket:{ticket.id}"
        )
    wake = runtime.services.get("notices_wake")
    if callable(wake):
        wake()
    if action == "link":
        await learning.refresh(runtime)
    url = request.app.router["dashboard_ticket"].url_for(id=str(ticket.id)).with_query(m=message)
    raise web.HTTPSeeOther(url)


@officers_only
async def gaps_page(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/hoidap/hoc: the content gaps (unanswered questions, last 90 days) with a
    form each to link the question to a guide, FAQ or procedure."""
    viewer: Viewer = request[VIEWER]
    runtime = request.app[RUNTIME]
    now = runtime.clock.now()
    async with runtime.sessions() as session:
        gaps = await stats.unanswered(
            session, start=now - timedelta(days=90), end=now, limit=50,
            filters=viewer.scope.filters(),
        )  # fmt: skip
        taught = {item.normalised for item in await learned.all_of(session, learned.PHRASING)}
    context = _common(request, viewer) | {
        "gaps": [g for g in gaps if g.query not in taught],
        "message": request.query.get("m", ""),
    }
    return aiohttp_jinja2.render_template("dashboard/teach.html", request, context)


@officers_only
async def teach(request: web.Request) -> web.StreamResponse:
    """POST /dashboard/hoidap/hoc: link one content-gap question to an answer (checked)."""
    viewer: Viewer = request[VIEWER]
    runtime = request.app[RUNTIME]
    form = await signed_form(request)
    if isinstance(form, web.Response):
        return form
    question, ref = str(form.get("question", "")).strip(), str(form.get("ref", "")).strip()
    async with runtime.sessions() as session, session.begin():
        verdict = await learning.link(
            session, runtime.content, question, ref, actor=viewer.actor,
            now=runtime.clock.now(), current=runtime.services.get("search"),
        )  # fmt: skip
    if verdict.ok:
        await learning.refresh(runtime)
        message = _("The bot now answers this question with {ref}.").format(ref=ref)
    else:
        message = _("Refused: {reason}").format(reason=verdict.reason)
    raise web.HTTPSeeOther(request.app.router["dashboard_teach"].url_for().with_query(m=message))


def normalise_question(text: str) -> str:
    from handlers.text import normalise

    return normalise(text, 500)


def setup(app: web.Application, settings: Any) -> None:
    handoff_figures.WORKING_SETTINGS.update(
        handoff_hours=settings.handoff_hours, handoff_days=settings.handoff_days
    )
    app.router.add_get("/dashboard/hoidap", inbox, name="dashboard_hoidap")
    app.router.add_get("/dashboard/hoidap/hoc", gaps_page, name="dashboard_teach")
    app.router.add_post("/dashboard/hoidap/hoc", teach, name="dashboard_teach_post")
    app.router.add_get(r"/dashboard/hoidap/{id:\d+}", ticket_page, name="dashboard_ticket")
    app.router.add_post(r"/dashboard/hoidap/{id:\d+}", ticket_action, name="dashboard_ticket_post")


PLUGIN = Plugin("inbox", enabled=lambda settings: True, setup=setup)
