"""Replies look right on Zalo: long text split at Zalo's limit, buttons in Zalo's format up to
its maximum and numbered text beyond, typed-back payloads recognised as button presses."""

from __future__ import annotations

from bot.channels.render import split_text
from bot.channels.zalo.events import EventKind, button_payload, parse_event, to_incoming
from bot.channels.zalo.render import TEXT_LIMIT, Rendering, render
from handlers.types import Button, Reply
from storage.pseudonym import message_key
from tests.support.fake_zalo import event

ACTIONS = {"menu", "guide"}


def test_long_text_is_split_at_paragraphs_within_zalo_limit() -> None:
    paragraphs = [f"Đoạn {n}: " + "chữ " * 120 for n in range(10)]
    text = "\n\n".join(paragraphs)
    pieces = split_text(text, TEXT_LIMIT)
    assert len(pieces) > 1
    assert all(0 < len(p) <= TEXT_LIMIT for p in pieces)
    assert all(p.startswith("Đoạn") for p in pieces)
    assert " ".join(" ".join(pieces).split()) == " ".join(text.split())


def test_text_without_breaks_is_cut_hard() -> None:
    pieces = split_text("x" * 4500, TEXT_LIMIT)
    assert [len(p) for p in pieces] == [2000, 2000, 500]


def test_buttons_ride_on_the_last_piece_only() -> None:
    reply = Reply(text="a " * 1500, buttons=(Button("Menu", payload="menu"),))
    first, last = [p.message for p in render(reply, Rendering())]
    assert "attachment" not in first
    assert last["attachment"]["payload"]["buttons"] == [
        {"title": "Menu", "type": "oa.query.hide", "payload": "#menu"}
    ]


def test_buttons_beyond_zalo_maximum_become_numbered_lines() -> None:
    buttons = tuple(Button(f"Mục {n}", payload=f"guide:g{n}") for n in range(1, 8))
    [part] = render(Reply(text="Chọn:", buttons=buttons), Rendering(max_buttons=5))
    native = part.message["attachment"]["payload"]["buttons"]
    assert [b["title"] for b in native] == [f"Mục {n}" for n in range(1, 6)]
    assert part.message["text"] == "Chọn:\n\n[6] Mục 6\n[7] Mục 7"


def test_link_buttons_open_the_address_and_settings_change_the_query_type() -> None:
    buttons = (Button("Cổng DVC", url="https://dichvucong.gov.vn"), Button("Tiếp", payload="menu"))
    [part] = render(Reply(text="x", buttons=buttons), Rendering("oa.query.show", 5, "!"))
    assert part.message["attachment"]["payload"]["buttons"] == [
        {
            "title": "Cổng DVC",
            "type": "oa.open.url",
            "payload": {"url": "https://dichvucong.gov.vn"},
        },
        {"title": "Tiếp", "type": "oa.query.show", "payload": "!menu"},
    ]


def test_a_long_label_is_shortened_to_zalo_title_limit() -> None:
    [part] = render(Reply(text="x", buttons=(Button("a" * 150, payload="menu"),)), Rendering())
    assert len(part.message["attachment"]["payload"]["buttons"][0]["title"]) == 100


def test_an_empty_reply_sends_nothing() -> None:
    assert render(Reply(text="  "), Rendering()) == []


def test_query_payloads_coming_back_as_text_are_button_presses() -> None:
    assert button_payload("#guide:vneid-muc-2:2", "#", ACTIONS) == "guide:vneid-muc-2:2"
    assert button_payload("#menu", "#", ACTIONS) == "menu"
    assert button_payload("#vneid", "#", ACTIONS) is None  # a hashtag, not our action
    assert button_payload("#menu please", "#", ACTIONS) is None
    assert button_payload("menu", "#", ACTIONS) is None
    assert button_payload("menu", "", ACTIONS) == "menu"


def test_a_text_event_becomes_an_incoming_with_zalo_ids() -> None:
    parsed = parse_event(event("user_send_text", text="#guide:vneid-muc-2"))
    incoming = to_incoming(parsed, "#", ACTIONS)
    assert incoming.channel == "zalo"
    assert incoming.user_key == incoming.chat_id == "246845883529197922"
    assert incoming.payload == "guide:vneid-muc-2" and incoming.text == ""
    assert incoming.message_id == "96d3cdf3af150460909"


def test_follow_events_get_an_id_stored_as_a_keyed_hash_that_names_no_one() -> None:
    follow = parse_event(event("follow"))
    assert follow.kind is EventKind.FOLLOW
    assert follow.user_id == "246845883529197922"
    assert follow.dedup_id is not None
    stored = message_key("secret-a", "zalo", follow.dedup_id)  # what the core keeps
    assert "246845883529197922" not in stored
    assert stored != message_key("secret-b", "zalo", follow.dedup_id)  # needs the secret
    again = parse_event(event("follow", timestamp=follow.raw_timestamp))
    assert again.dedup_id == follow.dedup_id  # Zalo's redelivery
    assert (
        parse_event(event("follow", user="someone-else", timestamp=follow.raw_timestamp)).dedup_id
        != follow.dedup_id
    )
