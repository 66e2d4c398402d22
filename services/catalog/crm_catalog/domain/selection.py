"""Which price list prices a line when the caller did not name one: the most specific wins.

For each line, the candidates are the price lists in the quote's currency, valid on the pricing
date, whose scope matches the quote's account or sales line (or is the default scope) and that
have an item for the line's product in the line's unit. Among them, in order:

1. scope: account-specific > sales-line > default;
2. a dated list beats an open-ended one, and the shorter validity window wins (a Christmas
   special inside the year's standard list wins over it);
3. the later ``valid_from`` wins;
4. name, then id, alphabetically (only so the choice is deterministic; two such lists are a
   catalog smell the explanation makes visible).

A list that lacks the line's product falls through to the next, so a key-account list only
needs the products it discounts.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from crm_catalog.domain.price_lists import SPECIFICITY, PriceList, PriceListItem


class LineErrorCode(enum.Enum):
    INVALID_QUANTITY = "invalid_quantity"
    PRODUCT_NOT_FOUND = "product_not_found"
    PRODUCT_NOT_SELLABLE = "product_not_sellable"
    UNKNOWN_UNIT = "unknown_unit"
    CURRENCY_MISMATCH = "currency_mismatch"
    PRICE_LIST_NOT_VALID = "price_list_not_valid"
    NO_PRICE = "no_price"
    PRICING_NOT_POSSIBLE = "pricing_not_possible"


class LineError(Exception):
    """Why one line cannot be priced; the other lines are priced regardless."""

    def __init__(self, code: LineErrorCode, message: str, field: str = ""):
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


@dataclass(frozen=True)
class QuoteContext:
    """Where and when the quote is priced. ``as_of`` fixes the catalog state used."""

    currency: str
    pricing_date: dt.date
    as_of: dt.datetime
    price_list_id: str = ""
    sales_line_id: str = ""
    account_id: str = ""


@dataclass(frozen=True)
class Choice:
    price_list: PriceList
    item: PriceListItem
    reason: str


_OPEN_WINDOW = 10**9  # days; any real window is shorter


def preference(price_list: PriceList) -> tuple[int, int, int, str, str]:
    """Sort key: smaller is preferred (see the module docstring)."""
    valid_from, valid_to = price_list.valid_from, price_list.valid_to
    window = (
        (valid_to - valid_from).days
        if valid_from is not None and valid_to is not None
        else _OPEN_WINDOW
    )
    start = price_list.valid_from.toordinal() if price_list.valid_from else 0
    return (-SPECIFICITY[price_list.scope.kind], window, -start, price_list.name, price_list.id)


class Selector:
    """Chooses per line among the lists applicable to one quote; built once per quote, because
    scope, currency and validity do not depend on the line (a 100-line quote sorts once)."""

    def __init__(self, price_lists: list[PriceList], context: QuoteContext) -> None:
        self.context = context
        self.in_scope = [
            pl for pl in price_lists if pl.scope.matches(context.sales_line_id, context.account_id)
        ]
        self.usable = sorted(
            (
                pl
                for pl in self.in_scope
                if pl.currency == context.currency and pl.is_valid_on(context.pricing_date)
            ),
            key=preference,
        )
        self._others_text: dict[tuple[PriceList, ...], str] = {}

    def choose(self, product_id: str, unit: str, sku: str) -> Choice:
        """The most specific applicable list with an item for (product, unit), or a LineError."""
        chosen: PriceList | None = None
        item: PriceListItem | None = None
        passed_over: list[PriceList] = []
        for price_list in self.usable:
            candidate = price_list.item_for(product_id, unit)
            if candidate is None:
                continue
            if chosen is None:
                chosen, item = price_list, candidate
            elif len(passed_over) < 3:
                passed_over.append(price_list)
        if chosen is None or item is None:
            raise self._why_none(product_id, unit, sku)
        reason = f"the most specific of the lists pricing {sku} in {unit}"
        if passed_over:
            reason += f"; preferred over {self._others(tuple(passed_over))}"
        return Choice(chosen, item, reason)

    def _others(self, passed_over: tuple[PriceList, ...]) -> str:
        text = self._others_text.get(passed_over)  # lists hash by identity
        if text is None:  # most lines of a quote pass over the same lists: say it once
            text = ", ".join(
                f"'{pl.name}' ({pl.scope.describe()}, {pl.describe_validity()})"
                for pl in passed_over
            )
            self._others_text[passed_over] = text
        return text

    def _why_none(self, product_id: str, unit: str, sku: str) -> LineError:
        context = self.context
        pricing = [pl for pl in self.in_scope if pl.item_for(product_id, unit) is not None]
        same_currency = sorted(
            (pl for pl in pricing if pl.currency == context.currency), key=preference
        )
        if same_currency:
            return LineError(
                LineErrorCode.PRICE_LIST_NOT_VALID,
                f"no price list valid on {context.pricing_date} prices {sku} in "
                f"{unit}: " + (same_currency[0].validity_problem(context.pricing_date) or ""),
            )
        other_currencies = sorted({pl.currency for pl in pricing})
        if other_currencies:
            return LineError(
                LineErrorCode.CURRENCY_MISMATCH,
                f"{sku} in {unit} is priced only in {', '.join(other_currencies)}, "
                f"not in the quote's currency {context.currency}",
            )
        return LineError(
            LineErrorCode.NO_PRICE,
            f"no price list applicable to this quote prices {sku} in {unit} "
            f"(currency {context.currency}, date {context.pricing_date}"
            + (f", account {context.account_id}" if context.account_id else "")
            + (f", sales line {context.sales_line_id}" if context.sales_line_id else "")
            + ")",
            field="unit",
        )


def use_named(
    price_list: PriceList, product_id: str, unit: str, sku: str, context: QuoteContext
) -> Choice:
    """The caller named the price list (a quote's list): use it as given, scope unchecked."""
    if price_list.currency != context.currency:
        raise LineError(
            LineErrorCode.CURRENCY_MISMATCH,
            f"price list '{price_list.name}' is in {price_list.currency}, but the "
            f"quote is in {context.currency}",
            field="context.currency",
        )
    problem = price_list.validity_problem(context.pricing_date)
    if problem:
        raise LineError(LineErrorCode.PRICE_LIST_NOT_VALID, problem, field="context.price_list_id")
    item = price_list.item_for(product_id, unit)
    if item is None:
        units = sorted(i.unit for i in price_list.items.values() if i.product_id == product_id)
        hint = (
            f" (it prices {sku} in: {', '.join(units)})"
            if units
            else f" (it does not price {sku} at all)"
        )
        raise LineError(
            LineErrorCode.NO_PRICE,
            f"price list '{price_list.name}' has no price for {sku} in {unit}{hint}",
            field="unit",
        )
    return Choice(price_list, item, "named by the caller")
