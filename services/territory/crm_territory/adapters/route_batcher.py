"""Routes the leads of concurrent lead_created deliveries together, in one transaction.

A worker handles up to its prefetch of deliveries at once, each in its own greenthread with its
own inbox transaction. Routing each lead in its own transaction costs ~10 statements a lead;
routing the ones that arrive together costs ~10 statements a batch. So each handler hands its
lead to the batcher and waits; the batch is routed when ``max_batch`` leads are waiting or
``max_wait_seconds`` after the first one arrived, whichever comes first, and every handler
gets its own lead's decision (or the batch's error, so its delivery is retried).

Deterministic under redelivery all the same: the batch commits before any handler commits its
inbox row, and routing again a lead that was decided returns the first decision and publishes
nothing (route_leads' contract), so a crash between the two only costs a duplicate check.
"""
from __future__ import annotations

from typing import Callable

import eventlet
from eventlet.event import Event

from crm_territory.domain.leads import LeadFacts
from crm_territory.domain.routing import RoutingDecision

RouteBatch = Callable[[list[LeadFacts]], list[RoutingDecision]]


class RouteBatcher:
    def __init__(self, route: RouteBatch, *, max_batch: int, max_wait_seconds: float):
        self._route = route
        self._max_batch = max_batch
        self._max_wait = max_wait_seconds
        self._waiting: list[tuple[LeadFacts, Event]] = []
        self._timer = None
        self.batches = 0

    def route(self, lead: LeadFacts) -> RoutingDecision:
        """This lead's decision, taken together with the leads of other greenthreads."""
        done = Event()
        self._waiting.append((lead, done))
        if len(self._waiting) >= self._max_batch:
            self._flush()
        elif self._timer is None:
            self._timer = eventlet.spawn_after(self._max_wait, self._flush)
        return done.wait()

    def _flush(self) -> None:
        # Take the batch before cancelling the timer: cancelling yields to the hub, and a lead
        # arriving meanwhile must start the next batch, not slip into this full one.
        batch, self._waiting = self._waiting, []
        timer, self._timer = self._timer, None
        if timer is not None and timer is not eventlet.getcurrent():
            timer.cancel()
        if not batch:
            return
        self.batches += 1
        try:
            decisions = self._route([lead for lead, _ in batch])
        except Exception as exc:
            for _, done in batch:
                done.send_exception(exc)
            return
        for (_, done), decision in zip(batch, decisions):
            done.send(decision)
