"""CampaignService: requests -> use-case arguments, campaigns -> responses.

A campaign's fields go to the domain as raw values (domain/campaign.py parses and checks them);
a date that is not a calendar date is refused here, with the other problems of the request.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from crm.leads.v1 import campaign_pb2, lead_pb2
from crm_chassis.errors import ValidationErrors
from crm_leads.adapters.grpc_mapping import enum_word, money
from crm_leads.domain.campaign import FIELDS
from crm_leads.service_layer import event_messages


def _date(campaign: campaign_pb2.Campaign, name: str, problems: list) -> dt.date | None:
    if not campaign.HasField(name):
        return None
    value = getattr(campaign, name)
    try:
        return dt.date(value.year, value.month, value.day)
    except ValueError:
        problems.append(
            (name, f"{value.year:04d}-{value.month:02d}-{value.day:02d} is not a calendar date")
        )
        return None


def _value(campaign: campaign_pb2.Campaign, name: str, problems: list) -> Any:
    if name == "name":
        return campaign.name
    if name == "channel":
        return enum_word(lead_pb2.Channel, campaign.channel)
    if name in ("starts_on", "ends_on"):
        return _date(campaign, name, problems)
    if name == "cost":
        return money(campaign, "cost")
    return ""  # not a campaign field: the domain names it


def campaign_values(campaign: campaign_pb2.Campaign, mask_paths=None) -> dict[str, Any]:
    """Every field on create (``mask_paths`` None), else the fields the mask names."""
    problems: list[tuple[str, str]] = []
    paths = FIELDS if mask_paths is None else [path.strip() for path in mask_paths]
    values = {path: _value(campaign, path, problems) for path in paths}
    if "cost" in values and values["cost"] is None:
        del values["cost"]  # the domain says what to write on create
        if mask_paths is not None:  # a cost cannot be removed, only set to 0
            problems.append(("cost", "is required; write 0 with a currency when there is none"))
    if problems:
        raise ValidationErrors(problems)
    return values


def channel(number: int) -> str:
    return enum_word(lead_pb2.Channel, number)


# A campaign answer is the message its events carry (service_layer/event_messages.py).
campaign = event_messages.campaign
