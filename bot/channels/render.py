"""Rendering shared by channels without (enough) native buttons: buttons as numbered text."""

from __future__ import annotations

from handlers.types import Button, Reply


def numbered_lines(buttons: tuple[Button, ...] | list[Button], start: int = 1) -> list[str]:
    """`[1] Đăng ký tài khoản`; a link button shows its address so it can be opened."""
    lines = []
    for number, button in enumerate(buttons, start):
        line = f"[{number}] {button.label}"
        if button.url:
            line += f": {button.url}"
        lines.append(line)
    return lines


def as_text(reply: Reply) -> str:
    """A reply as plain text: the text, attachments named, buttons numbered."""
    parts = [reply.text] if reply.text else []
    for attachment in (reply.image, reply.document):
        if attachment is not None:
            parts.append(f"[{attachment.filename}]")
    if reply.buttons:
        parts.append("\n".join(numbered_lines(reply.buttons)))
    return "\n".join(parts)


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
