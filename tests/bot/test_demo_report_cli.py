"""`dvcbot demo seed`, `report --format xlsx` and `demo clear`, as operators run them."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import func, select

from storage import db
from storage.models import Contact, OutreachEvent, SurveyResponse, Team
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

    report = run_dvcbot(["report", "--format", "xlsx", "--months", "2", "-o", "r.xlsx"], tmp_path)
    assert report.returncode == 0, report.stderr
    book = load_workbook(io.BytesIO((tmp_path / "r.xlsx").read_bytes()))
    by_month = book["Mức độ hài lòng theo tháng"]
    header = [c.value for c in by_month[1]]
    rows = [
        dict(zip(header, (c.value for c in row), strict=True))
        for row in by_month.iter_rows(min_row=2)
        if row[0].value
    ]
    assert sum(r["số phiếu"] for r in rows) == counts["responses"]
    assert sum(r["hài lòng"] for r in rows) == counts["satisfied"]
    assert by_month.cell(2, header.index("tỷ lệ hài lòng") + 1).number_format == "0.0%"

    cleared = run_dvcbot(["demo", "clear"], tmp_path)
    assert cleared.returncode == 0, cleared.stderr
    after = asyncio.run(_counts(url))
    assert after == {"contacts": 1, "responses": 0, "events": 1, "teams": 0, "satisfied": 0}
