"""``crmctl accounts ...`` and ``crmctl contacts ...``: the organisations we sell to and the
people there, in your teams."""
from __future__ import annotations

import click
from google.protobuf import field_mask_pb2

from crm.deals.v1 import accounts_pb2
from crm.deals.v1 import resources_pb2 as pb
from crmctl.commands import _deals_api as api
from crmctl.commands.common import output_option, pass_session
from crmctl.commands.territory import team_id, user_id
from crmctl.output import message_to_dict, print_record, print_rows
from crmctl.session import CliError

ACCOUNT_COLUMNS = [("id", "id"), ("name", "name"), ("relationship", "relationship"),
                   ("owner_user_id", "owner"), ("team_id", "team")]
ACCOUNT_FIELDS = [*ACCOUNT_COLUMNS, ("industry", "industry"), ("website", "web site"),
                  ("phone", "phone"), ("customer_since", "customer since"),
                  ("churned_at", "churned"), ("churn_reason", "churn reason"),
                  ("version", "version"), ("updated_at", "updated")]
CONTACT_COLUMNS = [("id", "id"), ("first_name", "first name"), ("last_name", "last name"),
                   ("email", "e-mail"), ("job_title", "title"), ("account_id", "account"),
                   ("owner_user_id", "owner")]
CONTACT_FIELDS = [*CONTACT_COLUMNS, ("phone", "phone"), ("team_id", "team"),
                  ("version", "version"), ("updated_at", "updated")]
RELATIONSHIPS = {"prospect": pb.RELATIONSHIP_PROSPECT, "customer": pb.RELATIONSHIP_CUSTOMER,
                 "churned": pb.RELATIONSHIP_CHURNED}


def masked(fields: dict, what: str) -> tuple[dict, field_mask_pb2.FieldMask]:
    given = {name: value for name, value in fields.items() if value is not None}
    if not given:
        raise CliError(f"nothing to change: give at least one option (see `crmctl {what} "
                       "update --help`)")
    return given, field_mask_pb2.FieldMask(paths=sorted(given))


@click.group()
def accounts() -> None:
    """Accounts (organisations) of your teams."""


@accounts.command("create")
@click.option("--team", "team_id", required=True,
              help="Team that owns it, id or name (you are a member).")
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
    fields["owner_user_id"] = user_id(session, fields["owner_user_id"]) \
        if fields["owner_user_id"] else ""
    account = session.call(api.accounts(session).CreateAccount,
                           accounts_pb2.CreateAccountRequest(**fields))
    print_record(session.output, api.account_row(account), fields=ACCOUNT_FIELDS)


@accounts.command("list")
@click.option("--relationship", type=api.choice(RELATIONSHIPS), help="Only this relationship.")
@click.option("--query", "-q", default="", help="Text the name contains.")
@click.option("--owner", "owner_user_id", default="", help="Only this owner.")
@click.option("--limit", type=click.IntRange(min=0), default=200, show_default=True,
              help="At most this many (0 = all).")
@output_option
@pass_session
def list_accounts(session, relationship, query, owner_user_id, limit):
    """List the accounts you may see, oldest first."""
    request = accounts_pb2.ListAccountsRequest(
        relationship=RELATIONSHIPS.get((relationship or "").lower(), 0), query=query,
        owner_user_id=owner_user_id)
    rows = [api.account_row(a) for a in api.pages(session, api.accounts(session).ListAccounts,
                                                   request, "accounts", limit)]
    print_rows(session.output, rows, ACCOUNT_COLUMNS, empty="no accounts match")


@accounts.command("show")
@click.argument("account_id")
@output_option
@pass_session
def show_account(session, account_id):
    """Show one account."""
    account = session.call(api.accounts(session).GetAccount,
                           accounts_pb2.GetAccountRequest(id=account_id))
    print_record(session.output, api.account_row(account), fields=ACCOUNT_FIELDS)


@accounts.command("update")
@click.argument("account_id")
@click.option("--name", "-n", default=None, help="New name.")
@click.option("--industry", default=None, help="New industry.")
@click.option("--website", default=None, help="New web site.")
@click.option("--phone", default=None, help="New phone number.")
@click.option("--owner", "owner_user_id", default=None, help="New owner (a team member).")
@click.option("--expected-version", type=int, default=0,
              help="Refuse if the account is no longer at this version.")
@output_option
@pass_session
def update_account(session, account_id, expected_version, **fields):
    """Change fields of an account (only those given)."""
    given, mask = masked(fields, "accounts")
    account = session.call(api.accounts(session).UpdateAccount, accounts_pb2.UpdateAccountRequest(
        id=account_id, account=pb.Account(**given), update_mask=mask,
        expected_version=expected_version))
    print_record(session.output, api.account_row(account), fields=ACCOUNT_FIELDS)


@accounts.command("churn")
@click.argument("account_id")
@click.option("--reason", required=True, help="Why the customer left.")
@output_option
@pass_session
def churn(session, account_id, reason):
    """Mark a customer churned (supervisor or above)."""
    account = session.call(api.accounts(session).MarkAccountChurned,
                           accounts_pb2.MarkAccountChurnedRequest(id=account_id, reason=reason))
    print_record(session.output, api.account_row(account), fields=ACCOUNT_FIELDS)


@click.group()
def contacts() -> None:
    """People at your teams' accounts."""


@contacts.command("create")
@click.option("--account", "account_id", required=True, help="Account the person works for.")
@click.option("--last-name", required=True, help="Family name.")
@click.option("--first-name", default="", help="Given name.")
@click.option("--email", default="", help="E-mail address.")
@click.option("--phone", default="", help="Phone number.")
@click.option("--title", "job_title", default="", help="Job title.")
@click.option("--owner", "owner_user_id", default="", help="Owner (default: you).")
@output_option
@pass_session
def create_contact(session, **fields):
    """Create a contact at an account."""
    contact = session.call(api.contacts(session).CreateContact,
                           accounts_pb2.CreateContactRequest(**fields))
    print_record(session.output, message_to_dict(contact), fields=CONTACT_FIELDS)


@contacts.command("list")
@click.option("--account", "account_id", default="", help="Only this account's contacts.")
@click.option("--query", "-q", default="", help="Text the name contains.")
@click.option("--limit", type=click.IntRange(min=0), default=200, show_default=True,
              help="At most this many (0 = all).")
@output_option
@pass_session
def list_contacts(session, account_id, query, limit):
    """List the contacts you may see."""
    request = accounts_pb2.ListContactsRequest(account_id=account_id, query=query)
    rows = [message_to_dict(c) for c in api.pages(session, api.contacts(session).ListContacts,
                                                  request, "contacts", limit)]
    print_rows(session.output, rows, CONTACT_COLUMNS, empty="no contacts match")


@contacts.command("show")
@click.argument("contact_id")
@output_option
@pass_session
def show_contact(session, contact_id):
    """Show one contact."""
    contact = session.call(api.contacts(session).GetContact,
                           accounts_pb2.GetContactRequest(id=contact_id))
    print_record(session.output, message_to_dict(contact), fields=CONTACT_FIELDS)


@contacts.command("update")
@click.argument("contact_id")
@click.option("--first-name", default=None, help="New given name.")
@click.option("--last-name", default=None, help="New family name.")
@click.option("--email", default=None, help="New e-mail.")
@click.option("--phone", default=None, help="New phone number.")
@click.option("--title", "job_title", default=None, help="New job title.")
@click.option("--owner", "owner_user_id", default=None, help="New owner (a team member).")
@click.option("--expected-version", type=int, default=0,
              help="Refuse if the contact is no longer at this version.")
@output_option
@pass_session
def update_contact(session, contact_id, expected_version, **fields):
    """Change fields of a contact (only those given)."""
    given, mask = masked(fields, "contacts")
    contact = session.call(api.contacts(session).UpdateContact, accounts_pb2.UpdateContactRequest(
        id=contact_id, contact=pb.Contact(**given), update_mask=mask,
        expected_version=expected_version))
    print_record(session.output, message_to_dict(contact), fields=CONTACT_FIELDS)


COMMANDS = [accounts, contacts]
