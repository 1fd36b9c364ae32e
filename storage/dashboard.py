"""Dashboard access repository: one-time login links and browser sessions (hashes only)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import roles
from storage.models import DashboardLink, DashboardSession


def digest(token: str) -> str:
    """What the database keeps of a link or session token: its SHA-256, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


async def add_link(
    session: AsyncSession, contact_id: int, token: str, *, now: datetime, expires_at: datetime
) -> DashboardLink:
    link = DashboardLink(
        token_hash=digest(token), contact_id=contact_id, created_at=now, expires_at=expires_at
    )
    session.add(link)
    await session.flush()
    return link


async def redeem_link(session: AsyncSession, token: str, *, now: datetime) -> int | None:
    """Mark an unused, unexpired link used and return its contact id; None if it is not.

    One UPDATE with the conditions in its WHERE clause, so two browsers racing on the same
    link cannot both win.
    """
    result = await session.execute(
        update(DashboardLink)
        .where(
            DashboardLink.token_hash == digest(token),
            DashboardLink.used_at.is_(None),
            DashboardLink.expires_at > now,
        )
        .values(used_at=now)
        .returning(DashboardLink.contact_id)
    )
    return result.scalar_one_or_none()


async def open_session(
    session: AsyncSession, contact_id: int, token: str, csrf: str, *, now: datetime
) -> DashboardSession:
    row = DashboardSession(
        token_hash=digest(token), contact_id=contact_id, csrf=csrf, created_at=now, last_seen_at=now
    )
    session.add(row)
    await session.flush()
    return row


async def live_session(
    session: AsyncSession, token: str, *, now: datetime, idle: timedelta, max_age: timedelta
) -> DashboardSession | None:
    """The session for a cookie token if it was neither ended nor left idle; touches it."""
    row = await session.scalar(
        select(DashboardSession).where(DashboardSession.token_hash == digest(token))
    )
    if row is None or row.ended_at is not None:
        return None
    if now - row.last_seen_at > idle or now - row.created_at > max_age:
        row.ended_at = now
        return None
    row.last_seen_at = now
    return row


async def end_session(session: AsyncSession, token: str, *, now: datetime) -> int | None:
    """End a session (logout); its contact id, or None when there was none."""
    row = await session.scalar(
        select(DashboardSession).where(DashboardSession.token_hash == digest(token))
    )
    if row is None or row.ended_at is not None:
        return None
    row.ended_at = now
    return row.contact_id


LINK_TTL = timedelta(minutes=10)


def _signature(secret: str, body: str) -> str:
    return hmac.new(secret.encode(), f"dashboard-link:{body}".encode(), hashlib.sha256).hexdigest()[
        :32
    ]


async def issue_link(
    session: AsyncSession, contact_id: int, *, secret: str, base_url: str, now: datetime
) -> str:
    """A one-time login address for a contact: signed, valid LINK_TTL, usable once."""
    expires_at = now + LINK_TTL
    body = f"{secrets.token_urlsafe(24)}.{int(expires_at.timestamp())}"
    token = f"{body}.{_signature(secret, body)}"
    await add_link(session, contact_id, token, now=now, expires_at=expires_at)
    await roles.audit(session, f"contact:{contact_id}", "dashboard.link", f"contact:{contact_id}")
    return f"{base_url.rstrip('/')}/dashboard/login?t={token}"


def signed(secret: str, token: str, *, now: datetime) -> bool:
    """True when the token carries our signature and its expiry has not passed."""
    body, _, signature = token.rpartition(".")
    expires = body.rpartition(".")[2]
    if not body or not expires.isdigit():
        return False
    if not hmac.compare_digest(signature, _signature(secret, body)):
        return False
    return int(expires) > now.timestamp()
