"""A database from before the official codes shows its people under them after `db upgrade`."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import MetaData, select

from storage import db
from tests.support.process import run_dvcbot

AT = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
MONTH = "2026-11"
# Old code -> (people there, satisfied): Cửa Nam and Kim Liên changed; Thạch Hà did not;
# 00196 (Văn Miếu – Quốc Tử Giám) moves to 00226, the code Kim Liên leaves.
PEOPLE = {"00073": (3, 3), "00226": (2, 1), "00196": (1, 1), "18562": (2, 2)}
OFFICIAL = {"00073": "00082", "00226": "00229", "00196": "00226", "18562": "18562"}


async def old_database(factory) -> str:
    """A database at revision 0008 (before 0012) holding the old codes everywhere."""
    url = await factory.new(migrated=False)
    await db.upgrade(url, "0008")
    engine = db.create_engine(url)
    async with engine.begin() as conn:
        meta = MetaData()
        await conn.run_sync(meta.reflect)
        t = meta.tables
        n = 0
        for code, (people, satisfied) in PEOPLE.items():
            province = code[:2] if code != "18562" else "42"
            province = "01" if code.startswith("00") else province
            for i in range(people):
                n += 1
                await conn.execute(
                    t["contacts"].insert().values(
                        id=n, channel="console", platform_user_id=f"u{n}", chat_id=f"u{n}",
                        province_code=province, commune_code=code, subscribed=True,
                        created_at=AT, last_seen_at=AT,
                    )
                )  # fmt: skip
                await conn.execute(
                    t["survey_responses"].insert().values(
                        survey_id="hai-long", survey_version="1", contact_id=n,
                        channel="console", province_code=province, commune_code=code,
                        answers={}, status="complete", satisfied=i < satisfied, counted=True,
                        started_at=AT, updated_at=AT, completed_at=AT,
                    )
                )  # fmt: skip
                await conn.execute(
                    t["outreach_events"].insert().values(
                        kind="first_contact", contact_id=n, channel="console",
                        province_code=province, commune_code=code, created_at=AT,
                    )
                )  # fmt: skip
        await conn.execute(
            t["teams"].insert().values(
                id=1, name="Tổ CNS Cửa Nam", province_code="01", commune_code="00073",
                created_at=AT,
            )
        )  # fmt: skip
        await conn.execute(
            t["roles"].insert().values(
                contact_id=1, role="officer", province_code="01", commune_code="00226",
                granted_at=AT,
            )
        )  # fmt: skip
    await engine.dispose()
    return url


async def stored_codes(url: str) -> dict[str, list[str | None]]:
    engine = db.create_engine(url)
    async with engine.connect() as conn:
        meta = MetaData()
        await conn.run_sync(meta.reflect)
        found = {}
        for name in ("contacts", "survey_responses", "outreach_events", "teams", "roles"):
            table = meta.tables[name]
            rows = await conn.execute(select(table.c.commune_code).order_by(table.c.id))
            found[name] = list(rows.scalars())
    await engine.dispose()
    return found


def report_rows(workdir: Path, url: str) -> dict[str, dict[str, str]]:
    result = run_dvcbot(
        ["report", "--month", MONTH, "--format", "csv", "--by", "commune"],
        workdir,
        DVCBOT_DATABASE_URL=url,
        DVCBOT_UI_LANG="en",
    )
    assert result.returncode == 0, result.stderr
    rows = csv.DictReader(io.StringIO(result.stdout))
    return {r["group"]: r for r in rows if r["breakdown"] == "commune"}


async def test_db_upgrade_moves_stored_codes_to_the_official_list(
    backend: str, request, tmp_path: Path
) -> None:
    factory = request.getfixturevalue(f"{backend}_factory")
    url = await old_database(factory)
    before = await stored_codes(url)

    dry = run_dvcbot(
        ["places", "migrate-codes", "--dry-run"],
        tmp_path,
        DVCBOT_DATABASE_URL=url,
        DVCBOT_UI_LANG="en",
    )
    assert dry.returncode == 0, dry.stderr
    assert "contacts.commune_code: 6" in dry.stdout
    assert "00073 → 00082 Phường Cửa Nam: 3" in dry.stdout
    assert "00226 → 00229 Phường Kim Liên: 2" in dry.stdout
    assert await stored_codes(url) == before, "a dry run changes nothing"

    upgraded = run_dvcbot(["db", "upgrade"], tmp_path, DVCBOT_DATABASE_URL=url, DVCBOT_UI_LANG="en")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "00226 → 00229 Phường Kim Liên: 2" in upgraded.stdout + upgraded.stderr
    after = await stored_codes(url)
    assert after == {
        name: [OFFICIAL[code] if code else None for code in codes] for name, codes in before.items()
    }
    assert after["teams"] == ["00082"] and after["roles"] == ["00229"]

    again = run_dvcbot(
        ["places", "migrate-codes"], tmp_path, DVCBOT_DATABASE_URL=url, DVCBOT_UI_LANG="en"
    )
    assert again.returncode == 0 and "already official" in again.stdout
    assert await stored_codes(url) == after, "running it again changes nothing"

    rows = report_rows(tmp_path, url)
    assert set(rows) == {"00082", "00229", "00226", "18562"}
    assert rows["00082"]["name"].startswith("Phường Cửa Nam")
    assert rows["00229"]["name"].startswith("Phường Kim Liên")
    assert rows["00226"]["name"].startswith("Phường Văn Miếu - Quốc Tử Giám")
    responses = next(k for k in rows["00082"] if k.startswith("responses"))
    assert (rows["00082"][responses], rows["00229"][responses]) == ("3", "2")
    if backend == "postgres":
        await factory.drop(url)
