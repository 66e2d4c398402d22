"""Routing applied once, the unassigned queue, the visibility matrix, assignment and handover."""

import datetime as dt

import pytest

from crm_chassis.errors import InvalidArgument, NotFound, PermissionDenied
from crm_leads.domain.assignment import RoutingDecision
from crm_leads.domain.search import LeadFilter
from crm_leads.service_layer import assignment, leads, lifecycle
from crm_leads.service_layer.searching import search_leads


def routed(world, lead_id, decision_id="d1", team="team-a", owner="ann", minutes=0, queue_team=""):
    return assignment.apply_routing(
        world.deps,
        world.routing,
        RoutingDecision(
            decision_id,
            lead_id,
            world.t0 + dt.timedelta(minutes=minutes),
            world.line,
            team,
            owner,
            "country DE and industry software -> team-a",
            queue_team,
        ),
    )


def test_routing_is_applied_once_under_redelivery(world):
    lead = world.capture().lead
    assert routed(world, lead.id) is True
    before = (list(world.events), list(world.store.history), world.store.leads[lead.id].version)
    for _ in range(3):
        assert routed(world, lead.id) is False
    assert (world.events, world.store.history, world.store.leads[lead.id].version) == before
    stored = world.store.leads[lead.id]
    assert (stored.assignment.team_id, stored.assignment.owner_user_id) == ("team-a", "ann")
    assert stored.assignment.explanation.startswith("country DE")
    assigned = world.events_of("lead_assigned")
    assert len(assigned) == 1 and assigned[0].assignment.method == "routed"
    assert assigned[0].meta.actor.id == "territory-routing"


def test_routing_of_an_unknown_or_converted_lead_changes_nothing(world):
    assert routed(world, "no-such-lead") is False


def test_a_routing_decision_sets_the_sales_line_and_rescores(world):
    lead = world.capture(sales_line_id=None).lead
    assert world.store.leads[lead.id].data.sales_line_id == ""
    routed(world, lead.id)
    assert world.store.leads[lead.id].data.sales_line_id == world.line
    assert "lead_updated" in world.event_types()


def test_unroutable_leads_wait_in_the_queue_for_the_queue_team(world):
    lead = world.capture().lead
    routed(world, lead.id, team="", owner="", queue_team=world.queue_team)
    assert world.store.leads[lead.id].assignment.method.value == "unroutable"
    queue = search_leads(world.deps, world.tia, LeadFilter(unassigned_only=True)).items
    assert [item.id for item in queue] == [lead.id]
    assert search_leads(world.deps, world.meg, LeadFilter(unassigned_only=True)).items == []
    taken = assignment.assign_lead(
        world.deps, world.tia, lead.id, team_id="team-a", owner_user_id="bob", note="fits team a"
    )
    assert (taken.assignment.team_id, taken.assignment.method.value) == ("team-a", "manual")
    assert world.store.history[-1].note == "fits team a"
    # a later routing decision no longer overrides the person's choice
    assert routed(world, lead.id, "d2", team="team-b", owner="ben", minutes=5) is False


def test_taking_from_the_queue_needs_a_target_team(world):
    lead = world.capture().lead
    routed(world, lead.id, team="", owner="", queue_team=world.queue_team)
    with pytest.raises(InvalidArgument, match="team_id is required"):
        assignment.assign_lead(world.deps, world.tia, lead.id)


def test_without_a_designated_queue_team_an_unroutable_lead_is_seen_by_nobody(world):
    lead = world.capture().lead
    routed(world, lead.id, team="", owner="")
    for caller in (world.tia, world.meg, world.ada):
        with pytest.raises(NotFound):
            leads.get_lead(world.deps, caller, lead.id)


MATRIX = {  # caller -> (sees team-a lead, sees team-b lead, sees queued lead)
    "ann": (True, False, False),
    "bob": (True, False, False),
    "sue": (True, False, False),
    "meg": (True, True, False),
    "ben": (False, True, False),
    "ada": (False, False, False),
    "tia": (True, False, True),
    "webform": (False, False, False),
}


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_visibility_matrix(world, name):
    caller = {
        c.subject_id: c
        for c in (
            world.ann,
            world.bob,
            world.sue,
            world.meg,
            world.ben,
            world.ada,
            world.tia,
            world.form,
        )
    }[name]
    a = world.lead_in(team="team-a", owner="ann")
    b = world.lead_in(team="team-b", owner="ben")
    queued = world.capture().lead
    routed(world, queued.id, team="", owner="", queue_team=world.queue_team)
    expected = MATRIX[name]
    for lead, visible in zip((a, b, queued), expected, strict=True):
        if visible:
            assert leads.get_lead(world.deps, caller, lead.id).id == lead.id
        else:
            with pytest.raises(NotFound, match=f"^lead {lead.id} not found$"):
                leads.get_lead(world.deps, caller, lead.id)
    found = {item.id for item in search_leads(world.deps, caller, LeadFilter()).items}
    assert found == {
        lead.id for lead, visible in zip((a, b, queued), expected, strict=True) if visible
    }


def test_teammates_work_each_others_leads(world):
    lead = world.lead_in(owner="ann")
    assert lifecycle.start_working(world.deps, world.bob, lead.id).status.value == "working"
    assert world.store.history[-1].actor.id == "bob"


def test_expert_claims_an_unowned_lead_but_only_a_leader_reassigns(world):
    lead = world.lead_in(owner="")
    claimed = assignment.assign_lead(world.deps, world.bob, lead.id, owner_user_id="bob")
    assert claimed.assignment.method.value == "claimed"
    with pytest.raises(PermissionDenied, match="only a supervisor or manager"):
        assignment.assign_lead(world.deps, world.ann, lead.id, owner_user_id="ann")
    moved = assignment.assign_lead(world.deps, world.sue, lead.id, owner_user_id="cat")
    assert moved.assignment.owner_user_id == "cat"
    event = world.events_of("lead_assigned")[-1]
    assert (event.previous_owner_user_id, event.assignment.owner_user_id) == ("bob", "cat")


def test_only_a_manager_hands_a_lead_to_another_team(world):
    lead = world.lead_in(owner="ann")
    with pytest.raises(PermissionDenied, match="manager role"):
        assignment.assign_lead(
            world.deps, world.sue, lead.id, team_id="team-b", owner_user_id="ben"
        )
    moved = assignment.assign_lead(
        world.deps, world.meg, lead.id, team_id="team-b", owner_user_id="ben"
    )
    assert moved.assignment.team_id == "team-b"
    with pytest.raises(NotFound):
        leads.get_lead(world.deps, world.ann, lead.id)  # quarantined from the old team now


def test_owner_outside_the_team_is_refused(world):
    lead = world.lead_in()
    with pytest.raises(InvalidArgument, match="not a member of team team-a"):
        assignment.assign_lead(world.deps, world.meg, lead.id, owner_user_id="ben")


def test_same_assignment_again_changes_nothing(world):
    lead = world.lead_in(owner="ann")
    assignment.assign_lead(world.deps, world.meg, lead.id, owner_user_id="bob")
    count = len(world.events)
    assignment.assign_lead(world.deps, world.meg, lead.id, owner_user_id="bob")
    assert len(world.events) == count


def test_leaving_member_hands_open_leads_to_the_remaining_members(world):
    open_leads = [world.lead_in(owner="ann") for _ in range(3)]
    closed = world.lead_in(owner="ann")
    lifecycle.disqualify(world.deps, world.ann, closed.id, "spam")
    other = world.lead_in(owner="bob")
    world.teams.members_by_team["team-a"].discard("ann")
    result = assignment.hand_over_leads(world.deps, world.team_handover, "team-a", "ann")
    assert result == {open_leads[0].id: "bob", open_leads[1].id: "cat", open_leads[2].id: "sue"}
    assert world.handover.calls == [
        ("team-a", "ann", [lead.id for lead in open_leads], ["bob", "cat", "sue"])
    ]
    assert world.store.leads[closed.id].assignment.owner_user_id == "ann"
    assert world.store.leads[other.id].assignment.owner_user_id == "bob"
    entry = world.store.history[-1]
    assert entry.action == "assigned" and entry.note == "ann left the team"
    assert entry.actor.id == "team-handover"
    assert world.store.leads[open_leads[0].id].assignment.method.value == "handover"
    redelivered = assignment.hand_over_leads(world.deps, world.team_handover, "team-a", "ann")
    assert redelivered == {}


def test_handover_never_gives_a_lead_to_a_non_member(world):
    lead = world.lead_in(owner="ann")
    world.teams.members_by_team["team-a"].discard("ann")
    world.handover.distribute = lambda *args: {lead.id: "mallory"}
    assert assignment.hand_over_leads(world.deps, world.team_handover, "team-a", "ann") == {
        lead.id: ""
    }
    assert world.store.leads[lead.id].assignment.owner_user_id == ""


def test_last_member_leaving_leaves_the_leads_unowned_in_the_team(world):
    lead = world.lead_in(team="team-b", owner="ben")
    world.teams.members_by_team["team-b"].clear()
    assert assignment.hand_over_leads(world.deps, world.team_handover, "team-b", "ben") == {
        lead.id: ""
    }
    assert world.handover.calls == []
