"""Teams, their dated memberships with a role, members' availability (pause, leave)."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crm_chassis.errors import FailedPrecondition, InvalidArgument


class TeamRole(enum.IntEnum):
    """Role of a member in a team; a higher value includes what a lower one may do."""

    EXPERT = 1  # sales rep
    SUPERVISOR = 2
    MANAGER = 3


class RoutingStrategy(enum.Enum):
    ROUND_ROBIN = "round_robin"  # least recently assigned member gets the next lead
    LOAD_BALANCED = "load_balanced"  # member with the fewest open items gets the next lead


def parse_role(value: str) -> TeamRole:
    try:
        return TeamRole[(value or "").strip().upper()]
    except KeyError:
        raise InvalidArgument(
            f"role must be one of manager, supervisor, expert; got {value!r}", field="role"
        ) from None


def parse_timezone(name: str) -> str:
    name = (name or "UTC").strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # unknown, malformed, too long a name
        raise InvalidArgument(
            f"time_zone: unknown IANA time zone {name!r} (e.g. Europe/Berlin)", field="time_zone"
        ) from None
    return name


@dataclass
class Team:
    id: str
    name: str
    unit_id: str
    strategy: RoutingStrategy = RoutingStrategy.ROUND_ROBIN
    time_zone: str = "UTC"  # the day on which daily capacities reset
    active: bool = True
    created_at: dt.datetime | None = None
    version: int = 1

    def local_day(self, at: dt.datetime) -> dt.date:
        return at.astimezone(ZoneInfo(self.time_zone)).date()


def check_capacity(value: int | None) -> int | None:
    """None or 0 = unlimited; otherwise 1..10,000 leads a day."""
    if value is None or value == 0:
        return None
    if value < 0 or value > 10_000:
        raise InvalidArgument(
            f"daily_capacity must be 0 (unlimited) or 1..10000, got {value}", field="daily_capacity"
        )
    return value


@dataclass
class Membership:
    """One person in one team for a dated span [starts_at, ends_at). ``ends_at`` None = open."""

    id: str
    team_id: str
    user_id: str
    role: TeamRole
    starts_at: dt.datetime
    ends_at: dt.datetime | None = None
    daily_capacity: int | None = None
    takes_leads: bool = True  # managers usually do not sell: they default to False
    paused: bool = False
    end_reason: str = ""
    version: int = 1

    def is_active(self, at: dt.datetime) -> bool:
        return self.starts_at <= at and (self.ends_at is None or at < self.ends_at)

    def overlaps(self, starts_at: dt.datetime, ends_at: dt.datetime | None) -> bool:
        return (self.ends_at is None or starts_at < self.ends_at) and (
            ends_at is None or self.starts_at < ends_at
        )

    def end(self, at: dt.datetime, reason: str) -> None:
        if self.ends_at is not None and self.ends_at <= at:
            raise FailedPrecondition(
                f"membership {self.id} already ended at {self.ends_at.isoformat()}"
            )
        # A membership that has not started yet is cancelled: it ends where it starts.
        self.ends_at = max(at, self.starts_at)
        self.end_reason = reason
        self.version += 1


@dataclass
class Absence:
    """A period of leave [starts_at, ends_at): the person gets no new leads in any team."""

    id: str
    user_id: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    reason: str = ""
    cancelled: bool = False

    def covers(self, at: dt.datetime) -> bool:
        return not self.cancelled and self.starts_at <= at < self.ends_at


def check_span(starts_at: dt.datetime, ends_at: dt.datetime | None, field: str) -> None:
    if starts_at.tzinfo is None or (ends_at is not None and ends_at.tzinfo is None):
        raise InvalidArgument(f"{field}: times must carry a time zone", field=field)
    if ends_at is not None and ends_at <= starts_at:
        raise InvalidArgument(
            f"{field}: end {ends_at.isoformat()} must be after start {starts_at.isoformat()}",
            field=field,
        )
