"""Report periods: local calendar days in a time zone, resolved to UTC instants.

A period is a day, an ISO week, a month, a quarter, a year or a range of whole days, always
in one IANA time zone (UTC when none is given): it starts at the local midnight of its first
day (inclusive) and ends at the local midnight after its last day (exclusive). The previous
period has the same kind (a range: the same number of days) and ends where this one starts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crm_chassis.errors import InvalidArgument

MAX_RANGE_DAYS = 3660  # ten years: longer ranges are a mistake, not a report


class PeriodKind(Enum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    RANGE = "range"


@dataclass(frozen=True)
class Period:
    """A resolved period: first local day, last local day (inclusive), zone and instants."""

    kind: PeriodKind
    first_day: dt.date
    last_day: dt.date
    time_zone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def start(self) -> dt.datetime:
        return _midnight(self.first_day, self.zone)

    @property
    def end(self) -> dt.datetime:
        return _midnight(self.last_day + dt.timedelta(days=1), self.zone)

    @property
    def label(self) -> str:
        day = self.first_day
        if self.kind is PeriodKind.DAY:
            return day.isoformat()
        if self.kind is PeriodKind.WEEK:
            year, week, _ = day.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind is PeriodKind.MONTH:
            return f"{day.year}-{day.month:02d}"
        if self.kind is PeriodKind.QUARTER:
            return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
        if self.kind is PeriodKind.YEAR:
            return str(day.year)
        return f"{self.first_day.isoformat()}..{self.last_day.isoformat()}"

    @property
    def territory_period(self) -> str | None:
        """Territory's name of the period for targets ("2026", "2026-Q1", "2026-03"), or None
        for a day, week or range (targets exist for months, quarters and years only)."""
        if self.kind in (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR):
            return self.label
        return None

    def contains(self, instant: dt.datetime | None) -> bool:
        return instant is not None and self.start <= instant < self.end

    def contains_day(self, day: dt.date | None) -> bool:
        """Whether the calendar date ``day`` (a close date, which has no time zone) is one of the
        period's days."""
        return day is not None and self.first_day <= day <= self.last_day

    def local_date(self, instant: dt.datetime) -> dt.date:
        return instant.astimezone(self.zone).date()

    def previous(self) -> Period:
        if self.kind is PeriodKind.RANGE or self.kind is PeriodKind.DAY:
            days = (self.last_day - self.first_day).days + 1
            last = self.first_day - dt.timedelta(days=1)
            return Period(self.kind, last - dt.timedelta(days=days - 1), last, self.time_zone)
        return containing(self.kind, self.first_day - dt.timedelta(days=1), self.time_zone)


def _midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC)


def zone_named(name: str) -> str:
    """The IANA zone name given (UTC when empty), or INVALID_ARGUMENT naming it."""
    name = (name or "").strip() or "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # unknown, malformed, too long a name
        raise InvalidArgument(
            f"period.time_zone {name!r} is not an IANA time zone (e.g. 'Europe/Berlin', 'UTC')",
            field="period.time_zone",
        ) from None
    return name


def parse_day(text: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat((text or "").strip())
    except ValueError:
        raise InvalidArgument(
            f"{field} {text!r} is not a date: write it as YYYY-MM-DD", field=field
        ) from None


def containing(kind: PeriodKind, day: dt.date, time_zone: str) -> Period:
    """The day, week, month, quarter or year containing ``day``."""
    if kind is PeriodKind.DAY:
        return Period(kind, day, day, time_zone)
    if kind is PeriodKind.WEEK:
        first = day - dt.timedelta(days=day.weekday())
        return Period(kind, first, first + dt.timedelta(days=6), time_zone)
    if kind is PeriodKind.MONTH:
        first = day.replace(day=1)
    elif kind is PeriodKind.QUARTER:
        first = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    elif kind is PeriodKind.YEAR:
        first = dt.date(day.year, 1, 1)
    else:
        raise ValueError(f"containing() takes no {kind}")
    months = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}[kind]
    month_index = first.year * 12 + first.month - 1 + months
    after = dt.date(month_index // 12, month_index % 12 + 1, 1)
    return Period(kind, first, after - dt.timedelta(days=1), time_zone)


def resolve(
    kind: PeriodKind | None,
    *,
    date: str = "",
    start_date: str = "",
    end_date: str = "",
    time_zone: str = "",
) -> Period:
    """The period a request names, or INVALID_ARGUMENT saying what to send."""
    if kind is None:
        raise InvalidArgument(
            "period.kind is required: day, week, month, quarter, year or range",
            field="period.kind",
        )
    zone = zone_named(time_zone)
    if kind is PeriodKind.RANGE:
        first = parse_day(start_date, "period.start_date")
        last = parse_day(end_date, "period.end_date")
        if last < first:
            raise InvalidArgument(
                f"period.end_date {last} is before period.start_date {first}",
                field="period.end_date",
            )
        if (last - first).days + 1 > MAX_RANGE_DAYS:
            raise InvalidArgument(
                f"a range covers at most {MAX_RANGE_DAYS} days", field="period.end_date"
            )
        return Period(kind, first, last, zone)
    return containing(kind, parse_day(date, "period.date"), zone)


def bucket_label(kind: PeriodKind, day: dt.date) -> str:
    """Name of the month, quarter or year containing ``day`` (forecast close periods)."""
    return containing(kind, day, "UTC").label
