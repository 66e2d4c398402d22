"""Refresh tokens: rotation within a family, and reuse detection.

A login starts a *family* (one sign-in on one device). Each Refresh consumes the presented token
(marks it used) and issues the next one of the same family. Presenting a token that was already
used means two parties hold it, one of them a thief (OAuth 2.0 Security BCP, section 4.14): the
whole family is revoked, so both must log in again. Only the SHA-256 of a token is stored, so a
database leak gives no usable token (32 random bytes need no salt or slow hash).
Each new token of a family lives `refresh_token_ttl` from its issue (sliding), bounded by the
family's absolute end (`family_expires_at`), so a stolen-and-rotated chain cannot live forever.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

VALID = "valid"
EXPIRED = "expired"
REUSED = "reused"  # already rotated: a replay -> revoke the family
REVOKED = "revoked"  # logged out, password changed, user deactivated, or family revoked


def new_token_value() -> str:
    """32 random bytes, URL-safe base64 without padding (43 characters)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()


def hash_token(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass
class RefreshToken:
    id: str
    token_hash: str
    family_id: str
    user_id: str
    issued_at: dt.datetime
    expires_at: dt.datetime
    family_expires_at: dt.datetime
    used_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None

    @classmethod
    def issue(
        cls,
        *,
        id: str,
        family_id: str,
        user_id: str,
        now: dt.datetime,
        ttl: dt.timedelta,
        family_expires_at: dt.datetime | None = None,
    ) -> tuple[RefreshToken, str]:
        """A new token and its clear value (returned to the client once, never stored)."""
        value = new_token_value()
        family_end = family_expires_at or now + ttl * 14
        token = cls(
            id=id,
            token_hash=hash_token(value),
            family_id=family_id,
            user_id=user_id,
            issued_at=now,
            expires_at=min(now + ttl, family_end),
            family_expires_at=family_end,
        )
        return token, value

    def state(self, now: dt.datetime) -> str:
        if self.revoked_at is not None:
            return REVOKED
        if self.used_at is not None:
            return REUSED
        if now >= self.expires_at:
            return EXPIRED
        return VALID
