"""An in-memory MarketingStore (crm_reporting.service_layer.marketing_ports) over the fake
unit of work's state (reporting_fakes.State.marketing)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from crm_reporting.domain.marketing.facts import AccountFact, CampaignFact, LeadFact, WonDeal
from crm_reporting.service_layer.marketing_ports import MarketingStore


@dataclass
class MarketingState:
    leads: dict[str, LeadFact] = field(default_factory=dict)
    won: dict[str, WonDeal] = field(default_factory=dict)
    campaigns: dict[str, CampaignFact] = field(default_factory=dict)
    accounts: dict[str, AccountFact] = field(default_factory=dict)

    def clear(self) -> None:
        for facts in (self.leads, self.won, self.campaigns, self.accounts):
            facts.clear()


class MemoryMarketingStore(MarketingStore):
    """Over ``owner.marketing``, looked up at each use: the sales fakes' clear() (a rebuild)
    gives the owner a new, empty MarketingState."""

    def __init__(self, owner) -> None:
        self.owner = owner

    @property
    def state(self) -> MarketingState:
        return self.owner.marketing

    def put_lead(self, fact: LeadFact) -> None:
        self.state.leads[fact.id] = fact

    def put_campaign(self, fact: CampaignFact) -> None:
        self.state.campaigns[fact.id] = fact

    def put_account(self, fact: AccountFact) -> None:
        self.state.accounts[fact.id] = fact

    def put_won_deal(self, deal_id: str, fact: WonDeal | None) -> None:
        if fact is None:
            self.state.won.pop(deal_id, None)
        else:
            self.state.won[deal_id] = fact

    def leads_created(self, team_ids, start: dt.datetime, end: dt.datetime) -> list[LeadFact]:
        return [
            lead
            for lead in self.state.leads.values()
            if start <= lead.created_at < end and (team_ids is None or lead.team_id in team_ids)
        ]

    def won_between(self, team_ids, start: dt.datetime, end: dt.datetime) -> list[WonDeal]:
        return [
            d for d in self.state.won.values() if d.team_id in team_ids and start <= d.won_at < end
        ]

    def won_deal_ids(self, deal_ids: frozenset[str]) -> frozenset[str]:
        return frozenset(d for d in deal_ids if d in self.state.won)

    def campaigns(self) -> list[CampaignFact]:
        return list(self.state.campaigns.values())

    def accounts(self, team_ids: frozenset[str]) -> list[AccountFact]:
        return [a for a in self.state.accounts.values() if a.team_id in team_ids]
