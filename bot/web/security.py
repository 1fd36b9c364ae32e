"""Request checks shared by the web chat and the dashboard."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web


def same_origin(request: web.Request) -> bool:
    """True unless the browser says the request comes from another site.

    Browsers send `Sec-Fetch-Site` and `Origin` on POSTs; a request carrying neither comes from
    a non-browser client, which cannot ride a visitor's cookies, so it is let through (the CSRF
    token is still required).
    """
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc.lower() == request.host.lower()
