"""Company-level business figures for Prometheus (per sales line, no user or team labels): the
open pipeline now and what was won in the current UTC month."""

from __future__ import annotations

from dataclasses import dataclass

from crm_chassis.caller import SYSTEM, Caller
from crm_chassis.errors import PermissionDenied
from crm_reporting.domain.figures import Amounts
from crm_reporting.domain.periods import PeriodKind, containing
from crm_reporting.service_layer.dependencies import Dependencies


@dataclass(frozen=True)
class LineFigures:
    sales_line_id: str
    open_deals: int
    open_value: Amounts
    won_deals: int
    won_value: Amounts


def business_figures(deps: Dependencies, caller: Caller) -> list[LineFigures]:
    if caller.kind != SYSTEM:
        raise PermissionDenied("company-wide figures are published by reporting's worker only")
    month = containing(PeriodKind.MONTH, deps.clock.now().date(), "UTC")
    with deps.uow() as uow:
        rows = uow.reports.line_totals(month.first_day, month.last_day)
    figures: dict[str, LineFigures] = {}
    for row in rows:
        line = figures.setdefault(
            row.sales_line_id, LineFigures(row.sales_line_id, 0, Amounts(), 0, Amounts())
        )
        figures[row.sales_line_id] = LineFigures(
            line.sales_line_id,
            line.open_deals + row.open_deals,
            line.open_value,
            line.won_deals + row.won_deals,
            line.won_value,
        )
        line.open_value.add(row.currency, row.open_value)
        line.won_value.add(row.currency, row.won_value)
    return [figures[k] for k in sorted(figures)]
