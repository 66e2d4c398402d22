"""The marketing read models on SQLAlchemy Core (adapters/marketing_orm.py): written per
aggregate by the worker and the rebuild, read per report with one indexed range query each."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from crm_chassis.bulk_insert import BulkInsert
from crm_reporting.adapters.marketing_orm import (
    marketing_accounts,
    marketing_campaigns,
    marketing_leads,
    marketing_won_deals,
)
from crm_reporting.domain.marketing.facts import (
    AccountFact,
    CampaignFact,
    LeadFact,
    ProductLine,
    WonDeal,
)
from crm_reporting.service_layer.marketing_ports import MarketingStore

_WON = BulkInsert(marketing_won_deals)


def _won_row(fact: WonDeal) -> dict[str, object]:
    return {
        "deal_id": fact.id,
        "team_id": fact.team_id,
        "owner_user_id": fact.owner_user_id,
        "sales_line_id": fact.sales_line_id,
        "account_id": fact.account_id,
        "campaign_id": fact.campaign_id,
        "originating_lead_id": fact.originating_lead_id,
        "currency": fact.currency,
        "revenue": str(fact.revenue),
        "won_at": fact.won_at,
        "lines": json.dumps([[line.product_id, str(line.amount)] for line in fact.lines]),
        "version": 0,
    }


class SqlMarketingStore(MarketingStore):
    def __init__(self, session: Session) -> None:
        self.session = session

    def _replace(self, table, key: str, value: str, row: dict) -> None:
        self.session.execute(delete(table).where(table.c[key] == value))
        self.session.execute(insert(table).values(**row))

    # -- write side ----------------------------------------------------------------------------
    def put_lead(self, fact: LeadFact) -> None:
        self._replace(
            marketing_leads,
            "lead_id",
            fact.id,
            {
                "lead_id": fact.id,
                "team_id": fact.team_id,
                "sales_line_id": fact.sales_line_id,
                "channel": fact.channel,
                "campaign_id": fact.campaign_id,
                "created_at": fact.created_at,
                "routed_at": fact.routed_at,
                "first_contact_at": fact.first_contact_at,
                "opportunity_id": fact.opportunity_id,
            },
        )

    def put_campaign(self, fact: CampaignFact) -> None:
        self._replace(
            marketing_campaigns,
            "campaign_id",
            fact.id,
            {
                "campaign_id": fact.id,
                "name": fact.name,
                "channel": fact.channel,
                "starts_on": fact.starts_on.isoformat(),
                "ends_on": fact.ends_on.isoformat() if fact.ends_on else None,
                "cost": str(fact.cost),
                "currency": fact.currency,
            },
        )

    def put_account(self, fact: AccountFact) -> None:
        self._replace(
            marketing_accounts,
            "account_id",
            fact.id,
            {
                "account_id": fact.id,
                "team_id": fact.team_id,
                "customer_since": fact.customer_since,
                "churned_at": fact.churned_at,
            },
        )

    def put_won_deal(self, deal_id: str, fact: WonDeal | None) -> None:
        table = marketing_won_deals
        if fact is None:
            self.session.execute(delete(table).where(table.c.deal_id == deal_id))
            return
        self._replace(table, "deal_id", deal_id, _won_row(fact))

    def put_won_deals(self, facts: dict[str, WonDeal | None]) -> None:
        # One DELETE and one multi-row INSERT for a batch of deals.
        if not facts:
            return
        table = marketing_won_deals
        self.session.execute(delete(table).where(table.c.deal_id.in_(list(facts))))
        rows = [_won_row(fact) for fact in facts.values() if fact is not None]
        if rows:
            _WON.execute(self.session, rows)

    def put_new_won_deals(self, facts: Sequence[WonDeal]) -> None:
        if facts:  # COPY on PostgreSQL, a multi-row INSERT elsewhere
            _WON.copy(self.session, [_won_row(f) for f in facts])

    # -- read side -----------------------------------------------------------------------------
    def leads_created(self, team_ids, start: dt.datetime, end: dt.datetime) -> list[LeadFact]:
        t = marketing_leads
        query = select(t).where(t.c.created_at >= start, t.c.created_at < end)
        if team_ids is not None:
            query = query.where(t.c.team_id.in_(sorted(team_ids)))
        return [
            LeadFact(
                id=r.lead_id,
                team_id=r.team_id,
                sales_line_id=r.sales_line_id,
                channel=r.channel,
                campaign_id=r.campaign_id,
                created_at=r.created_at,
                routed_at=r.routed_at,
                first_contact_at=r.first_contact_at,
                opportunity_id=r.opportunity_id,
            )
            for r in self.session.execute(query)
        ]

    def _won(self, query) -> list[WonDeal]:
        return [
            WonDeal(
                id=r.deal_id,
                team_id=r.team_id,
                account_id=r.account_id,
                campaign_id=r.campaign_id,
                originating_lead_id=r.originating_lead_id,
                currency=r.currency,
                revenue=Decimal(r.revenue),
                won_at=r.won_at,
                lines=tuple(ProductLine(p, Decimal(a)) for p, a in json.loads(r.lines)),
                owner_user_id=r.owner_user_id,
                sales_line_id=r.sales_line_id,
            )
            for r in self.session.execute(query)
        ]

    def won_between(self, team_ids, start: dt.datetime, end: dt.datetime) -> list[WonDeal]:
        t = marketing_won_deals
        return self._won(
            select(t).where(
                t.c.team_id.in_(sorted(team_ids)), t.c.won_at >= start, t.c.won_at < end
            )
        )

    def won_deal_ids(self, deal_ids: frozenset[str]) -> frozenset[str]:
        if not deal_ids:
            return frozenset()
        t = marketing_won_deals
        found = self.session.execute(select(t.c.deal_id).where(t.c.deal_id.in_(sorted(deal_ids))))
        return frozenset(found.scalars())

    def campaigns(self) -> list[CampaignFact]:
        t = marketing_campaigns
        return [
            CampaignFact(
                r.campaign_id,
                r.name,
                r.channel,
                dt.date.fromisoformat(r.starts_on),
                dt.date.fromisoformat(r.ends_on) if r.ends_on else None,
                Decimal(r.cost),
                r.currency,
            )
            for r in self.session.execute(select(t))
        ]

    def accounts(self, team_ids: frozenset[str]) -> list[AccountFact]:
        t = marketing_accounts
        query = select(t).where(t.c.team_id.in_(sorted(team_ids)))
        return [
            AccountFact(r.account_id, r.team_id, r.customer_since, r.churned_at)
            for r in self.session.execute(query)
        ]
