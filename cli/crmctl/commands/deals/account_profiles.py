"""``crmctl accounts addresses|social set``, ``accounts move`` and ``accounts rollup``: an
account's postal addresses, social profiles and place in a hierarchy of accounts."""

from __future__ import annotations

import click

from crm.deals.v1 import account_profiles_pb2, resources_pb2
from crmctl.commands.deals.accounts import ACCOUNT_FIELDS, accounts
from crmctl.commands.deals.rows import account_row
from crmctl.commands.deals.stubs import Stubs
from crmctl.options import output_option, pass_session
from crmctl.output import print_record
from crmctl.session import CliError
from crmctl.wire import money_text

ADDRESS_PARTS = ("street", "city", "postal_code", "region", "country")


def _address(kind: str, text: str) -> resources_pb2.PostalAddress:
    parts = [p.strip() for p in text.split("|")]
    if len(parts) != len(ADDRESS_PARTS):
        raise CliError(
            f"--{kind}: an address is 'STREET|CITY|POSTAL CODE|REGION|COUNTRY' (region may be "
            f"empty), e.g. 'Hauptstr. 1|Berlin|10115||DE'; got {text!r}"
        )
    kinds = {"billing": resources_pb2.ADDRESS_KIND_BILLING}
    return resources_pb2.PostalAddress(
        kind=kinds.get(kind, resources_pb2.ADDRESS_KIND_SHIPPING),
        **dict(zip(ADDRESS_PARTS, parts, strict=True)),
    )


def _show(session, account) -> None:
    print_record(session.output, account_row(account), fields=ACCOUNT_FIELDS)


@accounts.group("addresses")
def addresses() -> None:
    """An account's postal addresses (one billing, one shipping)."""


@addresses.command("set")
@click.argument("account_id")
@click.option("--billing", default="", help="STREET|CITY|POSTAL CODE|REGION|COUNTRY.")
@click.option("--shipping", default="", help="STREET|CITY|POSTAL CODE|REGION|COUNTRY.")
@output_option
@pass_session
def set_addresses(session, account_id, billing, shipping):
    """Replace the account's addresses (none given: clear them)."""
    given = [_address(k, t) for k, t in (("billing", billing), ("shipping", shipping)) if t]
    _show(
        session,
        session.call(
            Stubs(session).account_profiles.SetAccountAddresses,
            account_profiles_pb2.SetAccountAddressesRequest(account_id=account_id, addresses=given),
        ),
    )


@accounts.group("social")
def social() -> None:
    """An account's social profiles (one per network)."""


@social.command("set")
@click.argument("account_id")
@click.option(
    "--profile",
    "profiles",
    multiple=True,
    help="NETWORK=URL (repeatable), e.g. linkedin=https://www.linkedin.com/company/acme.",
)
@output_option
@pass_session
def set_social(session, account_id, profiles):
    """Replace the account's social profiles (none given: clear them)."""
    given = []
    for text in profiles:
        network, _, url = text.partition("=")
        if not url:
            raise CliError(f"--profile: write NETWORK=URL; got {text!r}")
        given.append(resources_pb2.SocialProfile(network=network.strip(), url=url.strip()))
    _show(
        session,
        session.call(
            Stubs(session).account_profiles.SetSocialProfiles,
            account_profiles_pb2.SetSocialProfilesRequest(
                account_id=account_id, social_profiles=given
            ),
        ),
    )


@accounts.command("move")
@click.argument("account_id")
@click.option("--under", "parent", default="", help="The parent account's id.")
@click.option("--top", is_flag=True, help="Make it a top-level account.")
@output_option
@pass_session
def move(session, account_id, parent, top):
    """Place an account under a parent account (a loop is refused), or at the top level."""
    if bool(parent) == top:
        raise CliError("give exactly one of --under PARENT_ID and --top")
    _show(
        session,
        session.call(
            Stubs(session).account_profiles.SetParentAccount,
            account_profiles_pb2.SetParentAccountRequest(
                account_id=account_id, parent_account_id=parent
            ),
        ),
    )


@accounts.command("rollup")
@click.argument("account_id")
@output_option
@pass_session
def rollup(session, account_id):
    """Open and won deal value of an account and the accounts below it you can see."""
    r = session.call(
        Stubs(session).account_profiles.GetAccountRollup,
        account_profiles_pb2.GetAccountRollupRequest(account_id=account_id),
    )
    print_record(
        session.output,
        {
            "account_id": r.account_id,
            "accounts": len(r.account_ids),
            "open_deals": r.open_deals,
            "open_value": ", ".join(money_text(m) for m in r.open_value),
            "won_deals": r.won_deals,
            "won_value": ", ".join(money_text(m) for m in r.won_value),
        },
        fields=[
            ("account_id", "account"),
            ("accounts", "accounts counted"),
            ("open_deals", "open deals"),
            ("open_value", "open value"),
            ("won_deals", "won deals"),
            ("won_value", "won value"),
        ],
    )
