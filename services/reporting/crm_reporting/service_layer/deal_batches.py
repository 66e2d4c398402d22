"""A deal's read models moved by its new events: the fact before them and the events alone in
the usual case, every stored event of the deal only when that cannot give the same figures.

``derive_deal`` is a fold over the deal's events in version order, so an event newer than every
event the fact was derived from moves the fact by itself (``apply_deal_event``): one read of
the batch's facts, no read of their history. A late or repeated version, or a closed deal
changed by an event that is not a close, takes the slow path: the deal derived again from all
its stored events, as every event did before. Either way the fact is the one ``derive_deal``
gives over the stored events, which is what the rebuild writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from crm_reporting.domain.deals import DealFact, NeedsDerivation, apply_deal_event, derive_deal
from crm_reporting.domain.events import DealSnapshot, RecordedEvent
from crm_reporting.domain.marketing.derive import derive_won_deal, won_deal
from crm_reporting.domain.marketing.facts import WonDeal
from crm_reporting.service_layer.unit_of_work import ReportingUnitOfWork

DEAL = "opportunity"


def _applied(
    fact: DealFact | None, events: Sequence[RecordedEvent]
) -> tuple[DealFact | None, DealSnapshot | None]:
    """The fact after ``events`` (in version order) and the newest snapshot among them (None:
    none of them changes the deal); raises ``NeedsDerivation``."""
    newest = None
    for event in sorted(events, key=lambda e: e.version):
        fact = apply_deal_event(fact, event)
        if isinstance(event.payload, DealSnapshot):
            newest = event.payload
    return fact, newest


def apply_deal_events(uow: ReportingUnitOfWork, events: Mapping[str, list[RecordedEvent]]) -> int:
    """Writes the facts and won deals of the deals ``events`` (deal id -> its newly stored
    events) change; the deals are locked (``lock_aggregates``) by the caller. Returns how many
    deals took the slow path."""
    ids = sorted(events)
    before = uow.models.deals_to_change(ids)
    changes: list[tuple[DealFact | None, DealFact]] = []
    won: dict[str, WonDeal | None] = {}
    slow: list[str] = []
    for deal_id in ids:
        try:
            fact, newest = _applied(before.get(deal_id), events[deal_id])
        except NeedsDerivation:
            slow.append(deal_id)
            continue
        if newest is not None:
            assert fact is not None  # a snapshot always gives a fact
            changes.append((before.get(deal_id), fact))
            won[deal_id] = won_deal(fact, newest)
    # The slow path: the histories of its deals in one read.
    for deal_id, stored in uow.events.of_aggregates(DEAL, slow).items():
        fact, won[deal_id] = derive_deal(stored), derive_won_deal(stored)
        if fact is not None:
            changes.append((before.get(deal_id), fact))
    uow.models.put_changed_deals(changes)
    uow.marketing.put_won_deals(won)
    return len(slow)
