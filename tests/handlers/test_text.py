"""Text helpers: long titles fit on a button and keep the part that tells them apart."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from handlers.text import shorten


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
