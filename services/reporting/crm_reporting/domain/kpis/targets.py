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
from crm_reporting.domain.kpis.cycle import won_in
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
    # Won deals indexed once by (line, team): one pass, not one per target.
    won: dict[tuple[str, str], list[DealFact]] = {}
    for deal in won_in(closed, period):
        won.setdefault((deal.sales_line_id, deal.team_id), []).append(deal)
    rows = []
    for target in sorted(targets, key=lambda t: (t.sales_line_id, t.team_id)):
        mine = won.get((target.sales_line_id, target.team_id), [])
        amount = sum(
            (d.value or Decimal(0) for d in mine if d.currency == target.currency), Decimal(0)
        )
        rows.append(
            TargetVsActual(
                target,
                amount,
                len(mine),
                percent(amount, target.amount),
                percent(len(mine), target.deal_count),
            )
        )
    return rows
