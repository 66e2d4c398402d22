"""Notifications that are not an automation rule's: task reminders, assignments, hand-overs,
transfers and mentions.

Each is a command (``automation_notification_requested``, and for reminders also
``automation_email_requested``) emitted through the outbox in the transaction of its cause, with
an idempotency key unique to that cause; deals' worker delivers each key once
(adapters/automation_delivery.py), so a redelivered command or a repeated timer run adds
nothing.
"""

from __future__ import annotations

from crm.deals.v1 import events_pb2
from crm_deals.service_layer.access import Caller
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork


def _cause(
    key: str, trigger: str, record_type: str, record_id: str, team_id: str
) -> events_pb2.AutomationCause:
    return events_pb2.AutomationCause(
        idempotency_key=key,
        deal_id=record_id,
        trigger=trigger,
        team_id=team_id,
        record_type=record_type,
    )


def notify(
    uow: DealsUnitOfWork,
    caller: Caller,
    *,
    key: str,
    trigger: str,
    record_type: str,
    record_id: str,
    record_version: int,
    team_id: str,
    recipients: list[str],
    title: str,
    text: str,
    email: bool = False,
) -> None:
    """Emit the notification (and with ``email`` the e-mail) of one cause to ``recipients``;
    nothing when there is nobody to tell (the caller is never told of their own act)."""
    people = sorted({r for r in recipients if r and r != caller.subject_id})
    if not people:
        return
    cause = _cause(key, trigger, record_type, record_id, team_id)
    uow.emit(
        "automation_notification_requested",
        events_pb2.AutomationNotificationRequested(
            cause=cause, recipient_user_ids=people, title=title, text=text
        ),
        aggregate_type=record_type,
        aggregate_id=record_id,
        aggregate_version=record_version,
        actor=caller.actor,
    )
    if email:
        uow.emit(
            "automation_email_requested",
            events_pb2.AutomationEmailRequested(
                cause=_cause(f"{key}:email", trigger, record_type, record_id, team_id),
                recipient_user_ids=people,
                subject=title,
                body=text,
            ),
            aggregate_type=record_type,
            aggregate_id=record_id,
            aggregate_version=record_version,
            actor=caller.actor,
        )
