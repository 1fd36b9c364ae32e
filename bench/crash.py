"""Shared by the `--kill` benchmarks: a burst of updates to a `dvcbot serve` process that is
killed with SIGKILL part-way, restarted, and sent what it had not acknowledged (as the
platforms do); then every chat's replies are compared with the replies of a calibration chat.

Each citizen sends their next update once the previous one was acknowledged (HTTP 200), the
way Telegram and Zalo deliver one chat's updates. A reply that never came, or came twice, shows
as a gap or a repeat in the chat's sequence of reply texts.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

Post = Callable[[int, int], Awaitable[bool]]  # (user, step) -> acknowledged?
Replies = Callable[[int], list[str]]  # user -> the reply texts their chat received so far


@dataclass
class Outcome:
    updates: int
    acked_before_kill: int = 0
    unanswered: set[tuple[int, int]] = field(default_factory=set)
    twice: set[tuple[int, int]] = field(default_factory=set)
    extra_messages: int = 0
    restart_seconds: float = 0.0
    answered_seconds: float = 0.0


async def wait_listening(port: int, proc: asyncio.subprocess.Process) -> None:
    for _ in range(600):
        if proc.returncode is not None:
            raise SystemExit(f"the bot process exited with {proc.returncode}")
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise SystemExit("the bot never listened")


async def calibrate(post: Post, replies: Replies, user: int, steps: int) -> list[list[str]]:
    """One chat's script sent step by step, each step's replies collected once they settle."""
    per_step: list[list[str]] = []
    for step in range(steps):
        before = len(replies(user))
        assert await post(user, step), "the calibration update was refused"
        quiet_since, seen = time.monotonic(), before
        while len(replies(user)) == before or time.monotonic() - quiet_since < 0.3:
            await asyncio.sleep(0.02)
            if len(replies(user)) != seen:
                seen, quiet_since = len(replies(user)), time.monotonic()
        per_step.append(replies(user)[before:])
    return per_step


async def send_all(
    post: Post,
    users: list[int],
    steps: int,
    acked: set[tuple[int, int]],
    when: tuple[int, asyncio.Event] | None = None,
) -> None:
    """Every user sends its un-acknowledged steps in order; stops at the first refusal.
    `when=(n, event)` sets the event once n updates in all were acknowledged."""

    async def one(user: int) -> None:
        for step in range(steps):
            if (user, step) in acked:
                continue
            try:
                ok = await post(user, step)
            except Exception:
                return  # the process died: this and the later steps wait for the restart
            if not ok:
                return
            acked.add((user, step))
            if when is not None and len(acked) >= when[0]:
                when[1].set()

    await asyncio.gather(*(one(u) for u in users))


async def burst_kill_restart(
    post: Post,
    replies: Replies,
    users: list[int],
    steps: int,
    expected: list[list[str]],
    *,
    start: Callable[[], Awaitable[asyncio.subprocess.Process]],
    kill_at: float = 0.4,
    patience: float = 20.0,
) -> tuple[Outcome, asyncio.subprocess.Process]:
    """Run the burst against the process `start()` made, SIGKILL it once `kill_at` of the
    updates were acknowledged, start it again, resend, and wait for every reply."""
    outcome = Outcome(updates=len(users) * steps)
    acked: set[tuple[int, int]] = set()
    proc = await start()

    reached = asyncio.Event()

    async def killer() -> None:
        await reached.wait()
        os.kill(proc.pid, signal.SIGKILL)
        outcome.acked_before_kill = len(acked)

    kill = asyncio.create_task(killer())
    await send_all(post, users, steps, acked, (int(kill_at * outcome.updates), reached))
    await kill
    await proc.wait()
    t0 = time.perf_counter()
    proc = await start()
    outcome.restart_seconds = time.perf_counter() - t0
    await send_all(post, users, steps, acked)
    assert len(acked) == outcome.updates, "some updates were never acknowledged"
    want = sum(len(r) for r in expected)
    last, last_change = -1, time.monotonic()
    while time.monotonic() - last_change < patience:
        got = sum(len(replies(u)) for u in users)
        if got != last:
            last, last_change = got, time.monotonic()
        everyone = all(len(replies(u)) >= want for u in users)
        if everyone and time.monotonic() - last_change > 1.0:
            break  # every chat has its replies, and nothing more came for a second
        await asyncio.sleep(0.05)
    outcome.answered_seconds = time.perf_counter() - t0
    for user in users:
        gaps, repeats, extra = compare(expected, replies(user))
        if (gaps or repeats) and os.environ.get("BENCH_VERBOSE"):
            show(user, expected, replies(user))
        outcome.unanswered |= {(user, s) for s in gaps}
        outcome.twice |= {(user, s) for s in repeats}
        outcome.extra_messages += extra
    return outcome, proc


def align(expected: list[str], actual: list[str]) -> tuple[list[int], list[int]]:
    """A longest common subsequence: the expected positions never received, and for each extra
    message received, the expected position it came after (-1: before the first)."""
    n, m = len(expected), len(actual)
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            if expected[i] == actual[j]:
                best[i][j] = best[i + 1][j + 1] + 1
            else:
                best[i][j] = max(best[i + 1][j], best[i][j + 1])
    missing: list[int] = []
    extra: list[int] = []
    i = j = 0
    while i < n or j < m:
        if i < n and j < m and expected[i] == actual[j]:
            i, j = i + 1, j + 1
        elif j < m and (i == n or best[i][j + 1] >= best[i + 1][j]):
            extra.append(i - 1)
            j += 1
        else:
            missing.append(i)
            i += 1
    return missing, extra


def compare(expected: list[list[str]], actual: list[str]) -> tuple[set[int], set[int], int]:
    """The steps whose replies are missing, the steps answered again, and the extra messages."""
    flat = [text for replies in expected for text in replies]
    step_of = [step for step, replies in enumerate(expected) for _ in replies]
    missing, extra = align(flat, actual)
    repeated = {step_of[max(i, 0)] for i in extra}
    return {step_of[i] for i in missing}, repeated, len(extra)


def show(user: int, expected: list[list[str]], actual: list[str]) -> None:
    flat = [text for replies in expected for text in replies]
    missing, extra = align(flat, actual)
    print(f"chat of user {user}: missing {[flat[i][:30] for i in missing]}, extra after")
    print(f"  {[flat[i][:30] if i >= 0 else '(start)' for i in extra]}")


def report(name: str, outcome: Outcome) -> None:
    print(
        f"{name}: {outcome.updates} updates, {outcome.acked_before_kill} acknowledged before "
        f"the kill -9; restarted in {outcome.restart_seconds:.1f} s, all answered "
        f"{outcome.answered_seconds:.1f} s after the restart began"
    )
    print(
        f"  acknowledged but never answered: {len(outcome.unanswered)}   "
        f"answered twice: {len(outcome.twice)} ({outcome.extra_messages} extra messages)",
        flush=True,
    )
