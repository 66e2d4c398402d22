"""Token format, signer and verifier (no network)."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from crm_chassis.auth import (
    Principal,
    StaticKeySource,
    TokenSigner,
    TokenVerifier,
    bind_principal,
    current_principal,
    generate_private_key,
    key_id,
    private_key_from_pem,
    private_key_to_pem,
    public_key_from_pem,
    public_key_to_pem,
    require_principal,
    reset_principal,
)
from crm_chassis.errors import Unauthenticated
from crm_testkit.auth import TestKeys, forge_token


def _segment(token: str, index: int) -> dict:
    part = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_signed_token_has_the_documented_format():
    keys = TestKeys()
    token, expires_at = keys.signer(ttl_seconds=300).sign(
        "u-1", "user", roles=["admin", "admin"], departments={"sales"}, display_name="Ada"
    )
    header, claims = _segment(token, 0), _segment(token, 1)
    assert header == {"alg": "EdDSA", "typ": "at+jwt", "kid": keys.kid}
    assert set(claims) == {
        "iss",
        "aud",
        "sub",
        "exp",
        "iat",
        "nbf",
        "jti",
        "kind",
        "roles",
        "departments",
        "name",
    }
    assert (
        claims["sub"],
        claims["kind"],
        claims["roles"],
        claims["departments"],
        claims["name"],
    ) == ("u-1", "user", ["admin"], ["sales"], "Ada")
    assert claims["exp"] - int(claims["iat"]) == 300 and claims["nbf"] == int(claims["iat"])
    assert round(claims["iat"], 3) == claims["iat"]  # milliseconds, no finer
    assert expires_at == datetime.fromtimestamp(claims["exp"], tz=UTC)


def test_round_trip_gives_the_principal():
    keys = TestKeys()
    token = keys.token(
        "svc-leads", "service", roles=["reader"], departments=["sales"], display_name="leads"
    )
    principal = keys.verifier().verify(token)
    assert principal.subject_id == "svc-leads" and principal.kind == "service"
    assert principal.roles == frozenset({"reader"}) and principal.departments == {"sales"}
    assert principal.expires_at > principal.issued_at and principal.token_id
    assert principal.actor().kind == "service" and principal.actor().id == "svc-leads"
    assert principal.is_service and not principal.is_admin


@pytest.mark.parametrize("ttl", [0, -1, 901, 3600])
def test_signer_refuses_long_or_empty_lifetimes(ttl):
    with pytest.raises(ValueError, match="lifetime"):
        TokenSigner(generate_private_key(), "kid", "iss", "aud", ttl_seconds=ttl)


def test_signer_refuses_unknown_kind():
    with pytest.raises(ValueError, match="kind"):
        TestKeys().signer().sign("u", "robot")


def test_verifier_refuses_algorithm_none():
    with pytest.raises(ValueError):
        TokenVerifier(StaticKeySource({}), "iss", "aud", algorithm="none")


def test_verified_tokens_are_cached_until_they_expire():
    keys = TestKeys()
    now = [time.time()]  # PyJWT checks exp on the real clock; the cache on the injected one

    signer = TokenSigner(
        keys.private_key, keys.kid, keys.issuer, keys.audience, ttl_seconds=60, clock=lambda: now[0]
    )
    verifier = TokenVerifier(
        StaticKeySource({keys.kid: keys.public_key}),
        keys.issuer,
        keys.audience,
        leeway_seconds=10,
        clock=lambda: now[0],
        cache_size=2,
    )
    token = signer.sign("u-1", "user")[0]
    verify_calls = []
    original = verifier._verify_uncached
    verifier._verify_uncached = lambda t: verify_calls.append(t) or original(t)
    assert verifier.verify(token).subject_id == "u-1"
    assert verifier.verify(token).subject_id == "u-1"
    assert len(verify_calls) == 1  # the second call was served from the cache
    now[0] += 60 + 11  # past exp + leeway
    with pytest.raises(Unauthenticated, match="expired"):
        verifier.verify(token)


def test_withdrawn_key_stops_its_cached_tokens():
    keys = TestKeys()
    published = {keys.kid: keys.public_key}

    class PublishedKeys:  # what identity currently publishes
        def get(self, kid):
            return published.get(kid)

    verifier = TokenVerifier(PublishedKeys(), keys.issuer, keys.audience)
    token = keys.token()
    verifier.verify(token)
    del published[keys.kid]
    with pytest.raises(Unauthenticated, match="unknown key"):
        verifier.verify(token)


def test_cache_is_bounded():
    keys = TestKeys()
    verifier = keys.verifier(cache_size=3)
    for i in range(10):
        verifier.verify(keys.token(f"u-{i}"))
    assert len(verifier._cache) == 3


def test_pem_round_trips_and_kid_is_stable():
    key = generate_private_key()
    again = private_key_from_pem(private_key_to_pem(key))
    assert key_id(again) == key_id(key) == key_id(key.public_key())
    public = public_key_from_pem(public_key_to_pem(key))
    assert public.public_bytes_raw() == key.public_key().public_bytes_raw()
    assert key_id(generate_private_key()) != key_id(key)


def test_kid_is_the_rfc_7638_thumbprint():
    # RFC 8037, appendix A.3: the Ed25519 example key and its JWK thumbprint.
    x = base64.urlsafe_b64decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
    assert (
        key_id(Ed25519PublicKey.from_public_bytes(x))
        == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    )


def test_pem_of_another_key_type_is_refused():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(ValueError, match="Ed25519"):
        public_key_from_pem(pem)


def test_principal_accessors():
    assert current_principal() is None
    with pytest.raises(Unauthenticated, match="authenticated caller"):
        require_principal()
    admin = Principal("u-1", roles=frozenset({"admin"}))
    token = bind_principal(admin)
    try:
        assert require_principal() is admin and admin.is_admin
    finally:
        reset_principal(token)
    assert current_principal() is None


def test_pyjwt_alone_would_accept_typ_jwt_but_we_do_not():
    """Why the typ check exists: a JWT signed by the same key for another purpose."""
    keys = TestKeys()
    other_purpose = jwt.encode(
        keys.claims(), keys.private_key, algorithm="EdDSA", headers={"kid": keys.kid}
    )
    assert jwt.decode(other_purpose, keys.public_key, algorithms=["EdDSA"], audience="crm")
    with pytest.raises(Unauthenticated, match="type"):
        keys.verifier().verify(other_purpose)


@pytest.mark.parametrize("algorithm", ["HS256", "RS256", "ES256", "EdDSA "])
def test_a_verifier_or_signer_with_another_algorithm_fails_when_built(algorithm):
    with pytest.raises(ValueError, match="CRM_JWT_ALGORITHM=EdDSA"):
        TokenVerifier(StaticKeySource({}), "iss", "aud", algorithm=algorithm)
    with pytest.raises(ValueError, match="EdDSA"):
        TokenSigner(generate_private_key(), "kid", "iss", "aud", algorithm=algorithm)


def test_identity_verifier_with_hs256_settings_fails_before_polling_identity():
    from crm_chassis.auth import identity_verifier
    from crm_chassis.settings import ServiceSettings

    settings = ServiceSettings.load("leads", env={"CRM_JWT_ALGORITHM": "HS256"})
    with pytest.raises(ValueError, match="not 'HS256'"):
        identity_verifier(settings)


def test_a_token_living_longer_than_the_maximum_is_refused():
    keys = TestKeys()
    verifier = keys.verifier(max_lifetime_seconds=900)
    now = int(time.time())
    ok = forge_token(keys.claims(iat=now, exp=now + 900), keys.header(), key=keys.private_key)
    assert verifier.verify(ok).subject_id == "user-1"
    too_long = forge_token(keys.claims(iat=now, exp=now + 901), keys.header(), key=keys.private_key)
    with pytest.raises(Unauthenticated, match="lifetime 901 s exceeds the maximum 900 s"):
        verifier.verify(too_long)
    day = forge_token(
        keys.claims(iat=now - 60, exp=now + 86400), keys.header(), key=keys.private_key
    )
    with pytest.raises(Unauthenticated, match="exceeds the maximum"):
        keys.verifier().verify(day)  # the default maximum: 15 minutes
