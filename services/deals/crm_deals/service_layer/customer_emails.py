"""Use cases of customer e-mails on a stage change (domain/customer_emails.py).

``on_stage_entered`` runs inside the transaction of a person's committed stage move: for each
of the deal's contacts (``deal_contacts``: the primary contact, then the other contacts of the
deal's account in the deal's team) that consented to e-mails and has an address, it
renders the template of the contact's language (else the stage's default), emits the
``customer_email_requested`` command (key: deal, version after the move, contact) and logs the
e-mail on the deal's timeline. Nothing is sent for a move that does not commit, and the worker
delivers each key once (adapters/automation_delivery.py): exactly one e-mail per committed move
and contact. Deliveries that fail (a refused address, an unreachable server) are retried with
the automation backoff and end ``failed`` with their error (ListCustomerEmails).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crm.deals.v1 import events_pb2
from crm_chassis.context import Actor
from crm_chassis.errors import InvalidArgument, NotFound
from crm_deals.domain import bounces
from crm_deals.domain import customer_emails as rules
from crm_deals.domain.accounts import Contact
from crm_deals.domain.activities import EMAIL, NOTE, Activity
from crm_deals.domain.customer_emails import CustomerEmailTemplate, RenderedEmail
from crm_deals.domain.deliveries import BOUNCED, SENT, Delivery
from crm_deals.domain.opportunities import Opportunity
from crm_deals.domain.pipelines import Pipeline
from crm_deals.domain.text import require_id
from crm_deals.service_layer import event_messages
from crm_deals.service_layer.access import Access, Caller
from crm_deals.service_layer.dependencies import Dependencies
from crm_deals.service_layer.recording import keep_history, publish, referenced
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork

KIND = "customer_email"  # the deliveries' kind and the commands' trigger
SENDER = Actor.system("customer-emails")


@dataclass(frozen=True)
class Planned:
    contact: Contact
    template: CustomerEmailTemplate
    email: RenderedEmail


@dataclass(frozen=True)
class Plan:
    emails: list[Planned]
    skipped: list[str]


def _pipeline(uow: DealsUnitOfWork, pipeline_id: str) -> Pipeline:
    """The pipeline a caller names: INVALID_ARGUMENT without an id, NOT_FOUND for an unknown."""
    pipeline_id = require_id(pipeline_id, "pipeline_id")
    pipeline = uow.pipelines.get(pipeline_id)
    if pipeline is None:
        raise NotFound(f"pipeline {pipeline_id!r} not found", field="pipeline_id")
    return pipeline


def set_template(
    deps: Dependencies,
    caller: Caller,
    *,
    pipeline_id: str,
    stage_key: str,
    language: str,
    subject: str,
    body: str,
    enabled: bool = True,
) -> CustomerEmailTemplate:
    Access.of(caller, deps.scopes).require_structure_admin("write customer e-mail templates")
    language = rules.clean_language(language)
    with deps.uow() as uow:
        pipeline = _pipeline(uow, pipeline_id)
        stage = pipeline.stage(stage_key)
        existing = next(
            (
                t
                for t in uow.customer_email_templates.for_pipeline(pipeline.id, stage.key)
                if t.language == language
            ),
            None,
        )
        template = CustomerEmailTemplate.write(
            existing,
            id=existing.id if existing else deps.ids.new_id(),
            pipeline_id=pipeline.id,
            stage_key=stage.key,
            language=language,
            subject=subject,
            body=body,
            enabled=enabled,
            actor=caller.actor,
            at=deps.clock.now(),
        )
        if existing is None:
            uow.customer_email_templates.add(template)
        else:
            uow.customer_email_templates.save(template)
        keep_history(uow, template)
        uow.commit()
    return template


def list_templates(
    deps: Dependencies, caller: Caller, *, pipeline_id: str, stage_key: str = ""
) -> list[CustomerEmailTemplate]:
    Access.of(caller, deps.scopes)  # any authenticated person, as pipelines
    with deps.uow() as uow:
        pipeline = _pipeline(uow, pipeline_id)
        if stage_key:
            pipeline.stage(stage_key)
        return uow.customer_email_templates.for_pipeline(pipeline.id, stage_key)


def deal_contacts(uow: DealsUnitOfWork, deal: Opportunity) -> list[Contact]:
    """The deal's contacts: its primary contact first, then every other contact of the deal's
    account in the deal's team (by name), each once. A contact of another team is never
    among them: the e-mail is logged on the deal's timeline, which that team's people see."""
    primary = uow.contacts.get(deal.primary_contact_id) if deal.primary_contact_id else None
    others = sorted(
        (
            c
            for c in (uow.contacts.for_account(deal.account_id) if deal.account_id else [])
            if c.team_id == deal.team_id and (primary is None or c.id != primary.id)
        ),
        key=lambda c: (c.full_name.lower(), c.id),
    )
    return ([primary] if primary is not None else []) + others


def _plan(uow: DealsUnitOfWork, deal: Opportunity, stage_key: str) -> Plan:
    templates = uow.customer_email_templates.for_pipeline(deal.pipeline_id, stage_key)
    if not templates:
        return Plan([], [])
    pipeline = referenced(uow.pipelines.get(deal.pipeline_id), "pipeline", deal.pipeline_id)
    account = uow.accounts.get(deal.account_id)
    contacts = deal_contacts(uow, deal)
    if not contacts:
        return Plan([], ["the deal has no contact"])
    emails: list[Planned] = []
    skipped: list[str] = []
    for contact in contacts:
        reason = _not_sendable(uow, contact)
        template = None if reason else rules.choose(templates, contact.language)
        if not reason and template is None:
            reason = f"no enabled template for {contact.language!r}"
        if reason or template is None:
            skipped.append(f"contact {contact.id}: {reason}")
            continue
        values = {
            "contact.first_name": contact.first_name,
            "contact.last_name": contact.last_name,
            "contact.full_name": contact.full_name,
            "deal.name": deal.name,
            "deal.stage": pipeline.stage(stage_key).name,
            "account.name": account.name if account else "",
        }
        emails.append(Planned(contact, template, rules.render(template, values)))
    return Plan(emails, skipped)


def _not_sendable(uow: DealsUnitOfWork, contact: Contact) -> str:
    """Why a contact gets no customer e-mail ("" when it does)."""
    if not contact.email_consent:
        return "no consent to e-mails"
    if not contact.email:
        return "no e-mail address"
    return bounced_reason(uow, contact.email)


def bounced_reason(uow: DealsUnitOfWork, address: str) -> str:
    """Why nothing goes to ``address`` when it bounced hard ("" when it did not)."""
    bounced = uow.bounced_addresses.get(bounces.normalise_address(address))
    if bounced is None:
        return ""
    return (
        f"{bounced.address} bounced hard ({bounced.status}) on {bounced.bounced_at:%Y-%m-%d}; "
        "nothing is sent to it until it is cleared (ClearBouncedAddress)"
    )


def address_suppressed(deps: Dependencies, address: str) -> str:
    """The sender's check at send time: an address that bounced hard since the move."""
    with deps.uow() as uow:
        return bounced_reason(uow, address)


def on_stage_entered(
    uow: DealsUnitOfWork, deps: Dependencies, caller: Caller, deal: Opportunity
) -> int:
    """In the move's transaction: the commands and timeline entries of the move's e-mails."""
    plan = _plan(uow, deal, deal.stage_key)
    now = deps.clock.now()
    for item in plan.emails:
        key = f"customer-email:{deal.id}@{deal.version}:{item.contact.id}"
        command = events_pb2.CustomerEmailRequested(
            cause=events_pb2.AutomationCause(
                idempotency_key=key,
                deal_id=deal.id,
                trigger=KIND,
                team_id=deal.team_id,
                record_type="opportunity",
            ),
            contact_id=item.contact.id,
            to_name=item.contact.full_name,
            to_address=item.contact.email,
            subject=item.email.subject,
            html_body=item.email.html_body,
            template_id=item.template.id,
        )
        publish(uow, "customer_email_requested", command, deal, caller)
        logged = Activity.log(
            id=deps.ids.new_id(),
            team_id=deal.team_id,
            kind=EMAIL,
            target_type="opportunity",
            target_id=deal.id,
            subject=item.email.subject,
            body=f"To {item.contact.full_name} <{item.contact.email}> "
            f"(template {item.template.id}; sending: ListCustomerEmails, key {key})",
            owner_user_id=deal.owner_user_id or SENDER.id,
            direction="outbound",
            actor=SENDER,
            at=now,
        )
        uow.activities.add(logged)
        keep_history(uow, logged)
        publish(uow, "activity_logged", event_messages.activity_logged(logged), logged, caller)
    return len(plan.emails)


def preview(deps: Dependencies, caller: Caller, deal_id: str, stage_key: str = "") -> Plan:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        deal = access.visible(uow.opportunities.get(deal_id), "deal", deal_id)
        stage = stage_key or deal.stage_key
        pipeline = referenced(uow.pipelines.get(deal.pipeline_id), "pipeline", deal.pipeline_id)
        pipeline.stage(stage)
        plan = _plan(uow, deal, stage)
        if not plan.emails and not plan.skipped:
            return Plan([], [f"stage {stage!r} has no customer e-mail template"])
        return plan


@dataclass(frozen=True)
class BounceOutcome:
    """What one bounced recipient of a DSN did: ``recorded`` (the e-mail is now bounced),
    ``already recorded`` (the same DSN again), ``no matching e-mail`` (not one of ours, or
    its delivery is gone), ``not sent`` (the delivery never went out)."""

    bounce: bounces.Bounce
    outcome: str


RECORDED, AGAIN, UNMATCHED, NOT_SENT = (
    "recorded",
    "already recorded",
    "no matching e-mail",
    "not sent",
)


def ingest_bounce(deps: Dependencies, caller: Caller, message: bytes) -> list[BounceOutcome]:
    """Read a delivery status notification (RFC 3464) that arrived after the e-mail was
    accepted: each failed recipient marks the customer e-mail it names (by its
    X-CRM-Idempotency-Key, else its Message-ID) ``bounced`` with the reported status, logs the
    bounce on the deal's timeline, and a hard bounce stops customer e-mails to the address
    until it is cleared. Administrators and the management department (or the mail gateway's
    operator acting as one) hand DSNs in; the answer names no deal, so it shows nothing of a
    team the caller is not in."""
    Access.of(caller, deps.scopes).require_structure_admin("report bounced e-mails")
    reported = bounces.parse_dsn(message)
    outcomes = []
    now = deps.clock.now()
    with deps.uow() as uow:
        for bounce in reported:
            outcomes.append(BounceOutcome(bounce, _record_bounce(uow, deps, caller, bounce, now)))
        uow.commit()
    return outcomes


def _record_bounce(
    uow: DealsUnitOfWork,
    deps: Dependencies,
    caller: Caller,
    bounce: bounces.Bounce,
    now: dt.datetime,
) -> str:
    delivery = uow.deliveries.get(bounce.idempotency_key) if bounce.idempotency_key else None
    if delivery is None and bounce.message_id:
        delivery = uow.deliveries.by_message_id(bounce.message_id)
    if delivery is None or delivery.kind != KIND:
        return UNMATCHED
    if delivery.state not in (SENT, BOUNCED):
        return NOT_SENT
    if not delivery.bounce(bounce.reason):
        return AGAIN
    uow.deliveries.save(delivery)
    if bounce.severity == bounces.HARD:
        uow.bounced_addresses.put(
            bounces.BouncedAddress(
                address=bounce.recipient,
                status=bounce.status,
                reason=bounce.reason,
                idempotency_key=delivery.idempotency_key,
                bounced_at=now,
            )
        )
    deal = uow.opportunities.get(delivery.deal_id)
    if deal is not None:
        logged = Activity.log(
            id=deps.ids.new_id(),
            team_id=deal.team_id,
            kind=NOTE,
            target_type="opportunity",
            target_id=deal.id,
            subject=f"E-mail to {bounce.recipient} bounced ({bounce.severity}, {bounce.status})"[
                :200
            ],
            body=f"{bounce.reason} (ListCustomerEmails, key {delivery.idempotency_key})"
            + (
                "; no customer e-mail goes to the address until it is cleared"
                if bounce.severity == bounces.HARD
                else ""
            ),
            owner_user_id=deal.owner_user_id or SENDER.id,
            actor=SENDER,
            at=now,
        )
        uow.activities.add(logged)
        keep_history(uow, logged)
        publish(uow, "activity_logged", event_messages.activity_logged(logged), logged, caller)
    return RECORDED


def list_bounced_addresses(deps: Dependencies, caller: Caller) -> list[bounces.BouncedAddress]:
    Access.of(caller, deps.scopes).require_structure_admin("read bounced addresses")
    with deps.uow() as uow:
        return uow.bounced_addresses.all()


def clear_bounced_address(deps: Dependencies, caller: Caller, address: str) -> None:
    """Customer e-mails go to the address again (NOT_FOUND when it had not bounced)."""
    Access.of(caller, deps.scopes).require_structure_admin("clear bounced addresses")
    address = bounces.normalise_address(address)
    if not address:
        raise InvalidArgument("address is required", field="address")
    with deps.uow() as uow:
        if not uow.bounced_addresses.remove(address):
            raise NotFound(f"{address} has not bounced", field="address")
        uow.commit()


def list_sent(deps: Dependencies, caller: Caller, deal_id: str) -> list[Delivery]:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        deal = uow.opportunities.get(deal_id)
        if deal is None or not access.can_see(deal.team_id):
            raise NotFound(f"deal {deal_id!r} not found", field="deal_id")
        return uow.deliveries.for_deal(deal.id, KIND)
