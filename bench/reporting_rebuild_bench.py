"""reporting: the rebuild (``consumption.rebuild``: empty the read models, derive every aggregate
again from the event store, one transaction) over an event store of deals' events, in-process
on PostgreSQL with the production wiring.

The event store is loaded directly (multi-row INSERTs of the events' wire bodies, as the worker
stores them): REPORTING_REBUILD_DEALS deals (default 20,000) of one pipeline over 50 teams, five
events each (created, two stage changes, an update, won or lost), plus the pipeline's event.
Figures: the load's rate, the rebuild's events per second and deals per second (the target:
>= 20,000 events/s over 5,000,000 events; the rebuild streams the store in aggregate order, so
its time is linear in the events: the rate at this size is the rate at 5,000,000 on the same
database, less the larger indexes' cache misses).

    .venv/bin/python -m bench.reporting_rebuild_bench     (or: -m bench.run reporting_rebuild)
"""

from __future__ import annotations

import datetime as dt
import os
import time

from sqlalchemy.orm import Session

from crm.common.v1 import money_pb2
from crm.deals.v1 import events_pb2 as deals_events
from crm.deals.v1 import resources_pb2 as res
from crm_chassis import events as wire
from crm_chassis.bulk_insert import BulkInsert
from crm_chassis.caller import Caller
from crm_chassis.db import make_engine
from crm_reporting import migrate
from crm_reporting.adapters.orm import event_store
from crm_reporting.entrypoints.settings import load
from crm_reporting.entrypoints.wiring import build_dependencies
from crm_reporting.service_layer.consumption import rebuild
from crm_testkit import temporary_postgres_database

DEALS = int(os.environ.get("REPORTING_REBUILD_DEALS", "20000"))
TEAMS = 50
TARGET_PER_S = 20_000
START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
STAGES = (
    ("qualify", 10, res.FORECAST_CATEGORY_PIPELINE, 5),
    ("propose", 50, res.FORECAST_CATEGORY_BEST_CASE, 10),
    ("negotiate", 80, res.FORECAST_CATEGORY_COMMIT, 0),
)


def _row(message, event_type: str, aggregate_type: str, aggregate_id: str, version: int, when):
    wire.stamp(
        message,
        producer="deals",
        event_type=event_type,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        aggregate_version=version,
        occurred_at=when,
    )
    return {
        "message": message,
        "event_id": message.meta.event_id,
        "source": "deals",
        "event_type": event_type,
        "aggregate_type": aggregate_type,
        "aggregate_id": aggregate_id,
        "aggregate_version": version,
        "occurred_at": when,
        "recorded_at": when,
        "body": wire.encode(message),
    }


def _pipeline() -> dict:
    message = deals_events.PipelineCreated(
        pipeline=res.Pipeline(
            id="p1",
            sales_line_id="line-1",
            name="Direct",
            version=1,
            stages=[
                res.Stage(
                    key=key,
                    name=key.title(),
                    default_probability=probability,
                    forecast_category=category,
                    expected_days=days,
                )
                for key, probability, category, days in STAGES
            ],
        )
    )
    return _row(message, "pipeline_created", "pipeline", "p1", 1, START)


def _deal_events(i: int) -> list[dict]:
    created = START + dt.timedelta(minutes=i * 30)
    deal = res.Opportunity(
        id=f"d{i}",
        team_id=f"t{i % TEAMS}",
        owner_user_id=f"rep{i % 500}",
        sales_line_id="line-1",
        pipeline_id="p1",
        currency="EUR",
        status=res.DEAL_STATUS_OPEN,
        estimated_revenue=money_pb2.Money(amount=f"{1000 + i % 9000}.00", currency="EUR"),
        estimated_close_date=(created + dt.timedelta(days=60)).date().isoformat(),
    )
    deal.created_at.FromDatetime(created)
    rows = []

    def emit(cls, event_type: str, when: dt.datetime, **fields) -> None:
        deal.version += 1
        deal.updated_at.FromDatetime(when)
        message = cls(deal=deal, **fields)
        rows.append(_row(message, event_type, "opportunity", deal.id, deal.version, when))

    def stage(index: int, when: dt.datetime) -> None:
        key, probability, category, _ = STAGES[index]
        deal.stage_key, deal.stage_name = key, key.title()
        deal.probability, deal.forecast_category = probability, category
        deal.stage_entered_at.FromDatetime(when)

    stage(0, created)
    emit(deals_events.DealCreated, "deal_created", created)
    for index in (1, 2):
        when = created + dt.timedelta(days=3 * index)
        stage(index, when)
        emit(deals_events.DealStageChanged, "deal_stage_changed", when, to_stage_key=deal.stage_key)
    emit(deals_events.DealUpdated, "deal_updated", created + dt.timedelta(days=7))
    closed = created + dt.timedelta(days=20)
    deal.closed_at.FromDatetime(closed)
    deal.actual_close_date = closed.date().isoformat()
    if i % 3:
        deal.status, deal.probability = res.DEAL_STATUS_WON, 100
        emit(deals_events.DealWon, "deal_won", closed)
    else:
        deal.status, deal.probability, deal.lost_reason = res.DEAL_STATUS_LOST, 0, "price"
        emit(deals_events.DealLost, "deal_lost", closed)
    return rows


def pipeline_event():
    """The pipeline's stamped message (bench.reporting_lag_bench publishes it)."""
    return _pipeline()["message"]


def deal_events(i: int) -> list:
    """Deal ``i``'s five stamped messages, in version order."""
    return [row["message"] for row in _deal_events(i)]


def run() -> dict:
    with temporary_postgres_database("reporting_rebuild_bench") as url:
        migrate.upgrade(url)
        engine = make_engine(url)
        started = time.perf_counter()
        insert = BulkInsert(event_store, [c.name for c in event_store.c if c.name != "seq"])
        with Session(engine) as session:
            batch = [_pipeline()]
            batch[0].pop("message")
            for i in range(DEALS):
                batch.extend(_deal_events(i))
                for row in batch:
                    row.pop("message", None)
                if len(batch) >= 5000:
                    insert.execute(session, batch)
                    batch = []
            if batch:
                insert.execute(session, batch)
            session.commit()
        loaded = time.perf_counter() - started
        deps = build_dependencies(load(env={}, database_url=url), engine=engine)
        began = time.perf_counter()
        result = rebuild(deps, Caller.system("reporting-rebuild"))
        took = time.perf_counter() - began
        deps.close()
        engine.dispose()
    rate = result.events / took
    return {
        "title": f"reporting: rebuild of {result.events:,} stored events ({DEALS:,} deals)",
        "rows": [
            (
                "load (multi-row INSERT)",
                round(result.events / loaded),
                "events/s",
                f"{loaded:.1f} s",
            ),
            ("rebuild", round(rate), "events/s", f"{took:.1f} s, one transaction"),
            ("rebuild", round(result.aggregates / took), "aggregates/s", ""),
        ],
        "checks": [(f"rebuild >= {TARGET_PER_S:,} events/s", rate >= TARGET_PER_S)],
    }


if __name__ == "__main__":
    print(run())
