"""The ranked index: BM25F over title > keywords > body, typo tolerance, phrase and title bonus."""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.search.calibration import FITTED, Calibration
from bot.search.documents import Document, documents_from, synonyms_from
from bot.search.query import MARKS_WEIGHT, STOP_WEIGHT, Query, Slot, elsewhere, parse_query
from handlers.content import Content
from handlers.search import Hit
from handlers.text import words
from handlers.understanding import (
    EMPTY,
    SYLLABLE,
    ChatWords,
    asked,
    chat_words_of,
    marked_words,
    set_aside_aspects,
    set_aside_elsewhere,
    tokens,
    without_fillers,
)

FIELD_WEIGHTS = (5.0, 3.0, 1.0)  # title, keywords, body
FIELD_B = (0.3, 0.3, 0.75)  # how much a long field dilutes a match (BM25 b)
K1 = 2.0
CANDIDATES = 40  # best base scores re-ranked with the phrase and title bonuses
BIGRAM_BONUS, PHRASE_BONUS, EXACT_BONUS, TITLE_BONUS = 0.3, 0.2, 0.35, 0.25
UNKNOWN_MASS = 1.0  # an unknown word weighs as much as the rarest known word
# ... and twice that when it is no Vietnamese syllable ("facebook", "iphone", "cv"): a name of
# something else the question is about
FOREIGN_MASS = 2.0
FOREIGN_LENGTH = 4
DIGIT_SHARE = 0.3  # of a number's weight towards the confidence
BODY_REACH = 0.5  # a word found only in the body counts this much towards the confidence
CACHE_SIZE = 20_000
PHRASE_SCAN = 200  # items looked through for a phrase holding a word of another subject
# Confidence: a question holding a whole title/keyword/example of two words or more starts from
# HELD_FLOOR; one whose matched words never stand next to each other in the item is scaled down.
HELD_FLOOR = 0.5
SCATTERED = 0.6
# An FAQ whose question asks what the message asks ("… có mất phí không", "… ở đâu") scores
# this share more than the other items of its subject.
ASK_BONUS = 0.35
# An item whose title holds what a qualifier of the question means ("người Lào" -> "nước
# ngoài", "mất" -> "cấp lại") scores this share more than its siblings without it.
QUALIFIER_BONUS = 0.3
# A whole phrase of an item of this many words is the subject even when the question also
# names something outside public services ("hồ sơ xin việc … phiếu lý lịch tư pháp").
LONG_PHRASE = 4
OTHER_NUMBER = 0.3  # an item whose title numbers the asked word otherwise ("mức 1" vs "mức 2")
PLAIN = "-"  # how a text written with accents writes a word that has none

Array = NDArray[np.float32]
Phrase = tuple[int, ...]


class SearchIndex:
    """Built once from the content; `search` is pure and safe to call from any task."""

    def __init__(
        self,
        documents: Iterable[Document],
        synonyms: Mapping[str, Sequence[str]] | None = None,
        chat: ChatWords = EMPTY,
        calibration: Calibration | None = FITTED,
    ) -> None:
        """`calibration` turns a hit's evidence into its confidence (bot/search/calibration.py);
        None leaves the confidence the evidence itself (to fit a calibration on)."""
        self.documents: list[Document] = list(documents)
        self.calibration = calibration
        self.chat = chat
        self.size = len(self.documents)
        # word -> id, handing out the next id to a new word; map() keeps tokenizing in C
        ids: defaultdict[str, int] = defaultdict(itertools.count().__next__)
        self._pairs: set[tuple[int, int]] = set()  # words that follow each other somewhere
        self._phrases: list[tuple[Phrase, ...]] = []  # the title and each keyword, as ids
        fields: list[tuple[Phrase, Phrase, Phrase]] = []
        seen: dict[str, Phrase] = {}  # fields, keywords and names repeat across documents

        # how each document writes a word: (term, marks) -> documents
        written: defaultdict[tuple[int, str], set[int]] = defaultdict(set)
        seen_marks: dict[str, frozenset[tuple[int, str]]] = {}

        def phrase(text: str, doc: int) -> Phrase:
            found = seen.get(text)
            if found is None:
                typed = marked_words(text)
                found = seen[text] = tuple(map(ids.__getitem__, typed))
                pairs = [(t, same_tone(w.marks)) for t, w in zip(found, typed, strict=True)]  # type: ignore[attr-defined]
                # in a text written with accents, a word without any is written so on purpose
                # ("sai" is not "Sài Gòn", "cho" is not "chó"); in one written without accents
                # (an example typed as citizens type) it may stand for any marks
                accented = any(mark for _, mark in pairs)
                seen_marks[text] = frozenset(
                    (term, mark or (PLAIN if accented else "")) for term, mark in pairs
                )
            for pair in seen_marks[text]:
                written[pair].add(doc)
            return found

        for number, doc in enumerate(self.documents):
            title = phrase(doc.title, number)
            keywords = [phrase(k, number) for k in (*doc.keywords, *doc.examples)]
            body = phrase(doc.body, number)
            for sequence in (title, *keywords, body):
                self._pairs.update(itertools.pairwise(sequence))
            self._phrases.append((title, *keywords))
            fields.append((title, tuple(itertools.chain.from_iterable(keywords)), body))
        self.terms: dict[str, int] = dict(ids)
        self._numbers = {term: word for word, term in self.terms.items() if word.isdigit()}
        self._ages = [age_range(words(d.title)) for d in self.documents]
        self._build_postings(fields)
        # per word and marks: which of the word's postings write it so ("kể" is not "kế")
        self._written: dict[tuple[int, str], NDArray[np.bool_]] = {
            (term, mark): np.isin(self.postings[term][0], np.fromiter(docs, np.int32, len(docs)))
            for (term, mark), docs in written.items()
        }
        self._bigrams = [
            set(itertools.chain.from_iterable(itertools.pairwise(p) for p in phrases))
            for phrases in self._phrases
        ]
        self._titles = [frozenset(phrases[0]) for phrases in self._phrases]
        # what each FAQ question asks about its subject (cost, online, where, error, scam…)
        self._asks = [
            asked(without_fillers(tokens(d.title, chat), chat), chat)
            if d.kind == "faq"
            else frozenset()
            for d in self.documents
        ]
        self._by_length: dict[int, list[str]] = {}
        for word in self.terms:
            self._by_length.setdefault(len(word), []).append(word)
        self._near_cache: dict[str, tuple[tuple[int, int], ...]] = {}
        # Synonyms and intent words ("mất" -> "cấp lại") are both read as alternatives.
        readings: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        tables = (chat.intents, chat.situations, chat.instead)
        entries = [(tuple(words(k)), v) for k, v in (synonyms or {}).items()]
        entries += [item for table in tables for item in table.items()]
        for folded, expansions in entries:
            if folded:
                found = readings.setdefault(folded, [])
                found.extend(r for r in map(_reading, expansions) if r not in found)
        self.synonyms = {key: tuple(value) for key, value in readings.items()}
        # intent words and "instead" readings shape the ranking but are no subject themselves
        self.modifiers = frozenset((*chat.intents, *chat.instead)) - set(
            map(tuple, map(words, synonyms or {}))
        )
        self.instead = frozenset(chat.instead)

    def _build_postings(self, fields: list[tuple[Phrase, Phrase, Phrase]]) -> None:
        """BM25F: per word and document, the saturated sum of weighted field frequencies."""
        averages = [
            max(1.0, sum(len(f[i]) for f in fields) / max(1, len(fields))) for i in range(3)
        ]
        weighted: dict[int, dict[int, float]] = defaultdict(dict)
        prominent: dict[int, set[int]] = defaultdict(set)  # docs with the word in title/keywords
        for doc, doc_fields in enumerate(fields):
            for i, seq in enumerate(doc_fields):
                if not seq:
                    continue
                norm = FIELD_WEIGHTS[i] / (1 - FIELD_B[i] + FIELD_B[i] * len(seq) / averages[i])
                for term, count in Counter(seq).items():
                    per_doc = weighted[term]
                    per_doc[doc] = per_doc.get(doc, 0.0) + count * norm
                    if i < 2:
                        prominent[term].add(doc)
        self.idf = np.zeros(len(self.terms), dtype=np.float32)
        empty = (np.empty(0, np.int32), np.empty(0, np.float32), np.empty(0, np.float32))
        # per word: the documents, their saturated BM25F weight, and how much a match there
        # counts towards the confidence (less when the word is only in the body)
        self.postings: list[tuple[NDArray[np.int32], Array, Array]] = [empty] * len(self.terms)
        for term, per_doc in weighted.items():
            df = len(per_doc)
            self.idf[term] = math.log(1 + (self.size - df + 0.5) / (df + 0.5))
            docs = np.fromiter(per_doc.keys(), np.int32, df)
            tf = np.fromiter(per_doc.values(), np.float32, df)
            strong = prominent.get(term, set())
            reach = np.fromiter(
                (1.0 if d in strong else BODY_REACH for d in per_doc), np.float32, df
            )
            self.postings[term] = (docs, tf * (K1 + 1) / (K1 + tf), reach)
        self.max_idf = float(self.idf.max()) if len(self.idf) else 1.0

    # -- the Vocabulary protocol used by the query parser ------------------------------------

    def exact(self, word: str) -> int | None:
        return self.terms.get(word)

    def pair(self, first: int, second: int) -> bool:
        return (first, second) in self._pairs

    def near(self, word: str) -> tuple[tuple[int, int], ...]:
        """Index words one edit away (4+ letters) or two edits away (8+ letters)."""
        cached = self._near_cache.get(word)
        if cached is not None:
            return cached
        edits = 2 if len(word) >= 8 else 1 if len(word) >= 4 else 0
        found: list[tuple[int, float, int]] = []
        for length in range(len(word) - edits, len(word) + edits + 1) if edits else ():
            bucket = self._by_length.get(length)
            if bucket:
                for match, distance, _ in process.extract(
                    word, bucket, scorer=OSA.distance, score_cutoff=edits, limit=None
                ):
                    term = self.terms[match]
                    found.append((int(distance), -len(self.postings[term][0]), term))
        result = tuple((term, distance) for distance, _, term in sorted(found)[:3])
        if len(self._near_cache) < CACHE_SIZE:
            self._near_cache[word] = result
        return result

    # -- searching ------------------------------------------------------------------------

    def parse(self, query: str) -> Query:
        """The question as the index reads it: chat words applied, then words to terms."""
        return self._read(query)[0]

    def _read(self, query: str) -> tuple[Query, frozenset[str]]:
        """The parsed question, and what it asks about its subject."""
        typed = without_fillers(tokens(query, self.chat), self.chat)
        asks = asked(typed, self.chat)
        typed = set_aside_aspects(typed, self.chat)
        if self.chat.elsewhere:
            typed = set_aside_elsewhere(typed, self.chat, self._in_phrase)
        parsed = parse_query(
            typed,
            self,
            self.synonyms,
            self.chat.minor,
            self.modifiers,
            self.instead,
            self.chat.key_marks,
            self.chat.situations,
        )
        return parsed, asks

    def _in_phrase(self, typed: Sequence[str]) -> bool:
        """Whether these words stand in this order in a title, keyword or example."""
        terms = [self.terms.get(word) for word in typed]
        if not terms or None in terms:
            return False
        wanted = tuple(t for t in terms if t is not None)
        docs = self.postings[wanted[0]][0]
        for term in wanted[1:]:
            docs = np.intersect1d(docs, self.postings[term][0], assume_unique=True)
        size = len(wanted)
        return any(
            phrase[i : i + size] == wanted
            for doc in docs[:PHRASE_SCAN].tolist()
            for phrase in self._phrases[doc]
            for i in range(len(phrase) - size + 1)
        )

    def search(self, query: str, limit: int = 3) -> list[Hit]:
        """The best `limit` matches, best first; empty when nothing matches at all."""
        parsed, asks = self._read(query)
        if parsed.empty or not self.size:
            return []
        scores, coverage = self._score(parsed)
        matched = np.flatnonzero(scores)
        if not len(matched):
            return []
        if len(matched) > CANDIDATES:
            top = np.argpartition(scores[matched], -CANDIDATES)[-CANDIDATES:]
            matched = matched[top]
        ranked = []
        wanted = _Wanted(parsed)
        for doc in matched.tolist():
            bonus, exact = self._bonus(doc, wanted)
            if asks and asks & self._asks[doc]:
                # only among the items of the subject asked about: as much as it matches it
                bonus += ASK_BONUS * float(coverage[doc])
            score = float(scores[doc]) * (1 + bonus)
            if wanted.numbered and self._other_number(doc, wanted.numbered):
                score *= OTHER_NUMBER  # "mức 2" asked, "mức 1" in the title
            if wanted.age is not None and not _within(wanted.age, self._ages[doc]):
                score *= OTHER_NUMBER  # "bé 10 tuổi": not "từ đủ 14 tuổi trở lên"
            ranked.append((score, doc, exact))
        ranked.sort(key=lambda item: (-item[0], item[1]))
        hits = []
        best = ranked[0][0]
        for score, doc, exact in ranked[: limit * 3]:
            item = self.documents[doc]
            evidence = self._confidence(doc, float(coverage[doc]), wanted)
            confidence = (
                self.calibration.confidence(evidence, score, best, self.max_idf)
                if self.calibration
                else evidence
            )
            hits.append(
                Hit(item.kind, item.id, item.title, round(score, 4), confidence, exact, evidence)
            )
        # an item matched only through intent words ("hết hạn" -> gia hạn) answers nothing
        hits.sort(key=lambda h: h.confidence <= 0)
        return hits[:limit]

    def _other_number(self, doc: int, numbered: list[tuple[frozenset[int], str]]) -> bool:
        """Whether the item's title numbers a word of the question otherwise ("mức 1" for a
        question about "mức 2"), and never as the question does."""
        title = self._phrases[doc][0]
        given = [
            (word, self._numbers[number])
            for word, number in itertools.pairwise(title)
            if number in self._numbers
        ]
        if not given:
            return False
        for terms, number in numbered:
            numbers = {n for word, n in given if word in terms}
            if numbers and number not in numbers:
                return True
        return False

    def _confidence(self, doc: int, coverage: float, wanted: _Wanted) -> float:
        """The share of the question's informative words matched, raised when the question
        holds a whole title, keyword or example of the document ("… khai báo tạm vắng …"),
        lowered when the words it matches never stand together in it (scattered look-alikes:
        "người yêu" is not "yếu tố nước ngoài")."""
        if coverage <= 0:
            return 0.0
        if wanted.informative >= 2:
            phrases = self._phrases[doc]
            # beside a word of another subject, only a long phrase typed whole names ours
            held = 0 if wanted.foreign else wanted.held_length(phrases, not wanted.elsewhere)
            if held >= (LONG_PHRASE if wanted.elsewhere else 2):
                coverage = HELD_FLOOR + (1 - HELD_FLOOR) * coverage
            elif not wanted.meets(self._bigrams[doc]):
                coverage *= SCATTERED
        return min(1.0, coverage)

    def _score(self, query: Query) -> tuple[Array, Array]:
        """Per document: BM25F score and the share of the question it matches."""
        only_stop = all(s.stop for g in query.groups for s in g.variants[0])
        scores = np.zeros(self.size, np.float32)
        covered = np.zeros(self.size, np.float32)
        total = 0.0
        for group in query.groups:
            best_score: Array | None = None
            best_cover: Array | None = None
            typed_mass = 0.0
            for index, variant in enumerate(group.variants):
                score = np.zeros(self.size, np.float32)
                cover = np.zeros(self.size, np.float32)
                variant_mass = 0.0
                for slot in variant:
                    slot_score, reached = self._slot_score(slot, only_stop)
                    slot_mass = self._mass(slot, only_stop)
                    score += slot_score
                    cover += reached * np.float32(slot_mass)
                    variant_mass += slot_mass
                if index == 0:
                    typed_mass = variant_mass
                elif len(variant) != len(group.variants[0]):
                    # A synonym scores as much as the words typed, however many words it has.
                    score *= np.float32(len(group.variants[0]) / len(variant))
                if variant_mass:
                    cover /= np.float32(variant_mass)
                best_score = score if best_score is None else np.maximum(best_score, score)
                best_cover = cover if best_cover is None else np.maximum(best_cover, cover)
            if best_score is not None and best_cover is not None:
                scores += best_score
                if not group.modifier:
                    covered += best_cover * np.float32(typed_mass)
                    total += typed_mass
        if total and not only_stop:
            covered /= np.float32(total)
        else:
            covered[:] = 0  # "tôi muốn hỏi": nothing asked yet, whatever matches
        return scores, covered

    def _slot_score(self, slot: Slot, only_stop: bool) -> tuple[Array, Array]:
        """Per document: what the word scores, and how much of it counts as matched."""
        score = np.zeros(self.size, np.float32)
        reached = np.zeros(self.size, np.float32)
        factor = STOP_WEIGHT if slot.stop and not only_stop else 1.0
        marks = same_tone(getattr(slot.word, "marks", ""))
        for term, weight in slot.terms:
            ids, values, reach = self.postings[term]
            contribution = values * np.float32(weight * factor * self.idf[term])
            if marks:
                # typed with marks an item writes the word without: another word there
                # ("kể chuyện" is not "thừa kế … chuyển nhượng", "bánh" is not "bản")
                # (an item that writes it without any marks, as some examples are, may mean it)
                other = self._other_marks(term, marks)
                contribution = contribution * other
                reach = reach * other
            if len(slot.terms) == 1:
                score[ids] = contribution
                reached[ids] = reach
            else:
                score[ids] = np.maximum(score[ids], contribution)
                reached[ids] = np.maximum(reached[ids], reach)
        return score, reached

    def _other_marks(self, term: int, marks: str) -> Array | np.float32:
        """Per posting of the word: 1 where the item writes it with `marks` (or with none),
        MARKS_WEIGHT where it writes it only otherwise."""
        found = [self._written[key] for key in ((term, marks), (term, "")) if key in self._written]
        if not found:
            return np.float32(MARKS_WEIGHT)
        either = found[0] if len(found) == 1 else found[0] | found[1]
        return np.where(either, np.float32(1), np.float32(MARKS_WEIGHT))

    def _mass(self, slot: Slot, only_stop: bool) -> float:
        """How much a typed word counts towards the confidence."""
        if slot.stop and not only_stop:
            return 0.0
        if slot.word.isdigit():  # "5 tuổi", "2 năm": context more than subject
            known = max((float(self.idf[t]) for t, _ in slot.terms), default=self.max_idf)
            return DIGIT_SHARE * known
        if not slot.terms:
            return (FOREIGN_MASS if foreign(slot.word) else UNKNOWN_MASS) * self.max_idf
        return max(float(self.idf[term]) for term, _ in slot.terms)

    def _bonus(self, doc: int, wanted: _Wanted) -> tuple[float, bool]:
        """Phrase and title bonuses as a share of the base score, and whether the question is
        the whole title or a whole keyword of the document."""
        bigrams = self._bigrams[doc]
        pairs = wanted.pairs
        hits = sum(1 for a, b in pairs if any((x, y) in bigrams for x in a for y in b))
        bonus = BIGRAM_BONUS * hits / len(pairs) if pairs else 0.0
        phrase = 0.0
        if hits == len(pairs):
            for candidate in self._phrases[doc]:
                phrase = max(phrase, wanted.phrase_bonus(candidate))
                if phrase == EXACT_BONUS:
                    break
        title = self._titles[doc]
        if title:
            bonus += TITLE_BONUS * len(title & wanted.terms) / len(title)
            if any(q <= title for q in wanted.qualifiers):
                bonus += QUALIFIER_BONUS
        return bonus + phrase, phrase == EXACT_BONUS


class _Wanted:
    """What the re-ranking looks for in each candidate, worked out once per question."""

    def __init__(self, query: Query) -> None:
        self.sequence = query.sequence
        self.pairs = list(itertools.pairwise(self.sequence))
        # a word the question numbers ("mức 2", "hạng 3"): its terms, and the number typed
        typed_slots = [slot for g in query.groups for slot in g.variants[0]]
        self.numbered = [
            (frozenset(t for t, _ in word.terms), number.word)
            for word, number in itertools.pairwise(typed_slots)
            if number.word.isdigit() and word.terms and not word.word.isdigit()
        ]
        self.age = stated_age([slot.word for slot in typed_slots])
        typed = [g.variants[0] for g in query.groups]
        self.informative = sum(1 for v in typed for slot in v if not slot.stop)
        # a word of no Vietnamese shape the content does not have ("facebook"): the question is
        # about something else even when it holds one of an item's phrases
        strangers = [
            slot.word
            for g in query.groups
            if len(g.variants) == 1  # "passport" has a synonym: it is no stranger
            for slot in g.variants[0]
            if not slot.terms and not slot.stop
        ]
        self.foreign = any(foreign(word) for word in strangers)
        self.elsewhere = any(elsewhere(word) for word in strangers)
        # what the qualifiers of the question mean, as sets of terms a title may hold
        self.qualifiers = [
            frozenset(t for slot in variant for t, _ in slot.terms[:1])
            for g in query.groups
            if g.modifier
            for variant in g.variants[1:]
            if variant
        ]
        # a synonym ("sổ đỏ" -> "giấy chứng nhận …") is a phrase of its own
        self.synonym = any(len(g.variants) > 1 and len(g.variants[0]) > 1 for g in query.groups)
        # what synonyms of two words or more stand for, to find whole in an item's phrases
        self.expansions = [
            tuple(frozenset(t for t, _ in slot.terms) for slot in variant)
            for g in query.groups
            if not g.modifier
            for variant in g.variants[1:]
            if len(variant) >= 2
        ]
        self.terms: set[int] = set().union(*self.sequence) if self.sequence else set()
        for group in query.groups:
            for variant in group.variants[1:]:
                self.terms.update(t for s in variant for t, _ in s.terms)

    def meets(self, bigrams: set[tuple[int, int]]) -> bool:
        """Whether two neighbouring words of the question stand together in the item."""
        return self.synonym or any((x, y) in bigrams for a, b in self.pairs for x in a for y in b)

    def held_length(self, phrases: tuple[Phrase, ...], readings: bool = True) -> int:
        """The length of the longest of the item's phrases (2+ words) the question contains
        whole, or of a synonym of it standing whole in one of them ("passport" -> "… hộ chiếu
        phổ thông …"); 0 when it holds none."""
        best = 0
        for expansion in self.expansions if readings else ():
            size = len(expansion)
            for phrase in phrases:
                for start in range(len(phrase) - size + 1):
                    if all(phrase[start + i] in expansion[i] for i in range(size)):
                        best = max(best, size)
                        break
        sequence, size = self.sequence, len(self.sequence)
        for phrase in phrases:
            length = len(phrase)
            if length < 2 or length > size or length <= best:
                continue
            for start in range(size - length + 1):
                if all(phrase[i] in sequence[start + i] for i in range(length)):
                    best = length
                    break
        return best

    def phrase_bonus(self, phrase: Phrase) -> float:
        """The bonus for the question appearing in a title or keyword: whole, or inside it."""
        sequence, size = self.sequence, len(self.sequence)
        if not size or size > len(phrase):
            return 0.0
        first = sequence[0]
        for start in range(len(phrase) - size + 1):
            if phrase[start] in first and all(
                phrase[start + i] in sequence[i] for i in range(1, size)
            ):
                return EXACT_BONUS if size == len(phrase) else PHRASE_BONUS
        return 0.0


# How titles bound an age ("dưới 14 tuổi", "từ đủ 14 tuổi trở lên", "trên 80 tuổi"), folded.
_BELOW = ("duoi",)
_FROM = ("tu", "du", "tren")
AgeRange = tuple[int | None, int | None]  # [from, below): None where open


def age_range(title: Sequence[str]) -> AgeRange | None:
    """The ages an item is for, when its title bounds them ("cho trẻ dưới 6 tuổi")."""
    for at in range(1, len(title) - 1):
        if title[at].isdigit() and title[at + 1] == "tuoi":
            age = int(title[at])
            if title[at - 1] in _BELOW:
                return (None, age)
            if title[at - 1] in _FROM:
                return (age + 1 if title[at - 1] == "tren" else age, None)
    return None


def stated_age(typed: Sequence[str]) -> int | None:
    """The one age a question gives ("bé nhà em 10 tuổi" -> 10, "3 tháng tuổi" -> 0); a bound
    ("dưới 14 tuổi") is no age."""
    ages = set()
    for at in range(len(typed) - 1):
        if not typed[at].isdigit() or (at and typed[at - 1] in (*_BELOW, *_FROM, "qua")):
            continue
        if typed[at + 1] == "tuoi":
            ages.add(int(typed[at]))
        elif typed[at + 1] == "thang" and typed[at + 2 : at + 3] == ["tuoi"]:
            ages.add(0)
    return ages.pop() if len(ages) == 1 else None


def _within(age: int, bounds: AgeRange | None) -> bool:
    if bounds is None:
        return True
    low, below = bounds
    return (low is None or age >= low) and (below is None or age < below)


def foreign(word: str) -> bool:
    """A word of 4+ letters of no Vietnamese shape ("iphone", "tiktok"); shorter ones are more
    often shorthand or slips ("kq", "6t")."""
    return len(word) >= FOREIGN_LENGTH and word.isalpha() and not SYLLABLE.fullmatch(word)


def same_tone(marks: str) -> str:
    """Marks with the tilde (ngã) read as the hook (hỏi): the two tones are often confused."""
    return marks.replace("\u0303", "\u0309")


def _reading(phrase: str) -> tuple[str, ...]:
    """A synonym's words with their marks, so "khai tử" is not read as minor "từ"."""
    return tuple(marked_words(phrase))


def build_index(
    content: Content, extra_examples: Mapping[str, Sequence[str]] | None = None
) -> SearchIndex:
    """The index over every guide, FAQ entry and procedure of `content`; `extra_examples`
    adds phrasings per reference ("proc:CODE") from outside the content, such as the ones
    officers linked to an answer (bot/handoff/learning.py; see documents_from)."""
    return SearchIndex(
        documents_from(content, extra_examples), synonyms_from(content), chat_words_of(content)
    )
