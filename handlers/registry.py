"""The ordered list of feature routers; first match wins, the fallback comes last."""

from __future__ import annotations

from handlers import (
    broadcast,
    documents,
    fallback,
    faq,
    figures,
    guides,
    handoff,
    handoff_officer,
    location,
    menu,
    outreach_log,
    privacy,
    procedures,
    search,
    survey,
    teams,
)
from handlers.routing import Handler, Router

ROUTERS: list[Router] = [
    # An officer's reply, then a citizen's open ticket, own free text; /huy closes a ticket.
    handoff_officer.router,
    handoff.router,
    menu.router,
    guides.router,
    privacy.router,
    survey.router,
    location.router,
    procedures.router,
    documents.router,
    faq.router,
    teams.router,
    outreach_log.router,
    broadcast.router,
    figures.router,
    # Answers any free text no router above took: keep it the last router with text handlers.
    search.router,
]

FALLBACK: Handler = fallback.not_understood
