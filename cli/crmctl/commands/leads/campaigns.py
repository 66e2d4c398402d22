"""``crmctl campaigns ...``: the marketing campaigns leads come from (name, channel, period, cost).

Dates are YYYY-MM-DD; a cost is an exact amount with its currency, e.g. '15000.50 EUR'.
"""

from __future__ import annotations

import datetime as dt

import click
from google.protobuf import field_mask_pb2

from crm.leads.v1 import campaign_pb2, lead_pb2
from crmctl.commands.leads.stubs import Stubs
from crmctl.options import expected_version_option, output_option, pass_session
from crmctl.output import print_record, print_rows
from crmctl.paging import pages
from crmctl.session import CliError
from crmctl.wire import enum_choice, enum_value, enum_word, money_text, optional_money, time_text

COLUMNS = [
    ("id", "id"),
    ("name", "name"),
    ("channel", "channel"),
    ("starts_on", "from"),
    ("ends_on", "until"),
    ("cost", "cost"),
]
FIELDS = [*COLUMNS, ("version", "version"), ("created", "created"), ("updated", "updated")]


def calendar_date(text: str) -> campaign_pb2.CalendarDate:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise CliError(f"'{text}' is not a date; use YYYY-MM-DD") from None
    return campaign_pb2.CalendarDate(year=day.year, month=day.month, day=day.day)


def date_text(campaign, name: str) -> str:
    if not campaign.HasField(name):
        return ""
    value = getattr(campaign, name)
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def campaign_row(campaign: campaign_pb2.Campaign) -> dict:
    return {
        "id": campaign.id,
        "name": campaign.name,
        "channel": enum_word(lead_pb2.Channel, campaign.channel),
        "starts_on": date_text(campaign, "starts_on"),
        "ends_on": date_text(campaign, "ends_on") or "(open)",
        "cost": money_text(campaign.cost),
        "version": campaign.version,
        "created": time_text(campaign.created_at),
        "updated": time_text(campaign.updated_at),
    }


@click.group()
def campaigns() -> None:
    """Marketing campaigns (marketing and management change them)."""


@campaigns.command("create")
@click.option("--name", "-n", required=True)
@click.option("--channel", "-c", required=True, type=enum_choice(lead_pb2.Channel))
@click.option("--starts-on", required=True, help="First day, YYYY-MM-DD.")
@click.option("--ends-on", default="", help="Last day (inclusive); omit while open-ended.")
@click.option("--cost", required=True, help="Total cost, e.g. '15000.50 EUR'.")
@output_option
@pass_session
def create(session, name, channel, starts_on, ends_on, cost):
    """Create a campaign."""
    campaign = campaign_pb2.Campaign(
        name=name,
        channel=enum_value(lead_pb2.Channel, channel),
        starts_on=calendar_date(starts_on),
        cost=optional_money(cost),
        ends_on=calendar_date(ends_on) if ends_on else None,
    )
    created = session.call(
        Stubs(session).campaigns.CreateCampaign,
        campaign_pb2.CreateCampaignRequest(campaign=campaign),
    )
    print_record(session.output, campaign_row(created), fields=FIELDS)


@campaigns.command("list")
@click.option("--channel", "-c", type=enum_choice(lead_pb2.Channel))
@output_option
@pass_session
def list_campaigns(session, channel):
    """List campaigns by name."""
    request = campaign_pb2.ListCampaignsRequest(channel=enum_value(lead_pb2.Channel, channel))
    rows = [
        campaign_row(c) for c in pages(session, Stubs(session).campaigns.ListCampaigns, request)
    ]
    print_rows(session.output, rows, COLUMNS, empty="no campaigns")


@campaigns.command("show")
@click.argument("campaign")
@output_option
@pass_session
def show(session, campaign):
    """Show one campaign."""
    found = session.call(
        Stubs(session).campaigns.GetCampaign, campaign_pb2.GetCampaignRequest(campaign_id=campaign)
    )
    print_record(session.output, campaign_row(found), fields=FIELDS)


@campaigns.command("update")
@click.argument("campaign")
@click.option("--name", "-n")
@click.option("--channel", "-c", type=enum_choice(lead_pb2.Channel))
@click.option("--starts-on")
@click.option("--ends-on", help="New last day; see --open-ended.")
@click.option("--open-ended", is_flag=True, help="Remove the last day.")
@click.option("--cost")
@expected_version_option("Refuse the change unless the campaign is at this version.")
@output_option
@pass_session
def update(
    session, campaign, name, channel, starts_on, ends_on, open_ended, cost, expected_version
):
    """Change the fields given."""
    if ends_on and open_ended:
        raise CliError("give --ends-on or --open-ended, not both")
    changes = campaign_pb2.Campaign(
        name=name or "",
        channel=enum_value(lead_pb2.Channel, channel),
        starts_on=calendar_date(starts_on) if starts_on else None,
        ends_on=calendar_date(ends_on) if ends_on else None,
        cost=optional_money(cost),
    )
    paths = [
        path
        for path, given in (
            ("name", name),
            ("channel", channel),
            ("starts_on", starts_on),
            ("ends_on", ends_on or open_ended),
            ("cost", cost),
        )
        if given
    ]
    if not paths:
        raise CliError(
            "nothing to change: give --name, --channel, --starts-on, --ends-on, "
            "--open-ended or --cost"
        )
    updated = session.call(
        Stubs(session).campaigns.UpdateCampaign,
        campaign_pb2.UpdateCampaignRequest(
            campaign_id=campaign,
            campaign=changes,
            update_mask=field_mask_pb2.FieldMask(paths=paths),
            expected_version=expected_version,
        ),
    )
    print_record(session.output, campaign_row(updated), fields=FIELDS)
