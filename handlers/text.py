"""Text normalisation for matching what citizens type: Unicode, case and diacritics folded."""

from __future__ import annotations

import re
import unicodedata

from storage.redaction import keep_marks, redact

_SPACES = re.compile(r"\s+")
_SURROGATES = re.compile("[\ud800-\udfff]")  # lone halves: no encoding can store them
# C0/C1 control characters and zero-width marks; tab and newline are kept.
_CONTROL = dict.fromkeys(
    c
    for c in [*range(0x20), *range(0x7F, 0xA0), 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF]
    if c not in (0x09, 0x0A)
)
# A word of folded text; procedure codes such as 1.001193 stay one word.
_WORD = re.compile(r"[a-z0-9]+(?:\.[0-9]+)*")
_VOWELS = frozenset("aeiouy")


def plain(text: str) -> str:
    """Text any database can store: no lone surrogates, NUL or other control characters."""
    return _SURROGATES.sub("", text).translate(_CONTROL)


def clean(text: str) -> str:
    """NFC-normalised text without control characters, whitespace collapsed."""
    text = unicodedata.normalize("NFC", plain(text))
    return _SPACES.sub(" ", text).strip()


def fold(text: str) -> str:
    """Lowercase ASCII form for matching: 'Đăng Ký' -> 'dang ky'; other scripts are dropped."""
    decomposed = unicodedata.normalize("NFD", clean(text).lower().replace("đ", "d"))
    return decomposed.encode("ascii", "ignore").decode("ascii")


_NOT_WORD = re.compile(r"[^a-z0-9]+")


def label_key(text: str) -> str:
    """Folded letters and digits only, for comparing what was typed with a label:
    '✅ Bỏ qua' -> 'bo qua', '🙂 Hài lòng' -> 'hai long'."""
    return " ".join(_NOT_WORD.sub(" ", fold(text)).split())


def spelling(word: str) -> str:
    """One spelling for Vietnamese i/y variants of a folded word: 'ky' -> 'ki', 'quy' -> 'qui'.

    A final 'y' after a consonant ('ký'/'kí', 'lý'/'lí', 'mỹ'/'mĩ') or after 'qu' ('quý'/'quí')
    is written either way; 'uy' after other consonants ('huy', 'thuy') is a different vowel.
    """
    if len(word) >= 2 and word[-1] == "y" and (word[-2] not in _VOWELS or word[:-1] == "qu"):
        return word[:-1] + "i"
    return word


def words(text: str) -> list[str]:
    """The folded, spelling-normalised words of `text`; anything not Latin or digits is dropped."""
    return [spelling(w) for w in _WORD.findall(fold(text))]


def normalise(text: str, limit: int = 200) -> str:
    """A query as officers see it in the content-gap list: folded words, no punctuation."""
    return " ".join(_WORD.findall(fold(text)))[:limit].strip()


def for_figures(text: str, limit: int = 200) -> str:
    """A typed question as it may be kept for figures: personal data replaced by a mark
    ('[SĐT]'), the rest folded as in `normalise`; never longer than `limit`."""
    kept = keep_marks(redact(clean(text)), normalise)
    if len(kept) <= limit:
        return kept
    cut = kept[:limit]
    if cut.rfind("[") > cut.rfind("]"):
        cut = cut[: cut.rfind("[")]  # never half a mark
    return cut.strip()


def shorten(text: str, limit: int) -> str:
    """Fit a label in `limit` characters, keeping its end where the difference often is:
    'Cấp thẻ căn cước cho người dưới 14 tuổi (tại Công an cấp xã)' ->
    'Cấp thẻ căn cước cho người… (tại Công an cấp xã)'."""
    text = clean(text)
    if len(text) <= limit:
        return text
    tail = text[-(limit // 2) :]
    tail = tail[tail.index(" ") + 1 :] if " " in tail else ""
    room = limit - len(tail) - 2
    head = text[:room]
    if text[room] != " " and " " in head:
        head = head[: head.rindex(" ")]
    head = head.rstrip(" ,;:-–(")
    return f"{head}… {tail}" if tail else f"{text[: limit - 1].rstrip()}…"


def _head(words: list[str], limit: int) -> str:
    """As many whole words as fit in `limit` characters, '…' when some are left out."""
    text = " ".join(words)
    if len(text) <= limit:
        return text
    out = ""
    for word in words:
        candidate = f"{out} {word}".strip()
        if len(candidate) + 1 > limit:
            break
        out = candidate
    if not out:
        return words[0][: max(1, limit - 1)] + "…"
    return out.rstrip(" ,;:-–(") + "…"


def _shared_words(one: list[str], other: list[str]) -> int:
    count = 0
    for a, b in zip(one, other, strict=False):
        if fold(a) != fold(b):
            break
        count += 1
    return count


def short_labels(texts: list[str], limit: int) -> list[str]:
    """Button labels of at most `limit` characters, cut between words with '…', each keeping
    the words that tell it apart from the others offered with it:
    'Cấp phiếu lý lịch tư pháp cho công dân…' / 'Cấp phiếu lý lịch tư pháp cho cơ quan…';
    a long shared start is shortened instead ('Liên thông điện tử:… cước cho trẻ em…').
    """
    cleaned = [clean(t) for t in texts]
    split = [t.split(" ") for t in cleaned]
    out = []
    for i, words in enumerate(split):
        text = cleaned[i]
        if len(text) <= limit:
            out.append(text)
            continue
        shared = max(
            (_shared_words(words, other) for j, other in enumerate(split) if cleaned[j] != text),
            default=0,
        )
        if shared == 0:
            out.append(shorten(text, limit))
        elif len(" ".join(words[: shared + 1])) + 1 <= limit:
            out.append(_head(words, limit))  # where it differs is within the first words
        else:
            head = " ".join(words[:2]).rstrip(" ,;:-–(")
            room = limit - len(head) - 2
            start = len(words)  # the longest end of the label that fits
            while start > 0 and len(" ".join(words[start - 1 :])) <= room:
                start -= 1
            if start <= shared:  # the end shows where it differs
                out.append(f"{head}… {' '.join(words[start:])}")
            else:
                out.append(f"{head}… {_head(words[shared:], room)}")
    return out
