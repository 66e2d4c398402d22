"""identity's gRPC stubs on the session's channel (identity's address is built into
crmctl.config: every session starts there)."""

from __future__ import annotations

from crm.identity.v1 import auth_pb2_grpc, users_pb2_grpc
from crmctl.session import Session


class Stubs:
    def __init__(self, session: Session):
        channel = session.channel("identity")
        self.auth = auth_pb2_grpc.AuthServiceStub(channel)
        self.users = users_pb2_grpc.UserServiceStub(channel)
