"""Personal data out of typed text before it is kept for figures (Nghị định 13/2023/NĐ-CP).

`redact` replaces phone numbers, id numbers, e-mail addresses, plate numbers, bank account
numbers and names a person gives ("tên tôi là …") with a mark such as `[SĐT]`. It works on
what people type and on the folded form officers see (`toi ten nguyen van an sdt 0912345678`),
so stored texts can be redacted again when the rules improve. Each rule is one entry of
`RULES`; the tests run every rule over a table of examples and random text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

PHONE = "[SĐT]"
ID_NUMBER = "[số giấy tờ]"
EMAIL = "[email]"
PLATE = "[biển số]"
ACCOUNT = "[số tài khoản]"
NAME = "[họ tên]"
MARKS = (PHONE, ID_NUMBER, EMAIL, PLATE, ACCOUNT, NAME)
MARK = re.compile("|".join(re.escape(mark) for mark in MARKS))

_SEP = r"[ .\-]?"  # one optional separator between digit groups: 0912 345 678, 0912.345.678
# A run of digits that may be split by single spaces, dots or dashes, and may open with +.
_NUMBER = re.compile(r"(?<![\w+])(?:\+\s?|\(\+?\d{2}\)\s?)?\d(?:" + _SEP + r"\d)*(?![\w])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# What an e-mail address becomes once folded: 'an.nguyen@gmail.com' -> 'an nguyen gmail com'.
_FOLDED_EMAIL = re.compile(
    r"\b(?:[a-z0-9]+ ){1,3}(?:gmail|yahoo|hotmail|outlook|icloud|live|ymail|email)"
    r" (?:com|vn|net)(?: vn)?\b"
)
# Cars 30A-123.45, 51F 12345, 29LD-123.45; motorbikes 29-B1 123.45, 59X1-123.45.
_PLATE = re.compile(
    r"(?<![\w])\d{2}\s?-?\s?[a-z]{1,2}\d?\s?-?\s?(?:\d{3}[ .]?\d{2}|\d{4,5})(?![\w])",
    re.IGNORECASE,
)
_AMOUNT = re.compile(r"\d{1,3}(?:[.,]\d{3})+")  # 1.500.000 (đồng) is not personal
_PROCEDURE = re.compile(r"\d\.\d{6}")  # procedure codes such as 1.001193
_ACCOUNT_WORDS = re.compile(r"(?:\bstk|\btk|tai khoan|ngan hang|account|\bbank)\W*$")
_ID_WORDS = re.compile(r"(?:cccd|cmnd|cmt|can cuoc|chung minh\w*(?: nhan dan)?|dinh danh)\W*$")

# Where a name follows (matched on the folded text). Strong: the words after are a name.
_STRONG = (
    r"(?:ten (?:toi|em|minh|con|chau|tui|anh|chi|me|bo|ong|ba)(?: la)?"
    r"|(?:toi|em|minh|con|chau|tui) ten(?: la)?|ho (?:va )?ten(?: la)?|ten la|ten:)"
)
# Weak: 'em là …' is as often 'em là sinh viên'; a name must look like one (capitals or a
# family name first).
_WEAK = r"(?:(?:toi|em|minh|con|chau|tui) la)"
_TRIGGER = re.compile(rf"(?<![a-z])(?:(?P<strong>{_STRONG})|(?P<weak>{_WEAK}))\s*[:,]?\s*")
_FAMILY_WORDS = (
    "nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly dinh doan trinh "
    "truong lam mai cao ha luu luong thai to tang kieu quach chu la lai van vuong tong"
)
_FAMILY = frozenset(_FAMILY_WORDS.split())
# Words that end a name in lower-case or folded text.
_STOP_WORDS = (
    "sdt so dt dien thoai cccd cmnd can cuoc email mail o tai nha dia chi sinh nam hoi muon "
    "can xin cho lam la va thi de ve minh toi em a nhe nha a. da dang hien nay"
)
_STOP = frozenset(_STOP_WORDS.split())
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
MAX_NAME_WORDS = 5


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    mark: str


def _fold_char(char: str) -> str:
    """One character folded to one (so positions match the original): 'Đ' -> 'd', 'ế' -> 'e'."""
    if char in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", char)[:1] or char
    return base.lower() if len(base.lower()) == 1 else char


def _numbers(text: str, folded: str) -> list[Span]:
    spans = []
    for found in _NUMBER.finditer(text):
        raw = found.group()
        digits = re.sub(r"\D", "", raw)
        mark = _number_mark(raw, digits, folded[: found.start()])
        if mark:
            spans.append(Span(found.start(), found.end(), mark))
    return spans


def _number_mark(raw: str, digits: str, before: str) -> str | None:
    """What a run of digits is, or None when it is not personal (an amount, a year, a code)."""
    if (digits.startswith("84") and len(digits) in (11, 12) and not raw.startswith("0")) or (
        digits.startswith("0") and len(digits) in (10, 11) and digits[1] != "0"
    ):
        return PHONE
    context = before.rstrip(" :")
    if _ID_WORDS.search(context) and len(digits) >= 6:
        return ID_NUMBER
    if _ACCOUNT_WORDS.search(context) and len(digits) >= 6:
        return ACCOUNT
    if _PROCEDURE.fullmatch(raw) or (_AMOUNT.fullmatch(raw) and len(digits) < 10):
        return None
    if len(digits) in (9, 12):
        return ID_NUMBER
    if len(digits) >= 8:
        return ACCOUNT  # bank accounts, insurance and tax numbers: no figure needs them
    return None


def _emails(text: str, folded: str) -> list[Span]:
    found = [Span(m.start(), m.end(), EMAIL) for m in _EMAIL.finditer(text)]
    return found + [Span(m.start(), m.end(), EMAIL) for m in _FOLDED_EMAIL.finditer(folded)]


def _plates(text: str, folded: str) -> list[Span]:
    spans = []
    for found in _PLATE.finditer(text):
        digits = re.sub(r"\D", "", found.group())
        if len(digits) >= 6:  # '12 ha' or '2 km' are not plates
            spans.append(Span(found.start(), found.end(), PLATE))
    return spans


def _names(text: str, folded: str) -> list[Span]:
    spans = []
    for trigger in _TRIGGER.finditer(folded):
        start = trigger.end()
        words = list(_WORD.finditer(text, start))
        taken: list[re.Match[str]] = []
        capitals = bool(words) and words[0].group()[:1].isupper()
        for word in words[:MAX_NAME_WORDS]:
            gap = text[(taken[-1].end() if taken else start) : word.start()]
            if gap.strip() and not set(gap.strip()) <= {"."}:
                break  # punctuation or a number ends the name
            folded_word = folded[word.start() : word.end()]
            if capitals and not word.group()[:1].isupper():
                break
            if not capitals and folded_word in _STOP:
                break
            taken.append(word)
        if not taken:
            continue
        if trigger.group("weak") and not capitals:
            first = folded[taken[0].start() : taken[0].end()]
            if first not in _FAMILY or len(taken) < 2:
                continue
        spans.append(Span(taken[0].start(), taken[-1].end(), NAME))
    return spans


RULES: dict[str, Callable[[str, str], list[Span]]] = {
    "email": _emails,
    "plate": _plates,
    "number": _numbers,
    "name": _names,
}


def redact(text: str) -> str:
    """`text` with every piece of personal data the rules find replaced by its mark."""
    if not text:
        return text
    folded = "".join(_fold_char(c) for c in text)
    spans = sorted(
        (span for rule in RULES.values() for span in rule(text, folded)),
        key=lambda s: (s.start, -s.end),
    )
    out, position = [], 0
    for span in spans:
        if span.start < position:
            continue  # inside a span already replaced (an e-mail's digits, say)
        out.append(text[position : span.start])
        out.append(span.mark)
        position = span.end
    out.append(text[position:])
    return "".join(out)


def keep_marks(text: str, transform: Callable[[str], str]) -> str:
    """Apply `transform` (say, folding for figures) to the text between marks, keeping marks."""
    parts = []
    position = 0
    for mark in MARK.finditer(text):
        parts.append(transform(text[position : mark.start()]))
        parts.append(mark.group())
        position = mark.end()
    parts.append(transform(text[position:]))
    return " ".join(part for part in parts if part)
