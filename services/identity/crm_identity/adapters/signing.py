"""Ed25519 key generation and access-token signing through the chassis token format."""
from __future__ import annotations

import datetime as dt
import threading

from crm_chassis.auth import (TokenSigner, generate_private_key, key_id, private_key_from_pem,
                              private_key_to_pem, public_key_from_pem, public_key_to_pem)

from crm_identity.domain.signing_keys import ALGORITHM, SigningKey


class Ed25519KeyFactory:
    """Implements service_layer.ports.KeyFactory; kid = RFC 7638 thumbprint of the key."""

    def new_key(self, now: dt.datetime) -> SigningKey:
        private = generate_private_key()
        return SigningKey(kid=key_id(private), private_key_pem=private_key_to_pem(private),
                          public_key_pem=public_key_to_pem(private), created_at=now,
                          algorithm=ALGORITHM)


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
                signer = TokenSigner(private_key_from_pem(key.private_key_pem), key.kid,
                                     self._issuer, self._audience, self._algorithm, ttl_seconds)
                self._signers[(key.kid, ttl_seconds)] = signer
            return signer

    def issue(self, key: SigningKey, *, subject_id: str, kind: str, roles, departments,
              display_name: str, ttl_seconds: int) -> tuple[str, dt.datetime]:
        return self._signer(key, ttl_seconds).sign(subject_id, kind, roles, departments,
                                                   display_name)


class DatabaseKeySource:
    """Verifier key source for identity's own api: the published keys, read from its database.

    Cached; an unknown kid re-reads at most once per ``min_refetch_seconds`` (forged kids cost
    one query per interval, not one per call).
    """

    def __init__(self, load_keys, min_refetch_seconds: float = 1.0, clock=None):
        import time
        self._load = load_keys          # () -> list of (kid, public_key_pem, verify_until)
        self._min = min_refetch_seconds
        self._clock = clock or time.monotonic
        self._keys: dict[str, tuple[object, dt.datetime]] = {}
        self._last = float("-inf")
        self._lock = threading.Lock()

    def _valid(self, kid: str):
        entry = self._keys.get(kid)
        if entry is None or dt.datetime.now(dt.timezone.utc) >= entry[1]:
            return None   # unknown, or no token it signed can still be valid
        return entry[0]

    def get(self, kid: str):
        key = self._valid(kid)
        if key is not None:
            return key
        with self._lock:
            key = self._valid(kid)
            if key is None and self._clock() - self._last >= self._min:
                self.refresh()
                key = self._valid(kid)
        return key

    def refresh(self) -> None:
        self._last = self._clock()
        self._keys = {kid: (public_key_from_pem(pem), until) for kid, pem, until in self._load()}
