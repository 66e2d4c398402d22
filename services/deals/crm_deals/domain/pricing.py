"""Priced lines as catalog returns them, shared by deals, quotes, orders and invoices.

Totals are exactly the catalog's figures; :func:`check_priced` refuses a pricing answer whose
lines do not add up to its total (to the cent), so no record can show inconsistent sums.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from crm_chassis.errors import InvalidArgument, Unavailable
from crm_deals.domain.money import Money, total
from crm_deals.domain.text import clean_text, require_id

MAX_LINES = 200


@dataclass(frozen=True)
class LineRequest:
    """A line as the user asks for it: which product, how many, in which unit."""

    product_id: str
    quantity: Decimal
    unit: str = ""
    # Already on the quote or deal (a re-price): catalog still prices a product retired or past
    # its last day of sale for it, as it must for what was sold before; a new line is refused.
    existing: bool = False


def mark_existing(lines: list[LineRequest], current: Iterable[PricedLine]) -> list[LineRequest]:
    """``lines`` with ``existing`` set for each product already among ``current`` lines."""
    on_record = {line.product_id for line in current}
    return [
        LineRequest(
            line.product_id,
            line.quantity,
            line.unit,
            existing=line.existing or line.product_id in on_record,
        )
        for line in lines
    ]


@dataclass(frozen=True)
class PricedLine:
    product_id: str
    description: str
    quantity: Decimal
    unit_price: Money
    discount: Money
    line_total: Money
    unit: str = ""


@dataclass(frozen=True)
class PricedQuote:
    """Catalog's answer: exact per-line prices and the total."""

    currency: str
    lines: tuple[PricedLine, ...]
    total: Money
    price_list_id: str = ""


def check_line_requests(lines: list[LineRequest]) -> list[LineRequest]:
    if len(lines) > MAX_LINES:
        raise InvalidArgument(f"at most {MAX_LINES} lines", field="lines")
    for i, line in enumerate(lines):
        require_id(line.product_id, f"lines[{i}].product_id")
        clean_text(line.unit, f"lines[{i}].unit", max_length=40)
        if (
            not isinstance(line.quantity, Decimal)
            or not line.quantity.is_finite()
            or line.quantity <= 0
            or -int(line.quantity.as_tuple().exponent) > 4
            or line.quantity >= Decimal("1e9")
        ):
            raise InvalidArgument(
                f"lines[{i}].quantity must be a positive decimal below one "
                f"billion with at most 4 decimal places; got {line.quantity}",
                field=f"lines[{i}].quantity",
            )
    return lines


def check_priced(priced: PricedQuote, requested: list[LineRequest], currency: str) -> PricedQuote:
    """Refuse (UNAVAILABLE: a catalog fault, not the user's) an inconsistent pricing answer."""
    if priced.currency != currency or priced.total.currency != currency:
        raise Unavailable(f"catalog priced in {priced.currency}, expected {currency}")
    if [(line.product_id, line.quantity) for line in priced.lines] != [
        (r.product_id, r.quantity) for r in requested
    ]:
        raise Unavailable("catalog's priced lines do not match the requested lines")
    if any(line.line_total.currency != currency for line in priced.lines):
        raise Unavailable("catalog priced a line in another currency")
    if total((line.line_total for line in priced.lines), currency) != priced.total:
        raise Unavailable(f"catalog's total {priced.total} is not the sum of its lines")
    return priced
