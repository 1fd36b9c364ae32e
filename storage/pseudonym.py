"""Keyed hashes and pseudonyms: every stored value derived from an identifier goes through here.

Each is an HMAC-SHA256 keyed with the deployment secret, so nobody holding only the database
(and a list of platform ids) can recompute one. A `purpose` separates uses: the same input
gives unlinkable values for different purposes.
"""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "p-"
LENGTH = 16  # hex characters: 64 bits, ample for one deployment's people
MESSAGE_PREFIX = "h"
MESSAGE_LENGTH = 40  # hex characters: 160 bits, no collision among a deployment's messages
MAX_ID = 128  # the longest platform id stored (contacts.platform_user_id, chat_id)


def keyed_hash(secret: str, purpose: str, value: str, length: int = 64) -> str:
    """HMAC-SHA256 of `purpose:value` with the deployment secret, as `length` hex characters."""
    if not secret:
        raise ValueError("a keyed hash needs the deployment secret")
    message = f"{purpose}:{value}".encode("utf-8", "surrogatepass")
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:length]


def pseudonym(secret: str, contact_id: int, purpose: str = "contact") -> str:
    """A stable id for a contact in reports; without the secret nobody can link it back."""
    return PREFIX + keyed_hash(secret, purpose, str(contact_id), LENGTH)


def message_key(secret: str, channel: str, message_id: str) -> str:
    """What `interactions.platform_message_id` stores: enough to handle a message once, and
    nothing from which the platform's ids (which contain the person's id) can be read back."""
    return MESSAGE_PREFIX + keyed_hash(secret, f"message:{channel}", message_id, MESSAGE_LENGTH)


def bounded_id(secret: str, value: str, limit: int = MAX_ID) -> str:
    """A platform id that fits its column: unchanged when short enough, otherwise a prefix and
    a keyed hash of the whole, so two long ids never share one stored value."""
    if len(value) <= limit:
        return value
    tail = keyed_hash(secret, "long-id", value, 32)
    return f"{value[: limit - len(tail) - 1]}~{tail}"
