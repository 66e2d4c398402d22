"""deals' nameko worker (service name "deals").

Event handlers (each exactly once through the inbox; a use case runs in a SAVEPOINT of the
handler's transaction, so its change, its events and the inbox row commit together):
- leads lead_conversion_requested -> account + contact + deal (with the lead's interactions
  copied to the contact and the deal), idempotent by conversion id;
  answers lead_conversion_completed / lead_conversion_rejected through the outbox;
- leads lead_task_reminder_due -> the owner of a task on an unconverted lead reminded in the app
  and by e-mail, once per due time (service_layer/tasks.py remind_lead_task);
- leads / reporting personal_data_erased -> that service's confirmation of an erasure request
  (service_layer/privacy.py);
- territory membership_changed (ENDED) -> the leaver's open deals to the remaining members
  (territory's ChooseOwners, the team's strategy);
- territory user_access_changed -> the local access replica (chassis mixin);
- territory sales_line_changed -> deals' copy of the line (a pipeline needs a known line);
- territory territory_rules_changed -> deals' copy of the territory's pipeline choice (the
  pipeline its team's deals of its line go into; service_layer/pipeline_choice.py);
- identity user_created / user_updated / user_deactivated / user_reactivated -> the address copy
  automation e-mails are sent to;
- deals' own automation_{email,webhook,notification}_requested and customer_email_requested ->
  a delivery row per command (idempotency key), sent by the delivery timer.
Timers:
- send_deliveries (delivery_poll_seconds): due deliveries, new ones and retries after backoff;
- scan_stalled (stalled_scan_seconds): fire `stalled` rules once per stalled episode;
- churn_rule (churn_rule_seconds): customers without a win for a year and no open deal churn;
- send_reminders (reminder_scan_seconds): tasks due within reminder_lead_minutes, reminded once
  per due time in the app and by e-mail (commands through the outbox, delivered once by key).

The worker's dependencies (``deps``, :class:`crm_deals.entrypoints.wiring.WorkerDependencies`)
are built from the settings when the worker starts and closed when it stops; the timers read their
intervals from the settings at start too (nothing is read at import). Handlers and timers act as
``Caller.system("deals-worker")``.

Run: ``python -m crm_chassis.messaging.worker_main deals crm_deals.entrypoints.worker``.
"""

from __future__ import annotations

import datetime as dt

from crm.deals.v1 import events_pb2 as deals_events
from crm.identity.v1 import events_pb2 as identity_events
from crm.leads.v1 import events_pb2 as leads_events
from crm.leads.v1 import interactions_pb2 as leads_interactions
from crm.reporting.v1 import events_pb2 as reporting_events
from crm.territory.v1 import events_pb2 as territory_events
from crm_chassis.entrypoints.worker import ServiceDependencies, setting_timer
from crm_chassis.errors import CrmError
from crm_chassis.logging import get_logger
from crm_chassis.messaging.handlers import idempotent_event_handler
from crm_chassis.scopes.worker import ScopeReplicaHandlers
from crm_chassis.wire.enums import word_of
from crm_deals.adapters import grpc_mapping, metrics
from crm_deals.adapters.automation_delivery import AutomationDelivery
from crm_deals.adapters.territory_client import sales_line_from, territory_pipeline_from
from crm_deals.adapters.user_directory import apply_user_snapshot
from crm_deals.entrypoints import settings, wiring
from crm_deals.service_layer import (
    accounts,
    automations,
    contracts,
    conversions,
    event_messages,
    privacy,
    tasks,
    transfers,
)
from crm_deals.service_layer.access import Caller
from crm_deals.service_layer.conversion_interactions import LeadInteraction
from crm_deals.service_layer.pipeline_choice import (
    line_pipeline_unknown,
    record_territory_pipeline,
)
from crm_deals.service_layer.sales_lines import record_sales_line

log = get_logger("crm_deals.worker")
ENDED = territory_events.CHANGE_KIND_ENDED
WORKER = Caller.system("deals-worker")


def _timestamp(value) -> dt.datetime:
    return value.ToDatetime(tzinfo=dt.UTC)


def _interaction(item) -> LeadInteraction:
    """A lead's interaction (crm.leads.v1.LeadInteraction) as the conversion copies it."""
    return LeadInteraction(
        id=item.id,
        kind=word_of(leads_interactions.InteractionKind, item.kind, "interactions.kind"),
        subject=item.subject,
        body=item.body,
        direction=item.direction,
        outcome=item.outcome,
        duration_minutes=item.duration_minutes,
        logged_by=item.logged_by,
        owner_user_id=item.owner_user_id,
        occurred_at=_timestamp(item.occurred_at),
        created_at=_timestamp(item.created_at),
        due_at=_timestamp(item.due_at) if item.HasField("due_at") else None,
        done_at=_timestamp(item.done_at) if item.HasField("done_at") else None,
    )


def lead_conversion(
    event: leads_events.LeadConversionRequested, default_currency: str
) -> conversions.LeadConversion:
    """The conversion asked for, from the lead's snapshot (``default_currency`` when the lead
    names no amount). Raises CrmError on invalid data."""
    lead, conversion = event.lead, event.conversion
    person, company = lead.data.person, lead.data.company
    amount = None
    if conversion.HasField("expected_amount") and conversion.expected_amount.amount:
        amount = grpc_mapping.money(conversion.expected_amount, "expected_amount")
    return conversions.LeadConversion(
        conversion_id=conversion.conversion_id,
        lead_id=lead.id,
        team_id=lead.assignment.team_id,
        owner_user_id=lead.assignment.owner_user_id,
        sales_line_id=lead.data.sales_line_id,
        company_name=company.name,
        first_name=person.first_name,
        last_name=person.last_name,
        email=person.email,
        phone=person.phone,
        job_title=person.title,
        link_account_id=conversion.link_account_id,
        opportunity_name=conversion.opportunity_name,
        expected_amount=amount,
        expected_close=(
            _timestamp(conversion.expected_close).date()
            if conversion.HasField("expected_close")
            else None
        ),
        campaign_id=lead.data.source.campaign_id,
        currency=amount.currency if amount else default_currency,
        interactions=tuple(_interaction(item) for item in event.interactions),
    )


class DealsWorker(ScopeReplicaHandlers):
    name = "deals"

    deps = ServiceDependencies(settings.load, wiring.build_worker_dependencies)

    # -- leads --------------------------------------------------------------------------------
    @idempotent_event_handler(
        "leads", "lead_conversion_requested", leads_events.LeadConversionRequested
    )
    def on_lead_conversion_requested(self, event, uow):
        try:
            request = lead_conversion(event, self.deps.settings.default_conversion_currency)
        except CrmError as exc:
            uow.emit(
                "lead_conversion_rejected",
                event_messages.lead_conversion_rejected(
                    conversion_id=event.conversion.conversion_id,
                    lead_id=event.lead.id,
                    reason=exc.message,
                    retryable=False,
                ),
                aggregate_type="lead_conversion",
                aggregate_id=event.conversion.conversion_id,
                aggregate_version=1,
            )
            metrics.CONVERSIONS.labels("rejected").inc()
            return
        done = conversions.convert_lead(self.deps.joined(uow), WORKER, request)
        metrics.CONVERSIONS.labels("completed" if done else "rejected").inc()
        log.info(
            "lead_conversion_handled",
            conversion_id=request.conversion_id,
            lead_id=request.lead_id,
            completed=done is not None,
        )

    @idempotent_event_handler("leads", "lead_task_reminder_due", leads_events.LeadTaskReminderDue)
    def on_lead_task_reminder_due(self, event, uow):
        task = event.task
        tasks.remind_lead_task(
            uow,
            WORKER,
            task_id=task.id,
            lead_id=task.lead_id,
            lead_version=event.meta.aggregate_version,
            team_id=event.team_id,
            owner_user_id=task.owner_user_id,
            subject=task.subject,
            due_at=task.due_at.ToDatetime(tzinfo=dt.UTC),
            lead_name=event.lead_name,
        )

    @idempotent_event_handler("leads", "personal_data_erased", leads_events.PersonalDataErased)
    def on_personal_data_erased(self, event, uow):
        self._erasure_confirmed("leads", event, uow)

    @idempotent_event_handler(
        "reporting", "personal_data_erased", reporting_events.PersonalDataErased
    )
    def on_reporting_personal_data_erased(self, event, uow):
        self._erasure_confirmed("reporting", event, uow)

    def _erasure_confirmed(self, service, event, uow):
        request = privacy.on_erased(
            uow,
            self.deps,
            service=service,
            request_id=event.request_id,
            erased=dict(event.erased),
        )
        log.info(
            "personal_data_erasure_confirmed",
            request_id=event.request_id,
            service=service,
            state=request.state if request else "unknown request",
        )

    # -- territory ----------------------------------------------------------------------------
    @idempotent_event_handler("territory", "membership_changed", territory_events.MembershipChanged)
    def on_membership_changed(self, event, uow):
        if event.change != ENDED:
            return
        membership = event.membership
        result = transfers.hand_over_open_deals(
            self.deps.joined(uow),
            WORKER,
            team_id=membership.team_id,
            leaving_user_id=membership.user_id,
            reason=membership.end_reason,
        )
        metrics.HANDED_OVER.labels("owner").inc(len(result.assignments))
        metrics.HANDED_OVER.labels("unassigned").inc(len(result.unassigned))
        if result.assignments or result.unassigned:
            log.info(
                "deals_handed_over",
                team_id=membership.team_id,
                leaving_user_id=membership.user_id,
                assigned=len(result.assignments),
                unassigned=result.unassigned,
            )

    @idempotent_event_handler("territory", "sales_line_changed", territory_events.SalesLineChanged)
    def on_sales_line_changed(self, event, uow):
        line = sales_line_from(event.sales_line)
        record_sales_line(self.deps.joined(uow), WORKER, line)
        if line_pipeline_unknown(uow, line):
            # A free reference before deals read it: flagged, the line's default pipeline is used.
            log.warning(
                "sales_line_pipeline_unknown",
                sales_line_id=line.id,
                pipeline_id=line.pipeline_id,
                outcome="the line's default pipeline is used",
            )

    @idempotent_event_handler(
        "territory", "territory_rules_changed", territory_events.TerritoryRulesChanged
    )
    def on_territory_rules_changed(self, event, uow):
        """Keeps the territory's pipeline choice; a choice deals cannot follow (an unknown
        pipeline, one of another line) is recorded anyway and logged: the event cannot be
        refused, and the deals of the territory's team on its line are refused saying why
        until it is fixed."""
        territory = territory_pipeline_from(event.territory)
        problem = record_territory_pipeline(self.deps.joined(uow), WORKER, territory)
        if problem:
            log.warning(
                "territory_pipeline_refused",
                territory_id=territory.territory_id,
                pipeline_id=territory.pipeline_id,
                problem=problem,
            )

    # -- identity -----------------------------------------------------------------------------
    @idempotent_event_handler("identity", "user_created", identity_events.UserCreated)
    def on_user_created(self, event, uow):
        apply_user_snapshot(uow.session, event.user)

    @idempotent_event_handler("identity", "user_updated", identity_events.UserUpdated)
    def on_user_updated(self, event, uow):
        apply_user_snapshot(uow.session, event.user)

    @idempotent_event_handler("identity", "user_deactivated", identity_events.UserDeactivated)
    def on_user_deactivated(self, event, uow):
        apply_user_snapshot(uow.session, event.user)

    @idempotent_event_handler("identity", "user_reactivated", identity_events.UserReactivated)
    def on_user_reactivated(self, event, uow):
        apply_user_snapshot(uow.session, event.user)

    # -- own automation commands ----------------------------------------------------------------
    @idempotent_event_handler(
        "deals", "automation_email_requested", deals_events.AutomationEmailRequested
    )
    def on_automation_email_requested(self, event, uow):
        AutomationDelivery.record_command(uow, self.deps, "automation_email_requested", event)

    @idempotent_event_handler(
        "deals", "automation_webhook_requested", deals_events.AutomationWebhookRequested
    )
    def on_automation_webhook_requested(self, event, uow):
        AutomationDelivery.record_command(uow, self.deps, "automation_webhook_requested", event)

    @idempotent_event_handler(
        "deals", "customer_email_requested", deals_events.CustomerEmailRequested
    )
    def on_customer_email_requested(self, event, uow):
        AutomationDelivery.record_command(uow, self.deps, "customer_email_requested", event)

    @idempotent_event_handler(
        "deals", "automation_notification_requested", deals_events.AutomationNotificationRequested
    )
    def on_automation_notification_requested(self, event, uow):
        AutomationDelivery.record_command(
            uow, self.deps, "automation_notification_requested", event
        )

    # -- timers -------------------------------------------------------------------------------
    @setting_timer(settings.load, "delivery_poll_seconds")
    def send_deliveries(self):
        self.deps.delivery.send_due(self.deps.settings.delivery_batch_size)

    @setting_timer(settings.load, "stalled_scan_seconds")
    def scan_stalled(self):
        emitted = automations.scan_stalled_deals(self.deps, WORKER)
        if emitted:
            log.info("stalled_deal_automations_fired", commands=emitted)

    @setting_timer(settings.load, "reminder_scan_seconds")
    def send_reminders(self):
        lead = dt.timedelta(minutes=self.deps.settings.reminder_lead_minutes)
        reminded = tasks.send_task_reminders(self.deps, WORKER, lead=lead)
        if reminded:
            log.info("task_reminders_sent", tasks=reminded)

    @setting_timer(settings.load, "churn_rule_seconds")
    def churn_rule(self):
        churned = accounts.apply_churn_rule(self.deps, WORKER)
        if churned:
            log.info("accounts_churned_by_rule", accounts=len(churned))

    @setting_timer(settings.load, "renewal_scan_seconds")
    def open_contract_renewals(self):
        opened, refused = contracts.open_due_renewals(self.deps, WORKER)
        if opened:
            log.info("contract_renewals_opened", opportunities=opened)
        for contract_id, reason in refused.items():
            log.warning("contract_renewal_refused", contract_id=contract_id, reason=reason)
