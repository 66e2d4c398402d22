"""``crmctl keys list|withdraw``: identity's token-signing keys (admin)."""

from __future__ import annotations

import click

from crm.identity.v1 import auth_pb2
from crmctl.commands.identity.rows import signing_key_row
from crmctl.commands.identity.stubs import Stubs
from crmctl.options import output_option, pass_session
from crmctl.output import print_message, print_rows

COLUMNS = [
    ("kid", "kid"),
    ("state", "state"),
    ("created_at", "created"),
    ("retired_at", "retired"),
    ("withdrawn_at", "withdrawn"),
    ("verify_until", "verifiable until"),
]


@click.group("keys")
def keys() -> None:
    """identity's token-signing keys: list them, withdraw a leaked one (admin)."""


@keys.command("list")
@output_option
@pass_session
def list_(session):
    """Every stored signing key, newest first, with its state."""
    response = session.call(Stubs(session).auth.ListSigningKeys, auth_pb2.ListSigningKeysRequest())
    print_rows(
        session.output,
        [signing_key_row(state) for state in response.keys],
        COLUMNS,
        empty="no signing keys",
    )


@keys.command("withdraw")
@click.argument("kid")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@output_option
@pass_session
def withdraw(session, kid, yes):
    """Withdraw the signing key KID at once: every token it signed is refused everywhere
    within a second, and a fresh key signs from now on if it was the active one."""
    if not yes:
        click.confirm(
            f"Withdraw key {kid}? Every token it signed stops working (people log in "
            "again, services fetch new tokens).",
            abort=True,
            err=True,
        )
    response = session.call(
        Stubs(session).auth.WithdrawSigningKey, auth_pb2.WithdrawSigningKeyRequest(kid=kid)
    )
    print_message(
        session.output,
        f"key {response.withdrawn.key.kid} withdrawn; {response.active_kid} signs now",
        kid=response.withdrawn.key.kid,
        active_kid=response.active_kid,
    )
