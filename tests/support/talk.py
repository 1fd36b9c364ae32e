"""Talk to the real core the way a channel adapter does, and read the replies."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from bot.channels.render import as_texts
from bot.core import Core
from handlers.types import Incoming, Reply

_ids = itertools.count(1)


@dataclass
class Talk:
    core: Core
    channel: str = "console"
    user: str = "citizen-1"
    last: list[Reply] = field(default_factory=list)

    async def say(
        self, text: str, *, message_id: str | None = None, user: str | None = None
    ) -> list[Reply]:
        who = user or self.user
        msg = Incoming(self.channel, who, who, text=text, message_id=message_id)
        self.last = await self.core.handle(msg)
        return self.last

    async def press(self, payload: str, *, message_id: str | None = None) -> list[Reply]:
        msg = Incoming(self.channel, self.user, self.user, payload=payload, message_id=message_id)
        self.last = await self.core.handle(msg)
        return self.last

    async def press_label(self, label_part: str) -> list[Reply]:
        """Press the button whose label contains `label_part` in the last replies."""
        for reply in reversed(self.last):
            for button in reply.buttons:
                if label_part.lower() in button.label.lower() and button.payload:
                    return await self.press(button.payload)
        raise AssertionError(f"no button {label_part!r} in {self.text()!r}")

    def text(self) -> str:
        return "\n\n".join(as_texts(self.last))

    @staticmethod
    def next_id() -> str:
        return f"m{next(_ids)}"
