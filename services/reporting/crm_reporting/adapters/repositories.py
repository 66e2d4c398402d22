"""The event store and the read models on SQLAlchemy Core (PostgreSQL; SQLite in `make run`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import and_, delete, func, insert, literal, or_, select, text
from sqlalchemy.orm import Session

from crm_chassis.bulk_insert import BulkInsert
from crm_reporting.adapters import event_translation, rebuild_load
from crm_reporting.adapters.aggregate_reads import deal_conditions
from crm_reporting.adapters.event_tombstones import tombstone_events
from crm_reporting.adapters.marketing_orm import marketing_won_deals
from crm_reporting.adapters.orm import (
    READ_MODELS,
    activity_facts,
    deal_facts,
    deal_totals,
    event_store,
    org_teams,
    org_units,
    pipeline_stages,
    rebuild_runs,
    stage_stays,
    targets,
)
from crm_reporting.adapters.read_batch import condition
from crm_reporting.adapters.totals_store import SqlTotals
from crm_reporting.domain import totals
from crm_reporting.domain.deals import OPEN, WON, DealFact, StageStay
from crm_reporting.domain.events import (
    ActivitySnapshot,
    OrgUnitSnapshot,
    PipelineSnapshot,
    RecordedEvent,
    StageDefinition,
    TargetValue,
    TeamSnapshot,
)
from crm_reporting.service_layer.ports import (
    DealFilter,
    EventStore,
    LineTotals,
    OrgTree,
    ReadModels,
    RebuildRun,
    RebuildStatus,
    ReportStore,
)

MICROS = Decimal(1_000_000)
T = TypeVar("T")
_EVENTS = BulkInsert(event_store, [c.name for c in event_store.c if c.name != "seq"])
_DEALS = BulkInsert(deal_facts)
_STAYS = BulkInsert(stage_stays)
# The tables the rebuild loads in bulk (their secondary indexes are built after the load).
_BULK_LOADED = (deal_facts, stage_stays, deal_totals, marketing_won_deals)


# The rebuild fence's advisory-lock key (aggregates' keys are "reporting:<type>:<id>").
_REBUILD_FENCE = func.hashtextextended(literal("reporting:rebuild"), 0)


def to_micros(amount: Decimal | None) -> int | None:
    return None if amount is None else int((amount * MICROS).to_integral_value())


def from_micros(micros: int | None) -> Decimal | None:
    return None if micros is None else Decimal(micros) / MICROS


class SqlEventStore(EventStore):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, event: RecordedEvent, recorded_at: dt.datetime) -> bool:
        known = self.session.execute(
            select(event_store.c.seq).where(event_store.c.event_id == event.event_id)
        ).first()
        if known is not None:
            return False
        self.session.execute(insert(event_store).values(**_event_row(event, recorded_at)))
        return True

    def add_all(self, events: Sequence[RecordedEvent], recorded_at: dt.datetime) -> list[bool]:
        # One query for the ids already stored and one multi-row INSERT for the others.
        known = set(
            self.session.execute(
                select(event_store.c.event_id).where(
                    event_store.c.event_id.in_({event.event_id for event in events})
                )
            ).scalars()
        )
        added, rows = [], []
        for event in events:
            added.append(event.event_id not in known)
            if added[-1]:
                known.add(event.event_id)  # the same event twice in one batch: once
                rows.append(_event_row(event, recorded_at))
        if rows:
            _EVENTS.execute(self.session, rows)
        return added

    def lock_aggregates(self, keys: Iterable[tuple[str, str]]) -> None:
        # PostgreSQL: every advisory lock in one statement, taken in the sorted keys' order (the
        # aggregate consumes the unnested rows one at a time, in the array's order).
        if self.session.get_bind().dialect.name != "postgresql":
            return
        names = [f"reporting:{kind}:{id_}" for kind, id_ in sorted(set(keys))]
        if names:
            self.session.execute(
                text(
                    "SELECT count(pg_advisory_xact_lock(hashtextextended(name, 0))) "
                    "FROM unnest(CAST(:names AS text[])) AS name"
                ),
                {"names": names},
            )

    def _events(self, rows: Iterable[tuple[str, str, str]]) -> Iterator[RecordedEvent]:
        for source, event_type, body in rows:
            yield event_translation.from_body(source, event_type, body)

    def lock_aggregate(self, aggregate_type: str, aggregate_id: str) -> None:
        # PostgreSQL: a transaction-scoped advisory lock on the aggregate's key (SQLite has one
        # writer at a time already).
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(
                select(
                    func.pg_advisory_xact_lock(
                        func.hashtextextended(
                            literal(f"reporting:{aggregate_type}:{aggregate_id}"), 0
                        )
                    )
                )
            )

    def admit_live_event(self) -> bool:
        # PostgreSQL: the fence is a transaction-scoped advisory lock, shared by the worker's
        # transactions and taken exclusively by the rebuild. "try": a delivery never waits here
        # (holding a connection and a worker thread for minutes); refused, it is held by the
        # chassis and run again after a backoff. A try is refused as soon as the rebuild waits
        # for the lock, so a busy worker cannot starve the rebuild.
        if not rebuild_load.postgres(self.session):
            return True
        return bool(
            self.session.execute(
                select(func.pg_try_advisory_xact_lock_shared(_REBUILD_FENCE))
            ).scalar_one()
        )

    def fence_out_live_events(self) -> None:
        if rebuild_load.postgres(self.session):
            self.session.execute(select(func.pg_advisory_xact_lock(_REBUILD_FENCE)))

    def of_aggregate(self, aggregate_type: str, aggregate_id: str) -> list[RecordedEvent]:
        rows = self.session.execute(
            select(event_store.c.source, event_store.c.event_type, event_store.c.body)
            .where(
                event_store.c.aggregate_type == aggregate_type,
                event_store.c.aggregate_id == aggregate_id,
            )
            .order_by(event_store.c.aggregate_version, event_store.c.seq)
        )
        return list(self._events(rows.tuples()))

    def of_aggregates(
        self, aggregate_type: str, aggregate_ids: Sequence[str]
    ) -> dict[str, list[RecordedEvent]]:
        out: dict[str, list[RecordedEvent]] = {i: [] for i in aggregate_ids}
        if not aggregate_ids:
            return out
        rows = self.session.execute(
            select(
                event_store.c.aggregate_id,
                event_store.c.source,
                event_store.c.event_type,
                event_store.c.body,
            )
            .where(
                event_store.c.aggregate_type == aggregate_type,
                event_store.c.aggregate_id.in_(aggregate_ids),
            )
            .order_by(
                event_store.c.aggregate_id, event_store.c.aggregate_version, event_store.c.seq
            )
        ).tuples()
        for aggregate_id, source, event_type, body in rows:
            out[aggregate_id].append(event_translation.from_body(source, event_type, body))
        return out

    def in_aggregate_order(self) -> Iterator[RecordedEvent]:
        rows = self.session.execute(
            select(event_store.c.source, event_store.c.event_type, event_store.c.body)
            .order_by(
                event_store.c.aggregate_type,
                event_store.c.aggregate_id,
                event_store.c.aggregate_version,
                event_store.c.seq,
            )
            .execution_options(yield_per=2000)
        )
        yield from self._events(rows.tuples())

    def fold_in_aggregate_order(
        self, fold: Callable[[list[RecordedEvent]], T], processes: int = 0
    ) -> Iterator[T]:
        # Rows streamed and translated in chunks of whole aggregates (adapters/rebuild_load.py).
        return rebuild_load.fold_in_aggregate_order(self.session, fold, processes)

    def count(self) -> int:
        return int(self.session.execute(select(func.count()).select_from(event_store)).scalar_one())

    def tombstone(self, email: str) -> int:
        return tombstone_events(self.session, email)

    def record_rebuild(self, run: RebuildRun) -> None:
        self.session.execute(
            insert(rebuild_runs).values(
                finished_at=run.finished_at,
                succeeded=run.succeeded,
                events=run.events,
                aggregates=run.aggregates,
                error=run.error[:2000],
            )
        )

    def _rebuild_run(self, *conditions: Any) -> RebuildRun | None:
        r = rebuild_runs.c
        row = self.session.execute(
            select(r.finished_at, r.succeeded, r.events, r.aggregates, r.error)
            .where(*conditions)
            .order_by(r.seq.desc())
            .limit(1)
        ).first()
        return None if row is None else RebuildRun(*row)

    def rebuild_status(self) -> RebuildStatus:
        return RebuildStatus(
            self._rebuild_run(), self._rebuild_run(rebuild_runs.c.succeeded.is_(True))
        )


def _event_row(event: RecordedEvent, recorded_at: dt.datetime) -> dict[str, object]:
    return {
        "event_id": event.event_id,
        "source": event.source,
        "event_type": event.event_type,
        "aggregate_type": event.aggregate_type,
        "aggregate_id": event.aggregate_id,
        "aggregate_version": event.version,
        "occurred_at": event.occurred_at,
        "recorded_at": recorded_at,
        "body": event.body,
    }


def _deal_row(fact: DealFact) -> dict[str, object]:
    return {
        "deal_id": fact.id,
        "version": fact.version,
        "pipeline_id": fact.pipeline_id,
        "sales_line_id": fact.sales_line_id,
        "team_id": fact.team_id,
        "owner_user_id": fact.owner_user_id,
        "stage_key": fact.stage_key,
        "status": fact.status,
        "currency": fact.currency,
        "value_micros": to_micros(fact.value),
        "probability": fact.probability,
        "forecast_category": fact.forecast_category,
        "estimated_close_date": (
            fact.estimated_close_date.isoformat() if fact.estimated_close_date else None
        ),
        "created_at": fact.created_at,
        "stage_entered_at": fact.stage_entered_at,
        "closed_at": fact.closed_at,
        "close_date": fact.close_date.isoformat() if fact.close_date else None,
        "lost_reason": fact.lost_reason,
        "lost_competitor": fact.lost_competitor,
        "reopen_count": fact.reopen_count,
    }


def _stay_row(fact: DealFact, stay: StageStay) -> dict[str, object]:
    return {
        "deal_id": fact.id,
        "entered_at": stay.entered_at,
        "stage_key": stay.stage_key,
        "left_at": stay.left_at,
        "team_id": fact.team_id,
        "pipeline_id": fact.pipeline_id,
        "sales_line_id": fact.sales_line_id,
    }


# Columns in DealFact's field order: rows are read as plain tuples and handed over by position
# (a mapping per row and a conversion per field cost about half of a report's time).
_FACT_COLUMNS = tuple(
    deal_facts.c[name]
    for name in (
        "deal_id", "version", "pipeline_id", "sales_line_id", "team_id", "owner_user_id",
        "stage_key", "status", "currency", "value_micros", "probability", "forecast_category",
        "estimated_close_date", "created_at", "stage_entered_at", "closed_at", "close_date",
        "lost_reason", "lost_competitor", "reopen_count",
    )
)  # fmt: skip
_DATE = dt.date.fromisoformat


def _fact(row: tuple[Any, ...], stays: tuple[StageStay, ...] = ()) -> DealFact:
    (id_, version, pipeline, line, team, owner, stage, status, currency, micros, probability,
     category, estimated, created, entered, closed, close, reason, competitor, reopened) = row  # fmt: skip
    return DealFact(
        id_, version, pipeline, line, team, owner, stage, status, currency,
        None if micros is None else Decimal(micros) / MICROS,
        probability, category, _DATE(estimated) if estimated else None, created, entered, closed,
        _DATE(close) if close else None, reason, competitor, reopened, stays,
    )  # fmt: skip


class SqlReadModels(SqlTotals, ReadModels, ReportStore):
    def __init__(self, session: Session) -> None:
        self.session = session
        # A rebuild's bulk load on PostgreSQL (begin_rebuild .. finish_rebuild): the dropped
        # indexes' definitions and the staging table of the batches' running totals.
        self._dropped_indexes: list[str] = []
        self._staged_totals: BulkInsert | None = None
        # Every pipeline, read once per unit of work: a report asks for its line's and, for the
        # cohort's stage positions, for all of them (a few rows; a write drops it).
        self._pipelines: list[PipelineSnapshot] | None = None

    # -- write side ----------------------------------------------------------------------------
    def put_deal(self, fact: DealFact) -> None:
        # The fact before and after: the running totals move by the difference. The row is
        # locked first, so a concurrent derivation of the same deal waits and then subtracts
        # the fact this one writes, not the one both read (PostgreSQL; SQLite has one writer).
        before = self._facts(deal_facts.c.deal_id == fact.id, with_stays=True, lock=True)
        self.apply_totals(before[0] if before else None, fact)
        self.session.execute(delete(deal_facts).where(deal_facts.c.deal_id == fact.id))
        self.session.execute(delete(stage_stays).where(stage_stays.c.deal_id == fact.id))
        self.session.execute(insert(deal_facts).values(**_deal_row(fact)))
        rows = [_stay_row(fact, stay) for stay in fact.stays]
        if rows:
            BulkInsert(stage_stays).execute(self.session, rows)

    def deals_to_change(self, deal_ids: Sequence[str]) -> dict[str, DealFact]:
        if not deal_ids:
            return {}
        # Locked like put_deal's read (the callers hold the deals' advisory locks as well).
        facts = self._facts(deal_facts.c.deal_id.in_(deal_ids), with_stays=True, lock=True)
        return {fact.id: fact for fact in facts}

    def put_changed_deals(self, changes: Sequence[tuple[DealFact | None, DealFact]]) -> None:
        # A batch in a few statements: the running totals moved by the summed differences (one
        # upsert), the old facts and stays deleted and the new ones inserted (one each).
        if not changes:
            return
        moved: dict[totals.TotalKey, totals.Amounts] = {}
        for before, after in changes:
            for key, amounts in totals.difference(before, after).items():
                moved[key] = moved.get(key, totals.Amounts()) + amounts
        self.add_totals({key: a for key, a in moved.items() if not a.empty})
        ids = [after.id for _, after in changes]
        self.session.execute(delete(deal_facts).where(deal_facts.c.deal_id.in_(ids)))
        self.session.execute(delete(stage_stays).where(stage_stays.c.deal_id.in_(ids)))
        _DEALS.execute(self.session, [_deal_row(after) for _, after in changes])
        stays = [_stay_row(after, stay) for _, after in changes for stay in after.stays]
        if stays:
            _STAYS.execute(self.session, stays)

    def put_new_deals(self, facts: Sequence[DealFact]) -> None:
        if not facts:
            return
        # COPY on PostgreSQL, a multi-row INSERT elsewhere.
        _DEALS.copy(self.session, [_deal_row(fact) for fact in facts])
        _STAYS.copy(self.session, [_stay_row(fact, stay) for fact in facts for stay in fact.stays])
        if self._staged_totals is not None:
            self._staged_totals.copy(self.session, rebuild_load.staged_rows(totals.summed(facts)))
        else:
            self.add_totals(totals.summed(facts))

    def put_pipeline(self, pipeline: PipelineSnapshot) -> None:
        self._pipelines = None
        self.session.execute(
            delete(pipeline_stages).where(pipeline_stages.c.pipeline_id == pipeline.id)
        )
        for position, stage in enumerate(pipeline.stages):
            self.session.execute(
                insert(pipeline_stages).values(
                    pipeline_id=pipeline.id,
                    position=position,
                    sales_line_id=pipeline.sales_line_id,
                    stage_key=stage.key,
                    name=stage.name,
                    expected_days=stage.expected_days,
                    default_probability=stage.default_probability,
                    forecast_category=stage.forecast_category,
                )
            )

    def put_activity(self, activity: ActivitySnapshot) -> None:
        self.session.execute(
            delete(activity_facts).where(activity_facts.c.activity_id == activity.id)
        )
        self.session.execute(
            insert(activity_facts).values(
                activity_id=activity.id,
                team_id=activity.team_id,
                owner_user_id=activity.owner_user_id,
                kind=activity.kind,
                occurred_at=activity.occurred_at,
                due_at=activity.due_at,
                done_at=activity.done_at,
            )
        )

    def put_unit(self, unit: OrgUnitSnapshot) -> None:
        self.session.execute(delete(org_units).where(org_units.c.unit_id == unit.id))
        if not unit.deleted:
            self.session.execute(
                insert(org_units).values(unit_id=unit.id, parent_id=unit.parent_id)
            )

    def put_team(self, team: TeamSnapshot) -> None:
        self.session.execute(delete(org_teams).where(org_teams.c.team_id == team.id))
        if not team.deleted:
            self.session.execute(
                insert(org_teams).values(team_id=team.id, unit_id=team.unit_id, active=team.active)
            )

    def put_targets(self, sales_line_id: str, period: str, values: Iterable[TargetValue]) -> None:
        self.session.execute(
            delete(targets).where(
                targets.c.sales_line_id == sales_line_id, targets.c.period == period
            )
        )
        for target in values:
            self.session.execute(
                insert(targets).values(
                    sales_line_id=sales_line_id,
                    period=period,
                    team_id=target.team_id,
                    currency=target.currency,
                    amount_micros=to_micros(target.amount),
                    deal_count=target.deal_count,
                )
            )

    def clear(self) -> None:
        self._pipelines = None
        for table in READ_MODELS:
            self.session.execute(delete(table))

    def begin_rebuild(self) -> None:
        self._pipelines = None
        if not rebuild_load.postgres(self.session):
            self.clear()  # SQLite (`make run`): one writer, small stores
            return
        rebuild_load.truncate(self.session, READ_MODELS)
        self._dropped_indexes = rebuild_load.drop_secondary_indexes(self.session, _BULK_LOADED)
        self._staged_totals = rebuild_load.stage_totals(self.session)

    def finish_rebuild(self) -> None:
        if self._staged_totals is None:
            return
        rebuild_load.load_totals(self.session)
        rebuild_load.create_indexes(self.session, self._dropped_indexes, _BULK_LOADED)
        self._staged_totals, self._dropped_indexes = None, []

    # -- read side -----------------------------------------------------------------------------
    def _where(self, f: DealFilter) -> list[object]:
        return deal_conditions(f)

    def _facts(
        self, *conditions: object, with_stays: bool = False, lock: bool = False
    ) -> list[DealFact]:
        query = select(*_FACT_COLUMNS).where(*conditions)  # type: ignore[arg-type]
        if lock:
            query = query.with_for_update()
        rows = self.session.execute(query).tuples().all()
        if not with_stays or not rows:
            return [_fact(row) for row in rows]
        ids = [row[0] for row in rows]
        stays: dict[str, list[StageStay]] = {}
        for start in range(0, len(ids), 5000):  # bounded IN lists
            for deal_id, key, entered, left in self.session.execute(
                select(
                    stage_stays.c.deal_id,
                    stage_stays.c.stage_key,
                    stage_stays.c.entered_at,
                    stage_stays.c.left_at,
                ).where(stage_stays.c.deal_id.in_(ids[start : start + 5000]))
            ).tuples():
                stays.setdefault(deal_id, []).append(StageStay(key, entered, left))
        return [
            _fact(row, tuple(sorted(stays.get(row[0], []), key=lambda s: s.entered_at)))
            for row in rows
        ]

    def closed_between(
        self, f: DealFilter, first_day: dt.date, last_day: dt.date
    ) -> list[DealFact]:
        if not f.team_ids:
            return []
        # ISO dates compare as text in the order of the days.
        return self._facts(
            *self._where(f),
            deal_facts.c.status != OPEN,
            deal_facts.c.close_date >= first_day.isoformat(),
            deal_facts.c.close_date <= last_day.isoformat(),
        )

    def created_between(
        self, f: DealFilter, start: dt.datetime, end: dt.datetime
    ) -> list[DealFact]:
        if not f.team_ids:
            return []
        return self._facts(
            *self._where(f),
            deal_facts.c.created_at >= start,
            deal_facts.c.created_at < end,
            with_stays=True,
        )

    def with_stays_ended_between(
        self, f: DealFilter, start: dt.datetime, end: dt.datetime
    ) -> list[DealFact]:
        if not f.team_ids:
            return []
        ended = (
            select(stage_stays.c.deal_id)
            .where(
                stage_stays.c.team_id.in_(sorted(f.team_ids)),
                stage_stays.c.left_at >= start,
                stage_stays.c.left_at < end,
            )
            .distinct()
        )
        return self._facts(*self._where(f), deal_facts.c.deal_id.in_(ended), with_stays=True)

    def open_deals(self, f: DealFilter) -> list[DealFact]:
        if not f.team_ids:
            return []
        return self._facts(deal_facts.c.status == OPEN, *self._where(f))

    def oldest_open(self, f: DealFilter, limit: int) -> list[DealFact]:
        if not f.team_ids or limit <= 0:
            return []
        # Without the list of teams when the caller covers the line (the same deals; a person's
        # filter keeps its owner and teams).
        where = self._fact_conditions(f) if self._by_totals(f) else self._where(f)
        rows = self.session.execute(
            select(*_FACT_COLUMNS)
            .where(deal_facts.c.status == OPEN, *where)  # type: ignore[arg-type]
            .order_by(deal_facts.c.created_at, deal_facts.c.deal_id)
            .limit(limit)
        ).tuples()
        return [_fact(row) for row in rows]

    def activities_between(
        self, f: DealFilter, start: dt.datetime, end: dt.datetime
    ) -> list[ActivitySnapshot]:
        if not f.team_ids:
            return []
        a = activity_facts.c
        conditions = [a.team_id.in_(sorted(f.team_ids))]
        if f.owner_user_id:
            conditions.append(a.owner_user_id == f.owner_user_id)
        tasks = and_(a.kind == "task", a.done_at >= start, a.done_at < end)
        others = and_(a.kind != "task", a.occurred_at >= start, a.occurred_at < end)
        rows = self.session.execute(
            select(activity_facts).where(*conditions, or_(tasks, others))
        ).mappings()
        return [
            ActivitySnapshot(
                r["activity_id"],
                r["team_id"],
                r["owner_user_id"],
                r["kind"],
                r["occurred_at"],
                r["due_at"],
                r["done_at"],
            )
            for r in rows
        ]

    def open_at(self, f: DealFilter, instant: dt.datetime) -> dict[str, int]:
        if not f.team_ids:
            return {}
        rows = self.session.execute(
            select(deal_facts.c.currency, func.count())
            .where(
                *self._where(f),  # type: ignore[arg-type]
                deal_facts.c.created_at < instant,
                or_(deal_facts.c.closed_at.is_(None), deal_facts.c.closed_at >= instant),
            )
            .group_by(deal_facts.c.currency)
        ).tuples()
        return {currency: int(count) for currency, count in rows}

    def pipelines(self, sales_line_id: str = "") -> list[PipelineSnapshot]:
        if self._pipelines is None:
            self._pipelines = self._all_pipelines()
        return [p for p in self._pipelines if not sales_line_id or p.sales_line_id == sales_line_id]

    def _all_pipelines(self) -> list[PipelineSnapshot]:
        query = select(pipeline_stages).order_by(
            pipeline_stages.c.pipeline_id, pipeline_stages.c.position
        )
        stages: dict[str, list[StageDefinition]] = {}
        lines: dict[str, str] = {}
        for row in self.session.execute(query).mappings():
            lines[row["pipeline_id"]] = row["sales_line_id"]
            stages.setdefault(row["pipeline_id"], []).append(
                StageDefinition(
                    row["stage_key"],
                    row["name"],
                    row["expected_days"],
                    row["default_probability"],
                    row["forecast_category"],
                )
            )
        return [PipelineSnapshot(p, lines[p], tuple(s)) for p, s in stages.items()]

    def targets(
        self, period: str, team_ids: frozenset[str], sales_line_id: str = ""
    ) -> list[TargetValue]:
        # The list of teams (200 for a manager of a line) built once per set of teams.
        conditions = [
            condition(targets.c.period, "==", period),
            condition(targets.c.team_id, "in", tuple(sorted(team_ids))),
        ]
        if sales_line_id:
            conditions.append(condition(targets.c.sales_line_id, "==", sales_line_id))
        return [
            TargetValue(
                row["sales_line_id"],
                row["team_id"],
                row["period"],
                from_micros(row["amount_micros"]) or Decimal(0),
                row["currency"],
                int(row["deal_count"]),
            )
            for row in self.session.execute(select(targets).where(and_(*conditions))).mappings()
        ]

    def org(self) -> OrgTree:
        units = dict(
            self.session.execute(select(org_units.c.unit_id, org_units.c.parent_id)).tuples().all()
        )
        teams = (
            self.session.execute(
                select(org_teams.c.team_id, org_teams.c.unit_id, org_teams.c.active)
            )
            .tuples()
            .all()
        )
        return OrgTree(
            units,
            {team: unit for team, unit, _ in teams},
            frozenset(team for team, _, active in teams if active),
        )

    def deal(self, deal_id: str) -> DealFact | None:
        facts = self._facts(deal_facts.c.deal_id == deal_id, with_stays=True)
        return facts[0] if facts else None

    def line_totals(self, won_from: dt.date, won_until: dt.date) -> list[LineTotals]:
        open_rows = self.session.execute(
            select(
                deal_facts.c.sales_line_id,
                deal_facts.c.currency,
                func.count(),
                func.coalesce(func.sum(deal_facts.c.value_micros), 0),
            )
            .where(deal_facts.c.status == OPEN)
            .group_by(deal_facts.c.sales_line_id, deal_facts.c.currency)
        ).tuples()
        won_rows = self.session.execute(
            select(
                deal_facts.c.sales_line_id,
                deal_facts.c.currency,
                func.count(),
                func.coalesce(func.sum(deal_facts.c.value_micros), 0),
            )
            .where(
                deal_facts.c.status == WON,
                deal_facts.c.close_date >= won_from.isoformat(),
                deal_facts.c.close_date <= won_until.isoformat(),
            )
            .group_by(deal_facts.c.sales_line_id, deal_facts.c.currency)
        ).tuples()
        totals: dict[tuple[str, str], list[object]] = {}
        for line, currency, count, micros in open_rows:
            totals[(line, currency)] = [int(count), int(micros), 0, 0]
        for line, currency, count, micros in won_rows:
            entry = totals.setdefault((line, currency), [0, 0, 0, 0])
            entry[2], entry[3] = int(count), int(micros)
        return [
            LineTotals(
                line,
                currency,
                int(v[0]),  # type: ignore[call-overload]
                from_micros(v[1]) or Decimal(0),  # type: ignore[arg-type]
                int(v[2]),  # type: ignore[call-overload]
                from_micros(v[3]) or Decimal(0),  # type: ignore[arg-type]
            )
            for (line, currency), v in sorted(totals.items())
        ]
