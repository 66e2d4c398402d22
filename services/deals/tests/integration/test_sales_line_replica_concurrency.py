"""deals' copy of a sales line written by two transactions at once (the worker storing
territory's event while an api call stores the same brand-new line it asked territory for): the
second waits for the first and then keeps the newer snapshot, instead of failing on the
duplicate key (which the caller would see as INTERNAL)."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import text

from crm_chassis.db import make_session_factory
from crm_deals.adapters.sales_line_replica import SqlSalesLineRepository
from crm_deals.domain.sales_lines import SalesLine
from crm_testkit import wait_until

pytestmark = pytest.mark.integration


def _line(line_id: str, version: int) -> SalesLine:
    return SalesLine(
        id=line_id, name=f"Line v{version}", workflow="quote", active=True, version=version
    )


def _waiting_on_a_lock(engine) -> bool:
    with engine.connect() as conn:
        return bool(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND query ILIKE '%sales_lines%'"
                )
            ).scalar()
        )


def test_two_transactions_storing_one_new_line_keep_the_newer_snapshot(engine):
    factory = make_session_factory(engine)
    line_id = uuid.uuid4().hex
    first, second = factory(), factory()
    errors: list[BaseException] = []

    def store_newer():
        try:
            SqlSalesLineRepository(second).put(_line(line_id, 2))
            second.commit()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
            second.rollback()

    try:
        SqlSalesLineRepository(first).put(_line(line_id, 1))  # not committed yet
        other = threading.Thread(target=store_newer)
        other.start()
        wait_until(
            lambda: _waiting_on_a_lock(engine),
            timeout=20,
            message="the second writer did not wait for the first",
        )
        first.commit()
        other.join(timeout=20)

        assert errors == []
        with factory() as reader:
            assert SqlSalesLineRepository(reader).get(line_id) == _line(line_id, 2)
    finally:
        first.close()
        second.close()


def test_an_older_snapshot_does_not_replace_a_newer_one(engine):
    factory = make_session_factory(engine)
    line_id = uuid.uuid4().hex
    with factory() as session:
        SqlSalesLineRepository(session).put(_line(line_id, 3))
        SqlSalesLineRepository(session).put(_line(line_id, 2))
        session.commit()
    with factory() as reader:
        assert SqlSalesLineRepository(reader).get(line_id) == _line(line_id, 3)
