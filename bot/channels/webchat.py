"""The web chat: a page and a JSON endpoint that talk to the same core as every channel.

A visitor is a random id, signed with the deployment secret, in an HttpOnly cookie; the core
sees only an HMAC of it. Only ids we issued are accepted, and each address gets a few new ones
a minute, so a client cannot mint visitors (each a contact) by inventing cookies. Messages are
limited per visitor and per address. Every POST must come from our own origin and carry a
CSRF token derived from the visitor id, so another site cannot make a visitor's browser talk
to the bot. Without JavaScript the page is a plain form that posts back and shows the replies.
"""

from __future__ import annotations

import base64
import hmac
import itertools
import logging
import re
import secrets
from dataclasses import dataclass
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.config import Settings
from bot.handoff.pickup import pending_replies
from bot.i18n import _
from bot.web import templating
from bot.web.keys import RUNTIME
from bot.web.plugins import Plugin
from bot.web.ratelimit import RateLimit
from bot.web.security import Network, client_address, parse_networks, read_form, same_origin
from handlers.menu import START_CODE, link_button
from handlers.payload import pack
from handlers.text import plain
from handlers.types import MAX_PAYLOAD_BYTES, Attachment, Button, Incoming, Reply
from storage.pseudonym import keyed_hash

logger = logging.getLogger(__name__)

CHANNEL = "web"
VISITOR_COOKIE = "dvcbot_visitor"
VISITOR_MAX_AGE = 180 * 24 * 3600
MAX_TEXT = 2000
_sequence = itertools.count(1)
NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")
SIGNATURE_LENGTH = 20


@dataclass(frozen=True)
class Limits:
    """This instance's limits: messages per visitor and per address, new visitors per address."""

    visitor: RateLimit
    address: RateLimit
    new_visitors: RateLimit
    proxies: tuple[Network, ...]

    def address_of(self, request: web.Request) -> str:
        return client_address(request, self.proxies)


LIMITS = web.AppKey("webchat_limits", Limits)


def user_key(secret: str, visitor: str) -> str:
    """The pseudonymous id the core stores for a visitor (never the cookie itself)."""
    return "w" + keyed_hash(secret, "web-visitor", visitor, 31)


def csrf_token(secret: str, visitor: str) -> str:
    return keyed_hash(secret, "web-csrf", visitor, 32)


def _signature(secret: str, nonce: str) -> str:
    return keyed_hash(secret, "web-cookie", nonce, SIGNATURE_LENGTH)


def new_visitor(secret: str) -> str:
    """A fresh visitor id: a random nonce and our signature of it."""
    nonce = secrets.token_urlsafe(18)
    return f"{nonce}.{_signature(secret, nonce)}"


def visitor_of(request: web.Request) -> str | None:
    """The visitor id in the cookie, when it is one we issued (signature checked)."""
    value = request.cookies.get(VISITOR_COOKIE, "")
    nonce, _dot, signature = value.partition(".")
    if not NONCE.fullmatch(nonce) or len(signature) != SIGNATURE_LENGTH:
        return None
    expected = _signature(request.app[RUNTIME].secret, nonce)
    return value if hmac.compare_digest(signature, expected) else None


def set_visitor_cookie(request: web.Request, response: web.StreamResponse, visitor: str) -> None:
    settings = request.app[RUNTIME].settings
    secure = request.secure or settings.base_url.startswith("https://")
    # Over HTTPS the chat may be embedded in a provincial portal (a cross-site iframe), which
    # needs SameSite=None; the CSRF token and the origin check protect every POST either way.
    response.set_cookie(
        VISITOR_COOKIE,
        visitor,
        max_age=VISITOR_MAX_AGE,
        httponly=True,
        secure=secure,
        samesite="None" if secure else "Lax",
        path="/",
    )


def attachment_url(attachment: Attachment) -> str:
    return f"data:{attachment.mime_type};base64,{base64.b64encode(attachment.data).decode()}"


def reply_json(reply: Reply) -> dict[str, Any]:
    out: dict[str, Any] = {
        "text": reply.text,
        "buttons": [
            {"label": b.label, "url": b.url} if b.url else {"label": b.label, "payload": b.payload}
            for b in reply.buttons
        ],
    }
    for kind in ("image", "document"):
        attachment: Attachment | None = getattr(reply, kind)
        if attachment is not None:
            out[kind] = {"filename": attachment.filename, "url": attachment_url(attachment)}
    return out


def menu_reply(request: web.Request) -> Reply:
    menu = request.app[RUNTIME].content.menu
    return Reply(text=menu.text, buttons=tuple(link_button(item) for item in menu.items))


def page_texts(request: web.Request) -> dict[str, str]:
    messages = request.app[RUNTIME].content.messages
    return {
        "title": messages("webchat.title"),
        "placeholder": messages("webchat.placeholder"),
        "send": messages("webchat.send"),
        "you": messages("webchat.you"),
        "bot": messages("webchat.bot"),
        "offline": messages("webchat.offline"),
    }


async def _answer(
    request: web.Request, visitor: str, text: str, payload: str | None, client_id: str | None
) -> tuple[int, list[Reply]]:
    runtime = request.app[RUNTIME]
    messages = runtime.content.messages
    text = plain(text).strip()[:MAX_TEXT]
    payload = plain(payload) if payload is not None else None  # JSON may carry lone surrogates
    if payload is not None and (not payload or len(payload.encode()) > MAX_PAYLOAD_BYTES):
        return 400, [Reply(text=messages("fallback.stale_button"))]
    limits = request.app[LIMITS]
    if not limits.visitor.allow(visitor) or not limits.address.allow(limits.address_of(request)):
        return 429, [Reply(text=messages("webchat.slow_down"))]
    key = user_key(runtime.secret, visitor)
    message_id = f"{key[:12]}:{client_id}" if client_id else None
    msg = Incoming(CHANNEL, key, key, text=text, payload=payload, message_id=message_id)
    replies = await runtime.core.handle(msg)
    waiting = await pending_replies(runtime.sessions, CHANNEL, key, now=runtime.clock.now())
    return 200, [*waiting, *replies]


def _api_visitor(request: web.Request) -> str | web.Response:
    """The visitor of a script's POST (same origin, X-CSRF-Token), or the 403 to send."""
    visitor = visitor_of(request)
    if visitor is None or not same_origin(request):
        return web.json_response({"error": "forbidden"}, status=403)
    token = request.headers.get("X-CSRF-Token", "")
    if not hmac.compare_digest(token, csrf_token(request.app[RUNTIME].secret, visitor)):
        return web.json_response({"error": "bad csrf token"}, status=403)
    return visitor


async def chat_updates(request: web.Request) -> web.Response:
    """POST /chat/updates (X-CSRF-Token): officers' answers that arrived since the last look."""
    runtime = request.app[RUNTIME]
    visitor = _api_visitor(request)
    if isinstance(visitor, web.Response):
        return visitor
    key = user_key(runtime.secret, visitor)
    replies = await pending_replies(runtime.sessions, CHANNEL, key, now=runtime.clock.now())
    return web.json_response({"replies": [reply_json(r) for r in replies]})


def _client_id(value: Any) -> str | None:
    if isinstance(value, str) and 1 <= len(value) <= 40 and value.replace("-", "").isalnum():
        return value
    return None


async def chat_api(request: web.Request) -> web.Response:
    """POST /chat/api {"text"} or {"payload"} with header X-CSRF-Token -> {"replies": [...]}."""
    visitor = _api_visitor(request)
    if isinstance(visitor, web.Response):
        return visitor
    try:
        body = await request.json()
    except ValueError:
        return web.json_response({"error": "body must be JSON"}, status=400)
    if not isinstance(body, dict):
        return web.json_response({"error": "body must be a JSON object"}, status=400)
    text, payload = body.get("text", ""), body.get("payload")
    if not isinstance(text, str) or not (payload is None or isinstance(payload, str)):
        return web.json_response({"error": "text and payload must be strings"}, status=400)
    status, replies = await _answer(request, visitor, text, payload, _client_id(body.get("id")))
    return web.json_response({"replies": [reply_json(r) for r in replies]}, status=status)


def _render(
    request: web.Request,
    visitor: str | None,
    said: str | None,
    replies: list[Reply],
    status: int = 200,
    autostart: str | None = None,
) -> web.Response:
    """The page; a visitor of None is a new one, given an id unless its address had too many."""
    if visitor is None:
        limits = request.app[LIMITS]
        if not limits.new_visitors.allow(limits.address_of(request)):
            slow = [Reply(text=request.app[RUNTIME].content.messages("webchat.slow_down"))]
            return _page(request, None, None, slow, status=429)
        visitor = new_visitor(request.app[RUNTIME].secret)
    return _page(request, visitor, said, replies, status, autostart)


def _page(
    request: web.Request,
    visitor: str | None,
    said: str | None,
    replies: list[Reply],
    status: int,
    autostart: str | None = None,
) -> web.Response:
    secret = request.app[RUNTIME].secret
    response = aiohttp_jinja2.render_template(
        "chat.html",
        request,
        {
            "t": page_texts(request),
            "csrf": csrf_token(secret, visitor) if visitor else "",
            "said": said,
            "replies": [reply_json(r) for r in replies],
            "autostart": autostart,
        },
        status=status,
    )
    response.headers["Cache-Control"] = "no-store"
    if visitor:
        set_visitor_cookie(request, response, visitor)
    return response


def start_reply(request: web.Request) -> Reply | None:
    """For `/chat?start=<code>` (or `?ref=<code>`, a member's referral): a "Start" button that
    does what `/start <code>` does on Telegram. The page presses it on load; a link preview,
    which runs no script, changes nothing."""
    code = request.query.get("start") or (
        f"ref_{request.query['ref']}" if request.query.get("ref") else ""
    )
    if not START_CODE.match(code):
        return None
    messages = request.app[RUNTIME].content.messages
    button = Button(messages("webchat.start_button"), payload=pack("start", code))
    return Reply(text=messages("webchat.start_intro"), buttons=(button,))


async def chat_page(request: web.Request) -> web.Response:
    """GET /chat: the page, opening with the main menu (nothing is stored until they write),
    or with the Start button of a deep link."""
    known = visitor_of(request)
    start = start_reply(request)
    if start is not None:
        return _render(request, known, None, [start], autostart=start.buttons[0].payload)
    waiting: list[Reply] = []
    if known is not None:  # without JavaScript, an officer's answer shows on the next load
        runtime = request.app[RUNTIME]
        key = user_key(runtime.secret, known)
        waiting = await pending_replies(runtime.sessions, CHANNEL, key, now=runtime.clock.now())
    return _render(request, known, None, [*waiting, menu_reply(request)])


async def chat_form(request: web.Request) -> web.Response:
    """POST /chat: the no-JavaScript path; a plain form post answered with a fresh page."""
    runtime = request.app[RUNTIME]
    visitor = visitor_of(request)
    form = await read_form(request)
    if visitor is None or not same_origin(request):
        refused = [Reply(text=runtime.content.messages("webchat.no_cookie"))]
        return _render(request, visitor, None, refused, status=403)
    token = str(form.get("csrf", ""))
    if not hmac.compare_digest(token, csrf_token(runtime.secret, visitor)):
        refused = [Reply(text=runtime.content.messages("webchat.no_cookie"))]
        return _render(request, visitor, None, refused, status=403)
    payload_field = form.get("payload")
    payload = str(payload_field) if payload_field else None
    text = "" if payload else str(form.get("text", ""))
    said = None if payload else text
    status, replies = await _answer(request, visitor, text, payload, None)
    return _render(request, visitor, said or None, replies, status=status)


async def to_chat(request: web.Request) -> web.Response:
    raise web.HTTPFound(request.app.router["chat"].url_for())


def setup(app: web.Application, settings: Settings) -> None:
    templating.setup(app, settings)
    app[LIMITS] = Limits(
        visitor=RateLimit(settings.webchat_messages_per_minute, 60.0),
        address=RateLimit(settings.webchat_messages_per_address_per_minute, 60.0),
        new_visitors=RateLimit(settings.webchat_new_visitors_per_minute, 60.0),
        proxies=tuple(parse_networks(settings.trusted_proxies)),
    )
    app.router.add_get("/", to_chat, name="home")
    app.router.add_get("/chat", chat_page, name="chat")
    app.router.add_post("/chat", chat_form, name="chat_form")
    app.router.add_post("/chat/api", chat_api, name="chat_api")
    app.router.add_post("/chat/updates", chat_updates, name="chat_updates")


def describe(settings: Settings) -> str:
    return _("web chat: {url}/chat").format(url=settings.base_url)


def plugin() -> Plugin:
    return Plugin("webchat", enabled=lambda settings: True, setup=setup, describe=describe)
