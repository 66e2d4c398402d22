"""Targets vs actual: each of territory's targets (line, team, period) against the deals won
in the period on that line, counted for that team: the amount in the target's currency (won
deals in other currencies are not converted) and the deal count (every won deal), with
attainment = actual / target x 100."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from crm_reporting.domain.deals import DealFact
from crm_reporting.domain.events import TargetValue
from crm_reporting.domain.figures import percent
from crm_reporting.domain.kpis.closed import TeamWon, won_by_team
from crm_reporting.domain.periods import Period


@dataclass(frozen=True)
class TargetVsActual:
    target: TargetValue
    actual_amount: Decimal
    actual_deals: int
    amount_percent: Decimal | None
    deals_percent: Decimal | None


def targets_vs_actual(
    targets: Iterable[TargetValue], closed: Iterable[DealFact], period: Period
) -> list[TargetVsActual]:
    return targets_of(targets, won_by_team(closed, period.first_day, period.last_day))


def targets_of(targets: Iterable[TargetValue], won: Iterable[TeamWon]) -> list[TargetVsActual]:
    """Targets against the period's won deals per (line, team, currency)."""
    deals: dict[tuple[str, str], int] = {}
    amounts: dict[tuple[str, str, str], Decimal] = {}
    for row in won:
        team = (row.sales_line_id, row.team_id)
        deals[team] = deals.get(team, 0) + row.deals
        amounts[(*team, row.currency)] = row.value
    rows = []
    for target in sorted(targets, key=lambda t: (t.sales_line_id, t.team_id)):
        team = (target.sales_line_id, target.team_id)
        amount = amounts.get((*team, target.currency), Decimal(0))
        count = deals.get(team, 0)
        rows.append(
            TargetVsActual(
                target,
                amount,
                count,
                percent(amount, target.amount),
                percent(count, target.deal_count),
            )
        )
    return rows
