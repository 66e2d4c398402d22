"""Discount lists: tier validation (overlaps, gaps, open ends) and tier boundaries."""

import datetime as dt
from decimal import Decimal

import pytest

from crm_catalog.domain.discounts import DiscountList, DiscountType
from crm_catalog.service_layer import discount_lists
from crm_chassis.errors import (
    FailedPrecondition,
    InvalidArgument,
    PermissionDenied,
    ValidationErrors,
)

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def tiers(*ranges):
    return [{"low": low, "high": high, "value": value} for low, high, value in ranges]


def percent_list(*ranges, decimals=0):
    return DiscountList.create(
        id="d",
        name="Volume",
        type=DiscountType.PERCENTAGE,
        quantity_decimals=decimals,
        tiers=tiers(*ranges),
        now=NOW,
    )


def test_contiguous_tiers_are_accepted_in_any_order():
    volume = percent_list(("10", "49", "5"), ("1", "9", "0"), ("50", "", "10"))
    assert [t.low for t in volume.tiers] == [1, 10, 50]
    assert volume.tiers[-1].high is None


@pytest.mark.parametrize(
    "quantity, tier_low",
    [
        ("1", 1),
        ("9", 1),
        ("10", 10),
        ("49", 10),
        ("50", 50),
        ("100000", 50),
        ("9.5", 1),  # finer than the list's step: belongs to the lower tier, never a hole
        ("0.5", None),
    ],
)  # below the first tier: no discount
def test_tier_boundaries(quantity, tier_low):
    volume = percent_list(("1", "9", "0"), ("10", "49", "5"), ("50", "", "10"))
    tier = volume.tier_for(Decimal(quantity))
    assert (tier.low if tier else None) == tier_low


def test_above_a_closed_last_tier_there_is_no_discount():
    volume = percent_list(("1", "9", "2"), ("10", "20", "5"))
    assert volume.tier_for(Decimal(20)).low == 10
    assert volume.tier_for(Decimal("20.5")) is None  # past the last high: no next tier to fill
    assert volume.tier_for(Decimal(21)) is None


def test_overlap_is_refused_naming_both_tiers():
    with pytest.raises(ValidationErrors, match="tiers 1 to 10 and 10 to 49 overlap"):
        percent_list(("1", "10", "0"), ("10", "49", "5"))


def test_gap_is_refused_with_the_missing_quantities_and_the_fix():
    with pytest.raises(ValidationErrors) as caught:
        percent_list(("1", "9", "0"), ("12", "49", "5"))
    message = caught.value.message
    assert "gap between tier 1 to 9 and tier 12 to 49" in message
    assert "quantities 10 to 11 are in no tier; start the next tier at 10" in message


def test_every_problem_is_reported_at_once():
    with pytest.raises(ValidationErrors) as caught:
        percent_list(("1", "", "0"), ("5", "9", "1"), ("20", "30", "2"))
    fields = [field for field, _ in caught.value.problems]
    assert fields == ["tiers[0]", "tiers[1]"]
    assert "only the last tier may be open-ended" in caught.value.message


def test_step_follows_the_lists_quantity_decimals():
    volume = percent_list(("0.5", "9.9", "0"), ("10", "", "5"), decimals=1)
    assert volume.tier_for(Decimal("9.95")).low == Decimal("0.5")
    with pytest.raises(ValidationErrors, match=r"quantities 10 to 10.9"):
        percent_list(("0.5", "9.9", "0"), ("11", "", "5"), decimals=1)
    with pytest.raises(InvalidArgument, match="tiers\\[0\\].low 0.25 has more than 1 decimal"):
        percent_list(("0.25", "9.9", "0"), decimals=1)


@pytest.mark.parametrize(
    "ranges, message",
    [
        ((), "at least one tier"),
        ((("5", "1", "1"),), "high 1 is below low 5"),
        ((("1", "", "101"),), "at most 100"),
        ((("1", "", "-1"),), "at least 0"),
        ((("-1", "", "1"),), "tiers\\[0\\].low must be at least 0"),
        ((("x", "", "1"),), "not a plain decimal"),
    ],
)
def test_bad_tiers(ranges, message):
    with pytest.raises(InvalidArgument, match=message):
        percent_list(*ranges)


def test_amount_lists_need_a_currency_and_amounts_in_it():
    with pytest.raises(InvalidArgument, match="currency is required"):
        DiscountList.create(
            id="d", name="A", type=DiscountType.AMOUNT, tiers=tiers(("1", "", "1")), now=NOW
        )
    with pytest.raises(InvalidArgument, match="more than 2 decimal places"):
        DiscountList.create(
            id="d",
            name="A",
            type=DiscountType.AMOUNT,
            currency="EUR",
            tiers=tiers(("1", "", "1.005")),
            now=NOW,
        )
    with pytest.raises(InvalidArgument, match="percentage discount list has no currency"):
        DiscountList.create(
            id="d",
            name="A",
            type=DiscountType.PERCENTAGE,
            currency="EUR",
            tiers=tiers(("1", "", "1")),
            now=NOW,
        )
    amounts = DiscountList.create(
        id="d",
        name="A",
        type=DiscountType.AMOUNT,
        currency="eur",
        tiers=tiers(("1", "", "1.5")),
        now=NOW,
    )
    assert amounts.currency == "EUR" and amounts.tiers[0].value == Decimal("1.50")


# ------------------------------------------------------------------ use cases
def test_create_and_replace_tiers(uow, deps, pricer, clock):
    volume = discount_lists.create_discount_list(
        deps,
        pricer,
        name="Volume",
        type=DiscountType.PERCENTAGE,
        tiers=tiers(("1", "9", "0"), ("10", "", "5")),
    )
    updated = discount_lists.update_discount_list(
        deps, pricer, id=volume.id, tiers=tiers(("1", "4", "0"), ("5", "", "3")), expected_version=1
    )
    assert updated.version == 2 and updated.tiers[1].value == 3
    event = uow.emitted[-1][1]
    assert uow.emitted[-1][0] == "discount_list_changed"
    assert [(t.low, t.high, t.value) for t in event.discount_list.tiers] == [
        ("1", "4", "0"),
        ("5", "", "3"),
    ]
    assert list(event.changed_fields) == ["tiers"]


def test_update_refusals_leave_the_list_unchanged(deps, pricer, clock):
    volume = discount_lists.create_discount_list(
        deps,
        pricer,
        name="Volume",
        type=DiscountType.PERCENTAGE,
        tiers=tiers(("1", "9", "0"), ("10", "", "5")),
    )
    with pytest.raises(ValidationErrors):
        discount_lists.update_discount_list(
            deps, pricer, id=volume.id, tiers=tiers(("1", "9", "0"), ("9", "", "5"))
        )
    with pytest.raises(InvalidArgument, match="nothing to change"):
        discount_lists.update_discount_list(deps, pricer, id=volume.id)
    with pytest.raises(FailedPrecondition):
        discount_lists.update_discount_list(
            deps, pricer, id=volume.id, name="x", expected_version=7
        )
    with pytest.raises(InvalidArgument, match="type is required"):
        discount_lists.create_discount_list(deps, pricer, name="x", type=None, tiers=[])
    assert discount_lists.get_discount_list(deps, pricer, volume.id).version == 1


def test_changing_the_step_revalidates_existing_tiers(deps, pricer, clock):
    volume = discount_lists.create_discount_list(
        deps,
        pricer,
        name="Volume",
        type=DiscountType.PERCENTAGE,
        tiers=tiers(("1", "9", "0"), ("10", "", "5")),
    )
    with pytest.raises(ValidationErrors, match="gap between"):
        discount_lists.update_discount_list(deps, pricer, id=volume.id, quantity_decimals=1)
    assert discount_lists.get_discount_list(deps, pricer, volume.id).quantity_decimals == 0


def test_who_may_change_discount_lists(deps, manager, sales_rep, deals_service, clock):
    made = discount_lists.create_discount_list(
        deps, manager, name="V", type=DiscountType.PERCENTAGE, tiers=tiers(("1", "", "1"))
    )
    for caller in (sales_rep, deals_service):
        with pytest.raises(PermissionDenied, match="'pricing_manager' role"):
            discount_lists.update_discount_list(deps, caller, id=made.id, name="W")
    assert [d.name for d in discount_lists.list_discount_lists(deps, sales_rep).items] == ["V"]
