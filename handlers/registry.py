"""The ordered list of feature routers; first match wins, the fallback comes last."""

from __future__ import annotations

from handlers import (
    broadcast,
    fallback,
    figures,
    guides,
    location,
    menu,
    outreach_log,
    privacy,
    survey,
    teams,
)
from handlers.routing import Handler, Router

ROUTERS: list[Router] = [
    menu.router,
    guides.router,
    privacy.router,
    survey.router,
    teams.router,
    outreach_log.router,
    broadcast.router,
    figures.router,
    location.router,
]

FALLBACK: Handler = fallback.not_understood
