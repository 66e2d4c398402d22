"""Reports in a reporting currency, on a hand-computed fixture: each deal converted at the rate
of its own day (close date; an open deal's estimated close date or the report's day; a target's
period end), the rates used listed, a corrected rate replacing the one held, a missing rate
refused naming the currency and day, and the rebuild giving the same converted figures.

Rates (catalog's ``exchange_rate_set``): USD->EUR 0.90 from 2026-01-01 and 0.92 from
2026-02-15; EUR->IRR 450000 from 2026-01-01 (IRR -> EUR is its inverse).
Deals of team t1 (owner alice), 2026-Q1:
  a  EUR 1200.00 won 2026-02-01                        -> 1200.00
  c  USD   20.00 won 2026-03-01  (rate of 02-15: 0.92) ->   18.40
  d  USD  100.00 won 2026-01-20  (rate of 01-01: 0.90) ->   90.00
  b  EUR  500.00 lost 2026-03-31                        ->  500.00
  e  IRR 900000000.00 lost 2026-02-10 (1 / 450000)     -> 2000.00
Win rate 3 / 5 = 60.0 %; by value 1308.40 / (1308.40 + 2500.00) = 34.4 %.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import grpc
import pytest
from reporting_currency_fixture import RATES, currency_events, rate
from reporting_events import Deal, at, org, pipeline, targets

from crm.reporting.v1 import reports_pb2 as pb
from crm_chassis.caller import Caller
from crm_chassis.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from crm_chassis.exchange import Rate
from crm_reporting.domain.conversion import Converter
from crm_reporting.domain.periods import PeriodKind, resolve
from crm_reporting.domain.scope import Scope, ScopeKind
from crm_reporting.service_layer import reports
from crm_reporting.service_layer.consumption import rebuild, record_event
from crm_reporting.service_layer.conversion import ReportCurrency

WORKER = Caller.system("reporting-worker")
MIA = Caller("mia")
TEAM_T1 = Scope.of(ScopeKind.TEAM, "t1")
Q1 = resolve(PeriodKind.QUARTER, date="2026-02-10")
D = dt.date.fromisoformat


def feed(world, *events):
    for event in events:
        record_event(world.deps, WORKER, event=event)


@pytest.fixture
def fixture(world):
    feed(world, *currency_events())
    return world


def _win_rate(world, code="EUR"):
    currency = ReportCurrency(code)
    rate = reports.win_rate_report(world.deps, MIA, scope=TEAM_T1, period=Q1, currency=currency)
    return rate, currency


def test_each_deal_is_converted_at_the_rate_of_its_close_date(fixture):
    rate, currency = _win_rate(fixture)
    assert (rate.won, rate.lost, rate.percent) == (3, 2, Decimal("60.0"))
    assert rate.won_value.rounded() == [("EUR", Decimal("1308.40"))]
    assert rate.lost_value.rounded() == [("EUR", Decimal("2500.00"))]
    assert rate.value_percent("EUR") == Decimal("34.4")
    used = [(r.currency, r.rate_date, r.inverse, r.amounts) for r in currency.rates]
    assert used == [
        ("IRR", D("2026-01-01"), True, 1),
        ("USD", D("2026-01-01"), False, 1),
        ("USD", D("2026-02-15"), False, 1),
    ]
    assert [r.explain() for r in currency.rates][1:] == [
        "1 USD = 0.9 EUR (rate of 2026-01-01)",
        "1 USD = 0.92 EUR (rate of 2026-02-15)",
    ]
    # Without a reporting currency: one total per currency, as before.
    plain = reports.win_rate_report(fixture.deps, MIA, scope=TEAM_T1, period=Q1)
    assert plain.won_value.currencies == ["EUR", "USD"]
    assert plain.lost_value.currencies == ["EUR", "IRR"]


def test_a_corrected_rate_replaces_the_one_held_and_a_repeat_changes_nothing(fixture):
    feed(fixture, rate("USD", "EUR", "2026-02-15", "0.93", version=2), RATES[1])
    rate_, currency = _win_rate(fixture)
    assert rate_.won_value.rounded() == [("EUR", Decimal("1308.60"))]  # c: 20.00 x 0.93
    assert [r.rate for r in currency.rates if r.rate_date == D("2026-02-15")] == [Decimal("0.93")]


def test_in_rial_every_amount_is_exact_to_its_minor_units(fixture):
    feed(fixture, rate("USD", "IRR", "2026-01-01", "420000.5"))
    rate_, currency = _win_rate(fixture, "IRR")
    # won: a 1200 x 450000 = 540000000.00, c 20 x 420000.5 = 8400010.00,
    #      d 100 x 420000.5 = 42000050.00; lost: b 500 x 450000, e as it is.
    assert rate_.won_value.rounded() == [("IRR", Decimal("590400060.00"))]
    assert rate_.lost_value.rounded() == [("IRR", Decimal("1125000000.00"))]
    assert [(r.currency, r.amounts) for r in currency.rates] == [("EUR", 2), ("USD", 2)]


def test_a_missing_rate_refuses_the_report_naming_currency_and_day(fixture):
    g = Deal("g", currency="GBP", amount="10.00")
    feed(fixture, g.created(at("2026-01-10")), g.won(at("2026-03-05")))
    with pytest.raises(FailedPrecondition) as refused:
        _win_rate(fixture)
    message = str(refused.value)
    assert "no exchange rate to EUR for GBP (on 2026-03-05)" in message
    assert "crmctl rates set GBP EUR RATE --on 2026-03-05" in message


def test_open_deals_take_their_estimated_close_date_or_the_report_day(world):
    q2 = resolve(PeriodKind.QUARTER, date="2026-04-15")  # the world's today is 2026-04-15
    feed(world, *org(), pipeline(), *RATES, rate("USD", "EUR", "2026-05-01", "0.95"))
    dated = Deal("f", currency="USD", amount="1000.00", close_date="2026-05-20")
    undated = Deal("h", currency="USD", amount="100.00")
    feed(world, dated.created(at("2026-04-01")), undated.created(at("2026-04-02")))
    currency = ReportCurrency("EUR")
    forecast = reports.forecast_report(world.deps, MIA, scope=TEAM_T1, period=q2, currency=currency)
    # f: 1000 x 0.95 (the rate of its close date) = 950.00; h: 100 x 0.92 (today's) = 92.00.
    values = {(r.close_period, r.currency): r.open_value for r in forecast.rows}
    assert values == {("2026-05", "EUR"): Decimal("950.00"), ("none", "EUR"): Decimal("92.00")}
    assert [(r.rate_date, r.rate) for r in currency.rates] == [
        (D("2026-02-15"), Decimal("0.92")),
        (D("2026-05-01"), Decimal("0.95")),
    ]


def test_targets_convert_at_the_period_end_and_the_actual_per_close_date(fixture):
    feed(fixture, targets("line-1", "2026-Q1", 1, ("t1", "5000.00", "USD", 4)))
    currency = ReportCurrency("EUR")
    (row,) = reports.targets_report(fixture.deps, MIA, scope=TEAM_T1, period=Q1, currency=currency)
    # 5000 USD at the rate of 2026-03-31 (0.92) = 4600.00 EUR; actual 1308.40 EUR.
    assert (row.target.amount, row.target.currency) == (Decimal("4600.00"), "EUR")
    assert row.actual_amount == Decimal("1308.40")
    assert (row.amount_percent, row.deals_percent) == (Decimal("28.4"), Decimal("75.0"))
    assert sum(r.amounts for r in currency.rates if r.rate_date == D("2026-02-15")) == 2


def test_the_leaderboard_ranks_on_converted_value(fixture):
    board = reports.leaderboard_report(
        fixture.deps, MIA, scope=TEAM_T1, period=Q1, currency=ReportCurrency("EUR")
    )
    (alice,) = board.reps
    assert alice.won_value.rounded() == [("EUR", Decimal("1308.40"))]


def test_the_rebuild_derives_the_same_rates(fixture):
    before, _ = _win_rate(fixture)
    rebuild(fixture.deps, WORKER)
    after, currency = _win_rate(fixture)
    assert after == before and len(currency.rates) == 3


def test_rounding_is_half_away_from_zero_to_the_reporting_currency_minor_units():
    day = D("2026-03-01")
    to_yen = Converter("JPY", [Rate("EUR", "JPY", day, Decimal("162.5"))])
    assert to_yen.amount(Decimal("0.01"), "EUR", day) == Decimal("2")  # 1.625 -> 2
    to_rial = Converter("IRR", [Rate("EUR", "IRR", day, Decimal("450000.123"))])
    assert to_rial.amount(Decimal("10.00"), "EUR", day) == Decimal("4500001.23")
    assert to_rial.amount(None, "EUR", day) is None
    with pytest.raises(InvalidArgument):
        ReportCurrency.of("IRT")  # a display unit, never a currency on the wire
    assert ReportCurrency.of("") is None and ReportCurrency.of("eur") == ReportCurrency("EUR")


# -- over gRPC --------------------------------------------------------------------------------
GRPC_Q1 = pb.Period(kind=pb.PERIOD_KIND_QUARTER, date="2026-02-10")
GRPC_T1 = pb.Scope(kind=pb.SCOPE_KIND_TEAM, id="t1")


def test_win_rate_and_dashboard_over_grpc_show_the_rates_used(fixture, api):
    answer = api.call(
        api.reports.WinRate, pb.WinRateRequest(scope=GRPC_T1, period=GRPC_Q1, currency="EUR")
    )
    (by_value,) = answer.win_rate.by_value
    assert (by_value.currency, by_value.won.amount, by_value.lost.amount) == (
        "EUR",
        "1308.40",
        "2500.00",
    )
    assert answer.conversion.currency == "EUR"
    assert [(r.currency, r.rate, r.rate_date, r.inverse) for r in answer.conversion.rates] == [
        ("IRR", "0.000002222222222222222222222222222", "2026-01-01", True),
        ("USD", "0.9", "2026-01-01", False),
        ("USD", "0.92", "2026-02-15", False),
    ]
    assert answer.conversion.rates[2].explanation == "1 USD = 0.92 EUR (rate of 2026-02-15)"
    plain = api.call(api.reports.WinRate, pb.WinRateRequest(scope=GRPC_T1, period=GRPC_Q1))
    assert not plain.HasField("conversion") and len(plain.win_rate.by_value) == 3
    board = api.call(
        api.reports.Dashboard, pb.DashboardRequest(scope=GRPC_T1, period=GRPC_Q1, currency="EUR")
    )
    assert [v.currency for v in board.win_rate.win_rate.by_value] == ["EUR"]
    assert {c.currency for c in board.velocity.current.currencies} <= {"EUR"}
    assert board.conversion.currency == "EUR" and board.conversion.rates


def test_bad_or_unconvertible_currency_over_grpc(fixture, api):
    refused = api.refused(
        grpc.StatusCode.INVALID_ARGUMENT,
        api.reports.Forecast,
        pb.ForecastRequest(scope=GRPC_T1, period=GRPC_Q1, currency="XYZ"),
    )
    assert "currency 'XYZ' is not a supported ISO 4217 currency" in refused
    refused = api.refused(
        grpc.StatusCode.FAILED_PRECONDITION,
        api.reports.Leaderboard,
        pb.LeaderboardRequest(scope=GRPC_T1, period=GRPC_Q1, currency="JPY"),
    )
    assert "no exchange rate to JPY for EUR (on 2026-02-01" in refused


def test_a_reporting_currency_changes_nobodys_visibility(fixture):
    # An administrator in no team sees nothing; a sibling unit's manager gets NOT_FOUND for t1.
    with pytest.raises(PermissionDenied):
        reports.win_rate_report(
            fixture.deps, Caller("root"), scope=TEAM_T1, period=Q1, currency=ReportCurrency("EUR")
        )
    with pytest.raises(NotFound):
        reports.win_rate_report(
            fixture.deps, Caller("sid"), scope=TEAM_T1, period=Q1, currency=ReportCurrency("EUR")
        )
    # t2's manager (tom is an expert there, no deals) sees t2's figures only: none converted.
    currency = ReportCurrency("EUR")
    rate_ = reports.win_rate_report(
        fixture.deps,
        Caller("uma"),
        scope=Scope.of(ScopeKind.TEAM, "t2"),
        period=Q1,
        currency=currency,
    )
    assert (rate_.won, rate_.lost, currency.rates) == (0, 0, [])


def test_only_a_report_comparing_with_the_previous_period_needs_its_rates(fixture):
    old = Deal("o", currency="GBP", amount="10.00")
    feed(fixture, old.created(at("2025-11-03")), old.won(at("2025-12-01")))
    rate_, currency = _win_rate(fixture)  # 2026-Q1 alone: no GBP rate needed
    assert rate_.won == 3 and {r.currency for r in currency.rates} == {"IRR", "USD"}
    with pytest.raises(FailedPrecondition, match=r"GBP \(on 2025-12-01\)"):
        reports.velocity_report(
            fixture.deps, MIA, scope=TEAM_T1, period=Q1, currency=ReportCurrency("EUR")
        )
