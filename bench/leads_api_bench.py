"""leads through gRPC on PostgreSQL against the raw grpcio floor, the server in its own process.

* CreateLead: a new lead per call (idempotency check, duplicate lookup, insert, history,
  score, outbox event in one transaction) by a sales user whose scope is in the access replica;
  also the retry of an earlier request (idempotent replay). Target: new-lead p50 <= 2 ms.
* GetLead of a lead in the caller's team (token, scope from the replica, one read).
* ImportLeads: one stream of ``n_import`` CSV-like rows (batches of 200, each one transaction),
  rows/s from the first message to the summary; then the re-run of the same import id (every
  row answered ``already_imported``).

The api runs ``crm_leads.entrypoints.api.start`` with the production wiring; only the token
verifier is a static key (the bench signs its own tokens instead of running identity).

    .venv/bin/python -m bench.leads_api_bench
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
import uuid

import grpc

from bench.grpc_floor import raw_floor
from bench.identity_bench import _timed  # n sequential calls -> p50/p99 in µs
from bench.servers import sampled, serving_child
from crm.leads.v1 import lead_pb2, lead_service_pb2, lead_service_pb2_grpc
from crm_chassis.gc_tuning import tune_for_service
from crm_testkit import temporary_postgres_database
from crm_testkit.auth import TestKeys

TEAM, USER = "bench-team", "bench-rep"
TARGET_CREATE_P50_US = 2000
IMPORT_COLUMNS = ["E-Mail", "First name", "Last name", "Company", "Country"]


def _grant_scope(database_url: str) -> None:
    from crm_chassis.db import make_engine, make_session_factory
    from crm_chassis.scopes import Grant, apply_user_access_changed, user_access_changed_message

    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            apply_user_access_changed(
                session, user_access_changed_message(USER, 1, [Grant(TEAM, "expert", "membership")])
            )
            session.commit()
    finally:
        engine.dispose()


def _route_to_bench_team(database_url: str, lead_id: str) -> None:
    """Place a lead in the bench user's team, as the worker does on territory's lead_routed."""
    import datetime as dt

    from crm_leads.domain.assignment import RoutingDecision
    from crm_leads.entrypoints import settings as settings_module
    from crm_leads.entrypoints.wiring import build_dependencies
    from crm_leads.entrypoints.worker import ROUTING
    from crm_leads.service_layer.assignment import apply_routing

    deps = build_dependencies(settings_module.load(database_url=database_url))
    try:
        assert apply_routing(
            deps,
            ROUTING,
            RoutingDecision(
                uuid.uuid4().hex, lead_id, dt.datetime.now(dt.UTC), "", TEAM, USER, "bench routing"
            ),
        )
    finally:
        deps.close()


def serve() -> None:
    """The api process of the bench: production wiring, a static verification key."""
    from crm_chassis.auth import StaticKeySource, TokenVerifier, public_key_from_pem
    from crm_chassis.logging import configure_logging
    from crm_leads.entrypoints import api
    from crm_leads.entrypoints import settings as settings_module

    settings = settings_module.load()
    configure_logging(settings)
    with open(os.environ["BENCH_PUBLIC_KEY_PEM_FILE"]) as fh:
        public_key = public_key_from_pem(fh.read())
    verifier = TokenVerifier(
        StaticKeySource({os.environ["BENCH_KEY_ID"]: public_key}),
        settings.jwt_issuer,
        settings.jwt_audience,
        settings.jwt_algorithm,
    )
    running = api.start(settings, verifier=verifier)
    tune_for_service()  # as the api process does once serving (crm_chassis.gc_tuning)
    print(f"PORT {running.port}", flush=True)
    sys.stdin.read()  # runs until the bench closes our stdin
    running.stop(0)


@contextlib.contextmanager
def leads_server(database_url: str, keys: TestKeys):
    from crm_leads import migrate

    migrate.upgrade(database_url)
    _grant_scope(database_url)
    with tempfile.TemporaryDirectory(prefix="leads-bench-") as tmp:
        pem_file = os.path.join(tmp, "public.pem")
        with open(pem_file, "w") as fh:
            fh.write(keys.public_pem)
        env = dict(
            os.environ,
            CRM_LEADS_DATABASE_URL=database_url,
            CRM_LEADS_GRPC_PORT="0",
            CRM_LEADS_METRICS_PORT="0",
            CRM_LOG_LEVEL="WARNING",
            BENCH_PUBLIC_KEY_PEM_FILE=pem_file,
            BENCH_KEY_ID=keys.kid,
        )
        with serving_child(["-m", "bench.leads_api_bench", "--serve"], env, "leads api") as address:
            yield address


def _lead(tag: str, i: int) -> lead_pb2.LeadInput:
    return lead_pb2.LeadInput(
        person=lead_pb2.Person(
            first_name="Bench",
            last_name=f"Lead{tag}{i}",
            email=f"lead{i}.{tag}@bench.example",
            title="Head of IT",
        ),
        company=lead_pb2.Company(
            name=f"Bench {tag} {i}", industry="software", size=lead_pb2.COMPANY_SIZE_MEDIUM
        ),
        location=lead_pb2.Location(country="DE", city="Berlin"),
        source=lead_pb2.Source(channel=lead_pb2.CHANNEL_WEB_FORM),
        consent=lead_pb2.Consent(email_marketing=True),
        custom_attributes={"budget": "50k"},
    )


def _import_requests(import_id: str, tag: str, n: int):
    yield lead_service_pb2.ImportLeadsRequest(
        header=lead_service_pb2.ImportHeader(
            import_id=import_id,
            columns=IMPORT_COLUMNS,
            default_channel=lead_pb2.CHANNEL_PURCHASED_LIST,
        )
    )
    for i in range(1, n + 1):
        values = [
            f"row{i}.{tag}@import.example",
            "Row",
            f"Imported{tag}{i}",
            f"Import {tag} {i}",
            "FR",
        ]
        yield lead_service_pb2.ImportLeadsRequest(
            row=lead_service_pb2.ImportRow(
                row_number=i, values=dict(zip(IMPORT_COLUMNS, values, strict=False))
            )
        )


def _import(stub, bearer, import_id: str, tag: str, n: int) -> tuple[float, object]:
    start = time.perf_counter()
    last = None
    for last in stub.ImportLeads(  # noqa: B007
        _import_requests(import_id, tag, n),
        metadata=bearer,
        timeout=600,
    ):
        pass
    return time.perf_counter() - start, last


def run(n_create: int = 500, n_import: int = 2000, n_reads: int = 1000) -> dict:
    floor = raw_floor(3000)
    keys = TestKeys()
    bearer = (
        (
            "authorization",
            f"Bearer {keys.token(USER, 'user', departments=['sales'], display_name='Rep')}",
        ),
    )
    tag = uuid.uuid4().hex[:6]
    with temporary_postgres_database("bench_leads") as url, leads_server(url, keys) as address:
        with grpc.insecure_channel(address) as channel:
            stub = lead_service_pb2_grpc.LeadServiceStub(channel)

            def create(i, prefix="new"):
                return stub.CreateLead(
                    lead_service_pb2.CreateLeadRequest(
                        idempotency_key=f"{prefix}-{i}", lead=_lead(f"{prefix}{tag}", i)
                    ),
                    metadata=bearer,
                )

            for i in range(200):
                create(i, "warmup")
            with sampled(address.pid, "leads-api-create"):
                created = _timed(create, n_create)
            replayed = _timed(create, n_create)  # the same keys and data again
            _route_to_bench_team(url, create(0, "warmup").lead.id)
            visible = lead_service_pb2.GetLeadRequest(lead_id=create(0, "warmup").lead.id)
            read = _timed(lambda i: stub.GetLead(visible, metadata=bearer), n_reads)
            with sampled(address.pid, "leads-api-import"):
                seconds, summary = _import(stub, bearer, f"bench-{tag}", tag, n_import)
            rerun_seconds, rerun = _import(stub, bearer, f"bench-{tag}", tag, n_import)
    assert summary.done and summary.rows_accepted == n_import, summary
    assert rerun.rows_accepted == n_import, rerun
    rows = []
    for name, stats in (
        ("raw grpcio echo (floor)", floor),
        ("CreateLead, new lead", created),
        ("CreateLead, retried request (replay)", replayed),
        ("GetLead, a lead of the caller's team", read),
    ):
        rows.append((f"{name} p50", stats["p50_us"], "µs", f"n={stats['n']}"))
        rows.append((f"{name} p99", stats["p99_us"], "µs", f"n={stats['n']}"))
    rows += [
        (
            "CreateLead new p50 / raw floor p50",
            round(created["p50_us"] / floor["p50_us"], 2),
            "x",
            "",
        ),
        (
            "ImportLeads, new rows",
            round(n_import / seconds),
            "rows/s",
            f"N={n_import} rows, one stream, batches of 200",
        ),
        (
            "ImportLeads, re-run of the same import",
            round(n_import / rerun_seconds),
            "rows/s",
            f"N={n_import}, every row already_imported",
        ),
    ]
    return {
        "title": "leads over gRPC (PostgreSQL) vs the raw grpcio floor",
        "rows": rows,
        "checks": [
            (
                f"CreateLead p50 <= {TARGET_CREATE_P50_US / 1000:g} ms",
                created["p50_us"] <= TARGET_CREATE_P50_US,
            )
        ],
        "notes": "Sequential calls on one channel, the api in its own process with the "
        "production wiring (PostgreSQL, scope replica) and log level WARNING; "
        f"CreateLead into a table growing to {n_create + 200} leads, then the "
        f"import of {n_import} rows.",
    }


if __name__ == "__main__":
    if "--serve" in sys.argv:
        serve()
    else:
        for name, value, unit, note in run()["rows"]:
            print(f"{name:<45} {value:>10} {unit:<6} {note}")
