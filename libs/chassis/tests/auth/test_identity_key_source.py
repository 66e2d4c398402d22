"""IdentityKeySource against a fake AuthService over a real channel."""

from __future__ import annotations

import grpc
import pytest

from crm_chassis.auth import IdentityKeySource, TokenVerifier, generate_private_key
from crm_chassis.errors import Unauthenticated, Unavailable
from crm_testkit import wait_until
from crm_testkit.auth import TestKeys


@pytest.fixture
def source_for(identity, clock):
    made = []

    def make(**kwargs):
        kwargs.setdefault("start", False)
        source = IdentityKeySource(identity.address, refresh_seconds=300, clock=clock, **kwargs)
        made.append(source)
        return source

    yield make
    for source in made:
        source.close()


def test_first_lookup_reads_the_keys(identity, source_for):
    key = generate_private_key()
    kid = identity.add_key(key)
    source = source_for()
    assert source.get(kid).public_bytes_raw() == key.public_key().public_bytes_raw()
    assert identity.key_calls == 1
    source.get(kid)
    assert identity.key_calls == 1  # cached


def test_unknown_kid_rereads_at_most_once_per_5_seconds(identity, source_for, clock):
    identity.add_key(generate_private_key())
    source = source_for()
    assert source.refresh() and identity.key_calls == 1
    clock.advance(6)
    for i in range(200):  # a flood of forged kids
        assert source.get(f"forged-{i}") is None
    assert identity.key_calls == 2
    clock.advance(4.9)
    assert source.get("forged-again") is None and identity.key_calls == 2
    clock.advance(0.2)
    assert source.get("forged-again") is None and identity.key_calls == 3


def test_a_failed_read_does_not_hold_back_the_next_one_for_5_seconds(identity, source_for, clock):
    # The platform starting: a verifier asks before identity serves, then a valid token arrives.
    kid = identity.add_key(generate_private_key())
    identity.down = True
    source = source_for()
    assert source.refresh() is False
    identity.down = False
    clock.advance(0.4)
    with pytest.raises(Unavailable):  # still pausing
        source.get(kid)
    assert identity.key_calls == 1
    clock.advance(0.2)
    assert source.get(kid) is not None and identity.key_calls == 2  # not 5 s later
    clock.advance(1)
    assert source.get("forged") is None and identity.key_calls == 2  # success: 5 s again


def test_rotated_key_is_found_on_first_use(identity, source_for, clock):
    identity.add_key(generate_private_key())
    source = source_for()
    source.refresh()
    new_kid = identity.add_key(generate_private_key())  # identity rotates
    clock.advance(5)
    assert source.get(new_kid) is not None


def test_stale_keys_kept_while_identity_is_down(identity, source_for, clock):
    kid = identity.add_key(generate_private_key())
    source = source_for()
    assert source.refresh()
    identity.down = True
    clock.advance(3600)
    assert source.refresh() is False
    assert source.get(kid) is not None
    # A kid never seen cannot be judged while identity is down: UNAVAILABLE (retry), not
    # UNAUTHENTICATED (log in again).
    with pytest.raises(Unavailable, match="identity is not answering"):
        source.get("unknown")
    identity.down = False
    clock.advance(1)
    assert source.get("unknown") is None  # identity answered: now it is unknown


def test_keys_past_verify_until_are_dropped(identity, source_for, clock):
    kid = identity.add_key(generate_private_key(), verify_until=clock.now + 60)
    source = source_for()
    assert source.get(kid) is not None
    clock.advance(61)
    assert source.get(kid) is None


def test_keys_of_another_algorithm_or_unreadable_are_ignored(identity, source_for):
    es_kid = identity.add_key(generate_private_key(), algorithm="ES256")
    bad_kid = identity.add_key(generate_private_key(), pem="-----BEGIN PUBLIC KEY-----\nxx\n")
    good_kid = identity.add_key(generate_private_key())
    source = source_for()
    assert source.refresh()
    assert source.kids() == [good_kid]
    assert source.get(es_kid) is None and source.get(bad_kid) is None


def test_identity_unreachable_from_the_start(source_for):
    source = IdentityKeySource("127.0.0.1:1", timeout_seconds=0.5, start=False)
    try:
        with pytest.raises(Unavailable):
            source.get("any")
        assert source.last_success is None
    finally:
        source.close()


def test_background_refresh_and_close(identity):
    identity.add_key(generate_private_key())
    source = IdentityKeySource(identity.address, refresh_seconds=0.05)
    thread = source._thread
    try:
        wait_until(lambda: identity.key_calls >= 3, timeout=5, message="no periodic refresh")
    finally:
        source.close()
    assert not thread.is_alive()


def test_verifier_with_identity_keys(identity):
    keys = TestKeys()
    identity.add_key(keys.private_key)
    with grpc.insecure_channel(identity.address) as channel:
        source = IdentityKeySource(channel, start=False)
        verifier = TokenVerifier(source, keys.issuer, keys.audience)
        assert verifier.verify(keys.token("u-7")).subject_id == "u-7"
        other = TestKeys()
        with pytest.raises(Unauthenticated, match="unknown key"):
            verifier.verify(other.token())
        source.close()


def test_identity_verifier_from_settings(identity):
    from crm_chassis.auth import identity_verifier
    from crm_chassis.settings import ServiceSettings

    keys = TestKeys()
    identity.add_key(keys.private_key)
    settings = ServiceSettings.load("leads", env={}, identity_address=identity.address)
    verifier = identity_verifier(settings)
    try:
        assert verifier.verify(keys.token("u-9")).subject_id == "u-9"
        assert (verifier.issuer, verifier.audience, verifier.algorithm) == (
            settings.jwt_issuer,
            settings.jwt_audience,
            "EdDSA",
        )
    finally:
        verifier.key_source.close()


def test_a_withdrawn_key_stops_verifying_at_the_next_poll_even_for_cached_tokens(
    identity, source_for
):
    identity.versioned = True
    keys, other = TestKeys(), TestKeys()
    identity.add_key(keys.private_key)
    identity.add_key(other.private_key)
    source = source_for()
    verifier = TokenVerifier(source, keys.issuer, keys.audience)
    token = keys.token("u-1")
    assert verifier.verify(token).subject_id == "u-1"  # now in the verifier's cache
    assert source.refresh() and source.refresh()
    assert identity.full_answers == 1  # polls answered "unchanged"
    identity.withdraw(keys.kid)
    assert source.refresh()  # the background loop's step
    with pytest.raises(Unauthenticated, match="unknown key"):
        verifier.verify(token)
    assert verifier.verify(other.token("u-2")).subject_id == "u-2"


def test_the_poll_interval_lets_a_withdrawal_count_within_a_second():
    from crm_chassis.settings import ServiceSettings

    assert ServiceSettings().jwks_refresh_seconds <= 0.5
    assert IdentityKeySource.__init__.__defaults__[0] <= 0.5


def test_an_identity_that_sends_no_version_is_read_in_full_each_time(identity, source_for):
    identity.add_key(generate_private_key())
    source = source_for()
    assert source.refresh() and source.refresh()
    assert identity.key_calls == 2 and source.kids()


class _Log:
    def __init__(self):
        self.lines: list[tuple[str, str]] = []

    def __getattr__(self, level):
        return lambda event, **fields: self.lines.append((level, event))


def test_identity_not_up_yet_at_start_is_no_warning_but_later_outages_are(
    identity, source_for, clock, monkeypatch
):
    from crm_chassis.auth import key_sources

    log = _Log()
    monkeypatch.setattr(key_sources, "log", log)
    identity.add_key(generate_private_key())
    identity.down = True
    source = source_for()
    assert source.refresh() is False  # every process starting before identity serves
    assert log.lines == [("info", "waiting for identity's signing keys")]
    identity.down = False
    assert source.refresh()
    identity.down = True
    clock.advance(3600)
    assert source.refresh() is False  # identity gone after it had answered: worth a warning
    assert log.lines[-1] == ("warning", "signing keys unavailable, keeping the last ones")
