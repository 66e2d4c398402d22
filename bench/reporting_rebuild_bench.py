"""reporting: the rebuild (``consumption.rebuild``: truncate the read models, stream the event
store in aggregate order, fold each aggregate, bulk-load the rows, one transaction) over an event
store of deals' events, on PostgreSQL with the production wiring.

The event store is loaded directly with COPY (the events' wire bodies, as the worker stores
them; deal i's rows from a template of its shape, checked against the encoded messages):
REPORTING_REBUILD_DEALS deals (default 20,000) of one pipeline over 50 teams, five events each
(created, two stage changes, an update, won or lost), plus the pipeline's event. The rebuild
folds in REPORTING_REBUILD_PROCESSES worker processes (default 0, the command's default: none).
Figures: the load's rate; the floor, the rebuild's read of the store alone (every row streamed
in aggregate order, not translated); the rebuild's events and aggregates per second, with the
load average before and after it. The run checks the rebuilt facts and running totals count
every deal. Target: >= 20,000 events/s over 5,000,000 events (1,000,000 deals).

    REPORTING_REBUILD_DEALS=1000000 .venv/bin/python -m bench.reporting_rebuild_bench
    (or: -m bench.run reporting_rebuild, which writes its section of docs/benchmarks.md)
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import time
import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.common.v1 import money_pb2
from crm.deals.v1 import events_pb2 as deals_events
from crm.deals.v1 import resources_pb2 as res
from crm_chassis import events as wire
from crm_chassis.caller import Caller
from crm_chassis.db import make_engine
from crm_reporting import migrate
from crm_reporting.adapters import rebuild_load
from crm_reporting.adapters.orm import deal_facts, deal_totals
from crm_reporting.entrypoints.settings import load
from crm_reporting.entrypoints.wiring import build_dependencies
from crm_reporting.service_layer.consumption import rebuild
from crm_testkit import temporary_postgres_database

DEALS = int(os.environ.get("REPORTING_REBUILD_DEALS", "20000"))
PROCESSES = int(os.environ.get("REPORTING_REBUILD_PROCESSES", "0"))
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


# -- the load: deal i's rows from a template of its shape (won or lost) -------------------------
# Building and encoding five protobuf messages per deal takes ~50-250 µs an event here, an hour for
# 5,000,000 events; a template is deal 0's (lost) or deal 1's (won) stored rows with every value
# that varies per deal (ids, team, owner, amount, times, event ids) replaced in one pass. The load
# checks the templated rows equal the encoded messages' rows (but for the trace's request id) for
# the first TEMPLATE_CHECK deals.
TEMPLATE_CHECK = 300
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_STORED = (
    "event_id", "source", "event_type", "aggregate_type", "aggregate_id", "aggregate_version",
    "occurred_at", "recorded_at", "body",
)  # fmt: skip


def _values(i: int) -> dict[str, str]:
    """Deal i's varying values, as they appear quoted in its rows."""
    created = START + dt.timedelta(minutes=i * 30)

    def stamp(when: dt.datetime) -> str:
        return f'"{when.strftime("%Y-%m-%dT%H:%M:%SZ")}"'

    closed = created + dt.timedelta(days=20)
    return {
        "id": f'"d{i}"',
        "team": f'"t{i % TEAMS}"',
        "owner": f'"rep{i % 500}"',
        "amount": f'"{1000 + i % 9000}.00"',
        "created": stamp(created),
        "stage1": stamp(created + dt.timedelta(days=3)),
        "stage2": stamp(created + dt.timedelta(days=6)),
        "updated": stamp(created + dt.timedelta(days=7)),
        "closed": stamp(closed),
        "close_date": f'"{closed.date().isoformat()}"',
        "estimated": f'"{(created + dt.timedelta(days=60)).date().isoformat()}"',
    }


class _Template:
    def __init__(self, base: int) -> None:
        self.base = base
        self.rows = _deal_events(base)
        self.ids = [f'"{row["event_id"]}"' for row in self.rows]
        values = _values(base)
        if len(set(values.values())) != len(values):
            raise AssertionError(f"deal {base}'s values are not distinct: no template")
        self.names = {quoted: name for name, quoted in values.items()}
        tokens = sorted([*self.names, *self.ids], key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(token) for token in tokens))

    def lines(self, i: int, event_ids: list[str]) -> list[str]:
        values = _values(i)
        mapping = {quoted: values[name] for quoted, name in self.names.items()}
        mapping.update({old: f'"{new}"' for old, new in zip(self.ids, event_ids, strict=True)})
        out = []
        for row, event_id in zip(self.rows, event_ids, strict=True):
            body = self.pattern.sub(lambda m: mapping[m.group()], row["body"])
            when = values[_WHEN[row["event_type"], row["aggregate_version"]]].strip('"')
            fields = (
                event_id, "deals", row["event_type"], "opportunity", f"d{i}",
                str(row["aggregate_version"]), when, when, body.translate(_COPY_ESCAPES),
            )  # fmt: skip
            out.append("\t".join(fields) + "\n")
        return out


# The trace's request id differs per stamped message (the template keeps its own): not compared.
_REQUEST = re.compile('"request_id":"[0-9a-f]*"')
# (event type, version) -> the value naming the event's time
_WHEN = {
    ("deal_created", 1): "created",
    ("deal_stage_changed", 2): "stage1",
    ("deal_stage_changed", 3): "stage2",
    ("deal_updated", 4): "updated",
    ("deal_won", 5): "closed",
    ("deal_lost", 5): "closed",
}


def _line(row: dict) -> str:
    when = row["occurred_at"].strftime("%Y-%m-%dT%H:%M:%SZ")
    fields = (
        row["event_id"], row["source"], row["event_type"], row["aggregate_type"],
        row["aggregate_id"], str(row["aggregate_version"]), when, when,
        row["body"].translate(_COPY_ESCAPES),
    )  # fmt: skip
    return "\t".join(fields) + "\n"


def _load(engine) -> None:
    """The event store: the pipeline's row and DEALS deals' rows with COPY, in batches."""
    templates = {0: _Template(3), 1: _Template(1)}  # i % 3 == 0: lost; else won
    for i in range(TEMPLATE_CHECK):  # the templates give exactly the encoded messages' rows
        real = _deal_events(i)
        ids = [row["event_id"] for row in real]
        expected = [_REQUEST.sub("", _line(row)) for row in real]
        got = [_REQUEST.sub("", line) for line in templates[min(i % 3, 1)].lines(i, ids)]
        if got != expected:
            raise AssertionError(f"the template does not give deal {i}'s rows")
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        sql = f"COPY event_store ({', '.join(_STORED)}) FROM STDIN"
        lines = [_line(_pipeline())]
        for i in range(DEALS):
            ids = [uuid.uuid4().hex for _ in range(5)]
            lines.extend(templates[min(i % 3, 1)].lines(i, ids))
            if len(lines) >= 50_000:
                cursor.copy_expert(sql, io.StringIO("".join(lines)))
                lines = []
        cursor.copy_expert(sql, io.StringIO("".join(lines)))
        cursor.execute("ANALYZE event_store")
        raw.commit()
    finally:
        raw.close()


def _read_floor(engine) -> tuple[int, float]:
    """The rebuild's read alone: every stored row streamed in aggregate order, not translated."""
    with Session(engine) as session:
        began = time.perf_counter()
        rows = sum(1 for _ in rebuild_load._rows(session))
        return rows, time.perf_counter() - began


def _check(engine) -> None:
    with engine.connect() as conn:
        facts = conn.execute(select(func.count()).select_from(deal_facts)).scalar_one()
        created = conn.execute(
            select(func.sum(deal_totals.c.deals)).where(
                deal_totals.c.kind == "created", deal_totals.c.grain == "m"
            )
        ).scalar_one()
    if (facts, int(created or 0)) != (DEALS, DEALS):
        raise AssertionError(f"rebuilt {facts} facts and {created} created deals, not {DEALS}")


def run() -> dict:
    with temporary_postgres_database("reporting_rebuild_bench") as url:
        migrate.upgrade(url)
        engine = make_engine(url)
        started = time.perf_counter()
        _load(engine)
        loaded = time.perf_counter() - started
        floor_rows, floor = _read_floor(engine)
        deps = build_dependencies(load(env={}, database_url=url), engine=engine)
        load_before = os.getloadavg()[0]
        began = time.perf_counter()
        result = rebuild(deps, Caller.system("reporting-rebuild"), processes=PROCESSES)
        took = time.perf_counter() - began
        load_after = os.getloadavg()[0]
        deps.close()
        _check(engine)
        engine.dispose()
    rate = result.events / took
    return {
        "title": f"reporting: rebuild of {result.events:,} stored events ({DEALS:,} deals)",
        "rows": [
            (
                "load (templated rows, COPY)",
                round(result.events / loaded),
                "events/s",
                f"{loaded:.1f} s",
            ),
            (
                "floor: the rebuild's read alone",
                round(floor_rows / floor),
                "events/s",
                f"{floor:.1f} s",
            ),
            (
                "rebuild",
                round(rate),
                "events/s",
                f"{took:.1f} s, one transaction, {PROCESSES} worker processes, "
                f"load average {load_before:.1f} -> {load_after:.1f}",
            ),
            ("rebuild", round(result.aggregates / took), "aggregates/s", ""),
        ],
        "checks": [(f"rebuild >= {TARGET_PER_S:,} events/s", rate >= TARGET_PER_S)],
    }


if __name__ == "__main__":
    print(run())
