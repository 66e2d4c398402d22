"""In-memory event store and read models (the ports of crm_reporting.service_layer.ports), a
unit of work over them whose writes are seen only on commit, territory's scopes as a fake
replica, and a ``World`` holding them with the use cases' dependencies."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from reporting_marketing_fakes import MarketingState, MemoryMarketingStore
from reporting_rates_fakes import MemoryRateStore

from crm_chassis.exchange import Rate
from crm_chassis.unit_of_work import FakeUnitOfWorkBase
from crm_reporting.domain.deals import OPEN, WON, DealFact
from crm_reporting.domain.events import (
    ActivitySnapshot,
    OrgUnitSnapshot,
    PipelineSnapshot,
    RecordedEvent,
    TargetValue,
    TeamSnapshot,
)
from crm_reporting.service_layer.dependencies import Dependencies
from crm_reporting.service_layer.ports import (
    DealFilter,
    EventStore,
    LineTotals,
    OrgTree,
    ReadModels,
    RebuildRun,
    RebuildStatus,
    ReportStore,
    ScopeReader,
)
from crm_reporting.service_layer.unit_of_work import ReportingUnitOfWork
from crm_testkit.fakes import FixedClock, SequentialIds

NOW = dt.datetime(2026, 4, 15, 12, 0, tzinfo=dt.UTC)


@dataclass
class State:
    events: list[RecordedEvent] = field(default_factory=list)
    deals: dict[str, DealFact] = field(default_factory=dict)
    activities: dict[str, ActivitySnapshot] = field(default_factory=dict)
    pipelines: dict[str, PipelineSnapshot] = field(default_factory=dict)
    units: dict[str, OrgUnitSnapshot] = field(default_factory=dict)
    teams: dict[str, TeamSnapshot] = field(default_factory=dict)
    targets: dict[tuple[str, str], tuple[TargetValue, ...]] = field(default_factory=dict)
    marketing: MarketingState = field(default_factory=MarketingState)  # reporting_marketing_fakes
    rebuilds: list[RebuildRun] = field(default_factory=list)
    rates: dict[tuple[str, str, dt.date], Rate] = field(default_factory=dict)  # exchange rates


class MemoryEventStore(EventStore):
    def __init__(self, state: State) -> None:
        self.state = state

    def add(self, event: RecordedEvent, recorded_at: dt.datetime) -> bool:
        if any(e.event_id == event.event_id for e in self.state.events):
            return False
        self.state.events.append(event)
        return True

    def of_aggregate(self, aggregate_type: str, aggregate_id: str) -> list[RecordedEvent]:
        mine = [e for e in self.state.events if e.key == (aggregate_type, aggregate_id)]
        return sorted(mine, key=lambda e: e.version)

    def in_aggregate_order(self) -> Iterator[RecordedEvent]:
        yield from sorted(self.state.events, key=lambda e: (e.key, e.version))

    def count(self) -> int:
        return len(self.state.events)

    def tombstone(self, email: str) -> int:
        """The events whose body mentions the address (the SQL store is tested on PostgreSQL)."""
        found = [e for e in self.state.events if email in e.body.lower()]
        self.state.tombstoned = [*getattr(self.state, "tombstoned", []), email]
        return len(found)

    def record_rebuild(self, run: RebuildRun) -> None:
        self.state.rebuilds.append(run)

    def rebuild_status(self) -> RebuildStatus:
        done = [r for r in self.state.rebuilds if r.succeeded]
        return RebuildStatus(
            self.state.rebuilds[-1] if self.state.rebuilds else None, done[-1] if done else None
        )


class MemoryReadModels(ReadModels, ReportStore):
    def __init__(self, state: State) -> None:
        self.state = state

    def put_deal(self, fact: DealFact) -> None:
        self.state.deals[fact.id] = fact

    def deals_to_change(self, deal_ids: Sequence[str]) -> dict[str, DealFact]:
        return {i: self.state.deals[i] for i in deal_ids if i in self.state.deals}

    def put_activity(self, activity: ActivitySnapshot) -> None:
        self.state.activities[activity.id] = activity

    def put_pipeline(self, pipeline: PipelineSnapshot) -> None:
        self.state.pipelines[pipeline.id] = pipeline

    def put_unit(self, unit: OrgUnitSnapshot) -> None:
        self.state.units.pop(unit.id, None)
        if not unit.deleted:
            self.state.units[unit.id] = unit

    def put_team(self, team: TeamSnapshot) -> None:
        self.state.teams.pop(team.id, None)
        if not team.deleted:
            self.state.teams[team.id] = team

    def put_targets(self, sales_line_id: str, period: str, targets: Iterable[TargetValue]) -> None:
        self.state.targets[(sales_line_id, period)] = tuple(targets)

    def clear(self) -> None:
        events = self.state.events
        self.state.__init__()  # type: ignore[misc]
        self.state.events = events

    def _match(self, f: DealFilter) -> list[DealFact]:
        return [
            d
            for d in self.state.deals.values()
            if d.team_id in f.team_ids
            and (not f.owner_user_id or d.owner_user_id == f.owner_user_id)
            and (not f.sales_line_id or d.sales_line_id == f.sales_line_id)
        ]

    def closed_between(
        self, f: DealFilter, first_day: dt.date, last_day: dt.date
    ) -> list[DealFact]:
        return [
            d
            for d in self._match(f)
            if d.status != OPEN and d.close_date and first_day <= d.close_date <= last_day
        ]

    def created_between(
        self, f: DealFilter, start: dt.datetime, end: dt.datetime
    ) -> list[DealFact]:
        return [d for d in self._match(f) if start <= d.created_at < end]

    def with_stays_ended_between(
        self, f: DealFilter, start: dt.datetime, end: dt.datetime
    ) -> list[DealFact]:
        return [
            d
            for d in self._match(f)
            if any(s.left_at is not None and start <= s.left_at < end for s in d.stays)
        ]

    def open_deals(self, f: DealFilter) -> list[DealFact]:
        return [d for d in self._match(f) if d.status == OPEN]

    def activities_between(
        self, f: DealFilter, start: dt.datetime, end: dt.datetime
    ) -> list[ActivitySnapshot]:
        return [
            a
            for a in self.state.activities.values()
            if a.team_id in f.team_ids
            and (not f.owner_user_id or a.owner_user_id == f.owner_user_id)
            and (
                (a.kind == "task" and a.done_at is not None and start <= a.done_at < end)
                or (a.kind != "task" and a.occurred_at is not None and start <= a.occurred_at < end)
            )
        ]

    def open_at(self, f: DealFilter, instant: dt.datetime) -> dict[str, int]:
        counts: dict[str, int] = {}
        for d in self._match(f):
            if d.created_at < instant and (d.closed_at is None or d.closed_at >= instant):
                counts[d.currency] = counts.get(d.currency, 0) + 1
        return counts

    def pipelines(self, sales_line_id: str = "") -> list[PipelineSnapshot]:
        return [
            p
            for p in self.state.pipelines.values()
            if not sales_line_id or p.sales_line_id == sales_line_id
        ]

    def targets(
        self, period: str, team_ids: frozenset[str], sales_line_id: str = ""
    ) -> list[TargetValue]:
        return [
            t
            for (line, p), values in self.state.targets.items()
            for t in values
            if p == period
            and t.team_id in team_ids
            and (not sales_line_id or line == sales_line_id)
        ]

    def org(self) -> OrgTree:
        return OrgTree(
            {u.id: u.parent_id for u in self.state.units.values()},
            {t.id: t.unit_id for t in self.state.teams.values()},
            frozenset(t.id for t in self.state.teams.values() if t.active),
        )

    def deal(self, deal_id: str) -> DealFact | None:
        return self.state.deals.get(deal_id)

    def line_totals(self, won_from: dt.date, won_until: dt.date) -> list[LineTotals]:
        totals: dict[tuple[str, str], list[object]] = {}
        for d in self.state.deals.values():
            entry = totals.setdefault((d.sales_line_id, d.currency), [0, Decimal(0), 0, Decimal(0)])
            if d.status == OPEN:
                entry[0] += 1  # type: ignore[operator]
                entry[1] += d.value or 0  # type: ignore[operator]
            elif d.status == WON and d.close_date and won_from <= d.close_date <= won_until:
                entry[2] += 1  # type: ignore[operator]
                entry[3] += d.value or 0  # type: ignore[operator]
        return [
            LineTotals(line, cur, *values)  # type: ignore[arg-type]
            for (line, cur), values in sorted(totals.items())
        ]


class FakeReportingUnitOfWork(FakeUnitOfWorkBase, ReportingUnitOfWork):
    """Works on a copy of the shared state; commit makes it the shared state."""

    def __init__(self, shared: State) -> None:
        super().__init__()
        self.shared = shared

    def __enter__(self) -> FakeReportingUnitOfWork:
        self.work = copy.deepcopy(self.shared)
        self.events = MemoryEventStore(self.work)
        self.models = MemoryReadModels(self.work)
        self.reports = self.models
        self.marketing = MemoryMarketingStore(self.work)
        self.rates = MemoryRateStore(self.work)
        return self

    def __exit__(self, *exc: object) -> None:
        self.rollback()

    def commit(self) -> None:
        super().commit()
        self.shared.__dict__.update(copy.deepcopy(self.work).__dict__)


class FakeScopes(ScopeReader):
    """{user: {team: role}}, as territory's snapshots would make the replica."""

    def __init__(self, roles: dict[str, dict[str, str]] | None = None) -> None:
        self.roles = roles or {}

    def roles_by_team(self, user_id: str) -> dict[str, str]:
        return dict(self.roles.get(user_id, {}))

    def members(self, team_id: str) -> list[tuple[str, str]]:
        return sorted(
            (user, teams[team_id])
            for user, teams in self.roles.items()
            if team_id in teams and user not in UNIT_MANAGERS
        )


#: people who see teams only as managers of a unit above (not members of them).
UNIT_MANAGERS = {"uma", "sid", "ceo"}


class World:
    """The use cases' dependencies over the in-memory state, with a fixed clock."""

    def __init__(self, roles: dict[str, dict[str, str]] | None = None) -> None:
        self.state = State()
        self.clock = FixedClock(NOW)
        self.scopes = FakeScopes(roles if roles is not None else default_roles())
        self.deps = Dependencies(
            uow=lambda: FakeReportingUnitOfWork(self.state),
            clock=self.clock,
            ids=SequentialIds("r"),
            scopes=self.scopes,
        )


def default_roles() -> dict[str, dict[str, str]]:
    """An organisation: unit "north" (managed by uma) holds teams t1 and t2, unit "south"
    (managed by sid) holds t3; the company unit "hq" above both is managed by ceo.
    alice and bob are experts of t1, sam its supervisor, mia its manager; tom is an expert of
    t2; root is an administrator in no team."""
    return {
        "alice": {"t1": "expert"},
        "bob": {"t1": "expert"},
        "sam": {"t1": "supervisor"},
        "mia": {"t1": "manager"},
        "tom": {"t2": "expert"},
        "tess": {"t3": "supervisor"},
        "uma": {"t1": "manager", "t2": "manager"},
        "sid": {"t3": "manager"},
        "ceo": {"t1": "manager", "t2": "manager", "t3": "manager"},
    }
