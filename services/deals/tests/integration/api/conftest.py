"""The deals api on PostgreSQL: A's migrated database (parent conftest), scopes inserted into the
replica as territory's user_access_changed would, the real wiring (SQL unit of work, replica
scopes) with in-process fakes for the two remote ports (catalog pricing, territory handover),
and the chassis gRPC server on 127.0.0.1 with test signing keys."""

from __future__ import annotations

import pathlib
import sys

import grpc
import pytest
from sqlalchemy import text

from crm_chassis.db import make_session_factory
from crm_chassis.scopes import Grant, apply_user_access_changed, user_access_changed_message
from crm_deals.entrypoints import api as api_entrypoint
from crm_deals.entrypoints.settings import DealsSettings
from crm_deals.entrypoints.wiring import build_dependencies
from crm_testkit.auth import TestKeys

sys.path.insert(0, str(pathlib.Path(__file__).parents[2] / "unit"))

from deals_fake_ports import FakeHandover, FakePricing, FakeTerritoryLines
from deals_grpc_kit import Api

# As in the unit tests' world: team A (alice, bob experts; sam supervisor; mia manages the unit
# above), team B (tom expert, max manager); root (admin) and boss (management) are in no team.
GRANTS = {
    "alice": [Grant("team-a", "expert", "membership")],
    "bob": [Grant("team-a", "expert", "membership")],
    "sam": [Grant("team-a", "supervisor", "membership")],
    "mia": [Grant("team-a", "manager", "unit_manager", "unit-north")],
    "tom": [Grant("team-b", "expert", "membership")],
    "max": [Grant("team-b", "manager", "membership")],
}


class Scopes:
    """Writes users' scope snapshots into the replica tables, newest version wins."""

    def __init__(self, engine, replica):
        self.sessions = make_session_factory(engine)
        self.replica = replica
        self.versions: dict[str, int] = {}

    def publish(self, user_id: str, grants) -> None:
        version = self.versions[user_id] = self.versions.get(user_id, 0) + 1
        with self.sessions() as session:
            apply_user_access_changed(
                session, user_access_changed_message(user_id, version, grants)
            )
            session.commit()
        self.replica.invalidate(user_id)  # what max_staleness_seconds does a moment later

    def restore(self, user_id: str) -> None:
        self.publish(user_id, GRANTS[user_id])


def _empty_database(engine) -> None:
    with engine.begin() as connection:
        tables = (
            connection.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename NOT LIKE 'alembic_version%'"
                )
            )
            .scalars()
            .all()
        )
        connection.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)))


@pytest.fixture(scope="module")
def deals_settings(database_url) -> DealsSettings:
    return DealsSettings.load(
        "deals", env={}, database_url=database_url, grpc_port=0, grpc_max_workers=4
    )


@pytest.fixture(scope="module")
def deals_deps(deals_settings, engine):
    _empty_database(engine)
    deps = build_dependencies(
        deals_settings,
        engine=engine,
        pricing=FakePricing(),
        handover=FakeHandover(),
        sales_lines=FakeTerritoryLines("line-1", "line-board"),
    )
    yield deps
    deps.close()


@pytest.fixture(scope="module")
def scopes(engine, deals_deps):
    writer = Scopes(engine, deals_deps.scopes.replica)
    for user_id, grants in GRANTS.items():
        writer.publish(user_id, grants)
    return writer


@pytest.fixture(scope="module")
def pg_api(deals_settings, deals_deps, scopes):
    keys = TestKeys()
    running = api_entrypoint.start(
        deals_settings, deals_deps, verifier=keys.verifier(), access_log=False
    )
    channel = grpc.insecure_channel(running.address)
    try:
        yield Api(None, channel, keys)
    finally:
        channel.close()
        running.stop(0)
