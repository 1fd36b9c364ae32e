"""Replies as Telegram messages: escaped HTML, inline keyboards, long texts split, photos, files."""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile

from handlers.types import Attachment, Button, Reply

logger = logging.getLogger(__name__)

MAX_TEXT = 4096  # characters after entity parsing, counted in UTF-16 code units
MAX_CAPTION = 1024
MAX_CALLBACK_BYTES = 64
SHORT_LABEL = 18  # two buttons this short share a row (e.g. "◀ Quay lại" | "Tiếp ▶")


@dataclass(frozen=True)
class Outgoing:
    """One Bot API call: `method` is sendMessage, sendPhoto or sendDocument."""

    method: str
    params: dict[str, Any] = field(default_factory=dict)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut `text` into pieces of at most `limit` UTF-16 units: at paragraphs, else lines,
    else spaces, else anywhere."""
    if utf16_len(text) <= limit:
        return [text]
    pieces: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        window = _prefix(rest, limit)
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = window.rfind(separator)
            if cut > 0:
                pieces.append(rest[:cut].rstrip())
                rest = rest[cut + len(separator) :].lstrip("\n")
                break
        if cut <= 0:
            pieces.append(window)
            rest = rest[len(window) :]
    if rest.strip():
        pieces.append(rest)
    return [p for p in pieces if p.strip()]


def _prefix(text: str, limit: int) -> str:
    """The longest prefix of `text` within `limit` UTF-16 units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return text[:index]
    return text


def escape(text: str) -> str:
    """Plain text for parse_mode=HTML: `<`, `>` and `&` become entities."""
    return html.escape(text, quote=False)


def keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """Buttons as an inline keyboard: one per row, two short ones side by side."""
    keys: list[InlineKeyboardButton] = []
    for button in buttons:
        if button.url:
            keys.append(InlineKeyboardButton(button.label, url=button.url))
            continue
        payload = button.payload or ""
        if not 1 <= len(payload.encode()) <= MAX_CALLBACK_BYTES:
            logger.error("button payload of %d bytes dropped", len(payload.encode()))
            continue
        keys.append(InlineKeyboardButton(button.label, callback_data=payload))
    if not keys:
        return None
    rows: list[list[InlineKeyboardButton]] = []
    for key in keys:
        last = rows[-1] if rows else None
        if (
            last is not None
            and len(last) == 1
            and len(last[0].text) <= SHORT_LABEL
            and len(key.text) <= SHORT_LABEL
        ):
            last.append(key)
        else:
            rows.append([key])
    return InlineKeyboardMarkup(rows)


def _file(attachment: Attachment) -> InputFile:
    return InputFile(attachment.data, filename=attachment.filename)


def render(chat_id: str, reply: Reply) -> list[Outgoing]:
    """The Bot API calls that show one reply; buttons ride on the last one."""
    base: dict[str, Any] = {"chat_id": chat_id}
    calls: list[Outgoing] = []
    text = reply.text.strip()
    attachment_calls = []
    for method, name, attachment in (
        ("sendPhoto", "photo", reply.image),
        ("sendDocument", "document", reply.document),
    ):
        if attachment is not None:
            attachment_calls.append(Outgoing(method, {**base, name: _file(attachment)}))
    # A short text travels as the caption of the (single) attachment.
    if len(attachment_calls) == 1 and text and utf16_len(text) <= MAX_CAPTION:
        attachment_calls[0].params.update(caption=escape(text), parse_mode="HTML")
        text = ""
    calls.extend(attachment_calls)
    for piece in split_text(text) if text else []:
        calls.append(Outgoing("sendMessage", {**base, "text": escape(piece), "parse_mode": "HTML"}))
    markup = keyboard(reply.buttons)
    if markup is not None:
        if not calls:
            # Buttons need a message to sit under; Telegram refuses an empty one.
            calls.append(Outgoing("sendMessage", {**base, "text": "⬇️"}))
        calls[-1].params["reply_markup"] = markup
    return calls


def render_all(chat_id: str, replies: Sequence[Reply]) -> list[Outgoing]:
    return [call for reply in replies for call in render(chat_id, reply)]
