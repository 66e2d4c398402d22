"""``crmctl routing ...`` (decisions and the unassigned queue) and ``crmctl access ...`` (what a
person may see: territory's scopes and access decisions)."""
from __future__ import annotations

import click

from crm.territory.v1 import access_pb2, routing_pb2
from crmctl.commands.common import output_option, pass_session
from crmctl.commands.territory import Stubs, all_pages, print_decision, row, team_id, user_id
from crmctl.output import print_record, print_rows

ACTIONS = {name.removeprefix("ACCESS_ACTION_").lower().replace("_", "-"): value
           for name, value in access_pb2.AccessAction.items() if value}
QUEUE_COLUMNS = [("lead_id", "lead"), ("decided_at", "since"), ("unroutable_reason", "why"),
                 ("sales_line_id", "line hint"), ("version", "version")]


@click.group()
def routing() -> None:
    """Routing decisions and the unassigned queue: only for those who may assign the lead
    (supervisors and managers of the routed team, members of the queue team)."""


@routing.command("decision")
@click.argument("lead_id")
@output_option
@pass_session
def decision(session, lead_id):
    """Where lead LEAD_ID went and why (not found unless you may assign the lead)."""
    found = session.call(Stubs(session).routing.GetRoutingDecision,
                         routing_pb2.GetRoutingDecisionRequest(lead_id=lead_id))
    print_decision(session, found.decision)


@routing.command("queue")
@output_option
@pass_session
def queue(session):
    """The leads waiting in the unassigned queue of your teams, oldest first."""
    rows = [row(d, unroutable_reason="UNROUTABLE_REASON_") for d in all_pages(
        session, Stubs(session).routing.ListUnassignedLeads,
        routing_pb2.ListUnassignedLeadsRequest())]
    print_rows(session.output, rows, QUEUE_COLUMNS, empty="no lead waits in the unassigned queue of a team you belong to")


@routing.command("retry")
@click.argument("lead_id")
@output_option
@pass_session
def retry(session, lead_id):
    """Route a queued lead again with the current rules and members."""
    again = session.call(Stubs(session).routing.RetryRouting,
                         routing_pb2.RetryRoutingRequest(lead_id=lead_id))
    print_decision(session, again.decision)


@click.group()
def access() -> None:
    """What a person may see and do (territory's access decisions)."""


@access.command("scopes")
@click.argument("user")
@output_option
@pass_session
def scopes(session, user):
    """The teams whose records USER (id or e-mail) sees, with the role in each (yours, or
    anyone's with the admin role)."""
    found = session.call(Stubs(session).access.ListScopes,
                         access_pb2.ListScopesRequest(user_id=user_id(session, user)))
    snapshot = found.user_scopes
    if session.output != "table":
        print_record(session.output, row(snapshot))
        return
    rows = [row(s, role="TEAM_ROLE_", source="SCOPE_SOURCE_") for s in snapshot.scopes]
    state = "active" if snapshot.active else "inactive or unknown"
    print_rows("table", rows, [("team_id", "team"), ("role", "role"), ("source", "from"),
                               ("unit_id", "managed unit")],
               empty=f"no access to any team's records ({state}, access version "
                     f"{snapshot.access_version})")


@access.command("check")
@click.argument("user")
@click.argument("action", type=click.Choice(list(ACTIONS)))
@click.argument("team")
@click.option("--owner", default="", help="The record's owner (decides update for experts).")
@output_option
@pass_session
def check(session, user, action, team, owner):
    """May USER do ACTION on a record of TEAM? (about yourself; services about anyone)"""
    answer = session.call(Stubs(session).access.CheckAccess, access_pb2.CheckAccessRequest(
        user_id=user_id(session, user), action=ACTIONS[action], team_id=team_id(session, team),
        record_owner_id=owner))
    print_record(session.output, row(answer, deny_reason="DENY_REASON_"),
                 fields=[("allowed", "allowed"), ("reason", "reason"),
                         ("deny_reason", "denied because")])


COMMANDS = [routing, access]
