"""The migration creates exactly the ORM's tables, downgrades to nothing and upgrades again, on
PostgreSQL and on SQLite (make run) (the chassis' round trip); rules from before team scopes are
disabled with a reason."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from crm_deals import migrate
from crm_deals.adapters import orm
from crm_testkit import temporary_postgres_database
from crm_testkit.migrations import migration_round_trip_tests

pytestmark = pytest.mark.integration


test_postgres_round_trip, test_sqlite_round_trip = migration_round_trip_tests(
    migrate, orm.metadata, "deals"
)


def _old_rule_row(rule_id: str, **extra) -> dict:
    """An automation_rules row as the code before team scopes stored it (no team fields)."""
    import datetime as dt
    import json

    when = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    at = when.isoformat()
    body = {
        "id": rule_id,
        "pipeline_id": "p-1",
        "name": "export",
        "trigger": "won",
        "actions": [
            {
                "kind": "webhook",
                "recipients": [],
                "subject": "",
                "body": "",
                "url": "https://hooks.example/all",
            }
        ],
        "created_at": at,
        "updated_at": at,
        "stage_key": "",
        "stalled_after_days": 0,
        "webhook_secret": "sealed-secret-stays-as-is",
        "enabled": True,
        "version": 3,
        **extra,
    }
    return {
        "id": rule_id,
        "pipeline_id": "p-1",
        "created_at": when,
        "version": 3,
        "body": json.dumps(body, separators=(",", ":"), sort_keys=True),
    }


def _check_unscoped_rules_are_disabled(url: str) -> None:
    from sqlalchemy import insert, select

    from crm_deals.adapters import records
    from crm_deals.domain.automation import UNSCOPED_REASON, AutomationRule

    migrate.upgrade(url, "0001_initial")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(orm.automation_rules),
                [_old_rule_row("old-rule"), _old_rule_row("scoped-rule", team_ids=["team-a"])],
            )
        migrate.upgrade(url)
        with engine.connect() as conn:
            bodies = dict(
                conn.execute(select(orm.automation_rules.c.id, orm.automation_rules.c.body)).all()
            )
            versions = dict(
                conn.execute(
                    select(orm.automation_rules.c.id, orm.automation_rules.c.version)
                ).all()
            )
    finally:
        engine.dispose()
    old = records.loads(AutomationRule, bodies["old-rule"])
    assert (old.enabled, old.disabled_reason, old.team_ids) == (False, UNSCOPED_REASON, ())
    assert old.webhook_secret == "sealed-secret-stays-as-is" and versions["old-rule"] == 3
    scoped = records.loads(AutomationRule, bodies["scoped-rule"])
    assert (scoped.enabled, scoped.disabled_reason, scoped.team_ids) == (True, "", ("team-a",))


def test_rules_without_teams_are_disabled_with_a_reason_on_postgres():
    with temporary_postgres_database("deals_mig_rules") as url:
        _check_unscoped_rules_are_disabled(url)


def test_rules_without_teams_are_disabled_with_a_reason_on_sqlite(tmp_path):
    _check_unscoped_rules_are_disabled(f"sqlite:///{tmp_path / 'deals.db'}")


def _check_invoices_get_their_status(url: str) -> None:
    import json

    from sqlalchemy import text

    migrate.upgrade(url, "0013_notification_teams")
    engine = create_engine(url)
    with engine.begin() as connection:
        for invoice_id, status, number in (("i-1", "draft", None), ("i-2", "paid", "INV-1")):
            connection.execute(
                text(
                    "INSERT INTO invoices (id, team_id, opportunity_id, order_id, number, "
                    "created_at, version, body) VALUES (:id, 't', 'o', '', :number, "
                    "'2026-03-02 10:00:00+00:00', 1, :body)"
                ),
                {"id": invoice_id, "number": number, "body": json.dumps({"status": status})},
            )
    migrate.upgrade(url)
    with engine.connect() as connection:
        found = connection.execute(text("SELECT id, status FROM invoices ORDER BY id")).all()
    engine.dispose()
    migrate.downgrade(url, "0013_notification_teams")
    assert [tuple(row) for row in found] == [("i-1", "draft"), ("i-2", "paid")]


def test_migration_0014_gives_existing_invoices_their_status_on_postgres():
    with temporary_postgres_database("deals_0014") as url:
        _check_invoices_get_their_status(url)


def test_migration_0014_gives_existing_invoices_their_status_on_sqlite(tmp_path):
    _check_invoices_get_their_status(f"sqlite:///{tmp_path / 'deals.db'}")


def _check_issued_invoices_with_payments_are_partly_paid(url: str) -> None:
    import json

    from sqlalchemy import text

    migrate.upgrade(url, "0014_invoice_status")
    engine = create_engine(url)
    payment = {"id": "p-1", "amount": {"amount": "1.00", "currency": "EUR"}}
    with engine.begin() as connection:
        for invoice_id, status, payments in (
            ("i-1", "issued", [payment]),
            ("i-2", "issued", []),
            ("i-3", "paid", [payment]),
        ):
            connection.execute(
                text(
                    "INSERT INTO invoices (id, team_id, opportunity_id, order_id, number, status, "
                    "created_at, version, body) VALUES (:id, 't', 'o', '', :id, :status, "
                    "'2026-03-02 10:00:00+00:00', 1, :body)"
                ),
                {
                    "id": invoice_id,
                    "status": status,
                    "body": json.dumps({"status": status, "payments": payments}),
                },
            )
    migrate.upgrade(url)
    with engine.connect() as connection:
        found = connection.execute(text("SELECT id, partly_paid FROM invoices ORDER BY id")).all()
    engine.dispose()
    migrate.downgrade(url, "0014_invoice_status")
    assert [(row[0], bool(row[1])) for row in found] == [
        ("i-1", True),
        ("i-2", False),
        ("i-3", False),
    ]


def test_migration_0015_marks_issued_invoices_with_payments_partly_paid_on_postgres():
    with temporary_postgres_database("deals_0015") as url:
        _check_issued_invoices_with_payments_are_partly_paid(url)


def test_migration_0015_marks_issued_invoices_with_payments_partly_paid_on_sqlite(tmp_path):
    _check_issued_invoices_with_payments_are_partly_paid(f"sqlite:///{tmp_path / 'deals.db'}")
