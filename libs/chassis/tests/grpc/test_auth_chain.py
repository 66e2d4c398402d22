"""Authentication at the gRPC edge: public vs authenticated methods and every token attack."""

from __future__ import annotations

import time

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from crm.testing.v1 import echo_pb2
from crm_chassis.auth.keys import generate_private_key
from crm_testkit.auth import forge_token

DEACTIVATED_USER = "deactivated-user"  # rejected by the server fixture's principal_check


def _unauthenticated(stub, metadata) -> str:
    with pytest.raises(grpc.RpcError) as info:
        stub.Echo(echo_pb2.EchoRequest(message="hi"), metadata=metadata)
    assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED, info.value.details()
    return info.value.details()


def test_public_method_needs_no_token(stub):
    with pytest.raises(grpc.RpcError) as info:
        stub.Fail(echo_pb2.FailRequest(error="NotFound", message="no such lead"))
    assert info.value.code() == grpc.StatusCode.NOT_FOUND  # reached the handler: no auth step


def test_authenticated_call_sees_the_principal(stub, bearer):
    response = stub.Echo(echo_pb2.EchoRequest(message="hi"), metadata=bearer(subject_id="u-42"))
    assert (response.message, response.subject_id) == ("hi", "u-42")


def test_missing_token(stub):
    assert "missing access token" in _unauthenticated(stub, ())


@pytest.mark.parametrize("value", ["Basic dXNlcjpwdw==", "Bearer", "Bearer ", "token-only"])
def test_authorization_that_is_not_bearer(stub, value):
    assert "Bearer" in _unauthenticated(stub, (("authorization", value),))


def test_principal_check_rejects_a_deactivated_user(stub, bearer):
    assert "deactivated" in _unauthenticated(stub, bearer(subject_id=DEACTIVATED_USER))


def _attacks(keys):
    """(name, token, expected words in the message) for every forged-token attack."""
    now = int(time.time())
    good_header, good_claims = keys.header(), keys.claims()
    valid = forge_token(good_claims, good_header, key=keys.private_key)
    head, _payload, signature = valid.split(".")
    tampered_payload = forge_token(
        keys.claims(roles=["admin"]), good_header, key=generate_private_key()
    ).split(".")[1]
    ec_key = ec.generate_private_key(ec.SECP256R1())
    return [
        ("malformed", "not-a-jwt", "malformed"),
        ("three garbage segments", "a.b.c", "malformed"),
        ("alg none", forge_token(good_claims, good_header, algorithm="none"), "not accepted"),
        (
            "HS256 with the public key as secret",
            forge_token(good_claims, good_header, key=keys.public_pem.encode(), algorithm="HS256"),
            "not accepted",
        ),
        (
            "ES256 while EdDSA configured",
            forge_token(good_claims, good_header, key=ec_key, algorithm="ES256"),
            "not accepted",
        ),
        (
            "wrong key, known kid",
            forge_token(good_claims, good_header, key=generate_private_key()),
            "signature",
        ),
        (
            "unknown kid",
            forge_token(good_claims, keys.header(kid="forged-kid"), key=keys.private_key),
            "unknown key",
        ),
        (
            "no kid",
            forge_token(good_claims, keys.header(kid=None), key=keys.private_key),
            "unknown key",
        ),
        (
            "wrong aud",
            forge_token(keys.claims(aud="other"), good_header, key=keys.private_key),
            "audience",
        ),
        (
            "wrong iss",
            forge_token(keys.claims(iss="evil"), good_header, key=keys.private_key),
            "issuer",
        ),
        (
            "expired",
            forge_token(
                keys.claims(iat=now - 1000, nbf=now - 1000, exp=now - 100),
                good_header,
                key=keys.private_key,
            ),
            "expired",
        ),
        (
            "not yet valid",
            forge_token(keys.claims(nbf=now + 300), good_header, key=keys.private_key),
            "not yet valid",
        ),
        ("tampered payload", f"{head}.{tampered_payload}.{signature}", "signature"),
        (
            "wrong typ",
            forge_token(good_claims, keys.header(typ="JWT"), key=keys.private_key),
            "type",
        ),
        (
            "missing typ",
            forge_token(good_claims, keys.header(typ=None), key=keys.private_key),
            "type",
        ),
        (
            "missing exp",
            forge_token(keys.claims(exp=None), good_header, key=keys.private_key),
            "'exp'",
        ),
        (
            "missing sub",
            forge_token(keys.claims(sub=None), good_header, key=keys.private_key),
            "'sub'",
        ),
        (
            "missing jti",
            forge_token(keys.claims(jti=None), good_header, key=keys.private_key),
            "'jti'",
        ),
        (
            "missing kind",
            forge_token(keys.claims(kind=None), good_header, key=keys.private_key),
            "kind",
        ),
        (
            "unknown kind",
            forge_token(keys.claims(kind="root"), good_header, key=keys.private_key),
            "kind",
        ),
    ]


def test_every_token_attack_is_unauthenticated(stub, keys):
    failures = []
    for name, token, expected in _attacks(keys):
        details = _unauthenticated(stub, (("authorization", f"Bearer {token}"),))
        if expected.lower() not in details.lower():
            failures.append(f"{name}: {details!r} lacks {expected!r}")
    assert not failures, failures


def test_the_untampered_forged_token_is_accepted(stub, keys):
    """Guards the attack table: its base token is valid, so each attack fails for its reason."""
    token = forge_token(keys.claims(sub="forger-ok"), keys.header(), key=keys.private_key)
    response = stub.Echo(
        echo_pb2.EchoRequest(message="x"), metadata=(("authorization", f"Bearer {token}"),)
    )
    assert response.subject_id == "forger-ok"
