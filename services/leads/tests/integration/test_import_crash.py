"""Import on PostgreSQL: a crash mid-import (the second batch's commit fails) loses no accepted
row, and the re-run under the same import id creates the rest and duplicates none."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from sqlalchemy import func, select

from crm.leads.v1 import events_pb2 as leads_events
from crm_chassis import events
from crm_chassis.db import make_session_factory
from crm_leads.adapters import orm
from crm_leads.adapters.unit_of_work import SqlLeadsUnitOfWork
from crm_leads.service_layer.importing import import_rows, plan_import

pytestmark = pytest.mark.integration
COLUMNS = ["E-Mail", "First name", "Last name", "Company"]


class CrashingUnitOfWork(SqlLeadsUnitOfWork):
    """The database goes away when this unit of work commits (after the batch's work)."""

    def commit(self):
        self.leads.flush()
        raise ConnectionError("database went away")


def run(deps, caller, import_id, rows):
    plan = plan_import(
        caller,
        import_id=import_id,
        column_mapping={},
        columns=COLUMNS,
        default_channel="purchased_list",
        default_sales_line_id="line-int",
    )
    return list(import_rows(deps, caller, plan, rows, batch_size=3))


def test_a_crash_mid_import_loses_no_accepted_row_and_the_rerun_duplicates_none(deps, engine, h):
    tag = uuid.uuid4().hex[:8]
    rows = [
        (
            n,
            {
                "E-Mail": f"p{n}.{tag}@acme.example",
                "First name": f"P{n}",
                "Last name": f"L{n}{tag}",
                "Company": "Acme",
            },
        )
        for n in range(1, 8)
    ]
    factory = make_session_factory(engine)
    units = iter([SqlLeadsUnitOfWork, CrashingUnitOfWork])
    crashing = dataclasses.replace(deps, uow=lambda: next(units, SqlLeadsUnitOfWork)(factory))
    import_id = f"file-{tag}"
    with pytest.raises(ConnectionError):
        run(crashing, h.MARKETING, import_id, rows)

    def imported() -> int:
        with engine.connect() as connection:
            return connection.execute(
                select(func.count())
                .select_from(orm.leads)
                .where(orm.leads.c.email.like(f"%.{tag}@acme.example"))
            ).scalar_one()

    assert imported() == 3  # batch 1 committed; batch 2 rolled back whole

    reports = run(deps, h.MARKETING, import_id, rows)
    accepted = [row for report in reports for row in report.accepted]
    assert [row.already_imported for row in accepted] == [True] * 3 + [False] * 4
    assert imported() == 7
    with engine.connect() as connection:
        ids = (
            connection.execute(
                select(orm.leads.c.id).where(orm.leads.c.email.like(f"%.{tag}@acme.example"))
            )
            .scalars()
            .all()
        )
        payloads = connection.execute(
            select(orm.outbox.c.payload).where(orm.outbox.c.event_type == "leads_captured")
        ).scalars()
        announced = [
            lead.id
            for payload in payloads
            for lead in events.decode(payload, leads_events.LeadsCaptured).leads
            if lead.id in ids
        ]
    assert sorted(announced) == sorted(ids)  # each lead announced once (its batch's event)
