"""``crmctl keys list|withdraw``: identity's token-signing keys (admin)."""
from __future__ import annotations

import click

from crm.identity.v1 import auth_pb2, auth_pb2_grpc
from crmctl.commands.common import output_option, pass_session
from crmctl.output import message_to_dict, print_message, print_rows
from crmctl.session import Session

COLUMNS = [("kid", "kid"), ("state", "state"), ("created_at", "created"),
           ("retired_at", "retired"), ("withdrawn_at", "withdrawn"),
           ("verify_until", "verifiable until")]


def _auth(session: Session) -> auth_pb2_grpc.AuthServiceStub:
    return auth_pb2_grpc.AuthServiceStub(session.channel("identity"))


def _row(state: auth_pb2.SigningKeyState) -> dict:
    key = state.key
    if state.HasField("withdrawn_at"):
        name = "withdrawn"
    elif key.active:
        name = "active"
    else:
        name = "retired" + ("" if state.published else " (expired)")
    as_dict = message_to_dict(state)
    return {"kid": key.kid, "state": name, "created_at": as_dict["key"].get("created_at", ""),
            "retired_at": as_dict.get("retired_at", ""),
            "withdrawn_at": as_dict.get("withdrawn_at", ""),
            "verify_until": as_dict["key"].get("verify_until", "") if state.published else "",
            "published": state.published}


@click.group("keys")
def keys() -> None:
    """identity's token-signing keys: list them, withdraw a leaked one (admin)."""


@keys.command("list")
@output_option
@pass_session
def list_(session):
    """Every stored signing key, newest first, with its state."""
    response = session.call(_auth(session).ListSigningKeys, auth_pb2.ListSigningKeysRequest())
    print_rows(session.output, [_row(state) for state in response.keys], COLUMNS,
               empty="no signing keys")


@keys.command("withdraw")
@click.argument("kid")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@output_option
@pass_session
def withdraw(session, kid, yes):
    """Withdraw the signing key KID at once: every token it signed is refused everywhere
    within a second, and a fresh key signs from now on if it was the active one."""
    if not yes:
        click.confirm(f"Withdraw key {kid}? Every token it signed stops working (people log in "
                      "again, services fetch new tokens).", abort=True, err=True)
    response = session.call(_auth(session).WithdrawSigningKey,
                            auth_pb2.WithdrawSigningKeyRequest(kid=kid))
    print_message(session.output, f"key {response.withdrawn.key.kid} withdrawn; "
                  f"{response.active_kid} signs now", kid=response.withdrawn.key.kid,
                  active_kid=response.active_kid)


COMMANDS = [keys]
