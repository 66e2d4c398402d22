"""AuthService end to end: tokens, revocation, throttling, rotation, service accounts."""

import datetime as dt
import time
import uuid

import grpc
import jwt
import pytest

from crm.identity.v1 import auth_pb2, users_pb2
from crm_chassis.auth import TokenSigner, generate_private_key, private_key_from_pem
from crm_identity.service_layer import bootstrap

pytestmark = pytest.mark.integration
SC = grpc.StatusCode


def whoami(client, token):
    return client.call(client.auth.WhoAmI, auth_pb2.WhoAmIRequest(), token)


def active_key(deps):
    with deps.uow() as uow:
        return uow.signing_keys.active()


def test_deactivation_stops_tokens_refresh_and_login_at_once(
    client, admin_token, new_user, expect_error
):
    user, password = new_user()
    pair = client.login(user.email, password)
    assert whoami(client, pair.access_token).subject_id == user.id  # token now cached
    client.call(
        client.users.DeactivateUser,
        users_pb2.DeactivateUserRequest(id=user.id, reason="left"),
        admin_token,
    )
    err = expect_error(whoami, client, pair.access_token)
    assert err.code() == SC.UNAUTHENTICATED and "revoked" in err.details()
    err = expect_error(
        client.call, client.auth.Refresh, auth_pb2.RefreshRequest(refresh_token=pair.refresh_token)
    )
    assert err.code() == SC.UNAUTHENTICATED
    err = expect_error(client.login, user.email, password)
    assert err.code() == SC.UNAUTHENTICATED
    client.call(
        client.users.ReactivateUser, users_pb2.ReactivateUserRequest(id=user.id), admin_token
    )
    assert client.login(user.email, password).access_token


def test_refresh_rotation_and_reuse_detection(client, new_user, expect_error):
    user, password = new_user()
    first = client.login(user.email, password)
    second = client.call(
        client.auth.Refresh, auth_pb2.RefreshRequest(refresh_token=first.refresh_token)
    )
    assert second.refresh_token != first.refresh_token
    assert whoami(client, second.access_token).subject_id == user.id
    err = expect_error(
        client.call, client.auth.Refresh, auth_pb2.RefreshRequest(refresh_token=first.refresh_token)
    )
    assert err.code() == SC.UNAUTHENTICATED and "already used" in err.details()
    err = expect_error(
        client.call,
        client.auth.Refresh,
        auth_pb2.RefreshRequest(refresh_token=second.refresh_token),
    )
    assert err.code() == SC.UNAUTHENTICATED
    err = expect_error(client.call, client.auth.Refresh, auth_pb2.RefreshRequest())
    assert err.code() == SC.INVALID_ARGUMENT


def test_an_address_backs_off_after_five_failures(client, expect_error, trailing):
    email = f"nobody-{uuid.uuid4().hex[:8]}@example.com"  # unknown e-mails are counted too
    for _ in range(5):
        err = expect_error(client.login, email, "wrong password guess")
        assert err.code() == SC.UNAUTHENTICATED
    err = expect_error(client.login, email, "wrong password guess")
    assert err.code() == SC.RESOURCE_EXHAUSTED
    assert 1 <= int(trailing(err)["retry-after"]) <= 5  # the first wait: 5 s


def test_wrong_client_secrets_are_throttled(client, admin_token, expect_error, trailing):
    created = client.call(
        client.users.CreateServiceAccount,
        users_pb2.CreateServiceAccountRequest(name="guessed"),
        admin_token,
    )
    request = auth_pb2.IssueServiceTokenRequest(
        client_id=created.client_id, client_secret="wrong secret guess"
    )
    for _ in range(5):
        assert (
            expect_error(client.call, client.auth.IssueServiceToken, request).code()
            == SC.UNAUTHENTICATED
        )
    err = expect_error(
        client.call,
        client.auth.IssueServiceToken,
        auth_pb2.IssueServiceTokenRequest(
            client_id=created.client_id, client_secret=created.client_secret
        ),
    )
    assert err.code() == SC.RESOURCE_EXHAUSTED and "retry-after" in trailing(err)


def test_password_reset_ends_sessions(client, admin_token, new_user, expect_error):
    user, password = new_user()
    pair = client.login(user.email, password)
    time.sleep(1.05)  # iat has whole seconds; a token from the reset's second would survive
    client.call(
        client.users.ResetPassword,
        users_pb2.ResetPasswordRequest(id=user.id, new_password="an entirely new passphrase"),
        admin_token,
    )
    assert expect_error(whoami, client, pair.access_token).code() == SC.UNAUTHENTICATED
    assert expect_error(client.login, user.email, password).code() == SC.UNAUTHENTICATED
    fresh = client.login(user.email, "an entirely new passphrase")
    client.call(
        client.users.ChangeOwnPassword,
        users_pb2.ChangeOwnPasswordRequest(
            current_password="an entirely new passphrase", new_password="my own choice of words"
        ),
        fresh.access_token,
    )
    assert client.login(user.email, "my own choice of words").access_token


def test_token_attacks_are_refused(client, settings, deps, new_user, expect_error):
    user, _ = new_user()
    key = active_key(deps)
    private = private_key_from_pem(key.private_key_pem)

    def signed(clock=time.time, audience=settings.jwt_audience, private_key=private):
        signer = TokenSigner(
            private_key, key.kid, settings.jwt_issuer, audience, ttl_seconds=60, clock=clock
        )
        return signer.sign(user.id, "user", [], [], "x")[0]

    assert whoami(client, signed()).subject_id == user.id  # the control case
    expired = signed(clock=lambda: time.time() - 3600)
    wrong_key = signed(private_key=generate_private_key())
    wrong_audience = signed(audience="another-platform")
    none_alg = jwt.encode(
        {
            "sub": user.id,
            "kind": "user",
            "iss": settings.jwt_issuer,
            "aud": settings.jwt_audience,
            "exp": int(time.time()) + 60,
            "iat": int(time.time()),
            "jti": "x",
        },
        None,
        algorithm="none",
        headers={"kid": key.kid, "typ": "at+jwt"},
    )
    admin_claim = jwt.encode(
        {"sub": user.id, "kind": "user", "roles": ["admin"]},
        "s" * 32,
        algorithm="HS256",
        headers={"kid": key.kid, "typ": "at+jwt"},
    )
    for token, words in (
        (expired, "expired"),
        (wrong_key, "signature"),
        (wrong_audience, "audience"),
        (none_alg, "not accepted"),
        (admin_claim, "not accepted"),
        ("garbage", "malformed"),
    ):
        err = expect_error(whoami, client, token)
        assert err.code() == SC.UNAUTHENTICATED and words in err.details(), (words, err.details())


def test_service_account_flow(client, admin_token, expect_error):
    created = client.call(
        client.users.CreateServiceAccount,
        users_pb2.CreateServiceAccountRequest(name="territory"),
        admin_token,
    )
    assert created.client_id.startswith("svc-territory-") and created.client_secret
    pair = client.call(
        client.auth.IssueServiceToken,
        auth_pb2.IssueServiceTokenRequest(
            client_id=created.client_id, client_secret=created.client_secret
        ),
    )
    assert pair.refresh_token == ""
    me = whoami(client, pair.access_token)
    assert (me.subject_kind, me.subject_id) == ("service", created.client_id)
    err = expect_error(
        client.call,
        client.auth.IssueServiceToken,
        auth_pb2.IssueServiceTokenRequest(client_id=created.client_id, client_secret="wrong"),
    )
    assert err.code() == SC.UNAUTHENTICATED
    err = expect_error(
        client.call,
        client.users.CreateServiceAccount,
        users_pb2.CreateServiceAccountRequest(name="Not Valid"),
        admin_token,
    )
    assert err.code() == SC.INVALID_ARGUMENT


def test_signing_keys_are_published_and_verify_tokens(client, channel, deps, admin_token):
    from crm_chassis.auth import IdentityKeySource, TokenVerifier

    keys = client.call(client.auth.GetSigningKeys, auth_pb2.GetSigningKeysRequest())
    active = [k for k in keys.keys if k.active]
    assert len(active) == 1 and active[0].algorithm == "EdDSA"
    assert active[0].kid == active_key(deps).kid
    assert "PRIVATE" not in active[0].public_key_pem
    assert active[0].verify_until.ToDatetime(tzinfo=dt.UTC) > dt.datetime.now(dt.UTC)
    # the chassis key source + verifier accept identity's tokens (what other services do)
    source = IdentityKeySource(channel, start=False)
    principal = TokenVerifier(source, keys.issuer, "crm").verify(admin_token)
    assert "admin" in principal.roles


def test_bootstrap_admin_is_idempotent(deps, settings):
    assert (
        bootstrap.bootstrap_admin(
            deps, email=settings.bootstrap_admin_email, password=settings.bootstrap_admin_password
        )
        is None
    )
    with deps.uow() as uow:
        assert uow.users.any_admin()


def test_a_revocation_made_by_another_replica_is_seen_within_the_check_cache_time(
    client, deps, settings, new_user, expect_error
):
    from crm_chassis.caller import Caller
    from crm_identity.service_layer import users as user_use_cases

    user, password = new_user()
    pair = client.login(user.email, password)
    assert whoami(client, pair.access_token).subject_id == user.id  # accepted: now remembered
    # Another replica deactivates the user: same database, but this server's cache is not told.
    other_replica_admin = Caller(
        subject_id="other-replica-admin",
        kind="user",
        roles=frozenset({"admin"}),
        display_name="Other Replica",
    )
    user_use_cases.deactivate_user(deps, other_replica_admin, user.id, "left")
    time.sleep(settings.token_check_cache_seconds + 0.05)
    err = expect_error(whoami, client, pair.access_token)
    assert err.code() == SC.UNAUTHENTICATED and "revoked" in err.details()
    assert settings.token_check_cache_seconds <= 1.0  # the platform's revocation promise
