"""The port the marketing and customer reports read (``uow.marketing``): the facts of
domain/marketing/facts.py, kept by the worker from leads', campaigns', accounts' and won deals'
events and snapshots (adapters/marketing_store.py)."""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Sequence

from crm_reporting.domain.marketing.facts import AccountFact, CampaignFact, LeadFact, WonDeal


class MarketingStore(abc.ABC):
    # -- write side (the worker and the rebuild: service_layer/marketing_consumption.py) ------
    @abc.abstractmethod
    def put_lead(self, fact: LeadFact) -> None: ...

    @abc.abstractmethod
    def put_campaign(self, fact: CampaignFact) -> None: ...

    @abc.abstractmethod
    def put_account(self, fact: AccountFact) -> None: ...

    @abc.abstractmethod
    def put_won_deal(self, deal_id: str, fact: WonDeal | None) -> None:
        """Stores the deal as won, or (None) forgets it: it is open or lost again."""

    def put_won_deals(self, facts: dict[str, WonDeal | None]) -> None:
        """``put_won_deal`` of each deal id (a batch of deliveries)."""
        for deal_id, fact in facts.items():
            self.put_won_deal(deal_id, fact)

    def put_new_won_deals(self, facts: Sequence[WonDeal]) -> None:
        """Stores won deals not stored yet (the rebuild, after the read models are emptied)."""
        for fact in facts:
            self.put_won_deal(fact.id, fact)

    # -- read side (the reports) ---------------------------------------------------------------
    @abc.abstractmethod
    def leads_created(
        self, team_ids: frozenset[str] | None, start: dt.datetime, end: dt.datetime
    ) -> list[LeadFact]:
        """Leads created in [start, end) routed to one of ``team_ids`` (None: every lead,
        unrouted ones included)."""

    @abc.abstractmethod
    def won_between(
        self, team_ids: frozenset[str], start: dt.datetime, end: dt.datetime
    ) -> list[WonDeal]:
        """Deals won in [start, end) that counted for one of ``team_ids``."""

    @abc.abstractmethod
    def won_deal_ids(self, deal_ids: frozenset[str]) -> frozenset[str]:
        """Those of ``deal_ids`` that are won (whenever)."""

    @abc.abstractmethod
    def campaigns(self) -> list[CampaignFact]: ...

    @abc.abstractmethod
    def accounts(self, team_ids: frozenset[str]) -> list[AccountFact]: ...
