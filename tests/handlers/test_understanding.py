"""Chat as citizens type it: shorthand, keyboard leftovers, fillers, follow-ups, small talk."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.content import Content
from handlers.english import english_of, looks_english
from handlers.text import words as words_of
from handlers.understanding import (
    ChatWords,
    aspect_of,
    chat_words_of,
    marked_words,
    marks_of,
    repair,
    small_talk_of,
    tokens,
    without_fillers,
)


@pytest.fixture(scope="module")
def chat(content: Content) -> ChatWords:
    return chat_words_of(content)


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("ddang ky khai sinhf", "dang ki khai sinh"),
        ("dangw kys tamj tru", "dang ki tam tru"),
        ("dang2 ky1 thuong2 tru1", "dang ki thuong tru"),
        ("khái sinh", "khai sinh"),
        ("giay fep lai xe", "giay phep lai xe"),
        ("quên mk vneid", "quen mat khau vneid"),
        ("doi sdt", "doi so dien thoai"),
        ("tk dvc ko dc", "tai khoan dvc khong duoc"),
        ("hông có tiền", "khong co tien"),  # said in the South
        ("coi hồ sơ tới đâu", "xem ho so toi dau"),
        ("quên mk vneid", "quen mat khau vneid"),
        ("cho mk hỏi đổi mk", "cho minh hoi doi mat khau"),  # mk: mình beside "cho … hỏi"
        ("con 15t làm cccd", "con 15 tuoi lam cccd"),
    ],
)
def test_shorthand_and_keyboard_leftovers_are_read_as_meant(
    chat: ChatWords, typed: str, read: str
) -> None:
    assert " ".join(tokens(typed, chat)) == read


def test_a_southern_word_is_not_read_for_another_with_other_marks(chat: ChatWords) -> None:
    assert " ".join(tokens("sổ hồng", chat)) == "so hong"


def test_a_phrase_does_not_run_on_past_a_comma_or_full_stop(content: Content) -> None:
    from bot.search import build_index

    index = build_index(content)
    # "… bấm số, hông có …" holds no "sổ hồng" (a land-use certificate)
    told = "bác chỉ có điện thoại bấm số, hông có điện thoại cảm ứng"
    assert not any(len(g.variants) > 1 for g in index.parse(told).groups)
    assert any(len(g.variants) > 1 for g in index.parse("sổ hồng").groups)
    assert marked_words("số, hông")[0].ends  # type: ignore[attr-defined]
    assert not marked_words("số hông")[0].ends  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("khai tuwr", "khai tử"),
        ("ddang kys", "đăng ký"),
        ("nguwowif nhaf", "người nhà"),
        ("bij matas", "bị mất"),  # the shape key typed after the final consonant
    ],
)
def test_a_word_keyed_with_its_tone_in_telex_or_vni_keeps_the_marks_meant(
    chat: ChatWords, typed: str, meant: str
) -> None:
    # "tuwr" is "tử" (death), not the minor word "tự"; keyed without a tone, marks stay unknown
    read = tokens(typed, chat)
    assert read == words_of(meant)
    assert [getattr(w, "marks", "") for w in read][-1] == marks_of(meant.split()[-1])
    assert getattr(tokens("ddang", chat)[0], "marks", "") == ""


def test_a_life_situation_is_read_with_a_pronoun_inside_it(content: Content) -> None:
    from bot.search import build_index

    index = build_index(content)

    def readings(text: str) -> list[list[str]]:
        return [[s.word for s in v] for g in index.parse(text).groups for v in g.variants]

    assert ["khai", "tu"] in readings("mẹ tôi mất rồi, xóa hộ khẩu thế nào")
    assert ["khai", "tu"] in readings("bố em mất hôm qua")
    # only situations: "thuê nhà trọ" (a rent price) is no "thuê trọ" (temporary residence)
    assert ["tam", "tru"] not in readings("giá thuê nhà trọ ở hà nội")


def test_content_check_reports_mistakes_in_the_beside_list(tmp_path: Path) -> None:
    from tests.bot.search.test_examples import chat_words_problems

    found = chat_words_problems(
        tmp_path,
        "beside:\n  mk: {means: mình}\n  hai từ: {means: x, after: [cho]}\n  ad: quản trị\n",
    )
    assert "beside: 'mk' needs `after:` or `before:` words" in found
    assert "beside: 'hai từ' must be one word" in found
    assert "beside: 'ad' needs `means:` and `after:` or `before:`" in found


def test_real_words_are_not_repaired() -> None:
    assert [repair(w) for w in ("online", "vneid", "cccd", "khai", "xoong")] == [
        "online",
        "vneid",
        "cccd",
        "khai",
        "xoong",
    ]


def test_politeness_and_question_frames_are_taken_out(chat: ChatWords) -> None:
    typed = tokens("cho em hỏi đăng ký tạm trú thì phải làm sao ạ", chat)
    assert without_fillers(typed, chat) == ["dang", "ki", "tam", "tru"]
    assert without_fillers(tokens("tôi muốn hỏi", chat), chat)  # never empties a question


def test_minor_words_keep_their_marks(chat: ChatWords) -> None:
    may, machine = marked_words("mấy máy")
    assert may in chat.minor and machine not in chat.minor
    assert "may" in chat.minor  # typed without marks it may be either


@pytest.mark.parametrize(
    ("text", "aspect"),
    [
        ("can giay to gi", "documents"),
        ("cần chuẩn bị những giấy tờ gì ạ", "documents"),
        ("bao nhiêu tiền vậy", "fee"),
        ("le phi bn", "fee"),
        ("bao lâu thì có", "time"),
        ("làm online được không", "online"),
        ("nộp ở đâu ạ", "where"),
        ("đăng ký kết hôn cần giấy tờ gì", None),  # a subject: a new question
        ("giá vàng hôm nay", None),
    ],
)
def test_a_follow_up_is_only_an_aspect(chat: ChatWords, text: str, aspect: str | None) -> None:
    assert aspect_of(text, chat) == aspect


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("chào bạn", "greeting"),
        ("bạn là ai vậy", "who"),
        ("cảm ơn nhiều nhé", "thanks"),
        ("ok", "ok"),
        ("bạn mấy tuổi", "personal"),
        ("chào bạn, cho mình hỏi làm hộ chiếu", None),
    ],
)
def test_small_talk_is_recognised(chat: ChatWords, text: str, kind: str | None) -> None:
    assert small_talk_of(text, chat) == kind


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("how do I register a birth?", True),
        ("Can I renew my passport online", True),
        ("dang ky khai sinh", False),
        ("làm hộ chiếu", False),
        ("passport", False),
    ],
)
def test_english_is_recognised(content: Content, text: str, english: bool) -> None:
    assert looks_english(text, english_of(content)) is english
