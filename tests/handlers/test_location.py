"""A citizen says where they live: 2025 units, typed with or without accents, changeable."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from handlers import places
from storage.models import Contact
from tests.support.talk import Talk


def test_the_2025_list_has_34_provinces_and_no_districts() -> None:
    assert len(places.provinces()) == 34
    assert len(places.communes()) > 3000
    assert places.commune("18562").name == "Xã Thạch Hà"
    assert places.commune("18562").province_code == "42"
    assert places.province("42").name == "Hà Tĩnh"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("Hà Tĩnh", "42"), ("ha tinh", "42"), ("HA TINH", "42"), ("tỉnh hà tĩnh", "42"),
     ("tp hcm", "79"), ("sai gon", "79"), ("ha nooi", "01")],
)  # fmt: skip
def test_provinces_are_found_with_or_without_accents_and_small_typos(
    typed: str, expected: str
) -> None:
    assert places.find_provinces(typed)[0].code == expected


def test_communes_are_found_within_the_province() -> None:
    assert [p.name for p in places.find_communes("thach ha", "42")] == ["Xã Thạch Hà"]
    assert places.find_communes("phuong hoan kiem", "01")[0].code == "00070"
    assert places.find_communes("hoan kiem", "42") == []


async def get_contact(sessions) -> Contact:
    async with sessions() as session:
        found = await session.scalar(select(Contact))
    assert found is not None
    return found


async def test_the_place_is_chosen_from_the_menu_confirmed_and_changed(
    talk: Talk, sessions
) -> None:
    await talk.say("/start")
    await talk.press_label("Xã/phường")
    await talk.say("khong co tinh nay")
    assert "không tìm thấy" in talk.text()
    await talk.say("ha tinh")
    await talk.press_label("Hà Tĩnh")
    await talk.say("thach ha")
    await talk.press_label("Xã Thạch Hà")
    assert "Đã lưu: Xã Thạch Hà, Hà Tĩnh" in talk.text()
    contact = await get_contact(sessions)
    assert (contact.province_code, contact.commune_code) == ("42", "18562")

    await talk.say("/noio")
    assert "Xã Thạch Hà" in talk.text(), "the current place is shown before changing it"
    await talk.say("Hà Nội")
    await talk.press_label("Hà Nội")
    await talk.say("hoàn kiếm")
    await talk.press_label("Hoàn Kiếm")
    contact = await get_contact(sessions)
    assert (contact.province_code, contact.commune_code) == ("01", "00070")


async def test_skipping_the_place_keeps_nothing_and_returns_to_the_menu(
    talk: Talk, sessions
) -> None:
    await talk.press("loc")
    await talk.press_label("Bỏ qua")
    assert "lúc khác" in talk.text() or "sau" in talk.text()
    contact = await get_contact(sessions)
    assert contact.commune_code is None


def labels(talk: Talk) -> list[str]:
    return [b.label for r in talk.last for b in r.buttons if b.payload != "loc:skip"]


async def test_a_former_district_offers_the_communes_it_became(talk: Talk, sessions) -> None:
    await talk.say("/noio")
    await talk.say("Can Lộc")
    text = talk.text()
    assert "Huyện Can Lộc (cũ, Tỉnh Hà Tĩnh)" in text
    expected = ["Xã Can Lộc", "Xã Tùng Lộc", "Xã Gia Hanh", "Xã Trường Lưu", "Xã Xuân Lộc"]
    assert set(expected) | {"Xã Đồng Lộc"} == set(labels(talk))
    await talk.press_label("Trường Lưu")
    assert "Đã lưu: Xã Trường Lưu, Hà Tĩnh" in talk.text()
    contact = await get_contact(sessions)
    assert contact.province_code == "42"
    assert places.commune(contact.commune_code).name == "Xã Trường Lưu"


@pytest.mark.parametrize(
    ("typed", "said", "offered"),
    [
        ("xã Thạch Hương cũ",
         "Xã Thạch Hương (cũ, sau nhập vào Xã Tân Lâm Hương, Thành phố Hà Tĩnh, Tỉnh Hà Tĩnh)"
         " nay thuộc Phường Hà Huy Tập, Hà Tĩnh.", "Phường Hà Huy Tập"),
        ("thị xã Cửa Lò", "Thị xã Cửa Lò (cũ, sau nhập vào Thành phố Vinh, Tỉnh Nghệ An)",
         "Phường Cửa Lò"),
        ("Quảng Bình", "Tỉnh Quảng Bình (cũ) nay thuộc Quảng Trị", "Quảng Trị"),
    ],
)  # fmt: skip
async def test_names_from_before_the_2025_merger_lead_to_the_new_units(
    talk: Talk, typed: str, said: str, offered: str
) -> None:
    await talk.say("/noio")
    await talk.say(typed)
    assert said in talk.text()
    assert offered in labels(talk)


async def test_a_former_commune_typed_in_its_province_shows_where_it_went(talk: Talk) -> None:
    await talk.say("/noio")
    await talk.say("ha tinh")
    await talk.press_label("Hà Tĩnh")
    await talk.say("Thường Nga")
    assert "Xã Thường Nga (cũ, Huyện Can Lộc, Tỉnh Hà Tĩnh) nay thuộc Xã Trường Lưu" in talk.text()
    assert labels(talk)[0] == "Xã Trường Lưu"
    await talk.say("thach ha")  # today's commune first, then the former district's communes
    assert labels(talk)[0] == "Xã Thạch Hà"
    assert "Huyện Thạch Hà (cũ, Tỉnh Hà Tĩnh) nay thuộc các xã/phường: " in talk.text()
    await talk.say("Tùng Lộc")  # a commune that kept its name gets no note
    assert labels(talk) == ["Xã Tùng Lộc"] and "(cũ" not in talk.text()


async def test_the_surveys_place_question_takes_a_former_district_too(talk: Talk, sessions) -> None:
    await talk.say("/danhgia")
    await talk.press_label("🙂 Hài lòng")
    assert "tỉnh/thành phố" in talk.text()
    await talk.say("huyện Can Lộc")
    assert "Huyện Can Lộc (cũ, Tỉnh Hà Tĩnh) nay thuộc các xã/phường" in talk.text()
    await talk.press_label("Xã Xuân Lộc")
    assert "Đã lưu: Xã Xuân Lộc, Hà Tĩnh" in talk.text()
    assert "Câu 2/" in talk.text(), "the survey goes on with its next question"
    contact = await get_contact(sessions)
    assert places.commune(contact.commune_code).name == "Xã Xuân Lộc"
