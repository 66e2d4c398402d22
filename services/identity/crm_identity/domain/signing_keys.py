"""Signing keys of access tokens: one active Ed25519 key, rotated on a schedule, withdrawn at
once when compromised.

Lifecycle: a key is created active; when it is `rotation_period` old, the worker creates a new
active key and retires the old one. A retired key signs nothing but stays published for
verification until `verify_until = retired_at + max access-token ttl` (no token it signed can
be valid after that); then verifiers may drop it. The public keys are served by GetSigningKeys.
A *withdrawn* key (an administrator's decision, e.g. it leaked) is retired if it was active
and leaves the published set at once: every token it signed is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
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
    withdrawn_at: dt.datetime | None = None

    @property
    def active(self) -> bool:
        return self.retired_at is None

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    def withdraw(self, now: dt.datetime) -> bool:
        """Withdraw (and retire if active); False when already withdrawn."""
        if self.withdrawn:
            return False
        self.withdrawn_at = now
        if self.retired_at is None:
            self.retired_at = now
        return True

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
        return not self.withdrawn and now < self.verify_until(rotation_period, now)

    def rotation_due(self, rotation_period: dt.timedelta, now: dt.datetime) -> bool:
        return self.active and now >= self.created_at + rotation_period


def key_set_version(keys: list[SigningKey]) -> str:
    """Fingerprint of a published key set: changes when a key is added, retired or withdrawn
    (verifiers poll it and re-read the keys only when it changed)."""
    digest = hashlib.sha256()
    for key in sorted(keys, key=lambda k: k.kid):
        digest.update(
            f"{key.kid}|{key.algorithm}|{key.active}|{key.retired_at}|{key.withdrawn_at};".encode()
        )
    return digest.hexdigest()[:32]
