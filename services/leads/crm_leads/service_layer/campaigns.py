"""Use cases: campaigns (the denominator of lead-source ROI)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from google.protobuf.message import Message

from crm.leads.v1 import events_pb2
from crm_chassis import paging
from crm_chassis.caller import Caller
from crm_chassis.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from crm_leads.domain.campaign import Campaign, build_campaign
from crm_leads.domain.capture import parse_channel
from crm_leads.domain.normalise import Invalid
from crm_leads.service_layer import event_messages
from crm_leads.service_layer.authorization import MANAGEMENT, MARKETING, SALES, require_department
from crm_leads.service_layer.dependencies import Dependencies
from crm_leads.service_layer.unit_of_work import LeadsUnitOfWork

READERS = (SALES, MARKETING, MANAGEMENT)
EDITORS = (MARKETING, MANAGEMENT)


def _unique_name(uow: LeadsUnitOfWork, campaign: Campaign) -> None:
    other = uow.campaigns.get_by_name(campaign.name)
    if other is not None and other.id != campaign.id:
        raise AlreadyExists(
            f"campaign {other.id} is already named '{other.name}'; choose another name",
            field="name",
            details={"existing_campaign_id": other.id},
        )


def _emit(
    uow: LeadsUnitOfWork, event_type: str, message: Message, campaign: Campaign, caller: Caller
) -> None:
    uow.emit(
        event_type,
        message,
        aggregate_type="campaign",
        aggregate_id=campaign.id,
        aggregate_version=campaign.version,
        actor=caller.actor,
    )


def create_campaign(
    deps: Dependencies, caller: Caller | None, values: Mapping[str, Any]
) -> Campaign:
    caller = require_department(caller, *EDITORS, doing="creating a campaign")
    campaign = build_campaign(values, campaign_id=deps.ids.new_id(), now=deps.clock.now())
    with deps.uow() as uow:
        _unique_name(uow, campaign)
        uow.campaigns.save(campaign)
        _emit(
            uow,
            "campaign_created",
            events_pb2.CampaignCreated(campaign=event_messages.campaign(campaign)),
            campaign,
            caller,
        )
        uow.commit()
    return campaign


def _get(uow: LeadsUnitOfWork, campaign_id: str) -> Campaign:
    campaign = uow.campaigns.get((campaign_id or "").strip())
    if campaign is None:
        raise NotFound(f"campaign {campaign_id} not found", field="campaign_id")
    return campaign


def update_campaign(
    deps: Dependencies,
    caller: Caller | None,
    campaign_id: str,
    values: Mapping[str, Any],
    *,
    expected_version: int = 0,
) -> Campaign:
    caller = require_department(caller, *EDITORS, doing="changing a campaign")
    if not values:
        raise InvalidArgument("update_mask names no field to change", field="update_mask")
    with deps.uow() as uow:
        current = _get(uow, campaign_id)
        if expected_version and expected_version != current.version:
            raise FailedPrecondition(
                f"campaign {current.id} changed since you read it (version "
                f"{current.version}, you had {expected_version}); reload "
                "it and apply your change again",
                field="expected_version",
            )
        campaign = build_campaign(
            values, campaign_id=current.id, now=deps.clock.now(), base=current
        )
        if campaign == replace(current, updated_at=campaign.updated_at, version=campaign.version):
            return current  # nothing changed: no new version, no event
        _unique_name(uow, campaign)
        uow.campaigns.save(campaign)
        _emit(
            uow,
            "campaign_updated",
            events_pb2.CampaignUpdated(campaign=event_messages.campaign(campaign)),
            campaign,
            caller,
        )
        uow.commit()
    return campaign


def get_campaign(deps: Dependencies, caller: Caller | None, campaign_id: str) -> Campaign:
    require_department(caller, *READERS, doing="reading campaigns")
    with deps.uow() as uow:
        return _get(uow, campaign_id)


def list_campaigns(
    deps: Dependencies,
    caller: Caller | None,
    *,
    page_size: int = 0,
    cursor: str = "",
    channel: str = "",
) -> paging.Page[Campaign]:
    """Campaigns by name; the cursor holds the last name of the previous page."""
    require_department(caller, *READERS, doing="reading campaigns")
    paging.page_size(page_size)  # refused before anything is read
    try:
        wanted = parse_channel(channel) if channel else None
    except Invalid as exc:
        raise InvalidArgument(f"channel: {exc.reason}", field="channel") from None

    def fetch(after: tuple[paging.KeyPart, ...] | None, limit: int) -> list[Campaign]:
        return uow.campaigns.list(str(after[0]) if after else "", limit, wanted)

    with deps.uow() as uow:
        return paging.fetch_page(
            fetch, lambda campaign: (campaign.name.lower(),), page_size, cursor
        )
