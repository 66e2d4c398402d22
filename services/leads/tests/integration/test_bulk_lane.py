"""The import's bulk lane on PostgreSQL and on SQLite, through the same handler code: an import
batch is stored with one leads_captured outbox row; territory's answer (one leads_routed) is
applied by the worker's batch handler in one transaction; a redelivered batch, a half-applied
batch and a lead placed by a person before its batch was routed change nothing twice; the
assignments an applied batch changes go out as one leads_assigned."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import MetaData, select

from crm.leads.v1 import events_pb2 as leads_events
from crm.territory.v1 import events_pb2 as territory_events
from crm_chassis import events as wire
from crm_chassis.caller import Caller
from crm_chassis.db import make_engine
from crm_chassis.events import stamp
from crm_chassis.outbox.tables import outbox_table
from crm_leads import migrate
from crm_leads.adapters import orm
from crm_leads.domain.assignment import Assignment, AssignmentMethod
from crm_leads.entrypoints import worker as worker_module
from crm_leads.entrypoints.settings import LeadsSettings
from crm_leads.entrypoints.wiring import build_dependencies
from crm_leads.service_layer.importing import import_rows, plan_import
from crm_leads.service_layer.publishing import save_changes

pytestmark = pytest.mark.integration
IMPORTER = Caller("mia", departments=frozenset({"marketing"}))
COLUMNS = ["E-Mail", "Last name", "Company"]
OUTBOX = outbox_table(MetaData())


@pytest.fixture(params=["postgresql", "sqlite"])
def bulk(request, tmp_path):
    """(deps, engine, worker) on a fresh database of either backend."""
    if request.param == "postgresql":
        url = request.getfixturevalue("database_url")
        engine = request.getfixturevalue("engine")
        own_engine = False
    else:
        url = f"sqlite:///{tmp_path / 'leads.db'}"
        migrate.upgrade(url)
        engine = make_engine(url)
        own_engine = True
    settings = LeadsSettings.load(
        "leads", env={}, database_url=url, grpc_port=0, metrics_port=0, shutdown_grace_seconds=0.5
    )
    deps = build_dependencies(settings, engine=engine)
    worker = object.__new__(worker_module.LeadsWorker)
    worker.deps = deps
    try:
        yield deps, engine, worker
    finally:
        deps.close()
        if own_engine:
            engine.dispose()


def run_import(deps, count, batch_size):
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
        (n, {"E-Mail": f"bulk{n}.{tag}@acme.example", "Last name": f"L{n}{tag}", "Company": "Acme"})
        for n in range(1, count + 1)
    ]
    reports = list(import_rows(deps, IMPORTER, plan, rows, batch_size=batch_size))
    assert reports[-1].rows_accepted == count, [p for r in reports for p in r.problems]
    return [a.lead_id for r in reports for a in r.accepted]


def outbox_of(engine, lead_ids, event_type):
    with engine.connect() as connection:
        bodies = connection.execute(
            select(OUTBOX.c.payload).where(OUTBOX.c.event_type == event_type)
        ).scalars()
        return [
            body
            for body in bodies
            if any(
                lead_id in (body if isinstance(body, str) else str(body)) for lead_id in lead_ids
            )
        ]


def leads_routed(lead_ids, team, owner, occurred_at=None):
    message = territory_events.LeadsRouted(
        routed=[
            territory_events.LeadRouted(
                lead_id=lead_id,
                sales_line_id="line-int",
                team_id=team,
                owner_user_id=owner,
                explanation={"summary": "rule matched"},
            )
            for lead_id in lead_ids
        ]
    )
    stamp(
        message,
        producer="territory",
        event_type="leads_routed",
        aggregate_type="lead_routing_batch",
        aggregate_id=uuid.uuid4().hex,
        aggregate_version=1,
        occurred_at=occurred_at or dt.datetime.now(dt.UTC),
    )
    return message


def owners(engine, lead_ids):
    with engine.connect() as connection:
        rows = connection.execute(
            select(orm.leads.c.id, orm.leads.c.owner_user_id, orm.leads.c.version).where(
                orm.leads.c.id.in_(lead_ids)
            )
        )
        return {row.id: (row.owner_user_id, row.version) for row in rows}


def test_an_import_batch_is_one_leads_captured_row(bulk):
    deps, engine, _ = bulk
    ids = run_import(deps, 5, batch_size=2)
    batches = outbox_of(engine, ids, "leads_captured")
    assert len(batches) == 3
    decoded = [wire.decode(b, leads_events.LeadsCaptured) for b in batches]
    assert sorted(lead.id for batch in decoded for lead in batch.leads) == sorted(ids)
    assert not outbox_of(engine, ids, "lead_created")
    assert not outbox_of(engine, ids, "lead_scored")


def test_a_routed_batch_is_applied_once_whatever_is_redelivered(bulk):
    deps, engine, worker = bulk
    ids = run_import(deps, 4, batch_size=10)
    team = f"team-{uuid.uuid4().hex[:6]}"
    first_half = leads_routed(ids[:2], team, "ann")
    whole = leads_routed(ids, team, "ann")
    assert worker.on_leads_routed([first_half]) == [None]
    # The whole batch after half of it, and then the whole batch again (a redelivery).
    assert worker.on_leads_routed([whole, whole]) == [None, None]
    assert worker.on_leads_routed([whole]) == [None]
    found = owners(engine, ids)
    assert {owner for owner, _ in found.values()} == {"ann"}
    assert not outbox_of(engine, ids, "lead_assigned")  # announced per batch instead
    batches = outbox_of(engine, ids, "leads_assigned")
    assert len(batches) == 2  # the first half's, then the rest's; the redeliveries' none
    decoded = [wire.decode(b, leads_events.LeadsAssigned) for b in batches]
    announced = [item.lead_id for batch in decoded for item in batch.assigned]
    assert sorted(announced) == sorted(ids)  # each lead once
    assert {item.meta.aggregate_version for b in decoded for item in b.assigned} == {
        version for _, version in found.values()
    }
    with engine.connect() as connection:
        assigned = connection.execute(
            select(orm.lead_history.c.lead_id).where(
                orm.lead_history.c.lead_id.in_(ids), orm.lead_history.c.action == "assigned"
            )
        ).scalars()
        assert sorted(assigned) == sorted(ids)


def test_a_lead_placed_by_a_person_before_its_batch_is_routed_keeps_its_owner(bulk):
    deps, engine, worker = bulk
    ids = run_import(deps, 2, batch_size=10)
    team = f"team-{uuid.uuid4().hex[:6]}"
    # Between the batch's capture and its routing a person took the first lead (single path).
    with deps.uow() as uow:
        lead = uow.leads.get(ids[0])
        now = dt.datetime.now(dt.UTC)
        lead.assign(Assignment(team, "bob", AssignmentMethod.CLAIMED, "", now), IMPORTER.actor, now)
        save_changes(uow, lead, IMPORTER.actor)
        uow.commit()
    worker.on_leads_routed([leads_routed(ids, team, "ann")])
    found = owners(engine, ids)
    assert found[ids[0]][0] == "bob" and found[ids[1]][0] == "ann"
