"""``crmctl users ...``: create, list, show, update, (de|re)activate, reset passwords, departments.

A USER argument is an id or an e-mail (:mod:`crmctl.commands.identity.lookup`).
"""

from __future__ import annotations

import click
from google.protobuf import field_mask_pb2

from crm.identity.v1 import users_pb2
from crmctl.commands.identity.lookup import user_id
from crmctl.commands.identity.rows import user_row
from crmctl.commands.identity.stubs import Stubs
from crmctl.options import (
    expected_version_option,
    limit_option,
    output_option,
    pass_session,
    read_secret,
)
from crmctl.output import print_message, print_record, print_rows
from crmctl.paging import pages
from crmctl.session import CliError
from crmctl.wire import enum_words

LIST_COLUMNS = [
    ("id", "id"),
    ("email", "e-mail"),
    ("display_name", "name"),
    ("status", "status"),
    ("departments", "departments"),
    ("roles", "roles"),
]
SHOW_FIELDS = [
    *LIST_COLUMNS,
    ("version", "version"),
    ("created_at", "created"),
    ("updated_at", "updated"),
]
STATUS_FILTER = enum_words(users_pb2.User.Status)


@click.group()
def users() -> None:
    """Manage users (changes need the admin role)."""


@users.command("create")
@click.option("--email", "-e", required=True, help="E-mail of the new user.")
@click.option("--name", "-n", "display_name", required=True, help="Name shown to people.")
@click.option(
    "--department",
    "-d",
    "departments",
    multiple=True,
    help="A department to start in (repeatable); see `crmctl departments list`.",
)
@click.option(
    "--role", "-r", "roles", multiple=True, help="A role to grant (repeatable), e.g. admin."
)
@click.option("--password-stdin", is_flag=True, help="Read the initial password from stdin.")
@output_option
@pass_session
def create(session, email, display_name, departments, roles, password_stdin):
    """Create a user with an initial password (prompted twice unless --password-stdin)."""
    password = read_secret(from_stdin=password_stdin, prompt="Initial password", confirm=True)
    user = session.call(
        Stubs(session).users.CreateUser,
        users_pb2.CreateUserRequest(
            email=email,
            display_name=display_name,
            password=password,
            departments=list(departments),
            roles=list(roles),
        ),
    )
    print_record(session.output, user_row(user), fields=SHOW_FIELDS)


@users.command("list")
@click.option("--status", type=click.Choice(sorted(STATUS_FILTER)), help="Only this status.")
@click.option("--department", "-d", default="", help="Only members of this department.")
@click.option("--role", "-r", default="", help="Only users with this role.")
@click.option("--query", "-q", default="", help="Text the e-mail or name contains.")
@limit_option(200, "users")
@output_option
@pass_session
def list_users(session, status, department, role, query, limit):
    """List users ordered by e-mail."""
    request = users_pb2.ListUsersRequest(
        status=STATUS_FILTER.get(status, users_pb2.User.STATUS_UNSPECIFIED),
        department=department,
        role=role,
        query=query,
    )
    rows = [
        user_row(u) for u in pages(session, Stubs(session).users.ListUsers, request, limit=limit)
    ]
    print_rows(session.output, rows, LIST_COLUMNS, empty="no users match")


@users.command("show")
@click.argument("user")
@output_option
@pass_session
def show(session, user):
    """Show one user (USER: id or e-mail)."""
    found = session.call(
        Stubs(session).users.GetUser, users_pb2.GetUserRequest(id=user_id(session, user))
    )
    print_record(session.output, user_row(found), fields=SHOW_FIELDS)


@users.command("update")
@click.argument("user")
@click.option("--name", "-n", "display_name", help="New display name.")
@click.option("--email", "-e", help="New e-mail.")
@click.option(
    "--role",
    "-r",
    "roles",
    multiple=True,
    help="The complete new set of roles (repeatable); see --clear-roles.",
)
@click.option("--clear-roles", is_flag=True, help="Remove every role.")
@expected_version_option("Refuse the change unless the user is at this version.")
@output_option
@pass_session
def update(session, user, display_name, email, roles, clear_roles, expected_version):
    """Change a user's name, e-mail or roles (only the options given)."""
    if roles and clear_roles:
        raise CliError("give either --role or --clear-roles, not both")
    changes = users_pb2.User(display_name=display_name or "", email=email or "", roles=list(roles))
    paths = [
        path
        for path, given in (
            ("display_name", display_name),
            ("email", email),
            ("roles", roles or clear_roles),
        )
        if given
    ]
    if not paths:
        raise CliError("nothing to change: give --name, --email, --role or --clear-roles")
    updated = session.call(
        Stubs(session).users.UpdateUser,
        users_pb2.UpdateUserRequest(
            id=user_id(session, user),
            user=changes,
            update_mask=field_mask_pb2.FieldMask(paths=paths),
            expected_version=expected_version,
        ),
    )
    print_record(session.output, user_row(updated), fields=SHOW_FIELDS)


@users.command("deactivate")
@click.argument("user")
@click.option("--reason", default="", help="Why; kept in the user's history.")
@output_option
@pass_session
def deactivate(session, user, reason):
    """Deactivate a user: their tokens stop working and they can no longer log in."""
    result = session.call(
        Stubs(session).users.DeactivateUser,
        users_pb2.DeactivateUserRequest(id=user_id(session, user), reason=reason),
    )
    print_record(session.output, user_row(result), fields=SHOW_FIELDS)


@users.command("reactivate")
@click.argument("user")
@output_option
@pass_session
def reactivate(session, user):
    """Reactivate a deactivated user."""
    result = session.call(
        Stubs(session).users.ReactivateUser,
        users_pb2.ReactivateUserRequest(id=user_id(session, user)),
    )
    print_record(session.output, user_row(result), fields=SHOW_FIELDS)


@users.command("reset-password")
@click.argument("user")
@click.option("--password-stdin", is_flag=True, help="Read the new password from stdin.")
@output_option
@pass_session
def reset_password(session, user, password_stdin):
    """Set a new password for a user; ends their sessions."""
    ident = user_id(session, user)
    password = read_secret(from_stdin=password_stdin, prompt="New password", confirm=True)
    session.call(
        Stubs(session).users.ResetPassword,
        users_pb2.ResetPasswordRequest(id=ident, new_password=password),
    )
    print_message(
        session.output,
        f"password of {user} reset; their sessions have ended",
        user_id=ident,
        reset=True,
    )


@users.group("departments")
def user_departments() -> None:
    """A user's departments."""


@user_departments.command("set")
@click.argument("user")
@click.argument("departments", nargs=-1)
@click.option("--none", "clear", is_flag=True, help="Remove the user from every department.")
@output_option
@pass_session
def set_departments(session, user, departments, clear):
    """Replace the departments of USER with DEPARTMENTS (e.g. sales marketing)."""
    if not departments and not clear:
        raise CliError("name at least one department, or --none to remove all")
    if departments and clear:
        raise CliError("give departments or --none, not both")
    result = session.call(
        Stubs(session).users.SetUserDepartments,
        users_pb2.SetUserDepartmentsRequest(
            id=user_id(session, user), departments=list(departments)
        ),
    )
    print_record(session.output, user_row(result), fields=SHOW_FIELDS)
