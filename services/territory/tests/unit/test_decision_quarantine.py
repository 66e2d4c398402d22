"""Routing decisions and the unassigned queue are read only by those who may assign the lead
(decision_access.py), and carry only what assigning needs of it."""

import grpc
import pytest

from crm.territory.v1 import routing_pb2
from crm_chassis.errors import NotFound, PermissionDenied
from crm_territory.domain.teams import TeamRole
from crm_territory.service_layer import org, routing

from .conftest import ADMIN, LEAD_ROUTER, WORKER, lead, rule, user
from .grpc_client import Client, start

SC = grpc.StatusCode
FULL_LEAD = dict(
    country="DE",
    region="Berlin",
    city="Berlin",
    postal_code="10115",
    industry="software",
    company_size=40,
    lead_source="web_form",
    campaign="spring",
    product_interests=("crm",),
)


@pytest.fixture
def setup(world):
    emea = world.unit("EMEA")
    dach = world.unit("DACH", emea)
    nordics = world.unit("Nordics", emea)
    berlin, oslo, inbox = (
        world.team("Berlin", dach),
        world.team("Oslo", nordics),
        world.team("Inbox", dach),
    )
    world.member(berlin, "rep")
    world.member(berlin, "sup", role=TeamRole.SUPERVISOR, takes_leads=False)
    world.member(oslo, "ola", role=TeamRole.MANAGER)
    world.member(inbox, "triage")  # an expert of the queue team
    world.person("boss")
    org.assign_unit_manager(world.deps, ADMIN, unit_id=dach.id, user_id="boss")
    org.set_unassigned_queue(world.deps, ADMIN, team_id=inbox.id)
    line = world.line("SMB", berlin, oslo)
    world.territory("DE", line, berlin, 1, rule("DE", country=["DE"]))
    routing.route_leads(
        world.deps, WORKER, leads=[lead("L1", **FULL_LEAD), lead("L2", country="FR", city="Paris")]
    )
    return world, berlin, inbox


def read(world, who, lead_id):
    return routing.get_decision(world.deps, who, lead_id=lead_id)


def queue(world, who):
    return [d.lead_id for d in routing.list_unassigned(world.deps, who).items]


def test_an_admin_in_no_team_sees_no_decision_and_an_empty_queue(setup):
    world, *_ = setup
    with pytest.raises(NotFound) as hidden:
        read(world, ADMIN, "L1")
    with pytest.raises(NotFound) as unknown:
        read(world, ADMIN, "L404")
    assert hidden.value.message.replace("L1", "L404") == unknown.value.message
    with pytest.raises(NotFound):
        read(world, ADMIN, "L2")
    assert queue(world, ADMIN) == []
    with pytest.raises(NotFound):
        routing.retry_routing(world.deps, ADMIN, lead_id="L2")


def test_a_routed_decision_is_read_by_who_may_reassign_the_lead(setup):
    world, berlin, _ = setup
    assert read(world, user("sup"), "L1").team_id == berlin.id  # supervisor of the team
    assert read(world, user("boss"), "L1").team_id == berlin.id  # manager of a unit above
    assert read(world, LEAD_ROUTER, "L1").team_id == berlin.id  # route_leads
    for outsider in ("rep", "ola", "triage"):  # an expert, another unit's manager, the queue
        with pytest.raises(NotFound):
            read(world, user(outsider), "L1")


def test_the_queue_is_read_by_its_team_and_the_managers_above_it(setup):
    world, _, inbox = setup
    assert queue(world, user("triage")) == ["L2"]
    assert queue(world, user("boss")) == ["L2"]  # DACH holds the queue team
    assert queue(world, LEAD_ROUTER) == ["L2"]
    assert queue(world, user("sup")) == queue(world, user("ola")) == []
    assert read(world, user("triage"), "L2").team_id == inbox.id
    with pytest.raises(NotFound):
        read(world, user("sup"), "L2")
    # Entries stay with the queue team they wait in when another team becomes the queue.
    oslo = next(t for t in world.uow.teams.all().values() if t.name == "Oslo")
    org.set_unassigned_queue(world.deps, ADMIN, team_id=oslo.id)
    routing.route_leads(world.deps, WORKER, leads=[lead("L3", country="SE")])
    assert queue(world, user("ola")) == ["L3"] and queue(world, user("triage")) == ["L2"]


def test_retrying_needs_a_supervisor_of_the_queue_team(setup):
    world, *_ = setup
    with pytest.raises(PermissionDenied, match="supervisor or manager role on the queue team"):
        routing.retry_routing(world.deps, user("triage"), lead_id="L2")
    again = routing.retry_routing(world.deps, user("boss"), lead_id="L2")
    assert again.version == 2 and again.in_queue


def test_answers_carry_only_what_assigning_needs(setup):
    world, berlin, _ = setup
    running, channel, tokens = start(world)
    try:
        client = Client(channel)
        sup, triage = client.as_(tokens.user("sup")), client.as_(tokens.user("triage"))
        admin = client.as_(tokens.user("admin-1", "admin", departments=("management",)))
        decision = sup(
            sup.routing.GetRoutingDecision, routing_pb2.GetRoutingDecisionRequest(lead_id="L1")
        ).decision
        assert (
            decision.lead_id,
            decision.team_id,
            decision.explanation.territory_name,
            decision.explanation.rule.name,
        ) == ("L1", berlin.id, "DE", "DE")
        assert decision.sales_line_id and decision.decided_at.seconds
        assert decision.lead == routing_pb2.LeadAttributes(
            lead_id="L1", country="DE", region="Berlin"
        )
        [queued] = triage(
            triage.routing.ListUnassignedLeads, routing_pb2.ListUnassignedLeadsRequest()
        ).decisions
        assert queued.lead == routing_pb2.LeadAttributes(lead_id="L2", country="FR")
        assert queued.unroutable_reason == routing_pb2.UNROUTABLE_REASON_NO_RULE_MATCHED
        err = admin.error(
            admin.routing.GetRoutingDecision, routing_pb2.GetRoutingDecisionRequest(lead_id="L1")
        )
        unknown = admin.error(
            admin.routing.GetRoutingDecision, routing_pb2.GetRoutingDecisionRequest(lead_id="L404")
        )
        assert err.code() == unknown.code() == SC.NOT_FOUND
        assert err.details().replace("L1", "L404") == unknown.details()
        assert (
            admin(
                admin.routing.ListUnassignedLeads, routing_pb2.ListUnassignedLeadsRequest()
            ).decisions
            == []
        )
        # A preview echoes the attributes its caller sent: nothing stored is revealed.
        preview = admin(
            admin.routing.PreviewRoute,
            routing_pb2.PreviewRouteRequest(
                lead=routing_pb2.LeadAttributes(country="DE", city="Köln")
            ),
        ).decision
        assert preview.lead.city == "Köln"
    finally:
        channel.close()
        running.stop(0)
