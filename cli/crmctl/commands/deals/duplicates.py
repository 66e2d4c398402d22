"""``crmctl accounts duplicates|merge`` and ``crmctl contacts duplicates|merge``: records that
look like the same organisation or person, and the merge of two into one (both histories kept)."""

from __future__ import annotations

import click

from crm.deals.v1 import duplicates_pb2, duplicates_pb2_grpc
from crmctl.commands.deals.accounts import ACCOUNT_FIELDS, accounts
from crmctl.commands.deals.contacts import CONTACT_FIELDS, contacts
from crmctl.commands.deals.rows import account_row
from crmctl.options import output_option, pass_session
from crmctl.output import message_to_dict, print_record, print_rows
from crmctl.session import CliError

MATCH_COLUMNS = [("id", "id"), ("name", "name"), ("matched_keys", "matched")]


def _stub(session) -> duplicates_pb2_grpc.DuplicateServiceStub:
    return duplicates_pb2_grpc.DuplicateServiceStub(session.channel("deals"))


def _print_matches(session, answer) -> None:
    rows = []
    for match in answer.matches:
        data = message_to_dict(match)
        data["matched_keys"] = ", ".join(match.matched_keys)
        rows.append(data)
    print_rows(session.output, rows, MATCH_COLUMNS, empty="no likely duplicates")


@accounts.command("duplicates")
@click.argument("account_id", required=False, default="")
@click.option("--name", "-n", default="", help="Name of an organisation to look for.")
@click.option("--website", default="", help="Web site to look for.")
@click.option("--phone", default="", help="Phone number to look for.")
@click.option("--team", "team_id", default="", help="Only in this team (id).")
@output_option
@pass_session
def account_duplicates(session, account_id, name, website, phone, team_id):
    """Accounts you may see that look like ACCOUNT_ID (or like --name/--website/--phone)."""
    if not (account_id or name or website or phone):
        raise CliError("give an ACCOUNT_ID, or --name, --website or --phone to look for")
    answer = session.call(
        _stub(session).FindAccountDuplicates,
        duplicates_pb2.FindAccountDuplicatesRequest(
            account_id=account_id, team_id=team_id, name=name, website=website, phone=phone
        ),
    )
    _print_matches(session, answer)


@accounts.command("merge")
@click.argument("survivor_id")
@click.argument("duplicate_id")
@output_option
@pass_session
def merge_accounts(session, survivor_id, duplicate_id):
    """Merge DUPLICATE_ID into SURVIVOR_ID: deals, contacts, activities and child accounts move,
    both histories are kept, the duplicate becomes read-only."""
    account = session.call(
        _stub(session).MergeAccounts,
        duplicates_pb2.MergeAccountsRequest(survivor_id=survivor_id, duplicate_id=duplicate_id),
    )
    print_record(session.output, account_row(account), fields=ACCOUNT_FIELDS)


@contacts.command("duplicates")
@click.argument("contact_id", required=False, default="")
@click.option("--email", default="", help="E-mail address to look for.")
@click.option("--phone", default="", help="Phone number to look for.")
@click.option("--account", "account_id", default="", help="Account a new contact would join.")
@click.option("--first-name", default="", help="First name (with --account and --last-name).")
@click.option("--last-name", default="", help="Last name (with --account).")
@output_option
@pass_session
def contact_duplicates(session, contact_id, email, phone, account_id, first_name, last_name):
    """Contacts you may see that look like CONTACT_ID (or like --email/--phone/the name)."""
    if not (contact_id or email or phone or (account_id and last_name)):
        raise CliError("give a CONTACT_ID, or --email, --phone, or --account with --last-name")
    answer = session.call(
        _stub(session).FindContactDuplicates,
        duplicates_pb2.FindContactDuplicatesRequest(
            contact_id=contact_id,
            account_id=account_id,
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=phone,
        ),
    )
    _print_matches(session, answer)


@contacts.command("merge")
@click.argument("survivor_id")
@click.argument("duplicate_id")
@output_option
@pass_session
def merge_contacts(session, survivor_id, duplicate_id):
    """Merge contact DUPLICATE_ID into SURVIVOR_ID (same account): activities, consent records
    and deals move, both histories are kept, the duplicate becomes read-only."""
    contact = session.call(
        _stub(session).MergeContacts,
        duplicates_pb2.MergeContactsRequest(survivor_id=survivor_id, duplicate_id=duplicate_id),
    )
    print_record(session.output, message_to_dict(contact), fields=CONTACT_FIELDS)
