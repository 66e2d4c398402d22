"""``crmctl leads activity record|list``: the behavioural activities of a lead (they feed its
engagement score)."""

from __future__ import annotations

import click

from crm.common.v1 import pagination_pb2
from crm.leads.v1 import lead_pb2, lead_service_pb2
from crmctl.commands.leads.arguments import pairs
from crmctl.commands.leads.stubs import Stubs
from crmctl.options import output_option, pass_session
from crmctl.output import print_message, print_rows
from crmctl.wire import enum_choice, enum_value, enum_word, time_text, timestamp


@click.group("activity")
def activity() -> None:
    """Behavioural activities of a lead (they feed its engagement score)."""


@activity.command("record")
@click.argument("lead")
@click.option("--kind", "-k", required=True, type=enum_choice(lead_pb2.ActivityKind))
@click.option(
    "--id",
    "activity_id",
    required=True,
    help="Your id of the activity (a retry with it is not counted twice).",
)
@click.option("--at", "occurred_at", help="When (ISO 8601); default now.")
@click.option("--detail", "details", multiple=True, help="Detail KEY=VALUE, e.g. url=...")
@output_option
@pass_session
def record_activity(session, lead, kind, activity_id, occurred_at, details):
    """Record an activity and show the lead's new score."""
    message = lead_pb2.LeadActivity(
        id=activity_id,
        lead_id=lead,
        kind=enum_value(lead_pb2.ActivityKind, kind),
        occurred_at=timestamp(occurred_at, "--at"),
        details=pairs(details, "--detail"),
    )
    response = session.call(
        Stubs(session).leads.RecordLeadActivity,
        lead_service_pb2.RecordLeadActivityRequest(activity=message),
    )
    score = response.score if response.HasField("score") else None
    text = f"activity {response.activity.id} " + (
        "was recorded before" if response.replayed else "recorded"
    )
    if score is not None:
        text += f"; score {score.score} ({enum_word(lead_pb2.Grade, score.grade)})"
    print_message(
        session.output,
        text,
        activity_id=response.activity.id,
        replayed=response.replayed,
        score=None if score is None else score.score,
    )


@activity.command("list")
@click.argument("lead")
@output_option
@pass_session
def list_activities(session, lead):
    """Activities of a lead, newest first."""
    response = session.call(
        Stubs(session).leads.ListLeadActivities,
        lead_service_pb2.ListLeadActivitiesRequest(
            lead_id=lead, page=pagination_pb2.PageRequest(page_size=500)
        ),
    )
    rows = [
        {
            "id": a.id,
            "kind": enum_word(lead_pb2.ActivityKind, a.kind),
            "when": time_text(a.occurred_at),
            "details": [f"{k}={v}" for k, v in sorted(a.details.items())],
        }
        for a in response.activities
    ]
    print_rows(
        session.output,
        rows,
        [("when", "when"), ("kind", "kind"), ("id", "id"), ("details", "details")],
        empty="no activities",
    )
