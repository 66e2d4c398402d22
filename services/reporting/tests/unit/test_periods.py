"""Periods: local calendar days in a time zone, their labels and previous periods."""

from __future__ import annotations

import datetime as dt

import pytest

from crm_chassis.errors import InvalidArgument
from crm_reporting.domain.periods import PeriodKind, resolve, zone_named
from crm_reporting.domain.scope import Scope, ScopeKind


@pytest.mark.parametrize(
    "kind, date, label, first, last, previous",
    [
        (PeriodKind.DAY, "2026-03-05", "2026-03-05", "2026-03-05", "2026-03-05", "2026-03-04"),
        (PeriodKind.WEEK, "2026-02-12", "2026-W07", "2026-02-09", "2026-02-15", "2026-W06"),
        (PeriodKind.MONTH, "2026-03-31", "2026-03", "2026-03-01", "2026-03-31", "2026-02"),
        (PeriodKind.QUARTER, "2026-02-10", "2026-Q1", "2026-01-01", "2026-03-31", "2025-Q4"),
        (PeriodKind.YEAR, "2026-07-01", "2026", "2026-01-01", "2026-12-31", "2025"),
    ],
)
def test_calendar_periods(kind, date, label, first, last, previous):
    period = resolve(kind, date=date)
    assert (period.label, str(period.first_day), str(period.last_day)) == (label, first, last)
    assert period.previous().label == previous


def test_a_range_and_its_previous_range_of_the_same_length():
    period = resolve(PeriodKind.RANGE, start_date="2026-03-01", end_date="2026-03-10")
    assert period.label == "2026-03-01..2026-03-10"
    assert period.previous().label == "2026-02-19..2026-02-28"


def test_a_time_zone_moves_the_boundaries():
    berlin = resolve(PeriodKind.MONTH, date="2026-04-01", time_zone="Europe/Berlin")
    assert berlin.start == dt.datetime(2026, 3, 31, 22, 0, tzinfo=dt.UTC)  # CEST midnight
    won_late_march_utc = dt.datetime(2026, 3, 31, 23, 0, tzinfo=dt.UTC)
    assert berlin.contains(won_late_march_utc)
    assert not resolve(PeriodKind.MONTH, date="2026-04-01").contains(won_late_march_utc)
    assert berlin.territory_period == "2026-04"


@pytest.mark.parametrize(
    "arguments, says",
    [
        ({"kind": None}, "period.kind is required"),
        ({"kind": PeriodKind.MONTH, "date": "03/2026"}, "period.date '03/2026' is not a date"),
        (
            {"kind": PeriodKind.RANGE, "start_date": "2026-03-02", "end_date": "2026-03-01"},
            "is before period.start_date",
        ),
        (
            {"kind": PeriodKind.DAY, "date": "2026-03-01", "time_zone": "Mars"},
            "not an IANA time zone",
        ),
        (
            {"kind": PeriodKind.RANGE, "start_date": "2000-01-01", "end_date": "2026-01-01"},
            "at most 3660 days",
        ),
    ],
)
def test_bad_periods_are_refused_with_what_to_send(arguments, says):
    kind = arguments.pop("kind")
    with pytest.raises(InvalidArgument, match=says):
        resolve(kind, **arguments)


def test_scopes_need_what_their_kind_names():
    with pytest.raises(InvalidArgument, match="scope.id is required for a team scope"):
        Scope.of(ScopeKind.TEAM)
    with pytest.raises(InvalidArgument, match="a company scope takes no scope.id"):
        Scope.of(ScopeKind.COMPANY, "x")
    assert Scope.of(ScopeKind.SALES_LINE, "line-1").sales_line_id == "line-1"


def test_a_time_zone_name_too_long_for_a_file_name_is_invalid_argument():
    # ZoneInfo looks the name up as a file: a 300-character name raised OSError (INTERNAL).
    with pytest.raises(InvalidArgument, match="period.time_zone"):
        zone_named("Ω" * 300)
