"""Campaigns: exact cost, period, unique name, permissions, events."""

import datetime as dt
from decimal import Decimal

import pytest

from crm_chassis.errors import (
    AlreadyExists,
    FailedPrecondition,
    NotFound,
    PermissionDenied,
    ValidationErrors,
)
from crm_leads.service_layer import campaigns

SPRING = {
    "name": "Spring Fair 2026",
    "channel": "event",
    "starts_on": "2026-04-01",
    "ends_on": "2026-04-03",
    "cost": "15000.50 EUR",
}


def test_create_keeps_the_cost_exact_and_publishes(world):
    campaign = campaigns.create_campaign(world.deps, world.mia, SPRING)
    assert campaign.cost.amount == Decimal("15000.50") and campaign.cost.currency == "EUR"
    assert campaign.starts_on == dt.date(2026, 4, 1) and campaign.runs_on(dt.date(2026, 4, 3))
    event = world.events_of("campaign_created")[0]
    assert event.campaign.cost.amount == "15000.50" and event.meta.aggregate_type == "campaign"


def test_campaign_problems_are_listed(world):
    with pytest.raises(ValidationErrors) as caught:
        campaigns.create_campaign(
            world.deps,
            world.mia,
            {
                "name": " ",
                "channel": "fax",
                "starts_on": "2026-04-05",
                "ends_on": "2026-04-01",
                "cost": "12.345 EUR",
            },
        )
    assert {p for p, _ in caught.value.problems} == {"name", "channel", "cost", "ends_on"}
    with pytest.raises(ValidationErrors, match="before starts_on"):
        campaigns.create_campaign(world.deps, world.mia, {**SPRING, "ends_on": "2026-03-01"})
    with pytest.raises(ValidationErrors, match="YYYY-MM-DD"):
        campaigns.create_campaign(world.deps, world.mia, {**SPRING, "starts_on": "1.4.2026"})


def test_names_are_unique_case_insensitively(world):
    campaigns.create_campaign(world.deps, world.mia, SPRING)
    with pytest.raises(AlreadyExists, match="choose another name"):
        campaigns.create_campaign(world.deps, world.meg, {**SPRING, "name": "spring fair 2026"})


def test_only_marketing_and_management_change_campaigns(world):
    with pytest.raises(PermissionDenied, match="marketing or management"):
        campaigns.create_campaign(world.deps, world.ann, SPRING)
    with pytest.raises(PermissionDenied):
        campaigns.list_campaigns(world.deps, world.ada)


def test_update_bumps_the_version_and_checks_it(world):
    campaign = campaigns.create_campaign(world.deps, world.mia, SPRING)
    updated = campaigns.update_campaign(
        world.deps, world.mia, campaign.id, {"cost": ("16000", "EUR")}, expected_version=1
    )
    assert updated.version == 2 and updated.cost.amount == Decimal("16000")
    assert world.events_of("campaign_updated")[0].campaign.version == 2
    same = campaigns.update_campaign(world.deps, world.mia, campaign.id, {"cost": "16000 EUR"})
    assert same.version == 2 and len(world.events_of("campaign_updated")) == 1
    with pytest.raises(FailedPrecondition):
        campaigns.update_campaign(
            world.deps, world.mia, campaign.id, {"name": "x"}, expected_version=1
        )
    with pytest.raises(NotFound):
        campaigns.update_campaign(world.deps, world.mia, "nope", {"name": "x"})


def test_list_by_name_in_pages_and_by_channel(world):
    for name, channel in (("B", "event"), ("a", "paid_ads"), ("C", "event")):
        campaigns.create_campaign(
            world.deps, world.mia, {**SPRING, "name": name, "channel": channel}
        )
    first = campaigns.list_campaigns(world.deps, world.ann, page_size=2)
    rest = campaigns.list_campaigns(world.deps, world.ann, page_size=2, cursor=first.next_cursor)
    assert [c.name for c in first.items + rest.items] == ["a", "B", "C"]
    events = campaigns.list_campaigns(world.deps, world.ann, channel="event")
    assert [c.name for c in events.items] == ["B", "C"]


def test_leads_may_name_an_existing_campaign(world):
    campaign = campaigns.create_campaign(world.deps, world.mia, SPRING)
    lead = world.capture(source__campaign_id=campaign.id).lead
    assert lead.data.source.campaign_id == campaign.id
