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


DEAL_COLUMNS = ["external_id", "account_id", "sales_line_id", "name", "currency", "amount"]
DEAL_COLUMNS += ["status", "close_date", "lost_reason", "created_at", "stage_history"]


def _deal_rows(account_id, n):
    for i in range(1, n + 1):
        status = ("open", "won", "lost")[i % 3]
        yield (
            i,
            {
                "external_id": f"OLD-{i}",
                "account_id": account_id,
                "sales_line_id": "line-1",
                "name": f"Deal {i}",
                "currency": "EUR",
                "amount": f"{i}.50",
                "status": status,
                "close_date": "" if status == "open" else "2020-03-01",
                "lost_reason": "price" if status == "lost" else "",
                "created_at": "2020-01-01",
                "stage_history": "qualify=2020-01-01;propose=2020-02-01",
            },
        )


def test_a_deals_batch_is_written_together_and_a_crash_keeps_every_reported_row(
    sql_world, world_engine, monkeypatch
):
    """Batches of 200 deals: their rows go out together (COPY) at the batch's end; a commit
    that never happens loses only the unreported batch; the re-run adds the rest once, with
    every deal's history and events."""
    account = sql_world.account()
    plan = migration.plan_import(
        sql_world.alice, sql_world.deps, kind="deals", column_mapping={}, columns=DEAL_COLUMNS
    )
    before = count(world_engine, orm.outbox)
    commits = {"n": 0}
    real_commit = type(sql_world.uow).commit

    def commit_then_crash(self):
        commits["n"] += 1
        if commits["n"] == 2:
            raise RuntimeError("process killed")
        real_commit(self)

    monkeypatch.setattr(type(sql_world.uow), "commit", commit_then_crash)
    reported = []
    with pytest.raises(RuntimeError):
        for report in migration.import_rows(
            sql_world.deps, sql_world.alice, plan, _deal_rows(account.id, 450), batch_size=200
        ):
            reported += report.accepted
    monkeypatch.undo()
    assert len(reported) == 200 and count(world_engine, orm.opportunities) == 200
    assert count(world_engine, orm.import_keys) == 200
    again = list(
        migration.import_rows(
            sql_world.deps, sql_world.alice, plan, _deal_rows(account.id, 450), batch_size=200
        )
    )
    assert (again[-1].rows_accepted, again[-1].rows_rejected) == (450, 0)
    assert sum(a.already_imported for r in again for a in r.accepted) == 200
    assert count(world_engine, orm.opportunities) == 450
    with world_engine.connect() as connection:
        types = connection.execute(
            select(orm.outbox.c.event_type).order_by(orm.outbox.c.id).offset(before)
        ).scalars()
        per_deal = [t for t in types if t != "account_relationship_changed"]
        moves = connection.execute(
            select(func.count())
            .select_from(orm.history)
            .where(orm.history.c.body.like("%stage_changed%"))
        ).scalar_one()
    # each deal: created, its stage change, then won/lost for the closed ones, in that order
    assert per_deal[:3] == ["deal_created", "deal_stage_changed", "deal_won"]  # OLD-1 won
    assert per_deal.count("deal_stage_changed") == 450 and moves == 450
    assert per_deal.count("deal_won") == 150 and per_deal.count("deal_lost") == 150
    deal = sql_world.get("opportunities", again[-2].accepted[-1].record_id)
    assert (deal.stage_key, deal.stage_entered_at.date().isoformat()) == ("propose", "2020-02-01")
