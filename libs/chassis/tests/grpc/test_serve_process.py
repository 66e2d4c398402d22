"""serve() as an api process runs it: a real subprocess, stopped by SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from crm.testing.v1 import echo_pb2, echo_pb2_grpc
from crm_testkit import echo


def test_sigterm_stops_gracefully_and_runs_on_stop(keys, tmp_path):
    pem = tmp_path / "public.pem"
    pem.write_text(keys.public_pem)
    log_file = tmp_path / "echo.log"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crm_testkit.echo",
            "--mode",
            "chassis",
            "--workers",
            "2",
            "--public-key-pem-file",
            str(pem),
            "--log-file",
            str(log_file),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "CRM_ECHO_SERVICE_CLIENT_SECRET": "top-secret-value"},
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("PORT "), line
        address = f"127.0.0.1:{int(line.split()[1])}"
        with grpc.insecure_channel(address) as channel:
            status = (
                health_pb2_grpc.HealthStub(channel)
                .Check(health_pb2.HealthCheckRequest(service=echo.ECHO_SERVICE))
                .status
            )
            assert status == health_pb2.HealthCheckResponse.SERVING
            response = echo_pb2_grpc.EchoServiceStub(channel).Echo(
                echo_pb2.EchoRequest(message="hi"),
                metadata=(("authorization", f"Bearer {keys.token('u-proc')}"),),
            )
            assert response.subject_id == "u-proc"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdin.close()
        proc.stdout.close()
    text = log_file.read_text()
    assert "top-secret-value" not in text
    events = [json.loads(line) for line in text.splitlines()]
    names = [e["event"] for e in events]
    started = events[names.index("grpc_server_started")]
    assert started["settings"]["service_name"] == "echo" and started["services"] == [
        echo.ECHO_SERVICE
    ]
    assert started["settings"]["service_client_secret"] == "***"
    assert (
        names.index("signal_received")
        < names.index("grpc_server_stopping")
        < names.index("echo_on_stop_called")
        < names.index("grpc_server_stopped")
    )
    assert "grpc_call" in names and all(e["service"] == "echo" for e in events)
