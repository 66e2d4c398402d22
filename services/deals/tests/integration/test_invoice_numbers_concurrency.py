"""Gap-free invoice numbers under concurrency, on PostgreSQL: many issuers at once, some of
whose transactions roll back after taking a number; the numbers of the year end up exactly
1..n, without a duplicate or a hole."""

from __future__ import annotations

import dataclasses
import threading

import pytest
from deals_sql_testkit import RecordingSqlUnitOfWork
from sqlalchemy import select
from test_quotes_billing import _order

from crm_chassis.db import make_session_factory
from crm_deals.adapters import orm
from crm_deals.service_layer import billing

pytestmark = pytest.mark.integration
ISSUERS = 24


class FailingCommitUnitOfWork(RecordingSqlUnitOfWork):
    """Takes its invoice number like any issuer, then fails at commit (rolls back)."""

    def commit(self):
        raise RuntimeError("simulated failure after the number was taken")


def _draft_invoices(world, count: int) -> list[str]:
    return [
        world.call(billing.create_invoice, world.sam, _order(world).id).id for _ in range(count)
    ]


def _issue_all(world, session_factory, invoice_ids, failing: set[str]) -> list[BaseException]:
    start = threading.Barrier(len(invoice_ids))
    errors: list[BaseException] = []

    def issue(invoice_id):
        uow_cls = FailingCommitUnitOfWork if invoice_id in failing else RecordingSqlUnitOfWork
        start.wait()
        try:
            billing.issue_invoice(
                dataclasses.replace(world.deps, uow=lambda: uow_cls(session_factory)),
                world.sam,
                invoice_id,
            )
        except RuntimeError as exc:
            if invoice_id not in failing:
                errors.append(exc)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=issue, args=(i,)) for i in invoice_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_concurrent_issuers_get_numbers_one_to_n_even_when_some_roll_back(sql_world, world_engine):
    invoice_ids = _draft_invoices(sql_world, ISSUERS)
    session_factory = make_session_factory(world_engine)
    failing = set(invoice_ids[::4])

    assert _issue_all(sql_world, session_factory, invoice_ids, failing) == []
    # The rolled-back ones are still drafts without a number; issuing them now fills 1..n.
    assert _issue_all(sql_world, session_factory, sorted(failing), set()) == []

    with world_engine.connect() as conn:
        numbers = sorted(conn.execute(select(orm.invoices.c.number)).scalars())
        counter = conn.execute(select(orm.invoice_sequences.c.last_value)).scalar_one()
    year = sql_world.clock.now().year
    assert numbers == [f"INV-{year}-{n:06d}" for n in range(1, ISSUERS + 1)]
    assert counter == ISSUERS
