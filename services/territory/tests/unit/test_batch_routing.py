"""The bulk lane: an import batch (leads' leads_captured) routed in one transaction and answered
with one leads_routed; a redelivered or overlapping batch decides no lead twice."""

from crm.territory.v1 import routing_pb2
from crm_territory.domain.routing import Outcome
from crm_territory.service_layer import org, routing

from .conftest import ADMIN, WORKER, lead, rule


def _setup(world):
    region = world.unit("DACH", world.unit("EMEA"))
    berlin, inbox = world.team("Berlin", region), world.team("Inbox", region)
    for uid in ("b1", "b2"):
        world.member(berlin, uid)
    org.set_unassigned_queue(world.deps, ADMIN, team_id=inbox.id)
    line = world.line("SMB", berlin)
    world.territory("Berlin", line, berlin, 1, rule("Berlin", postal_code=["10"]))
    return berlin, inbox, line


def route_batch(world, batch_id, *leads):
    return routing.route_leads(world.deps, WORKER, leads=list(leads), batch_id=batch_id)


def test_a_batch_is_answered_with_one_leads_routed_and_no_per_lead_event(world):
    berlin, inbox, line = _setup(world)
    decisions = route_batch(
        world,
        "captured-1",
        lead("L1", postal_code="10115"),
        lead("L2", postal_code="10117"),
        lead("L3", country="FR"),
    )
    assert [d.outcome for d in decisions] == [Outcome.ROUTED, Outcome.ROUTED, Outcome.UNROUTABLE]
    assert not world.uow.events("lead_routed") and not world.uow.events("lead_unroutable")
    [answer] = world.uow.events("leads_routed")
    assert [(r.lead_id, r.team_id, r.owner_user_id) for r in answer.routed] == [
        ("L1", berlin.id, "b1"),
        ("L2", berlin.id, "b2"),
    ]
    assert answer.routed[0].sales_line_id == line.id
    assert "rule" in answer.routed[0].explanation.summary
    [queued] = answer.unroutable
    assert (queued.lead_id, queued.queue_team_id) == ("L3", inbox.id)
    assert queued.reason == routing_pb2.UNROUTABLE_REASON_NO_RULE_MATCHED
    assert answer.meta.aggregate_type == routing.BATCH_AGGREGATE
    assert answer.meta.aggregate_id == "captured-1"
    assert not answer.routed[0].HasField("meta")  # the batch's meta is every item's
    # Routing counts the owners' workload as the single lane does.
    assert world.metrics.routed == [(berlin.id, "round_robin")] * 2


def test_a_redelivered_batch_decides_nothing_again_and_publishes_nothing(world):
    _setup(world)
    first = route_batch(world, "captured-1", lead("L1", postal_code="10115"))
    again = route_batch(world, "captured-1", lead("L1", postal_code="10115"))
    assert again[0].owner_user_id == first[0].owner_user_id
    assert len(world.uow.events("leads_routed")) == 1
    assert world.metrics.duplicates == 1


def test_a_half_routed_batch_answers_only_its_new_leads(world):
    _setup(world)
    routing.route_leads(world.deps, WORKER, leads=[lead("L1", postal_code="10115")])
    route_batch(world, "captured-2", lead("L1", postal_code="10115"), lead("L2", country="FR"))
    [answer] = world.uow.events("leads_routed")
    assert [r.lead_id for r in answer.routed] == [] and [u.lead_id for u in answer.unroutable] == [
        "L2"
    ]
    assert len(world.uow.events("lead_routed")) == 1  # the single lane's, earlier
