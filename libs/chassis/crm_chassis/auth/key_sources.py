"""Where verifiers find identity's public signing keys.

:class:`StaticKeySource` holds fixed keys (tests, tools). :class:`IdentityKeySource` reads them
from identity's ``AuthService/GetSigningKeys`` and keeps them fresh:

- a daemon thread asks every ``refresh_seconds`` (0.5 s, setting ``jwks_refresh_seconds``)
  whether the published set changed: the request carries the ``version`` of the set held, and
  identity answers ``unchanged`` from memory (no keys, no database read) until a key is added,
  retired or withdrawn. So a key an administrator withdraws (``crmctl keys withdraw``) stops
  verifying in every service within refresh_seconds plus identity's own cache age (0.25 s,
  when the withdrawal went through another identity replica): at most 0.75 s; measured
  0.10–0.33 s (median 0.14 s) against one replica, see docs/security.md;
- an unknown ``kid`` triggers an immediate re-read, at most once per ``min_refetch_seconds``
  (5 s) after a successful read, so a flood of tokens with forged kids costs identity one call
  per 5 s, not one per token; after a FAILED read (identity not up yet, e.g. while the platform
  starts) the next may come ``retry_after_failure_seconds`` (0.5 s) later: a failed call cost
  identity nothing, and waiting 5 s would refuse every valid token in the meantime;
- while identity cannot be reached the last keys read keep serving (stale but still valid), and
  a ``kid`` it has never seen raises :class:`~crm_chassis.errors.Unavailable` instead of
  answering "unknown": the token may well be valid (identity just rotated, or this process
  started before identity answered), so the caller gets UNAVAILABLE, which clients retry, not
  UNAUTHENTICATED, which sends a person back to the login screen;
- a key past its ``verify_until`` is dropped: no token it signed can still be valid;
- :meth:`IdentityKeySource.wait_for_keys` tells whether keys have been read (an api's health
  stays NOT_SERVING until then, see ``crm_chassis.grpc.health_gate``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import grpc
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from crm_chassis.auth.keys import public_key_from_pem
from crm_chassis.auth.tokens import TokenVerifier, check_algorithm
from crm_chassis.errors import Unavailable
from crm_chassis.logging import get_logger

log = get_logger("crm.auth.keys")


class StaticKeySource:
    """A fixed ``{kid: public_key}`` mapping."""

    def __init__(self, keys: Mapping[str, object]) -> None:
        self._keys = dict(keys)

    def get(self, kid: str) -> Any:
        return self._keys.get(kid)

    def kids(self) -> list[str]:
        return sorted(self._keys)


class IdentityKeySource:
    """Public keys read from identity over gRPC, cached and refreshed (see module docstring)."""

    def __init__(
        self,
        address_or_channel: str | grpc.Channel,
        refresh_seconds: float = 0.5,
        *,
        algorithm: str = "EdDSA",
        min_refetch_seconds: float = 5.0,
        retry_after_failure_seconds: float = 0.5,
        timeout_seconds: float = 2.0,
        clock: Callable[[], float] = time.time,
        start: bool = True,
    ) -> None:
        # Imported here so the chassis imports without generated code (e.g. for settings docs).
        from crm.identity.v1 import auth_pb2, auth_pb2_grpc

        self._pb = auth_pb2
        if isinstance(address_or_channel, str):
            self._channel = grpc.insecure_channel(address_or_channel)
            self._owns_channel = True
        else:
            self._channel = address_or_channel
            self._owns_channel = False
        self._stub = auth_pb2_grpc.AuthServiceStub(self._channel)
        self.refresh_seconds = refresh_seconds
        self.algorithm = algorithm
        self.min_refetch_seconds = min_refetch_seconds
        self.retry_after_failure_seconds = retry_after_failure_seconds
        self.timeout_seconds = timeout_seconds
        self._clock = clock
        self._keys: dict[str, tuple[Ed25519PublicKey, float | None]] = {}
        self._version = ""  # of the published set held ("" = ask for the keys)
        self._fetch_lock = threading.Lock()
        self._last_attempt = float("-inf")
        self._last_attempt_failed = False
        self._last_success: float | None = None
        self.fetch_count = 0
        self._has_keys = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if start:
            self.start()

    # ------------------------------------------------------------------ public API
    def get(self, kid: str) -> Ed25519PublicKey | None:
        """The public key of ``kid``, or None when identity does not (or no longer) vouch for it.

        Raises Unavailable when ``kid`` is unknown and identity could not be asked (its last read
        failed): whether identity vouches for it cannot be told right now.
        """
        key = self._valid_key(kid)
        if key is not None:
            return key
        with self._fetch_lock:
            # Another thread may have re-read the keys while we waited for the lock.
            key = self._valid_key(kid)
            pause = (
                self.retry_after_failure_seconds
                if self._last_attempt_failed
                else self.min_refetch_seconds
            )
            if key is None and self._clock() - self._last_attempt >= pause:
                self._fetch_locked()
                key = self._valid_key(kid)
            if key is None and self._last_attempt_failed and kid not in self._keys:
                raise Unavailable(
                    "cannot check the token's signing key now: identity is not "
                    "answering; retry in a moment"
                )
        return key

    def refresh(self) -> bool:
        """Re-read the keys now; False (keeping the previous keys) when identity is unreachable."""
        with self._fetch_lock:
            return self._fetch_locked()

    def kids(self) -> list[str]:
        return sorted(self._keys)

    def wait_for_keys(self, timeout: float | None = None) -> bool:
        """True once a read from identity has brought at least one key (waits up to
        ``timeout`` seconds for it)."""
        return self._has_keys.wait(timeout)

    @property
    def last_success(self) -> float | None:
        """When the keys were last read successfully (clock time), None if never."""
        return self._last_success

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._refresh_loop, daemon=True, name="identity-key-refresh"
            )
            self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout_seconds + 1)
            self._thread = None
        if self._owns_channel:
            self._channel.close()

    # ------------------------------------------------------------------ internals
    def _valid_key(self, kid: str) -> Ed25519PublicKey | None:
        entry = self._keys.get(kid)
        if entry is None:
            return None
        key, verify_until = entry
        if verify_until is not None and self._clock() > verify_until:
            return None
        return key

    def _fetch_locked(self) -> bool:
        self._last_attempt = self._clock()
        self.fetch_count += 1
        try:
            response = self._stub.GetSigningKeys(
                self._pb.GetSigningKeysRequest(known_version=self._version),
                timeout=self.timeout_seconds,
            )
        except grpc.RpcError as exc:
            # Once per outage, not at every poll.
            report = log.debug if self._last_attempt_failed else log.warning
            self._last_attempt_failed = True
            if self._last_success is None and exc.code() == grpc.StatusCode.UNAVAILABLE:
                # The platform starting: identity is not serving yet. Nothing is wrong until
                # it has been read once; the process retries on the next token or refresh.
                log.info("waiting for identity's signing keys", detail=exc.details())
            else:
                report(
                    "signing keys unavailable, keeping the last ones",
                    code=str(exc.code()),
                    detail=exc.details(),
                    kept_keys=len(self._keys),
                )
            return False
        now = self._clock()
        if response.unchanged and self._version:
            self._last_success = now
            self._last_attempt_failed = False
            return True
        keys: dict[str, tuple[Ed25519PublicKey, float | None]] = {}
        for item in response.keys:
            verify_until = (
                item.verify_until.seconds + item.verify_until.nanos / 1e9
                if item.HasField("verify_until")
                else None
            )
            if item.algorithm != self.algorithm or (
                verify_until is not None and now > verify_until
            ):
                continue
            try:
                keys[item.kid] = (public_key_from_pem(item.public_key_pem), verify_until)
            except ValueError as exc:
                log.error("ignoring an unreadable signing key", kid=item.kid, error=str(exc))
        self._keys = keys  # one reference swap: readers never see a half-built dict
        if keys:
            self._has_keys.set()
        self._version = response.version
        self._last_success = now
        self._last_attempt_failed = False
        return True

    def _refresh_loop(self) -> None:
        while not self._stop.is_set():
            ok = self.refresh()
            # After a failure retry sooner than the normal period, but not in a tight loop.
            wait = self.refresh_seconds if ok else min(self.refresh_seconds, 1.0)
            self._stop.wait(wait)


def identity_verifier(settings: Any) -> TokenVerifier:
    """The verifier every service but identity uses: identity's published keys, refreshed every
    ``settings.jwks_refresh_seconds``; ``settings.jwt_issuer/audience/algorithm`` enforced.

    Close its key source when the process stops: ``on_stop=verifier.key_source.close``.
    """
    check_algorithm(settings.jwt_algorithm)  # before a thread starts polling identity
    source = IdentityKeySource(
        settings.identity_address, settings.jwks_refresh_seconds, algorithm=settings.jwt_algorithm
    )
    return TokenVerifier(
        source,
        settings.jwt_issuer,
        settings.jwt_audience,
        settings.jwt_algorithm,
        max_lifetime_seconds=settings.access_token_max_ttl_seconds,
    )
