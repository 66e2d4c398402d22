"""The port of reporting's copy of catalog's exchange rates (``uow.rates``): written by the
worker and the rebuild (service_layer/conversion.py), read by the reports in a reporting
currency (adapters/rates_store.py)."""

from __future__ import annotations

import abc

from crm_chassis.exchange import Rate


class RateStore(abc.ABC):
    @abc.abstractmethod
    def put_rate(self, rate: Rate) -> None:
        """Stores the rate of its pair and date (replacing the one held)."""

    @abc.abstractmethod
    def rates(self, quote: str) -> list[Rate]:
        """Every rate into ``quote`` and out of it (the pairs a conversion to it may use)."""
