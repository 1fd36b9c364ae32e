"""Pack and parse the short button payloads (`guide:vneid-muc-2:2`) shared by every channel."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.types import MAX_PAYLOAD_BYTES

SEPARATOR = ":"


@dataclass(frozen=True, slots=True)
class Payload:
    """A parsed button payload: an action and its arguments."""

    action: str
    args: tuple[str, ...] = ()

    def arg(self, index: int, default: str = "") -> str:
        return self.args[index] if index < len(self.args) else default


def pack(action: str, *args: object) -> str:
    """Join an action and its arguments; refuses separators inside parts and oversize results."""
    parts = [action, *(str(a) for a in args)]
    for part in parts:
        if SEPARATOR in part:
            raise ValueError(f"payload part contains {SEPARATOR!r}: {part!r}")
    packed = SEPARATOR.join(parts)
    if len(packed.encode()) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"payload over {MAX_PAYLOAD_BYTES} bytes: {packed!r}")
    return packed


def parse(payload: str) -> Payload:
    action, *args = payload.strip().split(SEPARATOR)
    return Payload(action=action, args=tuple(args))
