"""CheckAccess and ListScopes over a real gRPC server: the access matrix, who may ask, and
revocation visible at once."""

import grpc
import pytest

from crm.territory.v1 import access_pb2, teams_pb2
from crm_chassis.service_roles import CHECK_ACCESS
from crm_territory.domain.teams import TeamRole
from crm_territory.service_layer import memberships, org

from .conftest import ADMIN, World
from .grpc_client import Client, field_of, start

SC = grpc.StatusCode
READ, UPDATE, TRANSFER = (
    access_pb2.ACCESS_ACTION_READ,
    access_pb2.ACCESS_ACTION_UPDATE,
    access_pb2.ACCESS_ACTION_TRANSFER,
)


@pytest.fixture(scope="module")
def setup():
    w = World()
    emea = w.unit("EMEA")
    dach, nordics = w.unit("DACH", emea), w.unit("Nordics", emea)
    berlin = w.team("Berlin", w.unit("Berlin Area", dach))
    oslo = w.team("Oslo", nordics)
    for person in ("owner", "teammate", "no_department", "deactivated"):
        w.member(berlin, person)
    w.member(oslo, "stranger")
    w.person("unit_manager")
    w.person("sibling_manager")
    org.assign_unit_manager(w.deps, ADMIN, unit_id=dach.id, user_id="unit_manager")
    org.assign_unit_manager(w.deps, ADMIN, unit_id=nordics.id, user_id="sibling_manager")
    w.person("admin", departments=("management",), roles=("admin",))
    w.person("no_department", departments=())  # identity emptied their departments
    w.person("deactivated", active=False)  # identity deactivated them
    running, channel, tokens = start(w)
    yield w, berlin, oslo, Client(channel), tokens
    channel.close()
    running.stop(0)


# subject -> (READ, UPDATE of the owner's record, TRANSFER, deny reason when READ is refused)
MATRIX = {
    "owner": (True, True, False, 0),
    "teammate": (True, False, False, 0),
    "unit_manager": (True, True, True, 0),
    "sibling_manager": (False, False, False, access_pb2.DENY_REASON_NOT_IN_SCOPE),
    "admin": (False, False, False, access_pb2.DENY_REASON_NOT_IN_SCOPE),
    "no_department": (False, False, False, access_pb2.DENY_REASON_NO_DEPARTMENT),
    "deactivated": (False, False, False, access_pb2.DENY_REASON_DEACTIVATED),
    "nobody": (False, False, False, access_pb2.DENY_REASON_UNKNOWN_USER),
}


@pytest.mark.parametrize("subject", list(MATRIX))
def test_check_access_matrix_over_grpc(setup, subject):
    _w, berlin, _, client, tokens = setup
    service = client.as_(tokens.service("deals", CHECK_ACCESS))
    expected = MATRIX[subject]
    for action, allowed in zip((READ, UPDATE, TRANSFER), expected[:3], strict=True):
        answer = service(
            service.access.CheckAccess,
            access_pb2.CheckAccessRequest(
                user_id=subject, action=action, team_id=berlin.id, record_owner_id="owner"
            ),
        )
        assert answer.allowed is allowed, (action, answer.reason)
        assert answer.reason
    read = service(
        service.access.CheckAccess,
        access_pb2.CheckAccessRequest(user_id=subject, action=READ, team_id=berlin.id),
    )
    assert read.deny_reason == expected[3]


def test_denied_update_names_the_rule_and_the_scope(setup):
    _w, berlin, _, client, tokens = setup
    service = client.as_(tokens.service("deals", CHECK_ACCESS))
    answer = service(
        service.access.CheckAccess,
        access_pb2.CheckAccessRequest(
            user_id="teammate", action=UPDATE, team_id=berlin.id, record_owner_id="owner"
        ),
    )
    assert answer.deny_reason == access_pb2.DENY_REASON_NOT_OWNER and "own" in answer.reason
    assert answer.scope.team_id == berlin.id and answer.scope.role == teams_pb2.TEAM_ROLE_EXPERT
    managed = service(
        service.access.CheckAccess,
        access_pb2.CheckAccessRequest(user_id="unit_manager", action=TRANSFER, team_id=berlin.id),
    )
    assert managed.scope.source == access_pb2.SCOPE_SOURCE_UNIT_MANAGER and managed.scope.unit_id


@pytest.mark.parametrize(
    "subject", ["admin", "sibling_manager", "no_department", "deactivated", "nobody"]
)
def test_list_scopes_is_empty_for_everyone_without_a_grant_on_berlin(setup, subject):
    _w, berlin, oslo, client, tokens = setup
    service = client.as_(tokens.service("deals", CHECK_ACCESS))
    scopes = service(
        service.access.ListScopes, access_pb2.ListScopesRequest(user_id=subject)
    ).user_scopes
    assert berlin.id not in [s.team_id for s in scopes.scopes]
    if subject != "sibling_manager":
        assert list(scopes.scopes) == []
    else:
        assert [(s.team_id, s.role, s.source) for s in scopes.scopes] == [
            (oslo.id, teams_pb2.TEAM_ROLE_MANAGER, access_pb2.SCOPE_SOURCE_UNIT_MANAGER)
        ]
    assert scopes.active is (subject in ("admin", "sibling_manager", "no_department"))


def test_list_scopes_of_members_and_managers(setup):
    _w, berlin, _, client, tokens = setup
    me = client.as_(tokens.user("owner"))
    own = me(me.access.ListScopes, access_pb2.ListScopesRequest(user_id="owner")).user_scopes
    assert [(s.team_id, s.role, s.source) for s in own.scopes] == [
        (berlin.id, teams_pb2.TEAM_ROLE_EXPERT, access_pb2.SCOPE_SOURCE_MEMBERSHIP)
    ]
    assert own.active and own.access_version >= 1
    admin = client.as_(tokens.user("admin", "admin"))
    managed = admin(
        admin.access.ListScopes, access_pb2.ListScopesRequest(user_id="unit_manager")
    ).user_scopes
    assert [(s.team_id, s.role) for s in managed.scopes] == [
        (berlin.id, teams_pb2.TEAM_ROLE_MANAGER)
    ]


def test_who_may_ask(setup):
    _w, berlin, _, client, tokens = setup
    teammate = client.as_(tokens.user("teammate"))
    mine = teammate(
        teammate.access.CheckAccess,
        access_pb2.CheckAccessRequest(user_id="teammate", action=READ, team_id=berlin.id),
    )
    assert mine.allowed
    for method, request in [
        (
            teammate.access.CheckAccess,
            access_pb2.CheckAccessRequest(user_id="owner", action=READ, team_id=berlin.id),
        ),
        (teammate.access.ListScopes, access_pb2.ListScopesRequest(user_id="owner")),
    ]:
        err = teammate.error(method, request)
        assert err.code() == SC.PERMISSION_DENIED and "your own" in err.details()
    # An admin manages the organisation (lists scopes) but does not probe decisions.
    admin = client.as_(tokens.user("admin", "admin"))
    err = admin.error(
        admin.access.CheckAccess,
        access_pb2.CheckAccessRequest(user_id="owner", action=READ, team_id=berlin.id),
    )
    assert err.code() == SC.PERMISSION_DENIED
    err = client.error(client.access.ListScopes, access_pb2.ListScopesRequest(user_id="owner"))
    assert err.code() == SC.UNAUTHENTICATED


@pytest.mark.parametrize(
    "request_kwargs, field",
    [
        (dict(action=READ, team_id="t"), "user_id"),
        (dict(user_id="owner", action=READ), "team_id"),
        (dict(user_id="owner", team_id="t"), "action"),
    ],
)
def test_check_access_needs_user_team_and_action(setup, request_kwargs, field):
    _, _, _, client, tokens = setup
    service = client.as_(tokens.service("deals", CHECK_ACCESS))
    err = service.error(service.access.CheckAccess, access_pb2.CheckAccessRequest(**request_kwargs))
    assert err.code() == SC.INVALID_ARGUMENT and field_of(err) == field
    assert field in err.details()


def test_a_move_ends_access_to_the_old_team_at_once():
    w = World()
    unit = w.unit("Sales")
    old, new = w.team("Old", unit), w.team("New", unit)
    w.member(old, "mover")
    w.member(old, "stays")  # keeps "Old" able to hold records
    running, channel, tokens = start(w)
    try:
        client = Client(channel)
        service = client.as_(tokens.service("deals", CHECK_ACCESS))
        check = access_pb2.CheckAccessRequest(user_id="mover", action=READ, team_id=old.id)
        assert service(service.access.CheckAccess, check).allowed
        memberships.move_member(
            w.deps,
            ADMIN,
            user_id="mover",
            from_team_id=old.id,
            to_team_id=new.id,
            role=TeamRole.EXPERT,
        )
        assert not service(service.access.CheckAccess, check).allowed
        scopes = service(
            service.access.ListScopes, access_pb2.ListScopesRequest(user_id="mover")
        ).user_scopes
        assert [s.team_id for s in scopes.scopes] == [new.id]
    finally:
        channel.close()
        running.stop(0)


def test_tokens_of_deactivated_people_are_refused_at_once(setup):
    w, _berlin, _, client, tokens = setup
    gone = client.as_(tokens.user("deactivated"))
    err = gone.error(gone.access.ListScopes, access_pb2.ListScopesRequest(user_id="deactivated"))
    assert err.code() == SC.UNAUTHENTICATED and "deactivated" in err.details()
    # Someone territory has not met yet is not refused: access decisions deny them anyway.
    newcomer = client.as_(tokens.user("newcomer"))
    assert not newcomer(
        newcomer.access.ListScopes, access_pb2.ListScopesRequest(user_id="newcomer")
    ).user_scopes.active
    w.person("deactivated")  # identity reactivated them
    assert gone(
        gone.access.ListScopes, access_pb2.ListScopesRequest(user_id="deactivated")
    ).user_scopes.active
    w.person("deactivated", active=False)  # module fixture: as before
