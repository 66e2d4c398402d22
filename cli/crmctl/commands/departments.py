"""``crmctl departments list``."""
from __future__ import annotations

import click

from crm.identity.v1 import users_pb2
from crmctl.commands.common import output_option, pass_session
from crmctl.commands.users import user_stub
from crmctl.output import message_to_dict, print_rows


@click.group()
def departments() -> None:
    """The departments of the company."""


@departments.command("list")
@output_option
@pass_session
def list_departments(session):
    """List the departments users may belong to."""
    response = session.call(user_stub(session).ListDepartments,
                            users_pb2.ListDepartmentsRequest())
    print_rows(session.output, [message_to_dict(d) for d in response.departments],
               [("name", "name"), ("description", "description")])


COMMANDS = [departments]
