"""`dvcbot demo seed`, `report --format xlsx` and `demo clear`, as operators run them."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import func, select

from storage import db, stats
from storage.models import (
    Broadcast,
    Contact,
    Delivery,
    OutreachEvent,
    OutreachSession,
    SurveyResponse,
    Team,
)
from tests.support.process import run_dvcbot


async def _counts(url: str) -> dict[str, int]:
    engine = db.create_engine(url)
    out = {}
    async with engine.connect() as conn:
        for name, model in (
            ("contacts", Contact),
            ("responses", SurveyResponse),
            ("events", OutreachEvent),
            ("teams", Team),
            ("broadcasts", Broadcast),
            ("deliveries", Delivery),
            ("field_sessions", OutreachSession),
        ):
            out[name] = int(await conn.scalar(select(func.count()).select_from(model)) or 0)
        out["satisfied"] = int(
            await conn.scalar(
                select(func.count())
                .select_from(SurveyResponse)
                .where(SurveyResponse.satisfied.is_(True), SurveyResponse.counted.is_(True))
            )
            or 0
        )
    await engine.dispose()
    return out


async def _latest_month(url: str) -> str:
    """The month of the newest seeded response: the seed ends at the month it runs in."""
    engine = db.create_engine(url)
    async with engine.connect() as conn:
        latest = await conn.scalar(select(func.max(SurveyResponse.completed_at)))
    await engine.dispose()
    assert latest is not None
    return stats.month_of(latest)


async def _month(url: str, month: str) -> tuple[int, int]:
    start, end = stats.month_range(month)
    engine = db.create_engine(url)
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(SurveyResponse.satisfied).where(
                    SurveyResponse.counted.is_(True),
                    SurveyResponse.completed_at >= start,
                    SurveyResponse.completed_at < end,
                )
            )
        ).all()
    await engine.dispose()
    return len(rows), sum(1 for (satisfied,) in rows if satisfied)


def test_demo_seed_report_and_clear(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'dvcbot.db'}"
    assert run_dvcbot(["chat", "--user", "real-person"], tmp_path, stdin="/start\n").returncode == 0
    seeded = run_dvcbot(
        ["demo", "seed", "--months", "2", "--communes", "3", "--random-seed", "7"], tmp_path
    )
    assert seeded.returncode == 0, seeded.stderr
    assert "3 xã/phường, 2 tháng" in seeded.stdout
    again = run_dvcbot(["demo", "seed"], tmp_path)
    assert again.returncode == 1 and "dvcbot demo clear" in again.stderr
    counts = asyncio.run(_counts(url))
    assert counts["teams"] == 3 and counts["responses"] > 0
    assert counts["broadcasts"] == 6 and counts["field_sessions"] > 0

    month = asyncio.run(_latest_month(url))  # the data's month, not the machine's
    report = run_dvcbot(["report", "--format", "xlsx", "--month", month, "-o", "r.xlsx"], tmp_path)
    assert report.returncode == 0, report.stderr
    book = load_workbook(io.BytesIO((tmp_path / "r.xlsx").read_bytes()))
    overall = book.worksheets[0]
    header = [c.value for c in overall[1]]
    row = dict(zip(header, (c.value for c in overall[2]), strict=True))
    expected = asyncio.run(_month(url, month))
    assert (row["số phiếu"], row["hài lòng"]) == expected
    assert overall.cell(2, 4).number_format == "0.0%"  # month, responses, satisfied, rate
    # overall, 4 breakdowns, funnel, gaps, responses, questions to officers, definitions
    assert len(book.sheetnames) == 10
    assert "Hỏi cán bộ (hỗ trợ trực tiếp)" in book.sheetnames

    cleared = run_dvcbot(["demo", "clear"], tmp_path)
    assert cleared.returncode == 0, cleared.stderr
    after = asyncio.run(_counts(url))
    assert after == {
        "contacts": 1,
        "responses": 0,
        "events": 1,
        "teams": 0,
        "broadcasts": 0,
        "deliveries": 0,
        "field_sessions": 0,
        "satisfied": 0,
    }  # only the real person's contact and first-contact event remain
