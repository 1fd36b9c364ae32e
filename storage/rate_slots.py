"""Rates shared by every instance: the next free slot of a named rate, by the database's clock.

A generic cell rate algorithm in one statement: a taker reserves the slot after the last one
given (or now, less a small burst allowance, when the rate was idle) and waits until it comes.
On PostgreSQL the row lock orders concurrent takers of all instances; the times are the
server's own (clock_timestamp), so instances' clocks need not agree. Never commits.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_CREATE = text(
    "INSERT INTO rate_slots (name, next_at) VALUES (:name, 0) ON CONFLICT (name) DO NOTHING"
)
_RESERVE = text(
    "UPDATE rate_slots SET next_at = GREATEST(next_at, EXTRACT(EPOCH FROM clock_timestamp())"
    " - :burst) + :interval WHERE name = :name"
    " RETURNING next_at - :interval, EXTRACT(EPOCH FROM clock_timestamp())"
)


async def reserve(
    conn: AsyncConnection, name: str, interval: float, burst: float
) -> tuple[float, float]:
    """Take the next slot of rate `name` (one every `interval` seconds, up to `burst` seconds
    of them at once after a pause): the slot and the time now, in the database's seconds."""
    params = {"name": name, "interval": interval, "burst": burst}
    row = (await conn.execute(_RESERVE, params)).first()
    if row is None:  # the first use of this rate anywhere
        await conn.execute(_CREATE, {"name": name})
        row = (await conn.execute(_RESERVE, params)).one()
    return float(row[0]), float(row[1])
