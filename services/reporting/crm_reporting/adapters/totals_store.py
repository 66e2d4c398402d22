"""The running totals on SQLAlchemy Core: written by ``put_deal`` in the derivation's transaction
(the old fact's contributions subtracted, the new one's added: ``domain/totals.py``) and read by
the dashboard's grouped reads, which then sum a few hundred summary rows whatever the number of
deals.

Reads that the totals cannot answer exactly fall back to the grouped reads over the facts
(``SqlAggregateReads``): a person's figures (the totals are per team, not per owner; a person's
deals are few) and the partial UTC days at the edges of a period in another zone (or of the
stuck count's limit). The medians come from counts per whole hour of length (their definition,
domain/figures.py), and a caller who reports on every team of a line reads the line's rows.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, and_, delete, func, literal_column, or_, select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crm_reporting.adapters.aggregate_reads import SqlAggregateReads, deal_conditions
from crm_reporting.adapters.hour_medians import middle_query, middles
from crm_reporting.adapters.orm import TOTALS_KEY, deal_facts, deal_totals
from crm_reporting.adapters.read_batch import (
    Plan,
    Query,
    both,
    condition,
    grouped,
    run_alone,
    run_together,
)
from crm_reporting.domain import totals as t
from crm_reporting.domain.deals import OPEN, WON, DealFact
from crm_reporting.domain.figures import HOUR_MICROS, length_hours, middle_hours
from crm_reporting.domain.kpis.closed import (
    ClosedGroup,
    Cycle,
    TeamWon,
    cycle_figures,
    cycle_mean,
)
from crm_reporting.domain.kpis.forecast import OpenForecastGroup
from crm_reporting.domain.kpis.funnel import CohortGroup, OpenStageGroup, StayFigures, stay_figures
from crm_reporting.service_layer.ports import DealFilter

MICROS = Decimal(1_000_000)
_DATE = dt.date.fromisoformat
MONTH, DAY = "m", "d"
# The conditions every read uses, built once (read_batch.condition builds the others once).
_UNTIMED = deal_totals.c.grain == ""
_MONTHS = deal_totals.c.grain == MONTH
_DAYS = deal_totals.c.grain == DAY
_WON = deal_totals.c.status == WON


@functools.lru_cache(maxsize=64)
def _instant(index: int) -> Any:
    """open_at_each's label of an instant's rows (-1: every instant's), a constant in the SQL."""
    return literal_column(str(index), Integer)


_SUMS = tuple(
    func.sum(deal_totals.c[name])
    for name in ("deals", "valued", "value_micros", "entered", "length_micros")
)


def _grain(day: str) -> str:
    return "" if not day else MONTH if len(day) == 7 else DAY


def _day_of(day: str) -> dt.date:
    """A day row's date; a month row stands for its whole month, dated its first day."""
    return _DATE(day if len(day) == 10 else f"{day}-01")


def _after(instant: dt.datetime) -> tuple[dt.date, dt.date]:
    """The first whole UTC day at or after ``instant`` and the first day of the next month."""
    midnight = dt.datetime.combine(instant.astimezone(dt.UTC).date(), dt.time(), dt.UTC)
    first = midnight.date() + dt.timedelta(days=0 if midnight == instant else 1)
    return first, (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _n(value: Any) -> int:
    return 0 if value is None else int(value)


class SqlTotals(SqlAggregateReads):
    """Mixed into the SQL read models ahead of ``SqlAggregateReads``, whose reads it replaces
    where the totals answer them."""

    session: Session

    # -- write side ----------------------------------------------------------------------------
    def apply_totals(self, old: DealFact | None, new: DealFact | None) -> None:
        self.add_totals(t.difference(old, new))

    def add_totals(self, change: dict[t.TotalKey, t.Amounts]) -> None:
        """Adds ``change`` to the stored totals (an upsert per key), dropping emptied keys."""
        if not change:
            return
        rows = [
            {
                **key._asdict(),
                "grain": _grain(key.day),
                "deals": a.deals,
                "valued": a.valued,
                "value_micros": a.value_micros,
                "entered": a.entered,
                "length_micros": a.length_micros,
            }
            # In key order: two transactions lock the rows they share (a line's ALL_TEAMS rows)
            # in the same order, so one waits for the other instead of deadlocking.
            for key, a in sorted(change.items())
        ]
        dialect = postgresql if self._postgres() else sqlite
        statement = dialect.insert(deal_totals)
        c = deal_totals.c
        self.session.execute(
            statement.on_conflict_do_update(
                index_elements=list(TOTALS_KEY),
                set_={
                    name: c[name] + statement.excluded[name]
                    for name in ("deals", "valued", "value_micros", "entered", "length_micros")
                },
            ),
            rows,
        )
        # Keys a deal left: drop them when nothing counts there any more, in one statement.
        emptied = [tuple(key) for key, a in sorted(change.items()) if a.deals < 0]
        if emptied:
            self.session.execute(
                delete(deal_totals).where(
                    tuple_(*(c[name] for name in t.TotalKey._fields)).in_(emptied),
                    c.deals == 0,
                )
            )

    # -- read side -----------------------------------------------------------------------------
    def _totals(
        self, f: DealFilter, kind: str, *conditions: Any, teams: Sequence[str] | None = ()
    ) -> list[Any]:
        """The rows of ``kind`` for the filter: of ``teams`` (default ``_team_keys``), or, with
        ``teams=None`` (a filter covering the line), every team's own rows of the line."""
        c = deal_totals.c
        team = (
            condition(c.team_id, "!=", t.ALL_TEAMS)
            if teams is None
            else condition(c.team_id, "in", tuple(teams or self._team_keys(f)))
        )
        where = [condition(c.kind, "==", kind), team, *conditions]
        if f.sales_line_id:
            where.append(condition(c.sales_line_id, "==", f.sales_line_id))
        return where

    @staticmethod
    def _days(span: t.DaySpan) -> list[Any]:
        """The rows of a span of whole days, as disjoint ranges of the key: its whole months'
        rows and its other days' rows."""
        c = deal_totals.c
        parts = []
        if span.months:
            parts.append(both(_MONTHS, condition(c.day, "in", tuple(span.months))))
        if span.days:
            parts.append(both(_DAYS, condition(c.day, "in", tuple(span.days))))
        return parts

    def _grouped(
        self,
        f: DealFilter,
        kind: str,
        ranges: Sequence[Any],
        *columns: Any,
        where: Any = None,
        teams: Sequence[str] | None = (),
    ) -> Query | None:
        """The query of (columns..., deals, valued, value_micros, entered, length_micros) summed
        per ``columns`` over the disjoint ``ranges`` of (grain, day): a UNION ALL of one index
        range each (an OR of them is answered by scanning the table); ``_merged`` sums its rows
        per key. None without ranges."""
        if not ranges:
            return None
        conditions = self._totals(f, kind, *([] if where is None else [where]), teams=teams)
        self._serial_reads()
        parts = [grouped(columns, _SUMS, (r, *conditions), columns) for r in ranges]
        return Query(tuple(parts), len(columns))

    @staticmethod
    def _merged(rows: list[tuple[Any, ...]], width: int) -> list[tuple[Any, ...]]:
        """A ``_grouped`` query's rows summed per key (its ranges' parts may share keys)."""
        merged: dict[tuple[Any, ...], list[int]] = {}
        for row in rows:
            totals = merged.setdefault(tuple(row[:width]), [0, 0, 0, 0, 0])
            for index, value in enumerate(row[width:]):
                totals[index] += _n(value)
        return [(*key, *values) for key, values in merged.items() if values[0]]

    @staticmethod
    def _plan(
        queries: Sequence[Query | None], finish: Callable[[list[list[tuple[Any, ...]]]], Any]
    ) -> Plan[Any]:
        """A plan of ``queries`` whose ``finish`` gets one list of rows per query ([] for a
        None: a read with nothing to ask)."""

        def finished(rows: list[list[tuple[Any, ...]]]) -> Any:
            answered = iter(rows)
            return finish([[] if q is None else next(answered) for q in queries])

        return Plan(tuple(q for q in queries if q is not None), finished)

    #: The reads ``read_together`` plans (``_plan_<name>``); the others run one by one.
    TOGETHER = frozenset(
        {
            "open_stage_groups",
            "open_forecast_groups",
            "closed_groups",
            "won_by_team",
            "won_cycle_mean",
            "cohort_groups",
            "open_at_each",
            "ended_stay_figures",
            "won_cycle",
        }
    )

    def read_together(self, reads: Sequence[tuple[str, tuple[Any, ...]]]) -> list[Any]:
        """The answers of ``reads`` ((method, arguments), in order): the ones the totals answer
        in one statement, the others one by one (a person's figures, reads over the facts)."""
        plans: dict[int, Plan[Any]] = {}
        for index, (name, args) in enumerate(reads):
            if name in self.TOGETHER and self._by_totals(args[0]):
                plans[index] = getattr(self, f"_plan_{name}")(*args)
        answers = dict(zip(plans, run_together(self.session, list(plans.values())), strict=True))
        return [
            answers[index] if index in answers else getattr(self, name)(*args)
            for index, (name, args) in enumerate(reads)
        ]

    def _serial_reads(self) -> None:
        """No parallel workers and no JIT compilation for the rest of the transaction (once per
        store, one statement). A read of the totals takes a few rows, but PostgreSQL estimates
        thousands for a line's rows (one team value among many): it starts parallel workers,
        whose start costs more than the read on a busy machine (~30-300 ms measured at a load
        average of 20-30), and the dashboard's reads sent together (read_batch.py) cost more
        than ``jit_above_cost``: compiling them took ~400 ms to answer 1,500 rows in 2 ms."""
        if self._postgres() and not self.__dict__.get("_serial"):
            self.session.execute(
                text(
                    "SELECT set_config('max_parallel_workers_per_gather', '0', true), "
                    "set_config('jit', 'off', true)"
                )
            )
            self.__dict__["_serial"] = True

    def _by_totals(self, f: DealFilter) -> bool:
        return bool(f.team_ids) and not f.owner_user_id

    def open_stage_groups(
        self, f: DealFilter, stuck_before: dict[tuple[str, str], dt.datetime]
    ) -> list[OpenStageGroup]:
        if not self._by_totals(f):
            return super().open_stage_groups(f, stuck_before)
        return run_alone(self.session, self._plan_open_stage_groups(f, stuck_before))

    def _plan_open_stage_groups(
        self, f: DealFilter, stuck_before: dict[tuple[str, str], dt.datetime]
    ) -> Plan[list[OpenStageGroup]]:
        c, d = deal_totals.c, deal_facts.c
        stages = self._grouped(f, t.OPEN_STAGE, [_UNTIMED], c.pipeline_id, c.stage_key, c.currency)
        # Stuck = open deals with an entry time before the stage's limit: those with an entry time
        # (``entered`` counts them) minus the ones that entered since the limit: the whole UTC
        # days after it from ``open_entered`` (months after the limit's month, the days left in
        # it), the rest of the limit's own UTC day from the facts by (status, pipeline, stage,
        # entered at).
        parts, partial = [], []
        for (p, s), cutoff in sorted(stuck_before.items()):
            first, month_end = _after(cutoff)
            stage = [condition(c.pipeline_id, "==", p), condition(c.stage_key, "==", s)]
            for days in (
                both(_MONTHS, condition(c.day, ">=", month_end.isoformat()[:7])),
                both(
                    _DAYS,
                    condition(c.day, ">=", first.isoformat()),
                    condition(c.day, "<", month_end.isoformat()),
                ),
            ):
                where = self._totals(f, t.OPEN_ENTERED, days, *stage)
                keys = (c.pipeline_id, c.stage_key, c.currency)
                parts.append(grouped(keys, _SUMS[:1], tuple(where), keys))
            midnight = dt.datetime.combine(first, dt.time(), dt.UTC)
            if cutoff < midnight:
                partial.append(
                    and_(
                        d.pipeline_id == p,
                        d.stage_key == s,
                        d.stage_entered_at >= cutoff,
                        d.stage_entered_at < midnight,
                    )
                )
        entered_since = Query(tuple(parts), 3, 1) if parts else None
        if parts:
            self._serial_reads()
        partial_days = (
            Query(
                (
                    select(d.pipeline_id, d.stage_key, d.currency, func.count())
                    .where(d.status == OPEN, or_(*partial), *self._fact_conditions(f))
                    .group_by(d.pipeline_id, d.stage_key, d.currency),
                ),
                3,
                1,
            )
            if partial
            else None
        )

        def finish(rows: list[list[tuple[Any, ...]]]) -> list[OpenStageGroup]:
            recent: dict[tuple[str, str, str], int] = {}
            for p, s, currency, n in (*rows[1], *rows[2]):
                recent[(p, s, currency)] = recent.get((p, s, currency), 0) + _n(n)
            groups = []
            for p, s, currency, n, valued, total, entered, _ in sorted(self._merged(rows[0], 3)):
                if not n:
                    continue
                stuck = (
                    _n(entered) - recent.get((p, s, currency), 0) if (p, s) in stuck_before else 0
                )
                value = Decimal(_n(total)) / MICROS if _n(valued) else None
                groups.append(OpenStageGroup(p, s, currency, _n(n), value, stuck))
            return groups

        return self._plan([stages, entered_since, partial_days], finish)

    def open_forecast_groups(
        self, f: DealFilter, first_day: dt.date, last_day: dt.date
    ) -> list[OpenForecastGroup]:
        if not self._by_totals(f):
            return super().open_forecast_groups(f, first_day, last_day)
        return run_alone(self.session, self._plan_open_forecast_groups(f, first_day, last_day))

    def _plan_open_forecast_groups(
        self, f: DealFilter, first_day: dt.date, last_day: dt.date
    ) -> Plan[list[OpenForecastGroup]]:
        c = deal_totals.c
        ranges = [_UNTIMED, *self._days(t.day_span(first_day, last_day))]
        query = self._grouped(f, t.OPEN_CLOSE, ranges, c.day, c.detail, c.currency, c.probability)

        def finish(rows: list[list[tuple[Any, ...]]]) -> list[OpenForecastGroup]:
            sums: dict[tuple[dt.date | None, str, str], tuple[int, int, int]] = {}
            for day, category, currency, probability, n, _, total, _, _ in self._merged(rows[0], 4):
                if not _n(n):
                    continue
                key = (_day_of(day) if day else None, category, currency)
                deals, micros, weighted = sums.get(key, (0, 0, 0))
                weighted += _n(total) * int(probability)  # text when read with others
                sums[key] = (deals + _n(n), micros + _n(total), weighted)
            return [
                OpenForecastGroup(
                    *key, n, Decimal(micros) / MICROS, Decimal(weighted) / (MICROS * 100)
                )
                for key, (n, micros, weighted) in sums.items()
            ]

        return self._plan([query], finish)

    def closed_groups(
        self, f: DealFilter, first_day: dt.date, last_day: dt.date
    ) -> list[ClosedGroup]:
        if not self._by_totals(f):
            return super().closed_groups(f, first_day, last_day)
        return run_alone(self.session, self._plan_closed_groups(f, first_day, last_day))

    def _plan_closed_groups(
        self, f: DealFilter, first_day: dt.date, last_day: dt.date
    ) -> Plan[list[ClosedGroup]]:
        c = deal_totals.c
        days = self._days(t.day_span(first_day, last_day))
        query = self._grouped(f, t.CLOSED, days, c.day, c.status, c.currency)

        def finish(rows: list[list[tuple[Any, ...]]]) -> list[ClosedGroup]:
            groups = [
                ClosedGroup(_day_of(day), status, currency, _n(n), _n(valued), _n(total) / MICROS)
                for day, status, currency, n, valued, total, _, _ in self._merged(rows[0], 3)
                if _n(n)
            ]
            return sorted(groups, key=lambda g: (g.close_date, g.status, g.currency))

        return self._plan([query], finish)

    def won_by_team(self, f: DealFilter, first_day: dt.date, last_day: dt.date) -> list[TeamWon]:
        if not self._by_totals(f):
            return super().won_by_team(f, first_day, last_day)
        return run_alone(self.session, self._plan_won_by_team(f, first_day, last_day))

    def _plan_won_by_team(
        self, f: DealFilter, first_day: dt.date, last_day: dt.date
    ) -> Plan[list[TeamWon]]:
        c = deal_totals.c
        days = self._days(t.day_span(first_day, last_day))
        query = self._grouped(
            f,
            t.CLOSED,
            days,
            c.sales_line_id,
            c.team_id,
            c.currency,
            where=_WON,
            # Per team (the targets' actual): a covered line's teams need no list of them.
            teams=None if self._covers_line(f) else sorted(f.team_ids),
        )

        def finish(rows: list[list[tuple[Any, ...]]]) -> list[TeamWon]:
            won = [
                TeamWon(line, team, currency, _n(n), _n(total) / MICROS)
                for line, team, currency, n, _, total, _, _ in self._merged(rows[0], 3)
                if _n(n)
            ]
            return sorted(won, key=lambda w: (w.sales_line_id, w.team_id, w.currency))

        return self._plan([query], finish)

    def won_cycle_mean(self, f: DealFilter, first_day: dt.date, last_day: dt.date) -> Cycle:
        if not self._by_totals(f):
            return super().won_cycle_mean(f, first_day, last_day)
        return run_alone(self.session, self._plan_won_cycle_mean(f, first_day, last_day))

    def _plan_won_cycle_mean(
        self, f: DealFilter, first_day: dt.date, last_day: dt.date
    ) -> Plan[Cycle]:
        c = deal_totals.c
        days = self._days(t.day_span(first_day, last_day))
        query = self._grouped(f, t.CLOSED, days, c.status, where=_WON)

        def finish(rows: list[list[tuple[Any, ...]]]) -> Cycle:
            merged = self._merged(rows[0], 1)
            return cycle_mean(sum(row[1] for row in merged), sum(row[5] for row in merged))

        return self._plan([query], finish)

    def _instant_rows(
        self, f: DealFilter, kind: str, start: dt.datetime, end: dt.datetime, *columns: Any
    ) -> tuple[Query | None, tuple[tuple[dt.datetime, dt.datetime], ...]]:
        """The ``_grouped`` query of the whole UTC days of [start, end) (None: there are none)
        and the partial edges, for the caller to read from the facts."""
        span = t.instant_span(start, end)
        if span.whole is None:
            return None, span.edges
        return self._grouped(f, kind, self._days(span.whole), *columns), span.edges

    def cohort_groups(
        self, f: DealFilter, start: dt.datetime, end: dt.datetime
    ) -> list[CohortGroup]:
        if not self._by_totals(f):
            return super().cohort_groups(f, start, end)
        return run_alone(self.session, self._plan_cohort_groups(f, start, end))

    def _plan_cohort_groups(
        self, f: DealFilter, start: dt.datetime, end: dt.datetime
    ) -> Plan[list[CohortGroup]]:
        c = deal_totals.c
        query, edges = self._instant_rows(
            f, t.CREATED, start, end, c.pipeline_id, c.status, c.stage_key, c.detail
        )

        def finish(rows: list[list[tuple[Any, ...]]]) -> list[CohortGroup]:
            positions = {
                p.id: {stage.key: i for i, stage in enumerate(p.stages)} for p in self.pipelines()
            }
            counts: dict[tuple[str, str, str, int | None], int] = {}
            for p, status, stage, stayed, n, *_ in self._merged(rows[0], 4):
                mine = positions.get(p, {})
                reached = [mine[k] for k in stayed.split(t.STAYS_SEPARATOR) if stayed and k in mine]
                key = (p, status, stage, max(reached, default=None))
                counts[key] = counts.get(key, 0) + _n(n)
            for edge_start, edge_end in edges:
                for group in super(SqlTotals, self).cohort_groups(f, edge_start, edge_end):
                    key = (group.pipeline_id, group.status, group.stage_key, group.furthest_stay)
                    counts[key] = counts.get(key, 0) + group.deals
            return [CohortGroup(*key, n) for key, n in counts.items() if n]

        return self._plan([query], finish)

    def open_at_each(self, f: DealFilter, instants: Sequence[dt.datetime]) -> list[dict[str, int]]:
        if not self._by_totals(f) or not instants:
            return super().open_at_each(f, instants)
        return run_alone(self.session, self._plan_open_at_each(f, instants))

    def _plan_open_at_each(
        self, f: DealFilter, instants: Sequence[dt.datetime]
    ) -> Plan[list[dict[str, int]]]:
        # open at i = the deals that never stop being open + those that stop at or after i
        # - those created at or after i (domain/totals.py, ``ended_at``). One read of the rows
        # at or after the earliest instant: months after each instant's month, the days left in
        # its month; the rest of the instant's own UTC day comes from the facts.
        c = deal_totals.c
        # One statement of index ranges on (kind, grain, day), each summed per (kind, currency)
        # in the database and labelled with its instant (-1: the never-ending deals, counted for
        # every instant): a UNION ALL, not an OR the planner would answer with a scan.
        kinds = condition(c.kind, "in", (t.ENDED, t.CREATED))
        scope = [condition(c.team_id, "in", tuple(self._team_keys(f)))]
        if f.sales_line_id:
            scope.append(condition(c.sales_line_id, "==", f.sales_line_id))
        ranges: list[tuple[int, Any]] = [(-1, both(condition(c.kind, "==", t.ENDED), _UNTIMED))]
        for index, instant in enumerate(instants):
            first, month_end = _after(instant)
            ranges.append(
                (index, both(kinds, _MONTHS, condition(c.day, ">=", month_end.isoformat()[:7])))
            )
            ranges.append(
                (
                    index,
                    both(
                        kinds,
                        _DAYS,
                        condition(c.day, ">=", first.isoformat()),
                        condition(c.day, "<", month_end.isoformat()),
                    ),
                )
            )
        by = (c.kind, c.currency)
        parts = [grouped((_instant(index), *by), _SUMS[:1], (r, *scope), by) for index, r in ranges]
        self._serial_reads()

        def finish(rows: list[list[tuple[Any, ...]]]) -> list[dict[str, int]]:
            sums: dict[int, dict[str, int]] = {}
            for index, kind, currency, n in rows[0]:
                mine = sums.setdefault(int(index), {})  # text when read with others
                sign = 1 if kind == t.ENDED else -1
                mine[currency] = mine.get(currency, 0) + sign * _n(n)
            results = []
            for index, instant in enumerate(instants):
                counts = dict(sums.get(-1, {}))
                for currency, n in sums.get(index, {}).items():
                    counts[currency] = counts.get(currency, 0) + n
                midnight = dt.datetime.combine(t.utc_day(instant), dt.time(), dt.UTC)
                if midnight != instant:  # the rest of the instant's own UTC day, from the facts
                    rest = (instant, midnight + dt.timedelta(days=1))
                    for kind, sign in ((t.ENDED, 1), (t.CREATED, -1)):
                        for currency, n in self.counted_between(f, kind, *rest).items():
                            counts[currency] = counts.get(currency, 0) + sign * n
                results.append({cur: n for cur, n in counts.items() if n})
            return results

        return self._plan([Query(tuple(parts), 3, 1)], finish)

    def counted_between(
        self, f: DealFilter, kind: str, start: dt.datetime, end: dt.datetime
    ) -> dict[str, int]:
        """{currency: deals created (``CREATED``) or that stopped being open (``ENDED``) in
        [start, end)}, from the facts: a partial UTC day."""
        d = deal_facts.c
        if kind == t.CREATED:
            when = and_(d.created_at >= start, d.created_at < end)
        else:  # ended at = the close, never before the creation (totals.ended_at)
            when = or_(
                and_(d.closed_at >= d.created_at, d.closed_at >= start, d.closed_at < end),
                and_(d.closed_at < d.created_at, d.created_at >= start, d.created_at < end),
            )
        rows = self.session.execute(
            select(d.currency, func.count())
            .where(when, *self._fact_conditions(f))
            .group_by(d.currency)
        ).tuples()
        return {currency: int(n) for currency, n in rows}

    def _team_keys(self, f: DealFilter) -> list[str]:
        """The team keys of the rows to read: the line's ALL_TEAMS rows when the filter covers
        every team with a deal in the line (``TEAMS``), else the filter's teams. Asked once per
        filter in a unit of work."""
        if not f.sales_line_id:
            return sorted(f.team_ids)
        known: dict[DealFilter, list[str]] = self.__dict__.setdefault("_team_keys_of", {})
        if f not in known:
            c = deal_totals.c
            teams = self.session.execute(
                select(c.team_id).where(
                    c.kind == t.TEAMS,
                    c.grain == "",
                    c.day == t.NEVER,
                    c.sales_line_id == f.sales_line_id,
                )
            ).scalars()
            known[f] = [t.ALL_TEAMS] if set(teams) <= f.team_ids else sorted(f.team_ids)
        return known[f]

    def _covers_line(self, f: DealFilter) -> bool:
        return self._team_keys(f) == [t.ALL_TEAMS]

    def _fact_conditions(self, f: DealFilter) -> list[Any]:
        """``deal_conditions`` without the list of teams when the filter covers the line (the
        same deals; a list of hundreds of teams costs PostgreSQL's planner milliseconds)."""
        if self._covers_line(f):
            return [deal_facts.c.sales_line_id == f.sales_line_id]
        return deal_conditions(f)

    # -- medians: counts per whole hour of length ----------------------------------------------

    def ended_stay_figures(
        self, f: DealFilter, start: dt.datetime, end: dt.datetime
    ) -> list[StayFigures]:
        if not self._by_totals(f):
            return super().ended_stay_figures(f, start, end)
        return run_alone(self.session, self._plan_ended_stay_figures(f, start, end))

    def _plan_ended_stay_figures(
        self, f: DealFilter, start: dt.datetime, end: dt.datetime
    ) -> Plan[list[StayFigures]]:
        c = deal_totals.c
        query, edges = self._instant_rows(
            f, t.STAY, start, end, c.pipeline_id, c.stage_key, c.detail
        )
        if query is not None and not edges:  # whole UTC days: the middles from the database

            def picked(rows: list[list[tuple[Any, ...]]]) -> list[StayFigures]:
                return [
                    stay_figures(p, stage, n, total, low * HOUR_MICROS, high * HOUR_MICROS)
                    for (p, stage), (n, total, low, high) in sorted(middles(rows[0], 2).items())
                    if n
                ]

            return self._plan([middle_query(query, 2)], picked)

        def finish(rows: list[list[tuple[Any, ...]]]) -> list[StayFigures]:
            counts: dict[tuple[str, str], dict[int, int]] = {}
            lengths: dict[tuple[str, str], int] = {}
            for p, stage, hours, n, _, _, _, total in self._merged(rows[0], 3):
                mine = counts.setdefault((p, stage), {})
                mine[int(hours)] = mine.get(int(hours), 0) + _n(n)
                lengths[(p, stage)] = lengths.get((p, stage), 0) + _n(total)
            for edge_start, edge_end in edges:  # partial UTC days: the stays themselves
                for key, values in self.ended_stay_lengths(f, edge_start, edge_end).items():
                    mine = counts.setdefault(key, {})
                    for length in values:
                        hours = length_hours(length)
                        mine[hours] = mine.get(hours, 0) + 1
                    lengths[key] = lengths.get(key, 0) + sum(values)
            figures = []
            for (p, stage), mine in sorted(counts.items()):
                low, high = middle_hours(mine)
                n = sum(mine.values())
                if n:
                    figures.append(
                        stay_figures(
                            p, stage, n, lengths[(p, stage)], low * HOUR_MICROS, high * HOUR_MICROS
                        )
                    )
            return figures

        return self._plan([query], finish)

    def won_cycle(self, f: DealFilter, first_day: dt.date, last_day: dt.date) -> Cycle:
        if not self._by_totals(f):
            return super().won_cycle(f, first_day, last_day)
        return run_alone(self.session, self._plan_won_cycle(f, first_day, last_day))

    def _plan_won_cycle(self, f: DealFilter, first_day: dt.date, last_day: dt.date) -> Plan[Cycle]:
        c = deal_totals.c
        days = self._days(t.day_span(first_day, last_day))
        query = self._grouped(f, t.CYCLE, days, c.detail)

        def finish(rows: list[list[tuple[Any, ...]]]) -> Cycle:
            n, total, low, high = middles(rows[0], 0).get((), (0, 0, 0, 0))
            return cycle_figures(n, total, low * HOUR_MICROS, high * HOUR_MICROS)

        return self._plan([None if query is None else middle_query(query, 0)], finish)
