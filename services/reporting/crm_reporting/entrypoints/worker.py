"""reporting's nameko worker (service name "reporting").

Event handlers (each exactly once through the inbox; the use case runs in a SAVEPOINT of the
handler's transaction, so the stored event, the read model and the inbox row commit together):
- deals deal_created / deal_updated / deal_stage_changed / deal_won / deal_lost /
  deal_reopened / deal_transferred / deal_snapshot -> batch handlers (crm_chassis.messaging.
  batches: a batch of deliveries in one transaction with its inbox rows; a failing batch is
  handled again event by event, so a poison event is dead-lettered alone) -> the event store,
  then each deal's fact moved by its new events (service_layer/deal_batches.py);
- deals activity_logged / activity_updated -> the activity (leaderboard: activities done, tasks
  completed on time);
- deals personal_data_erasure_requested -> the person tombstoned in the event store and
  reporting's confirmation ``personal_data_erased`` emitted (service_layer/privacy.py);
- deals pipeline_created / pipeline_revised -> the pipeline's stages;
- territory org_unit_changed / team_changed -> the organisation tree (unit scopes);
- territory targets_changed -> the targets of a line and period;
- territory user_access_changed -> the local access replica (chassis mixin);
- catalog exchange_rate_set, exchange_rate_snapshot (backfill) -> the event store, then the
  rate of its pair and date (the reports in a reporting currency, service_layer/conversion.py).
Timer: business_metrics (business_metrics_seconds) refreshes the company-level gauges and the
rebuild's outcome gauges.

Run: ``python -m crm_chassis.messaging.worker_main reporting crm_reporting.entrypoints.worker``.
"""

from __future__ import annotations

from typing import Any

from crm.catalog.v1 import exchange_rates_pb2 as catalog_rates
from crm.deals.v1 import events_pb2 as deals_events
from crm.territory.v1 import events_pb2 as territory_events
from crm_chassis.caller import Caller
from crm_chassis.entrypoints.worker import ServiceDependencies, setting_timer
from crm_chassis.logging import get_logger
from crm_chassis.messaging.batches import idempotent_batch_handler
from crm_chassis.messaging.handlers import idempotent_event_handler
from crm_chassis.scopes.worker import ScopeReplicaHandlers
from crm_reporting.adapters import event_translation, metrics
from crm_reporting.entrypoints import settings, wiring
from crm_reporting.entrypoints.marketing_worker import MarketingHandlers
from crm_reporting.service_layer import business, consumption, privacy

WORKER = Caller.system("reporting-worker")
# Deliveries per transaction of a deal event handler: batches fill by themselves only under load
# (a lone event is handled at once), and a batch of 100 takes a fraction of a second.
DEAL_BATCH = 100
log = get_logger("crm_reporting.worker")


class ReportingWorker(ScopeReplicaHandlers, MarketingHandlers):
    name = "reporting"

    deps = ServiceDependencies(settings.load, wiring.build_dependencies)

    def _record(self, source: str, event: Any, uow: Any) -> None:
        recorded = event_translation.recorded(source, event)
        result = consumption.record_event(self.deps.joined(uow), WORKER, event=recorded)
        if result.stored:  # the lag ends when the reports can see the event: at the commit
            metrics.observe_at_commit(
                uow.session, source, recorded.event_type, recorded.occurred_at
            )

    def _record_batch(self, source: str, events: list[Any], uow: Any) -> None:
        recorded = [event_translation.recorded(source, event) for event in events]
        results = consumption.record_events(self.deps.joined(uow), WORKER, events=recorded)
        metrics.observe_all_at_commit(
            uow.session,
            source,
            [
                (event.event_type, event.occurred_at)
                for event, result in zip(recorded, results, strict=True)
                if result.stored
            ],
        )

    # -- deals: batches of deliveries (most of the events reporting consumes) ------------------
    @idempotent_batch_handler(
        "deals", "deal_created", deals_events.DealCreated, max_batch=DEAL_BATCH
    )
    def on_deal_created(self, events: list[Any], uow: Any) -> None:
        self._record_batch("deals", events, uow)

    @idempotent_batch_handler(
        "deals", "deal_updated", deals_events.DealUpdated, max_batch=DEAL_BATCH
    )
    def on_deal_updated(self, events: list[Any], uow: Any) -> None:
        self._record_batch("deals", events, uow)

    @idempotent_batch_handler(
        "deals", "deal_stage_changed", deals_events.DealStageChanged, max_batch=DEAL_BATCH
    )
    def on_deal_stage_changed(self, events: list[Any], uow: Any) -> None:
        self._record_batch("deals", events, uow)

    @idempotent_batch_handler("deals", "deal_won", deals_events.DealWon, max_batch=DEAL_BATCH)
    def on_deal_won(self, events: list[Any], uow: Any) -> None:
        self._record_batch("deals", events, uow)

    @idempotent_batch_handler("deals", "deal_lost", deals_events.DealLost, max_batch=DEAL_BATCH)
    def on_deal_lost(self, events: list[Any], uow: Any) -> None:
        self._record_batch("deals", events, uow)

    @idempotent_batch_handler(
        "deals", "deal_reopened", deals_events.DealReopened, max_batch=DEAL_BATCH
    )
    def on_deal_reopened(self, events: list[Any], uow: Any) -> None:
        self._record_batch("deals", events, uow)

    @idempotent_batch_handler(
        "deals", "deal_transferred", deals_events.DealTransferred, max_batch=DEAL_BATCH
    )
    def on_deal_transferred(self, events: list[Any], uow: Any) -> None:
        self._record_batch("deals", events, uow)

    @idempotent_event_handler("deals", "activity_logged", deals_events.ActivityLogged)
    def on_activity_logged(self, event: Any, uow: Any) -> None:
        self._record("deals", event, uow)

    @idempotent_event_handler("deals", "activity_updated", deals_events.ActivityUpdated)
    def on_activity_updated(self, event: Any, uow: Any) -> None:
        self._record("deals", event, uow)

    @idempotent_event_handler(
        "deals", "personal_data_erasure_requested", deals_events.PersonalDataErasureRequested
    )
    def on_personal_data_erasure_requested(self, event: Any, uow: Any) -> None:
        erased = privacy.erase_person(
            self.deps.joined(uow), WORKER, request_id=event.request_id, email=event.email
        )
        log.info("personal_data_erased", request_id=event.request_id, erased=erased)

    @idempotent_event_handler("deals", "pipeline_created", deals_events.PipelineCreated)
    def on_pipeline_created(self, event: Any, uow: Any) -> None:
        self._record("deals", event, uow)

    @idempotent_event_handler("deals", "pipeline_revised", deals_events.PipelineRevised)
    def on_pipeline_revised(self, event: Any, uow: Any) -> None:
        self._record("deals", event, uow)

    # -- deals' backfill (snapshots re-published for a new consumer) ---------------------------
    @idempotent_batch_handler(
        "deals", "deal_snapshot", deals_events.DealSnapshot, max_batch=DEAL_BATCH
    )
    def on_deal_snapshot(self, events: list[Any], uow: Any) -> None:
        self._record_batch("deals", events, uow)

    @idempotent_event_handler("deals", "pipeline_snapshot", deals_events.PipelineSnapshot)
    def on_pipeline_snapshot(self, event: Any, uow: Any) -> None:
        self._record("deals", event, uow)

    # -- territory ----------------------------------------------------------------------------
    @idempotent_event_handler("territory", "org_unit_changed", territory_events.OrgUnitChanged)
    def on_org_unit_changed(self, event: Any, uow: Any) -> None:
        self._record("territory", event, uow)

    @idempotent_event_handler("territory", "team_changed", territory_events.TeamChanged)
    def on_team_changed(self, event: Any, uow: Any) -> None:
        self._record("territory", event, uow)

    @idempotent_event_handler("territory", "targets_changed", territory_events.TargetsChanged)
    def on_targets_changed(self, event: Any, uow: Any) -> None:
        self._record("territory", event, uow)

    # -- territory's backfill (snapshots re-published for a new consumer) -----------------------
    @idempotent_event_handler("territory", "org_unit_snapshot", territory_events.OrgUnitSnapshot)
    def on_org_unit_snapshot(self, event: Any, uow: Any) -> None:
        self._record("territory", event, uow)

    @idempotent_event_handler("territory", "team_snapshot", territory_events.TeamSnapshot)
    def on_team_snapshot(self, event: Any, uow: Any) -> None:
        self._record("territory", event, uow)

    @idempotent_event_handler("territory", "targets_snapshot", territory_events.TargetsSnapshot)
    def on_targets_snapshot(self, event: Any, uow: Any) -> None:
        self._record("territory", event, uow)

    # -- catalog ------------------------------------------------------------------------------
    @idempotent_event_handler("catalog", "exchange_rate_set", catalog_rates.ExchangeRateSet)
    def on_exchange_rate_set(self, event: Any, uow: Any) -> None:
        self._record("catalog", event, uow)

    # catalog's backfill (rates set before reporting's queue existed)
    @idempotent_event_handler(
        "catalog", "exchange_rate_snapshot", catalog_rates.ExchangeRateSnapshot
    )
    def on_exchange_rate_snapshot(self, event: Any, uow: Any) -> None:
        self._record("catalog", event, uow)

    # -- timers -------------------------------------------------------------------------------
    @setting_timer(settings.load, "business_metrics_seconds")
    def business_metrics(self) -> None:
        metrics.publish_business(business.business_figures(self.deps, WORKER))
        # The rebuild runs as a command of its own; its outcome is in the database.
        metrics.publish_rebuild(consumption.rebuild_status(self.deps, WORKER))
