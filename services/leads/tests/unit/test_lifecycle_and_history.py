"""Qualify / disqualify / reactivate use cases and the append-only history."""

import datetime as dt

import pytest

from crm_chassis.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from crm_leads.service_layer import lifecycle
from crm_leads.service_layer.history import lead_history
from crm_leads.service_layer.leads import update_lead


def test_full_lifecycle_publishes_status_events(world):
    lead = world.lead_in()
    lifecycle.start_working(world.deps, world.ann, lead.id, "first call")
    lifecycle.disqualify(world.deps, world.bob, lead.id, "no_budget", "next year maybe")
    lifecycle.reactivate(world.deps, world.meg, lead.id, "budget approved")
    lifecycle.qualify(world.deps, world.ann, lead.id)
    statuses = [(e.previous_status, e.status) for e in world.events_of("lead_status_changed")]
    assert statuses == [(1, 2), (2, 4), (4, 2), (2, 3)]
    disqualified = world.events_of("lead_disqualified")[0]
    assert disqualified.reason == 1 and disqualified.note == "next year maybe"
    assert len(world.events_of("lead_qualified")) == 1
    versions = [e.meta.aggregate_version for _, e in world.events]
    assert versions == sorted(versions)


def test_status_changes_need_the_right_state_and_reason(world):
    lead = world.lead_in()
    with pytest.raises(FailedPrecondition, match="only a disqualified lead"):
        lifecycle.reactivate(world.deps, world.ann, lead.id)
    with pytest.raises(InvalidArgument, match="needs a note"):
        lifecycle.disqualify(world.deps, world.ann, lead.id, "other")
    with pytest.raises(InvalidArgument, match="at most 2000"):
        lifecycle.qualify(world.deps, world.ann, lead.id, "x" * 2001)


def test_strangers_and_the_queue(world):
    lead = world.lead_in()
    with pytest.raises(NotFound):
        lifecycle.qualify(world.deps, world.ada, lead.id)
    queued = world.capture().lead  # routing pending: nobody sees it yet
    with pytest.raises(NotFound):
        lifecycle.start_working(world.deps, world.tia, queued.id)
    from crm_leads.domain.assignment import RoutingDecision
    from crm_leads.service_layer.assignment import apply_routing

    apply_routing(
        world.deps,
        world.routing,
        RoutingDecision(
            "d", queued.id, world.t0, world.line, "", "", "no rule matched", world.queue_team
        ),
    )
    with pytest.raises(PermissionDenied, match="unassigned queue"):
        lifecycle.start_working(world.deps, world.tia, queued.id)
    with pytest.raises(InvalidArgument, match="lead_id is required"):
        lifecycle.qualify(world.deps, world.ann, " ")


def test_history_tells_who_when_and_what_in_order(world):
    lead = world.lead_in()
    world.clock.advance(dt.timedelta(hours=1))
    update_lead(world.deps, world.sue, lead.id, {"person.title": "CTO", "location.city": "Köln"})
    world.clock.advance(dt.timedelta(hours=1))
    lifecycle.qualify(world.deps, world.ann, lead.id, "ready")
    entries = lead_history(world.deps, world.meg, lead.id).items
    assert [(e.action, e.actor.id) for e in entries] == [
        ("created", "webform"),
        ("assigned", "territory-routing"),
        ("updated", "sue"),
        ("status_changed", "ann"),
    ]
    assert [(c.field, c.old, c.new) for c in entries[2].changes] == [
        ("location.city", "", "Köln"),
        ("person.title", "", "CTO"),
    ]
    assert entries[3].note == "ready" and entries[3].occurred_at == world.t0 + __import__(
        "datetime"
    ).timedelta(hours=2)
    assert [e.version for e in entries] == sorted(e.version for e in entries)


def test_history_is_append_only_and_paged(world):
    lead = world.lead_in()
    for n in range(4):
        update_lead(world.deps, world.ann, lead.id, {"person.title": f"T{n}"})
    before = list(world.store.history)
    first = lead_history(world.deps, world.ann, lead.id, page_size=3)
    rest = lead_history(world.deps, world.ann, lead.id, page_size=3, cursor=first.next_cursor)
    assert len(first.items) == 3 and len(rest.items) == 3 and rest.next_cursor == ""
    assert world.store.history[: len(before)] == before
    with pytest.raises(InvalidArgument, match="not a cursor"):
        lead_history(world.deps, world.ann, lead.id, cursor="??")
