"""A converted lead's sales interactions, copied to the contact and the opportunity.

Leads' ``lead_conversion_requested`` carries the lead's calls, e-mails, meetings, notes and
tasks (oldest first). In the conversion's transaction each becomes a deals activity with its
author (``logged_by``), owner and times kept: conversations and notes on both the contact (the
person's history) and the opportunity (the deal's), tasks on the opportunity only, so an open
task stays one task in the owner's list. Idempotent with the conversion: a repeated request
finds the conversion done and copies nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crm_chassis.context import Actor
from crm_deals.domain.accounts import Contact
from crm_deals.domain.activities import TASK, Activity
from crm_deals.domain.opportunities import Opportunity
from crm_deals.service_layer import event_messages
from crm_deals.service_layer.access import Caller
from crm_deals.service_layer.dependencies import Dependencies
from crm_deals.service_layer.recording import keep_history, publish
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork


@dataclass(frozen=True)
class LeadInteraction:
    """One interaction as leads sent it (crm.leads.v1.LeadInteraction)."""

    id: str
    kind: str
    subject: str
    logged_by: str
    owner_user_id: str
    occurred_at: dt.datetime
    created_at: dt.datetime
    body: str = ""
    direction: str = ""
    outcome: str = ""
    duration_minutes: int = 0
    due_at: dt.datetime | None = None
    done_at: dt.datetime | None = None


def copy_interactions(
    uow: DealsUnitOfWork,
    deps: Dependencies,
    caller: Caller,
    interactions: tuple[LeadInteraction, ...],
    contact: Contact,
    deal: Opportunity,
) -> list[Activity]:
    copies: list[Activity] = []
    for item in interactions:
        targets = [("opportunity", deal.id)]
        if item.kind != TASK:
            targets.insert(0, ("contact", contact.id))
        for target_type, target_id in targets:
            activity = Activity.log(
                id=deps.ids.new_id(),
                team_id=deal.team_id,
                kind=item.kind,
                target_type=target_type,
                target_id=target_id,
                subject=item.subject,
                body=item.body,
                owner_user_id=item.owner_user_id or item.logged_by,
                occurred_at=item.occurred_at,
                due_at=item.due_at,
                direction=item.direction,
                outcome=item.outcome,
                duration_minutes=item.duration_minutes,
                # The author and the time it was logged on the lead, not the saga's.
                actor=Actor(item.logged_by),
                at=item.created_at,
            )
            activity.done_at = item.done_at
            uow.activities.add(activity)
            keep_history(uow, activity)
            publish(
                uow,
                "activity_logged",
                event_messages.activity_logged(activity),
                activity,
                caller,
            )
            copies.append(activity)
    return copies
