"""Conversion between currencies at the exchange rate of a date, showing the rate used. Pure
Python.

A rate says what one unit of ``base`` is worth in ``quote`` from its ``effective_on`` date until
the next rate of the pair. Converting on a date takes the pair's latest rate effective on or
before that date; when only the opposite pair is known its inverse is used (and said so). No
chain through a third currency is guessed: a missing rate is an error that names the command
that sets it. The result keeps the rate and its date, so a report can show "at 1.0850 of
2026-03-31" next to every converted figure.

catalog keeps the rates (``crmctl rates``) and publishes ``exchange_rate_set``; a service that
converts (reporting) builds a :class:`RateTable` from those events and converts with it.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal

from crm_chassis.currencies import minor_unit
from crm_chassis.errors import FailedPrecondition, InvalidArgument

#: Digits a rate may carry after the decimal point (ECB publishes 4-6; 10 covers any source).
RATE_DECIMALS = 10
#: Digits a rate may carry before it (1 BTC-like unit in IRR is still far below 10^20).
RATE_INTEGER_DIGITS = 20
#: Every conversion computes in this context: 34 significant digits, no float.
ARITHMETIC = Context(prec=34, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Rate:
    """1 ``base`` = ``value`` ``quote`` from ``effective_on`` on."""

    base: str
    quote: str
    effective_on: dt.date
    value: Decimal
    source: str = ""


@dataclass(frozen=True)
class Conversion:
    """``amount`` ``currency`` is ``converted`` ``to`` on ``on``, at ``rate`` (1 currency = rate
    to) of ``rate_date``; ``inverse`` when the rate was derived from the opposite pair's."""

    amount: Decimal
    currency: str
    converted: Decimal
    to: str
    on: dt.date
    rate: Decimal
    rate_date: dt.date | None
    inverse: bool = False
    source: str = ""

    def explain(self) -> str:
        """The rate used, as a person reads it: ``1 EUR = 1.085 USD (rate of 2026-03-31)``."""
        if self.rate_date is None:
            return f"1 {self.currency} = 1 {self.to}"
        how = ", inverse of the opposite rate" if self.inverse else ""
        return (
            f"1 {self.currency} = {self.rate.normalize():f} {self.to} "
            f"(rate of {self.rate_date.isoformat()}{how})"
        )


def parse_rate(text: str | Decimal, field_name: str = "rate") -> Decimal:
    """A positive rate with at most :data:`RATE_DECIMALS` decimals, exactly; else InvalidArgument."""
    try:
        value = text if isinstance(text, Decimal) else Decimal(str(text).strip())
    except ArithmeticError:
        value = Decimal("NaN")
    if not value.is_finite() or value <= 0:
        raise InvalidArgument(
            f"{field_name} '{text}' is not a positive decimal number such as 1.0850",
            field=field_name,
        )
    if value.adjusted() >= RATE_INTEGER_DIGITS:
        raise InvalidArgument(
            f"{field_name} '{text}' has more than {RATE_INTEGER_DIGITS} digits before the point",
            field=field_name,
        )
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > RATE_DECIMALS:
        raise InvalidArgument(
            f"{field_name} '{text}' has more than {RATE_DECIMALS} decimal places",
            field=field_name,
        )
    return value


def convert_at(
    amount: Decimal, currency: str, to: str, rate: Rate | None, on: dt.date
) -> Conversion:
    """``amount`` converted with ``rate`` (of the pair currency->to, or to->currency: then its
    inverse), rounded half away from zero to ``to``'s minor unit."""
    if currency == to:
        return Conversion(amount, currency, amount, to, on, Decimal(1), None)
    if rate is None:
        raise FailedPrecondition(
            f"no {currency}->{to} exchange rate effective on or before {on.isoformat()}: set "
            f"one with `crmctl rates set {currency} {to} RATE --on DATE`"
        )
    inverse = (rate.base, rate.quote) == (to, currency)
    if not inverse and (rate.base, rate.quote) != (currency, to):
        raise InvalidArgument(
            f"the {rate.base}->{rate.quote} rate cannot convert {currency} to {to}"
        )
    value = ARITHMETIC.divide(Decimal(1), rate.value) if inverse else rate.value
    converted = ARITHMETIC.multiply(amount, value).quantize(
        minor_unit(to), rounding=ROUND_HALF_UP, context=ARITHMETIC
    )
    return Conversion(
        amount, currency, converted, to, on, value, rate.effective_on, inverse, rate.source
    )


@dataclass
class RateTable:
    """Dated rates of every pair, in memory: :meth:`add` them (from a repository or from
    ``exchange_rate_set`` events), :meth:`convert` amounts on any date."""

    _pairs: dict[tuple[str, str], list[Rate]] = field(default_factory=dict)

    def add(self, rate: Rate) -> None:
        """Adds ``rate``; a rate of the same pair and date replaces the one held."""
        rates = self._pairs.setdefault((rate.base, rate.quote), [])
        dates = [r.effective_on for r in rates]
        at = bisect.bisect_left(dates, rate.effective_on)
        if at < len(rates) and rates[at].effective_on == rate.effective_on:
            rates[at] = rate
        else:
            rates.insert(at, rate)

    def _latest(self, base: str, quote: str, on: dt.date) -> Rate | None:
        rates = self._pairs.get((base, quote), [])
        at = bisect.bisect_right([r.effective_on for r in rates], on)
        return rates[at - 1] if at else None

    def rate_on(self, currency: str, to: str, on: dt.date) -> Rate | None:
        """The rate converting ``currency`` to ``to`` on ``on``: the latest of the pair or of
        its opposite effective on or before ``on`` (the direct one when both share a date)."""
        direct, opposite = self._latest(currency, to, on), self._latest(to, currency, on)
        if direct is None or opposite is None:
            return direct or opposite
        return opposite if opposite.effective_on > direct.effective_on else direct

    def convert(self, amount: Decimal, currency: str, to: str, on: dt.date) -> Conversion:
        """``amount`` of ``currency`` in ``to`` at the rate of ``on`` (FailedPrecondition when
        no rate of the pair is effective by then)."""
        return convert_at(amount, currency, to, self.rate_on(currency, to, on), on)
