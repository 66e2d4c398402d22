"""Currencies and dated exchange rates through the use cases: who may set them, imports all or
none and idempotent, conversion at the rate of a date showing the rate used, events."""

import datetime as dt
from decimal import Decimal

import pytest

from crm_catalog.service_layer import exchange_rates
from crm_catalog.service_layer.exchange_rates import RateInput
from crm_chassis.errors import FailedPrecondition, InvalidArgument, PermissionDenied


def rate(base="EUR", quote="USD", on="2026-01-01", value="1.0850", source="ECB"):
    return RateInput(base=base, quote=quote, effective_on=on, rate=value, source=source)


def test_currencies_list_every_iso_code_with_its_minor_units(deps, sales_rep):
    rows = {
        code: (digits, withdrawn)
        for code, digits, withdrawn in exchange_rates.list_currencies(deps, sales_rep)
    }
    assert rows["IRR"] == (2, False) and rows["JPY"] == (0, False) and rows["KWD"] == (3, False)
    assert rows["HRK"] == (2, True) and "IRT" not in rows


def test_a_rate_is_set_by_a_price_manager_and_published(deps, pricer, uow):
    stored, changed = exchange_rates.set_exchange_rate(deps, pricer, rate=rate(base="eur"))
    assert changed and stored.base == "EUR" and stored.rate == Decimal("1.0850")
    assert stored.set_by == "user-paul" and stored.version == 1
    event_type, event = uow.emitted[-1]
    assert event_type == "exchange_rate_set"
    assert (event.rate.base, event.rate.rate, event.rate.effective_on) == (
        "EUR",
        "1.0850",
        "2026-01-01",
    )
    assert event.meta.aggregate_id == "EUR/USD/2026-01-01"


def test_setting_the_same_rate_again_changes_nothing_and_a_correction_replaces_it(
    deps, pricer, uow
):
    exchange_rates.set_exchange_rate(deps, pricer, rate=rate())
    events = len(uow.emitted)
    _, changed = exchange_rates.set_exchange_rate(deps, pricer, rate=rate())
    assert not changed and len(uow.emitted) == events
    corrected, changed = exchange_rates.set_exchange_rate(deps, pricer, rate=rate(value="1.09"))
    assert changed and corrected.rate == Decimal("1.09") and corrected.version == 2
    assert uow.emitted[-1][1].meta.aggregate_version == 2


def test_only_price_managers_set_rates_and_readers_convert(deps, sales_rep, marketer, admin):
    for caller in (sales_rep, admin):
        with pytest.raises(PermissionDenied, match="pricing_manager"):
            exchange_rates.set_exchange_rate(deps, caller, rate=rate())
    with pytest.raises(PermissionDenied):
        exchange_rates.convert_amount(deps, marketer, amount="1", currency="EUR", to_currency="USD")


@pytest.mark.parametrize(
    "bad,field",
    [
        (dict(base="IRT"), "base"),
        (dict(quote="EUR"), "quote"),
        (dict(on="31.03.2026"), "effective_on"),
        (dict(on=""), "effective_on"),
        (dict(value="-1"), "rate"),
    ],
)
def test_a_bad_rate_is_refused_naming_the_field(deps, pricer, bad, field):
    with pytest.raises(InvalidArgument) as err:
        exchange_rates.set_exchange_rate(deps, pricer, rate=rate(**bad))
    assert err.value.field == field


def test_an_import_is_all_or_none_naming_every_bad_row(deps, pricer, sales_rep):
    rows = [rate(), rate(on="2026-02-01", value="x"), rate(quote="XYZ")]
    with pytest.raises(InvalidArgument) as err:
        exchange_rates.import_exchange_rates(deps, pricer, rates=rows)
    assert set(err.value.details) == {"rates[1].rate", "rates[2].quote"}
    assert exchange_rates.list_exchange_rates(deps, sales_rep).items == []


def test_a_reimport_adds_nothing(deps, pricer, sales_rep, uow):
    rows = [rate(on=f"2026-0{month}-01", value=f"1.0{month}") for month in range(1, 7)]
    assert exchange_rates.import_exchange_rates(deps, pricer, rates=rows) == (6, 0)
    events = len(uow.emitted)
    assert exchange_rates.import_exchange_rates(deps, pricer, rates=rows) == (0, 6)
    assert len(uow.emitted) == events
    with pytest.raises(InvalidArgument, match="set twice"):
        exchange_rates.import_exchange_rates(deps, pricer, rates=[rate(), rate(value="2")])


def test_rates_are_listed_by_pair_and_date_a_page_at_a_time(deps, pricer, sales_rep):
    rows = [rate(on=f"2026-0{m}-01") for m in (3, 1, 2)] + [
        rate(base="USD", quote="IRR", value="420000")
    ]
    exchange_rates.import_exchange_rates(deps, pricer, rates=rows)
    first = exchange_rates.list_exchange_rates(deps, sales_rep, page_size=2)
    assert [r.effective_on.month for r in first.items] == [1, 2]
    rest = exchange_rates.list_exchange_rates(deps, sales_rep, cursor=first.next_cursor)
    assert [(r.base, r.effective_on.month) for r in rest.items] == [("EUR", 3), ("USD", 1)]
    windowed = exchange_rates.list_exchange_rates(
        deps, sales_rep, base="eur", from_date="2026-02-01", to_date="2026-02-28"
    )
    assert [r.effective_on for r in windowed.items] == [dt.date(2026, 2, 1)]


def test_conversion_uses_the_rate_of_the_date_and_says_which(deps, pricer, sales_rep):
    exchange_rates.import_exchange_rates(
        deps,
        pricer,
        rates=[
            rate(on="2025-10-01", value="1.05"),
            rate(on="2026-01-01", value="1.10"),
            rate(base="USD", quote="IRR", on="2025-01-01", value="420000", source="CBI"),
        ],
    )
    q4 = exchange_rates.convert_amount(
        deps,
        sales_rep,
        amount="1000.00",
        currency="EUR",
        to_currency="USD",
        on="2025-12-31",
    )
    assert q4.converted == Decimal("1050.00") and q4.rate_date == dt.date(2025, 10, 1)
    assert q4.explain() == "1 EUR = 1.05 USD (rate of 2025-10-01)"
    rials = exchange_rates.convert_amount(
        deps,
        sales_rep,
        amount="2625000000.00",
        currency="IRR",
        to_currency="usd",
        on="2026-03-01",
    )
    assert rials.converted == Decimal("6250.00") and rials.inverse and rials.source == "CBI"
    with pytest.raises(FailedPrecondition, match="crmctl rates set EUR USD"):
        exchange_rates.convert_amount(
            deps,
            sales_rep,
            amount="1",
            currency="EUR",
            to_currency="USD",
            on="2024-12-31",
        )
