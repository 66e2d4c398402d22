"""``crmctl campaigns ...``: the marketing campaigns leads come from (name, channel, period, cost).

Dates are YYYY-MM-DD; a cost is an exact amount with its currency, e.g. '15000.50 EUR'.
"""
from __future__ import annotations

import datetime as dt

import click
from google.protobuf import field_mask_pb2

from crm.common.v1 import pagination_pb2
from crm.leads.v1 import campaign_pb2, campaign_pb2_grpc, lead_pb2
from crmctl.commands._leads_api import choice, enum_number, enum_word, money, money_text, time_text
from crmctl.commands.common import output_option, pass_session
from crmctl.config import DEFAULT_ADDRESSES
from crmctl.output import print_record, print_rows
from crmctl.session import CliError, Session

DEFAULT_ADDRESSES.setdefault("leads", "127.0.0.1:50054")
COLUMNS = [("id", "id"), ("name", "name"), ("channel", "channel"), ("starts_on", "from"),
           ("ends_on", "until"), ("cost", "cost")]
FIELDS = [*COLUMNS, ("version", "version"), ("created", "created"), ("updated", "updated")]


def campaign_stub(session: Session) -> campaign_pb2_grpc.CampaignServiceStub:
    return campaign_pb2_grpc.CampaignServiceStub(session.channel("leads"))


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
    return {"id": campaign.id, "name": campaign.name,
            "channel": enum_word(lead_pb2.Channel, "CHANNEL", campaign.channel),
            "starts_on": date_text(campaign, "starts_on"),
            "ends_on": date_text(campaign, "ends_on") or "(open)",
            "cost": money_text(campaign.cost), "version": campaign.version,
            "created": time_text(campaign.created_at), "updated": time_text(campaign.updated_at)}


@click.group()
def campaigns() -> None:
    """Marketing campaigns (marketing and management change them)."""


@campaigns.command("create")
@click.option("--name", "-n", required=True)
@click.option("--channel", "-c", required=True, type=choice(lead_pb2.Channel, "CHANNEL"))
@click.option("--starts-on", required=True, help="First day, YYYY-MM-DD.")
@click.option("--ends-on", default="", help="Last day (inclusive); omit while open-ended.")
@click.option("--cost", required=True, help="Total cost, e.g. '15000.50 EUR'.")
@output_option
@pass_session
def create(session, name, channel, starts_on, ends_on, cost):
    """Create a campaign."""
    campaign = campaign_pb2.Campaign(
        name=name, channel=enum_number(lead_pb2.Channel, "CHANNEL", channel),
        starts_on=calendar_date(starts_on), cost=money(cost),
        ends_on=calendar_date(ends_on) if ends_on else None)
    created = session.call(campaign_stub(session).CreateCampaign,
                           campaign_pb2.CreateCampaignRequest(campaign=campaign))
    print_record(session.output, campaign_row(created), fields=FIELDS)


@campaigns.command("list")
@click.option("--channel", "-c", type=choice(lead_pb2.Channel, "CHANNEL"))
@output_option
@pass_session
def list_campaigns(session, channel):
    """List campaigns by name."""
    request = campaign_pb2.ListCampaignsRequest(
        channel=enum_number(lead_pb2.Channel, "CHANNEL", channel),
        page=pagination_pb2.PageRequest(page_size=500))
    rows = []
    while True:
        response = session.call(campaign_stub(session).ListCampaigns, request)
        rows += [campaign_row(c) for c in response.campaigns]
        if not response.page_info.next_cursor:
            break
        request.page.cursor = response.page_info.next_cursor
    print_rows(session.output, rows, COLUMNS, empty="no campaigns")


@campaigns.command("show")
@click.argument("campaign")
@output_option
@pass_session
def show(session, campaign):
    """Show one campaign."""
    found = session.call(campaign_stub(session).GetCampaign,
                         campaign_pb2.GetCampaignRequest(campaign_id=campaign))
    print_record(session.output, campaign_row(found), fields=FIELDS)


@campaigns.command("update")
@click.argument("campaign")
@click.option("--name", "-n")
@click.option("--channel", "-c", type=choice(lead_pb2.Channel, "CHANNEL"))
@click.option("--starts-on")
@click.option("--ends-on", help="New last day; see --open-ended.")
@click.option("--open-ended", is_flag=True, help="Remove the last day.")
@click.option("--cost")
@click.option("--expected-version", type=int, default=0,
              help="Refuse the change unless the campaign is at this version.")
@output_option
@pass_session
def update(session, campaign, name, channel, starts_on, ends_on, open_ended, cost,
           expected_version):
    """Change the fields given."""
    if ends_on and open_ended:
        raise CliError("give --ends-on or --open-ended, not both")
    changes = campaign_pb2.Campaign(
        name=name or "", channel=enum_number(lead_pb2.Channel, "CHANNEL", channel),
        starts_on=calendar_date(starts_on) if starts_on else None,
        ends_on=calendar_date(ends_on) if ends_on else None, cost=money(cost))
    paths = [path for path, given in (("name", name), ("channel", channel),
                                      ("starts_on", starts_on),
                                      ("ends_on", ends_on or open_ended), ("cost", cost)) if given]
    if not paths:
        raise CliError("nothing to change: give --name, --channel, --starts-on, --ends-on, "
                       "--open-ended or --cost")
    updated = session.call(campaign_stub(session).UpdateCampaign,
                           campaign_pb2.UpdateCampaignRequest(
                               campaign_id=campaign, campaign=changes,
                               update_mask=field_mask_pb2.FieldMask(paths=paths),
                               expected_version=expected_version))
    print_record(session.output, campaign_row(updated), fields=FIELDS)


COMMANDS = [campaigns]
