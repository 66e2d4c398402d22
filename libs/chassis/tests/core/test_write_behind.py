"""WriteBehindSession holds INSERTs until a read, an other statement or the block's end, sends
them in their order (COPY for large groups on PostgreSQL), and drops them on an exception."""

from __future__ import annotations

import pytest
from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_chassis.db import make_engine
from crm_chassis.write_behind import COPY_ROWS, WriteBehindSession
from crm_testkit import temporary_postgres_database

metadata = MetaData()
items = Table(
    "wb_items",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("id", String(20), nullable=False, unique=True),
    Column("note", String(40)),
)
INSERT = insert(items)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path}/wb.db")
        metadata.create_all(engine)
        yield engine
        engine.dispose()
        return
    with temporary_postgres_database("write_behind") as url:
        engine = make_engine(url)
        metadata.create_all(engine)
        yield engine
        engine.dispose()


def _count(session) -> int:
    return session.execute(select(func.count()).select_from(items)).scalar_one()


@pytest.mark.integration
def test_held_rows_go_before_any_read_and_at_the_end_in_their_order(engine):
    with Session(engine) as session:
        _write(session)
        session.commit()
    with Session(engine) as session:
        rows = session.execute(select(items.c.id, items.c.note).order_by(items.c.seq)).all()
    assert [r.id for r in rows] == ["a", "b", "c", *[f"n{i}" for i in range(COPY_ROWS + 5)], "z"]
    assert rows[0].note == "changed"


def _write(session) -> None:
    with WriteBehindSession(session) as held:
        held.execute(INSERT, {"id": "a", "note": "x"})
        held.execute(INSERT, [{"id": "b", "note": "y"}, {"id": "c", "note": None}])
        assert held.held_rows == 3
        assert _count(held) == 3  # the read sent them first
        held.execute(INSERT, [{"id": f"n{i}", "note": "bulk"} for i in range(COPY_ROWS + 5)])
        held.execute(update(items).where(items.c.id == "a").values(note="changed"))
        held.execute(INSERT, {"id": "z", "note": "last"})
        assert held.held_rows == 1  # sent when the block ends


@pytest.mark.integration
def test_a_violation_arrives_at_the_flush_and_an_exception_drops_what_is_held(engine):
    with Session(engine) as session:
        with pytest.raises(IntegrityError), WriteBehindSession(session) as held:
            held.execute(INSERT, [{"id": "same", "note": ""}, {"id": "same", "note": ""}])
        session.rollback()
        with pytest.raises(RuntimeError), WriteBehindSession(session) as held:
            held.execute(INSERT, {"id": "dropped", "note": ""})
            raise RuntimeError("the batch failed")
        session.commit()
        assert _count(session) == 0
