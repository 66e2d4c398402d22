"""``crmctl accounts ...``: the organisations we sell to, in your teams."""

from __future__ import annotations

import click

from crm.deals.v1 import accounts_pb2, exports_pb2, resources_pb2
from crmctl.commands.deals.arguments import masked
from crmctl.commands.deals.rows import account_row
from crmctl.commands.deals.stubs import Stubs
from crmctl.commands.identity.lookup import user_id
from crmctl.commands.territory.lookup import team_id
from crmctl.exports import FORMATS, export_options, write_export
from crmctl.options import expected_version_option, limit_option, output_option, pass_session
from crmctl.output import print_record, print_rows
from crmctl.paging import pages
from crmctl.wire import enum_choice, enum_value

ACCOUNT_COLUMNS = [
    ("id", "id"),
    ("name", "name"),
    ("relationship", "relationship"),
    ("owner_user_id", "owner"),
    ("team_id", "team"),
]
ACCOUNT_FIELDS = [
    *ACCOUNT_COLUMNS,
    ("industry", "industry"),
    ("website", "web site"),
    ("phone", "phone"),
    ("customer_since", "customer since"),
    ("churned_at", "churned"),
    ("churn_reason", "churn reason"),
    ("parent_account_id", "parent account"),
    ("addresses", "addresses"),
    ("social_profiles", "social profiles"),
    ("version", "version"),
    ("updated_at", "updated"),
    ("merged_into_id", "merged into"),
    ("possible_duplicate_ids", "possible duplicates"),
]


@click.group()
def accounts() -> None:
    """Accounts (organisations) of your teams."""


@accounts.command("create")
@click.option(
    "--team", "team_id", required=True, help="Team that owns it, id or name (you are a member)."
)
@click.option("--name", "-n", required=True, help="Name of the organisation.")
@click.option("--owner", "owner_user_id", default="", help="Owner, id or e-mail (default: you).")
@click.option("--industry", default="", help="Industry.")
@click.option("--website", default="", help="Web site.")
@click.option("--phone", default="", help="Main phone number.")
@output_option
@pass_session
def create_account(session, **fields):
    """Create an account (a prospect)."""
    fields["team_id"] = team_id(session, fields["team_id"])
    fields["owner_user_id"] = (
        user_id(session, fields["owner_user_id"]) if fields["owner_user_id"] else ""
    )
    account = session.call(
        Stubs(session).accounts.CreateAccount, accounts_pb2.CreateAccountRequest(**fields)
    )
    print_record(session.output, account_row(account), fields=ACCOUNT_FIELDS)


@accounts.command("list")
@click.option(
    "--relationship", type=enum_choice(resources_pb2.Relationship), help="Only this relationship."
)
@click.option("--query", "-q", default="", help="Text the name contains.")
@click.option("--owner", "owner_user_id", default="", help="Only this owner.")
@limit_option(200)
@output_option
@pass_session
def list_accounts(session, relationship, query, owner_user_id, limit):
    """List the accounts you may see, oldest first."""
    request = accounts_pb2.ListAccountsRequest(
        relationship=enum_value(resources_pb2.Relationship, relationship),
        query=query,
        owner_user_id=owner_user_id,
    )
    rows = [
        account_row(a)
        for a in pages(session, Stubs(session).accounts.ListAccounts, request, limit=limit)
    ]
    print_rows(session.output, rows, ACCOUNT_COLUMNS, empty="no accounts match")


@accounts.command("show")
@click.argument("account_id")
@output_option
@pass_session
def show_account(session, account_id):
    """Show one account."""
    account = session.call(
        Stubs(session).accounts.GetAccount, accounts_pb2.GetAccountRequest(id=account_id)
    )
    print_record(session.output, account_row(account), fields=ACCOUNT_FIELDS)


@accounts.command("update")
@click.argument("account_id")
@click.option("--name", "-n", default=None, help="New name.")
@click.option("--industry", default=None, help="New industry.")
@click.option("--website", default=None, help="New web site.")
@click.option("--phone", default=None, help="New phone number.")
@click.option("--owner", "owner_user_id", default=None, help="New owner (a team member).")
@expected_version_option("Refuse if the account is no longer at this version.")
@output_option
@pass_session
def update_account(session, account_id, expected_version, **fields):
    """Change fields of an account (only those given)."""
    given, mask = masked(fields, "accounts")
    account = session.call(
        Stubs(session).accounts.UpdateAccount,
        accounts_pb2.UpdateAccountRequest(
            id=account_id,
            account=resources_pb2.Account(**given),
            update_mask=mask,
            expected_version=expected_version,
        ),
    )
    print_record(session.output, account_row(account), fields=ACCOUNT_FIELDS)


@accounts.command("churn")
@click.argument("account_id")
@click.option("--reason", required=True, help="Why the customer left.")
@output_option
@pass_session
def churn(session, account_id, reason):
    """Mark a customer churned (supervisor or above)."""
    account = session.call(
        Stubs(session).accounts.MarkAccountChurned,
        accounts_pb2.MarkAccountChurnedRequest(id=account_id, reason=reason),
    )
    print_record(session.output, account_row(account), fields=ACCOUNT_FIELDS)


@accounts.command("export")
@click.option(
    "--relationship", type=enum_choice(resources_pb2.Relationship), help="Only this relationship."
)
@click.option("--query", "-q", default="", help="Text the name contains.")
@click.option("--owner", "owner_user_id", default="", help="Only this owner.")
@export_options
@pass_session
def export_accounts(session, relationship, query, owner_user_id, format_word, path):
    """Export every account you may see to CSV or JSON Lines."""
    request = exports_pb2.ExportAccountsRequest(
        format=FORMATS[format_word],
        filter=accounts_pb2.ListAccountsRequest(
            relationship=enum_value(resources_pb2.Relationship, relationship),
            query=query,
            owner_user_id=owner_user_id,
        ),
    )
    write_export(session, Stubs(session).exports.ExportAccounts, request, path)
