"""CampaignService servicer: proto in, use case, proto out."""
from __future__ import annotations

import datetime as dt
from typing import Any

from crm.common.v1 import pagination_pb2
from crm.leads.v1 import campaign_pb2, campaign_pb2_grpc, lead_pb2
from crm_chassis.errors import ValidationErrors

from crm_leads.adapters import grpc_mapping as mapping
from crm_leads.domain.campaign import FIELDS
from crm_leads.service_layer import campaigns, messages
from crm_leads.service_layer.dependencies import Dependencies


def _date(campaign: campaign_pb2.Campaign, name: str, problems: list) -> dt.date | None:
    if not campaign.HasField(name):
        return None
    value = getattr(campaign, name)
    try:
        return dt.date(value.year, value.month, value.day)
    except ValueError:
        problems.append((name, f"{value.year:04d}-{value.month:02d}-{value.day:02d} is not a "
                               "calendar date"))
        return None


def _value(campaign: campaign_pb2.Campaign, name: str, problems: list) -> Any:
    if name == "name":
        return campaign.name
    if name == "channel":
        return mapping.enum_word(lead_pb2.Channel, "CHANNEL", campaign.channel)
    if name in ("starts_on", "ends_on"):
        return _date(campaign, name, problems)
    if name == "cost":
        return mapping.money(campaign, "cost")
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


class CampaignServicer(campaign_pb2_grpc.CampaignServiceServicer):
    def __init__(self, deps: Dependencies):
        self.deps = deps

    def CreateCampaign(self, request, context):
        return messages.campaign(campaigns.create_campaign(
            self.deps, mapping.caller(), campaign_values(request.campaign)))

    def GetCampaign(self, request, context):
        return messages.campaign(campaigns.get_campaign(self.deps, mapping.caller(),
                                                        request.campaign_id))

    def UpdateCampaign(self, request, context):
        return messages.campaign(campaigns.update_campaign(
            self.deps, mapping.caller(), request.campaign_id,
            campaign_values(request.campaign, request.update_mask.paths),
            expected_version=request.expected_version))

    def ListCampaigns(self, request, context):
        page = campaigns.list_campaigns(
            self.deps, mapping.caller(), page_size=request.page.page_size,
            cursor=request.page.cursor,
            channel=mapping.enum_word(lead_pb2.Channel, "CHANNEL", request.channel))
        return campaign_pb2.ListCampaignsResponse(
            campaigns=[messages.campaign(c) for c in page.items],
            page_info=pagination_pb2.PageInfo(next_cursor=page.next_cursor))
