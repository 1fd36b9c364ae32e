"""/thongke and /dashboard in the chat: officers get figures with a chart, others a polite no."""

from __future__ import annotations

from datetime import timedelta

from bot.core import Core
from bot.runtime import render_chart
from handlers.content import Content
from storage import db, stats
from storage.models import utcnow
from tests.support.officers import COMMUNE_A, COMMUNE_B, PROVINCE, answers, person
from tests.support.talk import Talk


def talk_as(sessions: db.SessionFactory, content: Content, user: str) -> Talk:
    core = Core(
        sessions,
        content,
        settings={},
        services={"secret": "s", "base_url": "https://dvc.example", "charts": render_chart},
    )
    return Talk(core, user=user)


async def test_an_officer_reads_the_month_with_interval_weak_communes_and_a_chart(
    sessions: db.SessionFactory, content: Content
) -> None:
    await person(sessions, "prov", "officer", province=PROVINCE)
    await answers(sessions, commune=COMMUNE_A, satisfied=80, unsatisfied=0)
    await answers(sessions, commune=COMMUNE_B, satisfied=10, unsatisfied=10)
    talk = talk_as(sessions, content, "prov")
    [reply] = await talk.say("/thongke")
    assert "Tỷ lệ hài lòng: 90,0%" in reply.text  # 90 of 100
    assert "100 phiếu" in reply.text
    assert "Phường Hải Ninh: 50,0%" in reply.text and "chưa đạt" in reply.text
    assert "Phường Sông Trí:" not in reply.text  # 80/80: even the interval's low end is ≥ 95%
    assert reply.image is not None and reply.image.data.startswith(b"\x89PNG")


async def test_a_month_can_be_asked_for_and_bad_arguments_get_the_usage(
    sessions: db.SessionFactory, content: Content
) -> None:
    await person(sessions, "admin", "admin")
    last_month = stats.month_of(utcnow().replace(day=1) - timedelta(days=1))
    await answers(
        sessions,
        commune=COMMUNE_A,
        satisfied=3,
        unsatisfied=0,
        at=stats.month_range(last_month)[0] + timedelta(days=2),
    )
    talk = talk_as(sessions, content, "admin")
    [reply] = await talk.say(f"/thongke {last_month}")
    assert "100,0%" in reply.text and "3 phiếu" in reply.text
    assert "có nguy cơ" in reply.text  # 3 of 3 cannot prove 95%
    [reply] = await talk.say("/thongke tháng-trước")
    assert "Cách dùng" in reply.text


async def test_a_team_member_sees_only_their_own_commune(
    sessions: db.SessionFactory, content: Content
) -> None:
    await person(sessions, "member", "member", province=PROVINCE, commune=COMMUNE_A)
    await answers(sessions, commune=COMMUNE_A, satisfied=9, unsatisfied=1)
    await answers(sessions, commune=COMMUNE_B, satisfied=0, unsatisfied=10)
    talk = talk_as(sessions, content, "member")
    [reply] = await talk.say("/thongke")
    assert "90,0%" in reply.text and "10 phiếu" in reply.text
    [reply] = await talk.say(f"/thongke {COMMUNE_B}")
    assert "xã/phường mình" in reply.text


async def test_a_citizen_is_told_politely_that_figures_are_for_officers(
    sessions: db.SessionFactory, content: Content
) -> None:
    talk = talk_as(sessions, content, "citizen")
    [reply] = await talk.say("/thongke")
    assert "cán bộ" in reply.text and reply.image is None
    [reply] = await talk.say("/dashboard")
    assert "cán bộ" in reply.text and "http" not in reply.text


async def test_an_officer_gets_a_one_time_dashboard_link(
    sessions: db.SessionFactory, content: Content
) -> None:
    await person(sessions, "off", "officer", province=PROVINCE, commune=COMMUNE_A)
    talk = talk_as(sessions, content, "off")
    [first] = await talk.say("/dashboard")
    [second] = await talk.say("/dashboard")
    assert "https://dvc.example/dashboard/login?t=" in first.text
    assert first.text != second.text
