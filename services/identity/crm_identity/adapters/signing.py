"""Ed25519 key generation and access-token signing through the chassis token format."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

from crm_chassis.auth import (
    TokenSigner,
    generate_private_key,
    key_id,
    private_key_from_pem,
    private_key_to_pem,
    public_key_from_pem,
    public_key_to_pem,
)
from crm_identity.domain.signing_keys import ALGORITHM, SigningKey
from crm_identity.service_layer.signing_keys import PublishedKeySet


class Ed25519KeyFactory:
    """Implements service_layer.ports.KeyFactory; kid = RFC 7638 thumbprint of the key."""

    def new_key(self, now: dt.datetime) -> SigningKey:
        private = generate_private_key()
        return SigningKey(
            kid=key_id(private),
            private_key_pem=private_key_to_pem(private),
            public_key_pem=public_key_to_pem(private),
            created_at=now,
            algorithm=ALGORITHM,
        )


class JwtAccessTokenIssuer:
    """Implements service_layer.ports.AccessTokenIssuer with one cached signer per key id."""

    def __init__(self, issuer: str, audience: str, algorithm: str = ALGORITHM):
        self._issuer, self._audience, self._algorithm = issuer, audience, algorithm
        self._signers: dict[tuple[str, int], TokenSigner] = {}
        self._lock = threading.Lock()

    def _signer(self, key: SigningKey, ttl_seconds: int) -> TokenSigner:
        with self._lock:
            signer = self._signers.get((key.kid, ttl_seconds))
            if signer is None:
                signer = TokenSigner(
                    private_key_from_pem(key.private_key_pem),
                    key.kid,
                    self._issuer,
                    self._audience,
                    self._algorithm,
                    ttl_seconds,
                )
                self._signers[(key.kid, ttl_seconds)] = signer
            return signer

    def issue(
        self,
        key: SigningKey,
        *,
        subject_id: str,
        kind: str,
        roles,
        departments,
        display_name: str,
        ttl_seconds: int,
    ) -> tuple[str, dt.datetime]:
        return self._signer(key, ttl_seconds).sign(
            subject_id, kind, roles, departments, display_name
        )


class PublishedKeysCache:
    """identity's published key set, shared by GetSigningKeys and identity's own verifier
    (a KeySource: ``get(kid)``).

    Re-read from the database when older than ``max_age_seconds`` (0.25 s), so a key rotated or
    withdrawn through another process or replica is seen within that time, at the cost of at
    most one small query per interval whatever the traffic (forged kids included); a change
    made through this process (a withdrawal) calls :meth:`invalidate` and counts at once.
    """

    def __init__(
        self,
        load: Callable[[], PublishedKeySet],
        max_age_seconds: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._load = load
        self._max_age = max_age_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._set: PublishedKeySet | None = None
        self._loaded_at = float("-inf")
        self._public: dict[str, object] = {}  # kid -> parsed public key

    def invalidate(self) -> None:
        self._loaded_at = float("-inf")

    def current(self) -> PublishedKeySet:
        if self._set is not None and self._clock() - self._loaded_at < self._max_age:
            return self._set
        with self._lock:
            if self._set is None or self._clock() - self._loaded_at >= self._max_age:
                started = self._clock()
                fresh = self._load()
                self._public = {
                    p.key.kid: self._public.get(p.key.kid)
                    or public_key_from_pem(p.key.public_key_pem)
                    for p in fresh.keys
                }
                self._set, self._loaded_at = fresh, started
            return self._set

    def get(self, kid: str):
        """The public key of a published ``kid`` still within its verify_until, else None."""
        for published in self.current().keys:
            if published.key.kid == kid:
                if dt.datetime.now(dt.UTC) >= published.verify_until:
                    return None  # no token it signed can still be valid
                return self._public.get(kid)
        return None
