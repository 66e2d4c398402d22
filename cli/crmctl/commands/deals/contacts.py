"""``crmctl contacts ...``: the people at your teams' accounts."""

from __future__ import annotations

import click

from crm.deals.v1 import accounts_pb2, exports_pb2, resources_pb2
from crmctl.commands.deals.arguments import masked
from crmctl.commands.deals.stubs import Stubs
from crmctl.exports import FORMATS, export_options, write_export
from crmctl.options import expected_version_option, limit_option, output_option, pass_session
from crmctl.output import message_to_dict, print_record, print_rows
from crmctl.paging import pages

CONTACT_COLUMNS = [
    ("id", "id"),
    ("first_name", "first name"),
    ("last_name", "last name"),
    ("email", "e-mail"),
    ("job_title", "title"),
    ("account_id", "account"),
    ("owner_user_id", "owner"),
]
CONTACT_FIELDS = [
    *CONTACT_COLUMNS,
    ("phone", "phone"),
    ("email_consent", "e-mail consent"),
    ("language", "language"),
    ("team_id", "team"),
    ("version", "version"),
    ("updated_at", "updated"),
    ("merged_into_id", "merged into"),
    ("possible_duplicate_ids", "possible duplicates"),
]


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
@click.option("--email-consent", is_flag=True, help="The person consents to customer e-mails.")
@click.option("--language", default="", help="Language of customer e-mails (de, pt-br).")
@output_option
@pass_session
def create_contact(session, **fields):
    """Create a contact at an account."""
    contact = session.call(
        Stubs(session).contacts.CreateContact, accounts_pb2.CreateContactRequest(**fields)
    )
    print_record(session.output, message_to_dict(contact), fields=CONTACT_FIELDS)


@contacts.command("list")
@click.option("--account", "account_id", default="", help="Only this account's contacts.")
@click.option("--query", "-q", default="", help="Text the name contains.")
@limit_option(200)
@output_option
@pass_session
def list_contacts(session, account_id, query, limit):
    """List the contacts you may see."""
    request = accounts_pb2.ListContactsRequest(account_id=account_id, query=query)
    rows = [
        message_to_dict(c)
        for c in pages(session, Stubs(session).contacts.ListContacts, request, limit=limit)
    ]
    print_rows(session.output, rows, CONTACT_COLUMNS, empty="no contacts match")


@contacts.command("show")
@click.argument("contact_id")
@output_option
@pass_session
def show_contact(session, contact_id):
    """Show one contact."""
    contact = session.call(
        Stubs(session).contacts.GetContact, accounts_pb2.GetContactRequest(id=contact_id)
    )
    print_record(session.output, message_to_dict(contact), fields=CONTACT_FIELDS)


@contacts.command("update")
@click.argument("contact_id")
@click.option("--first-name", default=None, help="New given name.")
@click.option("--last-name", default=None, help="New family name.")
@click.option("--email", default=None, help="New e-mail.")
@click.option("--phone", default=None, help="New phone number.")
@click.option("--title", "job_title", default=None, help="New job title.")
@click.option("--owner", "owner_user_id", default=None, help="New owner (a team member).")
@click.option(
    "--email-consent/--no-email-consent",
    default=None,
    help="Consent to customer e-mails given or withdrawn.",
)
@click.option("--language", default=None, help="New language of customer e-mails.")
@expected_version_option("Refuse if the contact is no longer at this version.")
@output_option
@pass_session
def update_contact(session, contact_id, expected_version, **fields):
    """Change fields of a contact (only those given)."""
    given, mask = masked(fields, "contacts")
    contact = session.call(
        Stubs(session).contacts.UpdateContact,
        accounts_pb2.UpdateContactRequest(
            id=contact_id,
            contact=resources_pb2.Contact(**given),
            update_mask=mask,
            expected_version=expected_version,
        ),
    )
    print_record(session.output, message_to_dict(contact), fields=CONTACT_FIELDS)


@contacts.command("export")
@click.option("--account", "account_id", default="", help="Only this account's contacts.")
@click.option("--query", "-q", default="", help="Text the name contains.")
@export_options
@pass_session
def export_contacts(session, account_id, query, format_word, path):
    """Export every contact you may see to CSV or JSON Lines."""
    request = exports_pb2.ExportContactsRequest(
        format=FORMATS[format_word],
        filter=accounts_pb2.ListContactsRequest(account_id=account_id, query=query),
    )
    write_export(session, Stubs(session).exports.ExportContacts, request, path)
