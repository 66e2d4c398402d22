"""Being a service account grants nothing: every write of territory needs a person with the role
named, and a service account gets exactly the narrow rights of the service roles it holds."""

import datetime as dt

import grpc
import pytest

from crm.territory.v1 import org_pb2, routing_pb2, teams_pb2
from crm_chassis.errors import PermissionDenied
from crm_chassis.service_roles import CHECK_ACCESS, CHOOSE_OWNERS, ROUTE_LEADS, SERVICE_ROLES
from crm_territory.domain.access import Action
from crm_territory.domain.sales_lines import WorkflowKind
from crm_territory.domain.teams import RoutingStrategy, TeamRole
from crm_territory.service_layer import (
    absences,
    access,
    memberships,
    org,
    owners,
    routing,
    sales_lines,
    teams,
    territories,
)
from crm_territory.service_layer.caller import Caller

from .conftest import ADMIN, World, lead, rule
from .grpc_client import Client, start

SC = grpc.StatusCode
ROLE_LESS = Caller("integration", kind="service")
# Every service role and the person role's name at once: still no person, so still no admin.
EVERY_SERVICE_ROLE = Caller(
    "integration", kind="service", roles=frozenset(SERVICE_ROLES) | {"admin"}
)


@pytest.fixture
def org_world(world):
    unit = world.unit("DACH")
    berlin, munich = world.team("Berlin", unit), world.team("Munich", unit)
    world.member(berlin, "ann")
    world.member(munich, "max", role=TeamRole.SUPERVISOR)
    world.person("eve")
    line = world.line("SMB", berlin, munich)
    territory = world.territory("DE", line, berlin, 1, rule("DE", country=["DE"]))
    return world, unit, berlin, munich, line, territory


def writes(w: World, unit, berlin, munich, line, territory):
    """Every use case that changes structure, membership, rules, lines, targets or leave."""
    [ann] = w.uow.memberships.for_team(berlin.id)
    now = w.clock.now()
    return {
        "create unit": lambda c: org.create_unit(w.deps, c, name="X", parent_id=unit.id),
        "rename unit": lambda c: org.rename_unit(w.deps, c, unit_id=unit.id, name="Y"),
        "set level names": lambda c: org.set_level_names(w.deps, c, names=["A", "B"]),
        "set unassigned queue": lambda c: org.set_unassigned_queue(w.deps, c, team_id=munich.id),
        "assign unit manager": lambda c: org.assign_unit_manager(
            w.deps, c, unit_id=unit.id, user_id="eve"
        ),
        "deactivate unit": lambda c: org.deactivate_unit(w.deps, c, unit_id=unit.id),
        "create team": lambda c: teams.create_team(w.deps, c, name="Rogue", unit_id=unit.id),
        "rename team": lambda c: teams.rename_team(w.deps, c, team_id=berlin.id, name="B"),
        "set team routing": lambda c: teams.set_team_routing(
            w.deps, c, team_id=berlin.id, strategy=RoutingStrategy.LOAD_BALANCED
        ),
        "deactivate team": lambda c: teams.deactivate_team(w.deps, c, team_id=munich.id),
        "add manager": lambda c: memberships.add_member(
            w.deps, c, team_id=berlin.id, user_id="eve", role=TeamRole.MANAGER
        ),
        "update membership": lambda c: memberships.update_membership(
            w.deps, c, membership_id=ann.id, changes={"role": TeamRole.MANAGER}
        ),
        "pause member": lambda c: memberships.set_paused(
            w.deps, c, membership_id=ann.id, paused=True
        ),
        "end membership": lambda c: memberships.end_membership(w.deps, c, membership_id=ann.id),
        "move member": lambda c: memberships.move_member(
            w.deps, c, user_id="ann", from_team_id=berlin.id, to_team_id=munich.id
        ),
        "create sales line": lambda c: sales_lines.create_sales_line(
            w.deps,
            c,
            name="Rogue",
            description="",
            workflow_kind=WorkflowKind.QUOTE,
            pipeline_id="p",
            team_ids=[berlin.id],
        ),
        "deactivate sales line": lambda c: sales_lines.deactivate_sales_line(
            w.deps, c, line_id=line.id
        ),
        "set targets": lambda c: sales_lines.set_targets(
            w.deps, c, line_id=line.id, period="2026-Q1", rows=[(berlin.id, "10", "EUR", 1)]
        ),
        "create territory": lambda c: territories.create_territory(
            w.deps,
            c,
            name="All",
            sales_line_id=line.id,
            team_id=berlin.id,
            priority=9,
            rules=[rule("all")],
        ),
        "set rules": lambda c: territories.set_rules(
            w.deps, c, territory_id=territory.id, rules=[rule("all")]
        ),
        "deactivate territory": lambda c: territories.deactivate_territory(
            w.deps, c, territory_id=territory.id
        ),
        "record leave": lambda c: absences.record_absence(
            w.deps, c, user_id="ann", starts_at=now, ends_at=now + dt.timedelta(days=2)
        ),
        "preview route": lambda c: routing.preview_route(w.deps, c, lead=lead("", country="DE")),
    }


WRITES = [
    "create unit",
    "rename unit",
    "set level names",
    "set unassigned queue",
    "assign unit manager",
    "deactivate unit",
    "create team",
    "rename team",
    "set team routing",
    "deactivate team",
    "add manager",
    "update membership",
    "pause member",
    "end membership",
    "move member",
    "create sales line",
    "deactivate sales line",
    "set targets",
    "create territory",
    "set rules",
    "deactivate territory",
    "record leave",
    "preview route",
]


@pytest.mark.parametrize(
    "who", [ROLE_LESS, EVERY_SERVICE_ROLE], ids=["role-less", "every-service-role"]
)
@pytest.mark.parametrize("what", WRITES)
def test_a_service_account_changes_nothing_of_the_organisation(org_world, what, who):
    w = org_world[0]
    use_case = writes(*org_world)[what]
    assert set(writes(*org_world)) == set(WRITES)
    emitted = len(w.uow.emitted_types())
    with pytest.raises(PermissionDenied) as refused:
        use_case(who)
    assert "person" in refused.value.message or "service account" in refused.value.message
    assert len(w.uow.emitted_types()) == emitted  # nothing published, access unchanged


def test_a_role_less_service_cannot_make_someone_manager_of_a_team(org_world):
    w, _, berlin, *_ = org_world
    emitted = len(w.uow.emitted_types())
    with pytest.raises(PermissionDenied) as refused:
        memberships.add_member(
            w.deps, ROLE_LESS, team_id=berlin.id, user_id="eve", role=TeamRole.MANAGER
        )
    assert "admin role or the manager role on the team" in refused.value.message
    assert "a service account cannot do it" in refused.value.message
    assert len(w.uow.emitted_types()) == emitted  # no user_access_changed for eve
    assert access.list_scopes(w.deps, ADMIN, user_id="eve").scopes == []


def test_each_narrow_right_needs_its_own_service_role(org_world):
    w, _, berlin, *_ = org_world
    chooser = Caller("deals", kind="service", roles=frozenset({CHOOSE_OWNERS}))
    checker = Caller("deals", kind="service", roles=frozenset({CHECK_ACCESS}))
    router = Caller("leads", kind="service", roles=frozenset({ROUTE_LEADS}))
    chosen = owners.choose_owners(w.deps, chooser, team_id=berlin.id, subject_ids=["deal:1"])
    assert chosen["deal:1"].owner_user_id == "ann"
    assert access.check_access(
        w.deps, checker, user_id="ann", action=Action.READ, team_id=berlin.id
    ).allowed
    assert [s.team_id for s in access.list_scopes(w.deps, checker, user_id="ann").scopes] == [
        berlin.id
    ]
    for caller in (ROLE_LESS, checker, router):
        with pytest.raises(PermissionDenied, match="'choose_owners' service role"):
            owners.choose_owners(w.deps, caller, team_id=berlin.id, subject_ids=["deal:2"])
    for caller in (ROLE_LESS, chooser, router):
        with pytest.raises(PermissionDenied, match="'check_access' service role"):
            access.check_access(
                w.deps, caller, user_id="ann", action=Action.READ, team_id=berlin.id
            )
        with pytest.raises(PermissionDenied, match="'check_access' service role"):
            access.list_scopes(w.deps, caller, user_id="ann")
    for caller in (ROLE_LESS, chooser, checker):
        with pytest.raises(PermissionDenied, match="'route_leads' service role"):
            routing.list_unassigned(w.deps, caller)
        with pytest.raises(PermissionDenied, match="'route_leads' service role"):
            routing.get_decision(w.deps, caller, lead_id="L1")
        with pytest.raises(PermissionDenied, match="'route_leads' service role"):
            routing.retry_routing(w.deps, caller, lead_id="L1")
    # A person holding a service role's name is no service account.
    person = Caller("ann", roles=frozenset({CHOOSE_OWNERS}))
    with pytest.raises(PermissionDenied):
        owners.choose_owners(w.deps, person, team_id=berlin.id, subject_ids=["deal:3"])


@pytest.fixture
def api(org_world):
    w, unit, berlin, *_ = org_world
    running, channel, tokens = start(w)
    yield w, Client(channel), tokens, unit, berlin
    channel.close()
    running.stop(0)


def test_over_grpc_a_role_less_service_account_gets_permission_denied(api):
    w, client, tokens, unit, berlin = api
    service = client.as_(tokens.service("integration"))
    err = service.error(
        service.teams.CreateTeam, teams_pb2.CreateTeamRequest(name="Rogue", unit_id=unit.id)
    )
    assert err.code() == SC.PERMISSION_DENIED
    assert "admin role" in err.details() and "service account" in err.details()
    err = service.error(
        service.members.AddMember,
        teams_pb2.AddMemberRequest(
            team_id=berlin.id, user_id="eve", role=teams_pb2.TEAM_ROLE_MANAGER
        ),
    )
    assert err.code() == SC.PERMISSION_DENIED and "manager role" in err.details()
    err = service.error(
        service.org.CreateOrgUnit, org_pb2.CreateOrgUnitRequest(name="X", parent_id=unit.id)
    )
    assert err.code() == SC.PERMISSION_DENIED
    assert not [t for t in w.uow.teams.all().values() if t.name == "Rogue"]
    assert all(m.user_id != "eve" for m in w.uow.memberships.for_team(berlin.id))


def test_over_grpc_choose_owners_may_hand_over_but_not_create_a_team(api):
    _, client, tokens, unit, berlin = api
    leads = client.as_(tokens.service("leads", CHOOSE_OWNERS))
    answer = leads(
        leads.routing.ChooseOwners,
        routing_pb2.ChooseOwnersRequest(team_id=berlin.id, subject_ids=["lead:1"]),
    ).owners
    assert [o.choice.owner_user_id for o in answer] == ["ann"]
    err = leads.error(
        leads.teams.CreateTeam, teams_pb2.CreateTeamRequest(name="Rogue", unit_id=unit.id)
    )
    assert err.code() == SC.PERMISSION_DENIED and "admin role" in err.details()
    role_less = client.as_(tokens.service("leads"))
    err = role_less.error(
        role_less.routing.ChooseOwners,
        routing_pb2.ChooseOwnersRequest(team_id=berlin.id, subject_ids=["lead:2"]),
    )
    assert err.code() == SC.PERMISSION_DENIED and "'choose_owners'" in err.details()
