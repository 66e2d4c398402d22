"""ImportLeads end to end on PostgreSQL: per-row report, a crash of the database mid-import
(a server whose third commit fails) and the re-run, which loses and duplicates no row."""

import dataclasses
import threading
import uuid

import grpc
import pytest
from sqlalchemy import func, select

from crm.leads.v1 import lead_pb2, lead_service_pb2, lead_service_pb2_grpc
from crm_chassis.db import make_session_factory
from crm_chassis.errors import Unavailable
from crm_leads.adapters import orm
from crm_leads.adapters.unit_of_work import SqlLeadsUnitOfWork
from crm_leads.entrypoints import api

pytestmark = pytest.mark.integration
SC = grpc.StatusCode
COLUMNS = ["Email", "First Name", "Last Name", "Company", "Country", "Budget"]


def rows_of(tag: str, count: int, bad=()):
    rows = []
    for n in range(1, count + 1):
        email = "broken" if n in bad else f"row{n}.{tag}@importer.example"
        rows.append((n, [email, f"R{n}", f"Row{n}{tag}", f"Importer {tag}", "FR", f"{n}"]))
    return rows


def requests(import_id, rows):
    yield lead_service_pb2.ImportLeadsRequest(
        header=lead_service_pb2.ImportHeader(
            import_id=import_id,
            columns=COLUMNS,
            default_channel=lead_pb2.CHANNEL_EVENT,
            column_mapping={
                "Email": "person.email",
                "First Name": "person.first_name",
                "Last Name": "person.last_name",
                "Company": "company.name",
                "Country": "location.country",
                "Budget": "custom_attributes.budget",
            },
        )
    )
    for number, values in rows:
        yield lead_service_pb2.ImportLeadsRequest(
            row=lead_service_pb2.ImportRow(
                row_number=number, values=dict(zip(COLUMNS, values, strict=False))
            )
        )


def leads_of(engine, tag):
    with engine.connect() as conn:
        return conn.execute(
            select(func.count())
            .select_from(orm.leads)
            .where(orm.leads.c.email.like(f"%.{tag}@importer.example"))
        ).scalar_one()


def run(client, person, import_id, rows):
    return list(
        client.leads.ImportLeads(
            requests(import_id, rows), metadata=client.metadata(person), timeout=30
        )
    )


def test_import_reports_rows_and_rerun_duplicates_nothing(client, team, engine):
    tag = uuid.uuid4().hex[:8]
    rows = rows_of(tag, 7, bad={3})
    answers = run(client, team.marketer, f"file-{tag}", rows)
    final = answers[-1]
    assert final.done and (final.rows_read, final.rows_accepted, final.rows_rejected) == (7, 6, 1)
    problem = next(p for a in answers for p in a.problems)
    assert (problem.row_number, problem.field) == (3, "person.email") and problem.reason
    again = run(client, team.marketer, f"file-{tag}", rows)
    accepted = [a for answer in again for a in answer.accepted]
    assert len(accepted) == 6 and all(a.already_imported for a in accepted)
    assert leads_of(engine, tag) == 6


class CrashingUnitOfWork(SqlLeadsUnitOfWork):
    """The database goes away at the third commit of the process (the import's third batch)."""

    commits = 0

    def commit(self):
        type(self).commits += 1
        if type(self).commits == 3:
            self.rollback()
            raise Unavailable("the database went away")
        super().commit()


@pytest.fixture
def crashing_server(settings, deps, engine, keys):
    session_factory = make_session_factory(engine)
    crashing = dataclasses.replace(deps, uow=lambda: CrashingUnitOfWork(session_factory))
    running = api.start(
        dataclasses.replace(settings, import_batch_size=20),
        crashing,
        verifier=keys.verifier(),
        access_log=False,
    )
    yield running
    running.stop(0)


def test_crash_mid_import_loses_no_accepted_row(client, team, engine, crashing_server):
    tag = uuid.uuid4().hex[:8]
    rows = rows_of(tag, 90)
    received = []
    with grpc.insecure_channel(crashing_server.address) as channel:
        stub = lead_service_pb2_grpc.LeadServiceStub(channel)
        with pytest.raises(grpc.RpcError) as caught:
            for answer in stub.ImportLeads(
                requests(f"file-{tag}", rows), metadata=client.metadata(team.marketer), timeout=30
            ):
                received.append(answer)
    assert caught.value.code() == SC.UNAVAILABLE
    assert [a.rows_accepted for a in received] == [20, 40]  # what was reported is stored
    assert leads_of(engine, tag) == 40
    answers = run(client, team.marketer, f"file-{tag}", rows)
    accepted = [a for answer in answers for a in answer.accepted]
    assert sum(a.already_imported for a in accepted) == 40 and len(accepted) == 90
    assert leads_of(engine, tag) == 90


def test_an_unauthorised_stream_is_refused_before_its_header(client, team):
    """No header is ever sent: the refusal cannot come from reading the stream."""
    release = threading.Event()

    def idle():
        release.wait()
        return
        yield

    try:
        for person, needed in (
            (team.admin, "crmctl users departments set"),
            (team.bare_service, "capture_leads"),
        ):
            with pytest.raises(grpc.RpcError) as caught:
                list(client.leads.ImportLeads(idle(), metadata=client.metadata(person), timeout=30))
            assert caught.value.code() == SC.PERMISSION_DENIED
            assert needed in caught.value.details()
    finally:
        release.set()


def test_a_row_imported_before_by_someone_else_names_no_lead_outside_the_scope(client, team):
    tag = uuid.uuid4().hex[:8]
    first = run(client, team.marketer, f"file-{tag}", rows_of(tag, 1))
    lead_id = first[0].accepted[0].lead_id
    team.route(lead_id)
    for person, expected in ((team.owner, lead_id), (team.outsider, "")):
        again = run(client, person, f"file-{tag}", rows_of(tag, 1))
        accepted = again[0].accepted[0]
        assert accepted.already_imported and accepted.lead_id == expected
