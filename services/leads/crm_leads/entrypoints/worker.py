"""leads' nameko worker (service name "leads").

Event handlers (each exactly-once through the inbox; the use case runs in the handler's own
transaction through ``deps.joined(uow)``, so the inbox row and the change commit together):
- territory lead_routed / lead_unroutable -> apply the routing decision (the event id is the
  decision id: a redelivered or older decision changes nothing);
- territory leads_routed (an import batch's decisions, the bulk lane) -> every decision in the
  handler's one transaction (the batch event id is each decision's id);
- territory membership_changed (ENDED) -> hand the leaver's open leads to remaining members
  through territory's ChooseOwners;
- territory user_access_changed -> the local access replica (chassis mixin);
- deals lead_conversion_completed / lead_conversion_rejected -> the conversion saga;
- deals personal_data_erasure_requested -> erase the person's leads, confirm with
  personal_data_erased (service_layer/privacy.py);
- deals deal_won / deal_lost / deal_reopened -> outcomes of the predictive model;
- leads scoring_model_changed -> a background rescoring job for the line.
Timers:
- dispatch_conversions: send due conversions, time out unanswered attempts;
- sweep_decay: a rescoring job for every line with a model, as engagement points decay;
- rescore: walk the pending rescoring jobs in batches (one transaction each, resumable);
- send_reminders (reminder_scan_seconds): open tasks on open leads due within
  reminder_lead_minutes, marked once per due time with a lead_task_reminder_due event (deals
  notifies the owner in the app and by e-mail).

Each use case runs as a system caller (``Caller.system``) naming the part of the worker that
acts: it is the actor of the lead's history entries and of the events the change emits.

Run: ``python -m crm_chassis.messaging.worker_main leads crm_leads.entrypoints.worker``.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from nameko.timer import timer

from crm.deals.v1 import events_pb2 as deals_events
from crm.leads.v1 import events_pb2 as leads_events
from crm.territory.v1 import events_pb2 as territory_events
from crm_chassis.caller import Caller
from crm_chassis.entrypoints.worker import ServiceDependencies, setting_timer
from crm_chassis.logging import get_logger
from crm_chassis.messaging.batches import idempotent_batch_handler
from crm_chassis.messaging.handlers import idempotent_event_handler
from crm_chassis.scopes.worker import ScopeReplicaHandlers
from crm_chassis.unit_of_work import AbstractUnitOfWork
from crm_leads.adapters import metrics, rescore_jobs
from crm_leads.domain.assignment import RoutingDecision
from crm_leads.entrypoints import settings, wiring
from crm_leads.service_layer import assignment, conversion, interactions, privacy, scoring
from crm_leads.service_layer.dependencies import Dependencies
from crm_leads.service_layer.ports import RescoreJobQueue

log = get_logger("crm_leads.worker")
ENDED = territory_events.CHANGE_KIND_ENDED
# A timer run stops starting new batches after this long, so one tick never starves the others.
TICK_BUDGET_SECONDS = 2.0
# Routing decisions applied per transaction at most (a bulk import fills batches).
ROUTED_BATCH = 250
# leads_routed events per transaction at most: each holds an import batch's decisions (200 by
# default), so a few make a transaction of the size ROUTED_BATCH gives the one-by-one lane.
ROUTED_BATCHES = 4

# The system callers of the use cases (the actor a lead's history and the events record).
ROUTING = Caller.system("territory-routing")  # territory's routing decisions
HANDOVER = Caller.system("team-handover")  # the open leads of a member who left a team
CONVERSION_SAGA = Caller.system("conversion-saga")  # dispatching conversions, deals' answers
RESCORING = Caller.system("rescoring")  # background rescoring (model change, decay)
ERASURE = Caller.system("personal-data-erasure")  # deals' erasure requests
WORKER = Caller.system("leads-worker")  # the rest: outcome learning and reads, nothing recorded


def joined(deps: Dependencies, uow: AbstractUnitOfWork) -> Dependencies:
    """``deps`` for a use case inside the handler's transaction. Without a savepoint: leads'
    unit of work writes at commit (its identity map and deferred inserts), so a SAVEPOINT
    would hold none of the use case's writes; its commit leaves them to the handler's one
    commit, with the inbox rows, and an exception rolls the whole handler back."""
    return deps.joined(uow, savepoint=False)


def _moment(timestamp: Any) -> dt.datetime:
    return timestamp.ToDatetime(tzinfo=dt.UTC)  # type: ignore[no-any-return]


def routing_decision(event: Any, *, routed: bool, meta: Any = None) -> RoutingDecision:
    """The decision of a lead_routed / lead_unroutable event, or of one item of a leads_routed
    batch (``meta``: the batch's, whose event id and time every item shares)."""
    meta = meta if meta is not None else event.meta
    return RoutingDecision(
        decision_id=meta.event_id,
        lead_id=event.lead_id,
        decided_at=_moment(meta.occurred_at),
        sales_line_id=event.sales_line_id,
        team_id=event.team_id if routed else "",
        owner_user_id=event.owner_user_id if routed else "",
        explanation=event.explanation.summary,
        queue_team_id="" if routed else event.queue_team_id,
    )


class LeadsWorker(ScopeReplicaHandlers):
    name = "leads"

    deps = ServiceDependencies(settings.load, wiring.build_dependencies)

    # -- territory ----------------------------------------------------------------------------
    @idempotent_batch_handler(
        "territory", "lead_routed", territory_events.LeadRouted, max_batch=ROUTED_BATCH
    )
    def on_lead_routed(self, batch, uow):
        # One transaction for the waiting decisions (chassis batch handler): one commit per
        # batch, not per lead, so a bulk import's decisions are applied as fast as they come.
        deps = joined(self.deps, uow)
        uow.leads.prefetch([event.lead_id for event in batch])  # one read for the batch
        for event in batch:
            assignment.apply_routing(deps, ROUTING, routing_decision(event, routed=True))

    @idempotent_batch_handler(
        "territory", "leads_routed", territory_events.LeadsRouted, max_batch=ROUTED_BATCHES
    )
    def on_leads_routed(self, batch, uow):
        # The bulk lane: each event is one import batch's decisions; all of the delivery
        # batch's are applied in one transaction with their inbox rows.
        decisions = [
            routing_decision(item, routed=routed, meta=event.meta)
            for event in batch
            for items, routed in ((event.routed, True), (event.unroutable, False))
            for item in items
        ]
        assignment.apply_routings(joined(self.deps, uow), ROUTING, decisions)

    @idempotent_event_handler("territory", "lead_unroutable", territory_events.LeadUnroutable)
    def on_lead_unroutable(self, event, uow):
        assignment.apply_routing(
            joined(self.deps, uow), ROUTING, routing_decision(event, routed=False)
        )

    @idempotent_event_handler("territory", "membership_changed", territory_events.MembershipChanged)
    def on_membership_changed(self, event, uow):
        if event.change != ENDED:
            return
        membership = event.membership
        handed = assignment.hand_over_leads(
            joined(self.deps, uow), HANDOVER, membership.team_id, membership.user_id
        )
        for owner in handed.values():
            metrics.HANDED_OVER.labels("owner" if owner else "unowned").inc()
        if handed:
            log.info(
                "leads_handed_over",
                team_id=membership.team_id,
                leaving_user_id=membership.user_id,
                leads=len(handed),
            )

    # -- deals --------------------------------------------------------------------------------
    @idempotent_event_handler(
        "deals", "lead_conversion_completed", deals_events.LeadConversionCompleted
    )
    def on_lead_conversion_completed(self, event, uow):
        conversion.conversion_completed(
            joined(self.deps, uow),
            CONVERSION_SAGA,
            event.conversion_id,
            account_id=event.account_id,
            contact_id=event.contact_id,
            opportunity_id=event.opportunity_id,
        )

    @idempotent_event_handler(
        "deals", "lead_conversion_rejected", deals_events.LeadConversionRejected
    )
    def on_lead_conversion_rejected(self, event, uow):
        conversion.conversion_failed(
            joined(self.deps, uow),
            CONVERSION_SAGA,
            event.conversion_id,
            error=event.reason,
            permanent=not event.retryable,
        )

    @idempotent_event_handler(
        "deals", "personal_data_erasure_requested", deals_events.PersonalDataErasureRequested
    )
    def on_personal_data_erasure_requested(self, event, uow):
        erased = privacy.erase_person(
            joined(self.deps, uow), ERASURE, request_id=event.request_id, email=event.email
        )
        log.info("personal_data_erased", request_id=event.request_id, erased=erased)

    @idempotent_event_handler("deals", "deal_won", deals_events.DealWon)
    def on_deal_won(self, event, uow):
        if event.deal.originating_lead_id:
            scoring.record_outcome(
                joined(self.deps, uow), WORKER, event.deal.originating_lead_id, True
            )

    @idempotent_event_handler("deals", "deal_lost", deals_events.DealLost)
    def on_deal_lost(self, event, uow):
        if event.deal.originating_lead_id:
            scoring.record_outcome(
                joined(self.deps, uow), WORKER, event.deal.originating_lead_id, False
            )

    @idempotent_event_handler("deals", "deal_reopened", deals_events.DealReopened)
    def on_deal_reopened(self, event, uow):
        if event.deal.originating_lead_id:
            scoring.forget_outcome(joined(self.deps, uow), WORKER, event.deal.originating_lead_id)

    # -- own events ---------------------------------------------------------------------------
    @idempotent_event_handler("leads", "scoring_model_changed", leads_events.ScoringModelChanged)
    def on_scoring_model_changed(self, event, uow):
        rescore_jobs.request(
            uow.session,
            event.model.sales_line_id,
            rescore_jobs.MODEL_CHANGED,
            self.deps.clock.now(),
        )

    # -- timers -------------------------------------------------------------------------------
    @setting_timer(settings.load, "conversion_dispatch_seconds")
    def dispatch_conversions(self):
        send_due_conversions(self.deps, self.deps.conversion_dispatch_batch)

    @setting_timer(settings.load, "decay_sweep_seconds")
    def sweep_decay(self):
        for line in scoring.lines_with_models(self.deps, WORKER):
            self.deps.rescore_jobs.request(line, rescore_jobs.DECAY, self.deps.clock.now())

    @setting_timer(settings.load, "reminder_scan_seconds")
    def send_reminders(self):
        count = interactions.send_lead_task_reminders(
            self.deps, WORKER, lead=self.deps.reminder_lead
        )
        if count:
            log.info("lead_task_reminders_sent", tasks=count)

    @timer(interval=1.0)
    def rescore(self):
        run_rescore_jobs(self.deps, self.deps.rescore_jobs, self.deps.rescore_batch_size)


def send_due_conversions(deps: Dependencies, batch: int) -> int:
    touched, started = 0, time.monotonic()
    while time.monotonic() - started < TICK_BUDGET_SECONDS:
        count = conversion.dispatch_due_conversions(deps, CONVERSION_SAGA, batch)
        touched += count
        metrics.CONVERSIONS_DISPATCHED.inc(count)
        if count < batch:
            break
    return touched


def run_rescore_jobs(deps: Dependencies, jobs: RescoreJobQueue, batch: int) -> int:
    """Walk pending jobs batch by batch within one tick's budget; returns leads changed."""
    changed_total, started = 0, time.monotonic()
    pending = jobs.pending()
    metrics.RESCORE_JOBS.set(len(pending))
    for job in pending:
        after = job.after_id
        while time.monotonic() - started < TICK_BUDGET_SECONDS:
            changed, after = scoring.rescore_batch(deps, RESCORING, job.sales_line_id, after, batch)
            changed_total += changed
            metrics.RESCORED.labels(job.reason).inc(changed)
            if not jobs.advance(job, after, changed) or not after:
                break
        else:
            break
    return changed_total
