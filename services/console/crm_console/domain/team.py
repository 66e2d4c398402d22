"""Teams and memberships (the Team and the Organisation pages share them), and a team as its
supervisor or manager runs it: members with their workload and absences, the unassigned queue,
the open items to reassign. Plain values; territory, leads and deals decide every change, the
console only lays out what they answer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# Team roles from the weakest; each includes what the roles before it may do (territory).
TEAM_ROLES = ("expert", "supervisor", "manager")
RUNS_A_TEAM = ("supervisor", "manager")  # may reassign within the team and see its queue


@dataclass(frozen=True)
class Scope:
    """A team whose records the person sees, with the role they act with there."""

    team_id: str
    role: str
    through_unit: bool = False  # a manager of a unit above the team, not a member

    @property
    def runs_the_team(self) -> bool:
        return self.role in RUNS_A_TEAM


@dataclass(frozen=True)
class Team:
    """territory's team, for the Team and the Organisation pages alike; a field a page does not
    need keeps its default."""

    id: str
    name: str
    unit_id: str = ""
    strategy: str = ""  # one of ROUTING_STRATEGIES (domain.organisation)
    time_zone: str = ""
    active: bool = True
    version: int = 0


@dataclass(frozen=True)
class Membership:
    """territory's membership of a person in a team, with the routing settings it carries."""

    id: str
    team_id: str
    user_id: str
    role: str  # one of TEAM_ROLES
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    daily_capacity: int = 0
    takes_leads: bool = True
    paused: bool = False

    @property
    def current(self) -> bool:
        return self.ends_at is None


@dataclass(frozen=True)
class Absence:
    id: str
    user_id: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    reason: str = ""
    cancelled: bool = False

    def covers(self, moment: dt.datetime) -> bool:
        return not self.cancelled and self.starts_at <= moment < self.ends_at


@dataclass(frozen=True)
class QueuedLead:
    """A lead waiting in the unassigned queue (territory keeps only where it came from)."""

    lead_id: str
    queue_team_id: str
    country: str
    region: str
    sales_line_id: str
    why: str  # no_rule_matched, no_eligible_member
    summary: str
    decided_at: dt.datetime | None


@dataclass(frozen=True)
class MemberLoad:
    """One member with what they carry now and whether new work can go to them."""

    membership: Membership
    name: str
    open_leads: int
    open_deals: int
    absences: tuple[Absence, ...] = ()

    @property
    def user_id(self) -> str:
        return self.membership.user_id

    @property
    def open_items(self) -> int:
        return self.open_leads + self.open_deals

    def away(self, now: dt.datetime) -> Absence | None:
        return next((a for a in self.absences if a.covers(now)), None)

    def unavailable_because(self, now: dt.datetime) -> str:
        """Why routing would skip the member now (territory's own reasons), or ""."""
        if self.away(now) is not None:
            return "on_leave"
        if self.membership.paused:
            return "paused"
        if not self.membership.takes_leads:
            return "not_taking_leads"
        return ""


def who_is_free(members: tuple[MemberLoad, ...], now: dt.datetime) -> tuple[MemberLoad, ...]:
    """The members to offer first when assigning: available ones by fewest open items, then
    the ones who are away, paused or take no leads (still assignable by hand)."""
    return tuple(
        sorted(
            members,
            key=lambda m: (m.unavailable_because(now) != "", m.open_items, m.name.casefold()),
        )
    )


class NotAllowed(Exception):
    """The person may see the team's records but does not run the team (or runs none): the
    Team pages are for supervisors and managers."""
