"""Catalog's backfill of exchange rates (``exchange_rate_snapshot``): a reporting installed after
the rates were set lacks them and refuses a converted report; the snapshots give it every rate,
stored and derived like ``exchange_rate_set`` at the rate's version, so a snapshot of a rate it
holds, a repeated delivery, or a snapshot arriving after a correction changes nothing, and the
rebuild derives the same rates (figures of reporting_currency_fixture / test_reporting_currency).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from reporting_currency_fixture import RATES, currency_events, rate
from reporting_events import at, received

from crm.catalog.v1 import exchange_rates_pb2 as rates_pb
from crm_chassis import events as wire
from crm_chassis.caller import Caller
from crm_chassis.errors import FailedPrecondition
from crm_reporting.domain.events import RecordedEvent
from crm_reporting.domain.periods import PeriodKind, resolve
from crm_reporting.domain.scope import Scope, ScopeKind
from crm_reporting.service_layer import reports
from crm_reporting.service_layer.consumption import rebuild, record_event
from crm_reporting.service_layer.conversion import ReportCurrency

WORKER = Caller.system("reporting-worker")
MIA = Caller("mia")
TEAM_T1 = Scope.of(ScopeKind.TEAM, "t1")
Q1 = resolve(PeriodKind.QUARTER, date="2026-02-10")


def snapshot(base, quote, day, value, version=1, source="ECB") -> RecordedEvent:
    """catalog's ``exchange_rate_snapshot`` of the pair and day, as reporting receives it (a new
    event id each time, as a second backfill run publishes)."""
    message = rates_pb.ExchangeRateSnapshot(
        rate=rates_pb.ExchangeRate(
            base=base, quote=quote, effective_on=day, rate=value, source=source
        )
    )
    wire.stamp(
        message,
        producer="catalog",
        event_type="exchange_rate_snapshot",
        aggregate_type="exchange_rate",
        aggregate_id=f"{base}/{quote}/{day}",
        aggregate_version=version,
        occurred_at=at("2026-12-01"),
    )
    return received("catalog", message)


def backfill(world) -> None:
    """What ``crmctl rates snapshots publish`` sends for the fixture's three rates."""
    feed(
        world,
        snapshot("USD", "EUR", "2026-01-01", "0.90"),
        snapshot("USD", "EUR", "2026-02-15", "0.92"),
        snapshot("EUR", "IRR", "2026-01-01", "450000"),
    )


def feed(world, *events):
    for event in events:
        record_event(world.deps, WORKER, event=event)


def win_rate(world):
    currency = ReportCurrency("EUR")
    found = reports.win_rate_report(world.deps, MIA, scope=TEAM_T1, period=Q1, currency=currency)
    return found, currency


@pytest.fixture
def late(world):
    """A reporting that saw the deals but none of the rates (set before it subscribed)."""
    rates = {id(event) for event in RATES}
    feed(world, *(event for event in currency_events() if id(event) not in rates))
    return world


def test_without_the_rates_a_converted_report_is_refused_with_the_command(late):
    with pytest.raises(FailedPrecondition) as refused:
        win_rate(late)
    message = str(refused.value)
    assert "no exchange rate to EUR for IRR (on 2026-02-10); USD (on 2026-01-20" in message
    assert "crmctl rates set IRR EUR RATE --on 2026-02-10" in message


def test_the_backfill_makes_the_converted_report_answer_as_if_it_saw_every_rate(late):
    backfill(late)
    found, currency = win_rate(late)
    assert found.won_value.rounded() == [("EUR", Decimal("1308.40"))]
    assert found.lost_value.rounded() == [("EUR", Decimal("2500.00"))]
    used = [(r.currency, str(r.rate_date), r.inverse, r.source) for r in currency.rates]
    assert used == [
        ("IRR", "2026-01-01", True, "ECB"),  # 1 / (EUR -> IRR 450000)
        ("USD", "2026-01-01", False, "ECB"),
        ("USD", "2026-02-15", False, "ECB"),
    ]


def test_a_repeated_backfill_changes_nothing(late):
    backfill(late)
    before = win_rate(late)[0]
    backfill(late)
    assert win_rate(late)[0] == before


def test_a_snapshot_of_a_rate_held_or_older_than_a_correction_changes_nothing(world):
    feed(world, *currency_events(), rate("USD", "EUR", "2026-02-15", "0.93", version=2))
    corrected = win_rate(world)[0]
    assert corrected.won_value.rounded() == [("EUR", Decimal("1308.60"))]  # c: 20.00 x 0.93
    # a snapshot read before the correction committed, delivered after it: version 1 loses
    feed(world, snapshot("USD", "EUR", "2026-02-15", "0.92", version=1))
    assert win_rate(world)[0] == corrected
    # the current state at its version: the same rate
    feed(world, snapshot("USD", "EUR", "2026-02-15", "0.93", version=2))
    assert win_rate(world)[0] == corrected


def test_the_rebuild_derives_the_backfilled_rates(late):
    backfill(late)
    before = win_rate(late)[0]
    rebuild(late.deps, WORKER)
    after, currency = win_rate(late)
    assert after == before and len(currency.rates) == 3
