"""What the use cases need from the outside world, as small interfaces (adapters implement them)."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from crm_identity.domain.signing_keys import SigningKey


class PasswordHasher(Protocol):
    # A hash of a random password made with the current parameters: verified against when the
    # account is unknown, so that answer takes as long as a real one.
    dummy_hash: str

    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str, password: str) -> bool:
        """True when ``password`` matches; False for a mismatch or a malformed hash."""

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with weaker parameters than the current ones."""


class KeyFactory(Protocol):
    def new_key(self, now: dt.datetime) -> SigningKey:
        """A fresh Ed25519 key pair with a new key id."""


class KeyWrapper(Protocol):
    """Protects signing private keys at rest; the signing-key repository wraps on write and
    unwraps on read. adapters.key_wrapping implements it with AES-256-GCM under a
    key-encryption key; a KMS client can implement the same three calls."""

    def wrap(self, kid: str, private_key_pem: str) -> str:
        """The stored form of the key (bound to ``kid``)."""

    def unwrap(self, kid: str, stored: str) -> str:
        """The PEM; FailedPrecondition naming the setting when it cannot be unwrapped."""

    def needs_rewrap(self, stored: str) -> bool:
        """Whether the stored form is not wrapped by the current key-encryption key."""


class AccessTokenIssuer(Protocol):
    def issue(
        self,
        key: SigningKey,
        *,
        subject_id: str,
        kind: str,
        roles: list[str],
        departments: list[str],
        display_name: str,
        ttl_seconds: int,
    ) -> tuple[str, dt.datetime]:
        """A signed access token and when it expires."""


class AttemptMonitor(Protocol):
    """Counts wrong secrets and throttled attempts (credential: domain.throttling.PASSWORD or
    CLIENT_SECRET; scope: ADDRESS or ACCOUNT)."""

    def failed(self, credential: str) -> None: ...
    def throttled(self, credential: str, scope: str) -> None: ...


class NoAttemptMonitor:
    def failed(self, credential: str) -> None:
        pass

    def throttled(self, credential: str, scope: str) -> None:
        pass
