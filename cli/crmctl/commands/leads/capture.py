"""``crmctl leads create|update|merge``: capturing a lead and changing its data."""

from __future__ import annotations

import hashlib
import json

import click

from crm.leads.v1 import lead_pb2, lead_service_pb2
from crmctl.commands.leads.arguments import pairs, set_path
from crmctl.commands.leads.rows import show_lead
from crmctl.commands.leads.stubs import Stubs
from crmctl.options import expected_version_option, output_option, pass_session
from crmctl.output import message_to_dict
from crmctl.session import CliError
from crmctl.wire import enum_choice, enum_value, optional_money

CONSENTS = ["email_marketing", "phone_contact", "data_processing"]


@click.command("create")
@click.option("--email", "-e", default="")
@click.option("--phone", default="", help="E.164 or national with --country.")
@click.option("--first-name", default="")
@click.option("--last-name", default="")
@click.option("--title", default="", help="Job title, e.g. 'VP Sales'.")
@click.option("--company", default="")
@click.option("--industry", default="")
@click.option("--company-size", type=enum_choice(lead_pb2.CompanySize))
@click.option("--revenue", help="Annual revenue with currency, e.g. '1250000 EUR'.")
@click.option("--website", default="")
@click.option("--country", default="", help="Alpha-2, alpha-3 or English name.")
@click.option("--region", default="")
@click.option("--city", default="")
@click.option("--postal-code", default="")
@click.option("--channel", "-c", type=enum_choice(lead_pb2.Channel), required=True)
@click.option("--campaign", default="", help="Campaign id (see `crmctl campaigns list`).")
@click.option("--sales-line", default="", help="Sales line id; empty lets routing decide.")
@click.option("--product", "products", multiple=True, help="Product interest (repeatable).")
@click.option(
    "--consent",
    "consents",
    multiple=True,
    type=click.Choice(CONSENTS),
    help="Consent given (repeatable).",
)
@click.option("--attr", "attributes", multiple=True, help="Custom attribute KEY=VALUE.")
@click.option("--merge", is_flag=True, help="Merge into an existing duplicate instead of refusing.")
@click.option(
    "--idempotency-key",
    default="",
    help="Default: a hash of this lead's data, so "
    "running the same command again makes no "
    "second lead.",
)
@output_option
@pass_session
def create(
    session,
    email,
    phone,
    first_name,
    last_name,
    title,
    company,
    industry,
    company_size,
    revenue,
    website,
    country,
    region,
    city,
    postal_code,
    channel,
    campaign,
    sales_line,
    products,
    consents,
    attributes,
    merge,
    idempotency_key,
):
    """Capture one lead."""
    lead = lead_pb2.LeadInput(
        person=lead_pb2.Person(
            first_name=first_name, last_name=last_name, title=title, email=email, phone=phone
        ),
        company=lead_pb2.Company(
            name=company,
            industry=industry,
            website=website,
            size=enum_value(lead_pb2.CompanySize, company_size),
            annual_revenue=optional_money(revenue),
        ),
        location=lead_pb2.Location(
            country=country, region=region, city=city, postal_code=postal_code
        ),
        source=lead_pb2.Source(channel=enum_value(lead_pb2.Channel, channel), campaign_id=campaign),
        sales_line_id=sales_line,
        product_interest=list(products),
        consent=lead_pb2.Consent(**{name: True for name in consents}),
        custom_attributes=pairs(attributes, "--attr"),
    )
    key = (
        idempotency_key
        or "crmctl:" + hashlib.sha256(lead.SerializeToString(deterministic=True)).hexdigest()
    )
    policy = (
        lead_service_pb2.DUPLICATE_POLICY_MERGE
        if merge
        else lead_service_pb2.DUPLICATE_POLICY_REJECT
    )
    response = session.call(
        Stubs(session).leads.CreateLead,
        lead_service_pb2.CreateLeadRequest(idempotency_key=key, lead=lead, on_duplicate=policy),
    )
    visible = response.lead.HasField("data")  # no team of yours owns it yet: only its id
    if session.output == "json":
        click.echo(
            json.dumps(
                {
                    "lead_id": response.lead.id,
                    "merged": response.merged,
                    "replayed": response.replayed,
                    "lead": message_to_dict(response.lead) if visible else None,
                },
                indent=2,
            )
        )
        return
    if visible:
        show_lead(session, response.lead)
    what = (
        "merged into the existing lead"
        if response.merged
        else "was captured before (same data)"
        if response.replayed
        else "created"
    )
    click.echo(f"lead {response.lead.id} {what}")


@click.command("update")
@click.argument("lead")
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="FIELD=VALUE",
    help="New value of a field, e.g. person.title=CEO, company.size=large, "
    "custom_attributes.budget=80k (repeatable).",
)
@click.option(
    "--clear", "cleared", multiple=True, metavar="FIELD", help="Empty a field (repeatable)."
)
@expected_version_option("Refuse the change unless the lead is at this version.")
@output_option
@pass_session
def update(session, lead, assignments, cleared, expected_version):
    """Change fields of a lead (experts: their own leads; supervisors and managers: any of
    the team)."""
    values = pairs(assignments, "--set")
    if not values and not cleared:
        raise CliError("nothing to change: give --set FIELD=VALUE or --clear FIELD")
    changes = lead_pb2.LeadInput()
    for path, text in values.items():
        try:
            set_path(changes, path, text)
        except CliError as exc:
            raise CliError(f"--set {path}: {exc}") from None
    request = lead_service_pb2.UpdateLeadRequest(
        lead_id=lead,
        lead=changes,
        expected_version=expected_version,
        update_mask={"paths": [*values, *cleared]},
    )
    show_lead(session, session.call(Stubs(session).leads.UpdateLead, request))


@click.command("merge")
@click.argument("survivor")
@click.argument("duplicate")
@output_option
@pass_session
def merge(session, survivor, duplicate):
    """Merge DUPLICATE into SURVIVOR (both histories are kept)."""
    request = lead_service_pb2.MergeLeadsRequest(
        survivor_lead_id=survivor, duplicate_lead_id=duplicate
    )
    show_lead(session, session.call(Stubs(session).leads.MergeLeads, request))
