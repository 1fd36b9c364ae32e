"""Request checks shared by the web chat and the dashboard, and the security headers of every
response (Content-Security-Policy with frame-ancestors, nosniff, Referrer-Policy)."""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import urlsplit

from aiohttp import web
from multidict import MultiDictProxy

from bot.web.keys import SETTINGS

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Pages that may be framed by the portals in DVCBOT_WEBCHAT_FRAME_ANCESTORS.
CHAT_PATHS = ("/", "/chat", "/chat/")
_COMMON = "base-uri 'none'; object-src 'none'; form-action 'self'"
CHAT_POLICY = (
    "default-src 'self'; img-src 'self' data:; connect-src 'self'; " + _COMMON + "; "
    "frame-ancestors 'self'{portals}"
)
DASHBOARD_POLICY = (
    "default-src 'self'; img-src 'self' data:; " + _COMMON + "; frame-ancestors 'none'"
)
OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_origin(request: web.Request) -> bool:
    """True unless the browser says the request comes from another origin (scheme, host, port).

    Browsers send `Sec-Fetch-Site` and `Origin` on POSTs; a request carrying neither comes from
    a non-browser client, which cannot ride a visitor's cookies, so it is let through (the CSRF
    token is still required). Our origin is the one the request reached, or DVCBOT_PUBLIC_URL's
    when a proxy in front terminates HTTPS.
    """
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return origin is None
    ours = {f"{request.scheme}://{request.host}".lower()}
    public = request.app[SETTINGS].public_url
    if public:
        ours.add(_origin(public))
    return origin.lower().rstrip("/") in ours


Form = MultiDictProxy[str | bytes | bytearray | web.FileField]


async def read_form(request: web.Request) -> Form:
    """The posted form, or 400 when its body is not UTF-8 (a probe, never a browser)."""
    try:
        return await request.post()
    except (UnicodeDecodeError, ValueError):
        raise web.HTTPBadRequest(text="the form body is not valid UTF-8") from None


def parse_networks(value: str) -> list[Network]:
    """'10.0.0.1, 192.168.0.0/16' -> networks; ValueError naming the bad entry."""
    networks = []
    for item in value.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"not an address or network: {item!r}") from None
    return networks


def _trusted(address: str, proxies: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(request: web.Request, proxies: Sequence[Network]) -> str:
    """Who is asking: the peer, or, when the peer is one of our trusted proxies, the nearest
    address in X-Forwarded-For that is not (entries further left are the client's to forge)."""
    peer = request.remote or "unknown"
    if not proxies or not _trusted(peer, proxies):
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getall("X-Forwarded-For", [])).split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _trusted(hop, proxies):
            return hop[:64]
    return peer


def content_security_policy(path: str, portals: Sequence[str]) -> str:
    if path in CHAT_PATHS:
        return CHAT_POLICY.format(portals="".join(f" {p}" for p in portals))
    if path == "/dashboard" or path.startswith("/dashboard/"):
        return DASHBOARD_POLICY
    return OTHER_POLICY


def headers_middleware(portals: Sequence[str]) -> Callable[..., Awaitable[web.StreamResponse]]:
    """Adds the security headers to every response, errors included."""

    @web.middleware
    async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as error:
            _decorate(request, error, portals)
            raise
        _decorate(request, response, portals)
        return response

    return security_headers


def _decorate(request: web.Request, response: web.StreamResponse, portals: Sequence[str]) -> None:
    if response.prepared:
        return
    policy = content_security_policy(request.path, portals)
    response.headers.setdefault("Content-Security-Policy", policy)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    # same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on form posts.
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if "frame-ancestors 'none'" in policy:
        response.headers.setdefault("X-Frame-Options", "DENY")  # for browsers without CSP 2
