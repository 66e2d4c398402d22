"""Reports in one reporting currency: each deal's money converted at the exchange rate of its
own day, with the rates used shown beside the figures (docs/services/reporting.md,
"Reporting currency").

The rates are reporting's copy of catalog's dated rates (``exchange_rate_set`` events, one
aggregate per pair and date); :func:`derive_rate` keeps the latest version of each. A
:class:`Converter` converts with ``crm_chassis.exchange`` (exact decimals, the pair's latest rate
effective on or before the day, or the inverse of the opposite pair's; each amount rounded half
away from zero to the reporting currency's ISO 4217 minor units) and remembers every rate it
used and every currency it found no rate for. The day a deal is converted on:

- a won or lost deal: its close date;
- an open deal: its estimated close date, or the report's day when it has none (a future date
  takes the latest rate known);
- a target: the period's last day, or the report's day while the period runs.

A report asked in a currency with any amount lacking a rate is refused as a whole
(FAILED_PRECONDITION naming each currency and day): figures are never summed across currencies
unconverted, and a total silently missing some deals would mislead.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from crm_chassis.currencies import check_currency
from crm_chassis.errors import FailedPrecondition
from crm_chassis.exchange import Rate, RateTable
from crm_reporting.domain.deals import DealFact
from crm_reporting.domain.events import RecordedEvent, TargetValue

#: aggregate type of catalog's rate events ("BASE/QUOTE/DATE").
EXCHANGE_RATE = "exchange_rate"
#: the most days a refusal lists per currency (the earliest ones).
SHOWN_DAYS = 5


def derive_rate(events: Sequence[RecordedEvent]) -> Rate | None:
    """The rate of one pair and date: its latest version's (a corrected rate replaces it); a
    malformed rate (translated as 0) is never used."""
    rates = [e for e in events if isinstance(e.payload, Rate) and e.payload.value > 0]
    if not rates:
        return None
    latest = max(rates, key=lambda e: e.version).payload
    assert isinstance(latest, Rate)
    return latest


@dataclass(frozen=True)
class AppliedRate:
    """1 ``currency`` = ``rate`` ``to``, the rate of ``rate_date`` (``inverse``: derived from
    the opposite pair's rate), used for ``amounts`` amounts of the report."""

    currency: str
    to: str
    rate: Decimal
    rate_date: dt.date
    inverse: bool
    source: str
    amounts: int

    def explain(self) -> str:
        how = ", inverse of the opposite rate" if self.inverse else ""
        return (
            f"1 {self.currency} = {self.rate.normalize():f} {self.to} "
            f"(rate of {self.rate_date.isoformat()}{how})"
        )


class Converter:
    """Converts amounts to ``currency`` on given days; see the module docstring."""

    def __init__(self, currency: str, rates: Iterable[Rate]) -> None:
        self.currency = currency
        self._table = RateTable()
        for rate in rates:
            self._table.add(rate)
        self._used: dict[tuple[str, dt.date, Decimal, bool, str], int] = {}
        self._missing: dict[str, set[dt.date]] = {}

    def amount(self, amount: Decimal | None, currency: str, on: dt.date) -> Decimal | None:
        """``amount`` of ``currency`` in the reporting currency on ``on``; None stays None (an
        unknown value), and an amount without a rate is remembered (see :meth:`check`)."""
        if amount is None or currency == self.currency or not currency:
            return amount
        rate = self._table.rate_on(currency, self.currency, on)
        if rate is None:
            self._missing.setdefault(currency, set()).add(on)
            return amount
        converted = self._table.convert(amount, currency, self.currency, on)
        assert converted.rate_date is not None
        key = (currency, converted.rate_date, converted.rate, converted.inverse, rate.source)
        self._used[key] = self._used.get(key, 0) + 1
        return converted.converted

    def deal(self, fact: DealFact, on: dt.date) -> DealFact:
        """The fact with its value in the reporting currency (counted in that currency)."""
        if not fact.currency:
            return fact
        value = self.amount(fact.value, fact.currency, on)
        return dataclasses.replace(fact, currency=self.currency, value=value)

    def closed_deal(self, fact: DealFact) -> DealFact:
        return self.deal(fact, fact.close_date) if fact.close_date is not None else fact

    def open_deal(self, fact: DealFact, today: dt.date) -> DealFact:
        return self.deal(fact, fact.estimated_close_date or today)

    def target(self, target: TargetValue, on: dt.date) -> TargetValue:
        if not target.currency:
            return target
        amount = self.amount(target.amount, target.currency, on)
        assert amount is not None
        return dataclasses.replace(target, amount=amount, currency=self.currency)

    @property
    def used(self) -> list[AppliedRate]:
        """Every rate used, by currency and rate date."""
        return [
            AppliedRate(currency, self.currency, rate, day, inverse, source, n)
            for (currency, day, rate, inverse, source), n in sorted(self._used.items())
        ]

    def check(self) -> None:
        """FAILED_PRECONDITION naming every currency without a rate on a day it was needed."""
        if not self._missing:
            return
        parts = []
        for currency, days in sorted(self._missing.items()):
            ordered = sorted(days)
            shown = ", ".join(d.isoformat() for d in ordered[:SHOWN_DAYS])
            more = (
                f" and {len(ordered) - SHOWN_DAYS} more days" if len(ordered) > SHOWN_DAYS else ""
            )
            parts.append(f"{currency} (on {shown}{more})")
        first = sorted(self._missing)[0]
        raise FailedPrecondition(
            f"no exchange rate to {self.currency} for {'; '.join(parts)}: a rate effective on or "
            f"before each day is needed, e.g. `crmctl rates set {first} {self.currency} RATE --on "
            f"{min(self._missing[first]).isoformat()}`",
            field="currency",
        )


def reporting_currency(code: str) -> str:
    """The requested reporting currency, checked against ISO 4217 (INVALID_ARGUMENT)."""
    return check_currency(code, "currency")
