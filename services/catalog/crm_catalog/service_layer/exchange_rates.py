"""Use cases of currencies and dated exchange rates: set, import, list, convert.

Setting and importing rates is price management (``catalog_manager`` or ``pricing_manager``);
listing and converting are catalog reads. Every change emits ``exchange_rate_set`` so services
that convert (reporting) keep their own copy of the rates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from crm_catalog.domain.exchange_rates import ExchangeRate, new_rate, parse_date
from crm_catalog.domain.money import parse_amount
from crm_catalog.service_layer import event_messages
from crm_catalog.service_layer.authorization import require_pricing_manager, require_reader
from crm_catalog.service_layer.dependencies import Dependencies
from crm_catalog.service_layer.repositories import ExchangeRateFilter
from crm_catalog.service_layer.unit_of_work import CatalogUnitOfWork
from crm_chassis.caller import Caller
from crm_chassis.currencies import MINOR_UNITS, check_currency, is_withdrawn
from crm_chassis.errors import InvalidArgument, ValidationErrors
from crm_chassis.exchange import Conversion, RateTable
from crm_chassis.paging import Page, fetch_page

#: Most rates one ImportExchangeRates call takes (the CLI sends a file in such chunks).
IMPORT_MAX = 5000


@dataclass(frozen=True)
class RateInput:
    """One rate as sent: strings, validated by :func:`new_rate`."""

    base: str
    quote: str
    effective_on: str
    rate: str
    source: str = ""


def list_currencies(deps: Dependencies, caller: Caller) -> list[tuple[str, int, bool]]:
    """(code, minor units, withdrawn) of every accepted currency, by code."""
    require_reader(caller)
    return [(code, MINOR_UNITS[code], is_withdrawn(code)) for code in sorted(MINOR_UNITS)]


def _store(uow: CatalogUnitOfWork, rate: ExchangeRate, caller: Caller) -> bool:
    """Adds or replaces ``rate``; False (and no event) when it was already set exactly so."""
    held = uow.exchange_rates.get(rate.base, rate.quote, rate.effective_on)
    if held is not None and held.same_as(rate):
        return False
    if held is None:
        uow.exchange_rates.add(rate)
        stored = rate
    else:
        held.replace_with(rate)
        uow.exchange_rates.update(held)
        stored = held
    event_messages.exchange_rate_set(uow, stored, caller)
    return True


def set_exchange_rate(
    deps: Dependencies, caller: Caller, *, rate: RateInput
) -> tuple[ExchangeRate, bool]:
    """The rate as stored, and whether it changed anything."""
    require_pricing_manager(caller)
    candidate = new_rate(**vars(rate), set_by=caller.subject_id, now=deps.clock.now())
    with deps.uow() as uow:
        changed = _store(uow, candidate, caller)
        uow.commit()
        stored = uow.exchange_rates.get(candidate.base, candidate.quote, candidate.effective_on)
    assert stored is not None
    return stored, changed


def import_exchange_rates(
    deps: Dependencies, caller: Caller, *, rates: Sequence[RateInput]
) -> tuple[int, int]:
    """(changed, unchanged). All or none: every bad row is named in one INVALID_ARGUMENT."""
    require_pricing_manager(caller)
    if not rates:
        raise InvalidArgument("rates is empty: send at least one rate", field="rates")
    if len(rates) > IMPORT_MAX:
        raise InvalidArgument(
            f"{len(rates)} rates in one call; send at most {IMPORT_MAX} a call", field="rates"
        )
    now, problems, valid = deps.clock.now(), [], []
    for index, rate in enumerate(rates):
        try:
            valid.append(
                new_rate(**vars(rate), set_by=caller.subject_id, now=now, where=f"rates[{index}].")
            )
        except InvalidArgument as error:
            problems.append((error.field or f"rates[{index}]", error.message))
    if problems:
        raise ValidationErrors(problems)
    keys = [rate.key for rate in valid]
    if len(set(keys)) != len(keys):
        twice = sorted({key for key in keys if keys.count(key) > 1})
        raise InvalidArgument(f"rates set twice in one import: {', '.join(twice)}", field="rates")
    with deps.uow() as uow:
        changed = sum(_store(uow, rate, caller) for rate in valid)
        uow.commit()
    return changed, len(valid) - changed


def list_exchange_rates(
    deps: Dependencies,
    caller: Caller,
    *,
    base: str = "",
    quote: str = "",
    from_date: str = "",
    to_date: str = "",
    page_size: int = 0,
    cursor: str = "",
) -> Page[ExchangeRate]:
    require_reader(caller)
    filter = ExchangeRateFilter(
        base=check_currency(base, "base") if base.strip() else "",
        quote=check_currency(quote, "quote") if quote.strip() else "",
        from_date=parse_date(from_date, "from_date") if from_date.strip() else None,
        to_date=parse_date(to_date, "to_date") if to_date.strip() else None,
    )
    with deps.uow() as uow:
        return fetch_page(
            lambda after, limit: uow.exchange_rates.list_page(filter, after=after, limit=limit),
            uow.exchange_rates.sort_key,
            page_size,
            cursor,
        )


def convert_amount(
    deps: Dependencies,
    caller: Caller,
    *,
    amount: str,
    currency: str,
    to_currency: str,
    on: str = "",
) -> Conversion:
    """``amount`` (a decimal string) of ``currency`` in ``to_currency`` at the rate of ``on``
    (default: today, UTC), with the rate used. The caller is checked before the request."""
    require_reader(caller)
    currency = check_currency(currency, "amount.currency")
    value = parse_amount(amount, currency, "amount.amount")
    target = check_currency(to_currency, "to_currency")
    day = parse_date(on, "on") if on.strip() else deps.clock.now().astimezone(dt.UTC).date()
    table = RateTable()
    with deps.uow() as uow:
        for base, quote in ((currency, target), (target, currency)):
            found = uow.exchange_rates.latest(base, quote, day)
            if found is not None:
                table.add(found.as_rate())
    return table.convert(value, currency, target, day)
