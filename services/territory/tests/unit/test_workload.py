"""Workload tracking on the fakes: every transition of a lead or deal moves its owner's open
items exactly once, older and repeated events change nothing, routing's own count is not
doubled by leads' lead_assigned, and load balancing follows the real counts."""

import collections

import pytest

from crm_territory.domain.routing import Outcome
from crm_territory.domain.teams import RoutingStrategy, TeamRole
from crm_territory.domain.workload import ItemFact, ItemKind
from crm_territory.service_layer import memberships, org, owners, routing, territories, workload

from .conftest import ADMIN, LEAD_ROUTER, OWNER_CHOOSER, WORKER, lead, rule

LEAD, DEAL = ItemKind.LEAD, ItemKind.DEAL


@pytest.fixture
def setup(world):
    region = world.unit("DACH", world.unit("EMEA"))
    berlin = world.team("Berlin", region, RoutingStrategy.LOAD_BALANCED)
    munich = world.team("Munich", region)
    inbox = world.team("Inbox", region)
    for uid in ("b1", "b2", "b3"):
        world.member(berlin, uid)
    world.member(munich, "m1")
    world.member(inbox, "triage", role=TeamRole.SUPERVISOR)
    org.set_unassigned_queue(world.deps, ADMIN, team_id=inbox.id)
    line = world.line("SMB", berlin, munich)
    world.territory("Berlin", line, berlin, 1, rule("Berlin", postal_code=["10"]))
    return world, berlin, munich


def deal(deal_id, version, team, owner, is_open=True):
    """What a deal event says (deals' events carry the whole opportunity)."""
    return ItemFact(DEAL, deal_id, version, owner=(team.id if team else "", owner), open=is_open)


def assigned(lead_id, version, team, owner):
    """leads' lead_assigned: team and owner, no status."""
    return ItemFact(LEAD, lead_id, version, owner=(team.id if team else "", owner))


def status(lead_id, version, is_open):
    """leads' lead_status_changed: the status, no owner."""
    return ItemFact(LEAD, lead_id, version, open=is_open)


def apply(world, *facts):
    return workload.apply_item_facts(world.deps, WORKER, facts=list(facts))


def open_items(world, team):
    """Members' open items in the team's ledger (zeros left out), checked against the tracked
    items they must equal."""
    ledger = world.uow.ledgers.get(team.id)
    counts = {uid: m.open_items for uid, m in ledger.members.items() if m.open_items}
    assert counts == world.uow.tracked_items.open_counts(team.id)
    return counts


def route(world, *leads):
    return routing.route_leads(world.deps, WORKER, leads=list(leads))


def test_a_deal_through_assign_reassign_transfer_close_and_reopen(setup):
    world, berlin, munich = setup
    assert apply(world, deal("D1", 1, berlin, "b1")) == 1  # deal_created
    assert open_items(world, berlin) == {"b1": 1}
    apply(world, deal("D1", 2, berlin, "b2"))  # reassigned in team
    assert open_items(world, berlin) == {"b2": 1}
    apply(world, deal("D1", 3, munich, "m1"))  # transferred
    assert open_items(world, berlin) == {} and open_items(world, munich) == {"m1": 1}
    apply(world, deal("D1", 4, munich, "m1", is_open=False))  # won
    assert open_items(world, munich) == {}
    apply(world, deal("D1", 5, munich, "m1"))  # reopened
    assert open_items(world, munich) == {"m1": 1}
    apply(world, deal("D1", 6, munich, "m1", is_open=False))  # lost
    assert open_items(world, munich) == {}
    assert world.uow.tracked_items.get(DEAL, "D1").owner_version == 6


def test_an_older_event_arriving_late_and_a_duplicate_change_nothing(setup):
    world, berlin, _ = setup
    apply(world, deal("D1", 1, berlin, "b1"), deal("D1", 3, berlin, "b3"))
    assert apply(world, deal("D1", 2, berlin, "b2")) == 0  # late: v2 after v3
    assert apply(world, deal("D1", 3, berlin, "b3")) == 0  # the same again
    assert apply(world, deal("D1", 2, berlin, "b2", is_open=False)) == 0
    assert open_items(world, berlin) == {"b3": 1}


def test_owner_and_status_keep_their_own_versions(setup):
    world, berlin, _ = setup
    # The lead is disqualified at v3 before its assignment of v2 arrives (two queues).
    apply(world, status("L1", 3, False))
    apply(world, assigned("L1", 2, berlin, "b2"))  # still applies: owner was at v0
    item = world.uow.tracked_items.get(LEAD, "L1")
    assert (item.owner_user_id, item.open) == ("b2", False) and open_items(world, berlin) == {}
    apply(world, status("L1", 2, True))  # older than the v3 status: ignored
    assert open_items(world, berlin) == {}
    apply(world, status("L1", 4, True))  # reactivated
    assert open_items(world, berlin) == {"b2": 1}


def test_a_lead_first_heard_of_without_a_status_counts_as_open(setup):
    world, berlin, _ = setup
    apply(world, assigned("L9", 5, berlin, "b1"))
    assert open_items(world, berlin) == {"b1": 1}
    apply(world, status("L9", 4, False))  # its status (unchanged since v4) arrives later
    assert open_items(world, berlin) == {}


def test_a_routed_lead_counts_once_when_leads_reports_the_same_owner(setup):
    world, berlin, _ = setup
    [d] = route(world, lead("L1", postal_code="10", version=1))
    assert d.outcome is Outcome.ROUTED and open_items(world, berlin) == {d.owner_user_id: 1}
    assert apply(world, assigned("L1", 2, berlin, d.owner_user_id)) == 1  # version moves
    assert open_items(world, berlin) == {d.owner_user_id: 1}
    assert world.uow.tracked_items.get(LEAD, "L1").owner_version == 2
    apply(world, assigned("L1", 3, berlin, "b3"))  # reassigned later
    assert open_items(world, berlin) == {"b3": 1}


def test_a_person_assigning_before_the_routing_decision_wins(setup):
    world, berlin, _ = setup
    apply(world, assigned("L1", 2, berlin, "b3"))  # by hand, before lead_created routed
    [d] = route(world, lead("L1", postal_code="10", version=1))
    assert d.owner_user_id != "b3"  # leads ignores this decision
    assert open_items(world, berlin) == {"b3": 1}


def test_a_redelivered_lead_is_not_counted_again(setup):
    world, berlin, _ = setup
    route(world, lead("L1", postal_code="10", version=1))
    route(world, lead("L1", postal_code="10", version=1))
    assert sum(open_items(world, berlin).values()) == 1


def test_a_queued_lead_counts_once_taken_by_hand_or_by_retry(setup):
    world, berlin, _ = setup
    [d1, _d2] = route(
        world, lead("Q1", country="FR", version=1), lead("Q2", country="FR", version=1)
    )
    assert d1.in_queue and open_items(world, berlin) == {}
    apply(world, assigned("Q1", 2, None, ""), assigned("Q2", 2, None, ""))  # queued in leads
    apply(world, assigned("Q1", 3, berlin, "b2"))  # taken by hand
    assert open_items(world, berlin) == {"b2": 1}
    berlin_territory = next(t for t in world.uow.territories.all() if t.team_id == berlin.id)
    territories.set_rules(
        world.deps, ADMIN, territory_id=berlin_territory.id, rules=[rule("France", country=["FR"])]
    )
    again = routing.retry_routing(world.deps, LEAD_ROUTER, lead_id="Q2")
    assert again.outcome is Outcome.ROUTED
    assert open_items(world, berlin)[again.owner_user_id] >= 1
    before = open_items(world, berlin)
    apply(world, assigned("Q2", 3, berlin, again.owner_user_id))  # leads applies the retry
    assert open_items(world, berlin) == before and sum(before.values()) == 2


def test_load_balancing_prefers_the_member_with_fewer_real_open_items(setup):
    world, berlin, _ = setup
    apply(
        world,
        *[deal(f"D{i}", 1, berlin, "b1") for i in range(3)],
        deal("E1", 1, berlin, "b2"),
        *[deal(f"F{i}", 1, berlin, "b3") for i in range(2)],
    )
    [d] = route(world, lead("L1", postal_code="10", version=1))
    assert d.owner_user_id == "b2"  # 1 open item against 3 and 2
    assert "fewest open items (1)" in d.choice.reason
    apply(world, *[deal(f"D{i}", 2, berlin, "b1", is_open=False) for i in range(3)])  # won
    got = [
        d.owner_user_id
        for d in route(
            world, lead("L2", postal_code="10", version=1), lead("L3", postal_code="10", version=1)
        )
    ]
    assert got == ["b1", "b1"]  # 0 then 1, the others have 2
    assert open_items(world, berlin) == {"b1": 2, "b2": 2, "b3": 2}


def test_a_hand_over_spreads_by_plan_and_the_events_move_the_counts(setup):
    world, berlin, _ = setup
    apply(world, *[assigned(f"L{i}", 1, berlin, "b1") for i in range(4)])
    [b1] = [m for m in world.uow.memberships.for_team(berlin.id) if m.user_id == "b1"]
    memberships.end_membership(world.deps, ADMIN, membership_id=b1.id, reason="left")
    assert open_items(world, berlin) == {"b1": 4}  # an ending changes no count by itself
    plan = owners.choose_owners(
        world.deps,
        OWNER_CHOOSER,
        team_id=berlin.id,
        subject_ids=[f"lead:L{i}" for i in range(4)],
        exclude_user_ids=["b1"],
    )
    assert collections.Counter(c.owner_user_id for c in plan.values()) == {"b2": 2, "b3": 2}
    assert open_items(world, berlin) == {"b1": 4}  # not counted until leads applies it
    apply(
        world, *[assigned(f"L{i}", 2, berlin, plan[f"lead:L{i}"].owner_user_id) for i in range(4)]
    )  # leads' lead_assigned (handover)
    assert open_items(world, berlin) == {"b2": 2, "b3": 2}


def test_leads_and_deals_with_the_same_id_are_different_items(setup):
    world, berlin, _ = setup
    apply(world, assigned("X1", 1, berlin, "b1"), deal("X1", 1, berlin, "b1"))
    assert open_items(world, berlin) == {"b1": 2}
    apply(world, deal("X1", 2, berlin, "b1", is_open=False))
    assert open_items(world, berlin) == {"b1": 1}


def test_an_item_without_owner_or_team_counts_for_nobody(setup):
    world, berlin, _ = setup
    apply(world, deal("D1", 1, berlin, ""), deal("D2", 1, None, "b1"))
    assert open_items(world, berlin) == {}
    apply(world, deal("D1", 2, berlin, "b1"))
    assert open_items(world, berlin) == {"b1": 1}


def test_an_event_naming_no_item_changes_nothing(setup):
    # A malformed event (lead_assigned without lead_id) must not give a member a phantom
    # open item; the same batch's good fact still applies.
    world, berlin, _ = setup
    assert apply(world, assigned("", 2, berlin, "b1"), assigned("L7", 2, berlin, "b2")) == 1
    assert open_items(world, berlin) == {"b2": 1}
