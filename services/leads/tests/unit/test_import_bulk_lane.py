"""The import's bulk lane: one leads_captured per batch instead of a lead_created and a
lead_scored per lead; a leads_routed batch applied in one unit of work, at most once per lead,
its assignments announced in one leads_assigned instead of a lead_assigned per lead."""

from crm_leads.domain.assignment import AssignmentMethod, RoutingDecision
from crm_leads.service_layer import assignment
from crm_leads.service_layer.importing import BATCH_AGGREGATE, import_rows, plan_import
from crm_leads.service_layer.publishing import ASSIGNMENT_BATCH_AGGREGATE

COLUMNS = ["E-Mail", "Last name", "Company", "Country"]


def imported(world, count, batch_size=3, import_id="bulk-1"):
    plan = plan_import(
        world.mia,
        import_id=import_id,
        column_mapping={},
        columns=COLUMNS,
        default_channel="purchased_list",
        default_sales_line_id=world.line,
    )
    rows = [
        (n, dict(zip(COLUMNS, [f"b{n}@acme.example", f"L{n}", "Acme", "DE"], strict=True)))
        for n in range(1, count + 1)
    ]
    reports = list(import_rows(world.deps, world.mia, plan, rows, batch_size=batch_size))
    return [a.lead_id for r in reports for a in r.accepted]


def decisions(world, lead_ids, batch_id="batch-1", team="team-a", owner="ann"):
    return [
        RoutingDecision(batch_id, lead_id, world.clock.now(), world.line, team, owner, "rule")
        for lead_id in lead_ids
    ]


def test_each_batch_is_announced_once_with_its_leads_scored(world):
    ids = imported(world, 7, batch_size=3)
    batches = world.events_of("leads_captured")
    assert [len(b.leads) for b in batches] == [3, 3, 1]
    assert [lead.id for b in batches for lead in b.leads] == ids
    assert "lead_created" not in world.event_types()
    assert "lead_scored" not in world.event_types()
    for batch in batches:
        assert batch.import_id == "bulk-1"
        assert batch.meta.aggregate_type == BATCH_AGGREGATE
        assert len({b.meta.aggregate_id for b in batches}) == 3  # each batch its own aggregate
    first = batches[0].leads[0]
    stored = world.store.leads[first.id]
    assert first.version == stored.version and first.score.grade  # captured and scored


def test_a_rerun_announces_only_the_rows_it_creates(world):
    imported(world, 2, batch_size=5)
    imported(world, 4, batch_size=5)  # rows 1-2 already imported, 3-4 new
    assert [len(b.leads) for b in world.events_of("leads_captured")] == [2, 2]


def test_the_single_path_still_announces_each_lead(world):
    world.capture()
    assert world.event_types()[:2] == ["lead_created", "lead_scored"]
    assert not world.events_of("leads_captured")


def test_a_routed_batch_is_applied_in_one_go_and_a_redelivery_changes_nothing(world):
    ids = imported(world, 4, batch_size=10)
    world.events.clear()
    assert assignment.apply_routings(world.deps, world.routing, decisions(world, ids)) == 4
    assert all(world.store.leads[i].assignment.owner_user_id == "ann" for i in ids)
    assert not world.events_of("lead_assigned")
    [batch] = world.events_of("leads_assigned")
    assert batch.meta.aggregate_type == ASSIGNMENT_BATCH_AGGREGATE
    assert [item.lead_id for item in batch.assigned] == ids
    for item in batch.assigned:  # each item: the lead's own lead_assigned and version
        stored = world.store.leads[item.lead_id]
        assert (item.meta.aggregate_type, item.meta.aggregate_id) == ("lead", stored.id)
        assert item.meta.aggregate_version == stored.version
        assert (item.assignment.team_id, item.assignment.owner_user_id) == ("team-a", "ann")
    versions = {i: world.store.leads[i].version for i in ids}
    assert assignment.apply_routings(world.deps, world.routing, decisions(world, ids)) == 0
    assert len(world.events_of("leads_assigned")) == 1  # nothing twice, no empty batch
    assert {i: world.store.leads[i].version for i in ids} == versions


def test_a_half_applied_batch_applies_only_the_rest(world):
    ids = imported(world, 4, batch_size=10)
    world.events.clear()
    batch = decisions(world, ids)
    assert assignment.apply_routings(world.deps, world.routing, batch[:2]) == 2
    assert assignment.apply_routings(world.deps, world.routing, batch) == 2
    announced = [item.lead_id for b in world.events_of("leads_assigned") for item in b.assigned]
    assert sorted(announced) == sorted(ids)  # each lead once


def test_a_lead_assigned_by_a_person_before_its_batch_is_routed_keeps_that_owner(world):
    ids = imported(world, 3, batch_size=10)
    first = ids[0]
    # Between the batch's capture and its routing the single path placed the lead: a queue-
    # team member (tia) put it into team-a for bob.
    assignment.apply_routing(
        world.deps,
        world.routing,
        RoutingDecision("early", first, world.t0, world.line, "", "", "queued", world.queue_team),
    )
    assignment.assign_lead(world.deps, world.tia, first, team_id="team-a", owner_user_id="bob")
    applied = assignment.apply_routings(world.deps, world.routing, decisions(world, ids))
    assert applied == 2
    lead = world.store.leads[first]
    assert (lead.assignment.owner_user_id, lead.assignment.method) == (
        "bob",
        AssignmentMethod.MANUAL,
    )
    assert all(world.store.leads[i].assignment.owner_user_id == "ann" for i in ids[1:])


def test_a_single_decision_still_announces_its_lead_assigned(world):
    lead = world.capture().lead
    world.events.clear()
    assert assignment.apply_routing(world.deps, world.routing, decisions(world, [lead.id])[0])
    assert [e.lead_id for e in world.events_of("lead_assigned")] == [lead.id]
    assert not world.events_of("leads_assigned")


def test_an_older_batch_decision_does_not_undo_a_newer_one(world):
    ids = imported(world, 1, batch_size=10)
    newer = decisions(world, ids, batch_id="new", owner="ann")
    assignment.apply_routings(world.deps, world.routing, newer)
    older = [
        RoutingDecision("old", ids[0], world.t0.replace(year=2000), world.line, "team-a", "ben", "")
    ]
    assert assignment.apply_routings(world.deps, world.routing, older) == 0
    assert world.store.leads[ids[0]].assignment.owner_user_id == "ann"
