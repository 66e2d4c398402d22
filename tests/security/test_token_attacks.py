"""Forged and misused access tokens against every api of the platform: each is refused with
UNAUTHENTICATED and no data. Claim-level attacks (expired, wrong audience, over-long lifetime...)
are signed with identity's real signing key, read from identity's database and unwrapped with
its key-encryption key as an attacker holding both would, so that only the claim under test is wrong; a control token with
the same key and correct claims is accepted, proving the attacks fail for the right reason."""

from __future__ import annotations

import base64
import json
import time
import uuid

import grpc
import pytest
import sqlalchemy
from security_checks import call_as, request_for
from security_matrix import MATRIX
from security_platform import SERVICES, Caller
from security_rpcs import all_rpcs, invoke

from crm_chassis.auth import MAX_TTL_SECONDS, TOKEN_TYPE, generate_private_key, key_id
from crm_chassis.auth.keys import private_key_from_pem
from crm_chassis.errors import Unauthenticated
from crm_testkit.auth import TestKeys, forge_token

pytestmark = pytest.mark.integration
ISSUER, AUDIENCE = "crm-identity", "crm"


def probe_rpc(service: str):
    """The first RPC of ``service`` that refuses an anonymous caller."""
    return next(
        rpc
        for rpc in all_rpcs()
        if rpc.service == service and MATRIX[rpc.name].cells["anonymous"] == "unauth"
    )


@pytest.fixture(scope="module")
def identity_key(org):
    """identity's active signing key, from its database and its key-encryption key (both an
    attacker would need: a database dump alone does not sign)."""
    from crm_identity.adapters.key_wrapping import key_wrapper

    engine = sqlalchemy.create_engine(org.bed.database_urls["identity"])
    try:
        with engine.connect() as connection:
            kid, stored, public_pem = connection.execute(
                sqlalchemy.text(
                    "SELECT kid, private_key_pem, public_key_pem FROM signing_keys WHERE is_active"
                )
            ).one()
    finally:
        engine.dispose()
    env = org.bed.env
    wrapper = key_wrapper(
        env.get("CRM_IDENTITY_KEY_ENCRYPTION_KEY", ""),
        env.get("CRM_IDENTITY_KEY_ENCRYPTION_KEY_PREVIOUS", ""),
    )
    return kid, private_key_from_pem(wrapper.unwrap(kid, stored)), public_pem


def claims(org, **overrides) -> dict:
    member = org.callers["member"]
    now = int(time.time())
    values = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": member.user_id,
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
        "kind": "user",
        "roles": ["admin"],
        "departments": ["sales"],
        "name": "Forged",
    }
    values.update(overrides)
    return values


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def tampered(org) -> str:
    """The member's real token with its payload rewritten (admin role added), signature kept."""
    header, payload, signature = org.callers["member"].token.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["roles"] = ["admin"]
    return ".".join((header, _b64(json.dumps(body).encode()), signature))


def attacks(org, identity_key) -> dict[str, str]:
    kid, key, public_pem = identity_key
    now = int(time.time())
    header = {"typ": TOKEN_TYPE, "kid": kid}
    stranger = generate_private_key()
    return {
        "alg none": forge_token(claims(org), header, algorithm="none"),
        "HS256 keyed with the public key": forge_token(
            claims(org), header, key=public_pem.encode(), algorithm="HS256"
        ),
        "unknown kid": forge_token(
            claims(org), {"typ": TOKEN_TYPE, "kid": key_id(stranger)}, key=stranger
        ),
        "a stranger's key under identity's kid": forge_token(claims(org), header, key=stranger),
        "tampered payload": tampered(org),
        "expired": forge_token(
            claims(org, iat=now - 1200, nbf=now - 1200, exp=now - 600), header, key=key
        ),
        "not yet valid": forge_token(
            claims(org, iat=now + 600, nbf=now + 600, exp=now + 900), header, key=key
        ),
        "wrong audience": forge_token(claims(org, aud="another-platform"), header, key=key),
        "wrong issuer": forge_token(claims(org, iss="someone-else"), header, key=key),
        "wrong type (an ID token)": forge_token(claims(org), {"typ": "JWT", "kid": kid}, key=key),
        "over-long lifetime": forge_token(
            claims(org, iat=now, nbf=now, exp=now + MAX_TTL_SECONDS + 3600), header, key=key
        ),
        "garbage": "not.a.token",
    }


ATTACKS = (
    "alg none",
    "HS256 keyed with the public key",
    "unknown kid",
    "a stranger's key under identity's kid",
    "tampered payload",
    "expired",
    "not yet valid",
    "wrong audience",
    "wrong issuer",
    "wrong type (an ID token)",
    "over-long lifetime",
    "garbage",
)


@pytest.mark.parametrize("service", SERVICES)
def test_a_correctly_signed_token_is_accepted(org, identity_key, service):
    """The control: the key and claims the attacks start from are good ones."""
    kid, key, _ = identity_key
    token = forge_token(claims(org, roles=[]), {"typ": TOKEN_TYPE, "kid": kid}, key=key)
    org.callers["control"] = Caller("control", token)
    rpc = probe_rpc(service)
    outcome = call_as(org, rpc, "control", request_for(org, rpc, MATRIX[rpc.name]))
    assert outcome.code != grpc.StatusCode.UNAUTHENTICATED, (
        f"{rpc.name}: a token signed with identity's key was refused: {outcome.details}"
    )


@pytest.mark.parametrize("attack", ATTACKS)
@pytest.mark.parametrize("service", SERVICES)
def test_forged_tokens_are_refused(org, identity_key, service, attack):
    token = attacks(org, identity_key)[attack]
    rpc = probe_rpc(service)
    outcome = invoke(
        org.channel(service),
        rpc,
        request_for(org, rpc, MATRIX[rpc.name]),
        (("authorization", f"Bearer {token}"),),
    )
    assert outcome.code == grpc.StatusCode.UNAUTHENTICATED, (
        f"{rpc.name} with a token forged by '{attack}': expected UNAUTHENTICATED, got "
        f"{outcome.code.name}: {outcome.details}"
    )
    leaked = [m for m in org.markers if m in outcome.text]
    assert not leaked, f"{rpc.name} with '{attack}': team A's data in the answer: {leaked}"


def test_the_verifier_refuses_a_lifetime_beyond_the_maximum():
    """The chassis verifier every api uses, with a test key source: a token whose exp − iat
    exceeds MAX_TTL_SECONDS is refused even when correctly signed and not yet expired."""
    keys = TestKeys()
    now = int(time.time())
    token = forge_token(
        keys.claims(iat=now, nbf=now, exp=now + MAX_TTL_SECONDS + 60),
        keys.header(),
        key=keys.private_key,
    )
    with pytest.raises(Unauthenticated):
        keys.verifier().verify(token)
    within = forge_token(
        keys.claims(iat=now, nbf=now, exp=now + MAX_TTL_SECONDS),
        keys.header(),
        key=keys.private_key,
    )
    assert keys.verifier().verify(within).subject_id == "user-1"


def test_a_reused_refresh_token_is_refused_and_ends_the_session(org):
    from security_platform import PASSWORD, login

    from crm.identity.v1 import auth_pb2, auth_pb2_grpc

    auth = auth_pb2_grpc.AuthServiceStub(org.channel("identity"))
    first = login(org, org.callers["other_team"].email, PASSWORD)
    second = auth.Refresh(auth_pb2.RefreshRequest(refresh_token=first.refresh_token), timeout=30)
    for stale, what in (
        (first.refresh_token, "the already used refresh token"),
        (second.refresh_token, "the refresh token of the stolen family"),
    ):
        with pytest.raises(grpc.RpcError) as refused:
            auth.Refresh(auth_pb2.RefreshRequest(refresh_token=stale), timeout=30)
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED, (
            f"identity.AuthService/Refresh with {what}: expected UNAUTHENTICATED, got "
            f"{refused.value.code().name}: {refused.value.details()}"
        )
