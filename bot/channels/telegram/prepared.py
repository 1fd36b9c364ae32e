"""A broadcast's Bot API calls encoded once for all their recipients.

A broadcast sends the same message to every chat: only `chat_id` differs. PTB encodes every
call's parameters anew (each one through `RequestParameter`, then the whole form through
`urlencode`, character by character), which was most of the client's CPU per message. Here
the same encoding (PTB's own `RequestParameter`/`RequestData`, then `urlencode` as aiohttp
does for a form) is done once per call, and each recipient's form is that body plus its
`chat_id`: the bytes on the wire are the ones PTB and aiohttp would have sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus, urlencode

from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.channels.telegram.render import Outgoing


@dataclass(frozen=True)
class Prepared:
    """One call of a broadcast: its URL, and its form up to the `chat_id` value, encoded."""

    method: str
    url: str
    head: bytes  # e.g. b"text=...&parse_mode=HTML&chat_id="

    def form(self, chat_id: str) -> bytes:
        """The call's form for one chat."""
        return self.head + quote_plus(chat_id).encode()


def prepare(base_url: str, call: Outgoing, extra: dict[str, Any]) -> Prepared | None:
    """`call` (rendered for any chat) with `extra` parameters, encoded; None when it uploads
    a file (multipart: left to PTB)."""
    params = {**call.params, **extra}
    params.pop("chat_id", None)
    data = RequestData([RequestParameter.from_input(key, value) for key, value in params.items()])
    if data.contains_files:
        return None
    fields = urlencode(data.json_parameters)
    head = f"{fields}&chat_id=" if fields else "chat_id="
    return Prepared(call.method, f"{base_url}/{call.method}", head.encode())
