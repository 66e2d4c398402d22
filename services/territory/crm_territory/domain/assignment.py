"""Choosing the owner of a new item inside a team, and recording why.

Fair round robin: every member has a place in the team's queue; the member who least recently
received an item is first. Taking an item sends the member to the back. A new member joins
*just before the most recent receiver* — they wait for everyone else's turn, so they neither
get a burst (as a "never assigned" member would) nor wait more than one round. Members coming
back from leave keep their old place and so receive the next item, once.

Load balanced: fewest open items first; ties broken by the round-robin queue. Open items are
the member's open leads and deals in the team, kept by the workload tracking (workload.py), not
by assigning: an assignment moves the queue, the item's events move the counts.

Both skip members who are paused, on leave, deactivated, not taking leads, or at their daily
capacity (counted per day in the team's time zone).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from crm_territory.domain.teams import RoutingStrategy


class SkipReason(enum.Enum):
    PAUSED = "paused"
    ON_LEAVE = "on_leave"
    AT_CAPACITY = "at_capacity"
    DEACTIVATED = "deactivated"
    NO_ACCESS = "no_access"  # in no department: could not even see the item
    NOT_TAKING_LEADS = "not_taking_leads"
    EXCLUDED = "excluded"  # e.g. the person whose items are being handed over


SKIP_TEXT = {
    SkipReason.PAUSED: "paused: takes no new items",
    SkipReason.ON_LEAVE: "on leave",
    SkipReason.AT_CAPACITY: "reached the daily capacity",
    SkipReason.DEACTIVATED: "user deactivated",
    SkipReason.NO_ACCESS: "user has no access (in no department)",
    SkipReason.NOT_TAKING_LEADS: "role does not take leads",
    SkipReason.EXCLUDED: "excluded by the caller",
}


@dataclass
class MemberLoad:
    user_id: str
    queue_key: int  # lower = sooner; see module docstring
    enrolled: int  # enrolment order, the last tie-breaker
    day: dt.date | None = None
    assigned_on_day: int = 0
    open_items: int = 0
    total_assigned: int = 0

    def assigned_today(self, day: dt.date) -> int:
        return self.assigned_on_day if self.day == day else 0


@dataclass
class TeamLedger:
    """Per-team assignment state. Each assignment bumps ``seq``; keys derive from it."""

    team_id: str
    seq: int = 0
    members: dict[str, MemberLoad] = field(default_factory=dict)

    def enrol(self, user_id: str, *, joining: bool = False) -> MemberLoad:
        """The member's load, created if missing. ``joining`` (a membership starts) puts the
        member just before the most recent receiver, also when they were here before."""
        load = self.members.get(user_id)
        if load is None:
            load = MemberLoad(user_id, queue_key=2 * self.seq - 1, enrolled=len(self.members))
            self.members[user_id] = load
        elif joining:
            load.queue_key = 2 * self.seq - 1
        return load

    def record_assignment(self, user_id: str, day: dt.date) -> None:
        load = self.enrol(user_id)
        self.seq += 1
        load.queue_key = 2 * self.seq
        if load.day != day:
            load.day, load.assigned_on_day = day, 0
        load.assigned_on_day += 1
        load.total_assigned += 1

    def item_opened(self, user_id: str) -> None:
        """One more open item owned by the member (an owner who is no member yet is enrolled:
        their count is ready when they join)."""
        self.enrol(user_id).open_items += 1

    def item_closed(self, user_id: str) -> None:
        """One open item less (closed, or owned by someone else now); never below zero."""
        load = self.members.get(user_id)
        if load is not None and load.open_items > 0:
            load.open_items -= 1


@dataclass(frozen=True)
class Candidate:
    """A member as seen at decision time."""

    user_id: str
    daily_capacity: int | None
    takes_leads: bool = True
    paused: bool = False
    on_leave: bool = False
    deactivated: bool = False
    no_access: bool = False


@dataclass(frozen=True)
class CandidateNote:
    user_id: str
    skip_reason: SkipReason | None
    queue_key: int
    open_items: int
    assigned_today: int
    daily_capacity: int | None

    @property
    def eligible(self) -> bool:
        return self.skip_reason is None


@dataclass(frozen=True)
class OwnerChoice:
    strategy: RoutingStrategy
    owner_user_id: str  # empty: nobody eligible
    reason: str
    notes: tuple[CandidateNote, ...]

    @property
    def skipped(self) -> tuple[CandidateNote, ...]:
        return tuple(n for n in self.notes if not n.eligible)


def choose_owner(
    strategy: RoutingStrategy,
    candidates: list[Candidate],
    ledger: TeamLedger,
    day: dt.date,
    exclude: frozenset[str] = frozenset(),
    planned: Mapping[str, int] | None = None,
) -> OwnerChoice:
    """Pick an owner (without changing the ledger; the caller records the assignment).

    ``planned``: items already given to members in this batch that their open items do not
    show yet (a hand-over's earlier subjects: their events will move the counts); load
    balancing counts them too, so a batch spreads."""
    planned = planned or {}
    notes = []
    for c in sorted(candidates, key=lambda c: c.user_id):
        load = ledger.members.get(c.user_id) or MemberLoad(
            c.user_id, 2 * ledger.seq - 1, len(ledger.members)
        )
        today = load.assigned_today(day)
        notes.append(
            CandidateNote(
                c.user_id,
                _skip_reason(c, today, exclude),
                load.queue_key,
                load.open_items + planned.get(c.user_id, 0),
                today,
                c.daily_capacity,
            )
        )
    eligible = [n for n in notes if n.eligible]
    if not eligible:
        reason = (
            "no member in the team"
            if not notes
            else "no eligible member: "
            + "; ".join(
                f"{n.user_id} {SKIP_TEXT[n.skip_reason]}"
                for n in notes
                if n.skip_reason is not None
            )
        )
        return OwnerChoice(strategy, "", reason, tuple(notes))
    order = {
        uid: ledger.members[uid].enrolled if uid in ledger.members else 10**9
        for uid in (n.user_id for n in eligible)
    }
    if strategy is RoutingStrategy.LOAD_BALANCED:
        best = min(eligible, key=lambda n: (n.open_items, n.queue_key, order[n.user_id], n.user_id))
        reason = (
            f"load balanced: {best.user_id} has the fewest open items ({best.open_items}) "
            f"among {len(eligible)} eligible members"
        )
    else:
        best = min(eligible, key=lambda n: (n.queue_key, order[n.user_id], n.user_id))
        reason = (
            f"round robin: {best.user_id} least recently received an item among "
            f"{len(eligible)} eligible members"
        )
    return OwnerChoice(strategy, best.user_id, reason, tuple(notes))


def _skip_reason(c: Candidate, today: int, exclude: frozenset[str]) -> SkipReason | None:
    if c.user_id in exclude:
        return SkipReason.EXCLUDED
    if c.deactivated:
        return SkipReason.DEACTIVATED
    if c.no_access:
        return SkipReason.NO_ACCESS
    if not c.takes_leads:
        return SkipReason.NOT_TAKING_LEADS
    if c.paused:
        return SkipReason.PAUSED
    if c.on_leave:
        return SkipReason.ON_LEAVE
    if c.daily_capacity is not None and today >= c.daily_capacity:
        return SkipReason.AT_CAPACITY
    return None
