"""deals: stage changes that fire an e-mail automation, and the worker's delivery of the mails.

In-process on PostgreSQL with the production wiring (SQL unit of work, scope replica), no gRPC
(the API's cost is bench/deals_api_bench.py):
- move: MoveDealToStage onto a stage with an e-mail rule: the deal, its history entry,
  deal_stage_changed and automation_email_requested in one transaction;
- record: what the worker's handler does per received command (inbox-free here): the delivery
  row of its idempotency key and the kept command, in one transaction;
- send: the delivery timer's work per mail: lease, SMTP to a local aiosmtpd sink, result.
Check: every committed move produced exactly one delivered e-mail.

    .venv/bin/python -m bench.deals_stage_bench      (or: -m bench.run deals_stage)
"""

from __future__ import annotations

import os
import statistics
import time
from email import message_from_bytes

from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from crm.identity.v1 import events_pb2 as identity_events
from crm_chassis import events as chassis_events
from crm_chassis.db import make_engine
from crm_chassis.logging import configure_logging
from crm_chassis.scopes import Grant, apply_user_access_changed, user_access_changed_message
from crm_deals import migrate
from crm_deals.adapters import orm
from crm_deals.adapters.automation_delivery import COMMANDS, AutomationDelivery
from crm_deals.adapters.smtp_mailer import SmtpMailer
from crm_deals.adapters.user_directory import apply_user_snapshot
from crm_deals.adapters.webhook_sender import WebhookSender
from crm_deals.domain.sales_lines import SalesLine
from crm_deals.entrypoints.settings import load
from crm_deals.entrypoints.wiring import build_dependencies
from crm_deals.service_layer import accounts, automations, deals, pipelines
from crm_deals.service_layer.access import Caller
from crm_deals.service_layer.sales_lines import record_sales_line
from crm_testkit import free_port, temporary_postgres_database

MOVES = int(os.environ.get("DEALS_STAGE_BENCH_MOVES", "300"))
TEAM, OWNER = "team-bench", "bench-owner"
STAGES = [
    {
        "key": "qualify",
        "name": "Qualify",
        "default_probability": 10,
        "forecast_category": "pipeline",
    },
    {
        "key": "propose",
        "name": "Propose",
        "default_probability": 40,
        "forecast_category": "best_case",
    },
]


class _Sink:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        message_from_bytes(envelope.original_content)
        self.count += 1
        return "250 OK"


WORKER = Caller.system("deals-worker")


def _setup(deps):
    with deps.uow() as uow:
        apply_user_access_changed(
            uow.session,
            user_access_changed_message(OWNER, 1, [Grant(TEAM, "expert", "membership")]),
        )
        apply_user_access_changed(
            uow.session,
            user_access_changed_message(
                "bench-manager", 1, [Grant(TEAM, "manager", "unit_manager", "unit-bench")]
            ),
        )
        apply_user_snapshot(
            uow.session,
            identity_events.UserSnapshot(
                id=OWNER,
                email="owner@example.test",
                display_name="Owner",
                status="active",
                version=1,
            ),
        )
        uow.commit()
    # the line, as territory's sales_line_changed told deals
    record_sales_line(deps, WORKER, SalesLine("line-b", "Bench", "quote", True, 1))
    admin, owner = Caller("bench-admin", roles=frozenset({"admin"})), Caller(OWNER)
    pipeline = pipelines.create_pipeline(
        deps, admin, sales_line_id="line-b", name="Bench", stages=STAGES
    )
    automations.create_rule(
        deps,
        Caller("bench-manager"),
        pipeline_id=pipeline.id,
        team_ids=[TEAM],
        name="mail on propose",
        trigger="stage_entered",
        stage_key="propose",
        actions=[
            {
                "kind": "email",
                "recipients": ["owner"],
                "subject": "{{ deal.name }} at {{ deal.stage }}",
                "body": "{{ account.name }}: {{ deal.amount }}",
            }
        ],
    )
    account = accounts.create_account(deps, owner, team_id=TEAM, name="Acme")
    return owner, [
        deals.create_deal(
            deps,
            owner,
            name=f"Deal {i}",
            account_id=account.id,
            sales_line_id="line-b",
            currency="EUR",
        ).id
        for i in range(MOVES)
    ]


def _commands(engine):
    t = orm.outbox
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.c.event_type, t.c.payload)
            .where(t.c.event_type.in_(sorted(COMMANDS)))
            .order_by(t.c.id)
        ).all()
    return [
        (r.event_type, chassis_events.decode(r.payload, COMMANDS[r.event_type][1])) for r in rows
    ]


def run() -> dict:
    configure_logging(level="WARNING")  # one line per delivery would drown the runner's output
    sink, port = _Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with temporary_postgres_database("deals_stage_bench") as url:
            migrate.upgrade(url)
            engine = make_engine(url, pool_size=4)
            try:
                return _measure(engine, url, sink, port)
            finally:
                engine.dispose()
    finally:
        controller.stop()


def _measure(engine, url, sink, port) -> dict:
    deps = build_dependencies(load(env={}, database_url=url), engine=engine)
    owner, deal_ids = _setup(deps)
    move_ms = []
    started = time.perf_counter()
    for deal_id in deal_ids:
        t0 = time.perf_counter()
        deals.move_deal_to_stage(deps, owner, deal_id, "propose")
        move_ms.append((time.perf_counter() - t0) * 1000)
    moves_per_s = len(deal_ids) / (time.perf_counter() - started)

    commands = _commands(engine)
    started = time.perf_counter()
    for event_type, command in commands:
        with deps.uow() as uow:
            AutomationDelivery.record_command(uow, deps, event_type, command)
            uow.commit()
    recorded_per_s = len(commands) / (time.perf_counter() - started)

    sender = AutomationDelivery(
        deps,
        SmtpMailer("127.0.0.1", port, sender="crm@example.test", timeout_seconds=5),
        WebhookSender(timeout_seconds=5),
        lease_seconds=60,
    )
    started = time.perf_counter()
    while sender.send_due(100):
        pass
    sent_per_s = len(commands) / (time.perf_counter() - started)
    with engine.connect() as conn:
        sent = conn.execute(
            select(func.count()).select_from(orm.deliveries).where(orm.deliveries.c.state == "sent")
        ).scalar_one()
    deps.close()
    return {
        "title": f"deals: stage change with an e-mail automation, and its delivery ({MOVES} moves)",
        "rows": [
            (
                "MoveDealToStage + automation command (use case, PostgreSQL)",
                round(moves_per_s),
                "/s",
                f"p50 {statistics.median(move_ms):.2f} ms, p95 "
                f"{statistics.quantiles(move_ms, n=20)[18]:.2f} ms",
            ),
            ("worker: record a received command (delivery row)", round(recorded_per_s), "/s", ""),
            (
                "worker: deliver an e-mail (lease, SMTP to local sink, result)",
                round(sent_per_s),
                "/s",
                "one SMTP connection per mail",
            ),
        ],
        "checks": [
            (
                "every committed move delivered exactly one e-mail",
                len(commands) == MOVES and sink.count == MOVES and sent == MOVES,
            )
        ],
    }


if __name__ == "__main__":
    result = run()
    for name, value, unit, note in result["rows"]:
        print(f"{name:<62} {value:>8} {unit:<3} {note}")
    for target, ok in result["checks"]:
        print(f"target: {target}: {'met' if ok else 'NOT MET'}")
