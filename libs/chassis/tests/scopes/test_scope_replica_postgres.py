"""On PostgreSQL: two transactions applying snapshots of one user serialise; the newest wins."""

import threading

import pytest
from sqlalchemy import MetaData

from crm_chassis.db import make_engine, make_session_factory
from crm_chassis.scopes import (
    Grant,
    ScopeReplica,
    apply_user_access_changed,
    scope_tables,
    user_access_changed_message,
)
from crm_testkit import temporary_postgres_database

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def engine():
    with temporary_postgres_database("scopes") as url:
        engine = make_engine(url)
        metadata = MetaData()
        scope_tables(metadata)
        metadata.create_all(engine)
        yield engine
        engine.dispose()


def test_newer_snapshot_wins_when_the_older_commits_last(engine):
    sessions = make_session_factory(engine)
    with sessions() as session:
        apply_user_access_changed(
            session, user_access_changed_message("u1", 1, [Grant("t0", "expert", "membership")])
        )
        session.commit()
    older = sessions()
    # The older snapshot's transaction takes the version lock first and holds it...
    assert apply_user_access_changed(
        older, user_access_changed_message("u1", 2, [Grant("t-old", "expert", "membership")])
    )
    newer_result = {}

    def apply_newer():
        with sessions() as session:
            newer_result["applied"] = apply_user_access_changed(
                session,
                user_access_changed_message("u1", 3, [Grant("t-new", "manager", "membership")]),
            )
            session.commit()

    thread = threading.Thread(target=apply_newer)
    thread.start()
    thread.join(0.5)
    assert thread.is_alive(), "the newer snapshot must wait for the version row lock"
    older.commit()
    older.close()
    thread.join(10)
    assert newer_result == {"applied": True}
    assert ScopeReplica(engine, 0).roles_by_team("u1") == {"t-new": "manager"}
