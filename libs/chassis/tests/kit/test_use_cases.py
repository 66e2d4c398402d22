"""Dependencies: defaults, close order, and joining a handler's unit of work (fakes)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable

import pytest

from crm.testing.v1.events_pb2 import SomethingHappened
from crm_chassis.clock import SystemClock
from crm_chassis.ids import UuidIds
from crm_chassis.unit_of_work import JoinedUnitOfWork
from crm_chassis.use_cases import Dependencies
from crm_testkit.fakes import FakeUnitOfWorkBase, FixedClock, SequentialIds


def _emit(uow, name: str) -> None:
    uow.emit(
        "something_happened",
        SomethingHappened(name=name),
        aggregate_type="thing",
        aggregate_id=name,
        aggregate_version=1,
    )


def record(deps: Dependencies, name: str, *, commit: bool = True, fail: bool = False) -> None:
    """A use case of the convention: opens its own unit of work."""
    with deps.uow() as uow:
        _emit(uow, name)
        if fail:
            raise ValueError("refused")
        if commit:
            uow.commit()


def reject_then_record(deps: Dependencies, name: str) -> None:
    """Rolls back its first change, then commits a record of the rejection (convert_lead)."""
    with deps.uow() as uow:
        _emit(uow, name)
        uow.rollback()
        _emit(uow, f"{name}-rejected")
        uow.commit()


def _names(events) -> list[str]:
    return [message.name for _, message in events]


def test_defaults_are_the_system_clock_and_uuid_hex_ids():
    deps = Dependencies(uow=FakeUnitOfWorkBase)
    assert isinstance(deps.clock, SystemClock) and isinstance(deps.ids, UuidIds)
    assert re.fullmatch(r"[0-9a-f]{32}", deps.ids.new_id())
    assert deps.clock.now().tzinfo is dt.UTC


def test_dependencies_are_frozen_and_keyword_only():
    deps = Dependencies(uow=FakeUnitOfWorkBase)
    with pytest.raises(dataclasses.FrozenInstanceError):
        deps.uow = FakeUnitOfWorkBase  # type: ignore[misc]
    with pytest.raises(TypeError):
        Dependencies(FakeUnitOfWorkBase)  # type: ignore[misc]


def test_close_runs_the_closers_in_reverse_order():
    closed: list[str] = []
    deps = Dependencies(
        uow=FakeUnitOfWorkBase,
        closers=(lambda: closed.append("engine"), lambda: closed.append("channel")),
    )
    deps.close()
    assert closed == ["channel", "engine"]


@dataclasses.dataclass(frozen=True, kw_only=True)
class ServiceDeps(Dependencies):
    uow: Callable[[], FakeUnitOfWorkBase]
    greeting: str = "hello"


def test_joined_keeps_the_service_fields_and_the_use_case_never_commits_the_outer():
    outer = FakeUnitOfWorkBase()
    deps = ServiceDeps(
        uow=FakeUnitOfWorkBase, clock=FixedClock(), ids=SequentialIds(), greeting="hi"
    )
    with outer:
        joined = deps.joined(outer)
        assert isinstance(joined, ServiceDeps) and joined.greeting == "hi"
        assert joined.clock is deps.clock and joined.ids is deps.ids
        record(joined, "a")
        assert outer.commits == 0 and _names(outer.pending) == ["a"]
        outer.commit()
    assert _names(outer.emitted) == ["a"]
    assert deps.uow is not joined.uow  # the original still opens its own units of work


def test_joined_use_case_that_fails_or_does_not_commit_undoes_only_its_own_work():
    outer = FakeUnitOfWorkBase()
    deps = Dependencies(uow=FakeUnitOfWorkBase)
    with outer:
        _emit(outer, "inbox")
        with pytest.raises(ValueError):
            record(deps.joined(outer), "failed", fail=True)
        record(deps.joined(outer), "uncommitted", commit=False)
        record(deps.joined(outer), "kept")
        outer.commit()
    assert _names(outer.emitted) == ["inbox", "kept"]


def test_joined_rollback_then_commit_keeps_only_what_followed_the_rollback():
    outer = FakeUnitOfWorkBase()
    with outer:
        reject_then_record(Dependencies(uow=FakeUnitOfWorkBase).joined(outer), "lead")
        outer.commit()
    assert _names(outer.emitted) == ["lead-rejected"]


def test_joined_without_savepoint_leaves_everything_to_the_handler_commit():
    outer = FakeUnitOfWorkBase()
    deps = Dependencies(uow=FakeUnitOfWorkBase).joined(outer, savepoint=False)
    with outer:
        record(deps, "one")
        record(deps, "two")
        assert outer.commits == 0
        with pytest.raises(RuntimeError, match="savepoint"):
            reject_then_record(deps, "three")
        outer.commit()
    assert _names(outer.emitted) == ["one", "two", "three"]


def test_joined_unit_of_work_reaches_the_outer_repositories():
    outer = FakeUnitOfWorkBase()
    outer.things = {"a": 1}  # type: ignore[attr-defined]
    with JoinedUnitOfWork(outer) as uow:
        assert uow.things == {"a": 1}
        assert uow.committed is False


def test_nested_joins_roll_back_only_the_innermost_block():
    outer = FakeUnitOfWorkBase()
    deps = Dependencies(uow=FakeUnitOfWorkBase)
    with outer:
        with deps.joined(outer).uow() as middle:
            _emit(middle, "middle")
            record(deps.joined(middle), "inner", commit=False)
            middle.commit()
        outer.commit()
    assert _names(outer.emitted) == ["middle"]
