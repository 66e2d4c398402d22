"""``python -m crm_chassis.grpc.healthcheck HOST:PORT``: exit 0 when the gRPC health service
answers SERVING within 2 s, 1 otherwise (the images' HEALTHCHECK)."""

from __future__ import annotations

import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def serving(address: str, timeout: float = 2.0) -> bool:
    with grpc.insecure_channel(address) as channel:
        try:
            stub = health_pb2_grpc.HealthStub(channel)
            answer = stub.Check(  # type: ignore[attr-defined]  # the stub's methods are set at init
                health_pb2.HealthCheckRequest(), timeout=timeout
            )
        except grpc.RpcError:
            return False
    return bool(answer.status == health_pb2.HealthCheckResponse.SERVING)


if __name__ == "__main__":  # pragma: no cover - exercised by the images
    sys.exit(0 if len(sys.argv) == 2 and serving(sys.argv[1]) else 1)
