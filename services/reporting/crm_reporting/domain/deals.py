"""A deal as reporting counts it, derived from every event of the deal it has stored.

Derivation instead of applying each event to a row: events of one deal arrive on several queues
and may come late, twice or out of order. The fact is always computed again from the complete,
de-duplicated set of stored events of the deal, ordered by version, so the result does not depend
on the order of arrival, a repeated event changes nothing, and a rebuild from the event store
gives exactly the live figures.

Attribution (docs/services/reporting.md, "Attribution"):
- an open deal counts for its current team and owner;
- a closed deal counts for the team and owner it had when it was closed (the snapshot of its last
  won/lost event), in the period containing its close date (the calendar date the person closing
  it recorded, ``actual_close_date``; the UTC date of ``closed_at`` when an event has none);
  later transfers or hand-overs do not move it;
- a reopened deal is open again: its earlier close stops counting, and it counts again when it
  closes, in the period of that close;
- the stage stays are the distinct (stage, entered at) pairs the snapshots show; a stay ends when
  the next one begins, or at the close.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from crm_reporting.domain.events import DealSnapshot, RecordedEvent

OPEN, WON, LOST = "open", "won", "lost"
CLOSE_EVENTS = ("deal_won", "deal_lost")


@dataclass(frozen=True)
class StageStay:
    stage_key: str
    entered_at: dt.datetime
    left_at: dt.datetime | None  # None while the deal is still at this stage

    def seconds(self) -> float | None:
        if self.left_at is None:
            return None
        return (self.left_at - self.entered_at).total_seconds()


@dataclass(frozen=True)
class DealFact:
    id: str
    version: int
    pipeline_id: str
    sales_line_id: str
    team_id: str  # the team the deal counts for (see the module docstring)
    owner_user_id: str  # the owner it counts for
    stage_key: str
    status: str
    currency: str
    value: Decimal | None  # won: actual revenue (else estimated); open or lost: estimated
    probability: int
    forecast_category: str
    estimated_close_date: dt.date | None
    created_at: dt.datetime
    stage_entered_at: dt.datetime | None
    closed_at: dt.datetime | None
    close_date: dt.date | None = None  # the business close date (closed deals only)
    lost_reason: str = ""
    lost_competitor: str = ""
    reopen_count: int = 0
    stays: tuple[StageStay, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    @property
    def weighted_value(self) -> Decimal | None:
        if self.value is None:
            return None
        return self.value * self.probability / 100

    def cycle_seconds(self) -> float | None:
        """Created -> closed, for a closed deal."""
        if self.closed_at is None:
            return None
        return max(0.0, (self.closed_at - self.created_at).total_seconds())


def _value(snapshot: DealSnapshot) -> Decimal | None:
    if snapshot.status == WON and snapshot.actual_revenue is not None:
        return snapshot.actual_revenue
    return snapshot.estimated_revenue


def _close_date(snapshot: DealSnapshot) -> dt.date | None:
    if snapshot.status == OPEN:
        return None
    if snapshot.actual_close_date is not None:
        return snapshot.actual_close_date
    return snapshot.closed_at.astimezone(dt.UTC).date() if snapshot.closed_at else None


def _stays(snapshots: Iterable[DealSnapshot], last: DealSnapshot) -> tuple[StageStay, ...]:
    entries = sorted(
        {(s.stage_entered_at, s.stage_key) for s in snapshots if s.stage_entered_at is not None}
    )
    return _stays_of(entries, last)


def _stays_of(entries: list[tuple[dt.datetime, str]], last: DealSnapshot) -> tuple[StageStay, ...]:
    """The stays of the distinct (entered at, stage) ``entries`` in order."""
    stays = []
    for index, (entered_at, key) in enumerate(entries):
        if index + 1 < len(entries):
            left_at: dt.datetime | None = entries[index + 1][0]
        else:
            left_at = last.closed_at if last.status != OPEN else None
        stays.append(StageStay(key, entered_at, left_at))
    return tuple(stays)


def _fact(
    last: DealSnapshot,
    version: int,
    attributed: DealSnapshot | DealFact,
    reopen_count: int,
    stays: tuple[StageStay, ...],
) -> DealFact:
    return DealFact(
        id=last.id,
        version=version,
        pipeline_id=last.pipeline_id,
        sales_line_id=last.sales_line_id,
        team_id=attributed.team_id,
        owner_user_id=attributed.owner_user_id,
        stage_key=last.stage_key,
        status=last.status,
        currency=last.currency,
        value=_value(last),
        probability=last.probability,
        forecast_category=last.forecast_category,
        estimated_close_date=last.estimated_close_date,
        created_at=last.created_at,
        stage_entered_at=last.stage_entered_at,
        closed_at=last.closed_at if last.status != OPEN else None,
        close_date=_close_date(last),
        lost_reason=last.lost_reason if last.status == LOST else "",
        lost_competitor=last.lost_competitor if last.status == LOST else "",
        reopen_count=reopen_count,
        stays=stays,
    )


def derive_deal(events: Iterable[RecordedEvent]) -> DealFact | None:
    """The deal's fact from its stored events (any order, duplicates allowed); None without one."""
    by_version: dict[int, RecordedEvent] = {}
    for event in events:
        if isinstance(event.payload, DealSnapshot):
            by_version.setdefault(event.version, event)
    if not by_version:
        return None
    ordered = [by_version[v] for v in sorted(by_version)]
    snapshots = [e.payload for e in ordered if isinstance(e.payload, DealSnapshot)]
    last = snapshots[-1]
    attributed = last
    if last.status != OPEN:
        closes = [e for e in ordered if e.event_type in CLOSE_EVENTS]
        if closes and isinstance(closes[-1].payload, DealSnapshot):
            attributed = closes[-1].payload
    return _fact(
        last,
        ordered[-1].version,
        attributed,
        sum(1 for e in ordered if e.event_type == "deal_reopened"),
        _stays(snapshots, last),
    )


class NeedsDerivation(Exception):
    """The event cannot be applied to the fact alone: the deal is derived from all its events."""


def apply_deal_event(fact: DealFact | None, event: RecordedEvent) -> DealFact | None:
    """The fact after ``event``, computed from the fact before it alone: what ``derive_deal``
    gives over the fact's events and ``event`` when ``event`` is newer (by version) than every
    one of them. ``derive_deal`` is a fold over the events in version order, and each of its
    parts needs only the fact before the newest event: the newest snapshot, the distinct stage
    entries (the fact's stays) plus the event's, the reopen count plus one, and the attribution.

    Raises ``NeedsDerivation`` when that does not hold: the event is not newer than the fact (a
    late or repeated version, whose stage stay, reopening or close may sit between the fact's
    events) or the attribution depends on an older close the fact does not name (a closed deal
    changed by an event that is not a close). An event without a snapshot changes nothing, as
    in ``derive_deal``."""
    snapshot = event.payload
    if not isinstance(snapshot, DealSnapshot):
        return fact
    if fact is not None and event.version <= fact.version:
        raise NeedsDerivation("a late or repeated version")
    attributed: DealSnapshot | DealFact = snapshot
    if snapshot.status != OPEN and event.event_type not in CLOSE_EVENTS:
        # derive_deal attributes to the newest close event, or to the newest snapshot when
        # there is none; the fact does not say which of the two it was.
        raise NeedsDerivation("a closed deal changed by an event that is not a close")
    entries = {(s.entered_at, s.stage_key) for s in (fact.stays if fact else ())}
    if snapshot.stage_entered_at is not None:
        entries.add((snapshot.stage_entered_at, snapshot.stage_key))
    stays = _stays_of(sorted(entries), snapshot)
    reopened = (fact.reopen_count if fact else 0) + (event.event_type == "deal_reopened")
    return _fact(snapshot, event.version, attributed, reopened, stays)
