"""``crmctl departments list``."""

from __future__ import annotations

import click

from crm.identity.v1 import users_pb2
from crmctl.commands.identity.stubs import Stubs
from crmctl.options import output_option, pass_session
from crmctl.output import message_to_dict, print_rows


@click.group()
def departments() -> None:
    """The departments of the company."""


@departments.command("list")
@output_option
@pass_session
def list_departments(session):
    """List the departments users may belong to."""
    response = session.call(
        Stubs(session).users.ListDepartments, users_pb2.ListDepartmentsRequest()
    )
    print_rows(
        session.output,
        [message_to_dict(d) for d in response.departments],
        [("name", "name"), ("description", "description")],
    )
