"""Use case of workload tracking: apply what leads' and deals' events say about an item (its
team, owner, open or closed) to territory's copy of it, and move the members' open-item counts
in the team ledgers with it — in the same transaction (the worker's inbox row too).

The rules (newer wins per fact, routing's own assignment counted once) are the domain's:
crm_territory/domain/workload.py.
"""

from __future__ import annotations

from crm_territory.domain.workload import (
    ItemFact,
    ItemKind,
    TrackedItem,
    apply_fact,
    assign_by_router,
    count_moves,
)
from crm_territory.service_layer.caller import Caller
from crm_territory.service_layer.dependencies import Dependencies
from crm_territory.service_layer.repositories import TransactionConflict
from crm_territory.service_layer.team_roster import LedgerBook
from crm_territory.service_layer.unit_of_work import TerritoryUnitOfWork

CONFLICT_ATTEMPTS = 3


class Workload:
    """Tracked items and the ledger counts they feed, inside one unit of work. Ledgers come
    from ``ledgers`` — routing passes its own book, so a routed lead's count and its queue move
    are one change of one ledger object, saved (and locked) once."""

    def __init__(self, uow: TerritoryUnitOfWork, ledgers: LedgerBook):
        self._uow = uow
        self._ledgers = ledgers

    def prefetch(self, kind: ItemKind, item_ids: list[str]) -> None:
        self._uow.tracked_items.prefetch(kind, item_ids)

    def apply(self, fact: ItemFact) -> bool:
        """Apply one event's fact; False when it is older than (or as old as) what is known."""
        before = self._uow.tracked_items.get(fact.kind, fact.item_id)
        return self._store(before, apply_fact(before, fact))

    def assigned_by_router(
        self,
        kind: ItemKind,
        item_id: str,
        team_id: str,
        owner_user_id: str,
        based_on_version: int | None,
    ) -> bool:
        """Territory gave the item to ``owner_user_id``: it counts for them from now on."""
        before = self._uow.tracked_items.get(kind, item_id)
        return self._store(
            before,
            assign_by_router(before, kind, item_id, team_id, owner_user_id, based_on_version),
        )

    def _store(self, before: TrackedItem | None, after: TrackedItem | None) -> bool:
        if after is None:
            return False
        if before is None:
            self._uow.tracked_items.add(after)
        else:
            self._uow.tracked_items.save(after)
        loses, gains = count_moves(before, after)
        # Lock the two teams' ledgers in one order: two items crossing between the same teams
        # in opposite directions would otherwise each hold one lock and wait for the other.
        for team_id in sorted({who[0] for who in (loses, gains) if who is not None}):
            self._ledgers.changing(team_id)
        if loses is not None:
            self._ledgers.changing(loses[0]).item_closed(loses[1])
        if gains is not None:
            self._ledgers.changing(gains[0]).item_opened(gains[1])
        return True


def apply_item_facts(deps: Dependencies, caller: Caller, *, facts: list[ItemFact]) -> int:
    """Apply the facts of events (leads' or deals'), in order; returns how many items changed.

    A concurrent writer of the same new item (two events about a lead territory never saw, on
    two queues) or a lock cycle with routing rolls this back; it runs again and then finds the
    other transaction's item. A fact naming no item (an event without its lead or deal id)
    changes nothing: counting it would give someone an open item that does not exist.
    """
    facts = [fact for fact in facts if fact.item_id]
    for attempt in range(1, CONFLICT_ATTEMPTS + 1):
        try:
            with deps.uow() as uow:
                ledgers = LedgerBook(uow)
                workload = Workload(uow, ledgers)
                for kind in {fact.kind for fact in facts}:  # a batch's items: one locked read
                    workload.prefetch(kind, [f.item_id for f in facts if f.kind is kind])
                changed = sum(workload.apply(fact) for fact in facts)
                ledgers.save()
                uow.commit()
                return changed
        except TransactionConflict:
            if attempt == CONFLICT_ATTEMPTS:
                raise
    return 0  # pragma: no cover - the loop returns or raises
