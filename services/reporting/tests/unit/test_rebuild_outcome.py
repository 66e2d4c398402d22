"""The rebuild records its outcome either way (a failed one rolls back its read models but keeps
the record), and the worker's gauges follow the latest run: the rebuild-failure alert's input."""

from __future__ import annotations

import dataclasses

import pytest
from reporting_events import Deal, at, pipeline
from reporting_fakes import NOW, World

from crm_chassis.caller import Caller
from crm_chassis.errors import PermissionDenied
from crm_reporting.adapters import metrics
from crm_reporting.service_layer.consumption import rebuild, rebuild_status, record_event

WORKER = Caller.system("reporting-worker")
REBUILD = Caller.system("reporting-rebuild")


def _world() -> World:
    world = World()
    deal = Deal("d1")
    for event in (pipeline(), deal.created(at("2026-02-01")), deal.won(at("2026-02-10"))):
        record_event(world.deps, WORKER, event=event)
    return world


def test_a_successful_rebuild_is_recorded_and_clears_the_failure_gauge():
    world = _world()
    assert rebuild_status(world.deps, WORKER).last is None
    rebuild(world.deps, REBUILD)
    status = rebuild_status(world.deps, WORKER)
    assert status.last == status.last_success
    assert (status.last.succeeded, status.last.events, status.last.finished_at) == (True, 3, NOW)
    metrics.publish_rebuild(status)
    assert metrics.REBUILD_FAILED._value.get() == 0
    assert metrics.REBUILD_LAST_SUCCESS._value.get() == NOW.timestamp()


def test_a_failed_rebuild_keeps_the_figures_and_is_recorded_as_failed(monkeypatch):
    world = _world()
    rebuild(world.deps, REBUILD)
    deals_before = dict(world.state.deals)

    def broken(uow, events):
        raise RuntimeError("an event no longer translates")

    monkeypatch.setattr("crm_reporting.service_layer.consumption.derive", broken)
    world.clock.set(NOW.replace(hour=13))
    with pytest.raises(RuntimeError):
        rebuild(world.deps, REBUILD)
    assert world.state.deals == deals_before  # rolled back: the old figures stay
    status = rebuild_status(world.deps, WORKER)
    assert status.last is not None and not status.last.succeeded
    assert "no longer translates" in status.last.error
    assert status.last_success is not None and status.last_success.finished_at == NOW
    metrics.publish_rebuild(status)
    assert metrics.REBUILD_FAILED._value.get() == 1
    assert metrics.REBUILD_LAST_SUCCESS._value.get() == NOW.timestamp()
    metrics.publish_rebuild(dataclasses.replace(status, last=status.last_success))
    assert metrics.REBUILD_FAILED._value.get() == 0


def test_only_the_platform_reads_the_outcome():
    with pytest.raises(PermissionDenied):
        rebuild_status(_world().deps, Caller(subject_id="mia"))
