"""``crmctl login``, ``logout``, ``whoami``."""

from __future__ import annotations

import click
import grpc

from crm.identity.v1 import auth_pb2
from crmctl.commands.identity.stubs import Stubs
from crmctl.options import output_option, pass_session, read_secret
from crmctl.output import message_to_dict, print_message, print_record
from crmctl.session import Session, credentials_from


@click.command()
@click.option("--email", "-e", help="E-mail of the account (prompted when omitted).")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of stdin instead of prompting.",
)
@output_option
@pass_session
def login(session: Session, email: str | None, password_stdin: bool) -> None:
    """Log in and keep the session in credentials.json (owner-readable only)."""
    if not email:
        email = click.prompt("E-mail")
    password = read_secret(from_stdin=password_stdin, prompt="Password")
    pair = session.call(
        Stubs(session).auth.Login,
        auth_pb2.LoginRequest(email=email.strip(), password=password),
        authenticated=False,
    )
    credentials = credentials_from(pair, address=session.address("identity"), email=email.strip())
    session.store.save(credentials)
    print_message(
        session.output,
        f"logged in as {credentials.email} at {credentials.identity_address}",
        email=credentials.email,
        identity=credentials.identity_address,
        access_token_expires_at=credentials.access_token_expires_at.isoformat(),
    )


@click.command()
@output_option
@pass_session
def logout(session: Session) -> None:
    """End the session: revoke the refresh token and forget the credentials."""
    credentials = session.store.load()
    if credentials is None:
        print_message(session.output, "not logged in; nothing to do", logged_out=False)
        return
    warning = None
    if credentials.refresh_token:
        try:
            session.call(
                Stubs(session).auth.Logout,
                auth_pb2.LogoutRequest(refresh_token=credentials.refresh_token),
                authenticated=False,
            )
        except grpc.RpcError as exc:
            # The local credentials go anyway: a logout must never leave a usable token on disk.
            warning = (
                f"could not revoke the session at identity ({exc.code().name}: {exc.details()})"
            )
            click.echo(f"warning: {warning}; the local credentials are removed anyway", err=True)
    session.store.delete()
    print_message(
        session.output,
        f"logged out {credentials.email}",
        logged_out=True,
        email=credentials.email,
        revoked=warning is None,
    )


WHOAMI_FIELDS = [
    ("subject_kind", "kind"),
    ("subject_id", "id"),
    ("email", "e-mail"),
    ("display_name", "name"),
    ("roles", "roles"),
    ("departments", "departments"),
    ("token_expires_at", "token expires"),
]


@click.command()
@output_option
@pass_session
def whoami(session: Session) -> None:
    """Show who the stored session belongs to, as identity sees them now."""
    response = session.call(Stubs(session).auth.WhoAmI, auth_pb2.WhoAmIRequest())
    print_record(session.output, message_to_dict(response), fields=WHOAMI_FIELDS)
