"""deals through gRPC on PostgreSQL against the raw grpcio floor, server in its own process.

- GetDeal: the authenticated read every screen pays (token verification, the caller's scopes
  from the local replica — remembered for at most 0.25 s —, one read of the deal).
- MoveDealToStage with an automation rule on the target stage: the move, its history entry,
  deal_stage_changed and the rule's automation_email_requested command, all in one
  transaction (the outbox), i.e. the write path a sales person pays on the board.

Target (platform): an authenticated read p50 ≤ 3× the raw grpcio echo p50 of the same run.
The stage change has no latency target; the check is that every move wrote its command.

    .venv/bin/python -m bench.deals_api_bench          (or: -m bench.run deals_api)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator

import grpc
from sqlalchemy import text

from bench.grpc_floor import raw_floor
from bench.servers import serving_child
from crm.deals.v1 import (
    accounts_pb2,
    accounts_pb2_grpc,
    deals_pb2,
    deals_pb2_grpc,
    pipelines_pb2,
    pipelines_pb2_grpc,
)
from crm.deals.v1 import resources_pb2 as pb
from crm_testkit import temporary_postgres_database
from crm_testkit.auth import TestKeys

TEAM, OWNER, ADMIN = "team-bench", "bench-owner", "bench-admin"
MANAGER = "bench-manager"  # manages the unit above the team: defines its automation rules
LINE = "line-bench"
STAGES = [
    pb.Stage(
        key=key,
        name=key.title(),
        default_probability=probability,
        forecast_category=pb.FORECAST_CATEGORY_PIPELINE,
    )
    for key, probability in (("qualify", 10), ("propose", 40))
]
WARMUP = 300


# ----------------------------------------------------------------------------- server process
def _serve(database_url: str, public_key_pem_file: str) -> None:
    """The deals api exactly as production wires it (SQL unit of work, replica scopes, lazy
    catalog/territory clients, which neither measured call uses), except the token keys: a file
    instead of identity's published keys."""
    from crm_chassis.auth import StaticKeySource, TokenVerifier, key_id, public_key_from_pem
    from crm_chassis.grpc import serve
    from crm_chassis.logging import configure_logging
    from crm_deals.entrypoints import api
    from crm_deals.entrypoints.settings import DealsSettings
    from crm_deals.entrypoints.wiring import build_dependencies

    settings = DealsSettings.load(
        "deals",
        database_url=database_url,
        grpc_port=0,
        metrics_port=0,
        log_level="WARNING",
        shutdown_grace_seconds=1.0,
    )
    configure_logging(settings)
    with open(public_key_pem_file) as handle:
        public_key = public_key_from_pem(handle.read())
    verifier = TokenVerifier(
        StaticKeySource({key_id(public_key): public_key}),
        settings.jwt_issuer,
        settings.jwt_audience,
        settings.jwt_algorithm,
    )
    deps = build_dependencies(settings)
    # The parent closing our stdin (or dying) ends us: no orphan server after a crash.
    threading.Thread(
        target=lambda: (sys.stdin.read(), os.kill(os.getpid(), signal.SIGTERM)), daemon=True
    ).start()
    serve(
        settings,
        api.APP.register(deps, settings),
        service_names=api.SERVICE_NAMES,
        verifier=verifier,
        on_start=lambda running: print(f"PORT {running.port}", flush=True),
        on_stop=deps.close,
    )


@contextlib.contextmanager
def deals_server(database_url: str, keys: TestKeys) -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="deals-bench-") as tmp:
        pem = os.path.join(tmp, "public.pem")
        with open(pem, "w") as handle:
            handle.write(keys.public_pem)
        with serving_child(
            ["-m", "bench.deals_api_bench", "--serve", database_url, pem], what="deals api"
        ) as address:
            yield address


# ----------------------------------------------------------------------------- measuring
def _seed_scopes(database_url: str) -> None:
    """The owner is an expert of the team and the manager manages the unit above it, as
    territory's user_access_changed would say, and the bench's sales line exists, as
    territory's sales_line_changed would have told deals."""
    from crm_chassis.db import make_engine, make_session_factory
    from crm_chassis.scopes import Grant, apply_user_access_changed, user_access_changed_message
    from crm_deals.domain.sales_lines import SalesLine
    from crm_deals.entrypoints.settings import load
    from crm_deals.entrypoints.wiring import build_dependencies
    from crm_deals.service_layer.access import Caller
    from crm_deals.service_layer.sales_lines import record_sales_line

    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            apply_user_access_changed(
                session,
                user_access_changed_message(OWNER, 1, [Grant(TEAM, "expert", "membership")]),
            )
            apply_user_access_changed(
                session,
                user_access_changed_message(
                    MANAGER, 1, [Grant(TEAM, "manager", "unit_manager", "unit-bench")]
                ),
            )
            session.commit()
        deps = build_dependencies(load(env={}, database_url=database_url), engine=engine)
        try:
            record_sales_line(
                deps, Caller.system("deals-worker"), SalesLine(LINE, "Bench", "quote", True, 1)
            )
        finally:
            deps.close()
    finally:
        engine.dispose()


def _timed(call, n: int) -> dict:
    for i in range(min(WARMUP, n)):
        call(i)
    samples = []
    clock = time.perf_counter_ns
    for i in range(n):
        start = clock()
        call(i)
        samples.append(clock() - start)
    samples.sort()
    return {
        "n": n,
        "p50_us": round(samples[n // 2] / 1000, 1),
        "p99_us": round(samples[min(n - 1, int(n * 0.99))] / 1000, 1),
    }


def _commands_written(database_url: str, deal_id: str) -> int:
    from crm_chassis.db import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                text(
                    "SELECT count(*) FROM outbox WHERE aggregate_id = :id "
                    "AND event_type = 'automation_email_requested'"
                ),
                {"id": deal_id},
            ).scalar()
    finally:
        engine.dispose()


def run(n_reads: int = 3000, n_moves: int = 600) -> dict:
    from crm_deals import migrate

    keys = TestKeys()
    owner = (("authorization", f"Bearer {keys.token(OWNER, departments=['sales'])}"),)
    admin = (("authorization", f"Bearer {keys.token(ADMIN, roles=['admin'])}"),)
    manager = (("authorization", f"Bearer {keys.token(MANAGER, departments=['sales'])}"),)
    floor = raw_floor(n_reads)
    with temporary_postgres_database("bench_deals") as url:
        migrate.upgrade(url)
        _seed_scopes(url)
        with deals_server(url, keys) as address, grpc.insecure_channel(address) as channel:
            pipelines = pipelines_pb2_grpc.PipelineServiceStub(channel)
            automations = pipelines_pb2_grpc.AutomationServiceStub(channel)
            deals = deals_pb2_grpc.DealServiceStub(channel)
            pipeline = pipelines.CreatePipeline(
                pipelines_pb2.CreatePipelineRequest(
                    sales_line_id=LINE, name="Bench", stages=STAGES
                ),
                metadata=admin,
            )
            for stage in STAGES:  # every move enters a stage with a rule
                automations.CreateAutomationRule(
                    pipelines_pb2.CreateAutomationRuleRequest(
                        pipeline_id=pipeline.id,
                        rule=pb.AutomationRule(
                            name=f"entered {stage.key}",
                            trigger=pb.AUTOMATION_TRIGGER_STAGE_ENTERED,
                            stage_key=stage.key,
                            team_ids=[TEAM],
                            actions=[
                                pb.AutomationAction(
                                    kind=pb.AUTOMATION_ACTION_KIND_EMAIL,
                                    recipients=["owner"],
                                    subject="{{ deal.name }} is at {{ deal.stage }}",
                                    body="{{ deal.amount }}",
                                )
                            ],
                        ),
                    ),
                    metadata=manager,
                )
            account = accounts_pb2_grpc.AccountServiceStub(channel).CreateAccount(
                accounts_pb2.CreateAccountRequest(team_id=TEAM, name="Bench GmbH"), metadata=owner
            )
            deal = deals.CreateDeal(
                deals_pb2.CreateDealRequest(
                    name="Bench rollout",
                    account_id=account.id,
                    sales_line_id=LINE,
                    currency="EUR",
                    estimated_revenue={"amount": "1200.00", "currency": "EUR"},
                    stage_key="propose",
                ),
                metadata=owner,
            )
            get = deals_pb2.GetDealRequest(id=deal.id)
            read = _timed(lambda i: deals.GetDeal(get, metadata=owner), n_reads)
            moves = [
                deals_pb2.MoveDealToStageRequest(id=deal.id, stage_key=stage.key)
                for stage in STAGES
            ]
            move = _timed(lambda i: deals.MoveDealToStage(moves[i % 2], metadata=owner), n_moves)
        written = _commands_written(url, deal.id)
    expected = 1 + min(WARMUP, n_moves) + n_moves  # creation at "propose" fires its rule too
    ratio = round(read["p50_us"] / floor["p50_us"], 2)
    rows = [
        ("raw grpcio echo (floor)", floor),
        ("GetDeal, authenticated", read),
        ("MoveDealToStage with an e-mail rule on the target stage", move),
    ]
    table = []
    for name, stats in rows:
        table.append((f"{name} p50", stats["p50_us"], "µs", f"n={stats['n']}"))
        table.append((f"{name} p99", stats["p99_us"], "µs", f"n={stats['n']}"))
    table.append(("GetDeal p50 / raw floor p50", ratio, "x", ""))
    table.append(
        ("stage change p50 / raw floor p50", round(move["p50_us"] / floor["p50_us"], 2), "x", "")
    )
    return {
        "title": "deals over gRPC (PostgreSQL) vs the raw grpcio floor",
        "rows": table,
        "checks": [
            ("GetDeal p50 ≤ 3× raw grpcio floor p50", ratio <= 3.0),
            (
                "every stage change wrote its automation command in its transaction",
                written == expected,
            ),
        ],
        "notes": "Sequential calls on one channel, deals api in its own process with the "
        "production wiring (SQL unit of work, scope replica) and test signing "
        "keys. "
        "A move writes the deal, a history row, deal_stage_changed and "
        "automation_email_requested in one transaction.",
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", nargs=2, metavar=("DATABASE_URL", "PUBLIC_KEY_PEM_FILE"))
    args = parser.parse_args(argv)
    if args.serve:
        _serve(*args.serve)
        return
    for name, value, unit, note in run()["rows"]:
        print(f"{name:<62} {value:>10} {unit:<3} {note}")


if __name__ == "__main__":
    main()
