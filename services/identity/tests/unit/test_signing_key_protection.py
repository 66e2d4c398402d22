"""Signing keys: wrapped at rest, withdrawn at once, a key-encryption key required outside
local runs."""

import base64
import datetime as dt

import pytest

from crm_chassis.errors import FailedPrecondition, NotFound, PermissionDenied
from crm_chassis.settings import SettingsError, StartupRefused, check_startup
from crm_identity.adapters.key_wrapping import (
    AesGcmKeyWrapper,
    PlaintextKeyWrapper,
    key_wrapper,
    parse_kek,
)
from crm_identity.adapters.signing import PublishedKeysCache
from crm_identity.entrypoints.settings import IdentitySettings
from crm_identity.service_layer import authentication, signing_keys

PEM = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIDummyDummyDummyDummyDummyDummyDum\n-----END PRIVATE KEY-----\n"
KEK = base64.b64encode(bytes(range(32))).decode()
OTHER = base64.b64encode(bytes(range(1, 33))).decode()


def test_a_wrapped_key_is_not_its_pem_and_unwraps_only_for_its_kid():
    wrapper = key_wrapper(KEK)
    stored = wrapper.wrap("kid-1", PEM)
    assert "BEGIN" not in stored and stored.startswith("aesgcm1:")
    assert wrapper.unwrap("kid-1", stored) == PEM
    with pytest.raises(FailedPrecondition, match="altered"):
        wrapper.unwrap("kid-2", stored)  # copied onto another row
    assert not wrapper.needs_rewrap(stored) and wrapper.needs_rewrap(PEM)
    assert wrapper.unwrap("kid-1", PEM) == PEM  # a row from before encryption still reads


def test_rotating_the_key_encryption_key_keeps_old_rows_readable():
    old = key_wrapper(OTHER).wrap("kid-1", PEM)
    rotated = key_wrapper(KEK, OTHER)
    assert rotated.unwrap("kid-1", old) == PEM and rotated.needs_rewrap(old)
    with pytest.raises(FailedPrecondition, match="CRM_IDENTITY_KEY_ENCRYPTION_KEY"):
        key_wrapper(KEK).unwrap("kid-1", old)
    with pytest.raises(FailedPrecondition, match="no key-encryption key is configured"):
        PlaintextKeyWrapper().unwrap("kid-1", old)


@pytest.mark.parametrize("text", ["", "short", base64.b64encode(b"x" * 31).decode()])
def test_a_malformed_key_encryption_key_is_refused(text):
    with pytest.raises(ValueError, match="32 random bytes in base64"):
        parse_kek(text)


def test_outside_local_runs_a_missing_key_encryption_key_stops_the_start():
    production = IdentitySettings.load(
        "identity", env={"CRM_ENV": "production", "CRM_IDENTITY_DATABASE_URL": "sqlite://"}
    )
    for process in ("api", "worker"):
        with pytest.raises(StartupRefused, match="CRM_IDENTITY_KEY_ENCRYPTION_KEY is not set"):
            check_startup(production, process)
    check_startup(production, "relay")  # the relay signs nothing
    local = IdentitySettings.load("identity", env={"CRM_ENV": "local"})
    check_startup(local, "api")
    configured = IdentitySettings.load("identity", env={"CRM_IDENTITY_KEY_ENCRYPTION_KEY": KEK})
    assert isinstance(key_wrapper(configured.key_encryption_key), AesGcmKeyWrapper)
    with pytest.raises(SettingsError, match="32 random bytes"):
        IdentitySettings.load("identity", env={"CRM_IDENTITY_KEY_ENCRYPTION_KEY": "nope"})


def test_withdrawing_the_active_key_publishes_a_fresh_one_at_once(world):
    before = signing_keys.published_key_set(world.deps)
    withdrawal = signing_keys.withdraw_key(world.deps, world.admin, "kid-1")
    assert withdrawal.withdrawn.key.withdrawn_at == world.clock.now()
    assert withdrawal.active.kid == "kid-2"
    after = signing_keys.published_key_set(world.deps)
    assert [p.key.kid for p in after.keys] == ["kid-2"] and after.version != before.version
    world.add_user()
    authentication.login(world.deps, "sam@example.com", world.strong)
    assert world.issuer.issued[-1]["kid"] == "kid-2"  # signs with the fresh key
    states = {s.key.kid: s.published for s in signing_keys.list_keys(world.deps, world.admin)}
    assert states == {"kid-1": False, "kid-2": True}


def test_withdrawing_a_retired_key_keeps_the_active_one(world):
    world.clock.advance(days=31)
    signing_keys.rotate_if_due(world.deps, world.worker)  # kid-1 retired, still published
    assert {p.key.kid for p in signing_keys.verification_keys(world.deps)} == {"kid-1", "kid-2"}
    withdrawal = signing_keys.withdraw_key(world.deps, world.admin, "kid-1")
    assert withdrawal.active.kid == "kid-2"
    assert [p.key.kid for p in signing_keys.verification_keys(world.deps)] == ["kid-2"]
    again = signing_keys.withdraw_key(world.deps, world.admin, "kid-1")  # changes nothing
    assert again.active.kid == "kid-2" and len(world.store.keys) == 2


def test_withdrawal_is_admin_only_and_names_unknown_kids(world):
    with pytest.raises(PermissionDenied):
        signing_keys.withdraw_key(world.deps, world.plain, "kid-1")
    with pytest.raises(PermissionDenied):
        signing_keys.list_keys(world.deps, world.plain)
    with pytest.raises(NotFound, match="crmctl keys list"):
        signing_keys.withdraw_key(world.deps, world.admin, "kid-404")


class Ticks:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_identitys_published_key_cache_rereads_after_its_age_or_an_invalidation():
    from crm_chassis.auth import generate_private_key, public_key_to_pem
    from crm_identity.domain.signing_keys import SigningKey
    from crm_identity.service_layer.signing_keys import PublishedKey, PublishedKeySet

    until = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
    key = SigningKey(
        "kid-a", "", public_key_to_pem(generate_private_key()), dt.datetime.now(dt.UTC)
    )
    published = [PublishedKeySet("v1", [PublishedKey(key, until)])]
    loads, ticks = [], Ticks()

    def load():
        loads.append(1)
        return published[0]

    cache = PublishedKeysCache(load, max_age_seconds=0.25, clock=ticks)
    assert cache.get("kid-a") is not None and cache.get("kid-b") is None and len(loads) == 1
    published[0] = PublishedKeySet("v2", [])  # withdrawn through another replica
    ticks.now = 0.2
    assert cache.get("kid-a") is not None  # within the age: the copy held
    ticks.now = 0.26
    assert cache.get("kid-a") is None and len(loads) == 2
    published[0] = PublishedKeySet("v3", [PublishedKey(key, until)])
    cache.invalidate()  # a change made through this process
    assert cache.current().version == "v3"
