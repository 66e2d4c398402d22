"""``crmctl notifications list|unread|read`` and ``crmctl tasks list``: your in-app
notifications, and your open tasks (or, for a supervisor, the team's) across every account,
contact and deal."""

from __future__ import annotations

import click

from crm.deals.v1 import notifications_pb2, tasks_pb2
from crmctl.commands.deals.rows import activity_row
from crmctl.commands.deals.stubs import Stubs
from crmctl.commands.identity.lookup import user_id
from crmctl.commands.leads.lookup import lead_tasks
from crmctl.commands.territory.lookup import team_id
from crmctl.options import limit_option, output_option, pass_session
from crmctl.output import message_to_dict, print_message, print_rows
from crmctl.paging import pages
from crmctl.session import CliError

NOTIFICATION_COLUMNS = [
    ("id", "id"),
    ("created_at", "when"),
    ("kind", "why"),
    ("title", "title"),
    ("record", "on"),
    ("read_at", "read"),
]
TASK_COLUMNS = [
    ("due_at", "due"),
    ("bucket", "bucket"),
    ("subject", "subject"),
    ("owner_user_id", "owner"),
    ("target", "on"),
    ("id", "id"),
]
LIMIT = limit_option(100)


@click.group()
def notifications() -> None:
    """Your in-app notifications (automations, reminders, assignments, hand-overs, transfers,
    mentions)."""


@notifications.command("list")
@click.option("--unread", "unread_only", is_flag=True, help="Only unread ones.")
@LIMIT
@output_option
@pass_session
def list_notifications(session, unread_only, limit):
    """Your notifications, newest first."""
    request = notifications_pb2.ListNotificationsRequest(unread_only=unread_only)
    rows = []
    for n in pages(session, Stubs(session).notifications.ListNotifications, request, limit=limit):
        data = message_to_dict(n)
        data["record"] = f"{n.record_type}:{n.record_id}"
        rows.append(data)
    print_rows(session.output, rows, NOTIFICATION_COLUMNS, empty="no notifications")


@notifications.command("unread")
@output_option
@pass_session
def unread(session):
    """How many of your notifications are unread."""
    response = session.call(
        Stubs(session).notifications.CountUnreadNotifications,
        notifications_pb2.CountUnreadNotificationsRequest(),
    )
    print_message(session.output, f"{response.unread} unread", unread=response.unread)


@notifications.command("read")
@click.argument("ids", nargs=-1)
@click.option("--all", "all_unread", is_flag=True, help="Mark every unread notification read.")
@output_option
@pass_session
def mark_read(session, ids, all_unread):
    """Mark notifications IDS read (or --all)."""
    if bool(ids) == all_unread:
        raise CliError("give the notification ids to mark read, or --all")
    response = session.call(
        Stubs(session).notifications.MarkNotificationsRead,
        notifications_pb2.MarkNotificationsReadRequest(ids=list(ids), all_unread=all_unread),
    )
    print_message(session.output, f"{response.marked} marked read", marked=response.marked)


@click.group()
def tasks() -> None:
    """Open tasks across every account, contact, deal and unconverted lead, by due time."""


@tasks.command("list")
@click.option("--team", default="", help="A team you supervise or manage: its tasks.")
@click.option("--user", default="", help="With --team: one member's tasks (id or e-mail).")
@click.option(
    "--bucket",
    type=click.Choice(["overdue", "today", "this_week", "later", "all"]),
    default=None,
    help="Only this bucket (default: overdue, today and this week).",
)
@click.option("--tz", "time_zone", default="", help="Time zone of your day and week (default UTC).")
@LIMIT
@output_option
@pass_session
def list_tasks(session, team, user, bucket, time_zone, limit):
    """Your open tasks (or a team's), by due time, each with its bucket: deals' (accounts,
    contacts, deals) and leads' (unconverted leads), one call per page to each."""
    if user and not team:
        raise CliError("--user needs --team: a supervisor sees a member's tasks within a team")
    request = tasks_pb2.ListMyTasksRequest(
        team_id=team_id(session, team) if team else "",
        user_id=user_id(session, user) if user else "",
        bucket=bucket or "",
        time_zone=time_zone,
    )
    rows = []
    for due in pages(session, Stubs(session).tasks.ListMyTasks, request, limit=limit):
        data = activity_row(due.task)
        data["bucket"] = due.bucket
        rows.append(data)
    rows += lead_tasks(
        session,
        team_id=request.team_id,
        user_id=request.user_id,
        bucket=request.bucket,
        time_zone=request.time_zone,
        limit=limit,
    )
    rows.sort(key=lambda r: (r.get("due_at", ""), r.get("id", "")))
    print_rows(session.output, rows[:limit] if limit else rows, TASK_COLUMNS, empty="no open tasks")
