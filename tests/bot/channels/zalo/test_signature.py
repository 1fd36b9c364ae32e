"""The webhook signature matches Zalo's formula over the raw bytes, in either header form."""

from __future__ import annotations

import pytest

from bot.channels.zalo import signature
from tests.support.fake_zalo import encode, event, sign

# Research test vector (research/channels.md, B.1): the compact UTF-8 user_send_text sample.
VECTOR_BODY = (
    '{"app_id":"360846524940903967","user_id_by_app":"552177279717587730",'
    '"event_name":"user_send_text","timestamp":"1718000100000","sender":{"id":"246845883529197922"},'
    '"recipient":{"id":"388613280878808645"},'
    '"message":{"text":"Xin chào","msg_id":"96d3cdf3af150460909"}}'
).encode()
VECTOR_MAC = "e6a7121d4d128f1035161db5e0d3bd296c7924025d8235df76867aa677fb397b"


def test_the_published_test_vector() -> None:
    assert signature.mac("360846524940903967", VECTOR_BODY, "1718000100000", "test-oa-secret") == (
        VECTOR_MAC
    )


@pytest.mark.parametrize("header", [f"mac={VECTOR_MAC}", VECTOR_MAC, f"MAC={VECTOR_MAC.upper()}"])
def test_the_header_is_accepted_with_or_without_its_prefix(header: str) -> None:
    args = ("360846524940903967", VECTOR_BODY, "1718000100000", "test-oa-secret")
    assert signature.valid(header, *args)


@pytest.mark.parametrize(
    "header, secret",
    [
        (None, "test-oa-secret"),
        ("", "test-oa-secret"),
        (f"mac={VECTOR_MAC}", "the-app-secret"),
        ("mac=" + "0" * 64, "test-oa-secret"),
        ("mac=zz", "test-oa-secret"),
        ("mac=é", "test-oa-secret"),
    ],
)
def test_a_wrong_or_missing_signature_fails(header: str | None, secret: str) -> None:
    assert not signature.valid(header, "360846524940903967", VECTOR_BODY, "1718000100000", secret)


def test_the_test_helper_signs_like_zalo() -> None:
    payload = event("user_send_text", text="Xin chào")
    body = encode(payload)
    header = sign("360846524940903967", body, payload["timestamp"], "s")
    assert signature.valid(header, "360846524940903967", body, payload["timestamp"], "s")


def test_the_timestamp_is_found_in_a_body_that_does_not_parse() -> None:
    assert signature.timestamp_in(b'{"timestamp":"1718000100000","event') == "1718000100000"
    assert signature.timestamp_in(b'{"timestamp": 1718000100000}') == "1718000100000"
    assert signature.timestamp_in(b"garbage") is None
