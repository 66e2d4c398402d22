"""How a price list item turns a product's figures into a unit price (before rounding).

``value`` is an amount for CURRENCY_AMOUNT and a percentage for every other method:

============================  ==================================  ==========================
method                        unit price                          value range
============================  ==================================  ==========================
CURRENCY_AMOUNT               value                               amount >= 0
PERCENT_OF_LIST               list price * value / 100            >= 0
MARKUP_CURRENT_COST           current cost * (1 + value / 100)    >= -100
MARKUP_STANDARD_COST          standard cost * (1 + value / 100)   >= -100
MARGIN_CURRENT_COST           current cost / (1 - value / 100)    < 100
MARGIN_STANDARD_COST          standard cost / (1 - value / 100)   < 100
============================  ==================================  ==========================

Margin is the share of the selling price that is profit, markup the share of the cost added:
cost 60 with a 40 % margin sells at 100; with a 40 % markup at 84. The list price and costs used
are those of the product converted to the line's unit and rounded to the currency's minor unit.
"""

from __future__ import annotations

import enum
from decimal import Decimal

from crm_catalog.domain.money import ARITHMETIC, parse_amount
from crm_chassis.errors import InvalidArgument
from crm_chassis.wire.decimals import format_decimal, parse_decimal

PERCENT_DECIMALS = 6
HUNDRED = Decimal(100)


class PricingMethod(enum.Enum):
    CURRENCY_AMOUNT = "currency_amount"
    PERCENT_OF_LIST = "percent_of_list"
    MARKUP_CURRENT_COST = "markup_current_cost"
    MARKUP_STANDARD_COST = "markup_standard_cost"
    MARGIN_CURRENT_COST = "margin_current_cost"
    MARGIN_STANDARD_COST = "margin_standard_cost"

    @property
    def needs_product_currency(self) -> bool:
        """Every method but a plain amount derives from the product's own figures, which are in
        the product's currency; the catalog converts no currencies."""
        return self is not PricingMethod.CURRENCY_AMOUNT

    @property
    def basis(self) -> str | None:
        """The product figure the method starts from (None for a plain amount)."""
        return _BASIS.get(self)


_BASIS = {
    PricingMethod.PERCENT_OF_LIST: "list_price",
    PricingMethod.MARKUP_CURRENT_COST: "current_cost",
    PricingMethod.MARGIN_CURRENT_COST: "current_cost",
    PricingMethod.MARKUP_STANDARD_COST: "standard_cost",
    PricingMethod.MARGIN_STANDARD_COST: "standard_cost",
}


def check_value(
    method: PricingMethod, value: str | Decimal, currency: str, field: str = "value"
) -> Decimal:
    """The item's value parsed and range-checked for ``method``."""
    if method is PricingMethod.CURRENCY_AMOUNT:
        return parse_amount(value, currency, field)
    if method is PricingMethod.PERCENT_OF_LIST:
        return parse_decimal(value, field, max_decimals=PERCENT_DECIMALS, minimum=Decimal(0))
    if method in (PricingMethod.MARKUP_CURRENT_COST, PricingMethod.MARKUP_STANDARD_COST):
        return parse_decimal(value, field, max_decimals=PERCENT_DECIMALS, minimum=-HUNDRED)
    percent = parse_decimal(value, field, max_decimals=PERCENT_DECIMALS)
    if percent >= HUNDRED:
        raise InvalidArgument(
            f"{field}: a margin must be below 100 % (a 100 % margin would need "
            f"an infinite price), got {percent}",
            field=field,
        )
    return percent


def compute(
    method: PricingMethod, value: Decimal, figures: dict[str, Decimal], currency: str
) -> tuple[Decimal, str]:
    """The exact (unrounded) unit price and a sentence explaining it.

    ``figures`` holds the product's list_price, standard_cost and current_cost per line unit.
    """
    pct = format_decimal(value)
    if method is PricingMethod.CURRENCY_AMOUNT:
        return value, f"fixed amount {value:f} {currency}"
    basis = method.basis
    assert basis is not None, method  # every method but currency_amount has a basis
    base = figures[basis]
    label = basis.replace("_", " ")
    if method is PricingMethod.PERCENT_OF_LIST:
        price = ARITHMETIC.divide(ARITHMETIC.multiply(base, value), HUNDRED)
        return price, f"{pct} % of list price {base:f} = {format_decimal(price)}"
    if method in (PricingMethod.MARKUP_CURRENT_COST, PricingMethod.MARKUP_STANDARD_COST):
        factor = ARITHMETIC.add(Decimal(1), ARITHMETIC.divide(value, HUNDRED))
        price = ARITHMETIC.multiply(base, factor)
        return price, f"{label} {base:f} plus {pct} % markup = {format_decimal(price)}"
    divisor = ARITHMETIC.subtract(Decimal(1), ARITHMETIC.divide(value, HUNDRED))
    price = ARITHMETIC.divide(base, divisor)
    return price, (
        f"{label} {base:f} at a {pct} % margin = {base:f} / "
        f"{format_decimal(divisor)} = {format_decimal(price)}"
    )
