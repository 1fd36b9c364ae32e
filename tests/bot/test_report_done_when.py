"""Done when: 20 people answer (19 satisfied), the CSV report shows 20 responses, 95.0% and its
interval; a double tap changes nothing; /xoadulieu keeps the figure and removes the person."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sqlalchemy import MetaData, select

from bot.core import Core
from storage import db, stats
from storage.models import Contact
from tests.support.process import run_dvcbot
from tests.support.talk import Talk


async def rate(core: Core, user: str, label: str) -> Talk:
    talk = Talk(core, user=user)
    await talk.say("/danhgia")
    await talk.press_label(label)
    await talk.press_label("Bỏ qua")  # the place
    while "Cảm ơn bạn đã đánh giá" not in talk.text():
        await talk.press_label("Bỏ qua")
    return talk


def total_row(workdir: Path, url: str) -> dict[str, str]:
    month = stats.month_of(stats.datetime.now(stats.UTC))
    result = run_dvcbot(
        ["report", "--month", month, "--format", "csv"],
        workdir,
        DVCBOT_DATABASE_URL=url,
        DVCBOT_UI_LANG="en",
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    return next(r for r in rows if r["breakdown"] == "total")


async def everything_stored(url: str) -> str:
    engine = db.create_engine(url)
    async with engine.connect() as conn:
        meta = MetaData()
        await conn.run_sync(meta.reflect)
        dump = []
        for table in meta.sorted_tables:
            dump += [repr(tuple(row)) for row in (await conn.execute(select(table))).all()]
    await engine.dispose()
    return "\n".join(dump)


async def test_twenty_people_give_95_percent_with_its_interval(
    core: Core, sessions, database_url: str, tmp_path: Path
) -> None:
    # One person through the real `dvcbot chat` pipe: typed numbers press the buttons.
    piped = run_dvcbot(
        ["chat", "--user", "piped-citizen"],
        tmp_path,
        # rating 1 (Rất hài lòng), skip the place, the procedure, the method (4), the
        # problems (8), and type "bỏ qua" for the comment.
        stdin="/danhgia\n1\n1\n1\n4\n8\nbỏ qua\n",
        DVCBOT_DATABASE_URL=database_url,
    )
    assert piped.returncode == 0, piped.stderr
    talks = [await rate(core, f"citizen-{i}", "Rất hài lòng") for i in range(18)]
    unhappy = await rate(core, "citizen-unhappy", "Rất không hài lòng")
    async with sessions() as session:
        start, end = stats.month_range(stats.month_of(stats.datetime.now(stats.UTC)))
        [overall] = await stats.satisfaction(session, start=start, end=end)
    assert (overall.rate.responses, overall.rate.satisfied) == (20, 19), piped.stdout

    before = total_row(tmp_path, database_url)
    assert (before["responses"], before["satisfied"], before["rate"]) == ("20", "19", "95.0%")
    assert (before["95% low"], before["95% high"]) == ("76.4%", "99.1%")
    assert before["status"] == "at risk"

    # A double tap on an answer already given, and on the finished survey's last button.
    old = talks[0]
    await old.press(old.last[0].buttons[0].payload or "")
    await unhappy.say("/danhgia")
    await unhappy.press_label("Rất hài lòng")
    await unhappy.say("/huy")  # an unfinished second survey does not count either
    assert total_row(tmp_path, database_url) == before

    await unhappy.say("/xoadulieu")
    await unhappy.press_label("Xoá dữ liệu")
    assert "Đã xoá" in unhappy.text()
    assert total_row(tmp_path, database_url) == before
    async with sessions() as session:
        gone = await session.scalar(
            select(Contact).where(Contact.platform_user_id == "citizen-unhappy")
        )
    assert gone is None
    assert "citizen-unhappy" not in await everything_stored(database_url)
    assert "citizen-1" in await everything_stored(database_url)  # the check can see ids
