"""Text normalisation for matching what citizens type: Unicode, case and diacritics folded."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_CONTROL = dict.fromkeys(c for c in range(0x20) if c not in (0x09, 0x0A))


def clean(text: str) -> str:
    """NFC-normalised text without control characters, whitespace collapsed."""
    text = unicodedata.normalize("NFC", text).translate(_CONTROL)
    return _SPACES.sub(" ", text).strip()


def fold(text: str) -> str:
    """Lowercase ASCII-ish form for matching: 'Đăng Ký' -> 'dang ky'."""
    text = clean(text).lower().replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", stripped)
