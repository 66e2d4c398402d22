"""leads' and deals' events -> the facts workload tracking applies (adapters/workload_events)."""

import pytest

from crm.deals.v1 import events_pb2 as deals_events
from crm.deals.v1 import resources_pb2
from crm.leads.v1 import events_pb2 as leads_events
from crm.leads.v1 import lead_pb2
from crm_chassis import events
from crm_territory.adapters.lead_events import lead_facts
from crm_territory.adapters.workload_events import (
    deal_facts,
    lead_assigned_facts,
    lead_merged_facts,
    lead_status_facts,
)
from crm_territory.domain.workload import ItemFact, ItemKind
from crm_territory.service_layer import workload

from .conftest import WORKER, World


def stamped(message, event_type, aggregate_id, version, producer="leads"):
    events.stamp(
        message,
        producer=producer,
        event_type=event_type,
        aggregate_type="lead" if producer == "leads" else "opportunity",
        aggregate_id=aggregate_id,
        aggregate_version=version,
    )
    return message


def test_lead_assigned_gives_team_and_owner_at_the_event_version():
    message = stamped(
        leads_events.LeadAssigned(
            lead_id="L1",
            assignment=lead_pb2.Assignment(team_id="T", owner_user_id="u1", method="handover"),
        ),
        "lead_assigned",
        "L1",
        7,
    )
    assert lead_assigned_facts(message) == [ItemFact(ItemKind.LEAD, "L1", 7, owner=("T", "u1"))]


@pytest.mark.parametrize(
    "status,is_open",
    [
        (lead_pb2.LEAD_STATUS_NEW, True),
        (lead_pb2.LEAD_STATUS_WORKING, True),
        (lead_pb2.LEAD_STATUS_QUALIFIED, True),
        (lead_pb2.LEAD_STATUS_DISQUALIFIED, False),
        (lead_pb2.LEAD_STATUS_CONVERTING, False),
        (lead_pb2.LEAD_STATUS_CONVERTED, False),
        (lead_pb2.LEAD_STATUS_MERGED, False),
    ],
)
def test_lead_status_changed_says_open_or_closed(status, is_open):
    message = stamped(
        leads_events.LeadStatusChanged(lead_id="L1", team_id="T", status=status),
        "lead_status_changed",
        "L1",
        3,
    )
    assert lead_status_facts(message) == [ItemFact(ItemKind.LEAD, "L1", 3, open=is_open)]


def test_a_status_event_without_a_status_says_nothing():
    message = stamped(leads_events.LeadStatusChanged(lead_id="L1"), "lead_status_changed", "L1", 3)
    assert lead_status_facts(message) == []


def test_lead_merged_closes_the_duplicate_at_its_own_version():
    survivor = lead_pb2.Lead(
        id="S",
        status=lead_pb2.LEAD_STATUS_WORKING,
        version=12,
        assignment=lead_pb2.Assignment(team_id="T", owner_user_id="u1"),
    )
    duplicate = lead_pb2.Lead(
        id="D",
        status=lead_pb2.LEAD_STATUS_MERGED,
        version=4,
        assignment=lead_pb2.Assignment(team_id="T", owner_user_id="u2"),
    )
    message = stamped(
        leads_events.LeadMerged(survivor=survivor, merged=duplicate), "lead_merged", "S", 12
    )
    assert lead_merged_facts(message) == [
        ItemFact(ItemKind.LEAD, "S", 12, owner=("T", "u1"), open=True),
        ItemFact(ItemKind.LEAD, "D", 4, owner=("T", "u2"), open=False),
    ]


@pytest.mark.parametrize(
    "message_cls,event_type,status,is_open",
    [
        (deals_events.DealCreated, "deal_created", resources_pb2.DEAL_STATUS_OPEN, True),
        (deals_events.DealUpdated, "deal_updated", resources_pb2.DEAL_STATUS_OPEN, True),
        (deals_events.DealWon, "deal_won", resources_pb2.DEAL_STATUS_WON, False),
        (deals_events.DealLost, "deal_lost", resources_pb2.DEAL_STATUS_LOST, False),
        (deals_events.DealReopened, "deal_reopened", resources_pb2.DEAL_STATUS_OPEN, True),
        (deals_events.DealTransferred, "deal_transferred", resources_pb2.DEAL_STATUS_WON, False),
    ],
)
def test_every_deal_event_gives_the_deals_team_owner_and_state(
    message_cls, event_type, status, is_open
):
    deal = resources_pb2.Opportunity(
        id="D1", team_id="T", owner_user_id="u1", status=status, version=5
    )
    message = stamped(message_cls(deal=deal), event_type, "D1", 5, producer="deals")
    assert deal_facts(message) == [
        ItemFact(ItemKind.DEAL, "D1", 5, owner=("T", "u1"), open=is_open)
    ]


def test_a_snapshot_without_its_version_takes_the_events():
    deal = resources_pb2.Opportunity(
        id="D1", team_id="T", owner_user_id="u1", status=resources_pb2.DEAL_STATUS_OPEN
    )
    message = stamped(deals_events.DealCreated(deal=deal), "deal_created", "D1", 1, "deals")
    assert deal_facts(message)[0].version == 1
    assert lead_facts(lead_pb2.Lead(id="L1"), 1).version == 1
    assert lead_facts(lead_pb2.Lead(id="L1", version=3), 3).version == 3


def test_a_merge_through_the_use_case_moves_the_duplicates_count():
    world = World()
    uow = world.uow
    workload.apply_item_facts(
        world.deps, WORKER, facts=[ItemFact(ItemKind.LEAD, "D", 3, owner=("T", "u2"), open=True)]
    )
    duplicate = lead_pb2.Lead(
        id="D",
        status=lead_pb2.LEAD_STATUS_MERGED,
        version=4,
        assignment=lead_pb2.Assignment(team_id="T", owner_user_id="u2"),
    )
    survivor = lead_pb2.Lead(
        id="S",
        status=lead_pb2.LEAD_STATUS_NEW,
        version=9,
        assignment=lead_pb2.Assignment(team_id="T", owner_user_id="u1"),
    )
    message = stamped(
        leads_events.LeadMerged(survivor=survivor, merged=duplicate), "lead_merged", "S", 9
    )
    assert workload.apply_item_facts(world.deps, WORKER, facts=lead_merged_facts(message)) == 2
    assert uow.tracked_items.open_counts("T") == {"u1": 1}
    assert {u: m.open_items for u, m in uow.ledgers.get("T").members.items()} == {"u1": 1, "u2": 0}
