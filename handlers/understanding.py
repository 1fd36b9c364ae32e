"""How citizens write in chat: shorthand, telex leftovers, fillers, follow-ups and small talk.

The word lists are content (content/vi/chat_words.yaml, loaded into `ChatWords`); this module
only applies them to the folded words of a message.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from handlers.text import clean, spelling, words

Phrase = tuple[str, ...]

# The shape of a Vietnamese syllable without its marks: onset, optional glide, vowel(s), coda.
SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?"
    r"[ou]?(?:ie|ia|uo|ua|ye|ya|oo|uu|[aeiouy])(?:ch|ng|nh|[cmnptiyou])?"
)
# Telex and VNI keys left in a word when the keyboard did not turn them into marks:
# "ddang" (đ), "dawng" (ă), "khai sinhf" (tone key), "dang2" (VNI digit).
_TELEX_LETTERS = (("dd", "d"), ("aw", "a"), ("aa", "a"), ("ee", "e"), ("ow", "o"), ("uw", "u"))
_TONE_KEYS = frozenset("sfrxjw")  # tone keys, and w typed last for ă/ơ/ư ("dangw")
_TEEN_ONSETS = {"f": "ph", "w": "qu", "j": "gi", "z": "d"}
# The combining marks telex and VNI keys stand for: vowel shapes, and the tone typed last.
_HORN, _BREVE, _CIRCUMFLEX, _DOT = "\u031b", "\u0306", "\u0302", "\u0323"
_SHAPE_KEYS: tuple[tuple[str, str], ...] = (
    ("aw", _BREVE),
    ("aa", _CIRCUMFLEX),
    ("ee", _CIRCUMFLEX),
    ("ow", _HORN),
    ("uw", _HORN),
)
_TONES = {"s": "\u0301", "f": "\u0300", "r": "\u0309", "x": "\u0303", "j": _DOT}
_TONES |= {"1": "\u0301", "2": "\u0300", "3": "\u0309", "4": "\u0303", "5": _DOT}
_TOKEN = re.compile(r"[^\W_]+(?:\.[0-9]+)*")
_AGE = re.compile(r"([0-9]{1,3})t")


class Word(str):
    """A folded word that remembers the marks it was typed with ("" when typed without any):
    "vàng" and "vâng" fold to the same word but are not the same word."""

    marks: str = ""
    aside: bool = False  # asks about an aspect ("bao nhiêu tiền"): minor for choosing a topic
    # names something outside public services ("facebook", "lãi suất", "động đất"): read as a
    # word the content does not have, whatever the content holds
    elsewhere: bool = False
    # the last word before a comma, full stop, question mark…: a phrase does not run on past it
    # ("điện thoại bấm số, hông có …" holds no "sổ hồng")
    ends: bool = False


_CLAUSE_END = frozenset(",.;:!?…")


def ends_clause(word: str) -> bool:
    return bool(getattr(word, "ends", False))


def across_clauses(phrase: Sequence[str]) -> bool:
    """Whether a run of words crosses the end of a clause (a mark after any word but the last)."""
    return any(ends_clause(word) for word in phrase[:-1])


def _carried(word: str, like: str) -> Word:
    """`word` as a Word with the marks and flags `like` was typed with."""
    out = Word(word)
    out.marks = getattr(like, "marks", "")
    out.aside = getattr(like, "aside", False)
    out.elsewhere = getattr(like, "elsewhere", False)
    out.ends = ends_clause(like)
    return out


def marks_of(token: str) -> str:
    """The accent marks of a lower-case word, in order ('yếu' -> circumflex + acute)."""
    decomposed = unicodedata.normalize("NFD", token)
    found = "".join(c for c in decomposed if unicodedata.combining(c))
    return found + ("đ" if "đ" in token else "")


def marked_words(text: str) -> list[str]:
    """Like `words`, but each word is a `Word` carrying the marks it was typed with."""
    out: list[str] = []
    text = clean(text).lower()
    for match in _TOKEN.finditer(text):
        token = match.group()
        folded = words(token)
        marks = marks_of(token) if len(folded) == 1 else ""
        for piece in folded:
            word = Word(piece)
            word.marks = marks
            out.append(word)
        if folded and text[match.end() : match.end() + 1] in _CLAUSE_END:
            out[-1].ends = True  # type: ignore[attr-defined]
    return out


@dataclass(frozen=True)
class Beside:
    """Another meaning of a shorthand word, read after one of `after` or before one of
    `before` (folded words as typed, before shorthand is expanded)."""

    means: Phrase
    after: frozenset[str] = frozenset()
    before: frozenset[str] = frozenset()

    def applies(self, previous: str | None, following: str | None) -> bool:
        return previous in self.after or following in self.before


@dataclass(frozen=True)
class MinorWords:
    """Minor words; one typed with marks is minor only with the marks the list gives it
    ("mấy" is minor, "máy" is not, though both fold to "may")."""

    marked: frozenset[tuple[str, str]] = frozenset()
    folded: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "folded", frozenset(word for word, _ in self.marked))

    @classmethod
    def of(cls, entries: Iterable[str]) -> MinorWords:
        found = set()
        for entry in entries:
            typed = marked_words(entry)
            if len(typed) == 1:
                found.add((str(typed[0]), getattr(typed[0], "marks", "")))
        return cls(frozenset(found))

    def __contains__(self, word: object) -> bool:
        if getattr(word, "aside", False):
            return True
        marks = getattr(word, "marks", "")
        if marks:
            return (str(word), marks) in self.marked
        return word in self.folded


@dataclass(frozen=True)
class ChatWords:
    """The lists of content/vi/chat_words.yaml, folded; every list may be empty."""

    fillers: frozenset[Phrase] = frozenset()
    minor: MinorWords = field(default_factory=MinorWords)
    shorthand: Mapping[str, Phrase] = field(default_factory=lambda: MappingProxyType({}))
    # a shorthand key written with marks ("mún") is read when typed with those marks
    shorthand_marks: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # shorthand with another meaning next to certain words ("cho mk hỏi": mình, not mật khẩu)
    beside: Mapping[str, Beside] = field(default_factory=lambda: MappingProxyType({}))
    intents: Mapping[Phrase, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    situations: Mapping[Phrase, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    instead: Mapping[Phrase, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    aspects: Mapping[Phrase, str] = field(default_factory=lambda: MappingProxyType({}))
    # what a question asks about a subject ("có mất phí không", "có phải lừa đảo"): an FAQ
    # whose question asks the same is preferred among the items of that subject
    asks: Mapping[Phrase, str] = field(default_factory=lambda: MappingProxyType({}))
    small_talk: Mapping[Phrase, str] = field(default_factory=lambda: MappingProxyType({}))
    references: frozenset[Phrase] = frozenset()
    # subjects outside public services, with the marks each entry is written with
    elsewhere: Mapping[Phrase, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    # words opening a clause of why or for whom: what follows is context ("để nộp cho …")
    context: MinorWords = field(default_factory=MinorWords)
    # how the keys of intents, situations and instead are written: "cưới" is not "cười"
    key_marks: Mapping[Phrase, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    @property
    def longest(self) -> int:
        phrases: Iterable[Phrase] = (
            *self.fillers,
            *self.aspects,
            *self.asks,
            *self.small_talk,
            *self.references,
            *self.elsewhere,
        )
        return max((len(p) for p in phrases), default=1)


EMPTY = ChatWords()


def chat_words_of(content: Any) -> ChatWords:
    """The chat words of a `Content` (its `extra["chat"]`), or empty lists."""
    found = content.extra.get("chat") if content is not None else None
    return found if isinstance(found, ChatWords) else EMPTY


def phrase(text: str) -> Phrase:
    """The folded words of a list entry, as they are compared with a message."""
    return tuple(words(text))


def repair(word: str) -> str:
    """Undo telex/VNI keys left in a folded word, when what remains is a syllable."""
    if SYLLABLE.fullmatch(word) or word.isdigit():
        return word
    fixed = word
    if fixed[:1] in _TEEN_ONSETS:  # "fép" -> "phép", "wá" -> "quá": no f, w, j, z in Vietnamese
        fixed = _TEEN_ONSETS[fixed[0]] + fixed[1:]
    if fixed[-1:].isdigit() and fixed[:-1].isalpha():
        fixed = fixed[:-1]
    for keys, letter in _TELEX_LETTERS:
        fixed = fixed.replace(keys, letter)
    if not SYLLABLE.fullmatch(fixed) and fixed[-1:] in _TONE_KEYS and len(fixed) > 2:
        fixed = fixed[:-1]
    if _late_shape(fixed):
        fixed = fixed[:-1]
    return spelling(fixed) if fixed != word and SYLLABLE.fullmatch(fixed) else word


def _late_shape(word: str) -> bool:
    """Whether the word ends with the key that shapes its vowel, typed after the final
    consonant as telex keyboards allow: "mata" (mât), "thêm" typed "theme"."""
    return (
        len(word) > 3
        and not SYLLABLE.fullmatch(word)
        and word[-1] in "aeo"
        and word[-1] in word[:-2]
        and bool(SYLLABLE.fullmatch(word[:-1]))
    )


def keyed_marks(word: str) -> str | None:
    """The marks telex or VNI keys left in a word stand for, with those typed as marks, in the
    order `marks_of` gives them ("tuwr" -> horn, hook: "tử"; "hôj" -> dot, circumflex: "hộ"),
    when a tone key ends it; None otherwise. A word keyed without a tone ("ddang") is often
    keyed only in part ("đăng" meant), so its marks say too little to tell words apart."""
    typed = getattr(word, "marks", "")
    tone = _TONES.get(word[-1:]) if len(word) > 2 else None
    if tone is None:
        return None
    body = word[:-1]
    shapes = [mark for mark in typed if mark not in _TONES.values() and mark != "đ"]
    at = 0
    while at < len(body) - 1:
        found = next((m for keys, m in _SHAPE_KEYS if body.startswith(keys, at)), None)
        if found:
            shapes.append(found)
        at += 2 if found else 1
    if _late_shape(body):
        shapes.append(_CIRCUMFLEX)
    if tone == _DOT and shapes and shapes[-1] != _HORN:
        marks = [*shapes[:-1], tone, shapes[-1]]  # a dot below sorts before ^ and ˘ (NFD)
    else:
        marks = [*shapes, tone]
    return "".join(marks) + ("đ" if "dd" in body or "đ" in typed else "")


def tokens(text: str, chat: ChatWords) -> list[str]:
    """The words of a message with shorthand expanded and keyboard leftovers repaired."""
    out: list[str] = []
    typed = marked_words(text)
    for at, word in enumerate(typed):
        previous = typed[at - 1] if at else None
        following = typed[at + 1] if at + 1 < len(typed) else None
        expansion = _meant(word, previous, following, chat)
        if ends_clause(word) and expansion:
            expansion = (*expansion[:-1], _carried(expansion[-1], word))
        out.extend(expansion)
    return out


def _meant(
    word: str, previous: str | None, following: str | None, chat: ChatWords
) -> tuple[str, ...]:
    """What one typed word stands for: another meaning beside its neighbours ("cho mk hỏi"),
    an age ("15t"), shorthand, keyboard leftovers repaired, or the word itself."""
    # shorthand is typed without accents (đ aside: "đc", "sđt"): "hồng" is not "hong"
    marks = getattr(word, "marks", "")
    plain = marks in ("", "đ") or chat.shorthand_marks.get(word) == marks
    other = chat.beside.get(word) if plain else None
    if other is not None and other.applies(previous, following):
        return other.means
    age = _AGE.fullmatch(word)
    if age:  # "con 15t": an age, written as chat writes it
        return (age.group(1), "tuoi")
    if not plain:
        return (word,)
    found = chat.shorthand.get(word)
    if found is not None:
        return found
    fixed = repair(word)
    if fixed == word:
        return (word,)
    found = chat.shorthand.get(fixed)
    if found is not None:
        return found
    keyed = keyed_marks(word)
    if keyed is None:
        return (fixed,)
    repaired = _carried(fixed, word)
    repaired.marks = keyed
    return (repaired,)


def spans(
    typed: Sequence[str], table: Mapping[Phrase, Any] | frozenset[Phrase], longest: int
) -> list[tuple[int, int, Any]]:
    """Longest-first matches of the table's phrases in `typed`: (start, end, value)."""
    found = []
    i = 0
    while i < len(typed):
        for size in range(min(longest, len(typed) - i), 0, -1):
            key = tuple(typed[i : i + size])
            if key in table and not across_clauses(key):
                value = table[key] if isinstance(table, Mapping) else True
                found.append((i, i + size, value))
                i += size
                break
        else:
            i += 1
    return found


def without_fillers(typed: Sequence[str], chat: ChatWords) -> list[str]:
    """The words left once politeness and question frames are taken out."""
    drop: set[int] = set()
    for start, end, _ in spans(typed, chat.fillers, chat.longest):
        drop.update(range(start, end))
    kept = [w for i, w in enumerate(typed) if i not in drop]
    return kept or list(typed)


def set_aside_aspects(typed: Sequence[str], chat: ChatWords) -> list[str]:
    """The words, those asking about an aspect ("mất bao nhiêu tiền", "cần giấy tờ gì") marked
    aside: they say what to show of a topic, not which topic."""
    out = list(typed)
    for start, end, _ in spans(typed, chat.aspects, chat.longest):
        for i in range(start, end):
            word = _carried(out[i], out[i])
            word.aside = True
            out[i] = word
    if all(word in chat.minor for word in out):
        return list(typed)  # "vì sao nên làm online": the aspect is the whole question
    return out


def set_aside_elsewhere(
    typed: Sequence[str],
    chat: ChatWords,
    in_content: Callable[[Sequence[str]], bool] = lambda _: False,
) -> list[str]:
    """The words, those naming a subject outside public services marked `elsewhere`: an entry
    matches as a whole phrase ("lãi suất", never "suất" alone), typed without accents or with
    the marks it is written with ("vàng" the metal is not "vâng"); a one-word entry only with
    its marks. Entries after a word of `context` are left as typed, and so are those that
    with a neighbour stand in one of the content's phrases (`in_content`)."""
    out = list(typed)
    clause = next((i for i, word in enumerate(typed) if word in chat.context), len(typed))
    for start, end, _ in spans(typed, chat.elsewhere, chat.longest):
        if start > clause:
            break  # "… để nộp hồ sơ xin việc": why it is asked, not what
        if (start and in_content(typed[start - 1 : end])) or (
            end < len(typed) and in_content(typed[start : end + 1])
        ):
            continue  # part of a longer phrase the content has: "biến động đất đai"
        written = chat.elsewhere[tuple(typed[start:end])]
        typed_marks = [getattr(out[i], "marks", "") for i in range(start, end)]
        if end - start == 1 and written[0] and typed_marks[0] != written[0]:
            continue  # one word without its marks is too often another ("bao" is not "bão")
        if not all(not t or not w or t == w for t, w in zip(typed_marks, written, strict=True)):
            continue
        for i in range(start, end):
            word = _carried(out[i], out[i])
            word.elsewhere = True
            out[i] = word
    return out


def asked(typed: Sequence[str], chat: ChatWords) -> frozenset[str]:
    """What the words ask about a subject: the groups of `asks` and `aspects` they hold."""
    found = spans(typed, chat.asks, chat.longest) + spans(typed, chat.aspects, chat.longest)
    return frozenset(str(name) for _, _, name in found)


def aspect_of(text: str, chat: ChatWords) -> str | None:
    """'cần giấy tờ gì' -> 'documents': the message only asks about an aspect of a topic."""
    typed = without_fillers(tokens(text, chat), chat)
    found = spans(typed, chat.aspects, chat.longest)
    if not found:
        return None
    covered = {i for start, end, _ in found for i in range(start, end)}
    rest = [w for i, w in enumerate(typed) if i not in covered]
    refs = {i for s, e, _ in spans(rest, chat.references, chat.longest) for i in range(s, e)}
    if any(w not in chat.minor for i, w in enumerate(rest) if i not in refs):
        return None
    return str(found[0][2])


def refers_back(text: str, chat: ChatWords) -> bool:
    """Whether the message points at what was just shown ('nó', 'thủ tục này')."""
    return bool(spans(tokens(text, chat), chat.references, chat.longest))


def small_talk_of(text: str, chat: ChatWords) -> str | None:
    """'chào bạn' -> 'greeting', 'bạn là ai' -> 'who': a social message, nothing to search."""
    typed = tokens(text, chat)
    if not typed or len(typed) > 8:
        return None
    whole = chat.small_talk.get(tuple(typed))
    if whole is not None:
        return whole
    found = spans(typed, chat.small_talk, chat.longest)
    covered = {i for start, end, _ in found for i in range(start, end)}
    rest = [w for i, w in enumerate(typed) if i not in covered]
    if found and all(w in chat.minor or (w,) in chat.fillers for w in rest):
        return str(found[0][2])
    return None
