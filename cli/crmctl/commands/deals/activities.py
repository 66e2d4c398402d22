"""``crmctl activities ...``: log calls, e-mails, meetings, notes and tasks on an account,
contact or deal (also on a teammate's), read a record's timeline, tick tasks."""

from __future__ import annotations

import click

from crm.deals.v1 import activities_pb2, exports_pb2, resources_pb2
from crmctl.commands.deals.arguments import record_ref
from crmctl.commands.deals.rows import activity_row
from crmctl.commands.deals.stubs import Stubs
from crmctl.commands.identity.lookup import user_id
from crmctl.exports import FORMATS, export_options, write_export
from crmctl.options import limit_option, output_option, pass_session
from crmctl.output import print_record, print_rows
from crmctl.paging import pages
from crmctl.session import CliError
from crmctl.wire import enum_choice, enum_value, timestamp

COLUMNS = [
    ("id", "id"),
    ("kind", "kind"),
    ("subject", "subject"),
    ("occurred_at", "when"),
    ("due_at", "due"),
    ("done_at", "done"),
    ("owner_user_id", "owner"),
    ("logged_by", "logged by"),
    ("target", "on"),
]
FIELDS = [
    *COLUMNS,
    ("body", "text"),
    ("direction", "direction"),
    ("outcome", "outcome"),
    ("duration_minutes", "minutes"),
    ("team_id", "team"),
    ("version", "version"),
]
RECORD_HELP = "The record: TYPE:ID with TYPE account, contact or deal."


@click.group()
def activities() -> None:
    """The activities timeline of accounts, contacts and deals."""


@activities.command("log")
@click.argument("record")
@click.option(
    "--kind",
    "-k",
    type=enum_choice(resources_pb2.ActivityKind),
    required=True,
    help="Kind of activity.",
)
@click.option("--subject", "-s", required=True, help="Subject line.")
@click.option("--body", default="", help="Text.")
@click.option(
    "--owner",
    "owner_user_id",
    default="",
    help="Whose activity it is (default: you; you stay recorded as logged by).",
)
@click.option("--at", "occurred_at", default=None, help="When it happened (default: now).")
@click.option("--due", "due_at", default=None, help="Due date of a task (required for tasks).")
@click.option(
    "--direction",
    type=click.Choice(["inbound", "outbound"]),
    default=None,
    help="Calls and e-mails.",
)
@click.option(
    "--minutes",
    "duration_minutes",
    type=click.IntRange(0, 1440),
    default=0,
    help="Duration of a call or meeting.",
)
@click.option(
    "--outcome",
    type=click.Choice(["connected", "no_answer", "voicemail", "busy", "wrong_number"]),
    default=None,
    help="What came of a call.",
)
@click.option(
    "--mention",
    "mentions",
    multiple=True,
    help="A member of the record's team to notify (id or e-mail; repeatable).",
)
@output_option
@pass_session
def log(
    session,
    record,
    kind,
    subject,
    body,
    owner_user_id,
    occurred_at,
    due_at,
    direction,
    duration_minutes,
    outcome,
    mentions,
):
    """Log an activity on RECORD (TYPE:ID, e.g. deal:1f2e...)."""
    request = activities_pb2.LogActivityRequest(
        target=record_ref(record),
        kind=enum_value(resources_pb2.ActivityKind, kind),
        subject=subject,
        body=body,
        owner_user_id=owner_user_id,
        direction=direction or "",
        duration_minutes=duration_minutes,
        occurred_at=timestamp(occurred_at, "--at"),
        due_at=timestamp(due_at, "--due"),
        outcome=outcome or "",
        mention_user_ids=[user_id(session, m) for m in mentions],
    )
    activity = session.call(Stubs(session).activities.LogActivity, request)
    print_record(session.output, activity_row(activity), fields=FIELDS)


@activities.command("timeline")
@click.argument("record")
@click.option(
    "--kind",
    "-k",
    "kinds",
    type=enum_choice(resources_pb2.ActivityKind),
    multiple=True,
    help="Only these kinds (repeatable).",
)
@limit_option(100)
@output_option
@pass_session
def timeline(session, record, kinds, limit):
    """The timeline of RECORD (TYPE:ID), newest first; an account's includes its contacts' and
    deals'."""
    request = activities_pb2.ListTimelineRequest(
        target=record_ref(record), kinds=[enum_value(resources_pb2.ActivityKind, k) for k in kinds]
    )
    rows = [
        activity_row(a)
        for a in pages(session, Stubs(session).activities.ListTimeline, request, limit=limit)
    ]
    print_rows(session.output, rows, COLUMNS, empty="no activities")


@activities.command("done")
@click.argument("activity_id")
@click.option("--undo", is_flag=True, help="Mark the task not done again.")
@output_option
@pass_session
def done(session, activity_id, undo):
    """Mark a task done (or --undo)."""
    activity = session.call(
        Stubs(session).activities.CompleteTask,
        activities_pb2.CompleteTaskRequest(id=activity_id, done=not undo),
    )
    print_record(session.output, activity_row(activity), fields=FIELDS)


@activities.command("update")
@click.argument("activity_id")
@click.option("--subject", "-s", default="", help="New subject.")
@click.option("--body", default=None, help="New text.")
@click.option("--due", "due_at", default=None, help="New due date (tasks).")
@output_option
@pass_session
def update(session, activity_id, subject, body, due_at):
    """Change the subject, text or due date of an activity."""
    if not subject and body is None and due_at is None:
        raise CliError("nothing to change: give --subject, --body or --due")
    request = activities_pb2.UpdateActivityRequest(
        id=activity_id, subject=subject, body=body, due_at=timestamp(due_at, "--due")
    )
    activity = session.call(Stubs(session).activities.UpdateActivity, request)
    print_record(session.output, activity_row(activity), fields=FIELDS)


@activities.command("export")
@click.argument("record")
@click.option(
    "--kind",
    "-k",
    "kinds",
    type=enum_choice(resources_pb2.ActivityKind),
    multiple=True,
    help="Only these kinds (repeatable).",
)
@export_options
@pass_session
def export_activities(session, record, kinds, format_word, path):
    """Export the timeline of RECORD (TYPE:ID) to CSV or JSON Lines."""
    request = exports_pb2.ExportActivitiesRequest(
        format=FORMATS[format_word],
        filter=activities_pb2.ListTimelineRequest(
            target=record_ref(record),
            kinds=[enum_value(resources_pb2.ActivityKind, k) for k in kinds],
        ),
    )
    write_export(session, Stubs(session).exports.ExportActivities, request, path)
