"""Signing keys of access tokens: one active Ed25519 key, rotated on a schedule.

Lifecycle: a key is created active; when it is `rotation_period` old, the worker creates a new
active key and retires the old one. A retired key signs nothing but stays published for
verification until `verify_until = retired_at + max access-token ttl` (no token it signed can
be valid after that); then verifiers may drop it. The public keys are served by GetSigningKeys.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

ALGORITHM = "EdDSA"
# The hard ceiling on access-token lifetime (the setting may be lower, never higher).
MAX_ACCESS_TOKEN_TTL = dt.timedelta(minutes=15)


@dataclass
class SigningKey:
    kid: str
    private_key_pem: str
    public_key_pem: str
    created_at: dt.datetime
    algorithm: str = ALGORITHM
    retired_at: dt.datetime | None = None

    @property
    def active(self) -> bool:
        return self.retired_at is None

    def retire(self, now: dt.datetime) -> None:
        self.retired_at = now

    def verify_until(self, rotation_period: dt.timedelta, now: dt.datetime) -> dt.datetime:
        """After this instant no token this key signed can be valid.

        For the active key, its planned retirement (or now, if rotation is late) plus max ttl.
        """
        if self.retired_at is not None:
            return self.retired_at + MAX_ACCESS_TOKEN_TTL
        return max(self.created_at + rotation_period, now) + MAX_ACCESS_TOKEN_TTL

    def verifiable(self, rotation_period: dt.timedelta, now: dt.datetime) -> bool:
        return now < self.verify_until(rotation_period, now)

    def rotation_due(self, rotation_period: dt.timedelta, now: dt.datetime) -> bool:
        return self.active and now >= self.created_at + rotation_period
