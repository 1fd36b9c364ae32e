"""Zalo OA tokens: refreshed before expiry and on expiry errors, one refresh at a time everywhere.

Zalo's refresh token is single-use and rotates on every refresh, so two refreshes racing with the
same refresh token lose the OA's authorisation. Refreshes are therefore serialised by an asyncio
lock in this process and by a lock on the `app_state` row `zalo_tokens` across processes (row lock
on PostgreSQL, the write lock on SQLite); the new pair is committed before it is used, and a
process that finds a newer pair in the database adopts it instead of refreshing again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.channels.zalo.client import ZaloClient
from bot.channels.zalo.errors import ZaloAuthError
from handlers.types import utcnow
from storage import app_state
from storage.db import SessionFactory

logger = logging.getLogger(__name__)

KEY = "zalo_tokens"
REFRESH_MARGIN = timedelta(hours=2)  # refresh when less than this remains (tokens last 25 h)
TRANSIENT_COOLDOWN = timedelta(minutes=1)  # after a network failure, wait before trying again
MAX_SEEDS = 10  # settings' token fingerprints remembered, so an old seed never overwrites


class TokenError(Exception):
    """No fresh token could be had; the reason is logged and shown in /healthz."""


@dataclass(frozen=True)
class TokenState:
    access_token: str
    refresh_token: str
    expires_at: datetime | None  # None: unknown (the pair given in the settings)
    seeds: tuple[str, ...] = ()  # fingerprints of the settings' refresh tokens stored so far
    refreshed_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "seeds": list(self.seeds),
            "refreshed_at": self.refreshed_at.isoformat() if self.refreshed_at else None,
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> TokenState:
        def moment(raw: object) -> datetime | None:
            return datetime.fromisoformat(raw) if isinstance(raw, str) else None

        return cls(
            access_token=str(value.get("access_token", "")),
            refresh_token=str(value.get("refresh_token", "")),
            expires_at=moment(value.get("expires_at")),
            seeds=tuple(str(s) for s in value.get("seeds") or ()),
            refreshed_at=moment(value.get("refreshed_at")),
        )


@dataclass(frozen=True)
class Failure:
    message: str
    at: datetime
    permanent: bool
    refresh_token: str  # the refresh token that was refused; never tried again


def fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


class ZaloTokens:
    """The current access token, refreshed when due or when Zalo says it expired."""

    def __init__(
        self,
        client: ZaloClient,
        sessions: SessionFactory,
        *,
        access_token: str,
        refresh_token: str,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.client = client
        self.sessions = sessions
        self.clock = clock
        self._seed = fingerprint(refresh_token)
        self._state = TokenState(access_token, refresh_token, None, (self._seed,))
        self._lock = asyncio.Lock()
        self._failure: Failure | None = None
        self._unsaved = False
        self._running: set[asyncio.Future[str]] = set()

    async def load(self) -> None:
        """Take the pair stored in the database, or store the one from the settings.

        The settings' pair is only a seed: once stored, the stored pair is newer (it rotates). A
        refresh token never seen in the settings before means the OA was authorised again, so it
        replaces the store; an instance still started with an older seed adopts the store.
        """
        async with self.sessions() as session, session.begin():
            stored = await app_state.lock(session, KEY, self._state.to_json())
            state = TokenState.from_json(stored)
            if self._seed in state.seeds and state.access_token and state.refresh_token:
                self._state = state
            else:
                logger.info("Zalo tokens from the settings replace the stored ones")
                seeds = (*state.seeds[-(MAX_SEEDS - 1) :], self._seed)
                self._state = dataclasses.replace(self._state, seeds=seeds)
                await app_state.put(session, KEY, self._state.to_json())

    @property
    def current(self) -> str:
        return self._state.access_token

    @property
    def expires_at(self) -> datetime | None:
        return self._state.expires_at

    def due(self) -> bool:
        expires = self._state.expires_at
        return expires is not None and expires - REFRESH_MARGIN <= self.clock()

    async def access_token(self) -> str:
        """A token to call Zalo with, refreshed first when it is close to expiry."""
        if self.due():
            try:
                return await self.refresh(self._state.access_token)
            except TokenError:
                pass  # logged; the old token may still work until it really expires
        return self._state.access_token

    async def refresh(self, stale: str) -> str:
        """A token newer than `stale`: adopted from a concurrent refresh, or refreshed now.

        The refresh runs in a task of its own that a cancelled caller does not cancel: once Zalo
        has spent the refresh token, the new pair must be saved whatever happens to the caller.
        """
        task = asyncio.ensure_future(self._refresh(stale))
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return await asyncio.shield(task)

    async def close(self) -> None:
        """Wait for refreshes in flight (before the HTTP session and database close)."""
        while self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)

    async def _refresh(self, stale: str) -> str:
        async with self._lock:
            if self._state.access_token != stale and not self._unsaved:
                return self._state.access_token
            if self._unsaved:
                await self._save_unsaved()
                return self._state.access_token
            self._refuse_if_failed()
            return await self._refresh_locked(stale)

    async def _refresh_locked(self, stale: str) -> str:
        grant_state: TokenState | None = None
        try:
            async with self.sessions() as session, session.begin():
                stored = TokenState.from_json(
                    await app_state.lock(session, KEY, self._state.to_json())
                )
                if stored.access_token not in ("", stale):
                    logger.info("Zalo tokens were refreshed by another instance; adopting them")
                    self._state, self._failure = stored, None
                    return stored.access_token
                if self._failure and self._failure.refresh_token == stored.refresh_token:
                    raise TokenError(self._failure.message)
                grant = await self.client.refresh(stored.refresh_token)
                now = self.clock()
                grant_state = TokenState(
                    grant.access_token,
                    grant.refresh_token,
                    now + timedelta(seconds=grant.expires_in),
                    stored.seeds,
                    now,
                )
                await app_state.put(session, KEY, grant_state.to_json())
        except ZaloAuthError as exc:
            self._fail(str(exc), permanent=exc.permanent, refresh_token=stored.refresh_token)
            raise TokenError(str(exc)) from exc
        except TokenError:
            raise
        except Exception as exc:
            if grant_state is None:
                self._fail(f"token refresh failed: {exc!r}", permanent=False, refresh_token="")
                raise TokenError(str(exc)) from exc
            # Zalo issued a new pair but the database did not take it: the old refresh token is
            # spent, so keep the new pair in memory and keep trying to save it.
            logger.critical("Zalo issued new tokens but saving them failed", exc_info=True)
            self._unsaved = True
        assert grant_state is not None
        self._state, self._failure = grant_state, None
        logger.info("Zalo access token refreshed; valid until %s", grant_state.expires_at)
        return grant_state.access_token

    async def _save_unsaved(self) -> None:
        try:
            async with self.sessions() as session, session.begin():
                await app_state.put(session, KEY, self._state.to_json())
        except Exception:
            logger.critical("saving the new Zalo tokens failed again", exc_info=True)
            return
        self._unsaved = False
        logger.info("the new Zalo tokens are saved")

    def _refuse_if_failed(self) -> None:
        failure = self._failure
        if failure is None or failure.permanent:
            return  # a permanent failure is re-checked against the stored refresh token
        if self.clock() - failure.at < TRANSIENT_COOLDOWN:
            raise TokenError(failure.message)

    def _fail(self, message: str, *, permanent: bool, refresh_token: str) -> None:
        self._failure = Failure(message, self.clock(), permanent, refresh_token)
        if permanent:
            logger.critical(
                "Zalo token refresh refused: %s. Sending to Zalo stops until the OA is "
                "authorised again: set new DVCBOT_ZALO_ACCESS_TOKEN and "
                "DVCBOT_ZALO_REFRESH_TOKEN and restart.",
                message,
            )
        else:
            logger.error("Zalo token refresh failed (will try again later): %s", message)

    async def keep_fresh(self, interval: float = 600.0) -> None:
        """Background loop: refresh ahead of expiry and retry saving an unsaved pair."""
        while True:
            await asyncio.sleep(interval)
            try:
                if self._unsaved or self.due():
                    await self.refresh(self._state.access_token)
            except TokenError:
                pass  # logged where it happened
            except Exception:
                logger.exception("Zalo token upkeep failed")

    def health(self) -> dict[str, Any]:
        """For /healthz: whether sending can work, and when the token expires."""
        status: dict[str, Any] = {
            "status": "ok",
            "token_expires_at": _iso(self._state.expires_at),
            "token_refreshed_at": _iso(self._state.refreshed_at),
        }
        if self._failure is not None:
            status["status"] = "error"
            status["error"] = self._failure.message
            status["failed_at"] = _iso(self._failure.at)
        elif self._unsaved:
            status["status"] = "error"
            status["error"] = "new tokens not saved in the database"
        return status


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
