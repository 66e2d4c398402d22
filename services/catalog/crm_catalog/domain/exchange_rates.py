"""Dated exchange rates: what one unit of a currency is worth in another from a date on.

A rate is identified by its pair and its first day; setting the same pair and day again replaces
it (a corrected rate), and its version counts the changes (the ``exchange_rate_set`` events'
aggregate version). Conversion itself is the chassis' (``crm_chassis.exchange``), shared with
every service that converts (reporting converts from its copy of these rates).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from crm_chassis.currencies import check_currency
from crm_chassis.errors import InvalidArgument
from crm_chassis.exchange import Rate, parse_rate

#: Longest source text kept with a rate.
SOURCE_MAX = 100


@dataclass
class ExchangeRate:
    base: str
    quote: str
    effective_on: dt.date
    rate: Decimal
    source: str
    set_by: str
    set_at: dt.datetime
    version: int = 1

    @property
    def key(self) -> str:
        """The aggregate id of the rate's events: ``EUR/USD/2026-03-31``."""
        return f"{self.base}/{self.quote}/{self.effective_on.isoformat()}"

    def as_rate(self) -> Rate:
        return Rate(self.base, self.quote, self.effective_on, self.rate, self.source)

    def same_as(self, other: ExchangeRate) -> bool:
        """Whether ``other`` says exactly what this rate says (a re-import changes nothing)."""
        return (self.rate, self.source) == (other.rate, other.source)

    def replace_with(self, other: ExchangeRate) -> None:
        self.rate, self.source = other.rate, other.source
        self.set_by, self.set_at = other.set_by, other.set_at
        self.version += 1


def parse_date(text: str, field: str) -> dt.date:
    """A calendar date written YYYY-MM-DD; InvalidArgument naming ``field`` otherwise."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidArgument(
            f"{field} '{text}' is not a date written YYYY-MM-DD", field=field
        ) from None


def new_rate(
    *,
    base: str,
    quote: str,
    effective_on: str,
    rate: str,
    source: str,
    set_by: str,
    now: dt.datetime,
    where: str = "",
) -> ExchangeRate:
    """A validated rate; ``where`` prefixes the field names of errors (``rates[3].``)."""
    base_code = check_currency(base, f"{where}base")
    quote_code = check_currency(quote, f"{where}quote")
    if base_code == quote_code:
        raise InvalidArgument(
            f"{where}quote must differ from the base currency {base_code}", field=f"{where}quote"
        )
    if not effective_on.strip():
        raise InvalidArgument(
            f"{where}effective_on is required: the first day the rate applies, YYYY-MM-DD",
            field=f"{where}effective_on",
        )
    day = parse_date(effective_on, f"{where}effective_on")
    value = parse_rate(rate, f"{where}rate")
    source = source.strip()
    if len(source) > SOURCE_MAX:
        raise InvalidArgument(
            f"{where}source is longer than {SOURCE_MAX} characters", field=f"{where}source"
        )
    return ExchangeRate(base_code, quote_code, day, value, source, set_by, now)
