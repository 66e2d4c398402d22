"""``crmctl access ...``: what a person may see (territory's scopes and access decisions)."""

from __future__ import annotations

import click

from crm.territory.v1 import access_pb2, teams_pb2
from crmctl.commands.identity.lookup import user_id
from crmctl.commands.territory.lookup import team_id
from crmctl.commands.territory.rows import row, words
from crmctl.commands.territory.stubs import Stubs
from crmctl.options import output_option, pass_session
from crmctl.output import print_record, print_rows

ACTIONS = words(access_pb2.AccessAction)


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
    found = session.call(
        Stubs(session).access.ListScopes,
        access_pb2.ListScopesRequest(user_id=user_id(session, user)),
    )
    snapshot = found.user_scopes
    if session.output != "table":
        print_record(session.output, row(snapshot))
        return
    rows = [row(s, role=teams_pb2.TeamRole, source=access_pb2.ScopeSource) for s in snapshot.scopes]
    state = "active" if snapshot.active else "inactive or unknown"
    print_rows(
        "table",
        rows,
        [("team_id", "team"), ("role", "role"), ("source", "from"), ("unit_id", "managed unit")],
        empty=f"no access to any team's records ({state}, access version "
        f"{snapshot.access_version})",
    )


@access.command("check")
@click.argument("user")
@click.argument("action", type=click.Choice(list(ACTIONS)))
@click.argument("team")
@click.option("--owner", default="", help="The record's owner (decides update for experts).")
@output_option
@pass_session
def check(session, user, action, team, owner):
    """May USER do ACTION on a record of TEAM? (about yourself; services about anyone)"""
    answer = session.call(
        Stubs(session).access.CheckAccess,
        access_pb2.CheckAccessRequest(
            user_id=user_id(session, user),
            action=ACTIONS[action],
            team_id=team_id(session, team),
            record_owner_id=owner,
        ),
    )
    print_record(
        session.output,
        row(answer, deny_reason=access_pb2.DenyReason),
        fields=[("allowed", "allowed"), ("reason", "reason"), ("deny_reason", "denied because")],
    )
