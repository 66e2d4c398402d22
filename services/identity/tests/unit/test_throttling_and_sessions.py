import datetime as dt

from crm_identity.domain import sessions
from crm_identity.domain.sessions import RefreshToken
from crm_identity.domain.throttling import ThrottlePolicy

T = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.timezone.utc)
policy = ThrottlePolicy()


def at(minutes):
    return T + dt.timedelta(minutes=minutes)


def test_four_failures_do_not_lock():
    assert policy.locked_until([at(0), at(1), at(2), at(3)], at(3)) is None


def test_fifth_failure_within_15_minutes_locks_for_15_minutes_from_it():
    failures = [at(0), at(3), at(6), at(9), at(12)]
    assert policy.locked_until(failures, at(12)) == at(27)
    assert policy.locked_until(failures, at(26)) == at(27)
    assert policy.locked_until(failures, at(27)) is None
    assert policy.retry_after_seconds(at(27), at(26.5)) == 30


def test_failures_spread_over_more_than_15_minutes_do_not_lock():
    failures = [at(0), at(4), at(8), at(12), at(16)]   # first left the window at 15
    assert policy.locked_until(failures, at(16)) is None
    assert policy.locked_until(failures + [at(17)], at(17)) == at(32)


def test_after_a_lock_the_count_starts_again():
    failures = [at(0), at(1), at(2), at(3), at(4)] + [at(20), at(21), at(22), at(23)]
    assert policy.locked_until(failures, at(23)) is None
    assert policy.locked_until(failures + [at(24)], at(24)) == at(39)


def test_refresh_token_states():
    token, value = RefreshToken.issue(id="t1", family_id="f1", user_id="u1", now=T,
                                      ttl=dt.timedelta(hours=12))
    assert token.token_hash == sessions.hash_token(value) != value
    assert len(value) == 43                        # 32 random bytes, base64url
    assert token.state(at(1)) == sessions.VALID
    assert token.state(at(12 * 60)) == sessions.EXPIRED
    token.used_at = at(1)
    assert token.state(at(2)) == sessions.REUSED
    token.revoked_at = at(3)
    assert token.state(at(4)) == sessions.REVOKED


def test_refresh_token_never_outlives_its_family():
    end = at(60)
    token, _ = RefreshToken.issue(id="t", family_id="f", user_id="u", now=at(50),
                                  ttl=dt.timedelta(hours=12), family_expires_at=end)
    assert token.expires_at == end


def test_token_values_are_unique():
    assert len({sessions.new_token_value() for _ in range(200)}) == 200
