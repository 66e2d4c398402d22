"""The running totals (domain/totals.py, adapters/totals_store.py) after random sequences of deal
events — redelivered, reordered, late, with transfers, hand-overs, reopenings and closes on both
sides of month and period bounds — equal the totals computed afresh from the facts, and the reads
answered from them equal the port's reference definitions over the facts, on PostgreSQL and on
SQLite (seeded, property-style); the rebuild derives the same totals."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from reporting_events import STAGES, Deal, pipeline
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crm.deals.v1 import resources_pb2 as res
from crm_chassis.caller import Caller
from crm_chassis.db import make_engine
from crm_reporting import migrate
from crm_reporting.adapters import orm
from crm_reporting.adapters.marketing_store import SqlMarketingStore
from crm_reporting.adapters.repositories import SqlEventStore, SqlReadModels
from crm_reporting.domain import totals
from crm_reporting.domain.deals import DealFact, derive_deal
from crm_reporting.domain.kpis.closed import closed_groups as closed_reference
from crm_reporting.domain.kpis.forecast import forecast_of
from crm_reporting.domain.kpis.funnel import stuck_before
from crm_reporting.domain.kpis.win_rate import win_rate_of
from crm_reporting.domain.marketing.derive import derive_won_deal
from crm_reporting.domain.periods import PeriodKind, resolve
from crm_reporting.entrypoints import settings, wiring
from crm_reporting.service_layer import consumption
from crm_reporting.service_layer.consumption import rebuild, record_event
from crm_reporting.service_layer.ports import DealFilter, ReportStore
from crm_testkit.fakes import FixedClock

pytestmark = pytest.mark.integration
WORKER = Caller.system("reporting-worker")
NOW = dt.datetime(2026, 3, 20, 9, 30, tzinfo=dt.UTC)
BASE = dt.datetime(2025, 12, 1, tzinfo=dt.UTC)
TEAMS = ("t1", "t2", "t3")
FILTERS = [
    DealFilter(frozenset(TEAMS)),
    DealFilter(frozenset({"t1", "t2"}), sales_line_id="line-1"),
    DealFilter(frozenset({"t3"}), sales_line_id="line-2"),
    DealFilter(frozenset(TEAMS), sales_line_id="line-1"),  # every team: the line's length rows
]
PERIODS = [
    resolve(PeriodKind.QUARTER, date="2026-02-10"),
    resolve(PeriodKind.MONTH, date="2026-01-10", time_zone="Asia/Tehran"),  # partial UTC days
    resolve(PeriodKind.RANGE, start_date="2026-01-15", end_date="2026-02-20"),
    resolve(PeriodKind.WEEK, date="2026-02-02", time_zone="America/New_York"),
]


def _when(rng: random.Random) -> dt.datetime:
    # Around month bounds and midnights, to the microsecond.
    return BASE + dt.timedelta(
        days=rng.randrange(0, 120),
        hours=rng.choice([0, 0, 3, 20, 23]),
        microseconds=rng.choice([0, 1, rng.randrange(10**9)]),
    )


def _deal_events(rng: random.Random, index: int) -> list:
    deal = Deal(
        f"d{index:03}",
        team=rng.choice(TEAMS),
        owner=rng.choice(["alice", "bob"]),
        line=rng.choice(["line-1", "line-2"]),
        currency=rng.choice(["EUR", "USD"]),
        amount=rng.choice(["1000.00", "0.000001", "250.5"]),
        close_date=rng.choice(["", "2026-01-31", "2026-02-01", "2026-03-31"]),
    )
    when = _when(rng)
    events = [deal.created(when, stage=rng.choice(["qualify", "propose"]))]
    for _ in range(rng.randrange(0, 6)):
        when += dt.timedelta(days=rng.randrange(0, 30), hours=rng.randrange(0, 24))
        is_open = deal.message.status == res.DEAL_STATUS_OPEN
        step = rng.choice(["move", "update", "transfer", "close", "close", "reopen"])
        if is_open and step == "move":
            events.append(deal.moved(rng.choice([s[0] for s in STAGES]), when))
        elif is_open and step == "update":
            events.append(deal.updated(when, owner=rng.choice(["alice", "bob"]), amount="75.25"))
        elif step == "transfer":
            events.append(deal.transferred(rng.choice(TEAMS), when))
        elif is_open and step == "close":
            if rng.random() < 0.5:
                day = rng.choice(["", "2026-01-01", "2026-02-28"])
                events.append(deal.won(when, actual=rng.choice([None, "900.00"]), close_date=day))
            else:
                events.append(deal.lost(when))
        elif not is_open and step == "reopen":
            events.append(deal.reopened(when))
    return events


def _events(seed: int, shuffled: bool = True) -> list:
    rng = random.Random(seed)
    events = [pipeline()]
    for index in range(60):
        events.extend(_deal_events(rng, index))
    # Redelivery and any order: a random sample repeated, everything shuffled (or, for the
    # incremental path's usual case, each deal's events in order between other deals').
    delivered = events + rng.sample(events, len(events) // 4)
    if shuffled:
        rng.shuffle(delivered)
    return delivered


def _feed(deps, events: list, seed: int, batch: int) -> None:
    """One event a transaction (``batch`` 0), or batches of 1..``batch`` deliveries."""
    if not batch:
        for event in events:
            record_event(deps, WORKER, event=event)
        return
    rng, start = random.Random(seed), 0
    while start < len(events):
        size = rng.randint(1, batch)
        consumption.record_events(deps, WORKER, events=events[start : start + size])
        start += size


def _check_derived(session: Session) -> None:
    """Each stored fact and won deal is the derivation over all the deal's stored events."""
    stored, models = SqlEventStore(session), SqlReadModels(session)
    won = SqlMarketingStore(session).won_deal_ids(frozenset(_ids(session)))
    for deal_id in _ids(session):
        events = stored.of_aggregate("opportunity", deal_id)
        assert models.deal(deal_id) == derive_deal(events)
        assert (deal_id in won) == (derive_won_deal(events) is not None)


def _stored_totals(session: Session) -> dict:
    out = {}
    for row in session.execute(select(orm.deal_totals)).mappings():
        key = totals.TotalKey(**{name: row[name] for name in totals.TotalKey._fields})
        assert row["grain"] == ("" if not row["day"] else "m" if len(row["day"]) == 7 else "d")
        out[key] = totals.Amounts(
            int(row["deals"]),
            int(row["valued"]),
            int(row["value_micros"]),
            int(row["entered"]),
            int(row["length_micros"]),
        )
    return out


def _ids(session: Session) -> list[str]:
    return list(session.execute(select(orm.deal_facts.c.deal_id)).scalars())


def _facts(session: Session) -> list[DealFact]:
    store = SqlReadModels(session)
    return [store.deal(i) for i in _ids(session)]  # type: ignore[misc]


def _check_reads(session: Session) -> None:
    store = SqlReadModels(session)
    cutoffs = stuck_before(store.pipelines(), NOW)
    for f in FILTERS:
        assert store.open_stage_groups(f, cutoffs) == ReportStore.open_stage_groups(
            store, f, cutoffs
        )
        for period in PERIODS:
            first, last, start, end = period.first_day, period.last_day, period.start, period.end
            # Month rows stand for their whole month: compared through the figures that use them.
            groups = store.closed_groups(f, first, last)
            reference = ReportStore.closed_groups(store, f, first, last)
            assert win_rate_of(groups, period) == win_rate_of(reference, period)
            assert forecast_of(
                store.open_forecast_groups(f, first, last), groups, period
            ) == forecast_of(
                ReportStore.open_forecast_groups(store, f, first, last), reference, period
            )
            assert sum(g.deals for g in groups) == sum(g.deals for g in reference)
            assert store.won_by_team(f, first, last) == ReportStore.won_by_team(
                store, f, first, last
            )
            assert store.won_cycle_mean(f, first, last) == ReportStore.won_cycle_mean(
                store, f, first, last
            )
            # The medians from the counts per hour of length (per team or the line's).
            assert store.won_cycle(f, first, last) == ReportStore.won_cycle(store, f, first, last)
            assert store.ended_stay_figures(f, start, end) == ReportStore.ended_stay_figures(
                store, f, start, end
            )
            assert sorted(store.cohort_groups(f, start, end), key=repr) == sorted(
                ReportStore.cohort_groups(store, f, start, end), key=repr
            )
            instants = [start, end, NOW, start + dt.timedelta(hours=7, microseconds=3)]
            assert store.open_at_each(f, instants) == ReportStore.open_at_each(store, f, instants)
            _check_together(store, f, period, cutoffs, instants)
    # Day rows (a range that is no whole month) are equal group by group.
    f = FILTERS[0]
    first, last = dt.date(2026, 1, 15), dt.date(2026, 2, 20)
    assert store.closed_groups(f, first, last) == closed_reference(
        store.closed_between(f, first, last), first, last
    )


def _check_together(store, f, period, cutoffs, instants) -> None:
    """The reads sent together (one statement: read_batch.py) answer exactly what each answers
    alone, for the filter and for one person of it (whose reads run one by one, from the facts)."""
    first, last, start, end = period.first_day, period.last_day, period.start, period.end
    for each in (f, DealFilter(f.team_ids, "alice", f.sales_line_id)):
        reads = [
            ("closed_groups", (each, first, last)),
            ("won_by_team", (each, first, last)),
            ("won_cycle", (each, first, last)),
            ("won_cycle_mean", (each, first, last)),
            ("open_stage_groups", (each, cutoffs)),
            ("open_forecast_groups", (each, first, last)),
            ("cohort_groups", (each, start, end)),
            ("ended_stay_figures", (each, start, end)),
            ("open_at_each", (each, instants)),
            ("oldest_open", (each, 5)),  # not one the totals answer: asked on its own
        ]
        alone = [getattr(store, name)(*args) for name, args in reads]
        assert store.read_together(reads) == alone


def _run(engine, seed: int, batch: int = 0, shuffled: bool = True) -> None:
    deps = wiring.build_dependencies(
        settings.load(env={}), engine=engine, clock=FixedClock(NOW), scopes=None
    )
    try:
        _feed(deps, _events(seed, shuffled), seed, batch)
        with Session(engine) as session:
            _check_derived(session)
            live = _stored_totals(session)
            assert live == totals.summed(_facts(session))
            assert {totals.CLOSED, totals.OPEN_STAGE, totals.STAY, totals.CYCLE} <= {
                k.kind for k in live
            }
            assert any(k.team_id == totals.ALL_TEAMS for k in live)
            _check_reads(session)
        # Small batches: later batches add to the keys earlier ones wrote.
        consumption.REBUILD_BATCH = 7
        try:
            rebuild(deps, Caller.system("reporting-rebuild"))
        finally:
            consumption.REBUILD_BATCH = 1000
        with Session(engine) as session:
            assert _stored_totals(session) == live
    finally:
        deps.close()


def _emptied(engine):
    with engine.begin() as conn:
        for table in (*orm.READ_MODELS, orm.event_store, orm.inbox):
            conn.execute(delete(table))
    return engine


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_totals_on_postgres(engine, seed):
    _run(_emptied(engine), seed)


@pytest.mark.parametrize(("seed", "shuffled"), [(6, True), (7, False), (8, False)])
def test_totals_of_batches_on_postgres(engine, seed, shuffled):
    # The worker's batches (one transaction each): facts moved by their events, or derived
    # again for late versions, give the full derivation, its running totals and the rebuild's.
    _run(_emptied(engine), seed, batch=40, shuffled=shuffled)


@pytest.mark.parametrize("seed", [4, 5])
def test_totals_on_sqlite(tmp_path, seed):
    url = f"sqlite:///{tmp_path / 'reporting.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        _run(engine, seed, batch=25 if seed == 5 else 0)
    finally:
        engine.dispose()


def test_day_and_instant_spans():
    span = totals.day_span(dt.date(2026, 1, 30), dt.date(2026, 4, 2))
    assert span.months == ("2026-02", "2026-03")
    assert span.days == ("2026-01-30", "2026-01-31", "2026-04-01", "2026-04-02")
    tehran = resolve(PeriodKind.DAY, date="2026-01-10", time_zone="Asia/Tehran")
    split = totals.instant_span(tehran.start, tehran.end)  # 20:30 UTC to 20:30 UTC
    assert split.whole is None and split.edges == ((tehran.start, tehran.end),)
    month = resolve(PeriodKind.MONTH, date="2026-01-10", time_zone="Asia/Tehran")
    split = totals.instant_span(month.start, month.end)
    assert split.whole is not None and split.whole.days[0] == "2026-01-01"
    assert [e[0] for e in split.edges] == [month.start, dt.datetime(2026, 1, 31, tzinfo=dt.UTC)]
