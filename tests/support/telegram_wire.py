"""The Bot API's wire rules the fake server applies: encodings, limits, HTML, error texts."""

from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass, field
from typing import Any

JSON_FIELDS = {
    "reply_markup",
    "allowed_updates",
    "commands",
    "scope",
    "entities",
    "caption_entities",
    "media",
    "link_preview_options",
    "reply_parameters",
    "menu_button",
}
SEND_METHODS = {
    "sendMessage",
    "sendPhoto",
    "sendDocument",
    "sendAudio",
    "sendVideo",
    "sendAnimation",
    "sendVoice",
    "sendMediaGroup",
    "sendLocation",
    "sendSticker",
    "copyMessage",
    "forwardMessage",
}
HTML_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "tg-spoiler", "span", "blockquote", "tg-emoji",
}  # fmt: skip
TAG = re.compile(r"<(/?)([a-zA-Z-]+)((?:\s[^<>]*)?)>")
ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
MAX_TEXT = 4096
MAX_CAPTION = 1024
DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
    429: "Too Many Requests: retry after {retry_after}",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


@dataclass(frozen=True)
class Upload:
    filename: str | None
    content_type: str
    data: bytes


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, Upload] = field(default_factory=dict)
    status: int = 200  # what the fake answered; 0 for a dropped connection
    at: float = field(default_factory=time.monotonic)
    via: str | None = None  # which client called, when it used tg.base_url_for(via)

    @property
    def chat_id(self) -> str | None:
        value = self.params.get("chat_id")
        return None if value is None else str(value)

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """The inline keyboard's buttons, row after row."""
        markup = self.params.get("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]


@dataclass
class Failure:
    method: str | None
    status: int | str
    retry_after: int | None
    description: str | None
    times: int


class TelegramError(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after


def html_problem(text: str) -> str | None:
    """What Telegram would say about this HTML text, or None when it parses."""
    stack: list[str] = []
    position = 0
    visible = []
    for match in TAG.finditer(text):
        visible.append(text[position : match.start()])
        position = match.end()
        closing, name = match.group(1), match.group(2).lower()
        if name not in HTML_TAGS:
            return f'Bad Request: can\'t parse entities: Unsupported start tag "{name}"'
        if closing:
            if not stack or stack.pop() != name:
                return f'Bad Request: can\'t parse entities: Unmatched end tag "{name}"'
        else:
            stack.append(name)
    visible.append(text[position:])
    if stack:
        return f"Bad Request: can't parse entities: Can't find end tag for \"{stack[-1]}\""
    plain = "".join(visible)
    if "<" in plain:
        offset = len(plain[: plain.index("<")].encode())
        return f"Bad Request: can't parse entities: Unexpected < at byte offset {offset}"
    for index, char in enumerate(plain):
        if char == "&" and not ENTITY.match(plain, index):
            return (
                "Bad Request: can't parse entities: Can't find end of the entity starting "
                f"at byte offset {len(plain[:index].encode())}"
            )
    return None


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def visible_text(text: str, parse_mode: str | None) -> str:
    if parse_mode and parse_mode.upper() == "HTML":
        return html.unescape(TAG.sub("", text))
    return text
