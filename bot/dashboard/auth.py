"""Dashboard sign-in: a one-time link, then an HttpOnly session cookie that idles out."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import aiohttp_jinja2
from aiohttp import web

from bot.i18n import _
from bot.web.keys import RUNTIME
from bot.web.security import Form, read_form, same_origin
from storage import dashboard, roles
from storage.access import Scope, officer_scope

SESSION_COOKIE = "dvcbot_dashboard"
MAX_AGE = timedelta(hours=12)
View = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Viewer:
    """The signed-in officer: pseudonymous id, scope and the session's CSRF token."""

    contact_id: int
    scope: Scope
    csrf: str

    @property
    def actor(self) -> str:
        return f"contact:{self.contact_id}"


VIEWER = web.RequestKey("dashboard_viewer", Viewer)


def _secure(request: web.Request) -> bool:
    return request.secure or request.app[RUNTIME].settings.base_url.startswith("https://")


def _page(request: web.Request, template: str, status: int, **context: object) -> web.Response:
    response = aiohttp_jinja2.render_template(template, request, context, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def refused(request: web.Request, message: str, status: int) -> web.Response:
    return _page(request, "dashboard/refused.html", status, message=message)


async def signed_form(request: web.Request) -> Form | web.Response:
    """The posted form of a signed-in officer, or the refusal page when it comes from another
    site or carries a stale CSRF token."""
    viewer: Viewer = request[VIEWER]
    form = await read_form(request)
    if not same_origin(request) or not secrets.compare_digest(
        str(form.get("csrf", "")), viewer.csrf
    ):
        return refused(request, _("The form has expired; reload the page and try again."), 403)
    return form


async def login_page(request: web.Request) -> web.Response:
    """GET /dashboard/login?t=...: a confirm button. Link previewers only GET, so the one-time
    link is spent by the POST, not by a chat app fetching a preview."""
    token = request.query.get("t", "")
    runtime = request.app[RUNTIME]
    if not dashboard.signed(runtime.secret, token, now=runtime.clock.now()):
        return refused(request, _("This sign-in link is not valid or has expired."), 403)
    return _page(request, "dashboard/login.html", 200, token=token)


async def login(request: web.Request) -> web.Response:
    """POST /dashboard/login: spend the link, open a session, go to the overview."""
    runtime = request.app[RUNTIME]
    form = await read_form(request)
    token = str(form.get("t", ""))
    now = runtime.clock.now()
    if not same_origin(request) or not dashboard.signed(runtime.secret, token, now=now):
        return refused(request, _("This sign-in link is not valid or has expired."), 403)
    session_token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    async with runtime.sessions() as session, session.begin():
        contact_id = await dashboard.redeem_link(session, token, now=now)
        if contact_id is None:
            return refused(request, _("This sign-in link was already used or has expired."), 403)
        scope = await officer_scope(session, contact_id)
        if scope is None:
            return refused(request, _("Your account has no officer role."), 403)
        await dashboard.open_session(session, contact_id, session_token, csrf, now=now)
        await roles.audit(
            session,
            f"contact:{contact_id}",
            "dashboard.login",
            None,
            {"role": scope.role, "province": scope.province, "commune": scope.commune},
        )
    response = web.HTTPSeeOther(request.app.router["dashboard"].url_for())
    response.set_cookie(
        SESSION_COOKIE,
        session_token,
        httponly=True,
        samesite="Strict",
        secure=_secure(request),
        path="/dashboard",
    )
    raise response


async def logout(request: web.Request) -> web.Response:
    """POST /dashboard/logout (with the CSRF token): end the session and clear the cookie."""
    viewer: Viewer = request[VIEWER]
    form = await signed_form(request)
    if isinstance(form, web.Response):
        return form
    runtime = request.app[RUNTIME]
    async with runtime.sessions() as session, session.begin():
        await dashboard.end_session(
            session, request.cookies[SESSION_COOKIE], now=runtime.clock.now()
        )
        await roles.audit(session, viewer.actor, "dashboard.logout")
    response = _page(request, "dashboard/refused.html", 200, message=_("You are signed out."))
    response.del_cookie(SESSION_COOKIE, path="/dashboard")
    return response


def officers_only(view: View) -> View:
    """Wrap a dashboard view: a live session of a contact who is still an officer or admin."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        runtime = request.app[RUNTIME]
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            return refused(request, _("Please sign in with a link from the bot (/dashboard)."), 401)
        idle = timedelta(minutes=runtime.settings.dashboard_idle_minutes)
        async with runtime.sessions() as session, session.begin():
            row = await dashboard.live_session(
                session, token, now=runtime.clock.now(), idle=idle, max_age=MAX_AGE
            )
            scope = await officer_scope(session, row.contact_id) if row else None
        if row is None:
            return refused(
                request, _("Your session has ended. Ask the bot for a new link (/dashboard)."), 401
            )
        if scope is None:
            return refused(request, _("Your account has no officer role."), 403)
        request[VIEWER] = Viewer(row.contact_id, scope, row.csrf)
        response = await view(request)
        response.headers["Cache-Control"] = "no-store"
        return response

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped
