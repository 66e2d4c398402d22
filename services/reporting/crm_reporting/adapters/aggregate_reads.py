"""The report store's aggregate reads on SQLAlchemy Core: the dashboard's figures computed in the
database (GROUP BY, SUM, PostgreSQL's percentile_disc, MAX over joins) so a call reads a few
hundred grouped rows, not every matching deal. Each follows a definition of the domain
(``domain/kpis/closed.py``, ``funnel.py``, ``forecast.py``), which the port's default
implementations apply to facts; tests hold the two equal on PostgreSQL and SQLite.

Money sums stay integer micro-units (PostgreSQL's SUM of BIGINT is NUMERIC, SQLite's an
INTEGER) and become exact ``Decimal``s here; lengths of time are integer microseconds. SQLite has
no ordered-set aggregates: its medians read the period's two times per stay or won deal (not the
deals) and apply the domain's definition, which gives the same figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, and_, case, cast, func, literal, or_, select
from sqlalchemy.orm import Session

from crm_reporting.adapters.orm import deal_facts, pipeline_stages, stage_stays
from crm_reporting.domain.deals import LOST, OPEN, WON
from crm_reporting.domain.kpis.closed import (
    ClosedGroup,
    Cycle,
    TeamWon,
    cycle_figures,
    cycle_micros_of,
    cycle_of_lengths,
)
from crm_reporting.domain.kpis.forecast import OpenForecastGroup
from crm_reporting.domain.kpis.funnel import (
    CohortGroup,
    OpenStageGroup,
    StayFigures,
    stay_figures,
    stay_figures_of,
)
from crm_reporting.domain.kpis.funnel import micros as length_micros
from crm_reporting.domain.kpis.leaderboard import REP, TEAM, LeaderGroup, leader_groups
from crm_reporting.domain.kpis.lost_reasons import LostGroup
from crm_reporting.service_layer.ports import DealFilter

MICROS = Decimal(1_000_000)
_DATE = dt.date.fromisoformat


def _int(total: Any) -> int | None:
    """A SUM of integers: PostgreSQL answers NUMERIC (a Decimal), SQLite an int."""
    return None if total is None else int(total)


def _money(total: Any) -> Decimal:
    return Decimal(_int(total) or 0) / MICROS


def deal_conditions(f: DealFilter) -> list[Any]:
    """The deals counted for the filter: one of its teams (and its owner and line, if given)."""
    conditions: list[Any] = [deal_facts.c.team_id.in_(sorted(f.team_ids))]
    if f.owner_user_id:
        conditions.append(deal_facts.c.owner_user_id == f.owner_user_id)
    if f.sales_line_id:
        conditions.append(deal_facts.c.sales_line_id == f.sales_line_id)
    return conditions


def _micros_between(start: Any, end: Any) -> ColumnElement[Any]:
    """PostgreSQL: end - start in exact integer microseconds (EXTRACT gives NUMERIC)."""
    return cast(func.extract("epoch", end - start) * 1_000_000, BigInteger)


class SqlAggregateReads:
    """Mixed into the SQL read models ahead of ``ReportStore``, whose defaults it replaces."""

    session: Session

    def _postgres(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    def open_stage_groups(
        self, f: DealFilter, stuck_before: dict[tuple[str, str], dt.datetime]
    ) -> list[OpenStageGroup]:
        if not f.team_ids:
            return []
        d = deal_facts.c
        # One CASE arm per stage with expected days: a pipeline has a handful of stages.
        stuck = (
            case(
                *(
                    (and_(d.pipeline_id == p, d.stage_key == s, d.stage_entered_at < cutoff), 1)
                    for (p, s), cutoff in sorted(stuck_before.items())
                ),
                else_=0,
            )
            if stuck_before
            else literal(0)
        )
        rows = self.session.execute(
            select(
                d.pipeline_id,
                d.stage_key,
                d.currency,
                func.count(),
                func.sum(d.value_micros),
                func.coalesce(func.sum(stuck), 0),
            )
            .where(d.status == OPEN, *deal_conditions(f))
            .group_by(d.pipeline_id, d.stage_key, d.currency)
            .order_by(d.pipeline_id, d.stage_key, d.currency)
        ).tuples()
        return [
            OpenStageGroup(p, s, c, int(n), None if micros is None else _money(micros), int(late))
            for p, s, c, n, micros, late in rows
        ]

    def open_forecast_groups(
        self, f: DealFilter, first_day: dt.date, last_day: dt.date
    ) -> list[OpenForecastGroup]:
        if not f.team_ids:
            return []
        d = deal_facts.c
        close = d.estimated_close_date  # ISO text: compares in the order of the days
        # Grouped by probability too (at most 101 values) so the weighted value is the exact
        # integer sum x probability in Python: no product that could overflow SQLite's INTEGER.
        rows = self.session.execute(
            select(
                close,
                d.forecast_category,
                d.currency,
                d.probability,
                func.count(),
                func.sum(d.value_micros),
            )
            .where(
                d.status == OPEN,
                *deal_conditions(f),
                or_(
                    close.is_(None),
                    and_(close >= first_day.isoformat(), close <= last_day.isoformat()),
                ),
            )
            .group_by(close, d.forecast_category, d.currency, d.probability)
        ).tuples()
        sums: dict[tuple[dt.date | None, str, str], tuple[int, int, int]] = {}
        for day, category, currency, probability, n, total in rows:
            key = (_DATE(day) if day else None, category, currency)
            deals, micros, weighted = sums.get(key, (0, 0, 0))
            micros_sum = _int(total) or 0
            sums[key] = (deals + int(n), micros + micros_sum, weighted + micros_sum * probability)
        return [
            OpenForecastGroup(*key, n, Decimal(micros) / MICROS, Decimal(weighted) / (MICROS * 100))
            for key, (n, micros, weighted) in sums.items()
        ]

    def cohort_groups(
        self, f: DealFilter, start: dt.datetime, end: dt.datetime
    ) -> list[CohortGroup]:
        if not f.team_ids:
            return []
        d, s, ps = deal_facts.c, stage_stays.c, pipeline_stages.c
        # Per deal: its stays joined to its pipeline's current stages, the furthest position
        # (NULL without such a stay); then the deals counted per group. A join grouped by deal
        # is about twice as fast as a correlated subquery per deal on PostgreSQL.
        stays = deal_facts.outerjoin(stage_stays, s.deal_id == d.deal_id).outerjoin(
            pipeline_stages, and_(ps.pipeline_id == d.pipeline_id, ps.stage_key == s.stage_key)
        )
        cohort = (
            select(d.pipeline_id, d.status, d.stage_key, func.max(ps.position).label("furthest"))
            .select_from(stays)
            .where(*deal_conditions(f), d.created_at >= start, d.created_at < end)
            .group_by(d.deal_id, d.pipeline_id, d.status, d.stage_key)
            .subquery()
        )
        c = cohort.c
        rows = self.session.execute(
            select(c.pipeline_id, c.status, c.stage_key, c.furthest, func.count()).group_by(
                c.pipeline_id, c.status, c.stage_key, c.furthest
            )
        ).tuples()
        return [
            CohortGroup(p, status, key, None if far is None else int(far), int(n))
            for p, status, key, far, n in rows
        ]

    def _ended_stays(self, f: DealFilter, start: dt.datetime, end: dt.datetime) -> tuple[Any, Any]:
        """The stays of the filter's deals that ended in [start, end): (from, conditions)."""
        d, s = deal_facts.c, stage_stays.c
        # The stay's own team, pipeline and line (the deal's, written with it) let the (team,
        # left_at) index find the period's stays without the deals; only an owner needs the join.
        ended = [s.team_id.in_(sorted(f.team_ids)), s.left_at >= start, s.left_at < end]
        if f.sales_line_id:
            ended.append(s.sales_line_id == f.sales_line_id)
        stays: Any = stage_stays
        if f.owner_user_id:
            stays = stage_stays.join(deal_facts, d.deal_id == s.deal_id)
            ended.append(d.owner_user_id == f.owner_user_id)
        return stays, ended

    def ended_stay_lengths(
        self, f: DealFilter, start: dt.datetime, end: dt.datetime
    ) -> dict[tuple[str, str], list[int]]:
        """{(pipeline, stage): the lengths in microseconds of the stays that ended in [start,
        end)}, read from the stays (their two times, not the deals)."""
        if not f.team_ids:
            return {}
        s = stage_stays.c
        stays, ended = self._ended_stays(f, start, end)
        lengths: dict[tuple[str, str], list[int]] = {}
        for p, key, entered, left in self.session.execute(
            select(s.pipeline_id, s.stage_key, s.entered_at, s.left_at)
            .select_from(stays)
            .where(*ended)
        ).tuples():
            lengths.setdefault((p, key), []).append(length_micros(left - entered))
        return lengths

    def ended_stay_figures(
        self, f: DealFilter, start: dt.datetime, end: dt.datetime
    ) -> list[StayFigures]:
        if not f.team_ids:
            return []
        s = stage_stays.c
        stays, ended = self._ended_stays(f, start, end)
        if self._postgres():
            # Lengths as exact integer microseconds (EXTRACT gives NUMERIC): the SUM and the two
            # middle values (percentile_disc ascending and descending) are the domain's inputs.
            length = _micros_between(s.entered_at, s.left_at)
            rows = self.session.execute(
                select(
                    s.pipeline_id,
                    s.stage_key,
                    func.count(),
                    func.sum(length),
                    func.percentile_disc(0.5).within_group(length),
                    func.percentile_disc(0.5).within_group(length.desc()),
                )
                .select_from(stays)
                .where(*ended)
                .group_by(s.pipeline_id, s.stage_key)
                .order_by(s.pipeline_id, s.stage_key)
            ).tuples()
            return [
                stay_figures(p, key, int(n), int(total), int(low), int(high))
                for p, key, n, total, low, high in rows
            ]
        # SQLite has no ordered-set aggregates and keeps times as text: the period's ended stays'
        # two times are read (not the deals) and measured with the domain's definition.
        lengths = self.ended_stay_lengths(f, start, end)
        return [stay_figures_of(p, key, values) for (p, key), values in sorted(lengths.items())]

    def open_at_each(self, f: DealFilter, instants: Sequence[dt.datetime]) -> list[dict[str, int]]:
        if not f.team_ids or not instants:
            return [{} for _ in instants]
        d = deal_facts.c
        counts = [
            func.sum(
                case(
                    (and_(d.created_at < i, or_(d.closed_at.is_(None), d.closed_at >= i)), 1),
                    else_=0,
                )
            )
            for i in instants
        ]
        rows = self.session.execute(
            select(d.currency, *counts)
            .where(*deal_conditions(f), d.created_at < max(instants))
            .group_by(d.currency)
        ).tuples()
        result: list[dict[str, int]] = [{} for _ in instants]
        for currency, *numbers in rows:
            for index, number in enumerate(numbers):
                if number:
                    result[index][currency] = int(number)
        return result

    def _closed(self, f: DealFilter, first_day: dt.date, last_day: dt.date) -> list[Any]:
        # ISO dates compare as text in the order of the days.
        return [
            *deal_conditions(f),
            deal_facts.c.status != OPEN,
            deal_facts.c.close_date >= first_day.isoformat(),
            deal_facts.c.close_date <= last_day.isoformat(),
        ]

    def closed_groups(
        self, f: DealFilter, first_day: dt.date, last_day: dt.date
    ) -> list[ClosedGroup]:
        if not f.team_ids:
            return []
        d = deal_facts.c
        rows = self.session.execute(
            select(
                d.close_date,
                d.status,
                d.currency,
                func.count(),
                func.count(d.value_micros),
                func.sum(d.value_micros),
            )
            .where(*self._closed(f, first_day, last_day))
            .group_by(d.close_date, d.status, d.currency)
            .order_by(d.close_date, d.status, d.currency)
        ).tuples()
        return [
            ClosedGroup(_DATE(day), status, currency, int(n), int(valued), _money(total))
            for day, status, currency, n, valued, total in rows
        ]

    def lost_groups(self, f: DealFilter, first_day: dt.date, last_day: dt.date) -> list[LostGroup]:
        if not f.team_ids:
            return []
        d = deal_facts.c
        rows = self.session.execute(
            select(
                d.lost_reason,
                d.lost_competitor,
                d.currency,
                func.count(),
                func.count(d.value_micros),
                func.sum(d.value_micros),
            )
            .where(*self._closed(f, first_day, last_day), d.status == LOST)
            .group_by(d.lost_reason, d.lost_competitor, d.currency)
            .order_by(d.lost_reason, d.lost_competitor, d.currency)
        ).tuples()
        return [
            LostGroup(reason, competitor, currency, int(n), _money(total) if valued else None)
            for reason, competitor, currency, n, valued, total in rows
        ]

    def leader_groups(
        self, f: DealFilter, first_day: dt.date, last_day: dt.date
    ) -> list[LeaderGroup]:
        if not f.team_ids:
            return []
        d = deal_facts.c
        closed = [*self._closed(f, first_day, last_day), d.status.in_((WON, LOST))]
        if not self._postgres():
            # SQLite keeps times as text and has no GREATEST: the period's closed deals are read
            # and grouped with the domain's definition (`make run` only).
            deals = self.closed_between(f, first_day, last_day)  # type: ignore[attr-defined]
            return leader_groups(deals, first_day, last_day)
        length = case(
            (
                d.status == WON,
                func.coalesce(func.greatest(_micros_between(d.created_at, d.closed_at), 0), 0),
            ),
            else_=0,
        )
        groups: list[LeaderGroup] = []
        for by, column in ((REP, d.owner_user_id), (TEAM, d.team_id)):
            rows = self.session.execute(
                select(
                    column,
                    d.status,
                    d.currency,
                    func.count(),
                    func.count(d.value_micros),
                    func.sum(d.value_micros),
                    func.sum(length),
                )
                .where(*closed, column != "")
                .group_by(column, d.status, d.currency)
                .order_by(column, d.status, d.currency)
            ).tuples()
            groups.extend(
                LeaderGroup(by, id_, status, currency, int(n), _money(total) if valued else None,
                            _int(micros) or 0)
                for id_, status, currency, n, valued, total, micros in rows
            )  # fmt: skip
        return sorted(groups, key=lambda g: (g.by, g.id, g.status, g.currency))

    def won_by_team(self, f: DealFilter, first_day: dt.date, last_day: dt.date) -> list[TeamWon]:
        if not f.team_ids:
            return []
        d = deal_facts.c
        rows = self.session.execute(
            select(d.sales_line_id, d.team_id, d.currency, func.count(), func.sum(d.value_micros))
            .where(*self._closed(f, first_day, last_day), d.status == WON)
            .group_by(d.sales_line_id, d.team_id, d.currency)
            .order_by(d.sales_line_id, d.team_id, d.currency)
        ).tuples()
        return [
            TeamWon(line, team, currency, int(n), _money(total))
            for line, team, currency, n, total in rows
        ]

    def won_cycle(self, f: DealFilter, first_day: dt.date, last_day: dt.date) -> Cycle:
        if not f.team_ids:
            return cycle_figures(0, 0, 0, 0)
        d = deal_facts.c
        won = [*self._closed(f, first_day, last_day), d.status == WON]
        if self._postgres():
            # created -> closed, never negative; a won deal without a closed time counts 0
            length = func.coalesce(func.greatest(_micros_between(d.created_at, d.closed_at), 0), 0)
            n, total, low, high = self.session.execute(
                select(
                    func.count(),
                    func.sum(length),
                    func.percentile_disc(0.5).within_group(length),
                    func.percentile_disc(0.5).within_group(length.desc()),
                ).where(*won)
            ).one()
            return cycle_figures(int(n), _int(total) or 0, _int(low) or 0, _int(high) or 0)
        rows = self.session.execute(select(d.created_at, d.closed_at).where(*won)).tuples()
        return cycle_of_lengths(cycle_micros_of(created, closed) for created, closed in rows)
