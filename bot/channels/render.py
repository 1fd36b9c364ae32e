"""Rendering shared by channels without (enough) native buttons: buttons as numbered text."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.types import Button, Reply


def first_numbers(replies: Sequence[Reply]) -> list[int | None]:
    """The number each reply's first button gets when typed numbers press buttons: one count
    runs through all the replies of an answer, so two messages never both offer a [1]. None for
    a reply whose buttons typing a number does not press (no buttons, or `numbered=False`)."""
    numbers: list[int | None] = []
    next_number = 1
    for reply in replies:
        if reply.buttons and reply.numbered:
            numbers.append(next_number)
            next_number += len(reply.buttons)
        else:
            numbers.append(None)
    return numbers


def numbered_lines(buttons: tuple[Button, ...] | list[Button], start: int = 1) -> list[str]:
    """`[1] Đăng ký tài khoản`; a link button shows its address so it can be opened."""
    lines = []
    for number, button in enumerate(buttons, start):
        line = f"[{number}] {button.label}"
        if button.url:
            line += f": {button.url}"
        lines.append(line)
    return lines


def as_text(reply: Reply, start: int | None = 1) -> str:
    """A reply as plain text: the text, attachments named, buttons numbered from `start`
    (None: listed without numbers, as typing a number does not press them)."""
    parts = [reply.text] if reply.text else []
    for attachment in (reply.image, reply.document):
        if attachment is not None:
            parts.append(f"[{attachment.filename}]")
    if reply.buttons:
        if start is None:
            lines = [f"• {line.split('] ', 1)[1]}" for line in numbered_lines(reply.buttons)]
        else:
            lines = numbered_lines(reply.buttons, start)
        parts.append("\n".join(lines))
    return "\n".join(parts)


def as_texts(replies: Sequence[Reply]) -> list[str]:
    """Replies as plain text, numbered as one answer (see `first_numbers`)."""
    return [as_text(r, n) for r, n in zip(replies, first_numbers(replies), strict=True)]


def split_text(text: str, limit: int) -> list[str]:
    """Cut `text` into pieces of at most `limit` characters, at a paragraph, line or word break
    when there is one in the second half of the piece; never returns an empty list."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = window.rfind(separator)
            if cut >= limit // 2:
                break
        if cut < limit // 2:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    pieces.append(rest)
    return pieces
