"""The SQL store's aggregate reads (GROUP BY, percentile_disc, ORDER BY ... LIMIT in the
database) give the port's reference definitions (the domain's groupings over every fact) on
PostgreSQL and on SQLite, for a varied set of deals: unknown values and currencies, odd forecast
categories, undated deals, stages outside the pipeline, ties on the creation time, entry times
exactly at the stuck limit, stays ending at the period's bounds, equal and odd-microsecond stay
lengths, even and odd counts of stays. The facts are written through ``put_deal``, so the reads
answered from the running totals (whole months as one group dated their first day) are held to
the same definitions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from decimal import Decimal

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from crm_chassis.db import make_engine
from crm_reporting import migrate
from crm_reporting.adapters import orm
from crm_reporting.adapters.repositories import SqlReadModels
from crm_reporting.domain import totals
from crm_reporting.domain.deals import DealFact, StageStay
from crm_reporting.domain.events import PipelineSnapshot, StageDefinition
from crm_reporting.service_layer.ports import DealFilter, ReportStore

pytestmark = pytest.mark.integration
NOW = dt.datetime(2026, 2, 10, 12, tzinfo=dt.UTC)
CUTOFFS = {
    ("p1", "qualify"): NOW - dt.timedelta(days=14),
    ("p1", "propose"): NOW - dt.timedelta(days=21),
    ("p2", "qualify"): NOW - dt.timedelta(days=3),
}
START, END = dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
Q4 = dt.date(2025, 12, 31)
PIPELINES = [
    PipelineSnapshot(
        "p1",
        "line-1",
        tuple(
            StageDefinition(key, key.title(), days, 10, "pipeline")
            for key, days in (("qualify", 14), ("propose", 21), ("negotiate", 0))
        ),
    ),
    PipelineSnapshot("p2", "line-2", (StageDefinition("qualify", "Qualify", 3, 10, "pipeline"),)),
]
FILTERS = [
    DealFilter(frozenset({"t1", "t2", "t3"})),
    DealFilter(frozenset({"t1", "t2"}), sales_line_id="line-1"),
    DealFilter(frozenset({"t2"}), owner_user_id="bob"),
    DealFilter(frozenset()),
    # Every team: the filter covers line-1 (reads without the list of teams); and a person in it.
    DealFilter(frozenset({"t1", "t2", "t3"}), sales_line_id="line-1"),
    DealFilter(frozenset({"t1", "t2", "t3"}), owner_user_id="bob", sales_line_id="line-1"),
]


def _stays(rng: random.Random) -> tuple[StageStay, ...]:
    stays = []
    entered = rng.choice([START - dt.timedelta(days=30), START + dt.timedelta(days=10)])
    for _ in range(rng.randrange(0, 4)):
        ends = [
            entered + dt.timedelta(days=5),
            entered + dt.timedelta(days=2, microseconds=rng.randrange(1, 10**6)),
            *(bound for bound in (START, END) if bound > entered),  # at the period's bounds
        ]
        left = rng.choice(ends) if rng.random() < 0.8 else None
        key = rng.choice(["qualify", "propose", "negotiate", "gone"])
        stays.append(StageStay(key, entered, left))
        if left is None:
            break
        entered = left + dt.timedelta(microseconds=1)
    return tuple(stays)


def _deals() -> list[DealFact]:
    rng = random.Random(15)
    deals = []
    for i in range(400):
        pipeline = rng.choice(["p1", "p2"])
        created = NOW - dt.timedelta(days=rng.randrange(0, 90), minutes=rng.choice([0, 0, 7]))
        entered = rng.choice(
            [None, CUTOFFS.get((pipeline, "qualify"), NOW), created, NOW - dt.timedelta(days=20)]
        )
        estimated = rng.choice(
            [None, dt.date(2026, 1, 1), dt.date(2026, 3, 31), dt.date(2026, 4, 1)]
        )
        value = rng.choice([None, Decimal(rng.randrange(0, 10**9)) / 1000, Decimal("0.000001")])
        status = rng.choice(["open", "open", "won", "lost"])
        closed_at = close_date = None
        if status != "open":
            closed_at = rng.choice(
                [
                    None,  # a won deal without a closed time: a cycle of 0
                    created - dt.timedelta(hours=1),  # before its creation: 0 as well
                    created
                    + dt.timedelta(days=rng.randrange(0, 60), microseconds=rng.randrange(10**6)),
                    created + dt.timedelta(days=10),  # equal lengths
                ]
            )
            close_date = rng.choice(
                [
                    dt.date(2025, 12, 31),
                    dt.date(2026, 1, 1),
                    dt.date(2026, 2, 14),
                    dt.date(2026, 3, 31),
                ]
            )
        deals.append(
            DealFact(
                f"d{i:03}",
                1,
                pipeline,
                rng.choice(["line-1", "line-2"]),
                rng.choice(["t1", "t2", "t3", "t9"]),
                rng.choice(["bob", "ann", ""]),
                rng.choice(["qualify", "propose", "negotiate", "gone"]),
                status,
                rng.choice(["EUR", "USD", "JPY", ""]),
                value,
                rng.randrange(0, 101),
                rng.choice(["pipeline", "best_case", "commit", "", "omitted"]),
                estimated,
                created,
                entered,
                closed_at,
                close_date,
                rng.choice(["", "price", "timing"]) if status == "lost" else "",
                rng.choice(["", "Acme"]) if status == "lost" else "",
                0,
                _stays(rng),
            )
        )
    return deals


def _forecast_key(group: object) -> tuple[object, ...]:
    day = group.estimated_close_date  # type: ignore[attr-defined]
    return (day or dt.date.min, group.forecast_category, group.currency)  # type: ignore[attr-defined]


def _sorted(groups: list) -> list:
    """Cohort groups in a fixed order (the query's order is the engine's)."""
    return sorted(
        groups,
        key=lambda g: (
            g.pipeline_id,
            g.status,
            g.stage_key,
            -1 if g.furthest_stay is None else g.furthest_stay,
        ),
    )


def _whole_months(groups: list, first: dt.date, last: dt.date, date: str) -> list:
    """The reference groups with the days of a month lying wholly in first..last merged into one
    group dated the month's first day, as the running totals' month rows answer them."""
    span = totals.day_span(first, last)
    merged: dict = {}
    for group in groups:
        day = getattr(group, date)
        if day is not None and day.isoformat()[:7] in span.months:
            group = dataclasses.replace(group, **{date: day.replace(day=1)})
        key = (getattr(group, date) or dt.date.min, *dataclasses.astuple(group)[1:3])
        if key in merged:
            old = merged[key]
            sums = {
                name: getattr(old, name) + getattr(group, name)
                for name in ("deals", "value", "weighted", "valued")
                if hasattr(group, name)
            }
            group = dataclasses.replace(old, **sums)
        merged[key] = group
    return [merged[key] for key in sorted(merged)]


def _check(engine) -> None:
    with Session(engine) as session:
        store = SqlReadModels(session)
        for deal in _deals():
            store.put_deal(deal)
        for pipeline in PIPELINES:
            store.put_pipeline(pipeline)
        session.commit()
        for f in FILTERS:
            assert store.open_stage_groups(f, CUTOFFS) == ReportStore.open_stage_groups(
                store, f, CUTOFFS
            )
            in_sql = store.open_forecast_groups(f, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
            reference = ReportStore.open_forecast_groups(
                store, f, dt.date(2026, 1, 1), dt.date(2026, 3, 31)
            )
            q1 = (dt.date(2026, 1, 1), dt.date(2026, 3, 31), "estimated_close_date")
            assert _whole_months(in_sql, *q1) == _whole_months(reference, *q1)
            for first, last in ((dt.date(2026, 1, 1), dt.date(2026, 3, 31)), (Q4, Q4)):
                assert _whole_months(
                    store.closed_groups(f, first, last), first, last, "close_date"
                ) == _whole_months(
                    ReportStore.closed_groups(store, f, first, last), first, last, "close_date"
                )
                for read in ("won_by_team", "won_cycle", "lost_groups", "leader_groups"):
                    in_sql = getattr(store, read)(f, first, last)
                    assert in_sql == getattr(ReportStore, read)(store, f, first, last)
            instants = [START, START + dt.timedelta(days=40), NOW, END]
            assert store.open_at_each(f, instants) == ReportStore.open_at_each(store, f, instants)
            for limit in (1, 20, 500):
                assert store.oldest_open(f, limit) == ReportStore.oldest_open(store, f, limit)
            assert _sorted(store.cohort_groups(f, START, END)) == _sorted(
                ReportStore.cohort_groups(store, f, START, END)
            )
            assert store.ended_stay_figures(f, START, END) == ReportStore.ended_stay_figures(
                store, f, START, END
            )
        assert any(g.furthest_stay is not None for g in store.cohort_groups(FILTERS[0], START, END))
        assert any(s.stays % 2 == 0 for s in store.ended_stay_figures(FILTERS[0], START, END))
        cycle = store.won_cycle(FILTERS[0], dt.date(2026, 1, 1), dt.date(2026, 3, 31))
        assert (
            cycle.won % 2 == 0 or store.won_cycle(FILTERS[1], START.date(), END.date()).won % 2 == 0
        )
        assert store.open_stage_groups(FILTERS[0], {}) == ReportStore.open_stage_groups(
            store, FILTERS[0], {}
        )
        assert any(g.stuck for g in store.open_stage_groups(FILTERS[0], CUTOFFS))


def test_open_pipeline_reads_on_postgres(engine):
    with engine.begin() as conn:
        for table in orm.READ_MODELS:
            conn.execute(delete(table))
    _check(engine)


def test_open_pipeline_reads_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'reporting.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        _check(engine)
    finally:
        engine.dispose()
