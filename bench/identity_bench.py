"""Identity through gRPC against the raw grpcio floor, both servers in their own processes.

CreateUser and Login are dominated by argon2id (m=19456 KiB, t=2, p=1 — OWASP's floor, by design
~20-40 ms); the authenticated read (GetUser, and WhoAmI) is what every later call pays: token
verification + the per-call revocation check + one read. Target: authenticated read p50 ≤ 3×
the raw grpcio echo p50 measured in the same run.

    .venv/bin/python -m bench.identity_bench
"""

from __future__ import annotations

import contextlib
import time
import uuid

import grpc

from bench.grpc_floor import raw_floor
from bench.servers import api_process
from crm.identity.v1 import auth_pb2, auth_pb2_grpc, users_pb2, users_pb2_grpc
from crm_testkit import temporary_postgres_database

ADMIN = ("bench.admin@example.com", "bench admin passphrase long")
PASSWORD = "violet tractor hums at dawn"


@contextlib.contextmanager
def identity_server(database_url: str):
    from crm_identity import migrate

    migrate.upgrade(database_url)
    with api_process(
        "identity",
        {
            "CRM_IDENTITY_DATABASE_URL": database_url,
            "CRM_IDENTITY_BOOTSTRAP_ADMIN_EMAIL": ADMIN[0],
            "CRM_IDENTITY_BOOTSTRAP_ADMIN_PASSWORD": ADMIN[1],
        },
    ) as address:
        yield address


def _timed(call, n: int) -> dict:
    samples = []
    for i in range(n):
        start = time.perf_counter_ns()
        call(i)
        samples.append(time.perf_counter_ns() - start)
    samples.sort()
    return {
        "n": n,
        "p50_us": round(samples[n // 2] / 1000, 1),
        "p99_us": round(samples[min(n - 1, int(n * 0.99))] / 1000, 1),
    }


def run(n_reads: int = 3000, n_hashing: int = 40) -> dict:
    floor = raw_floor(n_reads)
    with temporary_postgres_database("bench_identity") as url, identity_server(url) as address:
        with grpc.insecure_channel(address) as channel:
            auth = auth_pb2_grpc.AuthServiceStub(channel)
            users = users_pb2_grpc.UserServiceStub(channel)
            token = auth.Login(
                auth_pb2.LoginRequest(email=ADMIN[0], password=ADMIN[1])
            ).access_token
            bearer = (("authorization", f"Bearer {token}"),)
            run_id = uuid.uuid4().hex[:6]
            emails = [f"bench-{run_id}-{i}@example.com" for i in range(n_hashing)]
            created = []

            def create(i):
                created.append(
                    users.CreateUser(
                        users_pb2.CreateUserRequest(
                            email=emails[i],
                            display_name=f"Bench User {i}",
                            password=PASSWORD,
                            departments=["sales"],
                        ),
                        metadata=bearer,
                    ).id
                )

            create_stats = _timed(create, n_hashing)
            login_stats = _timed(
                lambda i: auth.Login(auth_pb2.LoginRequest(email=emails[i], password=PASSWORD)),
                n_hashing,
            )
            get = users_pb2.GetUserRequest(id=created[0])
            for _ in range(300):
                users.GetUser(get, metadata=bearer)
            read_stats = _timed(lambda i: users.GetUser(get, metadata=bearer), n_reads)
            whoami_stats = _timed(
                lambda i: auth.WhoAmI(auth_pb2.WhoAmIRequest(), metadata=bearer), n_reads
            )
    ratio = round(read_stats["p50_us"] / floor["p50_us"], 2)
    rows = [
        ("raw grpcio echo (floor)", floor, f"n={floor['n']}"),
        ("GetUser, authenticated", read_stats, f"n={read_stats['n']}"),
        ("WhoAmI, authenticated", whoami_stats, f"n={whoami_stats['n']}"),
        ("CreateUser (argon2id hash)", create_stats, f"n={n_hashing}"),
        ("Login (argon2id verify)", login_stats, f"n={n_hashing}"),
    ]
    table = []
    for name, stats, note in rows:
        table.append((f"{name} p50", stats["p50_us"], "µs", note))
        table.append((f"{name} p99", stats["p99_us"], "µs", note))
    table.append(("authenticated read p50 / raw floor p50", ratio, "x", ""))
    return {
        "title": "identity over gRPC vs the raw grpcio floor",
        "rows": table,
        "checks": [("authenticated read p50 ≤ 3× raw grpcio floor p50", ratio <= 3.0)],
        "notes": "Sequential calls on one channel, server in its own process, PostgreSQL "
        "database. CreateUser/Login cost is argon2id by design (OWASP minimum).",
    }


if __name__ == "__main__":
    for name, value, unit, note in run()["rows"]:
        print(f"{name:<45} {value:>10} {unit:<3} {note}")
