"""Test helpers for anything that needs tokens: a signing key pair and a token forger.

``forge_token`` builds tokens the way an attacker would (any header, any claims, any key, even
"none" or HMAC-with-the-public-key) so security tests can prove each one is rejected.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from crm_chassis.auth.key_sources import StaticKeySource
from crm_chassis.auth.keys import generate_private_key, key_id, public_key_to_pem
from crm_chassis.auth.tokens import TOKEN_TYPE, TokenSigner, TokenVerifier

ISSUER = "crm-identity"
AUDIENCE = "crm"


@dataclass
class TestKeys:
    """One Ed25519 key pair with its kid, a signer and a verifier that trusts only it."""

    __test__ = False  # not a pytest test class

    private_key: Ed25519PrivateKey = field(default_factory=generate_private_key)
    issuer: str = ISSUER
    audience: str = AUDIENCE

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def kid(self) -> str:
        return key_id(self.private_key)

    @property
    def public_pem(self) -> str:
        return public_key_to_pem(self.private_key)

    def signer(self, ttl_seconds: int = 600) -> TokenSigner:
        return TokenSigner(
            self.private_key, self.kid, self.issuer, self.audience, ttl_seconds=ttl_seconds
        )

    def verifier(self, **kwargs: Any) -> TokenVerifier:
        return TokenVerifier(
            StaticKeySource({self.kid: self.public_key}),
            self.issuer,
            self.audience,
            "EdDSA",
            **kwargs,
        )

    def token(
        self,
        subject_id: str = "user-1",
        kind: str = "user",
        roles: Iterable[str] = (),
        departments: Iterable[str] = (),
        display_name: str = "Test User",
    ) -> str:
        return self.signer().sign(subject_id, kind, roles, departments, display_name)[0]

    def claims(self, **overrides: Any) -> dict[str, Any]:
        """Valid claims for a user token, with ``overrides`` applied (value None drops a claim)."""
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": "user-1",
            "iat": now,
            "nbf": now,
            "exp": now + 600,
            "jti": uuid.uuid4().hex,
            "kind": "user",
            "roles": [],
            "departments": ["sales"],
            "name": "Test User",
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def header(self, **overrides: Any) -> dict[str, Any]:
        header = {"typ": TOKEN_TYPE, "kid": self.kid}
        header.update(overrides)
        return {k: v for k, v in header.items() if v is not None}


def forge_token(
    claims: dict[str, Any], header: dict[str, Any], *, key: Any = None, algorithm: str = "EdDSA"
) -> str:
    """A JWS with exactly ``header`` (plus alg) and ``claims``, signed with ``key``.

    ``algorithm="none"`` gives an unsigned token; ``algorithm="HS256"`` with ``key`` as bytes
    signs with HMAC even when the bytes are a public key PEM (which PyJWT refuses to do).
    """
    header = dict(header, alg=algorithm)
    if algorithm in ("none", "HS256"):
        signing_input = f"{_b64(_json(header))}.{_b64(_json(claims))}"
        if algorithm == "none":
            return signing_input + "."
        mac = hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest()
        return f"{signing_input}.{_b64(mac)}"
    extra = {k: v for k, v in header.items() if k != "alg"}
    extra.setdefault("typ", "")  # PyJWT adds typ "JWT" unless told "" (= leave it out)
    return jwt.encode(claims, key, algorithm=algorithm, headers=extra)


def _json(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class TokenCaller:
    """Calls a gRPC api as named people, each with a signed token of their own (cached):
    ``claims`` gives a person's roles and departments (sales when not named). A service's
    test kit subclasses it with the stubs of its api."""

    __test__ = False  # not a pytest test class

    def __init__(self, keys: TestKeys, claims: dict[str, dict[str, Any]], default_user: str):
        self.keys = keys
        self._claims = claims
        self._default_user = default_user
        self._tokens: dict[str, str] = {}

    def auth(self, user: str) -> tuple[tuple[str, str], ...]:
        """The call metadata of ``user``: a bearer token."""
        if user not in self._tokens:
            claims = self._claims.get(user, {})
            self._tokens[user] = self.keys.token(
                subject_id=user,
                roles=claims.get("roles", ()),
                departments=claims.get("departments", ("sales",)),
                display_name=user.title(),
            )
        return (("authorization", f"Bearer {self._tokens[user]}"),)

    def call(self, method: Any, request: Any, user: str = "") -> Any:
        return method(request, metadata=self.auth(user or self._default_user), timeout=10)

    def refused(self, code: Any, method: Any, request: Any, user: str = "") -> str:
        """Call and expect the gRPC status ``code``; returns the error's message."""
        import grpc
        import pytest

        with pytest.raises(grpc.RpcError) as raised:
            self.call(method, request, user)
        assert raised.value.code() == code, raised.value.details()
        return str(raised.value.details())
