"""An in-memory MarketingStore (crm_reporting.service_layer.marketing_ports) beside the sales
fakes of reporting_fakes, and a World whose units of work offer it as ``uow.marketing``."""

from __future__ import annotations

import datetime as dt

from reporting_fakes import FakeReportingUnitOfWork, World

from crm_reporting.domain.marketing.facts import AccountFact, CampaignFact, LeadFact, WonDeal
from crm_reporting.service_layer.marketing_ports import MarketingStore


class MemoryMarketingStore(MarketingStore):
    def __init__(self) -> None:
        self.leads: list[LeadFact] = []
        self.won: list[WonDeal] = []
        self.campaign_facts: list[CampaignFact] = []
        self.account_facts: list[AccountFact] = []

    def leads_created(self, team_ids, start: dt.datetime, end: dt.datetime) -> list[LeadFact]:
        return [
            lead
            for lead in self.leads
            if start <= lead.created_at < end and (team_ids is None or lead.team_id in team_ids)
        ]

    def won_between(self, team_ids, start: dt.datetime, end: dt.datetime) -> list[WonDeal]:
        return [d for d in self.won if d.team_id in team_ids and start <= d.won_at < end]

    def won_deal_ids(self, deal_ids: frozenset[str]) -> frozenset[str]:
        return frozenset(d.id for d in self.won if d.id in deal_ids)

    def campaigns(self) -> list[CampaignFact]:
        return list(self.campaign_facts)

    def accounts(self, team_ids: frozenset[str]) -> list[AccountFact]:
        return [a for a in self.account_facts if a.team_id in team_ids]


class MarketingWorld(World):
    def __init__(self) -> None:
        super().__init__()
        self.marketing = MemoryMarketingStore()
        store = self.marketing

        class Uow(FakeReportingUnitOfWork):
            def __enter__(self) -> Uow:
                super().__enter__()
                self.marketing = store
                return self

        self.deps = self.deps.__class__(
            uow=lambda: Uow(self.state),
            clock=self.clock,
            ids=self.deps.ids,
            scopes=self.scopes,
        )
