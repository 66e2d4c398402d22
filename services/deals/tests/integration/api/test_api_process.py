"""`python -m crm_deals.entrypoints.api` as `crm-dev run` and Kubernetes start it: settings from
the environment, tokens verified with the keys identity publishes (a stand-in AuthService serving
GetSigningKeys here), health SERVING, a real call answered, SIGTERM a clean stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent import futures

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from crm.deals.v1 import accounts_pb2, accounts_pb2_grpc, deals_pb2, deals_pb2_grpc
from crm.identity.v1 import auth_pb2, auth_pb2_grpc
from crm_testkit import free_port
from crm_testkit.auth import TestKeys

pytestmark = pytest.mark.integration


class PublishedKeys(auth_pb2_grpc.AuthServiceServicer):
    """identity's key endpoint, serving one test key."""

    def __init__(self, keys: TestKeys):
        self.keys = keys
        self.calls = 0

    def GetSigningKeys(self, request, context):
        self.calls += 1
        return auth_pb2.GetSigningKeysResponse(
            issuer=self.keys.issuer,
            keys=[
                auth_pb2.SigningKey(
                    kid=self.keys.kid,
                    algorithm="EdDSA",
                    public_key_pem=self.keys.public_pem,
                    active=True,
                )
            ],
        )


@pytest.fixture
def published_keys():
    keys = TestKeys()
    servicer = PublishedKeys(keys)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    auth_pb2_grpc.add_AuthServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    servicer.address = f"127.0.0.1:{port}"
    yield servicer
    server.stop(None)


def _wait_serving(address: str, process: subprocess.Popen) -> None:
    with grpc.insecure_channel(address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        deadline = time.monotonic() + 30
        while True:
            try:
                status = health.Check(
                    health_pb2.HealthCheckRequest(service="crm.deals.v1.DealService"), timeout=1
                ).status
                if status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    "deals api did not start: "
                    + process.stderr.read().decode(errors="replace")[-3000:]
                )
            time.sleep(0.1)


def test_the_api_process_serves_with_identitys_published_keys(database_url, published_keys, pg_api):
    # pg_api (same database) made the replica's scopes; alice is an expert of team-a.
    port = free_port()
    env = dict(
        os.environ,
        CRM_DEALS_DATABASE_URL=database_url,
        CRM_DEALS_GRPC_PORT=str(port),
        CRM_DEALS_METRICS_PORT="0",
        CRM_DEALS_IDENTITY_ADDRESS=published_keys.address,
        CRM_LOG_LEVEL="WARNING",
        CRM_ENV="test",
    )  # test: no webhook key needed
    process = subprocess.Popen(
        [sys.executable, "-m", "crm_deals.entrypoints.api"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    address = f"127.0.0.1:{port}"
    try:
        _wait_serving(address, process)
        token = published_keys.keys.token("alice", departments=["sales"])
        bearer = (("authorization", f"Bearer {token}"),)
        with grpc.insecure_channel(address) as channel:
            account = accounts_pb2_grpc.AccountServiceStub(channel).CreateAccount(
                accounts_pb2.CreateAccountRequest(team_id="team-a", name="Process GmbH"),
                metadata=bearer,
                timeout=10,
            )
            stub = deals_pb2_grpc.DealServiceStub(channel)
            reasons = stub.ListLostReasons(
                deals_pb2.ListLostReasonsRequest(), metadata=bearer, timeout=10
            )
            assert account.team_id == "team-a" and len(reasons.reasons) == 7
            forged = TestKeys().token("alice")  # signed by a key identity never published
            with pytest.raises(grpc.RpcError) as refused:
                stub.ListLostReasons(
                    deals_pb2.ListLostReasonsRequest(),
                    metadata=(("authorization", f"Bearer {forged}"),),
                    timeout=10,
                )
            assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert published_keys.calls >= 1
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()
