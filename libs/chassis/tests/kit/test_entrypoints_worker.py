"""The worker kit: one provider builds the dependencies at setup and closes them at stop."""

from __future__ import annotations

import pytest

from crm_chassis.entrypoints.worker import ServiceDependencies, SettingTimer
from crm_chassis.messaging.handlers import unit_of_work_factory
from crm_chassis.use_cases import Dependencies
from crm_testkit.fakes import FakeUnitOfWorkBase


class Lifecycle:
    def __init__(self) -> None:
        self.events: list[str] = []

    def load(self) -> str:
        self.events.append("settings loaded")
        return "settings"

    def build(self, settings: str) -> Dependencies:
        self.events.append(f"built from {settings}")
        return Dependencies(uow=FakeUnitOfWorkBase, closers=(lambda: self.events.append("closed"),))


def test_nothing_is_loaded_or_built_before_setup():
    lifecycle = Lifecycle()
    provider = ServiceDependencies(lifecycle.load, lifecycle.build)
    assert lifecycle.events == []
    with pytest.raises(RuntimeError, match="before the worker set it up"):
        provider.get_dependency(None)


def test_setup_builds_once_and_stop_closes_once():
    lifecycle = Lifecycle()
    provider = ServiceDependencies(lifecycle.load, lifecycle.build)
    provider.setup()
    deps = provider.get_dependency(None)
    assert provider.get_dependency(None) is deps
    provider.stop()
    provider.kill()
    assert lifecycle.events == ["settings loaded", "built from settings", "closed"]


class WorkerWithDeps:
    def __init__(self, deps) -> None:
        self.deps = deps


class WorkerWithUow:
    def __init__(self, uow) -> None:
        self.uow = uow


def test_handlers_open_their_unit_of_work_from_deps_without_a_uow_dependency():
    deps = Dependencies(uow=FakeUnitOfWorkBase)
    assert unit_of_work_factory(WorkerWithDeps(deps)) is FakeUnitOfWorkBase
    own = object()
    assert unit_of_work_factory(WorkerWithUow(own)) is own
    with pytest.raises(TypeError, match="neither a `uow` dependency nor a `deps`"):
        unit_of_work_factory(object())


class TimerSettings:
    loads = 0

    def __init__(self) -> None:
        TimerSettings.loads += 1
        self.sweep_seconds = "2.5"


def test_a_setting_timer_reads_its_interval_when_the_worker_starts_not_before():
    TimerSettings.loads = 0
    timer = SettingTimer(TimerSettings, "sweep_seconds")
    assert TimerSettings.loads == 0 and timer.interval is None
    timer.setup()
    assert TimerSettings.loads == 1 and timer.interval == 2.5
