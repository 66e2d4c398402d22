"""The identity directory client against a stand-in identity gRPC server on 127.0.0.1: it
fetches a service token, sends it with GetUser, and maps the answers onto the port."""

import time
from concurrent import futures

import grpc
import pytest

from crm.identity.v1 import auth_pb2, auth_pb2_grpc, users_pb2, users_pb2_grpc
from crm_chassis.errors import Unavailable
from crm_territory.adapters.identity_directory import GrpcUserDirectory

pytestmark = pytest.mark.integration
TOKEN = "service-token-for-territory"


class Auth(auth_pb2_grpc.AuthServiceServicer):
    def IssueServiceToken(self, request, context):
        if (request.client_id, request.client_secret) != ("territory", "s3cret"):
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "bad credentials")
        pair = auth_pb2.TokenPair(access_token=TOKEN)
        pair.access_token_expires_at.FromSeconds(int(time.time()) + 600)
        return pair


class Users(users_pb2_grpc.UserServiceServicer):
    def __init__(self):
        self.tokens = []

    def GetUser(self, request, context):
        self.tokens.append(dict(context.invocation_metadata()).get("authorization"))
        if request.id != "u-1":
            context.abort(grpc.StatusCode.NOT_FOUND, f"user {request.id} not found")
        return users_pb2.User(
            id="u-1",
            display_name="Ada",
            status=users_pb2.User.STATUS_ACTIVE,
            departments=["sales"],
            roles=["admin"],
            version=4,
        )


@pytest.fixture
def identity():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    users = Users()
    auth_pb2_grpc.add_AuthServiceServicer_to_server(Auth(), server)
    users_pb2_grpc.add_UserServiceServicer_to_server(users, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}", users
    server.stop(0)


def test_lookup_sends_the_service_token_and_maps_the_user(identity):
    address, users = identity
    directory = GrpcUserDirectory(address, "territory", "s3cret", timeout_seconds=5)
    try:
        user = directory.lookup("u-1")
        assert (user.user_id, user.display_name, user.active, user.version) == (
            "u-1",
            "Ada",
            True,
            4,
        )
        assert user.departments == frozenset({"sales"}) and user.roles == frozenset({"admin"})
        assert directory.lookup("nobody") is None
        assert users.tokens == [f"Bearer {TOKEN}"] * 2
    finally:
        directory.close()


def test_missing_credentials_and_refused_credentials_are_clear_errors(identity):
    address, _ = identity
    with pytest.raises(Unavailable, match="CRM_TERRITORY_SERVICE_CLIENT_ID"):
        GrpcUserDirectory(address, "", "").lookup("u-1")
    directory = GrpcUserDirectory(address, "territory", "wrong", timeout_seconds=5)
    try:
        with pytest.raises(Unavailable, match="refused the service credentials"):
            directory.lookup("u-1")
    finally:
        directory.close()


def test_identity_down_is_unavailable_naming_the_user():
    directory = GrpcUserDirectory("127.0.0.1:1", "territory", "s3cret", timeout_seconds=1)
    try:
        with pytest.raises(Unavailable, match="user u-1"):
            directory.lookup("u-1")
    finally:
        directory.close()
