"""The ordered list of feature routers; first match wins, the fallback comes last."""

from __future__ import annotations

from handlers import fallback, figures, guides, menu
from handlers.routing import Handler, Router

ROUTERS: list[Router] = [
    menu.router,
    guides.router,
    figures.router,
]

FALLBACK: Handler = fallback.not_understood
