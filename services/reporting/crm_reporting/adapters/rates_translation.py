"""catalog's ``exchange_rate_set`` and ``exchange_rate_snapshot`` (its backfill) -> the stored
rate (``crm_chassis.exchange.Rate``), for the reports in a reporting currency
(domain/conversion.py). A malformed rate in an event is stored
as 0, which the derivation never uses: no crash, no wrong conversion."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from google.protobuf.message import Message

from crm.catalog.v1 import exchange_rates_pb2
from crm_chassis.exchange import Rate
from crm_reporting.domain.events import Payload


def _rate(message: Any) -> Payload:
    rate = message.rate
    try:
        value = Decimal(rate.rate)
        effective_on = dt.date.fromisoformat(rate.effective_on)
    except (InvalidOperation, ValueError):
        value, effective_on = Decimal(0), dt.date(1970, 1, 1)
    return Rate(rate.base, rate.quote, effective_on, value, rate.source)


RATES_CONSUMED: dict[tuple[str, str], tuple[type[Message], Callable[[Any], Payload]]] = {
    ("catalog", "exchange_rate_set"): (exchange_rates_pb2.ExchangeRateSet, _rate),
    ("catalog", "exchange_rate_snapshot"): (exchange_rates_pb2.ExchangeRateSnapshot, _rate),
}
