"""Use cases: recording behavioural activities (engagement) and listing them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crm.leads.v1 import events_pb2
from crm_chassis.caller import Caller, require_authenticated
from crm_chassis.errors import AlreadyExists
from crm_chassis.paging import Page, fetch_offset_page
from crm_leads.domain.access import not_found
from crm_leads.domain.activity import Activity, build_activity
from crm_leads.domain.lead import Lead
from crm_leads.domain.scoring.engine import Score
from crm_leads.service_layer import event_messages
from crm_leads.service_layer.authorization import records_activity_by_id
from crm_leads.service_layer.dependencies import Dependencies
from crm_leads.service_layer.lead_access import lead_id_of, visible_lead, workable_lead
from crm_leads.service_layer.publishing import save_changes
from crm_leads.service_layer.scoring import rescore
from crm_leads.service_layer.unit_of_work import LeadsUnitOfWork


@dataclass(frozen=True)
class RecordedActivity:
    activity: Activity
    score: Score | None
    replayed: bool = False


def record_activity(
    deps: Dependencies,
    caller: Caller | None,
    *,
    lead_id: str,
    activity_id: str,
    kind: str,
    occurred_at: dt.datetime | None = None,
    details: dict[str, str] | None = None,
) -> RecordedActivity:
    """Record an activity and rescore the lead. The activity id makes it idempotent.

    People record on leads they may work. Integration tools (service accounts with the
    record_lead_activity role: the e-mail platform, the web site) feed activities by lead id
    without seeing any team; they get the score back only if their scope covers the lead. A
    service account without the role is refused before any lead is looked up.
    """
    caller = require_authenticated(caller)
    by_id = records_activity_by_id(caller)
    scope = deps.scopes.scope_of(caller.subject_id)
    now = deps.clock.now()
    with deps.uow() as uow:
        if by_id:
            lead = uow.leads.get(lead_id_of(lead_id))
            if lead is None:
                raise not_found(lead_id)
        else:
            lead = workable_lead(uow, scope, lead_id)
        activity = build_activity(
            activity_id=activity_id,
            lead_id=lead.id,
            kind=kind,
            occurred_at=occurred_at,
            details=details,
            now=now,
        )
        existing = uow.activities.get(activity.id)
        if existing is not None:
            if existing.lead_id != lead.id:
                raise AlreadyExists(
                    f"activity {activity.id} is recorded for another lead; use a "
                    "new id for a new activity",
                    field="activity.id",
                )
            return RecordedActivity(
                existing, lead.score if scope.can_see(lead) else None, replayed=True
            )
        lead.ensure_editable()
        uow.activities.add(activity)
        _emit_recorded(uow, lead, activity, caller)
        rescore(uow, lead, now)
        save_changes(uow, lead, caller.actor)
        uow.commit()
        return RecordedActivity(activity, lead.score if scope.can_see(lead) else None)


def _emit_recorded(uow: LeadsUnitOfWork, lead: Lead, activity: Activity, caller: Caller) -> None:
    # An activity does not change the lead itself: the event carries the lead's current
    # version rather than a new one.
    uow.emit(
        "lead_activity_recorded",
        events_pb2.LeadActivityRecorded(
            activity=event_messages.activity(activity),
            sales_line_id=lead.data.sales_line_id,
            team_id=lead.assignment.team_id,
        ),
        aggregate_type="lead",
        aggregate_id=lead.id,
        aggregate_version=lead.version,
        actor=caller.actor,
    )


def list_activities(
    deps: Dependencies, caller: Caller | None, lead_id: str, *, page_size: int = 0, cursor: str = ""
) -> Page[Activity]:
    caller = require_authenticated(caller)
    scope = deps.scopes.scope_of(caller.subject_id)
    with deps.uow() as uow:
        lead = visible_lead(uow, scope, lead_id, for_update=False)
        activities = uow.activities.for_lead(lead.id)
        return fetch_offset_page(
            lambda offset, limit: activities[offset : offset + limit], page_size, cursor
        )
