"""Personal data in deals: consents, a person's export, and the erasure saga it coordinates.

Erasure (domain/privacy.py): ``request_erasure`` creates the request, erases deals' own data
and publishes ``personal_data_erasure_requested`` in one transaction (deals' confirmation is
recorded at once); leads' worker answers ``personal_data_erased`` and ``on_erased`` records it.
When the last service has confirmed, the request is completed and the outbox copy of the
request's event (the one place the address still lives) is tombstoned.

What deals erases for a person (contacts whose e-mail is theirs): the contacts (anonymised,
kept as records), their consent records (deleted), the activities on them and every activity
mentioning the address (words cleared), the history entries of those records or mentioning the
person, the customer e-mails to the address (stored message cleared; queued ones withheld), and
every outbox payload mentioning the person (tombstoned).
"""

from __future__ import annotations

import json
from typing import Any

from crm.deals.v1 import events_pb2
from crm_chassis import privacy
from crm_chassis.errors import NotFound
from crm_deals.domain import privacy as rules
from crm_deals.domain.accounts import Contact
from crm_deals.domain.activities import Activity
from crm_deals.domain.duplicates import require_not_merged
from crm_deals.domain.privacy import ConsentRecord, PrivacyRequest
from crm_deals.service_layer.access import Access, Caller
from crm_deals.service_layer.accounts import publish_contact_updated
from crm_deals.service_layer.dependencies import Dependencies
from crm_deals.service_layer.recording import keep_history
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork

SERVICE = "deals"
MAX_LIST = 500


# -- consents ---------------------------------------------------------------------------------
def record_consent(
    deps: Dependencies, caller: Caller, *, contact_id: str, channel: str, granted: bool, source: str
) -> ConsentRecord:
    """A consent given or withdrawn; the contact's ``email_consent`` follows it."""
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        contact = access.visible(uow.contacts.get(contact_id), "contact", contact_id)
        require_not_merged(contact)  # its consents went to the survivor with the merge
        access.require_edit(contact, "record this contact's consent")
        now = deps.clock.now()
        record = ConsentRecord.record(
            contact_id=contact.id,
            channel=channel,
            granted=granted,
            source=source,
            at=now,
            by=caller.subject_id,
        )
        uow.consents.add(record)
        changed = contact.update(caller.actor, now, email_consent=record.granted)
        if changed:
            uow.contacts.save(contact)
            keep_history(uow, contact)
            publish_contact_updated(uow, contact, caller, changed)
        uow.commit()
    return record


def list_consents(deps: Dependencies, caller: Caller, contact_id: str) -> list[ConsentRecord]:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        contact = access.visible(uow.contacts.get(contact_id), "contact", contact_id)
        return uow.consents.for_contact(contact.id)


def consent_withheld(deps: Dependencies, contact_id: str) -> str:
    """Why a customer e-mail to the contact must not go out now ("" = it may): the check the
    sender makes at send time, so a consent withdrawn after the e-mail was queued is honoured."""
    with deps.uow() as uow:
        contact = uow.contacts.get(contact_id) if contact_id else None
    if contact is None:
        return f"contact {contact_id!r} does not exist any more"
    if contact.last_name == privacy.ERASED:
        return f"contact {contact_id}: personal data erased"
    if not contact.email_consent:
        return f"contact {contact_id}: consent to e-mails withdrawn"
    return ""


# -- export -----------------------------------------------------------------------------------
def _contact(c: Contact) -> dict[str, Any]:
    return {
        "id": c.id,
        "account_id": c.account_id,
        "team_id": c.team_id,
        "first_name": c.first_name,
        "last_name": c.last_name,
        "email": c.email,
        "phone": c.phone,
        "job_title": c.job_title,
        "language": c.language,
        "email_consent": c.email_consent,
        "created_at": c.created_at.isoformat(),
    }


def _activity(a: Activity) -> dict[str, Any]:
    return {
        "id": a.id,
        "kind": a.kind,
        "target_type": a.target_type,
        "target_id": a.target_id,
        "subject": a.subject,
        "body": a.body,
        "direction": a.direction,
        "occurred_at": a.occurred_at.isoformat(),
    }


def _consent(r: ConsentRecord) -> dict[str, Any]:
    return {
        "contact_id": r.contact_id,
        "channel": r.channel,
        "granted": r.granted,
        "source": r.source,
        "recorded_at": r.recorded_at.isoformat(),
        "recorded_by": r.recorded_by,
    }


def export_person(
    deps: Dependencies, caller: Caller, email: str
) -> tuple[str, dict[str, list[Any]]]:
    """(normalised e-mail, kind -> records) of everything deals holds about the person."""
    privacy.require_data_protection_officer(caller, "exporting a person's data")
    email = privacy.subject_email(email)
    with deps.uow() as uow:
        contacts = uow.personal_data.contacts_with_email(email)
        activities = _activities_of(uow, contacts, privacy.needles([email]))
        consents = [r for c in contacts for r in uow.consents.for_contact(c.id)]
        emails = uow.personal_data.customer_emails_to(email)
    document = {
        "contacts": [_contact(c) for c in contacts],
        "activities": [_activity(a) for a in activities],
        "consents": [_consent(r) for r in consents],
        "customer_emails": emails,
    }
    return email, document


def _activities_of(
    uow: DealsUnitOfWork, contacts: list[Contact], values: tuple[str, ...]
) -> list[Activity]:
    found = {a.id: a for a in uow.activities.on_targets([("contact", c.id) for c in contacts])}
    found.update({a.id: a for a in uow.personal_data.activities_mentioning(values)})
    return sorted(found.values(), key=lambda a: (a.occurred_at, a.id))


# -- erasure ----------------------------------------------------------------------------------
def erase_in_deals(
    uow: DealsUnitOfWork, deps: Dependencies, actor: Caller, email: str
) -> dict[str, int]:
    """In ``uow``'s transaction: erase the person's data in deals; kind -> records erased."""
    contacts = uow.personal_data.contacts_with_email(email)
    person = privacy.PersonValues.of(
        email,
        phones=[c.phone for c in contacts],
        full_names=[c.full_name for c in contacts],
        parts=[v for c in contacts for v in (c.first_name, c.last_name, c.job_title)],
    )
    activities = _activities_of(uow, contacts, person.unique)
    now = deps.clock.now()
    consents = 0
    for contact in contacts:
        rules.erase_contact(contact, actor.actor, now)
        uow.contacts.save(contact)
        keep_history(uow, contact)
        consents += uow.consents.delete_for_contact(contact.id)
    for activity in activities:
        rules.erase_activity(activity, actor.actor, now)
        uow.activities.save(activity)
        keep_history(uow, activity)
    erased = {"contacts": len(contacts), "activities": len(activities), "consents": consents}
    ids = tuple(c.id for c in contacts) + tuple(a.id for a in activities)
    erased.update(uow.personal_data.tombstone(person, ids, email))
    # The anonymised contacts are published after the tombstoning, so consumers replace
    # their copy of the person with the erased one.
    for contact in contacts:
        publish_contact_updated(uow, contact, actor, ["erased"])
    return {kind: n for kind, n in erased.items() if n}


def request_erasure(
    deps: Dependencies, caller: Caller, *, email: str, reason: str = ""
) -> PrivacyRequest:
    privacy.require_data_protection_officer(caller, "erasing a person's data")
    email = privacy.subject_email(email)
    with deps.uow() as uow:
        now = deps.clock.now()
        request = PrivacyRequest.erasure(
            id=deps.ids.new_id(),
            subject=privacy.masked(email),
            fingerprint=privacy.fingerprint(email),
            requested_by=caller.subject_id,
            reason=reason,
            at=now,
        )
        erased = erase_in_deals(uow, deps, caller, email)
        request.confirm(SERVICE, erased, now)
        uow.privacy_requests.add(request)
        uow.emit(
            "personal_data_erasure_requested",
            events_pb2.PersonalDataErasureRequested(request_id=request.id, email=email),
            aggregate_type=PrivacyRequest.RECORD_TYPE,
            aggregate_id=request.id,
            aggregate_version=1,
            actor=caller.actor,
        )
        uow.commit()
    return request


def on_erased(
    uow: DealsUnitOfWork,
    deps: Dependencies,
    *,
    service: str,
    request_id: str,
    erased: dict[str, int],
) -> PrivacyRequest | None:
    """A service's confirmation (in the handler's transaction); None for an unknown request."""
    request = uow.privacy_requests.get(request_id)
    if request is None or not request.confirm(service, dict(erased), deps.clock.now()):
        return request
    uow.privacy_requests.save(request)
    if request.completed:
        # Every service has erased the person: the request's own event, the last copy of the
        # address in deals, is tombstoned (its consumers have all answered).
        uow.personal_data.tombstone_request(request.id)
    return request


def get_request(deps: Dependencies, caller: Caller, request_id: str) -> PrivacyRequest:
    privacy.require_data_protection_officer(caller, "reading personal-data requests")
    with deps.uow() as uow:
        request = uow.privacy_requests.get(request_id) if request_id else None
    if request is None:
        raise NotFound(f"privacy request {request_id!r} not found", field="id")
    return request


def list_requests(deps: Dependencies, caller: Caller, limit: int = 0) -> list[PrivacyRequest]:
    privacy.require_data_protection_officer(caller, "reading personal-data requests")
    with deps.uow() as uow:
        return uow.privacy_requests.recent(min(max(limit or 50, 1), MAX_LIST))


def document_json(document: dict[str, list[Any]]) -> str:
    return json.dumps(document, ensure_ascii=False, sort_keys=True, default=str)
