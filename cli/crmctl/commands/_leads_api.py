"""What the ``crmctl leads|campaigns|scoring`` command modules share: enum words, money and
time parsing, the leads stub and how a lead is shown. Not a command module itself (the leading
underscore keeps it out of command discovery)."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import click
from google.protobuf.timestamp_pb2 import Timestamp

from crm.common.v1 import money_pb2
from crm.leads.v1 import lead_pb2, lead_service_pb2_grpc
from crmctl.commands.names import Names, names
from crmctl.config import DEFAULT_ADDRESSES
from crmctl.output import message_to_dict, print_record
from crmctl.session import CliError, Session

DEFAULT_ADDRESSES.setdefault("leads", "127.0.0.1:50054")


# ------------------------------------------------------------------ shared helpers
def enum_words(proto_enum, prefix: str) -> list[str]:
    """A proto enum's words without prefix and UNSPECIFIED: CHANNEL_WEB_FORM -> web_form."""
    return [name.removeprefix(prefix + "_").lower() for name in proto_enum.keys()  # noqa: SIM118
            if not name.endswith("_UNSPECIFIED")]


def enum_number(proto_enum, prefix: str, word: str | None) -> int:
    if not word:
        return 0
    try:
        return proto_enum.Value(f"{prefix}_{word.upper()}")
    except ValueError:
        raise CliError(f"'{word}' is not one of {', '.join(enum_words(proto_enum, prefix))}"
                       ) from None


def enum_word(proto_enum, prefix: str, number: int) -> str:
    return "" if not number else proto_enum.Name(number).removeprefix(prefix + "_").lower()


def choice(proto_enum, prefix: str) -> click.Choice:
    return click.Choice(enum_words(proto_enum, prefix), case_sensitive=False)


def money(text: str | None) -> money_pb2.Money | None:
    """ "15000.50 EUR" -> Money (the service checks digits and currency)."""
    if not text:
        return None
    parts = text.split()
    if len(parts) != 2:
        raise CliError(f"'{text}' is not an amount with a currency; write e.g. '15000.50 EUR'")
    return money_pb2.Money(amount=parts[0], currency=parts[1].upper())


def money_text(value: money_pb2.Money) -> str:
    return f"{value.amount} {value.currency}" if value.currency else ""


def pairs(items, option: str) -> dict[str, str]:
    """KEY=VALUE options as a dict."""
    result = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise CliError(f"{option} takes KEY=VALUE, got '{item}'")
        result[key.strip()] = value.strip()
    return result


def timestamp(text: str | None) -> Timestamp | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CliError(f"'{text}' is not a time; use ISO 8601, e.g. 2026-03-01T09:30:00Z") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    value = Timestamp()
    value.FromDatetime(moment)
    return value


def time_text(value: Timestamp) -> str:
    if not value.seconds and not value.nanos:
        return ""
    return value.ToDatetime(tzinfo=UTC).isoformat(timespec="seconds")


def lead_stub(session: Session) -> lead_service_pb2_grpc.LeadServiceStub:
    return lead_service_pb2_grpc.LeadServiceStub(session.channel("leads"))


LIST_COLUMNS = [("id", "id"), ("name", "name"), ("email", "e-mail"), ("company", "company"),
                ("status", "status"), ("score", "score"), ("grade", "grade"),
                ("team", "team"), ("owner", "owner")]
SHOW_FIELDS = [*LIST_COLUMNS, ("phone", "phone"), ("title", "title"), ("country", "country"),
               ("channel", "channel"), ("campaign", "campaign"), ("sales_line", "sales line"),
               ("product_interest", "product interest"), ("custom", "custom attributes"),
               ("top_factors", "score factors"), ("status_note", "status note"),
               ("conversion", "conversion"), ("merged_into", "merged into"),
               ("version", "version"), ("created", "created"), ("updated", "updated")]


def lead_row(lead: lead_pb2.Lead, named: Names | None = None) -> dict:
    """A lead for printing; with ``named`` (tables for people) its team, owner and sales line
    carry their names beside the ids."""
    person, data = lead.data.person, lead.data
    team, owner, line = (named.team, named.user, named.line) if named else (str, str, str)
    row = {
        "id": lead.id, "name": " ".join(p for p in (person.first_name, person.last_name) if p),
        "email": person.email, "company": data.company.name,
        "status": enum_word(lead_pb2.LeadStatus, "LEAD_STATUS", lead.status),
        "score": lead.score.score, "grade": enum_word(lead_pb2.Grade, "GRADE", lead.score.grade),
        "team": team(lead.assignment.team_id) or (
            f"(queue {team(lead.assignment.queue_team_id)})"
            if lead.assignment.queue_team_id else ""),
        "owner": owner(lead.assignment.owner_user_id), "phone": person.phone, "title": person.title,
        "country": data.location.country,
        "channel": enum_word(lead_pb2.Channel, "CHANNEL", data.source.channel),
        "campaign": data.source.campaign_id, "sales_line": line(data.sales_line_id),
        "product_interest": list(data.product_interest),
        "custom": [f"{k}={v}" for k, v in sorted(data.custom_attributes.items())],
        "top_factors": [f"{f.label} ({f.points})" for f in lead.score.top_factors],
        "status_note": lead.status_note, "merged_into": lead.merged_into_lead_id,
        "version": lead.version, "created": time_text(lead.created_at),
        "updated": time_text(lead.updated_at)}
    if lead.status == lead_pb2.LEAD_STATUS_DISQUALIFIED:
        row["status"] += " (" + enum_word(lead_pb2.DisqualificationReason,
                                          "DISQUALIFICATION_REASON",
                                          lead.disqualification_reason) + ")"
    if lead.HasField("conversion"):
        c = lead.conversion
        row["conversion"] = " ".join(filter(None, [
            enum_word(lead_pb2.ConversionState, "CONVERSION_STATE", c.state),
            f"attempts {c.attempts}", c.last_error and f"last error: {c.last_error}",
            c.opportunity_id and f"opportunity {c.opportunity_id}"]))
    return row


def show_lead(session: Session, lead: lead_pb2.Lead) -> None:
    if session.output == "json":
        click.echo(json.dumps(message_to_dict(lead), indent=2))
        return
    if session.output == "id":
        click.echo(lead.id)
        return
    print_record(session.output, lead_row(lead, names(session)), fields=SHOW_FIELDS)


