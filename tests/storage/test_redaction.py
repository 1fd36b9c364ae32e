"""Redaction: personal data typed into questions never reaches the figures officers see."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.text import for_figures
from storage.redaction import ACCOUNT, EMAIL, ID_NUMBER, MARKS, NAME, PHONE, PLATE, redact

PHONES = [
    "0912345678",
    "0912 345 678",
    "0912.345.678",
    "0912-345-678",
    "091 234 5678",
    "+84 912 345 678",
    "+84912345678",
    "84912345678",
    "84 912 345 678",
    "(+84) 912-345-678",
    "+84 (0) 912 345 678".replace(" (0)", ""),
    "0987.654.321",
    "024 3825 1234",  # a Hà Nội landline
    "0238 3855 123",
]


@pytest.mark.parametrize("phone", PHONES)
@pytest.mark.parametrize(
    "sentence", ["SĐT {}", "gọi mình số {} nhé", "{}", "sdt: {}, hỏi về khai sinh"]
)
def test_vietnamese_phone_numbers_in_every_common_format_become_a_mark(
    phone: str, sentence: str
) -> None:
    out = redact(sentence.format(phone))
    assert PHONE in out
    assert not re.search(r"\d{3}", out), out


@pytest.mark.parametrize(
    ("typed", "mark"),
    [
        ("CCCD 042123456789", ID_NUMBER),
        ("căn cước 001 203 004 567", ID_NUMBER),
        ("CMND 123456789", ID_NUMBER),
        ("cmnd: 123.456.789", ID_NUMBER),
        ("email an.nguyen@gmail.com", EMAIL),
        ("gửi vào tran_thi.b+dvc@yahoo.com.vn giúp", EMAIL),
        ("an nguyen gmail com", EMAIL),  # an address once folded
        ("xe 29A-123.45 bị phạt nguội", PLATE),
        ("biển số 51F 12345", PLATE),
        ("xe máy 29-B1 123.45", PLATE),
        ("59X1-123.45", PLATE),
        ("30e 123 45", PLATE),  # folded
        ("stk 0011004123456 vietcombank", ACCOUNT),
        ("số tài khoản: 1903 3456 7890 12", ACCOUNT),
        ("chuyển khoản ngân hàng 123456789", ACCOUNT),
        ("Tôi tên Nguyễn Văn An, hỏi về sổ hộ khẩu", NAME),
        ("tên tôi là Trần Thị Bích Ngọc", NAME),
        ("tôi tên là lan, muốn hỏi", NAME),
        ("em là Lê Văn Tám ở Hà Tĩnh", NAME),
        ("mình là nguyen van binh", NAME),
        ("họ và tên: Phạm Minh Chính", NAME),
        ("toi ten nguyen van an sdt 0912345678", NAME),  # folded, as stored before
    ],
)
def test_ids_emails_plates_accounts_and_names_become_marks(typed: str, mark: str) -> None:
    out = redact(typed)
    assert mark in out, out
    assert not re.search(r"\d{4}", out), out


@pytest.mark.parametrize(
    "kept",
    [
        "lệ phí đăng ký khai sinh là 1.500.000 đồng không",
        "thủ tục 1.001193 nộp ở đâu",
        "năm 2025 có đổi không",
        "em là sinh viên muốn hỏi về tạm trú",
        "tôi là người dân tộc thiểu số",
        "trẻ dưới 14 tuổi làm căn cước được không",
        "mất 15 ngày à",
        "thành phố Hồ Chí Minh",
        "cấp đổi giấy phép lái xe hạng B2",
    ],
)
def test_questions_without_personal_data_are_kept_as_typed(kept: str) -> None:
    assert redact(kept) == kept


def test_the_content_gap_form_keeps_marks_and_folds_the_rest() -> None:
    typed = "Tôi tên Nguyễn Văn An, SĐT 0912 345 678, CCCD 042123456789, hỏi về sổ hộ khẩu cũ"
    assert for_figures(typed) == (
        f"toi ten {NAME} sdt {PHONE} cccd {ID_NUMBER} hoi ve so ho khau cu"
    )


def test_the_content_gap_form_is_bounded_and_never_cuts_a_mark() -> None:
    typed = "hỏi " * 48 + "0912 345 678 " + "nữa " * 40
    out = for_figures(typed, limit=200)
    assert len(out) <= 200
    assert not re.search(r"\[[^\]]*$", out)


digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


@settings(max_examples=200, deadline=None)
@given(
    before=st.text(max_size=40),
    after=st.text(max_size=40),
    number=digits,
    style=st.sampled_from(["0{} {} {}", "0{}.{}.{}", "+84 {} {} {}", "84{}{}{}", "0{}-{}-{}"]),
)
def test_any_mobile_number_between_any_text_is_redacted(
    before: str, after: str, number: str, style: str
) -> None:
    head = number[0] if number[0] != "0" else "9"  # mobile numbers never start 00
    phone = style.format(head + number[1:3], number[3:6], number[6:9])
    out = redact(f"{before} {phone} {after}")
    assert re.sub(r"\D", "", phone)[-9:] not in re.sub(r"\D", "", out)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_redaction_never_fails_and_the_figure_form_is_bounded(text: str) -> None:
    out = for_figures(text)
    assert len(out) <= 200
    assert redact(redact(text)) == redact(text)  # a mark is never redacted again
    for mark in MARKS:
        assert redact(mark) == mark
