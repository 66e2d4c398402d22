"""The worker's side of automations: deliver each committed automation command once.

The use cases emit ``automation_*_requested`` through the outbox in the transaction of the
change (nothing exists to send before that commit); the relay publishes them and deals' worker
consumes them like any event. Per command (idempotency key = one Delivery row):

1. the event handler (inbox + ``deliveries.begin`` in one transaction) creates the delivery of
   the key once and keeps the command with it, so the sender needs no broker to retry;
2. the sender timer picks due deliveries; a lease (``UPDATE ... WHERE state = 'pending' AND
   lease expired``) gives one worker the right to try now: replicas never send in parallel;
3. a customer e-mail whose contact has no consent any more (withdrawn or erased since the move),
   or whose address bounced hard since, is ``withheld``, never sent, its reason kept as the
   delivery's error;
4. send (SMTP / signed POST / in-app notification rows), then ``deliveries.record_result``:
   sent is final; a failure waits for the backoff (10 s ... 1 h) and is retried by the timer;
   after the last retry it is ``failed`` with its error (ListAutomationDeliveries).

A redelivered command finds its delivery sent (or leased, or waiting) and sends nothing. The one
at-least-once window: a crash after the server accepted and before the result is stored; the
Message-ID / X-CRM-Idempotency-Key of the key lets the receiver drop that copy.
"""

from __future__ import annotations

import datetime as dt
import json

from google.protobuf.message import Message
from sqlalchemy import insert, select

from crm.deals.v1 import events_pb2
from crm_chassis.errors import CrmError
from crm_chassis.logging import get_logger
from crm_deals.adapters import metrics, orm
from crm_deals.adapters.smtp_mailer import DeliveryError, SmtpMailer
from crm_deals.adapters.user_directory import addresses_of
from crm_deals.adapters.webhook_sender import WebhookSender
from crm_deals.domain import automation, notifications
from crm_deals.domain.deliveries import message_id_of
from crm_deals.service_layer import customer_emails, deliveries, privacy
from crm_deals.service_layer.access import Caller
from crm_deals.service_layer.customer_emails import KIND as CUSTOMER_EMAIL

log = get_logger("crm_deals.automations")
WORKER = Caller.system("deals-worker")

COMMANDS: dict[str, tuple[str, type[Message]]] = {
    "automation_notification_requested": (
        automation.NOTIFY,
        events_pb2.AutomationNotificationRequested,
    ),
    "automation_email_requested": (automation.EMAIL, events_pb2.AutomationEmailRequested),
    "automation_webhook_requested": (automation.WEBHOOK, events_pb2.AutomationWebhookRequested),
    "customer_email_requested": (CUSTOMER_EMAIL, events_pb2.CustomerEmailRequested),
}


def notification_kind(cause: events_pb2.AutomationCause) -> str:
    if cause.rule_id or cause.trigger not in notifications.KINDS:
        return notifications.AUTOMATION
    return cause.trigger


class AutomationDelivery:
    def __init__(self, deps, mailer: SmtpMailer, webhooks: WebhookSender, *, lease_seconds: float):
        self.deps, self.mailer, self.webhooks = deps, mailer, webhooks
        self.lease = dt.timedelta(seconds=lease_seconds)

    # ------------------------------------------------------------------ entry points
    @staticmethod
    def record_command(uow, deps, event_type: str, command: Message) -> None:
        """In the event handler's transaction ``uow`` (with its inbox row): open the delivery of
        the command's key, once, and keep the command for the sender. Sending happens outside any
        event transaction, in :meth:`send_due` (SQLite allows one writer at a time, and a slow
        SMTP server must not hold the handler's transaction)."""
        cause = command.cause
        deliveries.begin(
            deps.joined(uow),
            WORKER,
            idempotency_key=cause.idempotency_key,
            rule_id=cause.rule_id,
            deal_id=cause.deal_id,
            kind=COMMANDS[event_type][0],
            # A customer e-mail's Message-ID: a later bounce names the delivery by it.
            message_id=(
                message_id_of(cause.idempotency_key)
                if COMMANDS[event_type][0] == CUSTOMER_EMAIL
                else ""
            ),
        )
        uow.deliveries.keep_command(cause.idempotency_key, event_type, command.SerializeToString())

    def send_due(self, limit: int = 100) -> int:
        """The timer: attempt every pending delivery that is due (new, or whose backoff has
        passed); returns how many were attempted."""
        due = deliveries.due_retries(self.deps, WORKER, limit)
        for delivery in due:
            self.attempt(delivery.idempotency_key)
        return len(due)

    # ------------------------------------------------------------------ one attempt
    def attempt(self, key: str) -> str:
        now = self.deps.clock.now()
        with self.deps.uow() as uow:
            if not uow.deliveries.lease(key, now, now + self.lease):
                return "busy"
            stored = uow.deliveries.command_of(key)
            uow.commit()
        if stored is None:  # kept by on_command right after begin; absent only mid-crash
            self._release(key)
            return "no_command"
        event_type, payload = stored
        kind, message_cls = COMMANDS[event_type]
        command = message_cls.FromString(payload)
        if kind == CUSTOMER_EMAIL:
            # Consent is checked again at send time: one withdrawn after the move is honoured.
            withheld = privacy.consent_withheld(
                self.deps, command.contact_id
            ) or customer_emails.address_suppressed(self.deps, command.to_address)
            if withheld:
                delivery = deliveries.withhold(self.deps, WORKER, key, withheld)
                metrics.AUTOMATION_DELIVERIES.labels(kind, delivery.state).inc()
                log.info("customer_email_withheld", idempotency_key=key, reason=withheld)
                return delivery.state
        try:
            self._send(kind, command)
            ok, error = True, ""
        except DeliveryError as exc:
            ok, error = False, str(exc)
        delivery = deliveries.record_result(self.deps, WORKER, key, ok=ok, error=error)
        metrics.AUTOMATION_DELIVERIES.labels(kind, delivery.state if not ok else "sent").inc()
        log.info(
            "automation_delivery_attempted",
            idempotency_key=key,
            kind=kind,
            state=delivery.state,
            attempts=delivery.attempts,
            error=error,
        )
        return delivery.state

    def _release(self, key: str) -> None:
        with self.deps.uow() as uow:
            delivery = uow.deliveries.get(key)
            uow.deliveries.save(delivery)  # saving clears the lease
            uow.commit()

    def _send(self, kind: str, command: Message) -> None:
        if kind == CUSTOMER_EMAIL:
            self._customer_email(command)
        elif kind == automation.EMAIL:
            self._email(command)
        elif kind == automation.WEBHOOK:
            self._webhook(command)
        else:
            self._notify(command)

    def _email(self, command: events_pb2.AutomationEmailRequested) -> None:
        with self.deps.uow() as uow:
            known = addresses_of(uow.session, list(command.recipient_user_ids))
        missing = sorted(set(command.recipient_user_ids) - known.keys())
        if not known:
            raise DeliveryError(
                "no e-mail address is known for the recipients "
                f"{', '.join(missing) or '(none resolved)'}"
            )
        if missing:
            log.warning("automation_email_recipients_without_address", users=missing)
        self.mailer.send(
            recipients=[known[u] for u in sorted(known)],
            subject=command.subject,
            body=command.body,
            idempotency_key=command.cause.idempotency_key,
        )

    def _customer_email(self, command: events_pb2.CustomerEmailRequested) -> None:
        """A customer e-mail of a stage move: HTML, to the one contact it was rendered for."""
        self.mailer.send(
            recipients=[(command.to_name, command.to_address)],
            subject=command.subject,
            body=command.html_body,
            idempotency_key=command.cause.idempotency_key,
            subtype="html",
        )

    def _webhook(self, command: events_pb2.AutomationWebhookRequested) -> None:
        try:
            with self.deps.uow() as uow:
                rule = uow.automation_rules.get(command.cause.rule_id)
        except CrmError as exc:  # e.g. the secret cannot be opened with the configured key
            raise DeliveryError(exc.message) from None
        if rule is None or not rule.webhook_secret:
            raise DeliveryError(f"rule {command.cause.rule_id} has no signing secret any more")
        if command.cause.team_id not in rule.team_ids:
            # A command of a rule without teams (made before rules had a scope) carries the
            # whole deal of any team: it is never sent.
            raise DeliveryError(
                f"rule {rule.id} is not scoped to team {command.cause.team_id!r}"
                " (a rule without teams is never sent); not sent"
            )
        body = command.payload_json.encode()
        json.loads(body)  # a command always carries JSON; refuse to sign anything else
        self.webhooks.post(
            url=command.url,
            secret=rule.webhook_secret,
            body=body,
            idempotency_key=command.cause.idempotency_key,
            timestamp=int(self.deps.clock.now().timestamp()),
        )

    def _notify(self, command: events_pb2.AutomationNotificationRequested) -> None:
        """In-app notifications: one row per recipient (idempotent by key and user)."""
        t = orm.notifications
        key = command.cause.idempotency_key
        with self.deps.uow() as uow:
            have = set(
                uow.session.execute(select(t.c.user_id).where(t.c.idempotency_key == key)).scalars()
            )
            rows = [
                dict(
                    idempotency_key=key,
                    user_id=user,
                    deal_id=command.cause.deal_id,
                    title=command.title,
                    text=command.text,
                    created_at=self.deps.clock.now(),
                    # A rule's command is an automation; the others name their cause.
                    kind=notification_kind(command.cause),
                    record_type=command.cause.record_type or "opportunity",
                    team_id=command.cause.team_id or None,
                )
                for user in sorted(set(command.recipient_user_ids) - have)
            ]
            if rows:
                uow.session.execute(insert(t), rows)
            uow.commit()
