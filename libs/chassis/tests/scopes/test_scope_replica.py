"""The scope replica: snapshots stored newest-wins, read with bounded staleness, deny by default."""

import pytest
from sqlalchemy import MetaData

from crm_chassis.db import make_engine, make_session_factory
from crm_chassis.scopes import (
    Grant,
    ScopeReplica,
    UserScopes,
    apply_user_access_changed,
    from_proto,
    scope_tables,
    user_access_changed_message,
)
from crm_chassis.scopes.messages import MalformedScopes


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'replica.db'}")
    metadata = MetaData()
    scope_tables(metadata)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine):
    sessions = make_session_factory(engine)

    def apply(user_id, version, grants=(), active=True):
        with sessions() as session:
            applied = apply_user_access_changed(
                session, user_access_changed_message(user_id, version, grants, active=active)
            )
            session.commit()
            return applied

    return apply


MEMBER = Grant("team-a", "expert", "membership")
UNIT_MANAGER = Grant("team-a", "manager", "unit_manager", "unit-1")


def test_unknown_user_has_empty_scopes(engine):
    scopes = ScopeReplica(engine).scopes_of("nobody")
    assert scopes.is_empty and scopes.roles_by_team() == {}
    assert ScopeReplica(engine).scopes_of("").is_empty


def test_snapshot_is_stored_and_strongest_role_wins(engine, store):
    assert store("u1", 1, [MEMBER, UNIT_MANAGER, Grant("team-b", "supervisor", "membership")])
    replica = ScopeReplica(engine, 0)
    assert replica.roles_by_team("u1") == {"team-a": "manager", "team-b": "supervisor"}
    assert replica.scopes_of("u1").version == 1


def test_older_or_equal_snapshot_is_ignored(engine, store):
    store("u1", 5, [MEMBER])
    assert not store("u1", 4, [UNIT_MANAGER])
    assert not store("u1", 5, [])
    assert ScopeReplica(engine, 0).roles_by_team("u1") == {"team-a": "expert"}


def test_newer_snapshot_replaces_every_grant(engine, store):
    store("u1", 1, [MEMBER, Grant("team-b", "expert", "membership")])
    assert store("u1", 2, [Grant("team-c", "expert", "membership")])
    assert ScopeReplica(engine, 0).roles_by_team("u1") == {"team-c": "expert"}


def test_deactivated_user_sees_nothing_even_with_grants(engine, store):
    store("u1", 1, [MEMBER])
    store("u1", 2, [MEMBER], active=False)
    replica = ScopeReplica(engine, 0)
    assert replica.scopes_of("u1").is_empty and replica.roles_by_team("u1") == {}
    assert replica.members("team-a") == []


def test_members_and_managers_of_a_team(engine, store):
    store("rep", 1, [MEMBER])
    store("lead", 1, [Grant("team-a", "manager", "membership")])
    store("boss", 1, [UNIT_MANAGER])
    store("other", 1, [Grant("team-b", "expert", "membership")])
    replica = ScopeReplica(engine, 0)
    assert replica.members("team-a") == [("lead", "manager"), ("rep", "expert")]
    assert replica.managers_of("team-a") == ["boss", "lead"]
    assert replica.members("team-unknown") == []


def test_answers_are_remembered_at_most_the_staleness_bound(engine, store):
    clock = Clock()
    replica = ScopeReplica(engine, 0.25, clock=clock)
    store("u1", 1, [MEMBER])
    assert replica.roles_by_team("u1") == {"team-a": "expert"}
    store("u1", 2, [])  # revoked
    clock.now += 0.2
    assert replica.roles_by_team("u1") == {"team-a": "expert"}  # still remembered
    clock.now += 0.06
    assert replica.roles_by_team("u1") == {}  # past the bound: re-read


def test_invalidate_forgets_at_once(engine, store):
    replica = ScopeReplica(engine, 1.0, clock=Clock())
    store("u1", 1, [MEMBER])
    assert replica.members("team-a") == [("u1", "expert")]
    assert replica.roles_by_team("u1")
    store("u1", 2, [])
    replica.invalidate("u1")
    assert replica.roles_by_team("u1") == {} and replica.members("team-a") == []


def test_staleness_bound_above_the_platform_promise_is_refused(engine):
    with pytest.raises(ValueError, match="within one second"):
        ScopeReplica(engine, 2.0)


def test_malformed_snapshot_is_refused_with_a_reason():
    message = user_access_changed_message("u1", 1, [MEMBER])
    message.user_scopes.scopes[0].role = 0
    with pytest.raises(MalformedScopes, match="unknown role"):
        from_proto(message)


def test_grant_rejects_unknown_role_and_source():
    with pytest.raises(ValueError, match="unknown team role"):
        Grant("t", "admin", "membership")
    with pytest.raises(ValueError, match="unknown scope source"):
        Grant("t", "expert", "admin")


def test_user_scopes_value_defaults_to_no_access():
    assert (
        UserScopes("u").is_empty
        and UserScopes("u", 1, True, (MEMBER,)).role_in("team-a") == "expert"
    )


def test_reads_inside_a_write_transaction_on_sqlite_do_not_wait_for_its_lock(engine, store):
    """The embedded default as a person drives it: each call is a use case whose transaction
    holds SQLite's write lock (BEGIN IMMEDIATE) while it asks the replica for the team, a call
    after the previous one answered, past the replica's memory, with moves and hand-overs in
    between. The replica's own connection must not queue behind the lock its caller holds
    (it used to wait out the 30 s busy timeout, then fail with "database is locked")."""
    from sqlalchemy import text

    store("u1", 1, [MEMBER])
    store("u2", 1, [Grant("team-a", "manager", "membership")])
    clock = Clock()
    replica = ScopeReplica(engine, 0.25, clock=clock)
    sessions = make_session_factory(engine)
    engine.dispose()  # connections are opened with a short busy timeout from here on

    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _short_busy_timeout(dbapi_conn, _record):
        dbapi_conn.execute("PRAGMA busy_timeout=2000")

    answers = []
    for call in range(6):
        with sessions() as session:  # the use case's unit of work
            session.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: the write lock
            answers.append(
                (
                    replica.members("team-a"),
                    replica.managers_of("team-a"),
                    replica.roles_by_team("u1"),
                )
            )
            session.commit()
        clock.now += 1.0  # a second later: the remembered answers have expired
        if call == 2:  # a hand-over: u1 leaves team-a, u3 joins
            store("u1", 2, [Grant("team-b", "expert", "membership")])
            store("u3", 1, [MEMBER])
    assert answers[0] == ([("u1", "expert"), ("u2", "manager")], ["u2"], {"team-a": "expert"})
    assert answers[-1] == ([("u2", "manager"), ("u3", "expert")], ["u2"], {"team-b": "expert"})
