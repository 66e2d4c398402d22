"""handle_batch's transaction (no broker): fresh events once, duplicates skipped, a failing event
isolated by handling the batch's events one by one."""

from __future__ import annotations

from functools import partial

import pytest
from sqlalchemy import insert, select

from crm.testing.v1.events_pb2 import SomethingHappened
from crm_chassis import events
from crm_chassis.db import make_engine, make_session_factory
from crm_chassis.messaging.batches import handle_batch
from crm_chassis.sql_unit_of_work import SqlAlchemyUnitOfWork
from crm_testkit.messaging import consumer_metadata


@pytest.fixture
def world(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'batch.db'}")
    metadata = consumer_metadata()
    metadata.create_all(engine)
    make_uow = partial(
        SqlAlchemyUnitOfWork,
        make_session_factory(engine),
        service_name="unitc",
        outbox=metadata.tables["outbox"],
    )
    batched = metadata.tables["batched"]
    calls = []

    def handler(batch, uow):
        calls.append([event.seq for event in batch])
        if any(event.name == "poison" for event in batch):
            raise RuntimeError("poison in the batch")
        uow.session.execute(
            insert(batched),
            [{"event_id": e.meta.event_id, "seq": e.seq, "batch_size": len(batch)} for e in batch],
        )

    def stored():
        with engine.connect() as conn:
            return sorted(row.seq for row in conn.execute(select(batched)))

    yield make_uow, handler, calls, stored
    engine.dispose()


def _event(seq: int, name: str = "ok") -> SomethingHappened:
    message = SomethingHappened(name=name, seq=seq)
    events.stamp(
        message,
        producer="unitp",
        event_type="something_happened",
        aggregate_type="thing",
        aggregate_id=f"a{seq}",
        aggregate_version=1,
    )
    return events.decode(events.encode(message), SomethingHappened)


def test_one_transaction_for_the_batch_and_duplicates_skipped(world):
    make_uow, handler, calls, stored = world
    first = [_event(n) for n in range(5)]
    assert handle_batch("c.on_batch", first, make_uow, handler) == [None] * 5
    again = first[3:] + [_event(5), _event(5)]
    again[-1].meta.event_id = again[-2].meta.event_id  # the same event twice in one batch
    assert handle_batch("c.on_batch", again, make_uow, handler) == [None] * 4
    assert calls == [[0, 1, 2, 3, 4], [5]] and stored() == [0, 1, 2, 3, 4, 5]


def test_a_failing_event_is_isolated_and_the_others_commit(world):
    make_uow, handler, calls, stored = world
    batch = [_event(0), _event(1, "poison"), _event(2)]
    outcomes = handle_batch("c.on_batch", batch, make_uow, handler)
    assert outcomes[0] is None and outcomes[2] is None
    assert outcomes[1][0] is RuntimeError
    assert calls == [[0, 1, 2], [0], [1], [2]] and stored() == [0, 2]


def test_a_batch_of_one_that_fails_reports_its_failure(world):
    make_uow, handler, _, stored = world
    (outcome,) = handle_batch("c.on_batch", [_event(7, "poison")], make_uow, handler)
    assert outcome[0] is RuntimeError and stored() == []
