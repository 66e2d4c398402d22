"""Two leads worker processes share the bulk lane's queue (territory's leads_routed) and the
single lane's (lead_routed): every batch is applied once, and a lead's newest decision wins
whichever worker applies which decision first (per-lead order is the decision time, checked
per lead in each transaction), so replicas break no lead's order."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crm.territory.v1 import events_pb2 as territory_events
from crm_chassis import manifest as manifests
from crm_chassis.caller import Caller
from crm_chassis.events import stamp
from crm_chassis.messaging.topology import dead_letter_queue
from crm_leads.adapters import orm
from crm_leads.service_layer.importing import import_rows, plan_import
from crm_testkit import AMQP_URL, amqp_channel, free_port, wait_until
from crm_testkit.messaging import consumer_count as consumers_of
from crm_testkit.messaging import existing_queues as existing
from crm_testkit.messaging import publish_as, service_worker

pytestmark = pytest.mark.integration
MANIFEST = manifests.load(Path(__file__).resolve().parents[2] / "service.toml")
QUEUES = [sub.queue for sub in MANIFEST.subscriptions]
BATCH_QUEUE = "evt-territory-leads_routed--leads.on_leads_routed"
IMPORTER = Caller("mia", departments=frozenset({"marketing"}))
COLUMNS = ["E-Mail", "Last name", "Company"]


@contextlib.contextmanager
def two_workers(database_url, tmp_path):
    before = existing(QUEUES + [dead_letter_queue(q) for q in QUEUES])
    try:
        with contextlib.ExitStack() as stack:
            logs = []
            for n in range(2):
                log_path = tmp_path / f"worker-{n}.log"
                env = dict(
                    CRM_LEADS_DATABASE_URL=database_url,
                    CRM_LEADS_AMQP_URL=AMQP_URL,
                    CRM_LEADS_METRICS_PORT=str(free_port()),
                    CRM_LEADS_LOG_LEVEL="WARNING",
                )
                stack.enter_context(service_worker("leads", env, log_path))
                logs.append(log_path)
            wait_until(
                lambda: consumers_of(BATCH_QUEUE) >= 2,
                timeout=90,
                message="two workers do not both consume leads_routed",
            )
            if consumers_of(BATCH_QUEUE) != 2:
                pytest.fail(
                    f"{consumers_of(BATCH_QUEUE)} consumers of {BATCH_QUEUE}: another leads "
                    "worker (make run, an e2e test) would take part of the events"
                )
            yield logs
    finally:
        connection, channel = amqp_channel()
        try:
            for queue in QUEUES + [dead_letter_queue(q) for q in QUEUES]:
                if queue not in before:
                    channel.queue_delete(queue=queue)
        finally:
            connection.close()


def imported(deps, count, batch_size):
    tag = uuid.uuid4().hex[:8]
    plan = plan_import(
        IMPORTER,
        import_id=f"file-{tag}",
        column_mapping={},
        columns=COLUMNS,
        default_channel="purchased_list",
        default_sales_line_id="line-int",
    )
    rows = [
        (n, {"E-Mail": f"r{n}.{tag}@acme.example", "Last name": f"R{n}{tag}", "Company": "Acme"})
        for n in range(1, count + 1)
    ]
    reports = list(import_rows(deps, IMPORTER, plan, rows, batch_size=batch_size))
    return [a.lead_id for r in reports for a in r.accepted]


def _stamped(message, event_type, occurred_at):
    stamp(
        message,
        producer="territory",
        event_type=event_type,
        aggregate_type="x",
        aggregate_id=uuid.uuid4().hex,
        aggregate_version=1,
        occurred_at=occurred_at,
    )
    return message


def test_two_workers_apply_each_batch_once_and_the_newest_decision_wins(
    deps, engine, database_url, tmp_path
):
    ids = imported(deps, 120, batch_size=20)
    team = f"team-{uuid.uuid4().hex[:6]}"
    older = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    batches = [
        _stamped(
            territory_events.LeadsRouted(
                routed=[
                    territory_events.LeadRouted(
                        lead_id=lead_id, sales_line_id="line-int", team_id=team, owner_user_id="ann"
                    )
                    for lead_id in ids[i : i + 20]
                ]
            ),
            "leads_routed",
            older,
        )
        for i in range(0, len(ids), 20)
    ]
    # A newer decision for every tenth lead, published after its batch (RetryRouting's kind).
    newer = [
        _stamped(
            territory_events.LeadRouted(
                lead_id=lead_id, sales_line_id="line-int", team_id=team, owner_user_id="bob"
            ),
            "lead_routed",
            older + dt.timedelta(seconds=30),
        )
        for lead_id in ids[::10]
    ]
    with two_workers(database_url, tmp_path) as logs:
        for batch in batches:
            publish_as("territory", "leads_routed", batch)
        publish_as("territory", "leads_routed", batches[0])  # a redelivered batch
        for message in newer:
            publish_as("territory", "lead_routed", message)

        def owners():
            with engine.connect() as connection:
                return dict(
                    connection.execute(
                        select(orm.leads.c.id, orm.leads.c.owner_user_id).where(
                            orm.leads.c.id.in_(ids)
                        )
                    ).all()
                )

        expected = {lead_id: "bob" if lead_id in ids[::10] else "ann" for lead_id in ids}
        try:
            wait_until(lambda: owners() == expected, timeout=90, message="not all applied")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{logs[0].read_text()[-3000:]}") from None
    with engine.connect() as connection:
        assigned = connection.execute(
            select(orm.lead_history.c.lead_id, func.count())
            .where(orm.lead_history.c.lead_id.in_(ids), orm.lead_history.c.action == "assigned")
            .group_by(orm.lead_history.c.lead_id)
        ).all()
    counts = dict(assigned)
    # Once per lead from its batch, once more for a newer decision applied after it; a newer
    # decision applied first makes its batch change nothing. Never more.
    assert all(1 <= counts[lead_id] <= (2 if lead_id in ids[::10] else 1) for lead_id in ids)
