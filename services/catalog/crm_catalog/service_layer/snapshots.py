"""The backfill of a consumer that joins a running platform (reporting): catalog re-publishes
the current state of its dated exchange rates as ``exchange_rate_snapshot`` events.

A rate set before the consumer's queue existed never reached it, and setting the same rate again
publishes nothing (``exchange_rates._store``); this is how such a consumer gets every rate. Why
snapshots through the outbox (docs/design-notes.md, "Backfill"): the snapshot is one more event of
the rate's shape, it travels the consumer's ordinary path (inbox, versions), and the relay
publishes it in outbox order after every ``exchange_rate_set`` the rate had before. Each snapshot
carries the rate's current version as its aggregate version: a consumer holding that version
changes nothing, and a later correction has a higher version, so a snapshot delivered late loses
to it. Repeating a backfill is harmless.

One call writes one page (keyset cursor, by pair then date), in one transaction, so a backfill of
many years of daily rates is many short transactions that a caller resumes from the last cursor.

Who: whoever may set rates (``catalog_manager`` or ``pricing_manager``): the rates are no team's
data, and the people who keep them are the ones who know when a consumer lacks them. The caller
learns counts only.
"""

from __future__ import annotations

from crm_catalog.domain.exchange_rates import ExchangeRate
from crm_catalog.service_layer import event_messages
from crm_catalog.service_layer.authorization import require_pricing_manager
from crm_catalog.service_layer.dependencies import Dependencies
from crm_catalog.service_layer.repositories import ExchangeRateFilter
from crm_chassis import paging
from crm_chassis.caller import Caller
from crm_chassis.errors import InvalidArgument

EXCHANGE_RATES = "exchange_rates"
KINDS = (EXCHANGE_RATES,)


def publish_snapshots(
    deps: Dependencies, caller: Caller, *, kind: str, page_size: int = 0, cursor: str = ""
) -> paging.Page[str]:
    """Write one page of ``kind`` records (``exchange_rates``) to the outbox as snapshots, each
    at the record's current version; the page lists the keys published (``EUR/USD/2026-03-31``)."""
    require_pricing_manager(caller)
    if kind not in KINDS:
        raise InvalidArgument(
            f"kind must be one of {', '.join(KINDS)}; got {kind or 'nothing'!r}", field="kind"
        )
    paging.page_size(page_size)  # refused before anything is read
    every = ExchangeRateFilter()
    with deps.uow() as uow:
        rates: paging.Page[ExchangeRate] = paging.fetch_page(
            lambda after, limit: uow.exchange_rates.list_page(every, after=after, limit=limit),
            uow.exchange_rates.sort_key,
            page_size,
            cursor,
        )
        for rate in rates.items:
            event_messages.exchange_rate_snapshot(uow, rate, caller)
        uow.commit()
        return paging.Page([rate.key for rate in rates.items], rates.next_cursor)
