"""ServiceTokenProvider against a fake AuthService over a real channel."""

from __future__ import annotations

import pytest

from crm_chassis.errors import Unauthenticated, Unavailable
from crm_chassis.grpc.client import ServiceTokenProvider, StaticTokenProvider


@pytest.fixture
def provider(identity, clock):
    made = ServiceTokenProvider(identity.address, "svc-leads", "s3cret", clock=clock)
    yield made
    made.close()


def test_token_is_cached_until_60_seconds_before_expiry(identity, provider, clock):
    first = provider.token()
    assert provider.token() == first and identity.token_calls == 1
    clock.advance(identity.token_ttl - 61)
    assert provider.token() == first and identity.token_calls == 1
    clock.advance(2)
    assert provider.token() != first and identity.token_calls == 2


def test_invalidate_forces_a_new_token(identity, provider):
    first = provider.token()
    provider.invalidate()
    assert provider.token() != first


def test_wrong_secret_is_unauthenticated(identity, clock):
    bad = ServiceTokenProvider(identity.address, "svc-leads", "wrong", clock=clock)
    try:
        with pytest.raises(Unauthenticated, match="svc-leads"):
            bad.token()
    finally:
        bad.close()


def test_identity_down_is_unavailable(identity, provider):
    identity.down = True
    with pytest.raises(Unavailable, match="service token"):
        provider.token()


def test_missing_credentials_are_refused_at_construction():
    with pytest.raises(ValueError, match="SERVICE_CLIENT_ID"):
        ServiceTokenProvider("127.0.0.1:1", "", "")


def test_static_provider():
    assert StaticTokenProvider("abc").token() == "abc"
