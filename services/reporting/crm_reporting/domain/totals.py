"""Running totals: what one deal fact adds to the summary rows the dashboard reads instead of the
deals (docs/services/reporting.md, "Running totals").

A deal contributes one count (and its value, where the kind has one) to a handful
of keys. When the derivation replaces a fact, the store subtracts the old fact's contributions and
adds the new one's in the same transaction, so the totals always equal the sum of
``contributions`` over the current facts, whatever the order or repetition of the events (the
fact itself is order-independent, domain/deals.py).

The medians (time in stage, sales cycle) are counts per whole hour of length (``STAY``,
``CYCLE``; the median's definition rounds lengths to the hour, domain/figures.py) with the exact
sum of the lengths for the mean.

Every row is kept per team and once more for the whole line (team ``ALL_TEAMS``): a read takes
the line's rows instead of its teams' when the caller reports on every team that has a deal in
the line (``TEAMS`` lists them, per line and team), so a manager's line reads one row where it
would read one per team, and nobody reads a total that includes a team they may not see.

Time-keyed kinds are written twice: once per day (``YYYY-MM-DD``) and once per month
(``YYYY-MM``); a read takes whole months from the month rows and the remaining days from the day
rows. Instants (created, stopped being open) are keyed by their UTC day; a period that starts or
ends inside a UTC day (a zone other than UTC) reads those partial days from the facts themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from crm_reporting.domain.deals import OPEN, WON, DealFact
from crm_reporting.domain.figures import length_hours
from crm_reporting.domain.kpis.closed import cycle_micros
from crm_reporting.domain.kpis.funnel import micros

#: kinds of totals
OPEN_STAGE = "open_stage"  # open deals per (pipeline, stage, currency); no time key
OPEN_CLOSE = "open_close"  # open deals per estimated close date ('' undated), category, probability
CLOSED = "closed"  # closed deals per close date, status, currency; won: their cycles' sum
CREATED = "created"  # deals per UTC day created, pipeline, status, stage, stays, currency
ENDED = "ended"  # deals per UTC day they stopped being open ('' never: open or no close time)
OPEN_ENTERED = "open_entered"  # open deals with an entry time per UTC day entered, stage, currency
STAY = "stay"  # ended stays per UTC day left, pipeline, stage, whole hours of length (detail)
CYCLE = "cycle"  # won deals per close date, whole hours of cycle (detail)
TEAMS = "teams"  # deals per line and team, no time: the teams a line's ALL_TEAMS rows sum

ALL_TEAMS = "*"  # the team key of the rows summed over every team of the line

NEVER = ""  # the time key of open-ended or undated contributions (no month row)
STAYS_SEPARATOR = "|"


class TotalKey(NamedTuple):
    kind: str
    day: str  # YYYY-MM-DD (day row), YYYY-MM (month row) or '' (no time)
    sales_line_id: str
    team_id: str
    pipeline_id: str = ""
    stage_key: str = ""
    status: str = ""
    currency: str = ""
    detail: str = ""  # open_close: forecast category; created: the stage keys stayed at
    probability: int = 0


@dataclass(frozen=True)
class Amounts:
    deals: int = 0
    valued: int = 0  # deals with a known value
    value_micros: int = 0
    entered: int = 0  # open_stage: deals with a stage entry time (the stuck count's base)
    length_micros: int = 0  # closed, cycle: the won deals' cycles (created -> closed, never
    # negative); stay: the stays' lengths (left - entered)

    def __add__(self, other: Amounts) -> Amounts:
        return Amounts(
            self.deals + other.deals,
            self.valued + other.valued,
            self.value_micros + other.value_micros,
            self.entered + other.entered,
            self.length_micros + other.length_micros,
        )

    def __neg__(self) -> Amounts:
        return Amounts(
            -self.deals, -self.valued, -self.value_micros, -self.entered, -self.length_micros
        )

    @property
    def empty(self) -> bool:
        return self == Amounts()


def value_micros(fact: DealFact) -> int | None:
    return None if fact.value is None else int((fact.value * 1_000_000).to_integral_value())


def utc_day(instant: dt.datetime) -> dt.date:
    return instant.astimezone(dt.UTC).date()


def stays_key(fact: DealFact) -> str:
    """The distinct stage keys the deal stayed at, sorted: the read maps them to the furthest
    position in the pipeline's *current* stages, so a pipeline revision needs no rewrite."""
    return STAYS_SEPARATOR.join(sorted({s.stage_key for s in fact.stays}))


def ended_at(fact: DealFact) -> dt.datetime | None:
    """When the deal stopped being open for the velocity's open count (created before an instant
    and not closed before it): its close, never before its creation; None while it has none."""
    if fact.closed_at is None:
        return None
    return max(fact.created_at, fact.closed_at)


def _timed(key: TotalKey, day: dt.date | None) -> list[TotalKey]:
    if day is None:
        return [key._replace(day=NEVER)]
    iso = day.isoformat()
    return [key._replace(day=iso), key._replace(day=iso[:7])]


def contributions(fact: DealFact) -> dict[TotalKey, Amounts]:
    """Every summary row the fact counts in, with what it adds."""
    out: dict[TotalKey, Amounts] = {}

    def add(keys: Iterable[TotalKey], amounts: Amounts) -> None:
        for key in keys:
            out[key] = out.get(key, Amounts()) + amounts

    micros_ = value_micros(fact)
    valued = Amounts(1, int(micros_ is not None), micros_ or 0)
    base = TotalKey("", NEVER, fact.sales_line_id, fact.team_id, currency=fact.currency)
    if fact.status == OPEN:
        add(
            [
                base._replace(
                    kind=OPEN_STAGE, pipeline_id=fact.pipeline_id, stage_key=fact.stage_key
                )
            ],
            Amounts(1, valued.valued, valued.value_micros, int(fact.stage_entered_at is not None)),
        )
        close = base._replace(
            kind=OPEN_CLOSE, detail=fact.forecast_category, probability=fact.probability
        )
        add(_timed(close, fact.estimated_close_date), valued)
        if fact.stage_entered_at is not None:
            entered = base._replace(
                kind=OPEN_ENTERED, pipeline_id=fact.pipeline_id, stage_key=fact.stage_key
            )
            add(_timed(entered, utc_day(fact.stage_entered_at)), Amounts(1))
    elif fact.close_date is not None:
        cycle = cycle_micros(fact) if fact.status == WON else 0
        closed = Amounts(1, valued.valued, valued.value_micros, 0, cycle)
        add(_timed(base._replace(kind=CLOSED, status=fact.status), fact.close_date), closed)
    created = base._replace(
        kind=CREATED,
        pipeline_id=fact.pipeline_id,
        stage_key=fact.stage_key,
        status=fact.status,
        detail=stays_key(fact),
    )
    add(_timed(created, utc_day(fact.created_at)), Amounts(1))
    end = ended_at(fact)
    add(_timed(base._replace(kind=ENDED), None if end is None else utc_day(end)), Amounts(1))
    for stay in fact.stays:
        if stay.left_at is None:
            continue
        length = micros(stay.left_at - stay.entered_at)
        key = base._replace(
            kind=STAY,
            currency="",
            pipeline_id=fact.pipeline_id,
            stage_key=stay.stage_key,
            detail=str(length_hours(length)),
        )
        add(_timed(key, utc_day(stay.left_at)), Amounts(1, length_micros=length))
    if fact.status == WON and fact.close_date is not None:
        cycle = cycle_micros(fact)
        key = base._replace(kind=CYCLE, currency="", detail=str(length_hours(cycle)))
        add(_timed(key, fact.close_date), Amounts(1, length_micros=cycle))
    # Every row once more for the whole line, and the team listed as one of the line's.
    for key, amounts in list(out.items()):
        add([key._replace(team_id=ALL_TEAMS)], amounts)
    add([TotalKey(TEAMS, NEVER, fact.sales_line_id, fact.team_id)], Amounts(1))
    return out


def difference(old: DealFact | None, new: DealFact | None) -> dict[TotalKey, Amounts]:
    """What replacing ``old`` by ``new`` changes in the totals (unchanged keys left out)."""
    change = {} if new is None else contributions(new)
    if old is not None:
        for key, amounts in contributions(old).items():
            change[key] = change.get(key, Amounts()) + (-amounts)
    return {key: amounts for key, amounts in change.items() if not amounts.empty}


def summed(facts: Iterable[DealFact]) -> dict[TotalKey, Amounts]:
    """The totals of ``facts`` computed afresh (the reference the stored totals must equal)."""
    out: dict[TotalKey, Amounts] = {}
    for fact in facts:
        for key, amounts in contributions(fact).items():
            out[key] = out.get(key, Amounts()) + amounts
    return {key: amounts for key, amounts in out.items() if not amounts.empty}


@dataclass(frozen=True)
class DaySpan:
    """Whole days first..last split into whole months (month keys) and the remaining days."""

    months: tuple[str, ...]
    days: tuple[str, ...]


def day_span(first: dt.date, last: dt.date) -> DaySpan:
    months: list[str] = []
    days: list[str] = []
    day = first
    while day <= last:
        month_end = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(
            days=1
        )
        if day.day == 1 and month_end <= last:
            months.append(day.isoformat()[:7])
            day = month_end + dt.timedelta(days=1)
        else:
            days.append(day.isoformat())
            day += dt.timedelta(days=1)
    return DaySpan(tuple(months), tuple(days))


@dataclass(frozen=True)
class InstantSpan:
    """[start, end) as the whole UTC days inside it (None: none) and the partial edges left."""

    whole: DaySpan | None
    edges: tuple[tuple[dt.datetime, dt.datetime], ...]


def instant_span(start: dt.datetime, end: dt.datetime) -> InstantSpan:
    if end <= start:
        return InstantSpan(None, ())
    first = utc_day(start)
    if dt.datetime.combine(first, dt.time(), dt.UTC) < start:
        first += dt.timedelta(days=1)
    last_end = dt.datetime.combine(utc_day(end), dt.time(), dt.UTC)  # midnight at or before end
    first_start = dt.datetime.combine(first, dt.time(), dt.UTC)
    if last_end <= first_start:
        return InstantSpan(None, ((start, end),))
    edges = []
    if start < first_start:
        edges.append((start, first_start))
    if last_end < end:
        edges.append((last_end, end))
    return InstantSpan(day_span(first, utc_day(last_end) - dt.timedelta(days=1)), tuple(edges))
