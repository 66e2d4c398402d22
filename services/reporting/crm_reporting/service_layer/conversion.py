"""Reports in a reporting currency (domain/conversion.py): the rates' read model, and the
inputs of a report with every deal's money converted at the rate of its day.

A converted report reads the scope's deal facts (the period's and the previous period's closed
deals, the open deals) rather than the running totals, converts each deal, and groups them with
the domain's definitions (the same the store's grouped reads follow): per-deal conversion needs
each deal's own day, which a month's merged totals no longer have.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

from crm_reporting.domain.conversion import (
    EXCHANGE_RATE,
    AppliedRate,
    Converter,
    derive_rate,
    reporting_currency,
)
from crm_reporting.domain.deals import DealFact
from crm_reporting.domain.events import RecordedEvent, TargetValue
from crm_reporting.domain.kpis.closed import ClosedGroup, TeamWon, closed_groups, won_by_team
from crm_reporting.domain.kpis.forecast import OpenForecastGroup, open_forecast_groups
from crm_reporting.domain.kpis.funnel import OpenStageGroup, open_stage_groups, stuck_before
from crm_reporting.domain.kpis.leaderboard import LeaderGroup, leader_groups
from crm_reporting.domain.kpis.lost_reasons import LostGroup, lost_groups
from crm_reporting.domain.periods import Period
from crm_reporting.service_layer.ports import DealFilter, ReportStore
from crm_reporting.service_layer.report_inputs import ReportInputs
from crm_reporting.service_layer.unit_of_work import ReportingUnitOfWork


def derive_rates(uow: ReportingUnitOfWork, events: Sequence[RecordedEvent]) -> None:
    """The rate of one pair and date, from all its stored events (worker and rebuild)."""
    if not events or events[0].aggregate_type != EXCHANGE_RATE:
        return
    rate = derive_rate(events)
    if rate is not None:
        uow.rates.put_rate(rate)


@dataclass
class ReportCurrency:
    """What a report is asked in (``code``, ISO 4217) and, once computed, the rates it used."""

    code: str
    rates: list[AppliedRate] = field(default_factory=list)

    @classmethod
    def of(cls, code: str) -> ReportCurrency | None:
        """None for "" (every currency on its own line); INVALID_ARGUMENT for an unknown code."""
        return cls(reporting_currency(code)) if code.strip() else None


class ConvertedInputs(ReportInputs):
    """``ReportInputs`` with every money figure in one currency. Reading the groups converts the
    deals they come from; :meth:`finish` refuses the report when a rate was missing and hands the
    rates used to the ``ReportCurrency``."""

    def __init__(
        self,
        store: ReportStore,
        deals: DealFilter,
        period: Period,
        now: dt.datetime,
        converter: Converter,
        *,
        compare: bool,
    ) -> None:
        super().__init__(store, deals, period, now)
        self.converter = converter
        # The closed deals of the previous period are read (and need rates) only for a report
        # that compares with it (velocity, lost reasons, the dashboard).
        self.first_closed_day = self.previous.first_day if compare else period.first_day
        # The report's day: the rate of an open deal without a close date, and of a target
        # while its period runs.
        self.today = now.astimezone(period.start.tzinfo).date()

    @functools.cached_property
    def _closed(self) -> list[DealFact]:
        """The deals closed in this period (and the previous one, for a comparing report), each
        at its close date's rate."""
        found = self.store.closed_between(self.filter, self.first_closed_day, self.period.last_day)
        return [self.converter.closed_deal(d) for d in found]

    @functools.cached_property
    def _open(self) -> list[DealFact]:
        return [self.converter.open_deal(d, self.today) for d in self.store.open_deals(self.filter)]

    @functools.cached_property
    def closed_groups(self) -> list[ClosedGroup]:
        return closed_groups(self._closed, self.first_closed_day, self.period.last_day)

    @functools.cached_property
    def won_by_team(self) -> list[TeamWon]:
        return won_by_team(self._closed, self.period.first_day, self.period.last_day)

    def lost(self, period: Period) -> list[LostGroup]:
        return lost_groups(self._closed, period.first_day, period.last_day)

    @functools.cached_property
    def leaders(self) -> list[LeaderGroup]:
        return leader_groups(self._closed, self.period.first_day, self.period.last_day)

    @functools.cached_property
    def open_stages(self) -> list[OpenStageGroup]:
        return open_stage_groups(self._open, stuck_before(self.known_pipelines, self.now))

    @functools.cached_property
    def open_forecast(self) -> list[OpenForecastGroup]:
        return open_forecast_groups(self._open, self.period.first_day, self.period.last_day)

    def targets(self) -> list[TargetValue]:
        on = min(self.period.last_day, self.today)
        return [self.converter.target(t, on) for t in super().targets()]

    def finish(self, currency: ReportCurrency) -> None:
        self.converter.check()
        currency.rates = self.converter.used
