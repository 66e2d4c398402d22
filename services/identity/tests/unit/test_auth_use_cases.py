import pytest

from crm_chassis.errors import InvalidArgument, Unauthenticated
from crm_identity.service_layer import (
    authentication,
    bootstrap,
    housekeeping,
    service_accounts,
    signing_keys,
    users,
)


def test_login_returns_tokens_for_a_user_in_no_department(world):
    user = world.add_user(email="sam@example.com")
    tokens = authentication.login(world.deps, "  SAM@example.com ", world.strong)
    assert tokens.access_token and tokens.refresh_token
    issued = world.issuer.issued[-1]
    assert issued["subject_id"] == user.id and issued["kind"] == "user"
    assert issued["departments"] == [] and issued["kid"] == "kid-1"
    assert (tokens.access_expires_at - world.clock.now()).total_seconds() == 600


def test_wrong_password_and_unknown_email_answer_alike_and_verify_a_hash(world):
    world.add_user()
    with pytest.raises(Unauthenticated) as wrong:
        authentication.login(world.deps, "sam@example.com", "nope")
    with pytest.raises(Unauthenticated) as unknown:
        authentication.login(world.deps, "ghost@example.com", "nope")
    assert wrong.value.message == unknown.value.message
    assert world.hasher.verified[-1] == world.hasher.dummy_hash  # unknown: dummy verified
    assert world.monitor.failures == ["password", "password"]


@pytest.mark.parametrize("email, password, field", [("", "x", "email"), ("a@b.io", "", "password")])
def test_login_empty_fields(world, email, password, field):
    with pytest.raises(InvalidArgument) as err:
        authentication.login(world.deps, email, password)
    assert err.value.field == field


def test_deactivated_user_cannot_log_in(world):
    user = world.add_user()
    users.deactivate_user(world.deps, world.admin, user.id)
    with pytest.raises(Unauthenticated):
        authentication.login(world.deps, "sam@example.com", world.strong)


def test_login_rehashes_when_parameters_changed(world):
    user = world.add_user()
    world.hasher.version = "v2"
    authentication.login(world.deps, "sam@example.com", world.strong)
    stored = world.store.users[user.id]
    assert stored.password_hash == f"fake-v2${world.strong}" and stored.version == 1


def test_refresh_rotates_and_reuse_revokes_the_family(world):
    world.add_user()
    first = authentication.login(world.deps, "sam@example.com", world.strong)
    other_device = authentication.login(world.deps, "sam@example.com", world.strong)
    second = authentication.refresh(world.deps, first.refresh_token)
    assert second.refresh_token != first.refresh_token
    with pytest.raises(Unauthenticated, match="already used"):
        authentication.refresh(world.deps, first.refresh_token)  # replay of a used one
    with pytest.raises(Unauthenticated):
        authentication.refresh(world.deps, second.refresh_token)  # family revoked
    assert authentication.refresh(world.deps, other_device.refresh_token).refresh_token


def test_refresh_expired_unknown_and_logout(world):
    world.add_user()
    tokens = authentication.login(world.deps, "sam@example.com", world.strong)
    with pytest.raises(Unauthenticated, match="not valid"):
        authentication.refresh(world.deps, "made-up")
    authentication.logout(world.deps, tokens.refresh_token)
    with pytest.raises(Unauthenticated):
        authentication.refresh(world.deps, tokens.refresh_token)
    authentication.logout(world.deps, "made-up")  # unknown: accepted silently
    again = authentication.login(world.deps, "sam@example.com", world.strong)
    world.clock.advance(hours=13)
    with pytest.raises(Unauthenticated, match="expired"):
        authentication.refresh(world.deps, again.refresh_token)


def test_service_account_flow(world):
    created = service_accounts.create_service_account(
        world.deps, world.admin, "territory", ["read_users"]
    )
    stored = world.store.accounts[created.account.client_id]
    assert stored.secret_hash == f"fake-v1${created.client_secret}"
    tokens = authentication.issue_service_token(
        world.deps, created.account.client_id, created.client_secret
    )
    assert tokens.refresh_token == "" and world.issuer.issued[-1]["kind"] == "service"
    with pytest.raises(Unauthenticated):
        authentication.issue_service_token(world.deps, created.account.client_id, "wrong")
    with pytest.raises(Unauthenticated):
        authentication.issue_service_token(world.deps, "svc-nobody-00000000", "x")
    with pytest.raises(InvalidArgument):
        service_accounts.create_service_account(world.deps, world.admin, "Bad Name")


def test_token_still_valid_follows_deactivation_and_password_reset(world):
    user = world.add_user()
    issued = world.clock.now()
    assert authentication.token_still_valid(world.deps, "user", user.id, issued)
    world.clock.advance(seconds=10)
    users.reset_password(world.deps, world.admin, user.id, "a brand new long secret")
    assert not authentication.token_still_valid(world.deps, "user", user.id, issued)
    assert authentication.token_still_valid(world.deps, "user", user.id, world.clock.now())
    users.deactivate_user(world.deps, world.admin, user.id)
    assert not authentication.token_still_valid(world.deps, "user", user.id, world.clock.now())
    assert not authentication.token_still_valid(world.deps, "user", "ghost", world.clock.now())


def test_who_am_i_reads_the_current_state(world):
    from crm_chassis.caller import Caller

    user = world.add_user(departments=["sales"])
    who = authentication.who_am_i(world.deps, Caller(user.id))
    assert (who.email, who.departments, who.kind) == ("sam@example.com", ["sales"], "user")


def test_bootstrap_admin_is_idempotent(world):
    first = bootstrap.bootstrap_admin(
        world.deps, email="root@example.com", password=world.strong, display_name="Root"
    )
    assert first is not None and first.roles == frozenset({"admin"})
    assert (
        bootstrap.bootstrap_admin(world.deps, email="root@example.com", password=world.strong)
        is None
    )
    assert world.event_types() == ["user_created"]
    assert world.events[0][1].meta.actor.id == "identity.bootstrap"


def test_key_rotation_schedule(world):
    assert signing_keys.rotate_if_due(world.deps, world.worker) is None
    world.clock.advance(days=30)
    new = signing_keys.rotate_if_due(world.deps, world.worker)
    assert new.kid == "kid-2"
    published = {p.key.kid: p for p in signing_keys.verification_keys(world.deps)}
    assert set(published) == {"kid-1", "kid-2"} and published["kid-2"].key.active
    world.clock.advance(minutes=15)
    assert [p.key.kid for p in signing_keys.verification_keys(world.deps)] == ["kid-2"]


def test_prune_removes_ended_families_and_old_failures(world):
    world.add_user()
    authentication.login(world.deps, "sam@example.com", world.strong)
    with pytest.raises(Unauthenticated):
        authentication.login(world.deps, "x@example.com", "guess")
    world.clock.advance(days=15)
    pruned = housekeeping.prune(world.deps, world.worker)
    assert (pruned.refresh_tokens, pruned.failed_attempts) == (1, 1)


SERVICE_SECRET = "local-dev-leads-secret"


def test_bootstrap_service_accounts_creates_missing_ones_once(world):
    spec = f"leads:svc-leads-local:{SERVICE_SECRET}, deals:svc-deals-local:{SERVICE_SECRET}x"
    created = bootstrap.bootstrap_service_accounts(world.deps, spec).created
    assert [a.client_id for a in created] == ["svc-leads-local", "svc-deals-local"]
    assert bootstrap.bootstrap_service_accounts(world.deps, spec).created == []
    tokens = authentication.issue_service_token(world.deps, "svc-leads-local", SERVICE_SECRET)
    assert tokens.access_token


@pytest.mark.parametrize(
    "spec, message",
    [
        ("leads:svc-leads-local", "entry 1 must be name:client_id:secret"),
        ("leads::secret-long-enough", "entry 1 must be name:client_id:secret"),
        ("Bad Name:svc-x:secret-long-enough", "service account name must be"),
        ("leads:svc-leads-local:short", "at least 16 characters"),
    ],
)
def test_bootstrap_service_accounts_refuses_malformed_entries(world, spec, message):
    with pytest.raises(InvalidArgument, match=message):
        bootstrap.bootstrap_service_accounts(world.deps, spec)


def test_no_bootstrap_service_accounts_configured_is_nothing_to_do(world):
    assert bootstrap.bootstrap_service_accounts(world.deps, "") == bootstrap.BootstrapResult([], [])
