"""A fake identity AuthService (GetSigningKeys, IssueServiceToken) on a real local channel."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from crm.identity.v1 import auth_pb2, auth_pb2_grpc
from crm_chassis.auth.keys import key_id, public_key_to_pem


def _ts(seconds: float) -> Timestamp:
    stamp = Timestamp()
    stamp.FromNanoseconds(int(seconds * 1e9))
    return stamp


class FakeAuthService(auth_pb2_grpc.AuthServiceServicer):
    """What the verifiers need of identity; ``down`` makes it answer UNAVAILABLE."""

    def __init__(self):
        self.keys: list[auth_pb2.SigningKey] = []
        self.versioned = False  # answer like identity does: a version, `unchanged` when current
        self.full_answers = 0
        self.down = False
        self.key_calls = 0
        self.token_calls = 0
        self.token_ttl = 600
        self.clients = {"svc-leads": "s3cret"}
        self._lock = threading.Lock()

    def add_key(
        self,
        private_key,
        *,
        verify_until: float | None = None,
        algorithm: str = "EdDSA",
        pem: str | None = None,
    ) -> str:
        kid = key_id(private_key)
        key = auth_pb2.SigningKey(
            kid=kid,
            algorithm=algorithm,
            public_key_pem=pem or public_key_to_pem(private_key),
            created_at=_ts(time.time()),
            active=True,
        )
        if verify_until is not None:
            key.verify_until.CopyFrom(_ts(verify_until))
        self.keys.append(key)
        return kid

    def GetSigningKeys(self, request, context):
        with self._lock:
            self.key_calls += 1
        if self.down:
            context.abort(grpc.StatusCode.UNAVAILABLE, "identity is down")
        if not self.versioned:
            return auth_pb2.GetSigningKeysResponse(keys=self.keys, issuer="crm-identity")
        version = ",".join(sorted(key.kid for key in self.keys))
        if request.known_version == version:
            return auth_pb2.GetSigningKeysResponse(
                issuer="crm-identity", version=version, unchanged=True
            )
        self.full_answers += 1
        return auth_pb2.GetSigningKeysResponse(
            keys=self.keys, issuer="crm-identity", version=version
        )

    def withdraw(self, kid: str) -> None:
        self.keys = [key for key in self.keys if key.kid != kid]

    def IssueServiceToken(self, request, context):
        with self._lock:
            self.token_calls += 1
        if self.down:
            context.abort(grpc.StatusCode.UNAVAILABLE, "identity is down")
        if self.clients.get(request.client_id) != request.client_secret:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "unknown client or wrong secret")
        return auth_pb2.TokenPair(
            access_token=f"token-{self.token_calls}",
            access_token_expires_at=_ts(time.time() + self.token_ttl),
            token_type="Bearer",
        )


@pytest.fixture
def identity():
    fake = FakeAuthService()
    server = grpc.server(ThreadPoolExecutor(max_workers=2))
    auth_pb2_grpc.add_AuthServiceServicer_to_server(fake, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    fake.address = f"127.0.0.1:{port}"
    yield fake
    server.stop(0).wait()


class FakeClock:
    def __init__(self):
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()
