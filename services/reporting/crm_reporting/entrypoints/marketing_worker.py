"""The worker's handlers of the marketing and customer KPIs' events, a mixin of
``worker.ReportingWorker``: leads' lead and campaign events (and their backfill snapshots),
deals' account events (and account_snapshot). Each goes through the same path as every other
consumed event (``ReportingWorker._record``: the event store, then the aggregate's read models
derived again, in the delivery's transaction with its inbox row)."""

from __future__ import annotations

from typing import Any

from crm.deals.v1 import events_pb2 as deals_events
from crm.leads.v1 import events_pb2 as leads_events
from crm_chassis.messaging.handlers import idempotent_event_handler
from crm_reporting.adapters.marketing_translation import assigned_of_batch, created_of_batch


class MarketingHandlers:
    """Every handler calls ``self._record``, which ReportingWorker defines."""

    _record: Any

    # -- leads ---------------------------------------------------------------------------------
    @idempotent_event_handler("leads", "lead_created", leads_events.LeadCreated)
    def on_lead_created(self, event: Any, uow: Any) -> None:
        self._record("leads", event, uow)

    @idempotent_event_handler("leads", "leads_captured", leads_events.LeadsCaptured)
    def on_leads_captured(self, event: Any, uow: Any) -> None:
        # An import batch (leads' bulk lane): each lead recorded as its lead_created would be,
        # all in this delivery's one transaction.
        for created in created_of_batch(event):
            self._record("leads", created, uow)

    @idempotent_event_handler("leads", "lead_updated", leads_events.LeadUpdated)
    def on_lead_updated(self, event: Any, uow: Any) -> None:
        self._record("leads", event, uow)

    @idempotent_event_handler("leads", "lead_assigned", leads_events.LeadAssigned)
    def on_lead_assigned(self, event: Any, uow: Any) -> None:
        self._record("leads", event, uow)

    @idempotent_event_handler("leads", "leads_assigned", leads_events.LeadsAssigned)
    def on_leads_assigned(self, event: Any, uow: Any) -> None:
        # An applied routing batch (leads' bulk lane): each assignment recorded as its
        # lead_assigned would be, all in this delivery's one transaction.
        for assigned in assigned_of_batch(event):
            self._record("leads", assigned, uow)

    @idempotent_event_handler("leads", "lead_status_changed", leads_events.LeadStatusChanged)
    def on_lead_status_changed(self, event: Any, uow: Any) -> None:
        self._record("leads", event, uow)

    @idempotent_event_handler("leads", "lead_converted", leads_events.LeadConverted)
    def on_lead_converted(self, event: Any, uow: Any) -> None:
        self._record("leads", event, uow)

    @idempotent_event_handler("leads", "lead_snapshot", leads_events.LeadSnapshot)
    def on_lead_snapshot(self, event: Any, uow: Any) -> None:
        self._record("leads", event, uow)

    @idempotent_event_handler("leads", "campaign_created", leads_events.CampaignCreated)
    def on_campaign_created(self, event: Any, uow: Any) -> None:
        self._record("leads", event, uow)

    @idempotent_event_handler("leads", "campaign_updated", leads_events.CampaignUpdated)
    def on_campaign_updated(self, event: Any, uow: Any) -> None:
        self._record("leads", event, uow)

    @idempotent_event_handler("leads", "campaign_snapshot", leads_events.CampaignSnapshot)
    def on_campaign_snapshot(self, event: Any, uow: Any) -> None:
        self._record("leads", event, uow)

    # -- deals' accounts -----------------------------------------------------------------------
    @idempotent_event_handler("deals", "account_created", deals_events.AccountCreated)
    def on_account_created(self, event: Any, uow: Any) -> None:
        self._record("deals", event, uow)

    @idempotent_event_handler("deals", "account_updated", deals_events.AccountUpdated)
    def on_account_updated(self, event: Any, uow: Any) -> None:
        self._record("deals", event, uow)

    @idempotent_event_handler(
        "deals", "account_relationship_changed", deals_events.AccountRelationshipChanged
    )
    def on_account_relationship_changed(self, event: Any, uow: Any) -> None:
        self._record("deals", event, uow)

    @idempotent_event_handler("deals", "account_snapshot", deals_events.AccountSnapshot)
    def on_account_snapshot(self, event: Any, uow: Any) -> None:
        self._record("deals", event, uow)
