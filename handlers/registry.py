"""The ordered list of feature routers; first match wins, the fallback comes last."""

from __future__ import annotations

from handlers import broadcast, fallback, guides, menu, outreach_log, teams
from handlers.routing import Handler, Router

ROUTERS: list[Router] = [
    menu.router,
    guides.router,
    teams.router,
    outreach_log.router,
    broadcast.router,
]

FALLBACK: Handler = fallback.not_understood
