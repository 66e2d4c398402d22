"""Integration fixtures: one throw-away PostgreSQL database migrated to head, and identity's api
served by the real chassis gRPC server (interceptors, auth, error mapping) on a free port."""

from __future__ import annotations

import base64
import uuid

import grpc
import pytest
from sqlalchemy import create_engine

from crm.identity.v1 import auth_pb2, auth_pb2_grpc, users_pb2, users_pb2_grpc
from crm_identity import migrate
from crm_identity.adapters.argon2_hasher import Argon2Hasher
from crm_identity.entrypoints import api
from crm_identity.entrypoints.settings import IdentitySettings
from crm_identity.entrypoints.wiring import build_dependencies
from crm_testkit import database_fixtures

ADMIN_EMAIL = "root.admin@example.com"
ADMIN_PASSWORD = "integration admin passphrase"
PASSWORD = "violet tractor hums at dawn"
KEY_ENCRYPTION_KEY = base64.b64encode(bytes(range(32))).decode()  # test-only


database_url, engine = database_fixtures("identity", migrate.upgrade, pool_size=2)


@pytest.fixture(scope="session")
def settings(database_url):
    return IdentitySettings.load(
        "identity",
        env={},
        database_url=database_url,
        grpc_port=0,
        metrics_port=0,
        shutdown_grace_seconds=0.5,
        bootstrap_admin_email=ADMIN_EMAIL,
        bootstrap_admin_password=ADMIN_PASSWORD,
        bootstrap_admin_name="Root Admin",
        key_encryption_key=KEY_ENCRYPTION_KEY,
    )


@pytest.fixture(scope="session")
def deps(settings, engine):
    # The real argon2id floor parameters (~50 ms a hash): tests keep the number of hashes small.
    return build_dependencies(settings, engine=engine, hasher=Argon2Hasher())


@pytest.fixture(scope="session")
def server(settings, deps):
    running = api.start(settings, deps, access_log=False)
    yield running
    running.stop(0)


@pytest.fixture(scope="session")
def channel(server):
    channel = grpc.insecure_channel(server.address)
    yield channel
    channel.close()


class Client:
    """Stubs plus a helper that sends a bearer token."""

    def __init__(self, channel):
        self.auth = auth_pb2_grpc.AuthServiceStub(channel)
        self.users = users_pb2_grpc.UserServiceStub(channel)

    @staticmethod
    def call(method, request, token: str | None = None):
        metadata = (("authorization", f"Bearer {token}"),) if token else ()
        return method(request, metadata=metadata, timeout=10)

    def login(self, email, password):
        return self.call(self.auth.Login, auth_pb2.LoginRequest(email=email, password=password))


@pytest.fixture(scope="session")
def client(channel):
    return Client(channel)


@pytest.fixture(scope="session")
def admin_token(client):
    return client.login(ADMIN_EMAIL, ADMIN_PASSWORD).access_token


@pytest.fixture
def new_user(client, admin_token):
    """Creates a user with a unique e-mail; returns (user, password)."""

    def make(departments=(), roles=(), password=PASSWORD):
        email = f"user-{uuid.uuid4().hex[:10]}@example.com"
        user = client.call(
            client.users.CreateUser,
            users_pb2.CreateUserRequest(
                email=email,
                display_name="Integration User",
                password=password,
                departments=list(departments),
                roles=list(roles),
            ),
            admin_token,
        )
        return user, password

    return make


def rpc_error(call, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as err:
        call(*args, **kwargs)
    return err.value


def trailers(error: grpc.RpcError) -> dict:
    return dict(error.trailing_metadata() or ())


@pytest.fixture(scope="session")
def expect_error():
    return rpc_error


@pytest.fixture(scope="session")
def trailing():
    return trailers


@pytest.fixture(scope="session")
def raw_engine(database_url):
    engine = create_engine(database_url)
    yield engine
    engine.dispose()
