"""Service accounts hold only explicit, narrow service roles; reading users needs read_users."""

import pytest

from crm_chassis.caller import Caller
from crm_chassis.errors import InvalidArgument, NotFound, PermissionDenied
from crm_chassis.service_roles import SERVICE_ROLES
from crm_identity.service_layer import authentication, bootstrap, service_accounts, users

SECRET = "local-dev-territory-secret"


def service_caller(*roles):
    return Caller("svc-territory-local", kind="service", roles=frozenset(roles))


def test_a_person_role_is_refused_for_a_service_account_with_the_known_names(world):
    with pytest.raises(InvalidArgument) as err:
        service_accounts.create_service_account(world.deps, world.admin, "territory", ["admin"])
    assert err.value.field == "roles"
    assert "'admin' belong(s) to people" in err.value.message
    assert all(name in err.value.message for name in SERVICE_ROLES)
    assert world.store.accounts == {}


def test_a_service_role_is_refused_for_a_person(world):
    with pytest.raises(InvalidArgument, match="'read_users' belong.s. to service accounts"):
        world.add_user(roles=["read_users"])


def test_get_and_list_users_need_read_users_for_a_service_account(world):
    user = world.add_user()
    for call in (
        lambda c: users.get_user(world.deps, c, user.id),
        lambda c: users.list_users(world.deps, c),
    ):
        with pytest.raises(PermissionDenied, match="lacks the 'read_users' role"):
            call(service_caller())
        with pytest.raises(PermissionDenied):
            call(service_caller("choose_owners"))
        assert call(service_caller("read_users"))
        assert call(world.plain)  # any person may read the directory


def test_list_and_change_roles_of_service_accounts_is_admin_only(world):
    created = service_accounts.create_service_account(
        world.deps, world.admin, "deals", ["choose_owners"]
    )
    client_id = created.account.client_id
    with pytest.raises(PermissionDenied):
        service_accounts.list_service_accounts(world.deps, world.plain)
    with pytest.raises(PermissionDenied):
        service_accounts.set_service_account_roles(world.deps, world.plain, client_id, [])
    changed = service_accounts.set_service_account_roles(
        world.deps, world.admin, client_id, ["choose_owners", "quote_prices"]
    )
    assert changed.roles == {"choose_owners", "quote_prices"}
    [listed] = service_accounts.list_service_accounts(world.deps, world.admin)
    assert (listed.client_id, listed.roles) == (client_id, {"choose_owners", "quote_prices"})
    with pytest.raises(InvalidArgument, match="never granted to a service account"):
        service_accounts.set_service_account_roles(world.deps, world.admin, client_id, ["admin"])
    with pytest.raises(NotFound):
        service_accounts.set_service_account_roles(world.deps, world.admin, "svc-x-1", [])


def test_identity_refuses_a_service_token_naming_a_role_the_account_lost(world):
    created = service_accounts.create_service_account(
        world.deps, world.admin, "territory", ["read_users"]
    )
    client_id, now = created.account.client_id, world.clock.now()
    assert authentication.token_still_valid(
        world.deps, "service", client_id, now, frozenset({"read_users"})
    )
    service_accounts.set_service_account_roles(world.deps, world.admin, client_id, [])
    assert not authentication.token_still_valid(
        world.deps, "service", client_id, now, frozenset({"read_users"})
    )
    assert authentication.token_still_valid(world.deps, "service", client_id, now, frozenset())


def test_bootstrap_accounts_carry_roles_and_an_existing_account_is_brought_to_them(world):
    old_format = f"territory:svc-territory-local:{SECRET}"
    [created] = bootstrap.bootstrap_service_accounts(world.deps, old_format).created
    assert created.roles == frozenset()  # an account of an old data/ directory: no role
    result = bootstrap.bootstrap_service_accounts(world.deps, old_format + ":read_users")
    assert result.created == [] and [a.roles for a in result.roles_changed] == [{"read_users"}]
    assert world.store.accounts["svc-territory-local"].roles == {"read_users"}
    # Roles given by name (the non-secret setting deploy/ renders), the entry's own field wins.
    result = bootstrap.bootstrap_service_accounts(
        world.deps,
        f"deals:svc-deals-local:{SECRET}:choose_owners+quote_prices,leads:svc-leads-local:{SECRET}",
        "leads:choose_owners,deals:",
    )
    assert {a.client_id: a.roles for a in result.created} == {
        "svc-deals-local": {"choose_owners", "quote_prices"},
        "svc-leads-local": {"choose_owners"},
    }
    # Nothing configured for an account: its roles are left as they are.
    assert bootstrap.bootstrap_service_accounts(world.deps, old_format).roles_changed == []
    assert world.store.accounts["svc-territory-local"].roles == {"read_users"}


@pytest.mark.parametrize(
    "spec, roles, message",
    [
        (
            f"leads:svc-leads-local:{SECRET}:admin",
            "",
            "service account leads: unknown service role",
        ),
        (f"leads:svc-leads-local:{SECRET}", "leads:admin", "unknown service role"),
        (f"leads:svc-leads-local:{SECRET}", "leads", "must be name:role"),
    ],
)
def test_bootstrap_refuses_unknown_roles(world, spec, roles, message):
    with pytest.raises(InvalidArgument, match=message):
        bootstrap.bootstrap_service_accounts(world.deps, spec, roles)
