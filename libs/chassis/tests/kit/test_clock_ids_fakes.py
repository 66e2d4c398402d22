"""Clock, ids and the fakes of the chassis test kit."""

from __future__ import annotations

import datetime as dt

import pytest

from crm_chassis.clock import SystemClock
from crm_chassis.ids import UuidIds
from crm_testkit.fakes import FakeRepository, FakeUnitOfWork, FixedClock, SequentialIds


def test_system_clock_is_aware_utc_and_moves():
    clock = SystemClock()
    first = clock.now()
    assert first.utcoffset() == dt.timedelta(0)
    assert clock.now() >= first


def test_uuid_ids_are_32_hex_digits_and_distinct():
    ids = UuidIds()
    made = {ids.new_id() for _ in range(100)}
    assert len(made) == 100 and all(len(i) == 32 and int(i, 16) >= 0 for i in made)


def test_fixed_clock_stands_still_until_moved():
    start = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    clock = FixedClock(start)
    assert clock.now() == clock.now() == start
    assert clock.advance(dt.timedelta(minutes=5)) == start + dt.timedelta(minutes=5)
    clock.set(start)
    assert clock.now() == start
    with pytest.raises(ValueError, match="aware"):
        FixedClock(dt.datetime(2026, 3, 1))


def test_sequential_ids_count_from_one_with_their_prefix():
    ids = SequentialIds("lead")
    assert [ids.new_id() for _ in range(3)] == ["lead-1", "lead-2", "lead-3"]


class Thing:
    def __init__(self, id: str, name: str) -> None:
        self.id, self.name = id, name


class ThingsUnitOfWork(FakeUnitOfWork):
    def open_repositories(self):
        self.things = FakeRepository(self.store("things"))
        return [self.things]


def test_fake_repository_writes_are_seen_by_others_only_after_commit():
    uow = ThingsUnitOfWork()
    with uow:
        uow.things.add(Thing("t1", "first"))
        assert uow.things.get("t1").name == "first"
    with uow:
        assert uow.things.get("t1") is None  # rolled back: never committed
        uow.things.add(Thing("t1", "first"))
        uow.commit()
    with uow:
        assert [t.name for t in uow.things.all()] == ["first"]


def test_fake_repository_returns_copies_so_an_unsaved_change_is_lost():
    uow = ThingsUnitOfWork()
    with uow:
        uow.things.add(Thing("t1", "first"))
        uow.commit()
    with uow:
        thing = uow.things.get("t1")
        thing.name = "changed"
        uow.commit()  # forgot update()
    with uow:
        assert uow.things.get("t1").name == "first"
        thing.name = "second"
        uow.things.update(thing)
        uow.commit()
    with uow:
        assert [t.name for t in uow.things.versions("t1")] == ["first", "second"]


def test_fake_repository_refuses_add_of_an_existing_and_update_of_an_unknown_id():
    uow = ThingsUnitOfWork()
    with uow:
        uow.things.add(Thing("t1", "first"))
        with pytest.raises(AssertionError, match="existing"):
            uow.things.add(Thing("t1", "again"))
        with pytest.raises(AssertionError, match="unknown"):
            uow.things.update(Thing("t2", "nobody"))


def test_a_ticking_fixed_clock_gives_every_reading_its_own_instant():
    start = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    clock = FixedClock(start, tick=dt.timedelta(seconds=1))
    assert [clock.now(), clock.now()] == [
        start + dt.timedelta(seconds=1),
        start + dt.timedelta(seconds=2),
    ]
    assert clock.current == start + dt.timedelta(seconds=2)
