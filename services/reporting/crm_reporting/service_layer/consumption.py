"""Consuming events: keep reporting's own copy, then bring the read model each event feeds up to
date; and the rebuild, which derives every read model again from that copy alone.

The read model of an aggregate is always what the derivation over all its stored events gives
(domain.deals, domain.structure): a late, repeated or reordered event therefore gives the same
figures as the events in order, and the rebuild gives exactly the live figures. A deal, the
aggregate nearly every event is about, gets there from its stored fact and the new events when
they are newer than the fact (service_layer/deal_batches.py), and is derived from all its events
otherwise; the other aggregates are derived from all their events (they have few). A batch of
deliveries is stored and applied in one transaction (``record_events``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from crm_chassis.caller import SYSTEM, Caller
from crm_chassis.errors import PermissionDenied
from crm_reporting.domain.deals import DealFact, derive_deal
from crm_reporting.domain.events import RecordedEvent
from crm_reporting.domain.marketing.derive import derive_won_deal
from crm_reporting.domain.marketing.facts import WonDeal
from crm_reporting.domain.structure import (
    derive_activity,
    derive_pipeline,
    derive_targets,
    derive_team,
    derive_unit,
)
from crm_reporting.service_layer.conversion import derive_rates
from crm_reporting.service_layer.deal_batches import apply_deal_events
from crm_reporting.service_layer.dependencies import Dependencies
from crm_reporting.service_layer.marketing_consumption import derive_marketing
from crm_reporting.service_layer.ports import RebuildRun, RebuildStatus
from crm_reporting.service_layer.unit_of_work import ReportingUnitOfWork

#: aggregate types reporting derives a read model from (their events' ``aggregate_type``).
DEAL, ACTIVITY, PIPELINE, ORG_UNIT, TEAM, TARGETS = (
    "opportunity",
    "activity",
    "pipeline",
    "org_unit",
    "team",
    "sales_line_targets",
)


REBUILD_BATCH = 5000  # deals written per batch by the rebuild


@dataclass(frozen=True)
class Recorded:
    stored: bool  # False: the event was already in the store (nothing changed)
    lag_seconds: float  # recorded at - occurred at


@dataclass(frozen=True)
class Rebuilt:
    events: int
    aggregates: int


class RebuildInProgress(RuntimeError):
    """A consumed event arrived while a rebuild holds the fence: nothing of it was stored. Like
    an unreachable database it passes by itself, so the worker's chassis (crm_chassis.messaging.
    retry) holds the delivery and runs it again after a backoff without counting a delivery;
    the worker takes no new deliveries meanwhile (its prefetch is full) and the rest wait in
    the queues."""

    transient = True

    def __init__(self) -> None:
        super().__init__(
            "a rebuild of reporting's read models is in progress (python -m "
            "crm_reporting.rebuild); the event is applied once it commits"
        )


def _require_platform(caller: Caller, doing: str) -> None:
    if caller.kind != SYSTEM:
        raise PermissionDenied(f"only reporting's worker or its rebuild command may {doing}")


def derive(uow: ReportingUnitOfWork, events: Sequence[RecordedEvent]) -> None:
    """Writes the read model of one aggregate from all its stored ``events``."""
    if not events:
        return
    kind = events[0].aggregate_type
    if kind == DEAL:
        fact = derive_deal(events)
        if fact is not None:
            uow.models.put_deal(fact)
    elif kind == ACTIVITY:
        activity = derive_activity(events)
        if activity is not None:
            uow.models.put_activity(activity)
    elif kind == PIPELINE:
        pipeline = derive_pipeline(events)
        if pipeline is not None:
            uow.models.put_pipeline(pipeline)
    elif kind == ORG_UNIT:
        unit = derive_unit(events)
        if unit is not None:
            uow.models.put_unit(unit)
    elif kind == TEAM:
        team = derive_team(events)
        if team is not None:
            uow.models.put_team(team)
    elif kind == TARGETS:
        for period, targets in derive_targets(events).items():
            uow.models.put_targets(events[0].aggregate_id, period, targets)
    # The marketing and customer KPIs' read models (won deals, leads, campaigns, accounts).
    derive_marketing(uow, events)
    # catalog's exchange rates (the reports in a reporting currency).
    derive_rates(uow, events)


def record_event(deps: Dependencies, caller: Caller, *, event: RecordedEvent) -> Recorded:
    return record_events(deps, caller, events=[event])[0]


def record_events(
    deps: Dependencies, caller: Caller, *, events: Sequence[RecordedEvent]
) -> list[Recorded]:
    """Stores ``events`` (a batch of deliveries; an event already stored is left out) and
    brings the read models they feed up to date, in one transaction; one outcome per event."""
    _require_platform(caller, "record events")
    now = deps.clock.now()
    with deps.uow() as uow:
        # The rebuild fence: the rebuild derives the read models from the store as it was when
        # it began, and no event may be stored or derived between (docs/services/reporting.md,
        # "Runbook").
        if not uow.events.admit_live_event():
            raise RebuildInProgress()
        stored = uow.events.add_all(events, now)
        fresh: dict[tuple[str, str], list[RecordedEvent]] = {}
        for event, added in zip(events, stored, strict=True):
            if added:
                fresh.setdefault(event.key, []).append(event)
        # One writer of an aggregate at a time: a concurrent batch (another queue's events of
        # the same deal) waits here, then reads the fact and events this one commits.
        uow.events.lock_aggregates(fresh)
        apply_deal_events(uow, {key[1]: new for key, new in fresh.items() if key[0] == DEAL})
        for key in sorted(k for k in fresh if k[0] != DEAL):
            derive(uow, uow.events.of_aggregate(*key))
        uow.commit()
    return [
        Recorded(added, max(0.0, (now - event.occurred_at).total_seconds()))
        for event, added in zip(events, stored, strict=True)
    ]


@dataclass(frozen=True)
class Folded:
    """One aggregate's stored events folded for the rebuild: a deal's fact and won deal, or the
    events of any other aggregate (derived in the unit of work by ``derive``)."""

    events: int
    deal: DealFact | None = None
    won: WonDeal | None = None
    other: tuple[RecordedEvent, ...] = ()


def fold_aggregate(events: list[RecordedEvent]) -> Folded:
    """The rebuild's fold of one aggregate (a plain function of its events: the event store may
    run it in worker processes)."""
    if events[0].aggregate_type == DEAL:
        return Folded(len(events), derive_deal(events), derive_won_deal(events))
    return Folded(len(events), other=tuple(events))


def rebuild(deps: Dependencies, caller: Caller, *, processes: int = 0) -> Rebuilt:
    """Empties the read models and derives them again from the event store, in one transaction
    (docs/services/reporting.md, "Runbook"). First it fences out the live worker: the events
    being applied commit first, later ones are refused (``RebuildInProgress``) until this
    transaction ends, so no event is added to the store while the rebuild reads it. The store streams its events in aggregate order
    and folds each aggregate (``fold_aggregate``, in ``processes`` worker processes when > 0);
    deals, most aggregates, are written in batches of new rows (the read models are empty, so
    there is no fact before to subtract), the other aggregates by ``derive``. The outcome is
    recorded either way, in a transaction of its own (a failed rebuild's is rolled back): the
    rebuild-failure alert reads it (``rebuild_status``)."""
    _require_platform(caller, "rebuild the read models")
    events = aggregates = 0
    try:
        with deps.uow() as uow:
            uow.events.fence_out_live_events()
            uow.models.begin_rebuild()
            deals: list[DealFact] = []
            won: list[WonDeal] = []
            for folded in uow.events.fold_in_aggregate_order(fold_aggregate, processes):
                if folded.other:
                    derive(uow, folded.other)
                if folded.deal is not None:
                    deals.append(folded.deal)
                if folded.won is not None:
                    won.append(folded.won)
                if len(deals) >= REBUILD_BATCH:
                    uow.models.put_new_deals(deals)
                    uow.marketing.put_new_won_deals(won)
                    deals, won = [], []
                events += folded.events
                aggregates += 1
            uow.models.put_new_deals(deals)
            uow.marketing.put_new_won_deals(won)
            uow.models.finish_rebuild()
            uow.commit()
    except Exception as error:
        _record(deps, RebuildRun(deps.clock.now(), False, events, aggregates, repr(error)))
        raise
    _record(deps, RebuildRun(deps.clock.now(), True, events, aggregates))
    return Rebuilt(events, aggregates)


def _record(deps: Dependencies, run: RebuildRun) -> None:
    with deps.uow() as uow:
        uow.events.record_rebuild(run)
        uow.commit()


def rebuild_status(deps: Dependencies, caller: Caller) -> RebuildStatus:
    """The latest rebuild and the latest successful one (the worker publishes them as gauges)."""
    _require_platform(caller, "read the rebuild's outcome")
    with deps.uow() as uow:
        return uow.events.rebuild_status()
