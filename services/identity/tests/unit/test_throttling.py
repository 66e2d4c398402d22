"""Throttling of wrong secrets per (account, address) with backoff, and per account across
addresses: a stranger's failures never make the owner's own address wait."""

import datetime as dt

import pytest

from crm_chassis.caller import Caller
from crm_chassis.errors import InvalidArgument, ResourceExhausted, Unauthenticated
from crm_identity.domain.throttling import ACCOUNT, ADDRESS, Failure, ThrottlePolicy, address_key
from crm_identity.service_layer import authentication, service_accounts, users

T = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
OWNER, STRANGER = "198.51.100.7", "203.0.113.9"
policy = ThrottlePolicy()


def s(seconds):
    return T + dt.timedelta(seconds=seconds)


def test_five_failures_are_free_then_the_wait_doubles_up_to_15_minutes():
    assert policy.address_wait_until([s(0), s(1), s(2), s(3)], s(3)) is None
    five = [s(0), s(1), s(2), s(3), s(4)]
    assert policy.address_wait_until(five, s(4)) == s(9)  # 5 s after the 5th
    assert policy.address_wait_until(five, s(9)) is None
    assert policy.address_wait_until(five + [s(10)], s(10)) == s(20)  # then 10 s
    many = [s(i) for i in range(40)]
    assert policy.address_wait_until(many, s(39)) == s(39 + 900)  # at most 15 min


def test_address_failures_are_forgotten_after_an_hour():
    old = [s(0), s(1), s(2), s(3), s(4)]
    assert policy.address_wait_until(old, s(3600 + 4)) is None


def test_one_address_alone_cannot_reach_the_account_ceiling_in_an_hour():
    at, failures = s(0), []
    while at < s(3600):
        failures.append(Failure(at, OWNER))
        at = policy.address_wait_until([f.at for f in failures], at) or at + dt.timedelta(seconds=1)
    assert len(failures) < policy.account_limit


def test_the_account_ceiling_refuses_every_address_until_failures_age_out():
    failures = [Failure(s(i), f"10.0.{i // 200}.{i % 200}") for i in range(100)]
    refusal = policy.refusal(failures, "192.0.2.1", s(100))
    assert (refusal.scope, refusal.until) == (ACCOUNT, s(3600))
    assert policy.refusal(failures, "192.0.2.1", s(3600)) is None


@pytest.mark.parametrize(
    "raw, key",
    [
        ("198.51.100.7", "198.51.100.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::ffff", "2001:db8:1:2::/64"),
        ("::ffff:198.51.100.7", "198.51.100.7"),
        ("", "unknown"),
    ],
)
def test_address_keys_group_an_ipv6_subscriber(raw, key):
    assert address_key(raw) == key


def fail_login(world, address, email="sam@example.com", times=1):
    for _ in range(times):
        with pytest.raises(Unauthenticated):
            authentication.login(world.deps, email, "bad guess", address)


def test_a_strangers_failures_from_another_address_do_not_lock_the_owner(world):
    world.add_user()
    fail_login(world, STRANGER, times=5)
    verified = len(world.hasher.verified)
    with pytest.raises(ResourceExhausted) as err:  # the stranger backs off...
        authentication.login(world.deps, "sam@example.com", world.strong, STRANGER)
    assert err.value.retry_after_seconds == 5 and "from your address" in err.value.message
    assert len(world.hasher.verified) == verified  # not checked, not counted
    assert world.monitor.throttles == [("password", ADDRESS)]
    # ...the owner, from their own address, logs in at once.
    assert authentication.login(world.deps, "SAM@example.com", world.strong, OWNER).access_token
    # The stranger keeps guessing for an hour (as fast as allowed): the owner is never refused.
    for _ in range(30):
        world.clock.advance(seconds=900)
        fail_login(world, STRANGER)
        assert authentication.login(world.deps, "sam@example.com", world.strong, OWNER)


def test_a_success_forgets_only_its_own_addresss_failures(world):
    world.add_user()
    fail_login(world, STRANGER, times=3)
    fail_login(world, OWNER, times=4)
    authentication.login(world.deps, "sam@example.com", world.strong, OWNER)
    assert {(address, key) for _, key, address, _ in world.store.failures} == {
        (STRANGER, "sam@example.com")
    }


def test_many_addresses_reach_the_account_ceiling(world):
    world.add_user()
    for n in range(20):
        fail_login(world, f"10.1.{n}.1", times=5)
    with pytest.raises(ResourceExhausted, match="from many addresses"):
        authentication.login(world.deps, "sam@example.com", world.strong, OWNER)
    assert world.monitor.throttles[-1] == ("password", ACCOUNT)


def test_unknown_emails_are_throttled_too(world):
    fail_login(world, STRANGER, "ghost@example.com", times=5)
    with pytest.raises(ResourceExhausted):
        authentication.login(world.deps, "ghost@example.com", "guess", STRANGER)


def test_wrong_client_secrets_are_throttled_per_address(world):
    created = service_accounts.create_service_account(world.deps, world.admin, "territory", [])
    client_id = created.account.client_id
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            authentication.issue_service_token(world.deps, client_id, "wrong", STRANGER)
    with pytest.raises(ResourceExhausted) as err:
        authentication.issue_service_token(world.deps, client_id, created.client_secret, STRANGER)
    assert "wrong client secrets" in err.value.message and err.value.retry_after_seconds == 5
    assert world.monitor.throttles == [("client_secret", ADDRESS)]
    assert world.monitor.failures == ["client_secret"] * 5
    # The service itself, from its own address, still obtains its token.
    assert authentication.issue_service_token(
        world.deps, client_id, created.client_secret, OWNER
    ).access_token


def test_change_own_password_guesses_count_like_logins(world):
    user = world.add_user()
    me = Caller(user.id)
    for _ in range(5):
        with pytest.raises(InvalidArgument):
            users.change_own_password(
                world.deps, me, "a wrong guess", "another long passphrase", STRANGER
            )
    with pytest.raises(ResourceExhausted):
        users.change_own_password(world.deps, me, world.strong, "another long passphrase", STRANGER)
    with pytest.raises(ResourceExhausted):
        authentication.login(world.deps, user.email, world.strong, STRANGER)
    assert authentication.login(world.deps, user.email, world.strong, OWNER)
