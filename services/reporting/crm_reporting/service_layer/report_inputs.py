"""What the KPIs of one report read, fetched once per call from the store and shared by every
KPI of the call (the dashboard computes six from one set of reads)."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from crm_reporting.domain.deals import DealFact
from crm_reporting.domain.events import ActivitySnapshot, PipelineSnapshot, TargetValue
from crm_reporting.domain.kpis.closed import ClosedGroup, Cycle, TeamWon
from crm_reporting.domain.kpis.forecast import OpenForecastGroup
from crm_reporting.domain.kpis.funnel import CohortGroup, OpenStageGroup, StayFigures, stuck_before
from crm_reporting.domain.kpis.leaderboard import LeaderGroup
from crm_reporting.domain.kpis.lost_reasons import LostGroup
from crm_reporting.domain.periods import Period
from crm_reporting.service_layer.ports import DealFilter, ReportStore


class ReportInputs:
    def __init__(
        self, store: ReportStore, deals: DealFilter, period: Period, now: dt.datetime
    ) -> None:
        self.store, self.filter, self.period, self.now = store, deals, period, now
        self.previous = period.previous()
        self._cycles: dict[Period, Cycle] = {}
        self._means: dict[Period, Cycle] = {}

    @functools.cached_property
    def closed_groups(self) -> list[ClosedGroup]:
        """Deals closed in this period or the previous one, grouped by the store (read per period:
        the store may merge a whole month's days into one group dated its first day)."""
        return [
            *self.store.closed_groups(self.filter, self.previous.first_day, self.previous.last_day),
            *self.store.closed_groups(self.filter, self.period.first_day, self.period.last_day),
        ]

    @functools.cached_property
    def won_by_team(self) -> list[TeamWon]:
        return self.store.won_by_team(self.filter, self.period.first_day, self.period.last_day)

    def lost(self, period: Period) -> list[LostGroup]:
        """The deals lost in ``period`` per reason, competitor and currency (by the store)."""
        return self.store.lost_groups(self.filter, period.first_day, period.last_day)

    @functools.cached_property
    def leaders(self) -> list[LeaderGroup]:
        """The period's closed deals per rep or team, status and currency (by the store)."""
        return self.store.leader_groups(self.filter, self.period.first_day, self.period.last_day)

    def cycle_mean(self, period: Period) -> Cycle:
        """The won deals' count and mean cycle (no median), for the velocity: the median of the
        period's cycle is read only where it is shown."""
        if period in self._cycles:
            cycle = self._cycles[period]
            return Cycle(cycle.won, cycle.mean_days, None)
        if period not in self._means:
            self._means[period] = self.store.won_cycle_mean(
                self.filter, period.first_day, period.last_day
            )
        return self._means[period]

    def cycle(self, period: Period) -> Cycle:
        if period not in self._cycles:
            self._cycles[period] = self.store.won_cycle(
                self.filter, period.first_day, period.last_day
            )
        return self._cycles[period]

    @functools.cached_property
    def known_pipelines(self) -> list[PipelineSnapshot]:
        return self.store.pipelines(self.filter.sales_line_id)

    @functools.cached_property
    def open_stages(self) -> list[OpenStageGroup]:
        """The open deals per pipeline stage and currency (counted by the store)."""
        cutoffs = stuck_before(self.known_pipelines, self.now)
        return self.store.open_stage_groups(self.filter, cutoffs)

    @functools.cached_property
    def open_forecast(self) -> list[OpenForecastGroup]:
        """The open deals closing in the period (or undated), grouped by the store."""
        return self.store.open_forecast_groups(
            self.filter, self.period.first_day, self.period.last_day
        )

    def read_dashboard(self) -> None:
        """The grouped reads of the dashboard's six KPIs, asked of the store together (the SQL
        store: one statement) and kept where each property would have read it."""
        f, period, previous = self.filter, self.period, self.previous
        cutoffs = stuck_before(self.known_pipelines, self.now)
        reads: list[tuple[str, tuple[Any, ...]]] = [
            ("closed_groups", (f, previous.first_day, previous.last_day)),
            ("closed_groups", (f, period.first_day, period.last_day)),
            ("won_by_team", (f, period.first_day, period.last_day)),
            ("won_cycle", (f, period.first_day, period.last_day)),
            ("won_cycle_mean", (f, previous.first_day, previous.last_day)),
            ("open_stage_groups", (f, cutoffs)),
            ("open_forecast_groups", (f, period.first_day, period.last_day)),
            ("cohort_groups", (f, period.start, period.end)),
            ("ended_stay_figures", (f, period.start, period.end)),
            ("open_at_each", (f, [min(p.end, self.now) for p in (period, previous)])),
        ]
        answers = self.store.read_together(reads)
        (before, during, won, cycle, mean, stages, forecast, cohort, stays, open_at) = answers
        self.__dict__.update(
            closed_groups=[*before, *during],
            won_by_team=won,
            open_stages=stages,
            open_forecast=forecast,
            cohort=cohort,
            stays=stays,
            _open_at_ends=dict(zip((period, previous), open_at, strict=True)),
        )
        self._cycles[period] = cycle
        self._means[previous] = mean

    def oldest_open(self, limit: int) -> list[DealFact]:
        return self.store.oldest_open(self.filter, limit)

    @functools.cached_property
    def cohort(self) -> list[CohortGroup]:
        """The deals created in the period, grouped by the store."""
        return self.store.cohort_groups(self.filter, self.period.start, self.period.end)

    @functools.cached_property
    def stays(self) -> list[StayFigures]:
        """The stays that ended in the period, per pipeline stage (figures by the store)."""
        return self.store.ended_stay_figures(self.filter, self.period.start, self.period.end)

    @functools.cached_property
    def activities(self) -> list[ActivitySnapshot]:
        return self.store.activities_between(self.filter, self.period.start, self.period.end)

    @functools.cached_property
    def _open_at_ends(self) -> dict[Period, dict[str, int]]:
        """The deals open at the end of this period and of the previous one, read together."""
        periods = (self.period, self.previous)
        counts = self.store.open_at_each(self.filter, [min(p.end, self.now) for p in periods])
        return dict(zip(periods, counts, strict=True))

    def open_at_end(self, period: Period) -> dict[str, int]:
        if period in self._open_at_ends:
            return self._open_at_ends[period]
        return self.store.open_at(self.filter, min(period.end, self.now))

    def pipelines(self) -> list[PipelineSnapshot]:
        """The pipelines the scope's deals are in (the line's, for a line)."""
        used = {g.pipeline_id for g in self.open_stages} | {g.pipeline_id for g in self.cohort}
        return [p for p in self.known_pipelines if p.id in used or self.filter.sales_line_id]

    def targets(self) -> list[TargetValue]:
        name = self.period.territory_period
        if name is None:
            return []
        return self.store.targets(name, self.filter.team_ids, self.filter.sales_line_id)
