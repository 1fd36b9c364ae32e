"""The ordered list of feature routers; first match wins, the fallback comes last."""

from __future__ import annotations

from handlers import fallback, figures, guides, location, menu, privacy, survey
from handlers.routing import Handler, Router

ROUTERS: list[Router] = [
    menu.router,
    guides.router,
    privacy.router,
    survey.router,
    figures.router,
    location.router,
]

FALLBACK: Handler = fallback.not_understood
