"""The ports reporting's use cases see; adapters implement them (SQLAlchemy Core on PostgreSQL
or SQLite today; a columnar engine could implement the same ``ReportStore``)."""

from __future__ import annotations

import abc
import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from crm_reporting.domain.deals import DealFact
from crm_reporting.domain.events import (
    ActivitySnapshot,
    OrgUnitSnapshot,
    PipelineSnapshot,
    RecordedEvent,
    TargetValue,
    TeamSnapshot,
)
from crm_reporting.domain.kpis.closed import (
    ClosedGroup,
    Cycle,
    TeamWon,
    closed_groups,
    won_by_team,
    won_cycle,
)
from crm_reporting.domain.kpis.forecast import OpenForecastGroup, open_forecast_groups
from crm_reporting.domain.kpis.funnel import (
    CohortGroup,
    OpenStageGroup,
    StayFigures,
    cohort_groups,
    ended_stay_figures,
    open_stage_groups,
)
from crm_reporting.domain.kpis.leaderboard import LeaderGroup, leader_groups
from crm_reporting.domain.kpis.lost_reasons import LostGroup, lost_groups

T = TypeVar("T")


@dataclass(frozen=True)
class DealFilter:
    """Deals counted for one of ``team_ids`` (and the owner, and the line, when given)."""

    team_ids: frozenset[str]
    owner_user_id: str = ""
    sales_line_id: str = ""


@dataclass(frozen=True)
class OrgTree:
    unit_parents: dict[str, str]
    team_units: dict[str, str]
    active_teams: frozenset[str]


@dataclass(frozen=True)
class LineTotals:
    """One sales line's and currency's company totals."""

    sales_line_id: str
    currency: str
    open_deals: int
    open_value: Decimal
    won_deals: int
    won_value: Decimal


@dataclass(frozen=True)
class RebuildRun:
    """One run of the rebuild: when it ended, whether it committed, what it read or why not."""

    finished_at: dt.datetime
    succeeded: bool
    events: int = 0
    aggregates: int = 0
    error: str = ""


@dataclass(frozen=True)
class RebuildStatus:
    """The latest run and the latest successful one (None: never)."""

    last: RebuildRun | None
    last_success: RebuildRun | None


class EventStore(abc.ABC):
    """Reporting's own copy of every event it consumed, kept forever (the rebuild's source)."""

    @abc.abstractmethod
    def add(self, event: RecordedEvent, recorded_at: dt.datetime) -> bool:
        """Stores the event; False (and nothing stored) when its id is already stored."""

    def lock_aggregate(self, aggregate_type: str, aggregate_id: str) -> None:
        """Holds the aggregate until the transaction ends: a concurrent derivation of the same
        aggregate (its events arrive on several queues) waits, then reads this one's events.
        Stores with a single writer need nothing."""
        return None

    def add_all(self, events: Sequence[RecordedEvent], recorded_at: dt.datetime) -> list[bool]:
        """``add`` of each event, in order (a batch of deliveries; the SQL store checks and
        inserts them in one statement each)."""
        return [self.add(event, recorded_at) for event in events]

    def lock_aggregates(self, keys: Iterable[tuple[str, str]]) -> None:
        """``lock_aggregate`` of each (type, id), in sorted order: two batches sharing
        aggregates take their locks in the same order, so one waits instead of deadlocking."""
        for aggregate_type, aggregate_id in sorted(set(keys)):
            self.lock_aggregate(aggregate_type, aggregate_id)

    def admit_live_event(self) -> bool:
        """The worker's side of the rebuild fence, first in a consumed event's transaction:
        True, held until the transaction ends, unless a rebuild holds the fence (False: nothing
        may be stored or derived until it commits). Stores with a single writer need nothing:
        the rebuild's transaction holds their only write lock."""
        return True

    def fence_out_live_events(self) -> None:
        """The rebuild's side, first in its transaction: waits for the events being applied to
        commit, then keeps every other one out until the transaction ends."""
        return None

    @abc.abstractmethod
    def of_aggregate(self, aggregate_type: str, aggregate_id: str) -> list[RecordedEvent]: ...

    def of_aggregates(
        self, aggregate_type: str, aggregate_ids: Sequence[str]
    ) -> dict[str, list[RecordedEvent]]:
        """``of_aggregate`` of each id (the SQL store reads them in one query)."""
        return {i: self.of_aggregate(aggregate_type, i) for i in aggregate_ids}

    @abc.abstractmethod
    def in_aggregate_order(self) -> Iterator[RecordedEvent]:
        """Every stored event, grouped by aggregate (type, id), by version within one."""

    def fold_in_aggregate_order(
        self, fold: Callable[[list[RecordedEvent]], T], processes: int = 0
    ) -> Iterator[T]:
        """``fold`` of each aggregate's stored events (``in_aggregate_order``'s groups), in that
        order: the rebuild's read. A store may run ``fold`` in up to ``processes`` worker
        processes (it is then a module-level function with a picklable result); 0: here."""
        for _, group in itertools.groupby(self.in_aggregate_order(), key=lambda e: e.key):
            yield fold(list(group))

    @abc.abstractmethod
    def count(self) -> int: ...

    @abc.abstractmethod
    def tombstone(self, email: str) -> int:
        """Tombstone every stored event mentioning the person (``email``, and the names and
        phone the events give with it) or about the aggregates those events are about
        (``crm_chassis.privacy.redact``); returns how many events changed."""

    # The rebuild's outcomes live beside the events (the read models are emptied by a rebuild).
    @abc.abstractmethod
    def record_rebuild(self, run: RebuildRun) -> None: ...

    @abc.abstractmethod
    def rebuild_status(self) -> RebuildStatus: ...


class ReadModels(abc.ABC):
    """The read models' write side (the worker and the rebuild)."""

    @abc.abstractmethod
    def put_deal(self, fact: DealFact) -> None: ...

    @abc.abstractmethod
    def deals_to_change(self, deal_ids: Sequence[str]) -> dict[str, DealFact]:
        """The stored facts (with their stays) of ``deal_ids`` that exist, held until the
        transaction ends (the SQL store locks their rows), for ``put_changed_deals``."""

    def put_changed_deals(self, changes: Sequence[tuple[DealFact | None, DealFact]]) -> None:
        """Replaces each (before, after) fact: ``before`` is what ``deals_to_change`` read
        (None: a new deal). The SQL store writes the facts, stays and running totals of the
        whole batch in a few statements."""
        for _, fact in changes:
            self.put_deal(fact)

    def put_new_deals(self, facts: Sequence[DealFact]) -> None:
        """Writes deals not in the read models yet (the rebuild, after ``clear``), in one go:
        the SQL store inserts them, their stays and their running totals in a few statements."""
        for fact in facts:
            self.put_deal(fact)

    @abc.abstractmethod
    def put_pipeline(self, pipeline: PipelineSnapshot) -> None: ...

    @abc.abstractmethod
    def put_activity(self, activity: ActivitySnapshot) -> None: ...

    @abc.abstractmethod
    def put_unit(self, unit: OrgUnitSnapshot) -> None: ...

    @abc.abstractmethod
    def put_team(self, team: TeamSnapshot) -> None: ...

    @abc.abstractmethod
    def put_targets(
        self, sales_line_id: str, period: str, targets: Iterable[TargetValue]
    ) -> None: ...

    @abc.abstractmethod
    def clear(self) -> None:
        """Empties every read model (not the event store)."""

    def begin_rebuild(self) -> None:
        """``clear`` before a bulk load by ``put_new_deals`` and the other writes; the store
        may defer work to ``finish_rebuild`` (the SQL store on PostgreSQL: truncates, drops the
        secondary indexes of the bulk-loaded tables and sums the deals' running totals in
        memory)."""
        self.clear()

    def finish_rebuild(self) -> None:
        """Ends the bulk load ``begin_rebuild`` began (writes what it deferred), in the same
        transaction."""
        return None


class ReportStore(abc.ABC):
    """The read models' read side (the api)."""

    @abc.abstractmethod
    def closed_between(
        self, f: DealFilter, first_day: dt.date, last_day: dt.date
    ) -> list[DealFact]:
        """Won or lost deals whose close date is one of the days first_day..last_day."""

    @abc.abstractmethod
    def created_between(
        self, f: DealFilter, start: dt.datetime, end: dt.datetime
    ) -> list[DealFact]:
        """Deals created in [start, end), with their stage stays."""

    @abc.abstractmethod
    def with_stays_ended_between(
        self, f: DealFilter, start: dt.datetime, end: dt.datetime
    ) -> list[DealFact]:
        """Deals with a stage stay that ended in [start, end), with their stays."""

    @abc.abstractmethod
    def open_deals(self, f: DealFilter) -> list[DealFact]: ...

    # The funnel's and forecast's reads. These defaults compute them from the facts with the
    # domain's definitions; the SQL store overrides them with GROUP BY / ORDER BY ... LIMIT
    # queries so a call reads a few hundred rows whatever the number of deals.
    def open_stage_groups(
        self, f: DealFilter, stuck_before: dict[tuple[str, str], dt.datetime]
    ) -> list[OpenStageGroup]:
        """Open deals per (pipeline, stage, currency); stuck: entered the stage before the
        (pipeline, stage)'s time in ``stuck_before`` (stages absent from it have none)."""
        return open_stage_groups(self.open_deals(f), stuck_before)

    def open_forecast_groups(
        self, f: DealFilter, first_day: dt.date, last_day: dt.date
    ) -> list[OpenForecastGroup]:
        """Open deals closing in first_day..last_day or without a date, per (estimated close
        date, forecast category, currency). A store may merge the days of a month lying wholly
        in the range into one group dated the month's first day (the running totals do)."""
        return open_forecast_groups(self.open_deals(f), first_day, last_day)

    def cohort_groups(
        self, f: DealFilter, start: dt.datetime, end: dt.datetime
    ) -> list[CohortGroup]:
        """Deals created in [start, end), grouped with the furthest stage of every pipeline's
        current stages they stayed at."""
        return cohort_groups(self.created_between(f, start, end), self.pipelines())

    def ended_stay_figures(
        self, f: DealFilter, start: dt.datetime, end: dt.datetime
    ) -> list[StayFigures]:
        """Per (pipeline, stage): count, mean and median length of the stays that ended in
        [start, end)."""
        return ended_stay_figures(self.with_stays_ended_between(f, start, end), start, end)

    def closed_groups(
        self, f: DealFilter, first_day: dt.date, last_day: dt.date
    ) -> list[ClosedGroup]:
        """Deals closed on first_day..last_day per (close date, status, currency); whole months
        may be merged like ``open_forecast_groups``'s."""
        return closed_groups(self.closed_between(f, first_day, last_day), first_day, last_day)

    def lost_groups(self, f: DealFilter, first_day: dt.date, last_day: dt.date) -> list[LostGroup]:
        """Deals lost on first_day..last_day per (reason, competitor, currency)."""
        return lost_groups(self.closed_between(f, first_day, last_day), first_day, last_day)

    def leader_groups(
        self, f: DealFilter, first_day: dt.date, last_day: dt.date
    ) -> list[LeaderGroup]:
        """Deals won or lost on first_day..last_day per (rep | team, status, currency)."""
        return leader_groups(self.closed_between(f, first_day, last_day), first_day, last_day)

    def won_by_team(self, f: DealFilter, first_day: dt.date, last_day: dt.date) -> list[TeamWon]:
        """Deals won on first_day..last_day per (line, team, currency)."""
        return won_by_team(self.closed_between(f, first_day, last_day), first_day, last_day)

    def won_cycle(self, f: DealFilter, first_day: dt.date, last_day: dt.date) -> Cycle:
        """Count, mean and median cycle of the deals won on first_day..last_day."""
        return won_cycle(self.closed_between(f, first_day, last_day), first_day, last_day)

    def won_cycle_mean(self, f: DealFilter, first_day: dt.date, last_day: dt.date) -> Cycle:
        """``won_cycle`` without the median (None): the SQL store sums it from running totals."""
        cycle = self.won_cycle(f, first_day, last_day)
        return Cycle(cycle.won, cycle.mean_days, None)

    def read_together(self, reads: Sequence[tuple[str, tuple[Any, ...]]]) -> list[Any]:
        """The answers of several of these reads, ``(method name, arguments)``, in order: equal
        to calling them one by one (this default); the SQL store sends the ones its running
        totals answer in one statement."""
        return [getattr(self, name)(*args) for name, args in reads]

    def oldest_open(self, f: DealFilter, limit: int) -> list[DealFact]:
        """The ``limit`` open deals created first (ties by id), without their stays."""
        deals = sorted(self.open_deals(f), key=lambda d: (d.created_at, d.id))
        return deals[:limit]

    @abc.abstractmethod
    def activities_between(
        self, f: DealFilter, start: dt.datetime, end: dt.datetime
    ) -> list[ActivitySnapshot]:
        """Activities of the filter's teams (and owner) that took place (tasks: were completed)
        in [start, end); activities belong to no sales line, so the line is not applied."""

    @abc.abstractmethod
    def open_at(self, f: DealFilter, instant: dt.datetime) -> dict[str, int]:
        """{currency: deals created before ``instant`` and not closed before it}."""

    def open_at_each(self, f: DealFilter, instants: Sequence[dt.datetime]) -> list[dict[str, int]]:
        """``open_at`` of each instant (the SQL store counts them in one scan)."""
        return [self.open_at(f, instant) for instant in instants]

    @abc.abstractmethod
    def pipelines(self, sales_line_id: str = "") -> list[PipelineSnapshot]:
        """Every pipeline, or the line's."""

    @abc.abstractmethod
    def targets(
        self, period: str, team_ids: frozenset[str], sales_line_id: str = ""
    ) -> list[TargetValue]: ...

    @abc.abstractmethod
    def org(self) -> OrgTree: ...

    @abc.abstractmethod
    def deal(self, deal_id: str) -> DealFact | None: ...

    @abc.abstractmethod
    def line_totals(self, won_from: dt.date, won_until: dt.date) -> list[LineTotals]:
        """Every team's open deals, and the deals with a close date in won_from..won_until
        (inclusive), per line and currency."""


class ScopeReader(abc.ABC):
    """territory's scopes, from the local access replica."""

    @abc.abstractmethod
    def roles_by_team(self, user_id: str) -> dict[str, str]: ...

    @abc.abstractmethod
    def members(self, team_id: str) -> list[tuple[str, str]]: ...
