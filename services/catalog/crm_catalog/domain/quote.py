"""PriceQuote: prices every line of a quote and explains each figure.

Per line, in this order (every money figure is an exact amount in the currency's minor unit):

1. list price per line unit = product list price per default unit x units ratio (minor unit);
2. unit price = the chosen item's method applied to the product's figures, then its rounding
   policy, then the currency's minor unit;
3. gross = unit price x quantity (minor unit, half away from zero);
4. discount = gross x tier percent, or min(tier amount, unit price) x quantity (minor unit); a
   discount never exceeds the gross, so no line is ever negative;
5. extended amount = gross - discount.

Totals are the plain sums of the priced lines' figures, so they always equal the sum of lines.
A line that cannot be priced carries an error code and message; the others are priced anyway.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from crm_catalog.domain.discounts import DiscountList, DiscountType, Tier, percentage_of
from crm_catalog.domain.money import ARITHMETIC, amount_text, to_minor_units
from crm_catalog.domain.price_lists import PriceList, PriceListItem
from crm_catalog.domain.pricing_methods import compute
from crm_catalog.domain.products import Product
from crm_catalog.domain.selection import (
    Choice,
    LineError,
    LineErrorCode,
    QuoteContext,
    Selector,
    use_named,
)
from crm_catalog.domain.units import UnitGroup
from crm_chassis.errors import InvalidArgument
from crm_chassis.wire.decimals import decimals_of, format_decimal, parse_decimal

ZERO = Decimal(0)


# Not frozen: PriceQuote makes one per line, and a frozen dataclass's __init__ costs three times
# as much; nothing changes a request after it is made.
@dataclass(slots=True)
class LineRequest:
    product_id: str  # resolved by the caller from an id or a SKU
    unit: str
    quantity: str
    existing_line: bool = False  # already on the quote: a retired product keeps its price
    product_ref: str = ""  # what the caller wrote (id or SKU), for messages


@dataclass(frozen=True)
class UnitPrice:
    """A line's price before its quantity: the list price and unit price in the line's unit and
    the sentences explaining the product, the price list and both prices. The same for every
    quantity, so it is memoised across quotes, keyed by everything it depends on (``key``:
    product and unit group with their versions, unit, price list with its version, why it was
    chosen, quote currency)."""

    key: tuple[Hashable, ...]
    list_price: Decimal
    list_price_currency: str
    unit_price: Decimal
    product_sentence: str
    price_list_sentence: str
    list_price_sentence: str
    unit_price_sentence: str
    unit_price_text: str = ""  # amount_text(unit_price), shown in every line's gross sentence


class UnitPriceMemo(Protocol):
    """Where unit prices are remembered between quotes (bounded by its owner)."""

    def get(self, key: Hashable) -> UnitPrice | None: ...

    def put(self, key: Hashable, value: UnitPrice) -> None: ...


@dataclass(slots=True)
class PricedLine:
    index: int
    request: LineRequest
    error: LineError | None = None
    product: Product | None = None
    unit: str = ""
    quantity: Decimal = ZERO
    list_price: Decimal | None = None  # in the product's currency, per line unit
    list_price_currency: str = ""
    unit_price: Decimal = ZERO
    gross: Decimal = ZERO
    discount: Decimal = ZERO
    extended: Decimal = ZERO
    choice: Choice | None = None
    discount_list: DiscountList | None = None
    tier_index: int = -1
    explanation: list[str] = field(default_factory=list)
    quantity_text: str = ""  # the quantity as shown (formatted once per line)
    # amount_text of gross, discount and extended, made once for the explanation and reused
    # by the response message
    gross_text: str = ""
    discount_text: str = ""
    extended_text: str = ""
    unit_pricing: UnitPrice | None = None

    @property
    def priced(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Totals:
    currency: str
    gross: Decimal
    discount: Decimal
    net: Decimal
    priced_lines: int
    failed_lines: int


@dataclass(frozen=True)
class PricingData:
    """The catalog as it was at ``context.as_of``, loaded by the service layer."""

    products: dict[str, Product]
    unit_groups: dict[str, UnitGroup]
    price_lists: list[PriceList]  # candidates (or just the named one)
    discount_lists: dict[str, DiscountList]
    named_price_list: PriceList | None = None


def price_quote(
    lines: list[LineRequest],
    data: PricingData,
    context: QuoteContext,
    memo: UnitPriceMemo | None = None,
) -> tuple[list[PricedLine], Totals]:
    selector = Selector(data.price_lists, context)
    priced = [
        price_line(index, line, data, context, selector, memo) for index, line in enumerate(lines)
    ]
    ok = [line for line in priced if line.priced]
    # Sums start from zero in the currency's minor unit, so a quote with nothing priced (or no
    # discount) shows 0.00 like every other amount, not a bare 0.
    zero = to_minor_units(ZERO, context.currency)
    totals = Totals(
        context.currency,
        sum((line.gross for line in ok), zero),
        sum((line.discount for line in ok), zero),
        sum((line.extended for line in ok), zero),
        len(ok),
        len(priced) - len(ok),
    )
    return priced, totals


def price_line(
    index: int,
    request: LineRequest,
    data: PricingData,
    context: QuoteContext,
    selector: Selector,
    memo: UnitPriceMemo | None = None,
) -> PricedLine:
    line = PricedLine(index, request)
    try:
        _price(line, data, context, selector, memo)
    except LineError as error:
        line.error = error
        line.explanation.append(f"not priced: {error.message}")
        line.gross = line.discount = line.extended = line.unit_price = ZERO
    return line


def _price(
    line: PricedLine,
    data: PricingData,
    context: QuoteContext,
    selector: Selector,
    memo: UnitPriceMemo | None,
) -> None:
    request, currency = line.request, context.currency
    quantity, quantity_decimals, quantity_text = _syntactic_quantity(request.quantity)
    product = data.products.get(request.product_id)
    if product is None:
        raise LineError(
            LineErrorCode.PRODUCT_NOT_FOUND,
            f"no product '{request.product_ref or request.product_id}' existed as of "
            f"{context.as_of:%Y-%m-%d %H:%M:%S} UTC (a catalog manager creates "
            "products: `crmctl products create`)",
            field="product",
        )
    line.product = product
    problem = product.sellability(context.pricing_date, existing_line=request.existing_line)
    if problem:
        raise LineError(LineErrorCode.PRODUCT_NOT_SELLABLE, problem, field="product")
    group = data.unit_groups.get(product.unit_group_id)
    if group is None:  # a product's group always exists; report rather than guess
        raise LineError(
            LineErrorCode.PRICING_NOT_POSSIBLE,
            f"unit group {product.unit_group_id} of {product.sku} is missing",
        )
    unit = group.unit(request.unit)
    if unit is None:
        raise LineError(
            LineErrorCode.UNKNOWN_UNIT,
            f"{product.sku}: " + group.unknown_unit_message(request.unit),
            field="unit",
        )
    line.unit = unit.name
    try:
        # _syntactic_quantity already checked what check_quantity checks but the decimals
        line.quantity = (
            quantity
            if quantity_decimals <= product.quantity_decimals
            else product.check_quantity(quantity)
        )
    except InvalidArgument as error:  # reported on the line, not for the whole request
        raise LineError(LineErrorCode.INVALID_QUANTITY, error.message, field="quantity") from None
    try:
        if data.named_price_list is not None:
            choice = use_named(data.named_price_list, product.id, unit.name, product.sku, context)
        else:
            choice = selector.choose(product.id, unit.name, product.sku)
    except LineError:
        line.explanation.append(_product_sentence(product, group, unit.name))
        _explain_existing_line(line, product, context)
        raise
    line.choice = choice
    price_list = choice.price_list
    key = (
        product.id,
        product.version,
        group.id,
        group.version,
        unit.name,
        price_list.id,
        price_list.version,
        choice.reason,
        currency,
    )
    known = memo.get(key) if memo is not None else None
    if known is None:
        product_sentence = _product_sentence(product, group, unit.name)
        line.explanation.append(product_sentence)
        _explain_existing_line(line, product, context)
        price_list_sentence = (
            f"price list '{price_list.name}' (version {price_list.version}, "
            f"{price_list.scope.describe()}, valid {price_list.describe_validity()}): "
            f"{choice.reason}"
        )
        line.explanation.append(price_list_sentence)
        known = _unit_price(
            key,
            line,
            product,
            group,
            unit.name,
            choice.item,
            currency,
            (product_sentence, price_list_sentence),
        )
        if memo is not None:
            memo.put(key, known)
    elif request.existing_line:
        line.explanation.append(known.product_sentence)
        _explain_existing_line(line, product, context)
        line.explanation += (known.price_list_sentence, known.list_price_sentence)
    else:  # the common case, as one list
        line.explanation = [
            known.product_sentence,
            known.price_list_sentence,
            known.list_price_sentence,
        ]
    line.list_price, line.list_price_currency = known.list_price, known.list_price_currency
    line.unit_price, line.unit_pricing = known.unit_price, known
    line.explanation.append(known.unit_price_sentence)
    line.gross = to_minor_units(ARITHMETIC.multiply(line.unit_price, line.quantity), currency)
    line.quantity_text = quantity_text
    line.gross_text = gross_text = amount_text(line.gross)
    line.explanation.append(
        f"gross {gross_text} = "
        f"{known.unit_price_text or amount_text(line.unit_price)} x "
        f"{quantity_text} {unit.name}"
    )
    _apply_discount(line, choice.item.discount_list_id, data, currency)
    line.extended = line.gross - line.discount
    line.discount_text = discount_text = line.discount_text or amount_text(line.discount)
    line.extended_text = extended_text = amount_text(line.extended)
    line.explanation.append(
        f"extended amount {extended_text} {currency} = {gross_text} - {discount_text}"
    )


def _product_sentence(product: Product, group: UnitGroup, unit: str) -> str:
    return (
        f"product {product.sku} '{product.name}' (version {product.version}); "
        f"{group.describe(unit)}"
    )


def _explain_existing_line(line: PricedLine, product: Product, context: QuoteContext) -> None:
    if line.request.existing_line and product.sellability(
        context.pricing_date, existing_line=False
    ):
        line.explanation.append(
            "priced although no longer sellable to new quotes: the line is already on the quote"
        )


def _unit_price(
    key: tuple[Hashable, ...],
    line: PricedLine,
    product: Product,
    group: UnitGroup,
    unit: str,
    item: PriceListItem,
    currency: str,
    sentences: tuple[str, str],
) -> UnitPrice:
    """Steps 1 and 2 (list price and unit price in the line's unit); appends the list-price
    sentence to the line first, so a currency mismatch is explained like any other line."""
    figures = _product_figures(line, product, group, unit)
    list_price_sentence = line.explanation[-1]
    if item.method.needs_product_currency and product.currency != currency:
        raise LineError(
            LineErrorCode.CURRENCY_MISMATCH,
            f"{item.method.value} needs {product.sku}'s {item.method.basis} in "
            f"{product.currency}, but the quote is in {currency}",
        )
    raw_price, method_note = compute(item.method, item.value, figures, currency)
    unit_price, rounding_note = item.rounding.apply(raw_price, currency)
    return UnitPrice(
        key,
        figures["list_price"],
        product.currency,
        unit_price,
        *sentences,
        list_price_sentence,
        f"unit price {unit_price:f} {currency}: {method_note}"
        + (f", {rounding_note}" if rounding_note else f", to the {currency} minor unit"),
        amount_text(unit_price),
    )


#: quantity text -> (quantity, its decimals, as shown): quotes repeat few quantities, and
#: parsing and formatting them cost more than the line's arithmetic. Only valid quantities are
#: kept; bounded by starting over when full.
_QUANTITIES: dict[str, tuple[Decimal, int, str]] = {}


def _syntactic_quantity(raw: str) -> tuple[Decimal, int, str]:
    known = _QUANTITIES.get(raw)
    if known is not None:
        return known
    try:
        quantity = parse_decimal(raw, "quantity")
    except InvalidArgument as error:
        raise LineError(LineErrorCode.INVALID_QUANTITY, error.message, field="quantity") from None
    if quantity <= 0:
        raise LineError(
            LineErrorCode.INVALID_QUANTITY,
            f"quantity must be greater than zero, got {format_decimal(quantity)}",
            field="quantity",
        )
    known = (quantity, decimals_of(quantity), format_decimal(quantity))
    if len(_QUANTITIES) >= 10_000:
        _QUANTITIES.clear()
    _QUANTITIES[raw] = known
    return known


def _product_figures(
    line: PricedLine, product: Product, group: UnitGroup, unit: str
) -> dict[str, Decimal]:
    """List price and costs per line unit, each rounded to the product currency's minor unit."""
    ratio = group.conversion(unit, product.default_unit)
    figures = {
        name: to_minor_units(ARITHMETIC.multiply(getattr(product, name), ratio), product.currency)
        for name in ("list_price", "standard_cost", "current_cost")
    }
    line.list_price, line.list_price_currency = figures["list_price"], product.currency
    if ratio == 1:
        line.explanation.append(
            f"list price {figures['list_price']:f} {product.currency} per {unit}"
        )
    else:
        line.explanation.append(
            f"list price {figures['list_price']:f} {product.currency} per {unit} = "
            f"{product.list_price:f} per {product.default_unit} x {format_decimal(ratio)}"
        )
    return figures


def _apply_discount(
    line: PricedLine, discount_list_id: str, data: PricingData, currency: str
) -> None:
    line.discount = to_minor_units(ZERO, currency)  # no discount is 0.00, not a bare 0
    if not discount_list_id:
        line.explanation.append("no discount list on this price list item")
        return
    discount_list = data.discount_lists.get(discount_list_id)
    if discount_list is None:  # a referenced list always exists; guard against bad data
        raise LineError(
            LineErrorCode.PRICING_NOT_POSSIBLE,
            f"discount list {discount_list_id} of the price list item is missing",
        )
    line.discount_list = discount_list
    index = discount_list.tier_index_for(line.quantity)
    if index < 0:
        name = f"discount list '{discount_list.name}' (version {discount_list.version})"
        tiers = ", ".join(t.describe() for t in discount_list.tiers)
        line.explanation.append(
            f"{name}: quantity {line.quantity_text} is in no tier ({tiers}), no discount"
        )
        return
    line.tier_index, tier = index, discount_list.tiers[index]
    name, tier_words, value_text = _tier_words(discount_list, index, tier)
    if discount_list.type is DiscountType.PERCENTAGE:
        line.discount = to_minor_units(percentage_of(line.gross, tier.value), currency)
        how = f"{value_text} % of {line.gross_text}"
    else:
        if discount_list.currency != currency:
            raise LineError(
                LineErrorCode.CURRENCY_MISMATCH,
                f"{name} gives amounts in {discount_list.currency}, but the quote is in {currency}",
            )
        per_unit = min(tier.value, line.unit_price)
        line.discount = to_minor_units(ARITHMETIC.multiply(per_unit, line.quantity), currency)
        how = f"{amount_text(per_unit)} x {line.quantity_text}"
        if per_unit < tier.value:
            how += f" (the tier's {tier.value:f} off is capped at the unit price)"
    line.discount_text = amount_text(line.discount)
    line.explanation.append(f"discount {line.discount_text}: {tier_words} = {how}")


#: (discount list id, version, tier index) -> the words describing that tier; a version never
#: changes, so entries never go stale. Bounded by starting over when full.
_TIER_WORDS: dict[tuple[str, int, int], tuple[str, str, str]] = {}


def _tier_words(discount_list: DiscountList, index: int, tier: Tier) -> tuple[str, str, str]:
    """The list's name, "<name>, tier <range> (<value>)" and the tier's value as text, worded
    once per tier and version rather than once per line."""
    key = (discount_list.id, discount_list.version, index)
    words = _TIER_WORDS.get(key)
    if words is None:
        name = f"discount list '{discount_list.name}' (version {discount_list.version})"
        words = (
            name,
            f"{name}, tier {tier.describe()} ({discount_list.describe_value(tier)})",
            format_decimal(tier.value),
        )
        if len(_TIER_WORDS) >= 10_000:
            _TIER_WORDS.clear()
        _TIER_WORDS[key] = words
    return words
