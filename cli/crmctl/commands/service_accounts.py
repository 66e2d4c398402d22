"""``crmctl service-accounts create``."""
from __future__ import annotations

import click

from crm.identity.v1 import users_pb2

from crmctl.commands.common import output_option, pass_session
from crmctl.commands.users import user_stub
from crmctl.output import message_to_dict, print_record


@click.group("service-accounts")
def service_accounts() -> None:
    """Accounts services use to call each other (admin)."""


@service_accounts.command("create")
@click.argument("name")
@click.option("--role", "-r", "roles", multiple=True, help="A role to grant (repeatable).")
@output_option
@pass_session
def create(session, name, roles):
    """Create a service account for service NAME; prints its secret once."""
    response = session.call(user_stub(session).CreateServiceAccount,
                            users_pb2.CreateServiceAccountRequest(name=name, roles=list(roles)))
    print_record(session.output, message_to_dict(response),
                 fields=[("client_id", "client id"), ("client_secret", "client secret")])
    if session.output == "table":
        click.echo("The secret is shown only now: store it (e.g. as "
                   f"CRM_{name.upper().replace('-', '_')}_SERVICE_CLIENT_SECRET).", err=True)


COMMANDS = [service_accounts]
