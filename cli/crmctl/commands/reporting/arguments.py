"""The scope and period options every ``crmctl report`` command takes, as request parts.

Scope: exactly one of ``--person``, ``--team``, ``--unit`` or ``--company``, or ``--line``
alone (the sales line as the scope); ``--line`` beside another narrows it to that line's deals.
Period: ``--period day|week|month|quarter|year`` (default month) around ``--date`` (default
today in ``--tz``), or ``--from``/``--to`` for any range of whole days.
"""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from crm.reporting.v1 import reports_pb2
from crmctl.commands.identity.lookup import user_id
from crmctl.commands.territory.lookup import line_id, team_id, unit_id
from crmctl.session import CliError

PERIODS = {
    "day": reports_pb2.PERIOD_KIND_DAY,
    "week": reports_pb2.PERIOD_KIND_WEEK,
    "month": reports_pb2.PERIOD_KIND_MONTH,
    "quarter": reports_pb2.PERIOD_KIND_QUARTER,
    "year": reports_pb2.PERIOD_KIND_YEAR,
}


def report_options(func):
    """The scope and period options, passed on as ``scope`` and ``period`` (request parts)."""

    @click.option("--person", default="", help="One person's figures (id or e-mail).")
    @click.option("--team", default="", help="One team (id or name).")
    @click.option("--unit", default="", help="An org unit and every unit below it (id or name).")
    @click.option(
        "--line", default="", help="A sales line (id or name); with another scope: only its deals."
    )
    @click.option("--company", is_flag=True, help="The whole company.")
    @click.option(
        "--period",
        "period_kind",
        type=click.Choice(list(PERIODS)),
        default="month",
        show_default=True,
        help="Length of the period around --date.",
    )
    @click.option(
        "--date", "day", default="", help="A day inside the period, YYYY-MM-DD (default: today)."
    )
    @click.option(
        "--from", "start", default="", help="First day of a range, YYYY-MM-DD (with --to)."
    )
    @click.option("--to", "end", default="", help="Last day of a range, inclusive (with --from).")
    @click.option("--tz", default="UTC", show_default=True, help="IANA time zone of the days.")
    @functools.wraps(func)
    def wrapper(*args, person, team, unit, line, company, period_kind, day, start, end, tz, **kw):
        # The session is the invocation's object (click.pass_obj gives it to the command too).
        session = click.get_current_context().obj
        return func(
            *args,
            scope=scope(session, person=person, team=team, unit=unit, line=line, company=company),
            period=period(period_kind, day, start, end, tz),
            **kw,
        )

    return wrapper


def scope(
    session, *, person: str, team: str, unit: str, line: str, company: bool
) -> reports_pb2.Scope:
    chosen = [
        name
        for name, given in (
            ("--person", person),
            ("--team", team),
            ("--unit", unit),
            ("--company", company),
        )
        if given
    ]
    if len(chosen) > 1:
        raise CliError(f"name one scope, not {' and '.join(chosen)}")
    line_value = line_id(session, line) if line else ""
    if person:
        return reports_pb2.Scope(
            kind=reports_pb2.SCOPE_KIND_PERSON,
            id=user_id(session, person),
            sales_line_id=line_value,
        )
    if team:
        return reports_pb2.Scope(
            kind=reports_pb2.SCOPE_KIND_TEAM, id=team_id(session, team), sales_line_id=line_value
        )
    if unit:
        return reports_pb2.Scope(
            kind=reports_pb2.SCOPE_KIND_UNIT, id=unit_id(session, unit), sales_line_id=line_value
        )
    if company:
        return reports_pb2.Scope(kind=reports_pb2.SCOPE_KIND_COMPANY, sales_line_id=line_value)
    if line_value:
        return reports_pb2.Scope(kind=reports_pb2.SCOPE_KIND_SALES_LINE, id=line_value)
    raise CliError("name a scope: --person, --team, --unit, --line or --company")


def _day(text: str, option: str) -> str:
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise CliError(f"{option} must be a day YYYY-MM-DD; got {text!r}") from None


def period(kind: str, day: str, start: str, end: str, tz: str) -> reports_pb2.Period:
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise CliError(
            f"--tz must be an IANA time zone such as Europe/Berlin; got {tz!r}"
        ) from None
    if start or end:
        if not (start and end):
            raise CliError("a range needs both --from and --to")
        if day:
            raise CliError("give --date or --from/--to, not both")
        return reports_pb2.Period(
            kind=reports_pb2.PERIOD_KIND_RANGE,
            start_date=_day(start, "--from"),
            end_date=_day(end, "--to"),
            time_zone=tz,
        )
    on = _day(day, "--date") if day else dt.datetime.now(zone).date().isoformat()
    return reports_pb2.Period(kind=PERIODS[kind], date=on, time_zone=tz)
