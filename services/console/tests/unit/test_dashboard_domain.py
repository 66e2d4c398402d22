"""The dashboards' link rules (plain domain): the period of a link and its neighbours, the scopes
a person may choose (an administrator in no team has none), and the scope a link names."""

from __future__ import annotations

import datetime as dt

import pytest

from crm_console.domain.errors import ConsoleError
from crm_console.domain.reports import (
    ReportPeriod,
    ReportScope,
    TeamScope,
    period_from,
    scope_choices,
    scope_from,
    scope_text,
    shifted,
)

TODAY = dt.date(2026, 12, 7)


def test_a_link_without_a_period_is_this_month():
    assert period_from("", "", TODAY) == ReportPeriod("month", TODAY)
    assert period_from("year", "2025-03-01", TODAY) == ReportPeriod("year", dt.date(2025, 3, 1))


@pytest.mark.parametrize("kind, day", [("fortnight", ""), ("month", "2026-13-01")])
def test_a_period_that_cannot_be_read_is_refused_with_its_field(kind, day):
    with pytest.raises(ConsoleError) as refused:
        period_from(kind, day, TODAY)
    assert refused.value.field in {"period", "date"}


@pytest.mark.parametrize(
    "kind, steps, expected",
    [
        ("month", -1, dt.date(2026, 11, 1)),
        ("month", 1, dt.date(2027, 1, 1)),
        ("quarter", -1, dt.date(2026, 9, 1)),
        ("year", 1, dt.date(2027, 12, 1)),
        ("week", -1, dt.date(2026, 11, 30)),
    ],
)
def test_the_neighbouring_periods(kind, steps, expected):
    assert shifted(ReportPeriod(kind, TODAY), steps).day == expected


def test_the_choices_are_the_managed_units_the_reported_teams_and_the_own_figures():
    scopes = (
        TeamScope("team-2", "manager", "west"),
        TeamScope("team-3", "manager", "west"),
        TeamScope("team-1", "supervisor"),
        TeamScope("team-9", "expert"),  # an expert sees no team report
    )
    found = [(c.kind, c.id) for c in scope_choices("u1", scopes)]
    assert found == [
        ("unit", "west"),
        ("team", "team-1"),
        ("team", "team-2"),
        ("team", "team-3"),
        ("person", "u1"),
    ]


def test_a_person_in_no_team_has_no_scope():
    assert scope_choices("admin", ()) == ()
    assert scope_from("team:t1", "", ()) is None


def test_the_scope_of_a_link_round_trips_and_defaults_to_the_widest():
    choices = scope_choices("u1", (TeamScope("t1", "supervisor"),))
    assert scope_from("", "line-1", choices) == ReportScope("team", "t1", "line-1")
    for text in ("team:t1", "unit:u", "company", "person:u1"):
        assert scope_text(scope_from(text, "", choices)) == text
    with pytest.raises(ConsoleError):
        scope_from("team:", "", choices)
