"""Fee benefits apply only on their days, and a procedure offers only the benefits in force."""

from __future__ import annotations

from datetime import date
from types import MappingProxyType

import pytest

from handlers.catalog import Benefit, Catalog, Procedure


def benefit(ident: str, start: date, end: date | None) -> Benefit:
    return Benefit(
        id=ident,
        title=ident,
        description="",
        legal_basis="Thông tư thử",
        valid_from=start,
        valid_until=end,
        procedure_codes=("1.000001",),
    )


def procedure(benefit_ids: tuple[str, ...]) -> Procedure:
    return Procedure(
        code="1.000001",
        name="Đăng ký tạm trú",
        field="Cư trú",
        authority="Công an cấp xã",
        authority_level="xa",
        online_level="mot_phan",
        fee="15.000 đồng",
        online_saving="7.000 đồng",
        benefit_ids=benefit_ids,
        processing_time="3 ngày làm việc",
        portal_url="https://dichvucong.gov.vn",
        guides=(),
        keywords=(),
        uncertain=frozenset({"processing_time"}),
        source="thử nghiệm",
        checked="2026-11-29",
    )


@pytest.mark.parametrize(
    ("day", "active", "expired"),
    [
        (date(2026, 8, 14), False, False),
        (date(2026, 8, 15), True, False),
        (date(2027, 2, 28), True, False),
        (date(2027, 3, 1), False, True),
    ],
)
def test_a_benefit_applies_from_its_first_to_its_last_day_inclusive(
    day: date, active: bool, expired: bool
) -> None:
    waiver = benefit("cong-dan-so", date(2026, 8, 15), date(2027, 2, 28))
    assert waiver.active(day) is active
    assert waiver.expired(day) is expired


def test_a_benefit_without_an_end_date_never_expires() -> None:
    local = benefit("tinh", date(2025, 7, 1), None)
    assert local.active(date(2099, 1, 1))
    assert not local.expired(date(2099, 1, 1))
    assert not local.active(date(2025, 6, 30))


def test_a_procedure_offers_only_benefits_in_force_soonest_ending_first() -> None:
    benefits = {
        "half": benefit("half", date(2025, 7, 1), date(2026, 12, 31)),
        "free": benefit("free", date(2026, 8, 15), date(2027, 2, 28)),
        "local": benefit("local", date(2025, 7, 1), None),
        "old": benefit("old", date(2023, 12, 1), date(2025, 12, 31)),
    }
    catalog = Catalog(
        procedures=MappingProxyType({"1.000001": procedure(("free", "half", "local", "old"))}),
        benefits=MappingProxyType(benefits),
    )
    on_day = [b.id for b in catalog.benefits_for("1.000001", date(2026, 11, 29))]
    assert on_day == ["half", "free", "local"]
    later = [b.id for b in catalog.benefits_for("1.000001", date(2027, 1, 1))]
    assert later == ["free", "local"]
    assert catalog.benefits_for("9.999999", date(2026, 11, 29)) == ()


def test_uncertain_fields_are_flagged_per_field() -> None:
    item = procedure(())
    assert item.is_uncertain("processing_time")
    assert not item.is_uncertain("fee")
