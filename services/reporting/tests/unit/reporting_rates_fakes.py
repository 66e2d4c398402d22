"""reporting's exchange rates in memory (the port of service_layer/conversion_ports.py)."""

from __future__ import annotations

from typing import Any

from crm_chassis.exchange import Rate
from crm_reporting.service_layer.conversion_ports import RateStore


class MemoryRateStore(RateStore):
    """Over the unit of work's state (its ``rates``: (base, quote, date) -> rate), read at each
    call: the rebuild's clearing gives the state a new dict."""

    def __init__(self, state: Any) -> None:
        self.state = state

    def put_rate(self, rate: Rate) -> None:
        self.state.rates[(rate.base, rate.quote, rate.effective_on)] = rate

    def rates(self, quote: str) -> list[Rate]:
        found = sorted(self.state.rates.items())
        return [r for _, r in found if quote in (r.base, r.quote)]
