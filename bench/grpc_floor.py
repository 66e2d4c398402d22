"""The raw grpcio floor and what the chassis chain costs on top of it.

Two echo servers (crm_testkit.echo, test-only proto), each in its own subprocess so client
and server do not share a GIL:

- raw:     grpcio, no interceptors — the floor every gRPC call here pays;
- chassis: crm_chassis.grpc.start_server with the whole chain (context, auth with a real EdDSA
           token + principal_check, metrics, JSON access log, error mapping).

``run(n)`` measures ``n`` sequential unary calls against each and returns p50/p99 (µs) and the
ratio chassis/raw. Other benchmarks reuse :func:`start_echo_server` / :func:`measure_unary` /
:func:`raw_floor` as "the raw grpcio floor".

    .venv/bin/python bench/grpc_floor.py [n]
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

import grpc

from crm.testing.v1 import echo_pb2, echo_pb2_grpc
from crm_testkit.auth import TestKeys

WARMUP_CALLS = 300
TARGET_RATIO = 3.0  # platform target: an authenticated read p50 <= 3x the raw floor


@contextlib.contextmanager
def start_echo_server(
    mode: str, *, public_key_pem: str = "", workers: int = 16, log_file: str = os.devnull
) -> Iterator[str]:
    """Run the echo server (``raw`` or ``chassis``) in a subprocess; yields its address."""
    with tempfile.TemporaryDirectory(prefix="grpc-floor-") as tmp:
        args = [
            sys.executable,
            "-m",
            "crm_testkit.echo",
            "--mode",
            mode,
            "--workers",
            str(workers),
            "--log-file",
            log_file,
        ]
        if mode == "chassis":
            pem_file = os.path.join(tmp, "public.pem")
            with open(pem_file, "w") as fh:
                fh.write(public_key_pem)
            args += ["--public-key-pem-file", pem_file]
        proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            line = proc.stdout.readline()
            if not line.startswith("PORT "):
                raise RuntimeError(f"echo server ({mode}) did not start: {line!r}")
            yield f"127.0.0.1:{int(line.split()[1])}"
        finally:
            proc.stdin.close()  # the server exits when its stdin closes
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            proc.stdout.close()


def measure_unary(
    address: str, n: int = 3000, metadata: tuple = (), warmup: int = WARMUP_CALLS
) -> dict:
    """``n`` sequential Echo calls on one channel: latency percentiles in µs."""
    with grpc.insecure_channel(address) as channel:
        stub = echo_pb2_grpc.EchoServiceStub(channel)
        request = echo_pb2.EchoRequest(message="ping")
        for _ in range(warmup):
            stub.Echo(request, metadata=metadata)
        samples = []
        clock = time.perf_counter_ns
        for _ in range(n):
            start = clock()
            stub.Echo(request, metadata=metadata)
            samples.append(clock() - start)
    samples.sort()
    return {
        "n": n,
        "p50_us": round(samples[n // 2] / 1000, 1),
        "p99_us": round(samples[min(n - 1, int(n * 0.99))] / 1000, 1),
        "mean_us": round(statistics.fmean(samples) / 1000, 1),
    }


def raw_floor(n: int = 3000) -> dict:
    """Latency of a raw grpcio unary echo here (server in a subprocess)."""
    with start_echo_server("raw") as address:
        return measure_unary(address, n)


def run(n: int = 3000) -> dict:
    keys = TestKeys()
    token = keys.token("bench-user", "user", roles=["sales_rep"], departments=["sales"])
    raw = raw_floor(n)
    with start_echo_server("chassis", public_key_pem=keys.public_pem) as address:
        chassis = measure_unary(address, n, metadata=(("authorization", f"Bearer {token}"),))
    ratio_p50 = round(chassis["p50_us"] / raw["p50_us"], 2)
    return {
        "title": "gRPC floor: raw grpcio echo vs the chassis chain (authenticated echo)",
        "raw": raw,
        "chassis_authenticated": chassis,
        "ratio_p50": ratio_p50,
        "ratio_p99": round(chassis["p99_us"] / raw["p99_us"], 2),
        "checks": [
            (f"authenticated echo p50 <= {TARGET_RATIO}x raw grpcio p50", ratio_p50 <= TARGET_RATIO)
        ],
        "notes": "Sequential unary calls on one channel, server in a subprocess; the chassis "
        "server runs serve() with a real EdDSA token (verified once, then cached), "
        "principal_check, metrics and one JSON access-log line per call.",
    }


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    result = run(n)
    print(f"{'server':<24}{'p50 µs':>10}{'p99 µs':>10}{'mean µs':>10}")
    for name in ("raw", "chassis_authenticated"):
        row = result[name]
        print(f"{name:<24}{row['p50_us']:>10}{row['p99_us']:>10}{row['mean_us']:>10}")
    print(
        f"ratio chassis/raw: p50 {result['ratio_p50']}x, p99 {result['ratio_p99']}x "
        f"(target p50 <= {TARGET_RATIO}x)"
    )


if __name__ == "__main__":
    main()
