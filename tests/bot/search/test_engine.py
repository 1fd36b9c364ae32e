"""The search engine forgives missing accents, typos and abbreviations, and ranks sensibly."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.search import Document, SearchIndex
from handlers.text import fold, normalise, spelling, words

DOCS = [
    Document("proc", "1.004194", "Đăng ký tạm trú", ("thuê trọ", "ở trọ"), "Công an cấp xã"),
    Document("proc", "1.004222", "Đăng ký thường trú", ("hộ khẩu",), "Công an cấp xã"),
    Document("proc", "2.000488", "Cấp phiếu lý lịch tư pháp", ("lý lịch",), "Công an tỉnh"),
    Document("proc", "1.002804", "Đổi giấy phép lái xe", ("bằng lái",), "Sở Xây dựng"),
    Document("proc", "1.001193", "Đăng ký khai sinh", ("giấy khai sinh", "1.001193"), "UBND"),
    Document("guide", "chu-ky-so", "Chữ ký số cá nhân", ("ký số",), "Cách đăng ký chữ ký số"),
    Document("faq", "quen-mat-khau", "Quên mật khẩu VNeID thì làm sao?", (), "Chọn quên mật khẩu"),
    Document("guide", "thanh-toan", "Thanh toán trực tuyến", ("nộp phí",), "Ngân hàng, ví"),
]
SYNONYMS = {"gplx": ("giấy phép lái xe",), "ho khau": ("thường trú",), "dk": ("đăng ký",)}


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex(DOCS, SYNONYMS)


def top(index: SearchIndex, query: str) -> str:
    hits = index.search(query, 3)
    return hits[0].ref if hits else ""


def test_folding_handles_case_accents_d_stroke_and_decomposed_unicode() -> None:
    decomposed = "Đăng Ký".replace("ă", "a\u0306").replace("ý", "y\u0301")
    assert fold(decomposed) == fold("ĐĂNG KÝ") == "dang ky"
    assert words("Lý lịch, KÍ tên!") == ["li", "lich", "ki", "ten"]
    assert [spelling(w) for w in ("quy", "ky", "huy", "thuy", "y")] == [
        "qui",
        "ki",
        "huy",
        "thuy",
        "y",
    ]
    assert normalise("  Đăng ký\u200b TẠM trú?? 😀 ") == "dang ky tam tru"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Đăng ký tạm trú", "proc:1.004194"),
        ("dang ky tam tru", "proc:1.004194"),
        ("DANG KY TAM TRU", "proc:1.004194"),
        ("đăng kí tạm trú", "proc:1.004194"),
        ("li lich tu phap", "proc:2.000488"),
        ("chu ki so", "guide:chu-ky-so"),
        ("1.001193", "proc:1.001193"),
    ],
)
def test_accents_case_and_i_y_spellings_find_the_same_item(
    index: SearchIndex, query: str, expected: str
) -> None:
    assert top(index, query) == expected


def test_one_typo_is_forgiven_in_words_of_four_letters_or_more(index: SearchIndex) -> None:
    assert top(index, "thanh tona") == "guide:thanh-toan"  # 'toan' has 4 letters
    assert top(index, "dnag ky tam tru") == "proc:1.004194"  # a swap counts as one edit


def test_a_real_word_we_have_no_content_for_is_not_taken_for_a_typo(index: SearchIndex) -> None:
    assert index.exact("dang") is not None
    assert top(index, "nuoi rong") == ""  # not 'người', 'công'


def test_short_words_need_exact_spelling(index: SearchIndex) -> None:
    assert index.search("xq", 3) == []  # 2 letters: no edit allowed
    assert index.exact("tru") is not None
    assert index.near("trx") == ()


def test_two_typos_are_forgiven_only_in_words_of_eight_letters_or_more(
    index: SearchIndex,
) -> None:
    long_word = index.near("thuonng")  # 7 letters, one extra letter: one edit allowed
    assert {index_word(index, t) for t, _ in long_word} == {"thuong"}
    assert index.near("thuongxx") != ()  # 8 letters: two edits allowed
    assert index.near("thuonxx") == ()  # 7 letters: two edits are too many


def index_word(index: SearchIndex, term: int) -> str:
    return next(w for w, t in index.terms.items() if t == term)


def test_synonyms_and_abbreviations_expand(index: SearchIndex) -> None:
    assert top(index, "doi gplx") == "proc:1.002804"
    assert top(index, "dk thuong tru") == "proc:1.004222"
    assert top(index, "nhập hộ khẩu") == "proc:1.004222"


def test_words_typed_without_spaces_are_split(index: SearchIndex) -> None:
    assert top(index, "dangky tamtru") == "proc:1.004194"


def test_a_title_match_outranks_keywords_and_keywords_outrank_the_body() -> None:
    docs = [
        Document("faq", "body", "Một câu hỏi khác", (), "nội dung nói về hộ chiếu"),
        Document("faq", "keywords", "Một câu hỏi nữa", ("hộ chiếu",), "nội dung"),
        Document("faq", "title", "Cấp hộ chiếu", (), "nội dung"),
    ]
    hits = SearchIndex(docs).search("ho chieu", 3)
    assert [h.id for h in hits] == ["title", "keywords", "body"]


def test_the_words_in_order_rank_above_the_same_words_scattered() -> None:
    docs = [
        Document("faq", "scattered", "Khai báo tạm vắng, sinh hoạt", (), ""),
        Document("faq", "phrase", "Sinh hoạt tạm vắng khai báo", (), ""),
    ]
    assert SearchIndex(docs).search("khai bao tam vang", 1)[0].id == "scattered"
    assert SearchIndex(docs).search("sinh hoat tam vang", 1)[0].id == "phrase"


def test_evidence_is_the_share_of_the_question_matched_and_confidence_follows_it(
    index: SearchIndex,
) -> None:
    whole = index.search("dang ky tam tru", 1)[0]
    assert whole.evidence == pytest.approx(1.0)
    partial = index.search("dang ky tam tru xyzzyq", 1)[0]
    assert 0.3 < partial.evidence < 1.0
    assert 0 < partial.confidence < whole.confidence < 1
    assert index.search("asdfgh qwerty", 3) == []


@pytest.mark.parametrize("query", ["", "   ", "😀😀😀", "\x00\x07\x1b", "7", "日本語 текст"])
def test_input_without_words_finds_nothing(index: SearchIndex, query: str) -> None:
    assert index.search(query, 3) == []


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_any_text_searches_without_error(text: str) -> None:
    hits = INDEX.search(text, 3)
    assert len(hits) <= 3
    assert all(0.0 <= h.confidence <= 1.0 + 1e-6 for h in hits)


INDEX = SearchIndex(DOCS, SYNONYMS)


def test_an_empty_index_answers_nothing() -> None:
    assert SearchIndex([]).search("dang ky", 3) == []
