"""crm_testkit.templates: a database asked for a key already migrated is a copy of a template
migrated once for that key; each copy is its own database and is dropped after use."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from crm_testkit import PG_ADMIN_URL
from crm_testkit.templates import migrated_postgres_database

pytestmark = pytest.mark.integration


def _exists(name: str) -> bool:
    admin = create_engine(PG_ADMIN_URL, poolclass=NullPool)
    try:
        with admin.connect() as conn:
            found = conn.execute(
                text("SELECT count(*) FROM pg_database WHERE datname = :n"), {"n": name}
            ).scalar_one()
    finally:
        admin.dispose()
    return bool(found)


def _rows(url: str) -> list[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text("SELECT note FROM notes ORDER BY note")).scalars())
    finally:
        engine.dispose()


def test_copies_of_one_key_are_migrated_once_and_independent():
    migrated: list[str] = []

    def migrate(url: str) -> None:
        migrated.append(url)
        engine = create_engine(url, poolclass=NullPool)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE notes (note text)"))
            conn.execute(text("INSERT INTO notes VALUES ('seeded')"))
        engine.dispose()

    key = ("templates-test", uuid.uuid4().hex)
    with migrated_postgres_database("tplcheck", key, migrate) as first:
        engine = create_engine(first, poolclass=NullPool)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO notes VALUES ('first only')"))
        engine.dispose()
        with migrated_postgres_database("tplcheck", key, migrate) as second:
            assert second != first
            assert _rows(second) == ["seeded"]
        assert _rows(first) == ["first only", "seeded"]
    assert len(migrated) == 1
    assert not _exists(first.rsplit("/", 1)[1])
    assert not _exists(second.rsplit("/", 1)[1])
    with migrated_postgres_database("tplcheck", key + ("other",), migrate):
        assert len(migrated) == 2
