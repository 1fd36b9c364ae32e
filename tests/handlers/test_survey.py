"""A citizen rates the service: the survey through the real core, double taps and stale buttons."""

from __future__ import annotations

from sqlalchemy import func, select

from handlers.questionnaire import SKIPPED
from storage.models import Contact, OutreachEvent, SurveyResponse
from tests.support.talk import Talk


async def responses(sessions) -> list[SurveyResponse]:
    async with sessions() as session:
        return list(
            (await session.scalars(select(SurveyResponse).order_by(SurveyResponse.id))).all()
        )


def payload_of(talk: Talk, label_part: str) -> str:
    for reply in reversed(talk.last):
        for button in reply.buttons:
            if label_part.lower() in button.label.lower() and button.payload:
                return button.payload
    raise AssertionError(f"no button {label_part!r} in {talk.text()!r}")


async def answer_all(talk: Talk, rating: str = "Rất hài lòng") -> None:
    """Rate, skip the place, then skip or finish every optional question."""
    await talk.press_label(rating)
    await talk.press_label("Bỏ qua")  # the place question
    for _ in range(6):
        if "Cảm ơn bạn đã đánh giá" in talk.text():
            return
        await talk.press_label("Bỏ qua")
    raise AssertionError(talk.text())


async def test_danhgia_walks_through_the_default_survey_and_records_one_response(
    talk: Talk, sessions
) -> None:
    await talk.say("/start")
    await talk.say("/danhgia")
    assert "Câu 1/" in talk.text() and "hài lòng" in talk.text()
    await talk.press_label("🙂 Hài lòng")
    assert "tỉnh/thành phố" in talk.text()
    await talk.say("ha tinh")
    await talk.press_label("Hà Tĩnh")
    await talk.say("thach ha")
    await talk.press_label("Thạch Hà")
    assert "Đã lưu: Xã Thạch Hà" in talk.text()
    await talk.say("khai sinh")  # the procedure question: candidates from the catalogue
    assert "Đăng ký khai sinh" in talk.text()
    await talk.press_label("Bỏ qua")
    await talk.press_label("Hoàn toàn trên mạng")
    await talk.press_label("VNeID")
    await talk.press_label("Khó khăn khác")
    assert "✅ Đăng nhập bằng VNeID" in talk.text()
    await talk.press_label("Xong")
    await talk.say("Không nhận được mã OTP")
    await talk.say("Nên có hướng dẫn bằng video")
    assert "Cảm ơn bạn đã đánh giá" in talk.text()
    [row] = await responses(sessions)
    assert (row.status, row.satisfied, row.counted) == ("complete", True, True)
    assert (row.province_code, row.commune_code) == ("42", "18562")
    assert row.answers["problems"] == ["vneid", "khac"]
    assert row.answers["problems_other"] == "Không nhận được mã OTP"
    assert row.answers["method"] == "toan-trinh" and row.answers["procedure"] is None
    async with sessions() as session:
        kinds = (await session.scalars(select(OutreachEvent.kind))).all()
        contact = await session.scalar(select(Contact))
    assert "survey_started" in kinds and "survey_completed" in kinds
    assert contact.commune_code == "18562", "the place is kept on the contact"


async def test_a_double_tap_or_a_redelivered_press_never_counts_twice(talk: Talk, sessions) -> None:
    await talk.say("/danhgia")
    rating = payload_of(talk, "Không hài lòng")
    await talk.press(rating, message_id="tap-1")
    assert await talk.press(rating, message_id="tap-1") == []  # re-delivered update
    await talk.press(rating, message_id="tap-2")  # a second tap on the same button
    assert "đã ghi nhận rồi" in talk.text()
    await talk.press_label("Bỏ qua")  # place
    skip = payload_of(talk, "Bỏ qua")  # the procedure
    for _ in range(5):
        if "Cảm ơn bạn đã đánh giá" in talk.text():
            break
        skip = payload_of(talk, "Bỏ qua")
        await talk.press(skip)
    await talk.press(skip)  # a double tap on the last answer
    assert "đã gửi rồi" in talk.text()
    [row] = await responses(sessions)
    assert (row.status, row.satisfied, row.answers["overall"]) == (
        "complete",
        False,
        "khong-hai-long",
    )
    async with sessions() as session:
        completed = await session.scalar(
            select(func.count()).where(OutreachEvent.kind == "survey_completed")
        )
    assert completed == 1


async def test_multiple_choice_ticks_ignore_a_double_tap(talk: Talk, sessions) -> None:
    await talk.say("/danhgia")
    await talk.press_label("Rất hài lòng")
    await talk.press_label("Bỏ qua")  # place
    await talk.press_label("Bỏ qua")  # procedure
    await talk.press_label("Một phần")
    tick = payload_of(talk, "Thanh toán")
    await talk.press(tick)
    await talk.press(tick)  # the same old button again: would untick if it were a toggle
    await talk.press_label("Xong")
    [row] = await responses(sessions)
    assert row.answers["problems"] == ["thanh-toan"]


async def test_a_button_from_an_earlier_survey_changes_nothing(talk: Talk, sessions) -> None:
    await talk.say("/danhgia")
    old_rating = payload_of(talk, "Rất hài lòng")
    await answer_all(talk)
    await talk.say("/danhgia")
    await talk.press(old_rating)
    assert "đã gửi rồi" in talk.text()
    await talk.say("/huy")
    rows = await responses(sessions)
    assert [(r.status, r.satisfied) for r in rows] == [("complete", True), ("incomplete", None)]


async def test_leaving_and_continuing_later_or_restarting(talk: Talk, sessions) -> None:
    await talk.say("/danhgia")
    first_question = payload_of(talk, "Bình thường")
    await talk.press_label("🙂 Hài lòng")
    await talk.say("/menu")  # leaves in the middle
    await talk.say("/danhgia")
    assert "làm dở" in talk.text()
    await talk.press_label("Làm tiếp")
    assert "tỉnh/thành phố" in talk.text() or "Câu" in talk.text()
    await talk.say("/danhgia")
    await talk.press_label("Làm lại")
    restart_again = payload_of(talk, "Rất hài lòng")
    await talk.press(first_question)  # a button of the abandoned response
    assert "phiếu đánh giá cũ" in talk.text()
    await talk.press(restart_again)
    rows = await responses(sessions)
    assert [r.status for r in rows] == ["incomplete", "incomplete"]
    assert rows[0].answers == {"overall": "hai-long", "_location": "asked"}
    assert rows[1].answers["overall"] == "rat-hai-long"


async def test_a_qr_code_link_knows_the_commune_and_the_procedure(talk: Talk, sessions) -> None:
    await talk.say("/start ks_18562_1-001612")
    assert "Câu 1/" in talk.text()
    await talk.press_label("Rất hài lòng")
    assert "tỉnh/thành phố" not in talk.text(), "the place came with the link"
    rows = await responses(sessions)
    assert (rows[0].commune_code, rows[0].province_code) == ("18562", "42")
    assert rows[0].procedure_code == "1.001612"
    assert rows[0].answers["procedure"] == "1.001612"


async def test_a_qr_code_printed_with_a_pre_official_code_counts_for_the_official_one(
    talk: Talk, sessions
) -> None:
    await talk.say("/start ks_00073")  # Phường Cửa Nam before the official list (now 00082)
    await talk.press_label("Rất hài lòng")
    assert "tỉnh/thành phố" not in talk.text()
    rows = await responses(sessions)
    assert (rows[0].commune_code, rows[0].province_code) == ("00082", "01")


async def test_rate_buttons_on_cards_and_guides_start_the_survey(talk: Talk, content) -> None:
    await talk.press("rate:2.000528")
    assert "Câu 1/" in talk.text()
    await talk.say("/huy")
    guide = content.guides["vneid-muc-2"]
    await talk.press(f"guide:vneid-muc-2:{len(guide.steps)}")
    await talk.press_label("Đánh giá")
    assert "làm dở" in talk.text()


async def test_the_3_level_variant_and_typed_option_labels(talk: Talk, sessions) -> None:
    await talk.say("/danhgia hai-long-3-muc")
    labels = [b.label for b in talk.last[-1].buttons if b.payload.startswith("sv:")]
    assert labels == ["😍 Rất hài lòng", "🙂 Hài lòng", "🙁 Không hài lòng"]
    await talk.say("khong hai long")
    await talk.press_label("Bỏ qua")  # place
    await talk.press_label("Bỏ qua")  # procedure
    await talk.say("1")  # typed on the comment question: its only button, [1] Bỏ qua
    [row] = await responses(sessions)
    assert (row.survey_id, row.status, row.satisfied) == ("hai-long-3-muc", "complete", False)
    assert row.answers["comment"] == SKIPPED, "a button's number is never saved as a comment"


async def test_two_instances_serving_the_same_double_tap_finish_once(sessions, content) -> None:
    import asyncio

    from bot.core import Core
    from handlers.types import Incoming

    first, second = Core(sessions, content), Core(sessions, content)
    talk = Talk(first)
    await talk.say("/danhgia hai-long-3-muc")
    await talk.press_label("Rất hài lòng")
    await talk.press_label("Bỏ qua")  # place
    await talk.press_label("Bỏ qua")  # procedure
    last = payload_of(talk, "Bỏ qua")  # the comment: the answer that finishes the survey
    presses = [
        Incoming("console", talk.user, talk.user, payload=last, message_id=f"tap-{i}")
        for i in range(2)
    ]
    await asyncio.gather(first.handle(presses[0]), second.handle(presses[1]))
    [row] = await responses(sessions)
    assert (row.status, row.counted) == ("complete", True)
    async with sessions() as session:
        completed = await session.scalar(
            select(func.count()).where(OutreachEvent.kind == "survey_completed")
        )
    assert completed == 1


async def test_answering_again_for_the_same_procedure_counts_only_the_latest(
    talk: Talk, sessions
) -> None:
    for rating in ("Rất không hài lòng", "Rất hài lòng"):
        await talk.press("rate:2.000528")
        await answer_all(talk, rating)
    await talk.press("rate:1.001612")
    await answer_all(talk, "Rất không hài lòng")
    rows = await responses(sessions)
    assert [(r.procedure_code, r.satisfied, r.counted) for r in rows] == [
        ("2.000528", False, False),
        ("2.000528", True, True),
        ("1.001612", False, True),
    ]


async def test_the_previous_question_can_be_answered_again(talk: Talk, sessions) -> None:
    await talk.say("/danhgia hai-long-3-muc")
    assert not any("Câu trước" in b.label for b in talk.last[-1].buttons), "nothing before"
    await talk.press_label("Rất hài lòng")
    await talk.press_label("Bỏ qua")  # place
    await talk.press_label("Câu trước")  # from the procedure question back to the rating
    assert "Rất hài lòng" in talk.text() and "chọn lại" in talk.text()
    await talk.press_label("Không hài lòng")
    await talk.press_label("Bỏ qua")  # procedure
    await talk.say("ôi tôi bấm nhầm, muốn sửa lại")  # typed at the comment: back, not a comment
    await talk.press_label("Bỏ qua")  # procedure again
    await talk.say("Cán bộ nhiệt tình")
    [row] = await responses(sessions)
    assert row.status == "complete" and row.satisfied is False
    assert row.answers["comment"] == "Cán bộ nhiệt tình"
