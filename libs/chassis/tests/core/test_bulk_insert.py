"""BulkInsert (and BulkUpdate) writes exactly what SQLAlchemy's executemany writes, on PostgreSQL (its own
quoting) and on SQLite (SQLAlchemy's path): odd text, NULLs, timezone-aware datetimes; it
refuses what the column types refuse and reports a duplicate key as IntegrityError, inside the
caller's transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    MetaData,
    String,
    Table,
    Text,
    event,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from crm_chassis.bulk_insert import BulkInsert, BulkUpdate
from crm_chassis.db import UtcDateTime, make_engine
from crm_testkit import temporary_postgres_database

metadata = MetaData()
things = Table(
    "bulk_things",
    metadata,
    Column("id", String(20), primary_key=True),
    Column("body", Text),
    Column("count", BigInteger),
    Column("flag", Boolean),
    Column("at", UtcDateTime()),
)
copies = Table("bulk_copies", metadata, *(c.copy() for c in things.columns))

BERLIN = dt.timezone(dt.timedelta(hours=1))
ROWS = [
    {
        "id": "a",
        "body": "50% off; 'quoted' \"double\" \\ back",
        "count": 2**62,
        "flag": True,
        "at": dt.datetime(2026, 12, 2, 10, 0, tzinfo=BERLIN),
    },
    {"id": "b", "body": None, "count": None, "flag": None, "at": None},
    {
        "id": "c",
        "body": "é – 日本 %s %(x)s",
        "count": -1,
        "flag": False,
        "at": dt.datetime(2026, 1, 1, 0, 0, 0, 123456, tzinfo=dt.UTC),
    },
]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def engine(request, tmp_path):
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path}/bulk.db")
        metadata.create_all(engine)
        yield engine
        engine.dispose()
        return
    with temporary_postgres_database("bulk") as url:
        engine = make_engine(url)
        metadata.create_all(engine)
        yield engine
        engine.dispose()


def _rows(engine, table):
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(select(table).order_by(table.c.id)).mappings()]


def test_writes_what_sqlalchemy_writes(engine):
    with Session(engine) as session:
        BulkInsert(things).execute(session, ROWS)
        session.execute(insert(copies), ROWS)
        session.commit()
    assert _rows(engine, things) == _rows(engine, copies)
    assert _rows(engine, things)[0]["at"] == ROWS[0]["at"]  # the same instant, in UTC
    assert _rows(engine, things)[0]["at"].tzinfo == dt.UTC


def test_a_subset_of_columns_leaves_the_others_to_their_defaults(engine):
    with Session(engine) as session:
        BulkInsert(things, ["id", "body"]).execute(session, [{"id": "x", "body": "y"}])
        session.commit()
    assert _rows(engine, things) == [
        {"id": "x", "body": "y", "count": None, "flag": None, "at": None}
    ]


def test_runs_in_the_callers_transaction(engine):
    with Session(engine) as session:
        BulkInsert(things).execute(session, ROWS[:1])
        session.rollback()
    assert _rows(engine, things) == []


def test_a_duplicate_key_is_an_integrity_error(engine):
    with Session(engine) as session:
        BulkInsert(things).execute(session, ROWS[:1])
        with pytest.raises(IntegrityError):
            BulkInsert(things).execute(session, ROWS[:1])


def test_a_naive_datetime_is_refused_as_by_the_column_type(engine):
    naive = dict(ROWS[0], at=dt.datetime(2026, 12, 2, 10, 0))
    with (
        Session(engine) as session,
        pytest.raises((ValueError, StatementError), match="naive datetime"),
    ):
        BulkInsert(things).execute(session, [naive])


def test_nothing_to_insert_is_no_statement(engine):
    with Session(engine) as session:
        BulkInsert(things).execute(session, [])
        assert not session.in_transaction()


def test_a_nul_character_is_refused_before_anything_is_sent(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite stores NUL characters")
    with Session(engine) as session, pytest.raises((ValueError, StatementError)):
        BulkInsert(things).execute(session, [dict(ROWS[1], id="n", body="a\x00b")])


def test_values_of_other_types_are_quoted_by_the_driver(engine):
    # An int subclass (not exactly int) in one row: that row falls back to psycopg2's quoting,
    # the others take the fast literals; all land exactly.
    class Count(int):
        pass

    rows = [dict(ROWS[0], id="p", count=Count(7)), dict(ROWS[2], id="q")]
    with Session(engine) as session:
        BulkInsert(things).execute(session, rows)
        session.commit()
    assert [(r["id"], r["count"], r["body"]) for r in _rows(engine, things)] == [
        ("p", 7, ROWS[0]["body"]),
        ("q", -1, ROWS[2]["body"]),
    ]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")),
        min_size=1,
        max_size=5,
    )
)
def test_any_text_lands_exactly_as_given(engine, texts):
    # The fast literals quote strings themselves: whatever the text (quotes, backslashes, "%",
    # E'...'-looking escapes, any script), the stored value is the given one.
    with Session(engine) as session:
        session.execute(things.delete())
        BulkInsert(things, ["id", "body"]).execute(
            session, [{"id": str(i), "body": text} for i, text in enumerate(texts)]
        )
        session.commit()
    assert [r["body"] for r in _rows(engine, things)] == texts


# -- copy: the same rows with COPY FROM STDIN on PostgreSQL (the INSERT path elsewhere) -------
def test_copy_writes_what_sqlalchemy_writes(engine):
    with Session(engine) as session:
        BulkInsert(things).copy(session, ROWS)
        session.execute(insert(copies), ROWS)
        session.commit()
    assert _rows(engine, things) == _rows(engine, copies)
    assert _rows(engine, things)[0]["at"] == ROWS[0]["at"]


def test_copy_runs_in_the_callers_transaction_and_reports_a_duplicate(engine):
    with Session(engine) as session:
        BulkInsert(things).copy(session, ROWS[:1])
        session.rollback()
    assert _rows(engine, things) == []
    with Session(engine) as session:
        BulkInsert(things).copy(session, ROWS[:1])
        with pytest.raises(IntegrityError):
            BulkInsert(things).copy(session, ROWS[:1])


def test_copy_refuses_naive_datetimes_and_nul_characters(engine):
    naive = dict(ROWS[0], at=dt.datetime(2026, 12, 2, 10, 0))
    with (
        Session(engine) as session,
        pytest.raises((ValueError, StatementError), match="naive datetime"),
    ):
        BulkInsert(things).copy(session, [naive])
    if engine.dialect.name == "postgresql":
        with Session(engine) as session, pytest.raises((ValueError, StatementError)):
            BulkInsert(things).copy(session, [dict(ROWS[1], id="n", body="a\x00b")])


def test_copy_of_values_of_other_types_goes_as_an_insert(engine):
    class Count(int):
        pass

    with Session(engine) as session:
        BulkInsert(things).copy(session, [dict(ROWS[0], id="p", count=Count(7))])
        session.commit()
    assert [(r["id"], r["count"]) for r in _rows(engine, things)] == [("p", 7)]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")),
        min_size=1,
        max_size=5,
    )
)
def test_copy_lands_any_text_exactly_as_given(engine, texts):
    # COPY's text format escapes backslashes, tabs and line ends; "\N" as text is not NULL.
    texts = [*texts, "\\N", "a\tb\nc\rd\\e"]
    with Session(engine) as session:
        session.execute(things.delete())
        BulkInsert(things, ["id", "body"]).copy(
            session, [{"id": str(i), "body": text} for i, text in enumerate(texts)]
        )
        session.commit()
    assert sorted(r["body"] for r in _rows(engine, things)) == sorted(texts)


def test_copy_on_green_connections_goes_as_an_insert(engine):
    # The eventlet workers' psycopg2 waits through a callback, with which it refuses COPY.
    if engine.dialect.name != "postgresql":
        pytest.skip("psycopg2 only")
    import psycopg2.extensions
    import psycopg2.extras

    psycopg2.extensions.set_wait_callback(psycopg2.extras.wait_select)
    try:
        with Session(engine) as session:
            BulkInsert(things).copy(session, ROWS)
            session.commit()
    finally:
        psycopg2.extensions.set_wait_callback(None)
    assert [r["id"] for r in _rows(engine, things)] == ["a", "b", "c"]


def test_bulk_update_sets_the_columns_of_each_row_by_its_key_in_one_statement(engine):
    with Session(engine) as session:
        session.execute(insert(things), ROWS)
        session.commit()
    # Each row's new values, NULLs, odd text and aware datetimes among them; "b" left as it is.
    changes = [
        {"id": "a", "body": None, "count": 7, "at": None},
        {
            "id": "c",
            "body": "it's 100% \\ new",
            "count": None,
            "at": dt.datetime(2026, 5, 1, 12, 0, tzinfo=BERLIN),
        },
    ]
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with Session(engine) as session:
        BulkUpdate(things, "id", ["body", "count", "at"]).execute(session, changes)
        session.commit()
    if engine.dialect.name == "postgresql":
        assert len([s for s in statements if s.startswith("UPDATE")]) == 1
    with engine.connect() as connection:
        got = {row.id: row for row in connection.execute(select(things))}
    assert (got["a"].body, got["a"].count, got["a"].at, got["a"].flag) == (None, 7, None, True)
    assert (got["c"].body, got["c"].count) == ("it's 100% \\ new", None)
    assert got["c"].at == dt.datetime(2026, 5, 1, 11, 0, tzinfo=dt.UTC)
    assert (got["b"].body, got["b"].count) == (None, None)
    assert got["a"].at is None and got["b"].at is None
