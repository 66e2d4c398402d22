"""The reporting currency's hand-computed fixture (test_reporting_currency.py states its
figures): catalog's rate events and five deals of team t1 closed in 2026-Q1 in EUR, USD, IRR."""

from __future__ import annotations

from reporting_events import Deal, at, org, pipeline, received

from crm.catalog.v1 import exchange_rates_pb2 as rates_pb
from crm_chassis import events as wire
from crm_reporting.domain.events import RecordedEvent


def rate(base, quote, day, value, version=1, source="ECB") -> RecordedEvent:
    """catalog's ``exchange_rate_set`` of the pair and day, as reporting receives it."""
    message = rates_pb.ExchangeRateSet(
        rate=rates_pb.ExchangeRate(
            base=base, quote=quote, effective_on=day, rate=value, source=source
        )
    )
    wire.stamp(
        message,
        producer="catalog",
        event_type="exchange_rate_set",
        aggregate_type="exchange_rate",
        aggregate_id=f"{base}/{quote}/{day}",
        aggregate_version=version,
        occurred_at=at(day),
    )
    return received("catalog", message)


RATES = (
    rate("USD", "EUR", "2026-01-01", "0.90"),
    rate("USD", "EUR", "2026-02-15", "0.92"),
    rate("EUR", "IRR", "2026-01-01", "450000"),
)


def currency_events() -> list[RecordedEvent]:
    a, b = Deal("a"), Deal("b", amount="500.00")
    c, d = Deal("c", currency="USD", amount="20.00"), Deal("d", currency="USD", amount="100.00")
    e = Deal("e", currency="IRR", amount="900000000.00")
    return [
        *org(),
        pipeline(),
        *RATES,
        a.created(at("2026-01-05")),
        a.won(at("2026-02-01"), actual="1200.00"),
        b.created(at("2026-01-06")),
        b.lost(at("2026-03-31", 20)),
        c.created(at("2026-01-07")),
        c.won(at("2026-03-01")),
        d.created(at("2026-01-08")),
        d.won(at("2026-01-20")),
        e.created(at("2026-01-09")),
        e.lost(at("2026-02-10")),
    ]
