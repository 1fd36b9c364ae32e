"""Which procedure was rated: found through the search service, or the content catalogue."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from types import MappingProxyType, SimpleNamespace

from sqlalchemy import select

from bot.core import Core
from storage.models import SurveyResponse
from tests.support.talk import Talk


@dataclass(frozen=True)
class FakeHit:
    kind: str
    id: str
    title: str


class Searcher:
    """Stands in for the search service: an external component with the agreed interface."""

    def search(self, query: str, limit: int = 3) -> list[FakeHit]:
        return [
            FakeHit("guide", "vneid-muc-2", "VNeID mức 2"),
            FakeHit("proc", "1.004227", "Đăng ký tạm trú"),
            FakeHit("proc", "1.004194", "Đăng ký thường trú"),
        ][:limit]


CATALOG = SimpleNamespace(
    procedures={
        "2.000528": SimpleNamespace(name="Đăng ký khai sinh", keywords=("giay khai sinh",)),
        "1.001612": SimpleNamespace(name="Cấp bản sao trích lục hộ tịch", keywords=()),
    }
)


async def reach_procedure_question(talk: Talk) -> None:
    await talk.say("/danhgia")
    await talk.press_label("Rất hài lòng")
    await talk.press_label("Bỏ qua")  # the place


async def stored(sessions) -> SurveyResponse:
    async with sessions() as session:
        found = await session.scalar(select(SurveyResponse))
    assert found is not None
    return found


async def test_the_procedure_is_found_by_name_in_the_catalogue(sessions, content) -> None:
    extra = MappingProxyType({**content.extra, "catalog": CATALOG})
    core = Core(sessions, dataclasses.replace(content, extra=extra), services={})
    talk = Talk(core)
    await reach_procedure_question(talk)
    await talk.say("khai sinh")
    await talk.press_label("Đăng ký khai sinh")
    assert "Câu 3/" in talk.text()
    assert (await stored(sessions)).procedure_code == "2.000528"


async def test_the_search_service_is_used_when_it_runs(sessions, content) -> None:
    core = Core(sessions, content, services={"search": Searcher()})
    talk = Talk(core)
    await reach_procedure_question(talk)
    await talk.say("tam tru")
    labels = [b.label for b in talk.last[-1].buttons]
    assert labels == ["Đăng ký tạm trú", "Đăng ký thường trú", "⏭ Bỏ qua"]
    await talk.say("1")  # typing the number picks it
    assert (await stored(sessions)).answers["procedure"] == "1.004227"


async def test_a_card_button_names_the_procedure_and_it_is_not_asked_again(
    sessions, content
) -> None:
    extra = MappingProxyType({**content.extra, "catalog": CATALOG})
    talk = Talk(Core(sessions, dataclasses.replace(content, extra=extra), services={}))
    await talk.press("rate:2.000528")
    assert "Thủ tục: Đăng ký khai sinh" in talk.text()
    await talk.press_label("Rất hài lòng")
    await talk.press_label("Bỏ qua")  # the place
    assert "thủ tục nào" not in talk.text()
    assert "cách nào" in talk.text()
