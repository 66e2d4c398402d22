"""Personal-data requests coordinated by deals, and contacts' consent records.

A :class:`PrivacyRequest` is the audit record of one erasure: who asked, when, why, for whom
(masked address and a one-way fingerprint, never the address itself: it is erased with the
person), and each taking-part service's confirmation with what it erased. It is completed when
every service in :data:`SERVICES` has confirmed; a confirmation repeated (a redelivered event)
changes nothing.

A :class:`ConsentRecord` is one consent given or withdrawn on a channel, with its source, time
and recorder; the contact's current consent is the last record's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from crm_chassis.context import Actor
from crm_chassis.errors import InvalidArgument
from crm_chassis.privacy import ERASED
from crm_deals.domain.accounts import Contact
from crm_deals.domain.activities import Activity
from crm_deals.domain.text import clean_text

ERASURE = "erasure"
IN_PROGRESS, COMPLETED = "in_progress", "completed"
PENDING, DONE = "pending", "done"
# The services that hold a person's data and confirm an erasure (deals itself included).
SERVICES = ("deals", "leads", "reporting")
EMAIL_CHANNEL = "email"
CHANNELS = (EMAIL_CHANNEL,)
NOTHING_FOUND = "nothing found"


@dataclass
class Confirmation:
    service: str
    state: str = PENDING
    erased: dict[str, int] = field(default_factory=dict)
    note: str = ""
    confirmed_at: dt.datetime | None = None


@dataclass
class PrivacyRequest:
    RECORD_TYPE = "privacy_request"

    id: str
    kind: str
    subject: str  # masked address
    fingerprint: str
    requested_by: str
    reason: str
    requested_at: dt.datetime
    state: str = IN_PROGRESS
    completed_at: dt.datetime | None = None
    confirmations: list[Confirmation] = field(default_factory=list)
    version: int = 1

    @classmethod
    def erasure(
        cls,
        *,
        id: str,
        subject: str,
        fingerprint: str,
        requested_by: str,
        reason: str,
        at: dt.datetime,
    ) -> PrivacyRequest:
        return cls(
            id=id,
            kind=ERASURE,
            subject=subject,
            fingerprint=fingerprint,
            requested_by=requested_by,
            reason=clean_text(reason, "reason", max_length=500),
            requested_at=at,
            confirmations=[Confirmation(service) for service in SERVICES],
        )

    def confirm(self, service: str, erased: dict[str, int], at: dt.datetime) -> bool:
        """Record ``service``'s confirmation; False when it had already confirmed (or takes no
        part). Completes the request with the last confirmation."""
        confirmation = next((c for c in self.confirmations if c.service == service), None)
        if confirmation is None or confirmation.state == DONE:
            return False
        confirmation.state, confirmation.confirmed_at = DONE, at
        confirmation.erased = {kind: n for kind, n in sorted(erased.items()) if n}
        confirmation.note = "" if confirmation.erased else NOTHING_FOUND
        self.version += 1
        if all(c.state == DONE for c in self.confirmations):
            self.state, self.completed_at = COMPLETED, at
        return True

    @property
    def completed(self) -> bool:
        return self.state == COMPLETED


@dataclass(frozen=True)
class ConsentRecord:
    contact_id: str
    channel: str
    granted: bool
    source: str
    recorded_at: dt.datetime
    recorded_by: str

    @classmethod
    def record(
        cls,
        *,
        contact_id: str,
        channel: str,
        granted: bool,
        source: str,
        at: dt.datetime,
        by: str,
    ) -> ConsentRecord:
        channel = (channel or "").strip().lower()
        if channel not in CHANNELS:
            raise InvalidArgument(
                f"channel {channel!r} is not one deals records consent for; known: "
                f"{', '.join(CHANNELS)}",
                field="channel",
            )
        return cls(
            contact_id=contact_id,
            channel=channel,
            granted=bool(granted),
            source=clean_text(source, "source", max_length=200, required=True),
            recorded_at=at,
            recorded_by=by,
        )


def erase_contact(contact: Contact, actor: Actor, at: dt.datetime) -> None:
    """Anonymise the contact irreversibly: name, address, phone, title and consent go; the
    record stays (its account's and deals' references hold). The history entry names no value."""
    contact.first_name, contact.last_name = "", ERASED
    contact.email = contact.phone = contact.job_title = ""
    contact.email_consent = False
    contact._record(actor, at, "erased", note="personal data erased")


def erase_activity(activity: Activity, actor: Actor, at: dt.datetime) -> None:
    """The activity stays on the timeline (its kind and time count in reports); its words go."""
    activity.subject, activity.body = ERASED, ""
    activity._record(actor, at, "erased", note="personal data erased")
