"""The per-response export shows pseudonymous ids only and leaves typed answers out."""

from __future__ import annotations

from bot.i18n import _
from bot.reports.responses import responses_table
from storage import stats
from storage.pseudonym import pseudonym
from tests.support.talk import Talk


async def test_responses_carry_pseudonyms_never_ids_names_or_comments(
    talk: Talk, sessions, content
) -> None:
    await talk.say("/danhgia hai-long-3-muc")
    await talk.press_label("Rất hài lòng")
    await talk.press_label("Bỏ qua")  # place
    await talk.press_label("Bỏ qua")  # procedure
    await talk.say("Tôi là Nguyễn Văn A, số 0912345678")
    start, end = stats.month_range(stats.month_of(stats.datetime.now(stats.UTC)))
    catalogue = content.extra["surveys"]
    async with sessions() as session:
        table = await responses_table(
            session, start=start, end=end, secret="s3cret", catalogue=catalogue
        )
    [row] = table.rows
    assert row[0] == pseudonym("s3cret", 1, "survey-export")
    assert row[-1] == "overall=rat-hai-long"
    flat = repr(table.rows)
    assert "citizen-1" not in flat and "0912345678" not in flat

    await talk.say("/xoadulieu")
    await talk.press_label("Xoá dữ liệu")
    async with sessions() as session:
        table = await responses_table(
            session, start=start, end=end, secret="s3cret", catalogue=catalogue
        )
    assert table.rows[0][0] == _("(erased)")
