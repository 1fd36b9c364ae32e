"""Alternative phrasings (`examples:`) and chat words are content: the index uses them, other
sources add phrasings through `extra_examples`, and `dvcbot content check` reports mistakes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import BUNDLED_CONTENT
from bot.content import load_content
from bot.search import build_index
from bot.search.documents import documents_from
from handlers.content import Content
from handlers.registry import ROUTERS
from handlers.routing import button_actions
from handlers.search import DEFAULT_MIN_CONFIDENCE

ODD = "tôi muốn xin giấy cho phép nuôi ong mật ở ban công"  # nothing in the content says so


def top(content: Content, question: str, extra: dict[str, list[str]] | None = None) -> str:
    hits = build_index(content, extra).search(question, 1)
    return hits[0].ref if hits and hits[0].confidence >= DEFAULT_MIN_CONFIDENCE else ""


def test_extra_phrasings_from_another_source_are_merged_by_reference(content: Content) -> None:
    assert top(content, ODD) == ""
    assert top(content, ODD, {"faq:to-cong-nghe-so": [ODD]}) == "faq:to-cong-nghe-so"
    assert top(content, ODD, {"proc:1.004194": [ODD]}) == "proc:1.004194"
    assert top(content, ODD, {"guide:noi-ho-tro": [ODD]}) == "guide:noi-ho-tro"


def test_phrasings_are_read_like_questions_fillers_out_and_shorthand_expanded(
    content: Content,
) -> None:
    extra = {"faq:to-cong-nghe-so": ["cho em hỏi dk ong mật ở ban công ạ"]}
    [doc] = [d for d in documents_from(content, extra) if d.ref == "faq:to-cong-nghe-so"]
    assert "dang ki ong mat o ban cong" in doc.examples


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled content (content/vi and content/en)."""
    root = tmp_path / "content"
    shutil.copytree(BUNDLED_CONTENT.parent, root)
    return root / "vi"


def problems(root: Path) -> list[str]:
    _, found = load_content(root, known_actions=button_actions(ROUTERS))
    return [str(p) for p in found if p.severity == "error"]


def chat_words_problems(folder: Path, chat_words: str) -> str:
    """The content check's errors for a content folder holding only this chat_words.yaml."""
    root = folder / "vi"
    root.mkdir()
    (root / "chat_words.yaml").write_text(chat_words, encoding="utf-8")
    return "\n".join(problems(root))


def test_the_content_s_own_examples_are_searched(copy: Path) -> None:
    faq = copy / "faq.yaml"
    text = faq.read_text(encoding="utf-8")
    marker = "- id: to-cong-nghe-so\n"
    faq.write_text(text.replace(marker, f"{marker}  examples: [{ODD}]\n"), encoding="utf-8")
    (copy / "procedure_examples.yaml").write_text(
        '"1.004194": [xin giấy cho phép nuôi chim yến trên mái nhà]\n', encoding="utf-8"
    )
    content, _ = load_content(copy, known_actions=button_actions(ROUTERS))
    assert top(content, ODD) == "faq:to-cong-nghe-so"
    assert top(content, "xin giấy cho phép nuôi chim yến trên mái nhà") == "proc:1.004194"


def test_content_check_reports_mistakes_in_chat_words_and_examples(copy: Path) -> None:
    (copy / "chat_words.yaml").write_text(
        "fillers: [cho em hỏi, cho em hoi]\n"
        "shorthand: {ko: không, hai tu: không}\n"
        "aspects: {price: [bao nhiêu tiền]}\n"
        "colours: [xanh]\n",
        encoding="utf-8",
    )
    (copy / "procedure_examples.yaml").write_text(
        '"9.999999": [không có thủ tục này]\n1.004194: [mã không để trong ngoặc kép]\n',
        encoding="utf-8",
    )
    found = "\n".join(problems(copy))
    assert "fillers: 'cho em hoi' is listed twice" in found
    assert "shorthand: 'hai tu' must be one word" in found
    assert "aspects: unknown group 'price'" in found
    assert "unknown section 'colours'" in found
    assert "no procedure '9.999999'" in found
    assert "write code 1.004194 in quotes" in found


def test_the_bundled_chat_words_and_examples_are_clean() -> None:
    found = problems(BUNDLED_CONTENT)
    assert not [p for p in found if "chat_words" in p or "examples" in p]
