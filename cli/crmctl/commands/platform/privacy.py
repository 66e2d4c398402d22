"""``crmctl privacy export|erase|status|requests|consent``: personal-data requests across the
platform (leads and deals) and contacts' consent records.

    crmctl privacy export --email X --out FILE.zip   # one JSON file per service + manifest.json
    crmctl privacy erase --email X [--reason TEXT]  # deals coordinates; prints the request
    crmctl privacy status ID                         # progress, one line per service
    crmctl privacy requests                          # the audit record, newest first

Every command needs the data_protection_officer role (identity), except the consent commands
(whoever may change the contact).
"""

from __future__ import annotations

import datetime as dt
import json
import pathlib
import zipfile

import click

from crm.common.v1 import privacy_pb2 as common
from crm.deals.v1 import privacy_pb2 as pb
from crm.deals.v1 import privacy_pb2_grpc as deals_privacy
from crm.leads.v1 import privacy_pb2_grpc as leads_privacy
from crmctl.options import output_option, pass_session
from crmctl.output import message_to_dict, print_message, print_record, print_rows

REQUEST_FIELDS = [
    ("id", "id"),
    ("state", "state"),
    ("subject", "person"),
    ("requested_by", "requested by"),
    ("requested_at", "requested at"),
    ("reason", "reason"),
    ("completed_at", "completed at"),
]
CONFIRMATION_COLUMNS = [
    ("service", "service"),
    ("state", "state"),
    ("erased", "erased"),
    ("note", "note"),
    ("confirmed_at", "confirmed"),
]
CONSENT_COLUMNS = [
    ("recorded_at", "when"),
    ("channel", "channel"),
    ("granted", "granted"),
    ("source", "source"),
    ("recorded_by", "by"),
]


class DealsStubs:
    """deals' PrivacyService (the coordinator) on the session's channel to deals."""

    def __init__(self, session):
        self.privacy = deals_privacy.PrivacyServiceStub(session.channel("deals"))


class LeadsStubs:
    def __init__(self, session):
        self.privacy = leads_privacy.LeadPrivacyServiceStub(session.channel("leads"))


@click.group("privacy")
def privacy() -> None:
    """Personal-data requests: a person's export and erasure, consents."""


def _export_archive(parts: list[common.PersonalDataExport], email: str, out: pathlib.Path) -> dict:
    manifest = {
        "email": email,
        "exported_at": dt.datetime.now(dt.UTC).isoformat(),
        "services": {p.service: {"file": f"{p.service}.json", "records": p.records} for p in parts},
        "records": sum(p.records for p in parts),
    }
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for part in parts:
            document = json.loads(part.document_json or "{}")
            archive.writestr(f"{part.service}.json", json.dumps(document, indent=2))
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
    return manifest


@privacy.command("export")
@click.option("--email", required=True, help="The person's e-mail address.")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=pathlib.Path),
    help="The zip archive to write.",
)
@output_option
@pass_session
def export(session, email, out):
    """Everything leads and deals hold about the person, as one zip archive."""
    request = common.ExportPersonalDataRequest(email=email)
    parts = [
        session.call(LeadsStubs(session).privacy.ExportPersonalData, request),
        session.call(DealsStubs(session).privacy.ExportPersonalData, request),
    ]
    manifest = _export_archive(parts, parts[0].email, out)
    found = ", ".join(f"{p.service} {p.records}" for p in parts)
    text = f"wrote {out} ({found} records)"
    if not manifest["records"]:
        text = f"wrote {out}: the platform holds nothing about {parts[0].email}"
    print_message(session.output, text, file=str(out), **manifest)


def _print_request(session, request: pb.PrivacyRequest) -> None:
    if session.output != "table":
        print_record(session.output, message_to_dict(request))
        return
    print_record(session.output, message_to_dict(request), fields=REQUEST_FIELDS)
    rows = [message_to_dict(c) for c in request.confirmations]
    for row in rows:
        row["erased"] = ", ".join(f"{k} {v}" for k, v in sorted(row.get("erased", {}).items()))
    print_rows(session.output, rows, CONFIRMATION_COLUMNS, empty="no service takes part")


@privacy.command("erase")
@click.option("--email", required=True, help="The person's e-mail address.")
@click.option("--reason", default="", help="Why (e.g. the ticket of the person's request).")
@output_option
@pass_session
def erase(session, email, reason):
    """Erase the person in every service; `privacy status ID` shows the progress."""
    request = session.call(
        DealsStubs(session).privacy.RequestErasure,
        pb.RequestErasureRequest(email=email, reason=reason),
    )
    _print_request(session, request)


@privacy.command("status")
@click.argument("request_id")
@output_option
@pass_session
def status(session, request_id):
    """A request's progress and what each service erased."""
    _print_request(
        session,
        session.call(
            DealsStubs(session).privacy.GetPrivacyRequest,
            pb.GetPrivacyRequestRequest(id=request_id),
        ),
    )


@privacy.command("requests")
@click.option("--limit", default=50, show_default=True, help="At most this many.")
@output_option
@pass_session
def requests(session, limit):
    """Every personal-data request (the audit record), newest first."""
    response = session.call(
        DealsStubs(session).privacy.ListPrivacyRequests,
        pb.ListPrivacyRequestsRequest(limit=limit),
    )
    rows = [message_to_dict(r) for r in response.requests]
    print_rows(
        session.output,
        rows,
        [("requested_at", "when"), ("state", "state"), ("subject", "person"), ("id", "id")],
        empty="no requests",
    )


@privacy.group("consent")
def consent() -> None:
    """A contact's consent records (deals)."""


@consent.command("record")
@click.argument("contact_id")
@click.option("--channel", default="email", show_default=True)
@click.option("--granted/--withdrawn", required=True, help="Given or withdrawn.")
@click.option("--source", required=True, help="Where it came from (a form, a call, a letter).")
@output_option
@pass_session
def record_consent(session, contact_id, channel, granted, source):
    """Record CONTACT's consent or its withdrawal."""
    record = session.call(
        DealsStubs(session).privacy.RecordConsent,
        pb.RecordConsentRequest(
            contact_id=contact_id, channel=channel, granted=granted, source=source
        ),
    )
    print_record(session.output, message_to_dict(record), fields=CONSENT_COLUMNS)


@consent.command("list")
@click.argument("contact_id")
@output_option
@pass_session
def list_consents(session, contact_id):
    """CONTACT's consent records, oldest first."""
    response = session.call(
        DealsStubs(session).privacy.ListConsents, pb.ListConsentsRequest(contact_id=contact_id)
    )
    rows = [message_to_dict(r) for r in response.consents]
    print_rows(session.output, rows, CONSENT_COLUMNS, empty="no consent recorded")
