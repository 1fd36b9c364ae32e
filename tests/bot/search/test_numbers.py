"""A number the question gives a word ("mức 2") picks the item whose title numbers that word
the same way: the "mức 1" guide never outranks the "mức 2" one, whatever the story around."""

from __future__ import annotations

from bot.search import Document, SearchIndex

DOCS = [
    Document(
        "guide",
        "muc-1",
        "Tài khoản định danh điện tử mức 1",
        ("cài ứng dụng VNeID trên điện thoại",),
        "Tự đăng ký trên điện thoại của mình.",
    ),
    Document("guide", "muc-2", "Tài khoản định danh điện tử mức 2", ("công an xã",), ""),
    Document("faq", "khac-nhau", "Mức 1 và mức 2 khác nhau thế nào?", (), ""),
    Document("proc", "giay-phep", "Cấp giấy phép lái xe hạng B", (), "lái xe ô tô"),
]


def refs(question: str, docs: list[Document] = DOCS) -> list[str]:
    return [hit.ref for hit in SearchIndex(docs).search(question, 3)]


def test_the_level_asked_for_comes_before_the_other_level() -> None:
    # the story's words (cài ứng dụng, điện thoại) are all in the level-1 guide
    asked_two = refs("mẹ tôi không tự cài ứng dụng trên điện thoại được, muốn có định danh mức 2")
    assert asked_two[0] == "guide:muc-2"
    assert asked_two.index("guide:muc-2") < asked_two.index("guide:muc-1")
    asked_one = refs("đăng ký tài khoản định danh mức 1 trên điện thoại")
    assert asked_one[0] == "guide:muc-1"


def test_an_item_naming_both_numbers_is_not_held_back() -> None:
    assert refs("mức 1 với mức 2 khác nhau chỗ nào")[0] == "faq:khac-nhau"


def test_a_question_without_the_number_ranks_as_before() -> None:
    found = refs("tài khoản định danh điện tử")
    assert set(found[:2]) == {"guide:muc-1", "guide:muc-2"}


AGES = [
    Document("proc", "tu-14", "Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên", ("đi làm",), ""),
    Document("proc", "duoi-14", "Cấp thẻ căn cước cho người dưới 14 tuổi", (), ""),
    Document("faq", "bhyt", "Thẻ bảo hiểm y tế cho bé dưới 6 tuổi", (), ""),
]


def by_age(question: str) -> list[str]:
    return refs(question, AGES)


def test_an_age_the_question_gives_picks_the_item_whose_title_admits_it() -> None:
    # "đi làm" is a word of the 14+ item, but a girl of 10 is under 14
    assert by_age("con gái tôi 10 tuổi, sắp đi làm hồ sơ, muốn làm thẻ căn cước")[0] == (
        "proc:duoi-14"
    )
    assert by_age("tôi 35 tuổi làm thẻ căn cước")[0] == "proc:tu-14"
    assert by_age("bé 3 tháng tuổi làm thẻ bảo hiểm y tế ở đâu")[0] == "faq:bhyt"


def test_a_bound_the_question_gives_is_no_age() -> None:
    assert by_age("thẻ căn cước cho người dưới 14 tuổi")[0] == "proc:duoi-14"
