"""SQL side of personal-data requests in deals: the privacy request and consent repositories,
and the searches and tombstoning of one person's values across deals' tables.

Contacts and activities keep the person in their JSON documents (``body``): they are found by a
case-insensitive substring search of the document, then checked exactly on the decoded record.
Customer e-mails are found by decoding the commands kept with their deliveries. These are scans:
a data-subject request is rare, and none of it is on a path a person waits for besides the one
request.
"""

from __future__ import annotations

import json

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.orm import Session

from crm.deals.v1 import events_pb2
from crm_chassis.outbox.tombstone import tombstone_outbox
from crm_chassis.privacy import ERASED, redact
from crm_deals.adapters import orm, records
from crm_deals.adapters.repositories import SqlActivityRepository, SqlContactRepository
from crm_deals.domain.deliveries import PENDING, WITHHELD
from crm_deals.domain.privacy import ConsentRecord, PrivacyRequest
from crm_deals.service_layer.customer_emails import KIND as CUSTOMER_EMAIL
from crm_deals.service_layer.repositories import (
    ConsentRepository,
    PersonalDataRepository,
    PrivacyRequestRepository,
)

ERASED_DELIVERY = "not sent: the recipient's personal data was erased"


class SqlPrivacyRequestRepository(PrivacyRequestRepository):
    def __init__(self, session: Session):
        self.session = session

    def _columns(self, request: PrivacyRequest) -> dict:
        return dict(
            state=request.state,
            version=request.version,
            body=records.dumps(request),
            fingerprint=request.fingerprint,
        )

    def get(self, request_id):
        t = orm.privacy_requests
        body = self.session.execute(select(t.c.body).where(t.c.id == request_id)).scalar()
        return records.loads(PrivacyRequest, body) if body is not None else None

    def add(self, request):
        self.session.execute(
            insert(orm.privacy_requests).values(
                id=request.id, requested_at=request.requested_at, **self._columns(request)
            )
        )

    def save(self, request):
        t = orm.privacy_requests
        self.session.execute(update(t).where(t.c.id == request.id).values(**self._columns(request)))

    def recent(self, limit):
        t = orm.privacy_requests
        rows = self.session.execute(
            select(t.c.body).order_by(t.c.requested_at.desc(), t.c.id.desc()).limit(limit)
        ).scalars()
        return [records.loads(PrivacyRequest, body) for body in rows]


class SqlConsentRepository(ConsentRepository):
    def __init__(self, session: Session):
        self.session = session

    def add(self, record):
        self.session.execute(
            insert(orm.consents).values(
                contact_id=record.contact_id,
                recorded_at=record.recorded_at,
                body=records.dumps(record),
            )
        )

    def for_contact(self, contact_id):
        t = orm.consents
        rows = self.session.execute(
            select(t.c.body).where(t.c.contact_id == contact_id).order_by(t.c.seq)
        ).scalars()
        return [records.loads(ConsentRecord, body) for body in rows]

    def delete_for_contact(self, contact_id):
        t = orm.consents
        return self.session.execute(t.delete().where(t.c.contact_id == contact_id)).rowcount


def _mentioning(column, values: tuple[str, ...]):
    return or_(*(func.lower(column).contains(v, autoescape=True) for v in values))


class SqlPersonalDataRepository(PersonalDataRepository):
    def __init__(
        self, session: Session, contacts: SqlContactRepository, activities: SqlActivityRepository
    ):
        self.session, self.contacts, self.activities = session, contacts, activities

    def contacts_with_email(self, email):
        t = orm.contacts
        ids = self.session.execute(
            select(t.c.id).where(_mentioning(t.c.body, (email,))).order_by(t.c.created_at, t.c.id)
        ).scalars()
        found = [self.contacts.get(i) for i in ids]
        return [c for c in found if c is not None and c.email.lower() == email]

    def activities_mentioning(self, values):
        if not values:
            return []
        t = orm.activities
        ids = self.session.execute(
            select(t.c.id).where(_mentioning(t.c.body, values)).order_by(t.c.occurred_at, t.c.id)
        ).scalars()
        found = [self.activities.get(i) for i in ids]
        return [
            a
            for a in found
            if a is not None and any(v in f"{a.subject} {a.body}".lower() for v in values)
        ]

    def _customer_emails(self, email):
        t = orm.deliveries
        rows = self.session.execute(
            select(t).where(t.c.kind == CUSTOMER_EMAIL, t.c.command.is_not(None))
        ).all()
        for row in rows:
            command = events_pb2.CustomerEmailRequested.FromString(row.command)
            if command.to_address.lower() == email:
                yield row, command

    def customer_emails_to(self, email):
        return [
            {
                "id": row.idempotency_key,
                "deal_id": row.deal_id,
                "state": row.state,
                "created_at": row.created_at.isoformat(),
                "sent_at": row.sent_at.isoformat() if row.sent_at else "",
                "to_name": command.to_name,
                "to_address": command.to_address,
                "subject": command.subject,
                "html_body": command.html_body,
            }
            for row, command in self._customer_emails(email)
        ]

    def tombstone(self, person, record_ids, email):
        t = orm.deliveries
        emails = 0
        for row, _ in list(self._customer_emails(email)):
            changes: dict[str, object] = {"command": None}
            if row.state == PENDING:
                changes.update(state=WITHHELD, next_attempt_at=None, last_error=ERASED_DELIVERY)
            self.session.execute(
                update(t).where(t.c.idempotency_key == row.idempotency_key).values(**changes)
            )
            emails += 1
        return {
            "customer_emails": emails,
            "history_entries": self._tombstone_history(person, record_ids),
            "outbox_events": tombstone_outbox(
                self.session, orm.outbox, person, aggregate_ids=record_ids
            ),
        }

    def _tombstone_history(self, person, record_ids):
        t = orm.history
        if not person.unique:
            return 0
        condition = _mentioning(t.c.body, person.unique)
        if record_ids:
            condition = or_(condition, t.c.record_id.in_(record_ids))
        changed = 0
        rows = self.session.execute(select(t.c.seq, t.c.record_id, t.c.body).where(condition))
        for row in rows.all():
            document = json.loads(row.body)
            own = row.record_id in record_ids
            cleaned = redact(document, person.all if own else person.unique)
            if cleaned != document:
                self.session.execute(
                    update(t)
                    .where(t.c.seq == row.seq)
                    .values(body=json.dumps(cleaned, ensure_ascii=False, separators=(",", ":")))
                )
                changed += 1
        return changed

    def tombstone_request(self, request_id):
        t = orm.outbox
        rows = self.session.execute(
            select(t.c.id, t.c.payload).where(
                t.c.aggregate_id == request_id,
                t.c.event_type == "personal_data_erasure_requested",
            )
        ).all()
        for row in rows:
            document = json.loads(row.payload)
            document["email"] = ERASED
            self.session.execute(
                update(t)
                .where(t.c.id == row.id)
                .values(payload=json.dumps(document, ensure_ascii=False))
            )
        return len(rows)
