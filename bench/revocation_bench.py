"""Revocation across services, and the local access fast path.

1. Revocation: territory commits a user's new scopes (access to a team ended) to its outbox; the
   relay publishes it; a consumer's nameko worker stores it in its replica (chassis handler); an
   api-side ScopeReplica read (remembering answers for 0.25 s, as leads and deals do), polled
   every 2 ms as a busy api would be, stops granting the team. Measured from the instant COMMIT
   returned to the first read that denies. Target: within one second (the platform's promise).
2. Fast path: ScopeReplica.roles_by_team on PostgreSQL, remembered (the common case) and forced
   to read (max_staleness 0), plus a full local access decision (role lookup + rule), per call.
   Target for the decision (the "CheckAccess on the local fast path"): p99 <= 1 ms.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from crm_chassis.scopes import Grant, ScopeReplica
from crm_testkit import temporary_postgres_database
from crm_testkit.scopes import RevocationBed

REVOCATIONS = 40
READS = 20_000


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _revocations(bed: RevocationBed) -> tuple[list[float], list[float]]:
    """(commit -> stored in the replica, commit -> denied by the api-side read) per revocation."""
    stored_in, denied_in = [], []
    direct = ScopeReplica(bed.probe_engine, 0)  # sees the replica table as it is
    for index in range(REVOCATIONS):
        user = f"user-{index}"
        bed.publish(user, [Grant("team-old", "expert", "membership")])
        bed.wait_for(lambda: bed.replica.roles_by_team(user), 60, "grant not replicated")  # noqa: B023
        committed = bed.publish(user, [Grant("team-new", "expert", "membership")])
        # The api-side reader sees it no earlier than the table has it, so waiting in turn is exact.
        _, stored = bed.wait_for(
            lambda: "team-old" not in direct.roles_by_team(user),  # noqa: B023
            30,
            "revocation not replicated",
        )
        _, denied = bed.wait_for(
            lambda: "team-old" not in bed.replica.roles_by_team(user),  # noqa: B023
            30,
            "revocation not seen by the reader",
        )
        stored_in.append(stored - committed)
        denied_in.append(denied - committed)
    return stored_in, denied_in


def _may_update(replica: ScopeReplica, user: str, team: str, owner: str) -> bool:
    # The rule every service applies locally: experts update only what they own.
    role = replica.roles_by_team(user).get(team)
    return role is not None and (role != "expert" or owner == user)


def _timed(call, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1e6)
    return samples


def run() -> dict:
    with (
        tempfile.TemporaryDirectory() as root,
        temporary_postgres_database("bench_revoke_territory") as territory_db,
        temporary_postgres_database("bench_revoke_probe") as probe_db,
    ):
        bed = RevocationBed(Path(root), territory_db, probe_db)
        try:
            bed.start()
            bed.publish("warmup", [Grant("team-x", "expert", "membership")])
            bed.wait_for(lambda: bed.replica.roles_by_team("warmup"), 60, "worker not ready")
            stored_in, latencies = _revocations(bed)
            grants = [Grant(f"team-{n}", "expert", "membership") for n in range(5)]
            bed.publish("reader", grants)
            bed.wait_for(lambda: len(bed.replica.roles_by_team("reader")) == 5, 30, "not ready")
            remembered = ScopeReplica(bed.probe_engine, 0.25)
            always_read = ScopeReplica(bed.probe_engine, 0)
            hit = _timed(lambda: remembered.roles_by_team("reader"), READS)
            miss = _timed(lambda: always_read.roles_by_team("reader"), READS // 10)
            decide = _timed(lambda: _may_update(remembered, "reader", "team-3", "someone"), READS)
        finally:
            bed.close()
    p50, p99, worst = (statistics.median(latencies), _percentile(latencies, 0.99), max(latencies))
    decide_p99 = _percentile(decide, 0.99)
    return {
        "title": "Access: revocation across RabbitMQ and the local fast path",
        "rows": [
            (
                "revocation commit -> in the replica table, p50",
                round(statistics.median(stored_in) * 1000, 1),
                "ms",
                "relay + broker + worker",
            ),
            (
                "revocation commit -> in the replica table, max",
                round(max(stored_in) * 1000, 1),
                "ms",
                "",
            ),
            (
                "revocation commit -> denied, p50",
                round(p50 * 1000, 1),
                "ms",
                f"{REVOCATIONS} revocations, relay + broker + worker + 0.25 s read staleness",
            ),
            ("revocation commit -> denied, p99", round(p99 * 1000, 1), "ms", ""),
            ("revocation commit -> denied, max", round(worst * 1000, 1), "ms", ""),
            (
                "roles_by_team remembered, p50",
                round(statistics.median(hit), 1),
                "µs",
                f"{READS} calls",
            ),
            ("roles_by_team remembered, p99", round(_percentile(hit, 0.99), 1), "µs", ""),
            (
                "roles_by_team read from PostgreSQL, p50",
                round(statistics.median(miss), 1),
                "µs",
                f"{READS // 10} calls, max_staleness 0",
            ),
            (
                "roles_by_team read from PostgreSQL, p99",
                round(_percentile(miss, 0.99), 1),
                "µs",
                "",
            ),
            ("local access decision, p50", round(statistics.median(decide), 1), "µs", ""),
            ("local access decision, p99", round(decide_p99, 1), "µs", ""),
        ],
        "checks": [
            ("revocation seen by every reader within 1 s (max)", worst <= 1.0),
            ("local access decision p99 <= 1 ms", decide_p99 <= 1000),
        ],
    }
