"""Migration import on the SQL unit of work and PostgreSQL: import keys found and stored in the
batch's transaction, a re-run adding nothing, a dry run rolled back."""

import pytest
from sqlalchemy import func, select

from crm_deals.adapters import orm
from crm_deals.service_layer import migration

pytestmark = pytest.mark.integration

ROWS = [
    {
        "external_id": f"SF-{i}",
        "team_id": "team-a",
        "name": f"Account {i}",
        "created_at": "2017-01-31",
    }
    for i in range(1, 6)
] + [{"external_id": "SF-bad", "team_id": "team-a", "name": ""}]


def run(world, dry_run=False):
    plan = migration.plan_import(
        world.alice,
        world.deps,
        kind="accounts",
        column_mapping={},
        columns=["external_id", "team_id", "name", "created_at"],
        dry_run=dry_run,
    )
    return list(
        migration.import_rows(world.deps, world.alice, plan, enumerate(ROWS, 1), batch_size=2)
    )


def count(engine, table):
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def test_import_rerun_and_dry_run_on_postgres(sql_world, world_engine):
    assert run(sql_world, dry_run=True)[-1].rows_accepted == 5
    assert count(world_engine, orm.accounts) == 0 and count(world_engine, orm.import_keys) == 0
    first = run(sql_world)
    assert (first[-1].rows_accepted, first[-1].rows_rejected) == (5, 1)
    assert count(world_engine, orm.accounts) == 5 and count(world_engine, orm.import_keys) == 5
    again = run(sql_world)
    assert all(a.already_imported for r in again for a in r.accepted)
    assert count(world_engine, orm.accounts) == 5
    account = sql_world.get("accounts", first[0].accepted[0].record_id)
    assert account.created_at.isoformat() == "2017-01-31T00:00:00+00:00"
