"""Questions about something else are not answered with a look-alike item: subjects outside
public services (chat_words.yaml `elsewhere`), and words typed with other accent marks."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.search import Document, SearchIndex
from handlers.search import DEFAULT_MIN_CONFIDENCE
from handlers.understanding import ChatWords, MinorWords, marked_words

DOCS = [
    Document("faq", "quen-mat-khau", "Quên mật khẩu VNeID thì làm sao?", ("mật khẩu",), ""),
    Document("faq", "lua-dao", "Lừa đảo qua mạng", (), "Kẻ gian nhắn tin qua facebook"),
    Document("proc", "bien-dong", "Đăng ký biến động đất đai", ("sang tên sổ đỏ",), ""),
    Document("proc", "thua-ke", "Thừa kế, chuyển nhượng nhà đất", (), "Văn phòng đất đai"),
    Document("proc", "ban-sao", "Cấp bản sao văn bằng, chứng chỉ", (), "Sở giáo dục"),
    Document("proc", "chung-thuc", "Chứng thực bản sao", ("công chứng giấy tờ",), "UBND xã"),
    Document("faq", "plain", "Thu tuc tren mang", ("thu tuc online",), "viet khong dau"),
]


def chat_with(elsewhere: list[str], context: tuple[str, ...] = ("để",)) -> ChatWords:
    table = {}
    for entry in elsewhere:
        written = marked_words(entry)
        table[tuple(map(str, written))] = tuple(getattr(w, "marks", "") for w in written)
    return ChatWords(elsewhere=table, context=MinorWords.of(context))


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex(DOCS, chat=chat_with(["facebook", "động đất", "xin việc", "bão"]))


def confidence(index: SearchIndex, question: str, ref: str) -> float:
    return next((h.confidence for h in index.search(question, 10) if h.ref == ref), 0.0)


def evidence(index: SearchIndex, question: str, ref: str) -> float:
    """The share of the question the item matches (what the confidence is calibrated from)."""
    return next((h.evidence for h in index.search(question, 10) if h.ref == ref), 0.0)


def test_a_subject_outside_public_services_lowers_the_evidence(index: SearchIndex) -> None:
    assert evidence(index, "quên mật khẩu vneid", "faq:quen-mat-khau") > 0.9
    assert evidence(index, "quên mật khẩu facebook", "faq:quen-mat-khau") < 0.65
    unlisted = SearchIndex(DOCS)  # "facebook" is a word of the content: the question looks asked
    assert evidence(unlisted, "quên mật khẩu facebook", "faq:quen-mat-khau") > 0.7
    assert evidence(index, "dong dat o dau", "proc:bien-dong") == 0.0  # whole phrase, no accents


def test_an_entry_matches_only_as_a_whole_phrase_and_one_word_only_with_its_marks(
    index: SearchIndex,
) -> None:
    # "đất" alone is no earthquake; "bao" without accents is not "bão"
    assert evidence(index, "biến động đất đai", "proc:bien-dong") > 0.9
    assert index.parse("bao nhieu").groups[0].variants[0][0].terms == ()  # unknown word
    assert index.parse("bão số 3").groups[0].variants[0][0].word.elsewhere  # type: ignore[attr-defined]
    assert not index.parse("bao so 3").groups[0].variants[0][0].word.elsewhere  # type: ignore[attr-defined]


def test_a_subject_in_a_clause_of_why_is_context_not_the_question(index: SearchIndex) -> None:
    asked = "công chứng giấy tờ để nộp hồ sơ xin việc"
    assert index.search(asked, 1)[0].ref == "proc:chung-thuc"
    assert confidence(index, asked, "proc:chung-thuc") >= DEFAULT_MIN_CONFIDENCE
    # without the clause word, a whole phrase of four words still names the subject
    assert confidence(index, "công chứng giấy tờ xin việc", "proc:chung-thuc") >= (
        DEFAULT_MIN_CONFIDENCE
    )


def test_a_word_typed_with_other_marks_than_an_item_writes_it_is_another_word_there(
    index: SearchIndex,
) -> None:
    # "kể chuyện" is not "thừa kế, chuyển nhượng"; "bánh chưng" is not "bản … chứng"
    assert evidence(index, "kể chuyện", "proc:thua-ke") < 0.6
    assert evidence(index, "ke chuyen", "proc:thua-ke") > 0.9  # no accents: could be meant
    assert evidence(index, "kế chuyển", "proc:thua-ke") > 0.9
    assert evidence(index, "bánh chưng", "proc:ban-sao") < 0.6


def test_hoi_and_nga_are_read_alike_and_an_item_written_without_marks_matches(
    index: SearchIndex,
) -> None:
    assert evidence(index, "thừa kễ", "proc:thua-ke") == evidence(index, "thừa kể", "proc:thua-ke")
    assert evidence(index, "thủ tục trên mạng", "faq:plain") > 0.9


def test_content_check_reports_mistakes_in_the_elsewhere_list(tmp_path: Path) -> None:
    from tests.bot.search.test_examples import chat_words_problems

    found = chat_words_problems(
        tmp_path, "elsewhere: {money: [lãi suất, lai suat], apps: facebook}\ncontext: [để nộp]\n"
    )
    assert "elsewhere: 'lai suat' is listed twice" in found
    assert "elsewhere: 'apps' must be a list" in found
    assert "context: 'để nộp' must be one word" in found


def test_a_word_written_without_marks_in_an_accented_title_is_not_one_typed_with_marks() -> None:
    # "sai" (wrong) has no marks; "Sài Gòn" typed with them is another word. An example typed
    # without accents ("sua thong tin sai") may mean any marks, so it does not count as such.
    docs = [
        Document("proc", "sai", "Cấp đổi thẻ khi thông tin bị sai", (), ""),
        Document("proc", "bay", "Đăng ký chuyến đi", ("đi máy bay",), ""),
        Document("faq", "plain", "Sửa thông tin", (), "", ("sua thong tin sai",)),
    ]
    index = SearchIndex(docs)
    assert evidence(index, "thông tin bị sai", "proc:sai") > 0.9
    assert evidence(index, "đi máy bay vào Sài Gòn", "proc:sai") < evidence(
        index, "đi máy bay vào Sai Gon", "proc:sai"
    )
    assert evidence(index, "sài thông tin", "faq:plain") == evidence(
        index, "sai thông tin", "faq:plain"
    )
