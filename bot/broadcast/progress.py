"""Progress reports to broadcast authors: at each quarter of their broadcast, then a summary."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.broadcast.config import SenderConfig
from bot.broadcast.pacing import Pacer
from bot.channels.base import Channel
from handlers.content import Content
from handlers.types import Reply
from storage import broadcasts
from storage.db import SessionFactory
from storage.deliveries import DState
from storage.models import Contact

logger = logging.getLogger(__name__)

Report = tuple[Contact, str]  # an author and what to tell them


@dataclass
class ProgressReporter:
    """Marks broadcasts done when nothing is left to send, and tells authors how far theirs got."""

    sessions: SessionFactory
    channels: Mapping[str, Channel]
    content: Content
    config: SenderConfig
    pacer: Callable[[str], Pacer]  # the sender's pacer of a channel

    async def finish(self, now: datetime) -> tuple[set[int], list[Report]]:
        """Mark finished broadcasts done: their ids, and the reports now due to authors."""
        async with self.sessions() as session, session.begin():
            finished = set(await broadcasts.complete_finished(session, now))
            active = await broadcasts.sending(session)
            reports: list[Report] = []
            for b in [*active, *[await broadcasts.get(session, i) for i in finished]]:
                if b is None or b.author_id is None or b.total == 0:
                    continue
                done = await broadcasts.settled(session, b.id)
                step = self.config.progress_steps
                reached = done * step // b.total
                if b.id in finished:
                    stats = await broadcasts.stats(session, b.id)
                    text = self.content.messages(
                        "broadcast.summary",
                        id=b.id,
                        total=b.total,
                        sent=stats.get(DState.SENT),
                        failed=stats.get(DState.FAILED),
                        blocked=stats.get(DState.BLOCKED) + stats.get(DState.OPTED_OUT),
                        outside=stats.get(DState.OUTSIDE_WINDOW),
                    )
                    b.progress_reported = step
                elif 0 < reached < step and reached > b.progress_reported:
                    text = self.content.messages(
                        "broadcast.progress", id=b.id, done=done, total=b.total
                    )
                    b.progress_reported = reached
                else:
                    continue
                author = await session.get(Contact, b.author_id)
                if author is not None:
                    reports.append((author, text))
        return finished, reports

    async def tell(self, reports: Sequence[Report]) -> None:
        """Send each report on its author's channel, at that channel's pace."""
        for author, text in reports:
            channel = self.channels.get(author.channel)
            if channel is None:
                continue
            pacer = self.pacer(author.channel)
            left = await pacer.take()  # progress counts against the channel's rate
            try:
                result = await channel.send(author.chat_id, [Reply(text=text)])
            finally:
                pacer.done(left)
            if not result.ok:
                logger.info("could not tell a broadcast author: %s", result.status)
