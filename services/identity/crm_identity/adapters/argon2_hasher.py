"""Password and client-secret hashing with argon2id (OWASP: m=19 MiB, t=2, p=1 at least)."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_MEMORY_KIB = 19456
MIN_TIME_COST = 2
MIN_PARALLELISM = 1


class Argon2Hasher:
    """Implements service_layer.ports.PasswordHasher."""

    def __init__(
        self,
        memory_kib: int = MIN_MEMORY_KIB,
        time_cost: int = MIN_TIME_COST,
        parallelism: int = MIN_PARALLELISM,
        *,
        allow_weak: bool = False,
    ):
        if not allow_weak and (
            memory_kib < MIN_MEMORY_KIB
            or time_cost < MIN_TIME_COST
            or parallelism < MIN_PARALLELISM
        ):
            raise ValueError(
                f"argon2id parameters below the floor (m>={MIN_MEMORY_KIB} KiB, "
                f"t>={MIN_TIME_COST}, p>={MIN_PARALLELISM})"
            )
        self._hasher = PasswordHasher(
            memory_cost=memory_kib, time_cost=time_cost, parallelism=parallelism
        )
        self.dummy_hash = self._hasher.hash(secrets.token_urlsafe(24))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True
