"""leads' records as rows to print: a lead with its team, owner and sales line named for
people, enum values as lower-case words (``web_form``)."""

from __future__ import annotations

import json

import click

from crm.leads.v1 import lead_pb2
from crmctl.names import Names, names
from crmctl.output import message_to_dict, print_record
from crmctl.session import Session
from crmctl.wire import enum_word, time_text

LIST_COLUMNS = [
    ("id", "id"),
    ("name", "name"),
    ("email", "e-mail"),
    ("company", "company"),
    ("status", "status"),
    ("score", "score"),
    ("grade", "grade"),
    ("team", "team"),
    ("owner", "owner"),
]
SHOW_FIELDS = [
    *LIST_COLUMNS,
    ("phone", "phone"),
    ("title", "title"),
    ("country", "country"),
    ("channel", "channel"),
    ("campaign", "campaign"),
    ("sales_line", "sales line"),
    ("product_interest", "product interest"),
    ("custom", "custom attributes"),
    ("top_factors", "score factors"),
    ("status_note", "status note"),
    ("conversion", "conversion"),
    ("merged_into", "merged into"),
    ("version", "version"),
    ("created", "created"),
    ("updated", "updated"),
]


def lead_row(lead: lead_pb2.Lead, named: Names | None = None) -> dict:
    """A lead for printing; with ``named`` (tables for people) its team, owner and sales line
    carry their names beside the ids."""
    person, data = lead.data.person, lead.data
    team, owner, line = (named.team, named.user, named.line) if named else (str, str, str)
    row = {
        "id": lead.id,
        "name": " ".join(p for p in (person.first_name, person.last_name) if p),
        "email": person.email,
        "company": data.company.name,
        "status": enum_word(lead_pb2.LeadStatus, lead.status),
        "score": lead.score.score,
        "grade": enum_word(lead_pb2.Grade, lead.score.grade),
        "team": team(lead.assignment.team_id)
        or (
            f"(queue {team(lead.assignment.queue_team_id)})"
            if lead.assignment.queue_team_id
            else ""
        ),
        "owner": owner(lead.assignment.owner_user_id),
        "phone": person.phone,
        "title": person.title,
        "country": data.location.country,
        "channel": enum_word(lead_pb2.Channel, data.source.channel),
        "campaign": data.source.campaign_id,
        "sales_line": line(data.sales_line_id),
        "product_interest": list(data.product_interest),
        "custom": [f"{k}={v}" for k, v in sorted(data.custom_attributes.items())],
        "top_factors": [f"{f.label} ({f.points})" for f in lead.score.top_factors],
        "status_note": lead.status_note,
        "merged_into": lead.merged_into_lead_id,
        "version": lead.version,
        "created": time_text(lead.created_at),
        "updated": time_text(lead.updated_at),
    }
    if lead.status == lead_pb2.LEAD_STATUS_DISQUALIFIED:
        reason = enum_word(lead_pb2.DisqualificationReason, lead.disqualification_reason)
        row["status"] += f" ({reason})"
    if lead.HasField("conversion"):
        c = lead.conversion
        row["conversion"] = " ".join(
            filter(
                None,
                [
                    enum_word(lead_pb2.ConversionState, c.state),
                    f"attempts {c.attempts}",
                    c.last_error and f"last error: {c.last_error}",
                    c.opportunity_id and f"opportunity {c.opportunity_id}",
                ],
            )
        )
    return row


def show_lead(session: Session, lead: lead_pb2.Lead) -> None:
    if session.output == "json":
        click.echo(json.dumps(message_to_dict(lead), indent=2))
        return
    if session.output == "id":
        click.echo(lead.id)
        return
    print_record(session.output, lead_row(lead, names(session)), fields=SHOW_FIELDS)
