"""Deliveries of automation commands (e-mails, webhooks, notifications) and their retries.

The worker consumes an `automation_*_requested` command, opens (or finds) the delivery of its
idempotency key, tries once, and records the result here. A delivery that was sent is never sent
again (redelivered commands are no-ops); a failed attempt is retried after the backoff of
:func:`crm_deals.domain.automation.webhook_retry_delay`, and after the last one the delivery is
``failed`` with its last error, visible through ListAutomationDeliveries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from crm_chassis.errors import FailedPrecondition
from crm_deals.domain.automation import webhook_retry_delay

PENDING, SENT, FAILED = "pending", "sent", "failed"
# Final without an attempt: a customer e-mail whose contact withdrew consent (or was erased)
# before it went out; ``last_error`` says why.
WITHHELD = "withheld"
# Final after sent: the receiving side accepted the e-mail, then reported it undeliverable (a
# delivery status notification, domain/bounces.py); ``last_error`` says what it reported.
BOUNCED = "bounced"


def message_id_of(idempotency_key: str) -> str:
    """The Message-ID an e-mail of the delivery is sent with (the same on every attempt, so a
    receiver can drop a copy), by which a bounce names the delivery."""
    return f"<{hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]}@crm-deals>"


@dataclass
class Delivery:
    idempotency_key: str
    rule_id: str
    deal_id: str
    kind: str
    created_at: dt.datetime
    state: str = PENDING
    attempts: int = 0
    last_error: str = ""
    next_attempt_at: dt.datetime | None = None
    sent_at: dt.datetime | None = None
    message_id: str = ""  # e-mails only: message_id_of(idempotency_key)

    @property
    def id(self) -> str:
        return self.idempotency_key

    def due(self, now: dt.datetime) -> bool:
        return self.state == PENDING and (
            self.next_attempt_at is None or self.next_attempt_at <= now
        )

    def withhold(self, reason: str) -> None:
        """Never send it: ``reason`` is kept as the delivery's last error."""
        if self.state != PENDING:
            raise FailedPrecondition(f"delivery {self.idempotency_key} is already {self.state}")
        self.state, self.next_attempt_at, self.last_error = WITHHELD, None, reason[:1000]

    def bounce(self, reason: str) -> bool:
        """The e-mail bounced after it was accepted; False when this bounce was recorded
        before (a DSN reported twice)."""
        if self.state == BOUNCED:
            return False
        if self.state != SENT:
            raise FailedPrecondition(
                f"delivery {self.idempotency_key} is {self.state}, not sent: "
                "only an e-mail the server accepted can bounce afterwards"
            )
        self.state, self.last_error = BOUNCED, reason[:1000]
        return True

    def record_attempt(self, now: dt.datetime, *, ok: bool, error: str = "") -> None:
        if self.state != PENDING:
            raise FailedPrecondition(f"delivery {self.idempotency_key} is already {self.state}")
        self.attempts += 1
        if ok:
            self.state, self.sent_at, self.next_attempt_at = SENT, now, None
            return
        self.last_error = (error or "unknown error")[:1000]
        delay = webhook_retry_delay(self.attempts)
        if delay is None:
            self.state, self.next_attempt_at = FAILED, None
        else:
            self.next_attempt_at = now + dt.timedelta(seconds=delay)
