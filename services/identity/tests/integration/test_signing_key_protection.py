"""Signing keys end to end: encrypted at rest (also by the migration), withdrawn at once by an
administrator — identity and every service's verifier refuse the key's tokens."""

import grpc
import pytest
from sqlalchemy import create_engine, select, text

from crm.identity.v1 import auth_pb2
from crm_chassis.auth import (
    IdentityKeySource,
    TokenVerifier,
    generate_private_key,
    key_id,
    private_key_to_pem,
    public_key_to_pem,
)
from crm_identity import migrate
from crm_identity.adapters import orm
from crm_identity.adapters.key_wrapping import key_wrapper
from crm_identity.entrypoints.worker import WORKER
from crm_identity.service_layer import signing_keys
from crm_testkit import temporary_postgres_database

from .conftest import ADMIN_EMAIL, ADMIN_PASSWORD, KEY_ENCRYPTION_KEY

pytestmark = pytest.mark.integration
SC = grpc.StatusCode


def test_private_keys_in_the_database_are_not_plaintext_pem(server, raw_engine):
    with raw_engine.connect() as conn:
        stored = conn.execute(text("select private_key_pem from signing_keys")).scalars().all()
    assert stored and not any("PRIVATE KEY" in value for value in stored)
    assert all(value.startswith("aesgcm1:") for value in stored)


def test_the_migration_encrypts_existing_keys_when_a_key_encryption_key_is_set(monkeypatch):
    private = generate_private_key()
    kid, pem = key_id(private), private_key_to_pem(private)
    with temporary_postgres_database("identity_kek") as url:
        migrate.upgrade(url, "0002_failed_attempts")
        engine = create_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "insert into signing_keys (kid, algorithm, private_key_pem, public_key_pem, "
                        "created_at, is_active) values (:kid, 'EdDSA', :pem, :pub, now(), true)"
                    ),
                    {"kid": kid, "pem": pem, "pub": public_key_to_pem(private)},
                )
            monkeypatch.setenv("CRM_IDENTITY_KEY_ENCRYPTION_KEY", KEY_ENCRYPTION_KEY)
            migrate.upgrade(url)
            with engine.connect() as conn:
                stored = conn.execute(select(orm.signing_keys.c.private_key_pem)).scalar_one()
            assert "PRIVATE KEY" not in stored
            assert key_wrapper(KEY_ENCRYPTION_KEY).unwrap(kid, stored) == pem
            migrate.downgrade(url, "0002_failed_attempts")  # back to plaintext PEM
            with engine.connect() as conn:
                assert (
                    conn.execute(text("select private_key_pem from signing_keys")).scalar_one()
                    == pem
                )
        finally:
            engine.dispose()


def test_a_withdrawn_key_is_refused_by_identity_at_once_and_by_verifiers_at_their_next_poll(
    client, server, deps, admin_token, expect_error
):
    signing_keys.rotate_now(deps, WORKER)  # a key of this test's own (admin_token keeps its key)
    token = client.login(ADMIN_EMAIL, ADMIN_PASSWORD).access_token
    doomed = signing_keys.ensure_active_key(deps).kid
    signing_keys.rotate_now(deps, WORKER)  # `doomed` retired, still published
    whoami = auth_pb2.WhoAmIRequest()
    assert client.call(client.auth.WhoAmI, whoami, token).email == ADMIN_EMAIL
    source = IdentityKeySource(server.address, start=False)
    try:
        verifier = TokenVerifier(source, "crm-identity", "crm")
        assert verifier.verify(token).kind == "user"
        response = client.call(
            client.auth.WithdrawSigningKey, auth_pb2.WithdrawSigningKeyRequest(kid=doomed), token
        )
        assert response.withdrawn.key.kid == doomed and response.withdrawn.HasField("withdrawn_at")
        assert response.active_kid == signing_keys.ensure_active_key(deps).kid != doomed
        # identity itself: at once.
        err = expect_error(client.call, client.auth.WhoAmI, whoami, token)
        assert err.code() == SC.UNAUTHENTICATED
        # every other service: at the key source's next poll (every 0.5 s in its thread).
        assert source.refresh()
        with pytest.raises(Exception, match="unknown key"):
            verifier.verify(token)
    finally:
        source.close()
    assert client.call(client.auth.WhoAmI, whoami, admin_token).email == ADMIN_EMAIL
    listed = client.call(
        client.auth.ListSigningKeys, auth_pb2.ListSigningKeysRequest(), admin_token
    )
    states = {k.key.kid: (k.published, k.HasField("withdrawn_at")) for k in listed.keys}
    assert states[doomed] == (False, True)
    published = client.call(client.auth.GetSigningKeys, auth_pb2.GetSigningKeysRequest())
    assert doomed not in {k.kid for k in published.keys} and published.version
    unchanged = client.call(
        client.auth.GetSigningKeys, auth_pb2.GetSigningKeysRequest(known_version=published.version)
    )
    assert unchanged.unchanged and not unchanged.keys


def test_withdrawing_needs_the_admin_role(client, new_user, expect_error):
    user, password = new_user()
    token = client.login(user.email, password).access_token
    err = expect_error(
        client.call,
        client.auth.WithdrawSigningKey,
        auth_pb2.WithdrawSigningKeyRequest(kid="anything"),
        token,
    )
    assert err.code() == SC.PERMISSION_DENIED
