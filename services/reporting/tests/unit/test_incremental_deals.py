"""A deal's fact moved by its new events alone (service_layer/deal_batches.py) is the fact the
derivation over all its stored events gives, whatever the order, repetition and batching of
the deliveries; the history is read back only for a late version or a closed deal changed by
an event that is not a close."""

from __future__ import annotations

import random

import pytest
from reporting_events import Deal, at
from reporting_fakes import MemoryEventStore, World
from reporting_fixture import fixture_events
from test_consumption import feed, read_models

from crm_chassis.caller import Caller
from crm_reporting.domain.deals import NeedsDerivation, apply_deal_event, derive_deal
from crm_reporting.domain.marketing.derive import derive_won_deal
from crm_reporting.service_layer.consumption import DEAL, record_events

WORKER = Caller.system("reporting-worker")


def _in_batches(world: World, events: list, seed: int) -> None:
    rng = random.Random(seed)
    start = 0
    while start < len(events):
        size = rng.randint(1, 12)
        record_events(world.deps, WORKER, events=events[start : start + size])
        start += size


def _derived(world: World):
    """Every deal's fact and won deal derived afresh from all its stored events."""
    by_deal: dict[str, list] = {}
    for event in world.state.events:
        if event.aggregate_type == DEAL:
            by_deal.setdefault(event.aggregate_id, []).append(event)
    return (
        {i: derive_deal(events) for i, events in by_deal.items()},
        {i: derive_won_deal(events) for i, events in by_deal.items()},
    )


@pytest.mark.parametrize("seed", range(8))
def test_batches_of_shuffled_and_redelivered_events_give_the_full_derivation(seed):
    events = fixture_events()
    in_order, batched = World(), World()
    feed(in_order, events)
    messy = events + random.Random(seed).sample(events, k=len(events) // 2)
    random.Random(seed).shuffle(messy)
    _in_batches(batched, messy, seed)
    assert read_models(batched) == read_models(in_order)
    facts, won = _derived(batched)
    assert batched.state.deals == facts
    assert {i: batched.state.marketing.won.get(i) for i in won} == won
    assert len(batched.state.events) == len(events)


def _history_reads(monkeypatch) -> list[str]:
    """The aggregate types whose stored events are read back, in order."""
    reads: list[str] = []
    original = MemoryEventStore.of_aggregate

    def counted(store, aggregate_type, aggregate_id):
        reads.append(aggregate_type)
        return original(store, aggregate_type, aggregate_id)

    monkeypatch.setattr(MemoryEventStore, "of_aggregate", counted)
    return reads


def test_events_in_order_never_read_the_deals_history(monkeypatch):
    reads = _history_reads(monkeypatch)
    world = World()
    _in_batches(world, fixture_events(), seed=1)
    assert DEAL not in reads
    assert reads  # the other aggregates (org, pipeline, targets) are derived from theirs


def test_a_late_version_reads_the_history_and_gives_the_ordered_fact(monkeypatch):
    deal = Deal("d1")
    created, moved, won = (
        deal.created(at("2026-01-05")),
        deal.moved("propose", at("2026-01-10")),
        deal.won(at("2026-01-20")),
    )
    reads = _history_reads(monkeypatch)
    world = World()
    record_events(world.deps, WORKER, events=[won, created])  # one batch, versions 3 and 1
    assert reads == []  # in version order within the batch: 1 then 3
    record_events(world.deps, WORKER, events=[moved])  # version 2 after 3: the slow path
    assert reads == [DEAL]
    assert world.state.deals["d1"] == derive_deal([created, moved, won])


def test_apply_gives_derive_at_every_step_and_refuses_what_it_cannot_know():
    deal = Deal("d1")
    events = [
        deal.created(at("2026-01-05")),
        deal.moved("propose", at("2026-01-10")),
        deal.transferred("t2", at("2026-01-12"), owner="tom"),
        deal.won(at("2026-01-20")),
        deal.reopened(at("2026-02-01")),
        deal.moved("negotiate", at("2026-02-03")),
        deal.lost(at("2026-02-10"), competitor="Rival"),
    ]
    fact = None
    for count, event in enumerate(events, start=1):
        fact = apply_deal_event(fact, event)
        assert fact == derive_deal(events[:count])
    with pytest.raises(NeedsDerivation):  # a repeated version
        apply_deal_event(fact, events[-1])
    with pytest.raises(NeedsDerivation):  # a late one
        apply_deal_event(fact, events[2])
    with pytest.raises(NeedsDerivation):  # a lost deal handed over: attributed to which close?
        apply_deal_event(fact, deal.transferred("t3", at("2026-02-12"), owner="ann"))


def test_a_batch_holding_one_event_twice_stores_it_once():
    world = World()
    event = Deal("d1").created(at("2026-01-05"))
    results = record_events(world.deps, WORKER, events=[event, event])
    assert [r.stored for r in results] == [True, False]
    assert len(world.state.events) == 1
    assert world.state.deals["d1"].version == 1
