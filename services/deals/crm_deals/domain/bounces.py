"""Bounces of customer e-mails reported after the SMTP server accepted them: delivery status
notifications (DSN, RFC 3464) read into what happened to which message and recipient.

A DSN is a ``multipart/report; report-type=delivery-status`` message: a human-readable part, a
``message/delivery-status`` part (one block of per-message fields, then one block per recipient
with ``Final-Recipient``, ``Action`` and ``Status``) and the returned message or its headers
(``message/rfc822`` or ``text/rfc822-headers``), which carry the original ``Message-ID`` and
``X-CRM-Idempotency-Key``. A recipient whose action is ``failed`` bounced: hard with a permanent
status (5.x.x: the address does not exist, the domain has no mail server), soft with a
transient one (4.x.x: a full mailbox). ``delayed``, ``delivered``, ``relayed`` and ``expanded``
are no bounce. Parsing is plain Python (the standard library's e-mail parser), no I/O.
"""

from __future__ import annotations

import datetime as dt
import email
import re
from dataclasses import dataclass
from email import policy
from email.message import Message

from crm_chassis.errors import InvalidArgument

HARD, SOFT = "hard", "soft"
MAX_DSN_BYTES = 1_000_000
_STATUS = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}$")
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")


@dataclass(frozen=True)
class Bounce:
    """One failed recipient of a DSN."""

    recipient: str  # lower-cased address
    status: str  # e.g. "5.1.1"
    severity: str  # HARD or SOFT
    diagnostic: str  # the remote server's words, if any (one line)
    message_id: str  # of the original message, "" if the DSN does not return it
    idempotency_key: str  # X-CRM-Idempotency-Key of the original, "" if not returned

    @property
    def reason(self) -> str:
        text = f"bounced ({self.severity}, {self.status})"
        return f"{text}: {self.diagnostic}" if self.diagnostic else text


def normalise_address(address: str) -> str:
    """An address as bounces and suppressions compare it: trimmed, lower-cased."""
    return (address or "").strip().lower()


def _one_line(text: str, limit: int = 500) -> str:
    return " ".join((text or "").split())[:limit]


def _address_field(value: str) -> str:
    """``rfc822; user@example.com`` -> ``user@example.com`` (the address type is dropped)."""
    _, _, address = (value or "").rpartition(";")
    address = normalise_address(address.strip().strip("<>"))
    return address if _ADDRESS.match(address) else ""


def _original_headers(report: Message) -> Message | None:
    for part in report.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822":
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                return payload[0]
        if kind == "text/rfc822-headers":
            raw = part.get_payload(decode=True)
            if not isinstance(raw, bytes):
                raw = b""
            return email.message_from_bytes(raw, policy=policy.compat32)
    return None


def _status_blocks(report: Message) -> list[Message]:
    for part in report.walk():
        if part.get_content_type() == "message/delivery-status":
            payload = part.get_payload()
            if isinstance(payload, list):
                return [block for block in payload if isinstance(block, Message)]
    return []


def parse_dsn(raw: bytes) -> list[Bounce]:
    """The bounces a DSN reports (empty when it reports none: a delay, a success).
    INVALID_ARGUMENT for a message that is not a delivery status notification."""
    if not raw:
        raise InvalidArgument("the message is empty: give the DSN as received", field="message")
    if len(raw) > MAX_DSN_BYTES:
        raise InvalidArgument(
            f"the message has {len(raw)} bytes; a DSN is read up to {MAX_DSN_BYTES}",
            field="message",
        )
    report = email.message_from_bytes(raw, policy=policy.compat32)
    report_type = report.get_param("report-type")
    if report.get_content_type() != "multipart/report" or (
        not isinstance(report_type, str) or report_type.lower() != "delivery-status"
    ):
        raise InvalidArgument(
            "the message is not a delivery status notification (RFC 3464: multipart/report; "
            f"report-type=delivery-status); it is {report.get_content_type()}",
            field="message",
        )
    blocks = _status_blocks(report)
    if len(blocks) < 2:
        raise InvalidArgument(
            "the DSN has no per-recipient fields in its message/delivery-status part",
            field="message",
        )
    original = _original_headers(report)
    message_id = _one_line(original.get("Message-ID", "")) if original is not None else ""
    key = _one_line(original.get("X-CRM-Idempotency-Key", ""), 400) if original else ""
    bounces = []
    for block in blocks[1:]:  # the first block holds the per-message fields
        action = _one_line(block.get("Action", "")).lower()
        status = _one_line(block.get("Status", "")).split(" ")[0]
        recipient = _address_field(block.get("Final-Recipient", "")) or _address_field(
            block.get("Original-Recipient", "")
        )
        if action != "failed" or not recipient:
            continue
        if not _STATUS.match(status):
            status = "5.0.0"  # failed without a usable status: RFC 3464 calls it permanent
        bounces.append(
            Bounce(
                recipient=recipient,
                status=status,
                severity=HARD if status.startswith("5.") else SOFT,
                diagnostic=_one_line(block.get("Diagnostic-Code", "")),
                message_id=message_id,
                idempotency_key=key,
            )
        )
    return bounces


@dataclass(frozen=True)
class BouncedAddress:
    """An address that bounced hard: no customer e-mail goes to it until someone clears it
    (the contact gave a corrected address, or the mailbox exists again)."""

    address: str
    status: str
    reason: str
    idempotency_key: str  # the delivery that bounced
    bounced_at: dt.datetime

    @property
    def id(self) -> str:
        return self.address
