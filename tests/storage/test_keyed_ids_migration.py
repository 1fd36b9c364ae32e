"""Migration 0009: ids and texts stored before it are rewritten as the code now writes them."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import text

from bot.core import Core
from handlers.content import Content
from handlers.types import Incoming
from storage import db
from storage.pseudonym import message_key

SECRET = "deployment-secret"
BEFORE = "0011"  # the revision 0009 follows
TELEGRAM_ID = "960007"
ZALO_ID = "246845883529197922"
OLD_FOLLOW = f"follow:{hashlib.sha256(ZALO_ID.encode()).hexdigest()[:16]}:1733450000000"


async def _old_database(backend: str, request) -> str:
    """A database just before 0009 holding what the code before it wrote."""
    factory = request.getfixturevalue(
        "sqlite_factory" if backend == "sqlite" else "postgres_factory"
    )
    url = await factory.new(migrated=False)
    await db.upgrade(url, BEFORE)
    engine = db.create_engine(url)
    async with engine.begin() as conn:
        now = datetime(2026, 12, 1, 10, tzinfo=UTC)
        for channel, message in [
            ("telegram", f"m{TELEGRAM_ID}:41"),
            ("telegram", f"c{TELEGRAM_ID}99"),
            ("zalo", OLD_FOLLOW),
            ("zalo", "8c0e1b6e2f"),
        ]:
            await conn.execute(
                text(
                    "INSERT INTO interactions (channel, platform_message_id, kind, handler,"
                    " created_at) VALUES (:c, :m, 'text', 'x.y', :t)"
                ),
                {"c": channel, "m": message, "t": now},
            )
        await conn.execute(
            text(
                "INSERT INTO outreach_events (kind, channel, detail, created_at)"
                " VALUES ('search_unanswered', 'telegram', :d, :t)"
            ),
            {
                "d": "toi ten nguyen van an sdt 0912345678 cccd 042123456789 hoi ve ho khau",
                "t": now,
            },
        )
    await engine.dispose()
    return url


async def _column(url: str, sql: str) -> list[str]:
    engine = db.create_engine(url)
    async with engine.connect() as conn:
        values = [str(v) for v in (await conn.execute(text(sql))).scalars()]
    await engine.dispose()
    return values


async def test_old_message_ids_become_keyed_hashes_and_old_questions_are_redacted(
    backend: str, request
) -> None:
    url = await _old_database(backend, request)
    await db.upgrade(url, secret=SECRET)
    ids = await _column(url, "SELECT platform_message_id FROM interactions ORDER BY id")
    assert ids == [
        message_key(SECRET, "telegram", f"m{TELEGRAM_ID}:41"),
        message_key(SECRET, "telegram", f"c{TELEGRAM_ID}99"),
        message_key(SECRET, "zalo", OLD_FOLLOW),
        message_key(SECRET, "zalo", "8c0e1b6e2f"),
    ]
    assert not any(TELEGRAM_ID in value or OLD_FOLLOW[7:23] in value for value in ids)
    details = await _column(url, "SELECT detail FROM outreach_events")
    assert details == ["toi ten [họ tên] sdt [SĐT] cccd [số giấy tờ] hoi ve ho khau"]
    await db.upgrade(url, secret=SECRET)  # idempotent: already at head
    if backend == "postgres":
        await request.getfixturevalue("postgres_factory").drop(url)


async def test_a_message_redelivered_after_the_migration_is_still_handled_once(
    backend: str, request, content: Content
) -> None:
    url = await _old_database(backend, request)
    await db.upgrade(url, secret=SECRET)
    engine = db.create_engine(url)
    core = Core(db.session_factory(engine), content, services={"secret": SECRET})
    again = Incoming("telegram", TELEGRAM_ID, TELEGRAM_ID, text="hello", message_id="m960007:41")
    assert await core.handle(again) == []
    new = Incoming("telegram", TELEGRAM_ID, TELEGRAM_ID, text="hello", message_id="m960007:42")
    assert await core.handle(new) != []
    await engine.dispose()
    if backend == "postgres":
        await request.getfixturevalue("postgres_factory").drop(url)


async def test_without_a_given_secret_the_database_secret_keys_the_hashes(
    backend: str, request
) -> None:
    url = await _old_database(backend, request)
    await db.upgrade(url)
    stored = await _column(url, "SELECT value FROM app_state WHERE key = 'secret'")
    assert len(stored) == 1
    ids = await _column(url, "SELECT platform_message_id FROM interactions ORDER BY id")
    assert all(value.startswith("h") and len(value) == 41 for value in ids)
    assert TELEGRAM_ID not in "".join(ids)
    if backend == "postgres":
        await request.getfixturevalue("postgres_factory").drop(url)
