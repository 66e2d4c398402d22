"""End to end over the real processes of identity, territory, leads, deals and reporting: a
person who was a lead, converted to a contact with activities and a customer e-mail actually
sent, is exported and then erased. Afterwards the export finds nothing personal, no API returns
the person, reporting's event store and its rebuild hold nothing of them, and the request shows
completed with each service's confirmation. reporting's worker is down when the request is made:
the request waits, showing reporting pending, and completes once the worker is back."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from email import message_from_bytes, policy

import grpc
import pytest
from aiosmtpd.controller import Controller
from e2e_platform import (
    PASSWORD,
    As,
    Stubs,
    converted_lead,
    create_pipeline,
    german_line,
    small_company,
    unique,
    visible_lead,
    web_form_lead,
)
from sqlalchemy import create_engine, text

from crm.common.v1 import privacy_pb2 as common
from crm.deals.v1 import accounts_pb2, customer_emails_pb2, customer_emails_pb2_grpc, deals_pb2
from crm.deals.v1 import privacy_pb2 as pb
from crm.deals.v1 import privacy_pb2_grpc as deals_privacy
from crm.identity.v1 import users_pb2
from crm.leads.v1 import interactions_pb2, interactions_pb2_grpc
from crm.leads.v1 import lead_service_pb2 as ls
from crm.leads.v1 import privacy_pb2_grpc as leads_privacy
from crm_devrun.bed import PlatformBed
from crm_testkit import free_port

pytestmark = pytest.mark.integration


class SmtpSink:
    """The SMTP server deals' worker sends customer e-mails to."""

    def __init__(self):
        self.messages, self.port = [], free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    smtp = SmtpSink()
    smtp._controller.start()
    env = {
        "CRM_DEALS_SMTP_HOST": "127.0.0.1",
        "CRM_DEALS_SMTP_PORT": str(smtp.port),
        "CRM_DEALS_DELIVERY_POLL_SECONDS": "0.5",
    }
    services = ["identity", "territory", "leads", "deals", "reporting"]
    try:
        with PlatformBed(services, tmp_path_factory.mktemp("bed"), env=env) as bed:
            stubs = Stubs(bed)
            admin = As(bed.admin_token())
            company = small_company(bed, stubs, admin)
            line = german_line(stubs, admin, company)
            pipeline = create_pipeline(bed, admin, line.id)
            email = f"{unique('dora')}@example.com"
            user = admin(
                stubs.users.CreateUser,
                users_pb2.CreateUserRequest(
                    email=email,
                    display_name="Dora Data",
                    password=PASSWORD,
                    roles=["data_protection_officer"],
                ),
            )
            dpo = As(bed.login(email, PASSWORD), user.id)
            yield dict(
                bed=bed,
                stubs=stubs,
                admin=admin,
                line=line,
                pipeline=pipeline,
                dpo=dpo,
                smtp=smtp,
                deals_privacy=deals_privacy.PrivacyServiceStub(bed.channel("deals")),
                leads_privacy=leads_privacy.LeadPrivacyServiceStub(bed.channel("leads")),
                **company,
            )
    finally:
        smtp._controller.stop()


def _export(platform, email: str) -> dict[str, dict]:
    """Each service's part of the export, as `crmctl privacy export` zips it."""
    request = common.ExportPersonalDataRequest(email=email)
    dpo = platform["dpo"]
    parts = [
        dpo(platform["leads_privacy"].ExportPersonalData, request),
        dpo(platform["deals_privacy"].ExportPersonalData, request),
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in parts:
            archive.writestr(f"{part.service}.json", part.document_json)
    with zipfile.ZipFile(buffer) as archive:
        return {p.service: json.loads(archive.read(f"{p.service}.json")) for p in parts}


def _database_text(bed, service: str, query: str) -> str:
    engine = create_engine(bed.database_urls[service])
    try:
        with engine.connect() as conn:
            return " ".join(str(v) for row in conn.execute(text(query)) for v in row).lower()
    finally:
        engine.dispose()


def test_an_erased_person_is_gone_from_every_service(platform):
    bed, stubs, sue, dpo = (
        platform["bed"],
        platform["stubs"],
        platform["people"]["sue"],
        platform["dpo"],
    )
    form = web_form_lead(platform["line"].id)
    person = form.lead.person
    email, last_name = person.email, person.last_name
    lead_id = platform["admin"](stubs.leads.CreateLead, form).lead.id
    lead = bed.wait_for(lambda: visible_lead(stubs, sue, lead_id), 60, "lead not routed")
    interactions = interactions_pb2_grpc.LeadInteractionServiceStub(bed.channel("leads"))
    sue(
        interactions.LogLeadInteraction,
        interactions_pb2.LogLeadInteractionRequest(
            lead_id=lead_id,
            kind=interactions_pb2.INTERACTION_KIND_CALL,
            subject=f"Call with {person.first_name} {last_name}",
            owner_user_id=lead.assignment.owner_user_id,
        ),
    )
    converted = converted_lead(bed, stubs, sue, lead_id, name="Vogel water")
    contact_id, deal_id = converted.conversion.contact_id, converted.conversion.opportunity_id

    # Consent recorded, then a stage move sends the contact a customer e-mail.
    sue(
        platform["deals_privacy"].RecordConsent,
        pb.RecordConsentRequest(
            contact_id=contact_id, channel="email", granted=True, source="web form"
        ),
    )
    emails = customer_emails_pb2_grpc.CustomerEmailServiceStub(bed.channel("deals"))
    platform["admin"](
        emails.SetCustomerEmailTemplate,
        customer_emails_pb2.SetCustomerEmailTemplateRequest(
            pipeline_id=platform["pipeline"].id,
            stage_key="proposal",
            subject="Your proposal",
            body="<p>Dear {{ contact.full_name }}</p>",
        ),
    )
    sue(
        stubs.deals.MoveDealToStage,
        deals_pb2.MoveDealToStageRequest(id=deal_id, stage_key="proposal"),
    )

    def sent():
        found = sue(
            emails.ListCustomerEmails,
            customer_emails_pb2.ListCustomerEmailsRequest(deal_id=deal_id),
        )
        return [e for e in found.emails if e.state == "sent"] or None

    bed.wait_for(sent, 60, "the customer e-mail was never sent")
    assert [to for to, _ in platform["smtp"].messages] == [[email]]

    before = _export(platform, email)
    assert [lead["id"] for lead in before["leads"]["leads"]] == [lead_id]
    assert before["leads"]["interactions"]
    assert [c["id"] for c in before["deals"]["contacts"]] == [contact_id]
    assert before["deals"]["activities"] and before["deals"]["consents"]
    assert [e["state"] for e in before["deals"]["customer_emails"]] == ["sent"]
    bed.wait_for(
        lambda: (
            last_name.lower() in _database_text(bed, "reporting", "SELECT body FROM event_store")
        ),
        60,
        "reporting never stored the lead's events",
        interval=0.5,
    )

    # Who may: nobody without the role, not even the administrator or the team's supervisor.
    for caller in (platform["admin"], sue):
        error = caller.error(
            platform["deals_privacy"].RequestErasure, pb.RequestErasureRequest(email=email)
        )
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    bad = dpo.error(platform["deals_privacy"].RequestErasure, pb.RequestErasureRequest(email="x"))
    assert bad.code() == grpc.StatusCode.INVALID_ARGUMENT

    # reporting is down mid-way: its worker stops before the request is made.
    bed.stop("reporting.worker")
    request = dpo(
        platform["deals_privacy"].RequestErasure,
        pb.RequestErasureRequest(email=email, reason="data subject request"),
    )

    def status():
        return dpo(
            platform["deals_privacy"].GetPrivacyRequest, pb.GetPrivacyRequestRequest(id=request.id)
        )

    def leads_confirmed():
        found = status()
        return (
            found if {c.service: c.state for c in found.confirmations}["leads"] == "done" else None
        )

    waiting = bed.wait_for(leads_confirmed, 60, "leads never confirmed the erasure")
    assert waiting.state == "in_progress"
    assert {c.service: c.state for c in waiting.confirmations} == {
        "deals": "done",
        "leads": "done",
        "reporting": "pending",
    }
    # The request's event waits in reporting's queue; the worker back, it is handled.
    bed.start_again("reporting.worker")

    def completed():
        found = status()
        return found if found.state == "completed" else None

    done = bed.wait_for(completed, 60, "the erasure never completed")
    confirmations = {c.service: c for c in done.confirmations}
    assert set(confirmations) == {"deals", "leads", "reporting"}
    assert all(c.state == "done" and c.confirmed_at.seconds for c in confirmations.values())
    assert confirmations["leads"].erased["leads"] == 1
    assert confirmations["deals"].erased["contacts"] == 1
    assert confirmations["reporting"].erased["events"] >= 1
    assert done.subject.endswith(email.split("@")[1]) and email not in done.subject

    after = _export(platform, email)
    assert all(records == [] for part in after.values() for records in part.values())
    contact = sue(stubs.contacts.GetContact, accounts_pb2.GetContactRequest(id=contact_id))
    assert (contact.email, contact.phone) == ("", "") and last_name not in contact.last_name
    found = sue(
        stubs.leads.SearchLeads, ls.SearchLeadsRequest(filter=ls.LeadFilter(text=last_name))
    )
    assert list(found.leads) == []
    gone = sue(stubs.leads.GetLead, ls.GetLeadRequest(lead_id=lead_id))
    assert email not in str(gone) and last_name not in str(gone)

    # reporting confirmed after tombstoning its store (one transaction), and a rebuild from it
    # brings nothing back.
    stored = _database_text(bed, "reporting", "SELECT body FROM event_store")
    assert email not in stored and last_name.lower() not in stored
    # The runbook's rebuild: the worker stopped (its events wait in the queues), then back.
    bed.stop("reporting.worker")
    subprocess.run(
        [sys.executable, "-m", "crm_reporting.rebuild"], env=bed.env, check=True, timeout=120
    )
    bed.start_again("reporting.worker")
    stored = _database_text(bed, "reporting", "SELECT body FROM event_store")
    assert email not in stored and last_name.lower() not in stored
    for service in ("leads", "deals", "reporting"):
        outbox = _database_text(bed, service, "SELECT payload FROM outbox")
        assert email not in outbox and last_name.lower() not in outbox, service


def test_an_unknown_person_is_an_empty_export_and_an_erasure_with_nothing_found(platform):
    dpo, email = platform["dpo"], f"{unique('nobody')}@example.com"
    assert all(r == [] for part in _export(platform, email).values() for r in part.values())
    request = dpo(platform["deals_privacy"].RequestErasure, pb.RequestErasureRequest(email=email))

    def completed():
        found = dpo(
            platform["deals_privacy"].GetPrivacyRequest, pb.GetPrivacyRequestRequest(id=request.id)
        )
        return found if found.state == "completed" else None

    done = platform["bed"].wait_for(completed, 60, "the erasure never completed")
    assert {c.note for c in done.confirmations} == {"nothing found"}
