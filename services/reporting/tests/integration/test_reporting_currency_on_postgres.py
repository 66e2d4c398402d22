"""The reporting currency on PostgreSQL: catalog's rates stored through the event store (a
corrected rate replacing the one held), the hand-computed fixture's converted figures
(reporting_currency_fixture, test_reporting_currency.py) equal to the in-memory store's, the
rebuild deriving the same rates, and a missing rate refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from reporting_currency_fixture import currency_events, rate
from reporting_events import Deal, at
from reporting_fakes import NOW, FakeScopes, World, default_roles
from sqlalchemy import delete, select

from crm_chassis.caller import Caller
from crm_chassis.errors import FailedPrecondition
from crm_reporting.adapters import orm
from crm_reporting.adapters.rates_orm import exchange_rates
from crm_reporting.domain.periods import PeriodKind, resolve
from crm_reporting.domain.scope import Scope, ScopeKind
from crm_reporting.entrypoints import settings, wiring
from crm_reporting.service_layer import reports
from crm_reporting.service_layer.consumption import rebuild, record_event
from crm_reporting.service_layer.conversion import ReportCurrency
from crm_testkit.fakes import FixedClock

pytestmark = pytest.mark.integration
WORKER = Caller.system("reporting-worker")
MIA = Caller(subject_id="mia")
T1 = Scope(ScopeKind.TEAM, "t1")
Q1 = resolve(PeriodKind.QUARTER, date="2026-02-10")


@pytest.fixture
def sql(engine):
    with engine.begin() as conn:
        for table in (*orm.READ_MODELS, orm.event_store, orm.inbox):
            conn.execute(delete(table))
    deps = wiring.build_dependencies(
        settings.load(env={}),
        engine=engine,
        clock=FixedClock(NOW),
        scopes=FakeScopes(default_roles()),
    )
    yield deps
    deps.close()


def _feed(deps, events):
    for event in events:
        record_event(deps, WORKER, event=event)


def _converted(deps):
    """Every report with money, in EUR, and the rates each used."""
    found = []
    for report, options in (
        (reports.dashboard, {}),
        (reports.win_rate_report, {}),
        (reports.lost_reasons_report, {}),
        (reports.leaderboard_report, {}),
        (reports.forecast_report, {}),
        (reports.funnel_report, {}),
    ):
        currency = ReportCurrency("EUR")
        figures = report(deps, MIA, scope=T1, period=Q1, currency=currency, **options)
        found.append((figures, currency.rates))
    return found


def test_converted_figures_on_postgres_are_the_in_memory_ones(sql, engine):
    events = currency_events()
    _feed(sql, events)
    memory = World()
    _feed(memory.deps, events)
    on_postgres = _converted(sql)
    assert on_postgres == _converted(memory.deps)
    win_rate, used = on_postgres[1]
    assert win_rate.won_value.rounded() == [("EUR", Decimal("1308.40"))]
    assert win_rate.lost_value.rounded() == [("EUR", Decimal("2500.00"))]
    assert [(r.currency, r.rate_date.isoformat(), r.amounts) for r in used] == [
        ("IRR", "2026-01-01", 1),
        ("USD", "2026-01-01", 1),
        ("USD", "2026-02-15", 1),
    ]
    # A corrected rate replaces the stored one; the rebuild derives the rates again.
    _feed(sql, [rate("USD", "EUR", "2026-02-15", "0.93", version=2)])
    with engine.connect() as conn:
        stored = conn.execute(
            select(exchange_rates.c.rate).where(exchange_rates.c.effective_on == "2026-02-15")
        ).scalar_one()
    assert Decimal(stored) == Decimal("0.93")
    live = _converted(sql)
    assert live[1][0].won_value.rounded() == [("EUR", Decimal("1308.60"))]
    rebuild(sql, WORKER)
    assert _converted(sql) == live


def test_a_missing_rate_is_refused_on_postgres(sql):
    g = Deal("g", currency="GBP", amount="10.00")
    _feed(sql, [*currency_events(), g.created(at("2026-01-10")), g.won(at("2026-03-05"))])
    with pytest.raises(FailedPrecondition, match=r"GBP \(on 2026-03-05\)"):
        reports.win_rate_report(sql, MIA, scope=T1, period=Q1, currency=ReportCurrency("EUR"))
    assert dt.date(2026, 3, 5) < NOW.date()
