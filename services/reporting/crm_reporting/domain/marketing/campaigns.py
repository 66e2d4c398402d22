"""Campaign ROI = (won revenue attributed - cost) ÷ cost x 100.

Attribution (docs/services/reporting.md, "Campaign attribution"): single touch. A won deal is
attributed, whole, to the campaign it carries (``campaign_id``: set on the deal, or taken from
its originating lead when the lead was converted); a deal without a campaign is attributed to
none. Revenue is the deal's actual revenue, counted in the period of its close, for the team it
counted for when won (so a team scope shows the team's attributed revenue).

A campaign is listed when its run overlaps the period or a deal won in the period is attributed
to it. Its cost is counted whole, in the cost's currency; the ROI compares only revenue in that
currency (money is never converted) and leaves revenue in other currencies beside it. A zero
cost has no ROI.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from crm_reporting.domain.figures import Amounts, money, percent
from crm_reporting.domain.marketing.facts import CampaignFact, WonDeal


@dataclass(frozen=True)
class CampaignRow:
    campaign: CampaignFact
    won_revenue: Decimal  # in the cost's currency, rounded to it
    won_deals: int
    roi_percent: Decimal | None
    other_currencies: list[tuple[str, Decimal]]


def campaign_roi(
    campaigns: Iterable[CampaignFact],
    won: Iterable[WonDeal],
    first_day: dt.date,
    last_day: dt.date,
) -> list[CampaignRow]:
    """``won``: the deals won in the period in the scope; the period is [first_day, last_day]."""
    by_campaign: dict[str, list[WonDeal]] = {}
    for deal in won:
        if deal.campaign_id:
            by_campaign.setdefault(deal.campaign_id, []).append(deal)
    rows = []
    for campaign in campaigns:
        attributed = by_campaign.get(campaign.id, [])
        if not attributed and not campaign.runs_during(first_day, last_day):
            continue
        revenue = Amounts((d.currency, d.revenue) for d in attributed)
        in_cost_currency = revenue.get(campaign.currency)
        roi = percent(in_cost_currency - campaign.cost, campaign.cost) if campaign.cost else None
        rows.append(
            CampaignRow(
                campaign=campaign,
                won_revenue=money(in_cost_currency, campaign.currency),
                won_deals=len(attributed),
                roi_percent=roi,
                other_currencies=[(c, a) for c, a in revenue.rounded() if c != campaign.currency],
            )
        )
    # Best ROI first; campaigns without one (zero cost) last, by name.
    return sorted(
        rows,
        key=lambda r: (r.roi_percent is None, -(r.roi_percent or 0), r.campaign.name),
    )
