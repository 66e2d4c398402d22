"""territory's nameko worker (service name "territory").

Subscriptions (each an idempotent handler: inbox row + effect in one transaction, so a
redelivered event changes nothing):
- identity's user events (created, updated, deactivated, reactivated, departments changed) keep
  territory's copy of each person current (``people.record_user``); a deactivation, or losing
  every department, publishes ``user_access_changed`` with empty scopes at once;
- leads' ``lead_created`` is routed (``routing.route_leads``): ``lead_routed`` or
  ``lead_unroutable`` is written to the outbox with the decision; a lead is decided once,
  however often its event arrives;
- leads' ``leads_captured`` (an import batch, the bulk lane) is routed the same way and answered
  with one ``leads_routed`` per batch;
- leads' ``lead_assigned`` with an owner (a hand assignment) takes the lead out of the
  unassigned queue; ``leads_assigned`` (the assignments of an applied ``leads_routed``, the bulk
  lane) is taken item by item the same way;
- workload: leads' ``lead_assigned`` and ``leads_assigned``, ``lead_status_changed``, ``lead_merged`` and deals'
  ``deal_created``, ``deal_updated``, ``deal_won``, ``deal_lost``, ``deal_reopened``,
  ``deal_transferred`` update territory's copy of the item and move its owner's open-item
  count in the team ledger (``workload.apply_item_facts``).
A timer refreshes the ``territory_unassigned_leads`` gauge.

Run: ``python -m crm_chassis.messaging.worker_main territory crm_territory.entrypoints.worker``.
"""

from __future__ import annotations

from nameko.timer import timer

from crm.deals.v1 import events_pb2 as deals_events
from crm.identity.v1 import events_pb2 as identity_events
from crm.leads.v1 import events_pb2 as leads_events
from crm_chassis.entrypoints.worker import ServiceDependencies
from crm_chassis.logging import get_logger
from crm_chassis.messaging.batches import idempotent_batch_handler
from crm_chassis.messaging.handlers import idempotent_event_handler
from crm_territory.adapters.identity_directory import from_snapshot
from crm_territory.adapters.lead_events import lead_facts
from crm_territory.adapters.metrics import PrometheusRoutingMetrics
from crm_territory.adapters.workload_events import (
    deal_facts,
    lead_assigned_facts,
    lead_merged_facts,
    lead_status_facts,
)
from crm_territory.entrypoints import settings, wiring
from crm_territory.service_layer import people, routing, workload
from crm_territory.service_layer.caller import Caller

log = get_logger("crm_territory.worker")
# The worker's caller (Caller.system: the actor of the events it publishes); routing decisions
# name the router (lead_routed, lead_unroutable).
WORKER = Caller.system("territory-worker")
ROUTER = Caller.system("territory-router")
QUEUE_GAUGE_SECONDS = 15.0
# Leads routed per transaction at most (a bulk import fills batches; a lone lead is not delayed).
LEAD_BATCH = 500
# leads_captured events per transaction at most: each holds an import batch (200 leads by
# default), so a few make a transaction of about LEAD_BATCH leads.
CAPTURED_BATCHES = 3


class TerritoryWorker:
    name = settings.SERVICE_NAME

    # One set of dependencies (one engine, one organisation cache) per worker process, built
    # from the settings at setup; the handlers' units of work come from ``deps.uow``.
    deps = ServiceDependencies(settings.load, wiring.build_dependencies)

    # ------------------------------------------------------------------ identity's users
    def _record_user(self, event, uow) -> None:
        published = people.record_user(
            self.deps.joined(uow), WORKER, user=from_snapshot(event.user)
        )
        if published:
            log.info("user_access_changed", user_id=event.user.id, cause=event.meta.event_type)

    @idempotent_event_handler("identity", "user_created", identity_events.UserCreated)
    def on_user_created(self, event, uow):
        self._record_user(event, uow)

    @idempotent_event_handler("identity", "user_updated", identity_events.UserUpdated)
    def on_user_updated(self, event, uow):
        self._record_user(event, uow)

    @idempotent_event_handler("identity", "user_deactivated", identity_events.UserDeactivated)
    def on_user_deactivated(self, event, uow):
        self._record_user(event, uow)

    @idempotent_event_handler("identity", "user_reactivated", identity_events.UserReactivated)
    def on_user_reactivated(self, event, uow):
        self._record_user(event, uow)

    @idempotent_event_handler(
        "identity", "user_departments_changed", identity_events.UserDepartmentsChanged
    )
    def on_user_departments_changed(self, event, uow):
        self._record_user(event, uow)

    # ------------------------------------------------------------------ leads
    @idempotent_batch_handler(
        "leads", "lead_created", leads_events.LeadCreated, max_batch=LEAD_BATCH
    )
    def on_lead_created(self, batch, uow):
        # The waiting deliveries in one transaction (the chassis batch handler): the decisions,
        # their events and the batch's inbox rows commit together, one commit per batch instead
        # of one per lead — a bulk import arrives as thousands of lead_created at once.
        # A routed lead counts as its owner's open item from here (routing records it).
        routing.route_leads(
            self.deps.joined(uow),
            ROUTER,
            leads=[lead_facts(event.lead, event.meta.aggregate_version) for event in batch],
        )

    @idempotent_batch_handler(
        "leads", "leads_captured", leads_events.LeadsCaptured, max_batch=CAPTURED_BATCHES
    )
    def on_leads_captured(self, batch, uow):
        # The bulk lane: each event is one import batch of leads; each is routed and answered
        # with one leads_routed, all of the delivery batch's in this one transaction.
        for event in batch:
            routing.route_leads(
                self.deps.joined(uow),
                ROUTER,
                leads=[lead_facts(lead, lead.version) for lead in event.leads],
                batch_id=event.meta.event_id,
            )

    @idempotent_batch_handler(
        "leads", "lead_assigned", leads_events.LeadAssigned, max_batch=LEAD_BATCH
    )
    def on_lead_assigned(self, batch, uow):
        # Batched like lead_created: many waiting assignments in one transaction.
        self._assigned(batch, uow)

    @idempotent_batch_handler(
        "leads", "leads_assigned", leads_events.LeadsAssigned, max_batch=CAPTURED_BATCHES
    )
    def on_leads_assigned(self, batch, uow):
        # The bulk lane: leads applied a leads_routed batch and announces its assignments in
        # one event; each item is that lead's lead_assigned (its meta names lead and version).
        self._assigned([item for event in batch for item in event.assigned], uow)

    def _assigned(self, assigned, uow) -> None:
        # Only a person taking the lead ends its wait; an assignment to the queue team itself
        # (leads applying lead_unroutable) leaves it queued. One transaction: inbox rows,
        # queue, workload.
        taken = [event.lead_id for event in assigned if event.assignment.owner_user_id]
        routing.take_out_of_queue(self.deps.joined(uow), WORKER, lead_ids=taken)
        workload.apply_item_facts(
            self.deps.joined(uow),
            WORKER,
            facts=[fact for event in assigned for fact in lead_assigned_facts(event)],
        )

    @idempotent_event_handler("leads", "lead_status_changed", leads_events.LeadStatusChanged)
    def on_lead_status_changed(self, event, uow):
        workload.apply_item_facts(self.deps.joined(uow), WORKER, facts=lead_status_facts(event))

    @idempotent_event_handler("leads", "lead_merged", leads_events.LeadMerged)
    def on_lead_merged(self, event, uow):
        workload.apply_item_facts(self.deps.joined(uow), WORKER, facts=lead_merged_facts(event))

    # ------------------------------------------------------------------ deals (workload)
    @idempotent_event_handler("deals", "deal_created", deals_events.DealCreated)
    def on_deal_created(self, event, uow):
        workload.apply_item_facts(self.deps.joined(uow), WORKER, facts=deal_facts(event))

    @idempotent_event_handler("deals", "deal_updated", deals_events.DealUpdated)
    def on_deal_updated(self, event, uow):
        workload.apply_item_facts(self.deps.joined(uow), WORKER, facts=deal_facts(event))

    @idempotent_event_handler("deals", "deal_won", deals_events.DealWon)
    def on_deal_won(self, event, uow):
        workload.apply_item_facts(self.deps.joined(uow), WORKER, facts=deal_facts(event))

    @idempotent_event_handler("deals", "deal_lost", deals_events.DealLost)
    def on_deal_lost(self, event, uow):
        workload.apply_item_facts(self.deps.joined(uow), WORKER, facts=deal_facts(event))

    @idempotent_event_handler("deals", "deal_reopened", deals_events.DealReopened)
    def on_deal_reopened(self, event, uow):
        workload.apply_item_facts(self.deps.joined(uow), WORKER, facts=deal_facts(event))

    @idempotent_event_handler("deals", "deal_transferred", deals_events.DealTransferred)
    def on_deal_transferred(self, event, uow):
        workload.apply_item_facts(self.deps.joined(uow), WORKER, facts=deal_facts(event))

    # ------------------------------------------------------------------ metrics
    @timer(interval=QUEUE_GAUGE_SECONDS, eager=True)
    def refresh_unassigned_gauge(self):
        with self.deps.uow() as uow:
            PrometheusRoutingMetrics.set_unassigned(uow.decisions.queued_count())
