"""``crmctl service-accounts create|list|set-roles``."""

from __future__ import annotations

import click

from crm.identity.v1 import users_pb2
from crmctl.commands.identity.stubs import Stubs
from crmctl.options import output_option, pass_session
from crmctl.output import message_to_dict, print_record, print_rows

ROLE_HELP = (
    "A service role to grant (repeatable): read_users, choose_owners, check_access, "
    "route_leads, quote_prices, capture_leads, record_lead_activity."
)
COLUMNS = [
    ("client_id", "client id"),
    ("name", "name"),
    ("roles", "roles"),
    ("active", "active"),
    ("created_at", "created"),
]


@click.group("service-accounts")
def service_accounts() -> None:
    """Accounts services use to call each other, with their narrow roles (admin)."""


@service_accounts.command("create")
@click.argument("name")
@click.option("--role", "-r", "roles", multiple=True, help=ROLE_HELP)
@output_option
@pass_session
def create(session, name, roles):
    """Create a service account for service NAME; prints its secret once."""
    response = session.call(
        Stubs(session).users.CreateServiceAccount,
        users_pb2.CreateServiceAccountRequest(name=name, roles=list(roles)),
    )
    print_record(
        session.output,
        message_to_dict(response),
        fields=[("client_id", "client id"), ("client_secret", "client secret")],
    )
    if session.output == "table":
        click.echo(
            "The secret is shown only now: store it (e.g. as "
            f"CRM_{name.upper().replace('-', '_')}_SERVICE_CLIENT_SECRET).",
            err=True,
        )


@service_accounts.command("list")
@output_option
@pass_session
def list_(session):
    """Every service account with its roles."""
    response = session.call(
        Stubs(session).users.ListServiceAccounts, users_pb2.ListServiceAccountsRequest()
    )
    rows = [message_to_dict(account) for account in response.service_accounts]
    print_rows(session.output, rows, COLUMNS, empty="no service accounts")


@service_accounts.command("set-roles")
@click.argument("client_id")
@click.option(
    "--role",
    "-r",
    "roles",
    multiple=True,
    help=ROLE_HELP + " None given: the account keeps no role.",
)
@output_option
@pass_session
def set_roles(session, client_id, roles):
    """Replace the roles of the service account CLIENT_ID."""
    response = session.call(
        Stubs(session).users.UpdateServiceAccountRoles,
        users_pb2.UpdateServiceAccountRolesRequest(client_id=client_id, roles=list(roles)),
    )
    print_record(session.output, message_to_dict(response), fields=COLUMNS)
