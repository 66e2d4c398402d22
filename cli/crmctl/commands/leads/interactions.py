"""``crmctl leads interactions log|list|done``: the calls, e-mails, meetings, notes and tasks a
rep has with a lead (they move to the contact and the deal when the lead is converted)."""

from __future__ import annotations

import click

from crm.leads.v1 import interactions_pb2
from crmctl.commands.identity.lookup import user_id
from crmctl.commands.leads.stubs import Stubs
from crmctl.options import output_option, pass_session
from crmctl.output import message_to_dict, print_record, print_rows
from crmctl.paging import pages
from crmctl.wire import enum_choice, enum_value, enum_word, timestamp

COLUMNS = [
    ("id", "id"),
    ("kind", "kind"),
    ("subject", "subject"),
    ("occurred_at", "when"),
    ("outcome", "outcome"),
    ("due_at", "due"),
    ("done_at", "done"),
    ("owner_user_id", "owner"),
    ("logged_by", "logged by"),
]
FIELDS = [
    *COLUMNS,
    ("body", "text"),
    ("direction", "direction"),
    ("duration_minutes", "minutes"),
    ("is_contact", "contact made"),
    ("lead_id", "lead"),
    ("team_id", "team"),
]


def interaction_row(item: interactions_pb2.LeadInteraction) -> dict:
    data = message_to_dict(item)
    data["kind"] = enum_word(interactions_pb2.InteractionKind, item.kind)
    return data


@click.group("interactions")
def interactions() -> None:
    """Calls, e-mails, meetings, notes and tasks with a lead."""


@interactions.command("log")
@click.argument("lead")
@click.option("--kind", "-k", type=enum_choice(interactions_pb2.InteractionKind), required=True)
@click.option("--subject", "-s", required=True, help="Subject line.")
@click.option("--body", default="", help="Text.")
@click.option("--owner", default="", help="Whose interaction it is (default: you).")
@click.option("--at", "occurred_at", default=None, help="When it happened (default: now).")
@click.option("--due", "due_at", default=None, help="Due date of a task (required for tasks).")
@click.option("--direction", type=click.Choice(["inbound", "outbound"]), default=None)
@click.option(
    "--outcome",
    type=click.Choice(["connected", "no_answer", "voicemail", "busy", "wrong_number"]),
    default=None,
    help="What came of a call.",
)
@click.option("--minutes", "duration_minutes", type=click.IntRange(0, 1440), default=0)
@output_option
@pass_session
def log(
    session,
    lead,
    kind,
    subject,
    body,
    owner,
    occurred_at,
    due_at,
    direction,
    outcome,
    duration_minutes,
):
    """Log an interaction on LEAD (its id)."""
    request = interactions_pb2.LogLeadInteractionRequest(
        lead_id=lead,
        kind=enum_value(interactions_pb2.InteractionKind, kind),
        subject=subject,
        body=body,
        owner_user_id=user_id(session, owner) if owner else "",
        occurred_at=timestamp(occurred_at, "--at"),
        due_at=timestamp(due_at, "--due"),
        direction=direction or "",
        outcome=outcome or "",
        duration_minutes=duration_minutes,
    )
    item = session.call(Stubs(session).interactions.LogLeadInteraction, request)
    print_record(session.output, interaction_row(item), fields=FIELDS)


@interactions.command("list")
@click.argument("lead")
@click.option("--limit", type=click.IntRange(min=0), default=100, show_default=True)
@output_option
@pass_session
def list_interactions(session, lead, limit):
    """The interactions timeline of LEAD, newest first."""
    request = interactions_pb2.ListLeadInteractionsRequest(lead_id=lead)
    rows = [
        interaction_row(i)
        for i in pages(
            session, Stubs(session).interactions.ListLeadInteractions, request, limit=limit
        )
    ]
    print_rows(session.output, rows, COLUMNS, empty="no interactions")


@interactions.command("done")
@click.argument("task_id")
@output_option
@pass_session
def done(session, task_id):
    """Mark a task on a lead done."""
    item = session.call(
        Stubs(session).interactions.CompleteLeadTask,
        interactions_pb2.CompleteLeadTaskRequest(id=task_id),
    )
    print_record(session.output, interaction_row(item), fields=FIELDS)
