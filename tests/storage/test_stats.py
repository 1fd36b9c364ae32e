"""Satisfaction rates, Wilson intervals, the funnel and content gaps, against references."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from statistics import NormalDist

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from storage import events, stats, surveys
from storage.events import EventKind
from storage.models import Contact, OutreachEvent, SurveyResponse

Z = NormalDist().inv_cdf(0.975)


def reference_wilson(successes: int, n: int, z: float = Z) -> tuple[float, float]:
    """The bounds p0 where the score test is exactly at z: roots of a quadratic in p0.

    (p̂ − p0)² · n = z² · p0 · (1 − p0)  ⇔  (n + z²)p0² − (2np̂ + z²)p0 + np̂² = 0
    """
    p = successes / n
    a = n + z * z
    b = -(2 * n * p + z * z)
    c = n * p * p
    root = math.sqrt(b * b - 4 * a * c)
    return (-b - root) / (2 * a), (-b + root) / (2 * a)


@given(
    st.integers(min_value=1, max_value=100_000).flatmap(
        lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
    )
)
def test_wilson_matches_the_closed_form_roots_of_the_score_test(case: tuple[int, int]) -> None:
    successes, n = case
    low, high = stats.wilson(successes, n, Z)
    ref_low, ref_high = reference_wilson(successes, n)
    assert low == pytest.approx(ref_low, abs=1e-9)
    assert high == pytest.approx(ref_high, abs=1e-9)
    assert 0.0 <= low <= successes / n <= high <= 1.0


def test_the_default_z_is_the_two_sided_95_percent_quantile() -> None:
    assert abs(stats.Z95 - Z) < 1e-6


def test_wilson_of_19_out_of_20_is_the_textbook_interval() -> None:
    low, high = stats.wilson(19, 20)
    assert (round(low, 4), round(high, 4)) == (0.7639, 0.9911)


def test_wilson_refuses_impossible_counts_and_is_uninformative_without_data() -> None:
    with pytest.raises(ValueError):
        stats.wilson(3, 2)
    assert stats.wilson(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize(
    ("satisfied", "n", "status"),
    [
        (0, 0, "no_data"),
        (19, 20, "at_risk"),  # 95% but the interval reaches down to 76%
        (990, 1000, "ok"),  # lower bound 98.2%
        (5, 10, "below"),  # upper bound 76%
        (7, 7, "at_risk"),  # 100% of seven answers proves little
    ],
)
def test_a_unit_is_below_target_only_when_the_whole_interval_is(
    satisfied: int, n: int, status: str
) -> None:
    assert stats.Rate.of(satisfied, n, 0.95).status == status


def test_month_boundaries_are_vietnam_midnights() -> None:
    start, end = stats.month_range("2026-11")
    assert start == datetime(2026, 10, 31, 17, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    assert stats.month_of(datetime(2026, 10, 31, 17, 30, tzinfo=UTC)) == "2026-11"
    with pytest.raises(ValueError):
        stats.month_range("11/2026")


NOV = stats.month_range("2026-11")
answer = st.tuples(
    st.sampled_from(["00001", "00004", None]),  # commune
    st.booleans(),  # satisfied
    st.booleans(),  # complete
    st.integers(min_value=-3, max_value=33),  # day offset from 1 Nov (outside = other months)
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(answer, max_size=30))
async def test_rates_per_commune_match_a_count_by_hand(sessions, answers) -> None:
    async with sessions() as session, session.begin():
        await session.execute(delete(SurveyResponse))
        await session.execute(delete(Contact))
        for i, (commune, satisfied, complete, day) in enumerate(answers):
            person = Contact(channel="console", platform_user_id=f"u{i}", chat_id=f"u{i}")
            session.add(person)
            await session.flush()
            at = NOV[0] + timedelta(days=day, hours=1)
            response = await surveys.start(
                session,
                person,
                survey_id="hai-long",
                survey_version="1",
                commune_code=commune,
                at=at,
            )
            if complete:
                await surveys.complete(
                    session, response, satisfied=satisfied, repeat_period=timedelta(days=30), at=at
                )
    expected: dict[str | None, list[int]] = {}
    for commune, satisfied, complete, day in answers:
        at = NOV[0] + timedelta(days=day, hours=1)
        if complete and NOV[0] <= at < NOV[1]:
            counts = expected.setdefault(commune, [0, 0])
            counts[0] += 1
            counts[1] += int(satisfied)
    async with sessions() as session:
        rows = await stats.satisfaction(session, start=NOV[0], end=NOV[1], by=["commune"])
        total = await stats.satisfaction(session, start=NOV[0], end=NOV[1])
    got = {r.keys["commune"]: [r.rate.responses, r.rate.satisfied] for r in rows}
    assert got == expected
    for row in rows:
        n, s = expected[row.keys["commune"]]
        assert row.rate.rate == pytest.approx(s / n)
        low, high = reference_wilson(s, n)
        assert (row.rate.low, row.rate.high) == (pytest.approx(low), pytest.approx(high))
    assert total[0].rate.responses == sum(n for n, _ in expected.values())


async def test_a_repeated_answer_for_the_same_procedure_counts_once_the_latest(sessions) -> None:
    at = NOV[0] + timedelta(days=2)
    async with sessions() as session, session.begin():
        person = Contact(channel="console", platform_user_id="u", chat_id="u")
        session.add(person)
        await session.flush()
        for offset, satisfied, procedure in [
            (0, False, "1.001"),
            (5, True, "1.001"),
            (6, False, "2.002"),
            (40, True, "1.001"),
        ]:
            response = await surveys.start(
                session, person, survey_id="s", survey_version="1", procedure_code=procedure
            )
            when = at + timedelta(days=offset)
            await surveys.complete(
                session, response, satisfied=satisfied, repeat_period=timedelta(days=30), at=when
            )
            assert not await surveys.complete(
                session, response, satisfied=not satisfied, repeat_period=timedelta(days=30)
            )
    async with sessions() as session:
        rows = await stats.satisfaction(
            session, start=NOV[0], end=NOV[1] + timedelta(days=60), by=["procedure"]
        )
    # 1.001: day 5 replaces day 0; day 40 comes 35 days after day 5, so both count.
    assert {r.keys["procedure"]: (r.rate.responses, r.rate.satisfied) for r in rows} == {
        "1.001": (2, 2),
        "2.002": (1, 0),
    }


async def test_breakdowns_by_month_team_and_channel_use_vietnam_months(sessions) -> None:
    async with sessions() as session, session.begin():
        person = Contact(channel="zalo", platform_user_id="u", chat_id="u")
        session.add(person)
        await session.flush()
        # 16:59 UTC on 31 Oct is 23:59 in Vietnam (October); 17:01 UTC is already November.
        for minute, procedure in [(59, "a"), (61, "b")]:
            response = await surveys.start(
                session, person, survey_id="s", survey_version="1", procedure_code=procedure
            )
            when = datetime(2026, 10, 31, 16, 0, tzinfo=UTC) + timedelta(minutes=minute)
            await surveys.complete(
                session, response, satisfied=True, repeat_period=timedelta(0), at=when
            )
    async with sessions() as session:
        start, _ = stats.month_range("2026-10")
        _, end = stats.month_range("2026-11")
        rows = await stats.satisfaction(session, start=start, end=end, by=["month", "channel"])
        only_nov = await stats.satisfaction(
            session, start=start, end=end, filters={"month": "2026-11"}, by=["procedure"]
        )
        with pytest.raises(ValueError):
            await stats.satisfaction(session, start=start, end=end, by=["district"])
    assert [(r.keys["month"], r.keys["channel"], r.rate.responses) for r in rows] == [
        ("2026-10", "zalo", 1),
        ("2026-11", "zalo", 1),
    ]
    assert [r.keys["procedure"] for r in only_nov] == ["b"]


async def test_the_funnel_counts_each_person_once_at_their_furthest_stage(sessions) -> None:
    at = NOV[0] + timedelta(days=3)
    journeys = {
        "a": [EventKind.FIRST_CONTACT],
        "b": [EventKind.FIRST_CONTACT, EventKind.GUIDE_STARTED],
        "c": [EventKind.GUIDE_STARTED, EventKind.GUIDE_COMPLETED, EventKind.GUIDE_COMPLETED],
        "d": [EventKind.SEARCH_ANSWERED, EventKind.SURVEY_STARTED, EventKind.SURVEY_COMPLETED],
        "e": [EventKind.SURVEY_COMPLETED],
    }
    async with sessions() as session, session.begin():
        for name, kinds in journeys.items():
            person = Contact(
                channel="console", platform_user_id=name, chat_id=name, commune_code="00004"
            )
            session.add(person)
            await session.flush()
            for kind in kinds:
                detail = "satisfied" if name == "e" else None
                await events.record(session, kind, person, detail=detail, at=at)
        await events.record(session, EventKind.FIRST_CONTACT, None, at=at)  # nobody: ignored
    async with sessions() as session:
        rows = await stats.funnel(session, start=NOV[0], end=NOV[1], by=["commune"])
        empty = await stats.funnel(session, start=NOV[1], end=NOV[1] + timedelta(days=1))
    assert [(r.reached, r.engaged, r.guided, r.surveyed, r.satisfied) for r in rows] == [
        (5, 4, 3, 2, 1)
    ]
    assert rows[0].keys == {"commune": "00004"}
    assert (empty[0].reached, empty[0].keys) == (0, {})


async def test_content_gaps_are_the_most_asked_unanswered_questions(sessions) -> None:
    at = NOV[0] + timedelta(days=1)
    async with sessions() as session, session.begin():
        for i, query in enumerate(["cap lai so do", "xin giay phep ban ruou", "cap lai so do"]):
            await events.record(
                session,
                EventKind.SEARCH_UNANSWERED,
                None,
                channel="web",
                detail=query,
                at=at + timedelta(hours=i),
            )
        await events.record(session, EventKind.SEARCH_ANSWERED, None, detail="vneid", at=at)
    async with sessions() as session:
        gaps = await stats.unanswered(session, start=NOV[0], end=NOV[1])
        web_only = await stats.unanswered(
            session, start=NOV[0], end=NOV[1], filters={"channel": "zalo"}
        )
    assert [(g.query, g.count) for g in gaps] == [
        ("cap lai so do", 2),
        ("xin giay phep ban ruou", 1),
    ]
    assert gaps[0].first_seen == at and gaps[0].last_seen == at + timedelta(hours=2)
    assert web_only == []
    async with sessions() as session, session.begin():
        await session.execute(delete(OutreachEvent))


def test_a_period_splits_into_vietnam_months_clipped_to_it() -> None:
    start = datetime(2026, 10, 15, tzinfo=UTC)
    end = datetime(2026, 12, 2, tzinfo=UTC)
    months = stats.months_between(start, end)
    assert [name for name, _ in months] == ["2026-10", "2026-11", "2026-12"]
    assert months[0][1] == (start, stats.month_range("2026-10")[1])
    assert months[-1][1] == (stats.month_range("2026-12")[0], end)
    assert stats.months_between(end, start) == []
