import datetime as dt

from crm_identity.domain import sessions
from crm_identity.domain.sessions import RefreshToken

T = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


def at(minutes):
    return T + dt.timedelta(minutes=minutes)


def test_refresh_token_states():
    token, value = RefreshToken.issue(
        id="t1", family_id="f1", user_id="u1", now=T, ttl=dt.timedelta(hours=12)
    )
    assert token.token_hash == sessions.hash_token(value) != value
    assert len(value) == 43  # 32 random bytes, base64url
    assert token.state(at(1)) == sessions.VALID
    assert token.state(at(12 * 60)) == sessions.EXPIRED
    token.used_at = at(1)
    assert token.state(at(2)) == sessions.REUSED
    token.revoked_at = at(3)
    assert token.state(at(4)) == sessions.REVOKED


def test_refresh_token_never_outlives_its_family():
    end = at(60)
    token, _ = RefreshToken.issue(
        id="t",
        family_id="f",
        user_id="u",
        now=at(50),
        ttl=dt.timedelta(hours=12),
        family_expires_at=end,
    )
    assert token.expires_at == end


def test_token_values_are_unique():
    assert len({sessions.new_token_value() for _ in range(200)}) == 200
