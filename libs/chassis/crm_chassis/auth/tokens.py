"""Access tokens: the one definition of their format, how identity signs them and how every
service verifies them locally (no call to identity per request).

Format (a JWS in compact form, RFC 7519 + RFC 9068 "at+jwt")::

    header  {"alg": "EdDSA", "typ": "at+jwt", "kid": "<RFC 7638 thumbprint of the signing key>"}
    claims  {"iss": <settings.jwt_issuer>, "aud": <settings.jwt_audience>,
             "sub": <user id | service account client id>,
             "iat": <issued, unix s with ms>, "nbf": <= iat, "exp": <= iat + 900, "jti": <unique token id>,
             "kind": "user" | "service", "roles": [<role>...], "departments": [<department>...],
             "name": <display name>}

Verification follows RFC 8725: only EdDSA is accepted, never the algorithm the token names (so
"none", HS256-with-the-public-key and other algorithm-confusion tricks fail), and a signer or
verifier configured with another algorithm fails when it is built, with the setting to fix;
``typ`` must be ``at+jwt`` (an ID token or another JWT cannot be replayed as an access token),
``kid`` must name a key the key source knows, exp/iat/sub/iss/aud/jti/kind must be present, and
exp - iat must not exceed ``max_lifetime_seconds`` (the chassis setting
``access_token_max_ttl_seconds``, 15 minutes by default).
Every failure raises :class:`crm_chassis.errors.Unauthenticated` with a message a person can act on.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Protocol

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crm_chassis.auth.principal import Principal
from crm_chassis.errors import Unauthenticated

TOKEN_TYPE = "at+jwt"
MAX_TTL_SECONDS = 15 * 60
# The one algorithm of the platform's tokens. Anything else (HS256 above all: an HMAC "secret"
# every verifier holds could sign tokens) is refused when a signer or verifier is built.
ALGORITHM = "EdDSA"


def check_algorithm(algorithm: str) -> str:
    if algorithm != ALGORITHM:
        raise ValueError(
            f"access tokens are signed and verified with {ALGORITHM} (Ed25519) "
            f"only, not {algorithm!r}: set CRM_JWT_ALGORITHM={ALGORITHM} (or leave "
            "it unset)"
        )
    return algorithm


SUBJECT_KINDS = frozenset({"user", "service"})
REQUIRED_CLAIMS = ("exp", "iat", "sub", "iss", "aud", "jti")


class KeySource(Protocol):
    """Where a verifier finds the public key of a ``kid`` (None when the kid is unknown)."""

    def get(self, kid: str) -> Any:  # pragma: no cover - protocol
        ...


class TokenSigner:
    """Signs access tokens (used by identity with its current rotating key)."""

    def __init__(
        self,
        private_key: Ed25519PrivateKey,
        kid: str,
        issuer: str,
        audience: str,
        algorithm: str = "EdDSA",
        ttl_seconds: int = 600,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not 0 < ttl_seconds <= MAX_TTL_SECONDS:
            raise ValueError(
                f"access token lifetime must be 1..{MAX_TTL_SECONDS} s, got {ttl_seconds}"
            )
        if not kid:
            raise ValueError("a signing key needs a kid")
        check_algorithm(algorithm)
        self._key = private_key
        self.kid = kid
        self.issuer = issuer
        self.audience = audience
        self.algorithm = algorithm
        self.ttl_seconds = int(ttl_seconds)
        self._clock = clock
        self._headers = {"typ": TOKEN_TYPE, "kid": kid}

    def sign(
        self,
        subject_id: str,
        kind: str,
        roles: Iterable[str] = (),
        departments: Iterable[str] = (),
        display_name: str = "",
        *,
        token_id: str | None = None,
    ) -> tuple[str, datetime]:
        """A new access token for the subject and the moment it expires (aware UTC)."""
        if kind not in SUBJECT_KINDS:
            raise ValueError(f"kind must be one of {sorted(SUBJECT_KINDS)}, got {kind!r}")
        if not subject_id:
            raise ValueError("an access token needs a subject id")
        # iat keeps milliseconds (a JWT NumericDate may be fractional, RFC 7519 §2), so a token
        # issued just before a password change is told apart from one issued just after it.
        issued = math.floor(self._clock() * 1000) / 1000
        now = int(issued)
        expires = now + self.ttl_seconds
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject_id,
            "iat": issued,
            "nbf": now,
            "exp": expires,
            "jti": token_id or uuid.uuid4().hex,
            "kind": kind,
            "roles": sorted(set(roles)),
            "departments": sorted(set(departments)),
            "name": display_name,
        }
        token = jwt.encode(claims, self._key, algorithm=self.algorithm, headers=self._headers)
        return token, datetime.fromtimestamp(expires, tz=UTC)


class TokenVerifier:
    """Verifies access tokens against a key source and turns them into a :class:`Principal`.

    Verified tokens are cached (bounded LRU keyed by the token string) until they expire: the
    signature is checked once per token, not once per call; a cache hit still asks the key
    source whether the signing key is still published (a dict lookup), so withdrawing a key
    stops its tokens at once. Revoking users is not this class's job: the server's
    ``principal_check`` runs on every call, cached or not.
    """

    def __init__(
        self,
        key_source: KeySource,
        issuer: str,
        audience: str,
        algorithm: str = ALGORITHM,
        leeway_seconds: float = 10,
        *,
        max_lifetime_seconds: float = MAX_TTL_SECONDS,
        cache_size: int = 4096,
        clock: Callable[[], float] = time.time,
    ) -> None:
        check_algorithm(algorithm)
        if max_lifetime_seconds <= 0:
            raise ValueError(f"max_lifetime_seconds must be positive, got {max_lifetime_seconds}")
        self.max_lifetime_seconds = max_lifetime_seconds
        self.key_source = key_source
        self.issuer = issuer
        self.audience = audience
        self.algorithm = algorithm
        self.leeway_seconds = leeway_seconds
        self._clock = clock
        self._cache_size = cache_size
        self._cache: OrderedDict[str, tuple[Principal, float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def verify(self, token: str) -> Principal:
        """The principal the token speaks for; raises Unauthenticated if it must not be trusted."""
        if self._cache_size:
            with self._lock:
                hit = self._cache.get(token)
                if hit is not None:
                    self._cache.move_to_end(token)
            if hit is not None:
                principal, exp, kid = hit
                if self._clock() > exp + self.leeway_seconds:
                    self._forget(token)
                    raise Unauthenticated(
                        "access token expired: obtain a new one (log in or refresh)"
                    )
                # A key identity withdrew (e.g. compromised) stops its cached tokens too.
                if self.key_source.get(kid) is not None:
                    return principal
                self._forget(token)
                raise Unauthenticated("token signed with an unknown key")
        principal, exp, kid = self._verify_uncached(token)
        if self._cache_size:
            with self._lock:
                self._cache[token] = (principal, exp, kid)
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return principal

    # ------------------------------------------------------------------ internals
    def _forget(self, token: str) -> None:
        with self._lock:
            self._cache.pop(token, None)

    def _verify_uncached(self, token: str) -> tuple[Principal, float, str]:
        if not token or not isinstance(token, str):
            raise Unauthenticated("missing access token: send 'authorization: Bearer <token>'")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise Unauthenticated("malformed access token: expected a signed JWT") from None
        alg = header.get("alg")
        if alg != self.algorithm:
            raise Unauthenticated(
                f"token algorithm {alg!r} is not accepted (only {self.algorithm!r})"
            )
        if header.get("typ") != TOKEN_TYPE:
            raise Unauthenticated(
                f"token type must be {TOKEN_TYPE!r}, got {header.get('typ')!r}: "
                "send an access token"
            )
        kid = header.get("kid")
        key = self.key_source.get(kid) if isinstance(kid, str) and kid else None
        if key is None or not isinstance(kid, str):
            raise Unauthenticated("token signed with an unknown key")
        claims = self._decode(token, key)
        self._check_lifetime(claims)
        return self._principal(claims), float(claims["exp"]), kid

    def _check_lifetime(self, claims: dict[str, Any]) -> None:
        """A token living longer than identity may issue (exp - iat over the maximum) was not
        issued by a correctly configured identity: refused, whoever signed it."""
        exp, iat = claims["exp"], claims["iat"]
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (exp, iat)):
            raise Unauthenticated("invalid access token: exp and iat must be numbers")
        if exp - iat > self.max_lifetime_seconds:
            raise Unauthenticated(
                f"access token lifetime {exp - iat:.0f} s exceeds the maximum "
                f"{self.max_lifetime_seconds:.0f} s: obtain a new one (log in or refresh)"
            )

    def _decode(self, token: str, key: Any) -> dict[str, Any]:
        try:
            return jwt.decode(
                token,
                key,
                algorithms=[self.algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_seconds,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated(
                "access token expired: obtain a new one (log in or refresh)"
            ) from None
        except jwt.ImmatureSignatureError:
            raise Unauthenticated("access token not yet valid (check the clocks)") from None
        except jwt.InvalidAudienceError:
            raise Unauthenticated(
                "token audience mismatch: this token is not for this platform"
            ) from None
        except jwt.InvalidIssuerError:
            raise Unauthenticated(
                "token issuer mismatch: this token was not issued by identity"
            ) from None
        except jwt.MissingRequiredClaimError as exc:
            raise Unauthenticated(f"access token lacks the {exc.claim!r} claim") from None
        except jwt.InvalidSignatureError:
            raise Unauthenticated("access token signature is invalid") from None
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated(f"invalid access token: {exc}") from None

    @staticmethod
    def _principal(claims: dict[str, Any]) -> Principal:
        kind = claims.get("kind")
        if kind not in SUBJECT_KINDS:
            raise Unauthenticated("access token lacks a valid 'kind' claim (user or service)")
        sub = claims["sub"]
        roles = claims.get("roles", [])
        departments = claims.get("departments", [])
        if not (isinstance(sub, str) and sub and _strings(roles) and _strings(departments)):
            raise Unauthenticated("invalid access token: malformed subject, roles or departments")
        return Principal(
            subject_id=sub,
            kind=kind,
            roles=frozenset(roles),
            departments=frozenset(departments),
            display_name=str(claims.get("name", "")),
            token_id=str(claims["jti"]),
            issued_at=datetime.fromtimestamp(claims["iat"], tz=UTC),
            expires_at=datetime.fromtimestamp(claims["exp"], tz=UTC),
        )


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)
