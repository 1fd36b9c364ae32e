"""Turn what a citizen typed into weighted term alternatives: synonyms, typos, merged words."""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from handlers.text import spelling
from handlers.understanding import SYLLABLE, across_clauses

# A question longer than this loses its minor words, then its first words: a story told
# before the question ("nhà em có 2 bé … thì đăng ký … thế nào") ends with what is asked.
MAX_WORDS = 32
# Minor words (content/vi/chat_words.yaml `minor`: "tôi", "muốn", "cần") score this share of a
# word and count nothing towards the confidence, unless the question has nothing else.
STOP_WEIGHT = 0.3
SYNONYM_WEIGHT = 0.9
TYPO_WEIGHTS = {1: 0.85, 2: 0.7}
# A word typed with marks the content never writes it with ("yêu" for "yếu", "vé" for "về") is
# probably another word: it scores and counts this share of a match.
MARKS_WEIGHT = 0.5


@dataclass(frozen=True, slots=True)
class Slot:
    """One typed word: the index terms it may stand for, with weights, and whether it is filler."""

    word: str
    terms: tuple[tuple[int, float], ...]
    stop: bool


@dataclass(frozen=True, slots=True)
class Group:
    """Ways to read a stretch of the query; the first is what was typed, others are synonyms."""

    variants: tuple[tuple[Slot, ...], ...]
    # an intent word ("mất", "hết hạn"): it picks between items but is no subject itself, so it
    # counts nothing towards the confidence
    modifier: bool = False


@dataclass(frozen=True, slots=True)
class Query:
    groups: tuple[Group, ...]
    sequence: tuple[frozenset[int], ...]  # the typed words' terms in order, for phrase matching

    @property
    def empty(self) -> bool:
        return not self.groups


class Vocabulary(Protocol):
    """What the query parser needs from the index: exact and near look-ups of a word."""

    def exact(self, word: str) -> int | None: ...

    def near(self, word: str) -> tuple[tuple[int, int], ...]:
        """(term id, edits) for words within the allowed number of edits."""
        ...

    def pair(self, first: int, second: int) -> bool:
        """Whether the two words follow each other somewhere in the content."""
        ...


def parse_query(
    typed_words: Sequence[str],
    vocab: Vocabulary,
    synonyms: Mapping[tuple[str, ...], tuple[tuple[str, ...], ...]],
    minor: Container[str] = frozenset(),
    modifiers: Container[tuple[str, ...]] = frozenset(),
    instead: Container[tuple[str, ...]] = frozenset(),
    key_marks: Mapping[tuple[str, ...], tuple[str, ...]] | None = None,
    gapped: Container[tuple[str, ...]] = frozenset(),
) -> Query:
    """`typed_words` are the folded words of a question (handlers.understanding.tokens);
    the entries of `gapped` (life situations: "mẹ mất") also match with one minor word
    inside ("mẹ tôi mất")."""
    typed = _shortened(typed_words, minor)
    if not any("." in w or not w.isdigit() for w in typed):
        return Query((), ())  # only numbers: "7" is a menu choice, not a question
    longest = max((len(k) for k in synonyms), default=0)
    groups: list[Group] = []
    sequence: list[frozenset[int]] = []
    i = 0
    while i < len(typed):
        span = 1
        expansions: tuple[tuple[str, ...], ...] = ()
        key: tuple[str, ...] = ()
        # an aspect word is read as typed; a word of another subject is no synonym's start
        aside = getattr(typed[i], "aside", False) or elsewhere(typed[i])
        for size in range(0 if aside else min(longest + 1, len(typed) - i), 0, -1):
            stretch = typed[i : i + size]
            if across_clauses(stretch):
                continue  # "… bấm số, hông có …" is no "sổ hồng"
            for words in _readings(stretch, minor, gapped):
                key = tuple(words)
                found = synonyms.get(key)
                if found and not _same_marks(words, (key_marks or {}).get(key)):
                    continue  # "cười" (laugh) typed, "cưới" (wed) meant by the list
                if found:
                    span, expansions = size, found
                    break
            if expansions:
                break
        own = [
            _slot(w, vocab, minor, context=_neighbours(typed, i + k, vocab))
            for k, w in enumerate(typed[i : i + span])
        ]
        sequence.extend(frozenset(t for t, _ in s.terms) for s in own)
        variants = [tuple(own)]
        if span == 1 and not own[0].terms and not expansions and not elsewhere(typed[i]):
            variants.extend(_split(typed[i], vocab, minor))
        for expansion in expansions:
            slots = [_slot(w, vocab, minor, SYNONYM_WEIGHT) for w in expansion]
            variants.append(tuple(s for s in slots if s.terms))
        if expansions and key in instead:
            variants = variants[1:]  # read only as what it means
        kept = tuple(v for v in variants if v) or (tuple(own),)
        groups.append(Group(kept, modifier=bool(expansions) and key in modifiers))
        i += span
    return Query(tuple(groups), tuple(sequence))


def _readings(
    stretch: Sequence[str], minor: Container[str], gapped: Container[tuple[str, ...]]
) -> list[Sequence[str]]:
    """A stretch of typed words as a list entry may hold it: whole, or an entry of `gapped`
    without one minor word inside it ("mẹ tôi mất" holds the situation "mẹ mất")."""
    found: list[Sequence[str]] = [stretch]
    for j in range(1, len(stretch) - 1):
        shorter = (*stretch[:j], *stretch[j + 1 :])
        if stretch[j] in minor and shorter in gapped:
            found.append(shorter)
    return found


def _shortened(typed: Sequence[str], minor: Container[str]) -> list[str]:
    """At most MAX_WORDS words: minor ones dropped first, then the earliest."""
    if len(typed) <= MAX_WORDS:
        return list(typed)
    kept = [w for w in typed if w not in minor] or list(typed)
    return kept[-MAX_WORDS:]


def _same_marks(typed: Sequence[str], written: tuple[str, ...] | None) -> bool:
    """Whether words typed with accents carry those the list writes the phrase with."""
    if written is None:
        return True
    return all(
        not getattr(word, "marks", "") or not marks or getattr(word, "marks", "") == marks
        for word, marks in zip(typed, written, strict=False)
    )


def _neighbours(typed: list[str], index: int, vocab: Vocabulary) -> tuple[int | None, int | None]:
    before = vocab.exact(typed[index - 1]) if index > 0 else None
    after = vocab.exact(typed[index + 1]) if index + 1 < len(typed) else None
    return before, after


def _slot(
    word: str,
    vocab: Vocabulary,
    minor: Container[str],
    weight: float = 1.0,
    context: tuple[int | None, int | None] = (None, None),
) -> Slot:
    stop = word in minor
    if elsewhere(word):
        return Slot(word, (), False)  # another subject: matches nothing here, whatever is indexed
    exact = vocab.exact(word)
    if exact is not None:
        # a word typed with marks an item never writes it with is weighed per item by the index
        return Slot(word, ((exact, weight),), stop)
    if stop or word.isdigit():
        return Slot(word, (), stop)
    near = vocab.near(word)
    if SYLLABLE.fullmatch(word):
        # A real word may be a typo only where the correction makes a known pair with a
        # neighbour: "mat khua" -> "mat khau", but "phep nuoi" stays "nuôi", not "người".
        before, after = context
        near = tuple(
            (term, edits)
            for term, edits in near
            if (before is not None and vocab.pair(before, term))
            or (after is not None and vocab.pair(term, after))
        )
    return Slot(word, tuple((t, weight * TYPO_WEIGHTS[e]) for t, e in near), stop)


def elsewhere(word: str) -> bool:
    """A word of a subject outside public services (content/vi/chat_words.yaml `elsewhere`)."""
    return bool(getattr(word, "elsewhere", False))


def _split(word: str, vocab: Vocabulary, minor: Container[str]) -> list[tuple[Slot, ...]]:
    """'dangky' typed without its space -> ('dang', 'ki')."""
    for cut in range(2, len(word) - 1):
        left, right = word[:cut], spelling(word[cut:])
        if vocab.exact(left) is not None and vocab.exact(right) is not None:
            return [(_slot(left, vocab, minor), _slot(right, vocab, minor))]
    return []
