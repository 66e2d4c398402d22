"""Customers: accounts won, churn rate, and won revenue by product and by region.

- Accounts won in the period: accounts whose first won deal (``customer_since``) falls in it.
- Churn rate = customers lost in the period ÷ customers at its start x 100, two decimals:
  customers at the start are accounts that became customers before it and were not churned
  before it; lost are those of them churned (``churned_at``) within the period. An account that
  became a customer during the period and churned in it counts in neither.
- Revenue by product: the lines of the deals won in the period (line total after discount, the
  deal's currency); a won deal without lines counts its actual revenue as product "".
- Revenue by region: a won deal's actual revenue for the org unit of the team it counted for
  (territory's structure cuts the sales organisation by region); a team reporting does not know
  counts as region "".
Money is summed per currency, never across currencies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from crm_reporting.domain.figures import TWO_DECIMALS, Amounts
from crm_reporting.domain.marketing.facts import AccountFact, WonDeal


@dataclass(frozen=True)
class Churn:
    accounts_won: int
    customers_at_start: int
    customers_lost: int
    churn_percent: Decimal | None


@dataclass(frozen=True)
class RevenueRow:
    key: str
    currency: str
    revenue: Decimal
    deals: int


def churn(accounts: Iterable[AccountFact], start: dt.datetime, end: dt.datetime) -> Churn:
    """Over [start, end): the accounts of the scope."""
    won = at_start = lost = 0
    for account in accounts:
        since, churned = account.customer_since, account.churned_at
        if since is not None and start <= since < end:
            won += 1
        if since is None or since >= start or (churned is not None and churned < start):
            continue
        at_start += 1
        if churned is not None and churned < end:
            lost += 1
    rate = (Decimal(lost) * 100 / at_start).quantize(TWO_DECIMALS) if at_start else None
    return Churn(won, at_start, lost, rate)


def _rows(totals: dict[str, Amounts], counts: dict[tuple[str, str], set[str]]) -> list[RevenueRow]:
    rows = [
        RevenueRow(key, currency, amount, len(counts[key, currency]))
        for key, amounts in totals.items()
        for currency, amount in amounts.rounded()
    ]
    return sorted(rows, key=lambda r: (r.currency, -r.revenue, r.key))


def revenue_by_product(won: Iterable[WonDeal]) -> list[RevenueRow]:
    totals: dict[str, Amounts] = {}
    deals: dict[tuple[str, str], set[str]] = {}
    for deal in won:
        parts = [(line.product_id, line.amount) for line in deal.lines] or [("", deal.revenue)]
        for product, amount in parts:
            totals.setdefault(product, Amounts()).add(deal.currency, amount)
            deals.setdefault((product, deal.currency), set()).add(deal.id)
    return _rows(totals, deals)


def revenue_by_region(won: Iterable[WonDeal], team_units: Mapping[str, str]) -> list[RevenueRow]:
    totals: dict[str, Amounts] = {}
    deals: dict[tuple[str, str], set[str]] = {}
    for deal in won:
        region = team_units.get(deal.team_id, "")
        totals.setdefault(region, Amounts()).add(deal.currency, deal.revenue)
        deals.setdefault((region, deal.currency), set()).add(deal.id)
    return _rows(totals, deals)
