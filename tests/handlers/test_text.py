"""Text helpers: long titles fit on a button and keep the part that tells them apart."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.text import short_labels, shorten


def test_a_long_title_keeps_its_start_and_its_distinguishing_end() -> None:
    commune = shorten("Cấp thẻ căn cước cho người dưới 14 tuổi (tại Công an cấp xã)", 48)
    province = shorten("Cấp thẻ căn cước cho người dưới 14 tuổi (tại Công an cấp tỉnh)", 48)
    assert commune.startswith("Cấp thẻ căn cước") and commune.endswith("cấp xã)")
    assert province.endswith("cấp tỉnh)")
    assert "…" in commune and len(commune) <= 48
    assert shorten("Đăng ký tạm trú", 48) == "Đăng ký tạm trú"


@given(st.text(max_size=200), st.integers(min_value=8, max_value=80))
def test_a_shortened_label_never_exceeds_its_limit(text: str, limit: int) -> None:
    assert len(shorten(text, limit)) <= limit


@pytest.mark.parametrize(
    ("labels", "limit"),
    [
        (
            [
                "Cấp phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú "
                "tại Việt Nam (tại Công an cấp tỉnh)",
                "Cấp phiếu lý lịch tư pháp cho cơ quan tiến hành tố tụng (tại Công an cấp tỉnh)",
            ],
            40,
        ),
        (
            [
                "Cấp thẻ căn cước cho người dưới 14 tuổi (tại Công an cấp tỉnh)",
                "Cấp thẻ căn cước cho người dưới 14 tuổi (tại Công an cấp xã)",
            ],
            48,
        ),
        (
            [
                "Liên thông điện tử: đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y "
                "tế, cấp thẻ căn cước cho trẻ em dưới 6 tuổi",
                "Liên thông điện tử: đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y "
                "tế cho trẻ em dưới 6 tuổi",
            ],
            60,
        ),
    ],
)
def test_short_labels_cut_between_words_and_keep_what_tells_them_apart(
    labels: list[str], limit: int
) -> None:
    short = short_labels(labels, limit)
    assert len(set(short)) == len(labels), short
    for label, full in zip(short, labels, strict=True):
        assert len(label) <= limit and "…" in label
        words = full.split()
        for piece in label.replace("…", " ").split():
            assert piece in words, f"{piece!r} is not a whole word of {full!r}"
    assert short_labels(["Đăng ký khai sinh"], 20) == ["Đăng ký khai sinh"]
