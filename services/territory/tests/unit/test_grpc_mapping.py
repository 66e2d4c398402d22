"""Round trips between protobuf messages and the model, as the servicers and events use them."""

from decimal import Decimal

import pytest

from crm.territory.v1 import access_pb2, events_pb2, routing_pb2, teams_pb2, territories_pb2
from crm_chassis import events
from crm_chassis.errors import InvalidArgument
from crm_territory.adapters import grpc_mapping
from crm_territory.domain.access import Action
from crm_territory.domain.teams import TeamRole
from crm_territory.service_layer import routing, territories

from .conftest import WORKER, lead, rule


def test_lead_attributes_to_facts():
    message = routing_pb2.LeadAttributes(
        lead_id="L1", country="de", company_size=0, product_interests=["crm"]
    )
    message.annual_revenue.amount, message.annual_revenue.currency = "2500000.00", "EUR"
    facts = grpc_mapping.lead_facts(message)
    assert facts.company_size == 0 and facts.annual_revenue.amount == Decimal("2500000.00")
    assert grpc_mapping.lead_facts(routing_pb2.LeadAttributes(lead_id="L2")).company_size is None
    bad = routing_pb2.LeadAttributes(lead_id="L3")
    bad.annual_revenue.amount, bad.annual_revenue.currency = "1e6", "EUR"
    with pytest.raises(InvalidArgument) as err:
        grpc_mapping.lead_facts(bad)
    assert err.value.field == "lead.annual_revenue.amount"


def test_enums():
    assert grpc_mapping.team_role(teams_pb2.TEAM_ROLE_MANAGER) is TeamRole.MANAGER
    assert grpc_mapping.team_role(0, required=False) is None
    with pytest.raises(InvalidArgument):
        grpc_mapping.team_role(0)
    assert grpc_mapping.access_action(access_pb2.ACCESS_ACTION_TRANSFER) is Action.TRANSFER
    assert grpc_mapping.access_action(0) is None
    assert grpc_mapping.routing_strategy(0) is None


def test_rules_round_trip_through_protobuf(world):
    region = world.unit("R", world.unit("D"))
    team = world.team("T", region)
    world.member(team, "rep")
    line = world.line("L", team)
    t = world.territory(
        "X", line, team, 1, rule("r", country=["DE"], annual_revenue=([("1", "")], "EUR"))
    )
    message = grpc_mapping.territory(t)
    again = territories.build_rules(grpc_mapping.rule_inputs(message.rules), world.deps.ids)
    assert again == list(t.rules)
    assert message.rules[0].conditions[0].attribute == "country"


def test_events_encode_and_decode_as_on_the_wire(world):
    region = world.unit("R", world.unit("D"))
    team = world.team("T", region)
    world.member(team, "rep")
    line = world.line("L", team)
    world.territory("X", line, team, 1, rule("r", country=["DE"]))
    routing.route_leads(world.deps, WORKER, leads=[lead("L1", country="DE")])
    for event_type, message in world.uow.emitted:
        body = events.encode(message)
        decoded = events.decode(body, type(message))
        assert decoded == message and decoded.meta.event_type == event_type
    routed = world.uow.events("lead_routed")[0]
    assert isinstance(routed, events_pb2.LeadRouted) and routed.meta.producer == "fake"
    assert grpc_mapping.decision(world.uow.decisions.get("L1")).lead.country == "DE"
    assert isinstance(grpc_mapping.rule_attributes()[0], territories_pb2.RuleAttribute)


def test_caller_from_the_chassis_principal():
    from crm_chassis.auth.principal import Principal
    from crm_territory.service_layer.caller import Caller

    admin = Caller.from_principal(Principal("u1", roles=frozenset({"admin"}), display_name="Ann"))
    assert admin.is_admin and not admin.is_service_account and admin.user_id == "u1"
    assert admin.actor.display_name == "Ann"
    from crm_chassis import caller as chassis_caller

    assert isinstance(admin, chassis_caller.Caller)
    service = Caller.from_principal(
        Principal("leads", kind="service", roles=frozenset({"admin", "choose_owners"}))
    )
    assert service.is_service_account and service.user_id == ""
    # A person role in a service account's token grants nothing; its service roles do.
    assert not service.is_admin and service.holds_service_role("choose_owners")
    assert not admin.holds_service_role("choose_owners")


def test_no_token_acts_as_the_platform_itself():
    """Kind "system" is the worker's own (Caller.system); a principal naming it is refused."""
    from crm_chassis.auth.principal import Principal
    from crm_chassis.errors import Unauthenticated
    from crm_territory.service_layer.caller import Caller

    with pytest.raises(Unauthenticated) as refused:
        Caller.from_principal(
            Principal("territory-router", kind="system", roles=frozenset({"admin"}))
        )
    assert "person or a service account" in refused.value.message
