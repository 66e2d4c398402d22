"""The unit of work writes a change and its events in one transaction, on SQLite and PostgreSQL."""

import json

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select
from sqlalchemy.exc import IntegrityError

from crm_chassis.db import make_engine, make_session_factory
from crm_chassis.outbox.tables import PENDING, messaging_tables
from crm_chassis.sql_unit_of_work import SqlAlchemyUnitOfWork
from crm_chassis.unit_of_work import FakeUnitOfWorkBase
from crm_testkit import temporary_postgres_database

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False, unique=True),
)
outbox, inbox = messaging_tables(metadata)


class ThingsUnitOfWork(SqlAlchemyUnitOfWork):
    def add_thing(self, thing_id: int, name: str):
        self.session.execute(insert(things).values(id=thing_id, name=name))
        from crm.testing.v1.events_pb2 import SomethingHappened

        self.emit(
            "thing_added",
            SomethingHappened(name=name, seq=thing_id),
            aggregate_type="thing",
            aggregate_id=str(thing_id),
            aggregate_version=1,
        )


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def session_factory(request, tmp_path):
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path}/uow.db")
        metadata.create_all(engine)
        yield make_session_factory(engine)
        engine.dispose()
    else:
        with temporary_postgres_database("uow") as url:
            engine = make_engine(url)
            metadata.create_all(engine)
            yield make_session_factory(engine)
            engine.dispose()


def _uow(factory):
    return ThingsUnitOfWork(factory, service_name="things", outbox=outbox)


def _rows(factory, table):
    with factory() as session:
        return session.execute(select(table).order_by(table.c[next(iter(table.c.keys()))])).all()


def test_commit_writes_the_change_and_its_event_together(session_factory):
    with _uow(session_factory) as uow:
        uow.add_thing(1, "first")
        uow.commit()
    assert [r.name for r in _rows(session_factory, things)] == ["first"]
    (row,) = _rows(session_factory, outbox)
    assert row.event_type == "thing_added" and row.exchange == "things.events"
    assert row.status == PENDING and row.sent_at is None and row.occurred_at.tzinfo is not None
    body = json.loads(row.payload)
    assert body["meta"]["event_id"] == row.event_id and body["seq"] == "1"
    assert json.loads(row.headers)["nameko.call_id_stack"]


def test_leaving_without_commit_keeps_neither_change_nor_event(session_factory):
    with _uow(session_factory) as uow:
        uow.add_thing(1, "first")
    assert _rows(session_factory, things) == [] and _rows(session_factory, outbox) == []


def test_a_failing_change_publishes_nothing(session_factory):
    with _uow(session_factory) as uow:
        uow.add_thing(1, "same")
        uow.commit()
    with pytest.raises(IntegrityError), _uow(session_factory) as uow:
        uow.add_thing(2, "same")  # unique violation
        uow.commit()
    assert len(_rows(session_factory, outbox)) == 1


def test_outbox_ids_follow_commit_order(session_factory):
    for i in range(1, 6):
        with _uow(session_factory) as uow:
            uow.add_thing(i, f"t{i}")
            uow.commit()
    assert [int(r.aggregate_id) for r in _rows(session_factory, outbox)] == [1, 2, 3, 4, 5]


def test_fake_unit_of_work_only_keeps_committed_events():
    from crm.testing.v1.events_pb2 import SomethingHappened

    uow = FakeUnitOfWorkBase()
    with uow:
        uow.emit(
            "a", SomethingHappened(), aggregate_type="t", aggregate_id="1", aggregate_version=1
        )
    with uow:
        uow.emit(
            "b", SomethingHappened(), aggregate_type="t", aggregate_id="1", aggregate_version=2
        )
        uow.commit()
    assert uow.emitted_types() == ["b"] and uow.commits == 1


def _use_case_adding(
    deps, thing_id: int, name: str, *, commit: bool = True, fail: bool = False
) -> None:
    with deps.uow() as uow:
        uow.add_thing(thing_id, name)
        if fail:
            raise ValueError("refused")
        if commit:
            uow.commit()


def test_a_joined_use_case_runs_in_a_savepoint_of_the_handler_transaction(session_factory):
    from crm_chassis.use_cases import Dependencies

    deps = Dependencies(uow=lambda: _uow(session_factory))
    with _uow(session_factory) as handler:
        handler.add_thing(1, "inbox")
        _use_case_adding(deps.joined(handler), 2, "kept")
        with pytest.raises(ValueError):
            _use_case_adding(deps.joined(handler), 3, "failed", fail=True)
        _use_case_adding(deps.joined(handler), 4, "uncommitted", commit=False)
        with pytest.raises(IntegrityError):  # unique violation: only its savepoint is lost
            _use_case_adding(deps.joined(handler), 5, "kept")
        handler.commit()
    assert [r.name for r in _rows(session_factory, things)] == ["inbox", "kept"]
    assert [int(r.aggregate_id) for r in _rows(session_factory, outbox)] == [1, 2]


def test_a_joined_use_case_can_roll_back_and_then_record_a_rejection(session_factory):
    from crm_chassis.use_cases import Dependencies

    def convert(deps) -> None:
        with deps.uow() as uow:
            uow.add_thing(2, "converted")
            uow.rollback()
            uow.add_thing(3, "rejection")
            uow.commit()

    with _uow(session_factory) as handler:
        handler.add_thing(1, "inbox")
        convert(Dependencies(uow=lambda: _uow(session_factory)).joined(handler))
        handler.commit()
    assert [r.name for r in _rows(session_factory, things)] == ["inbox", "rejection"]


def test_a_joined_use_case_never_commits_the_handler_transaction(session_factory):
    from crm_chassis.use_cases import Dependencies

    with _uow(session_factory) as handler:
        handler.add_thing(1, "inbox")
        _use_case_adding(
            Dependencies(uow=lambda: _uow(session_factory)).joined(handler),
            2,
            "committed by the use case only",
        )
    assert _rows(session_factory, things) == [] and _rows(session_factory, outbox) == []
