"""Pseudonymous ids for reports and dashboards: a keyed hash, never a platform id or a name."""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "p-"
LENGTH = 16  # hex characters: 64 bits, ample for one deployment's people


def pseudonym(secret: str, contact_id: int, purpose: str = "contact") -> str:
    """A stable id for a contact, keyed with the deployment secret (HMAC-SHA256).

    Without the secret nobody can link it back to the contact; a different `purpose` gives
    unlinkable ids for different exports.
    """
    if not secret:
        raise ValueError("a pseudonym needs the deployment secret")
    message = f"{purpose}:{contact_id}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return PREFIX + digest[:LENGTH]
