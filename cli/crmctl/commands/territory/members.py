"""``crmctl members ...``: memberships of people in teams, moves, pause/resume and leave."""

from __future__ import annotations

import click
from google.protobuf import field_mask_pb2

from crm.territory.v1 import teams_pb2
from crmctl.commands.identity.lookup import user_id
from crmctl.commands.territory.lookup import team_id
from crmctl.commands.territory.rows import row, words
from crmctl.commands.territory.stubs import Stubs
from crmctl.options import output_option, pass_session
from crmctl.output import print_record, print_rows
from crmctl.paging import pages
from crmctl.session import CliError
from crmctl.wire import instant

ROLES = words(teams_pb2.TeamRole)
MEMBER_FIELDS = [
    ("id", "id"),
    ("team_id", "team"),
    ("user_id", "user"),
    ("role", "role"),
    ("starts_at", "from"),
    ("ends_at", "until"),
    ("daily_capacity", "capacity"),
    ("takes_leads", "takes leads"),
    ("paused", "paused"),
    ("end_reason", "end reason"),
]
ABSENCE_FIELDS = [
    ("id", "id"),
    ("user_id", "user"),
    ("starts_at", "from"),
    ("ends_at", "until"),
    ("reason", "reason"),
    ("cancelled", "cancelled"),
]


def _member_row(membership) -> dict:
    data = row(membership, role=teams_pb2.TeamRole)
    data.setdefault("ends_at", "")
    return data


def _print_member(session, membership) -> None:
    print_record(session.output, _member_row(membership), fields=MEMBER_FIELDS)


@click.group()
def members() -> None:
    """People in teams (admin or the team's manager; pause/resume/leave also the person)."""


@members.command("list")
@click.option("--team", default="", help="Only this team (id or name).")
@click.option("--user", default="", help="Only this person (id or e-mail).")
@click.option("--ended", is_flag=True, help="Include ended memberships.")
@output_option
@pass_session
def list_members(session, team, user, ended):
    """List memberships of a team, of a person, or both."""
    if not team and not user:
        raise CliError("give --team, --user or both")
    request = teams_pb2.ListMembershipsRequest(
        team_id=team_id(session, team) if team else "",
        user_id=user_id(session, user) if user else "",
        include_ended=ended,
    )
    rows = [_member_row(m) for m in pages(session, Stubs(session).members.ListMemberships, request)]
    print_rows(session.output, rows, MEMBER_FIELDS, empty="no memberships")


@members.command("add")
@click.argument("team")
@click.argument("user")
@click.option("--role", type=click.Choice(list(ROLES)), default="expert", show_default=True)
@click.option(
    "--capacity", type=click.IntRange(min=0), default=0, help="Most new leads a day; 0 = unlimited."
)
@click.option(
    "--takes-leads/--no-leads",
    default=None,
    help="Whether routing gives them leads (default: yes, except managers).",
)
@click.option("--since", default="", help="Back-dated start (ISO 8601); default now.")
@output_option
@pass_session
def add(session, team, user, role, capacity, takes_leads, since):
    """Add USER (id or e-mail) to TEAM."""
    request = teams_pb2.AddMemberRequest(
        team_id=team_id(session, team),
        user_id=user_id(session, user),
        role=ROLES[role],
        daily_capacity=capacity,
    )
    if takes_leads is not None:
        request.takes_leads = takes_leads
    start = instant(since, "--since")
    if start is not None:
        request.starts_at.FromDatetime(start)
    _print_member(session, session.call(Stubs(session).members.AddMember, request).membership)


@members.command("end")
@click.argument("membership")
@click.option("--reason", default="", help="Why, kept on the membership.")
@output_option
@pass_session
def end(session, membership, reason):
    """End a membership now: access to the team's records ends at once."""
    ended = session.call(
        Stubs(session).members.EndMembership,
        teams_pb2.EndMembershipRequest(membership_id=membership, reason=reason),
    )
    _print_member(session, ended.membership)


@members.command("move")
@click.argument("user")
@click.option("--from", "from_team", required=True, help="The team they leave (id or name).")
@click.option("--to", "to_team", required=True, help="The team they join (id or name).")
@click.option(
    "--role",
    type=click.Choice(list(ROLES)),
    default=None,
    help="Role in the new team; default: the same.",
)
@click.option("--capacity", type=click.IntRange(min=0), default=0)
@output_option
@pass_session
def move(session, user, from_team, to_team, role, capacity):
    """Move USER to another team: the old membership ends at once, the new one starts."""
    moved = session.call(
        Stubs(session).members.MoveMember,
        teams_pb2.MoveMemberRequest(
            user_id=user_id(session, user),
            from_team_id=team_id(session, from_team),
            to_team_id=team_id(session, to_team),
            role=ROLES.get(role, 0),
            daily_capacity=capacity,
        ),
    )
    print_rows(
        session.output,
        [
            dict(_member_row(moved.ended), change="ended"),
            dict(_member_row(moved.started), change="started"),
        ],
        [("change", "change"), *MEMBER_FIELDS],
    )


@members.command("update")
@click.argument("membership")
@click.option("--role", type=click.Choice(list(ROLES)), default=None)
@click.option(
    "--capacity",
    type=click.IntRange(min=0),
    default=None,
    help="Most new leads a day; 0 = unlimited.",
)
@click.option("--takes-leads/--no-leads", default=None)
@click.option("--expected-version", type=int, default=0)
@output_option
@pass_session
def update(session, membership, role, capacity, takes_leads, expected_version):
    """Change a member's role, daily capacity or lead intake (only the options given)."""
    changes = teams_pb2.Membership(
        role=ROLES.get(role, 0), daily_capacity=capacity or 0, takes_leads=bool(takes_leads)
    )
    paths = [
        p
        for p, v in (("role", role), ("daily_capacity", capacity), ("takes_leads", takes_leads))
        if v is not None
    ]
    if not paths:
        raise CliError("nothing to change: give --role, --capacity or --takes-leads/--no-leads")
    updated = session.call(
        Stubs(session).members.UpdateMembership,
        teams_pb2.UpdateMembershipRequest(
            membership_id=membership,
            membership=changes,
            update_mask=field_mask_pb2.FieldMask(paths=paths),
            expected_version=expected_version,
        ),
    )
    _print_member(session, updated.membership)


@members.command("pause")
@click.argument("membership")
@output_option
@pass_session
def pause(session, membership):
    """Pause a member: they keep access but get no new leads."""
    result = session.call(
        Stubs(session).members.PauseMember, teams_pb2.PauseMemberRequest(membership_id=membership)
    )
    _print_member(session, result.membership)


@members.command("resume")
@click.argument("membership")
@output_option
@pass_session
def resume(session, membership):
    """Resume a paused member."""
    result = session.call(
        Stubs(session).members.ResumeMember, teams_pb2.ResumeMemberRequest(membership_id=membership)
    )
    _print_member(session, result.membership)


@members.group("absence")
def absence() -> None:
    """Leave: a person on leave gets no new leads in any team."""


@absence.command("add")
@click.argument("user")
@click.option("--from", "starts", required=True, help="Start (ISO 8601), e.g. 2026-07-01.")
@click.option("--until", "ends", required=True, help="End, exclusive (ISO 8601).")
@click.option("--reason", default="", help="Free text, e.g. vacation.")
@output_option
@pass_session
def add_absence(session, user, starts, ends, reason):
    """Record leave of USER (id or e-mail)."""
    request = teams_pb2.RecordAbsenceRequest(user_id=user_id(session, user), reason=reason)
    request.starts_at.FromDatetime(instant(starts, "--from"))
    request.ends_at.FromDatetime(instant(ends, "--until"))
    result = session.call(Stubs(session).members.RecordAbsence, request)
    print_record(session.output, row(result.absence), fields=ABSENCE_FIELDS)


@absence.command("list")
@click.argument("user")
@output_option
@pass_session
def list_absences(session, user):
    """Current and future leave of USER."""
    result = session.call(
        Stubs(session).members.ListAbsences,
        teams_pb2.ListAbsencesRequest(user_id=user_id(session, user)),
    )
    print_rows(
        session.output,
        [row(a) for a in result.absences],
        ABSENCE_FIELDS,
        empty="no current or future leave",
    )


@absence.command("cancel")
@click.argument("absence_id")
@output_option
@pass_session
def cancel_absence(session, absence_id):
    """Cancel recorded leave."""
    result = session.call(
        Stubs(session).members.CancelAbsence, teams_pb2.CancelAbsenceRequest(absence_id=absence_id)
    )
    print_record(session.output, row(result.absence), fields=ABSENCE_FIELDS)
