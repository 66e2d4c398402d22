"""The SQL store's open-pipeline reads (GROUP BY / ORDER BY ... LIMIT in the database) give the
port's reference definitions (the domain's groupings over every open fact) on PostgreSQL and on
SQLite, for a varied set of deals: unknown values and currencies, odd forecast categories,
undated deals, stages outside the pipeline, ties on the creation time, entry times exactly at
the stuck limit."""

from __future__ import annotations

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
from crm_reporting.domain.deals import DealFact
from crm_reporting.service_layer.ports import DealFilter, ReportStore

pytestmark = pytest.mark.integration
NOW = dt.datetime(2026, 2, 10, 12, tzinfo=dt.UTC)
CUTOFFS = {
    ("p1", "qualify"): NOW - dt.timedelta(days=14),
    ("p1", "propose"): NOW - dt.timedelta(days=21),
    ("p2", "qualify"): NOW - dt.timedelta(days=3),
}
FILTERS = [
    DealFilter(frozenset({"t1", "t2", "t3"})),
    DealFilter(frozenset({"t1", "t2"}), sales_line_id="line-1"),
    DealFilter(frozenset({"t2"}), owner_user_id="bob"),
    DealFilter(frozenset()),
]


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
        deals.append(
            DealFact(
                f"d{i:03}",
                1,
                pipeline,
                rng.choice(["line-1", "line-2"]),
                rng.choice(["t1", "t2", "t3", "t9"]),
                rng.choice(["bob", "ann"]),
                rng.choice(["qualify", "propose", "negotiate", "gone"]),
                rng.choice(["open", "open", "won", "lost"]),
                rng.choice(["EUR", "USD", "JPY", ""]),
                value,
                rng.randrange(0, 101),
                rng.choice(["pipeline", "best_case", "commit", "", "omitted"]),
                estimated,
                created,
                entered,
                None,
                None,
                "",
                "",
                0,
                (),
            )
        )
    return deals


def _forecast_key(group: object) -> tuple[object, ...]:
    day = group.estimated_close_date  # type: ignore[attr-defined]
    return (day or dt.date.min, group.forecast_category, group.currency)  # type: ignore[attr-defined]


def _check(engine) -> None:
    with Session(engine) as session:
        store = SqlReadModels(session)
        for deal in _deals():
            store.put_deal(deal)
        session.commit()
        for f in FILTERS:
            assert store.open_stage_groups(f, CUTOFFS) == ReportStore.open_stage_groups(
                store, f, CUTOFFS
            )
            in_sql = store.open_forecast_groups(f, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
            reference = ReportStore.open_forecast_groups(
                store, f, dt.date(2026, 1, 1), dt.date(2026, 3, 31)
            )
            assert sorted(in_sql, key=_forecast_key) == sorted(reference, key=_forecast_key)
            for limit in (1, 20, 500):
                assert store.oldest_open(f, limit) == ReportStore.oldest_open(store, f, limit)
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
