"""Option texts as catalog's request parts: quote lines and discount tiers."""

from __future__ import annotations

from crm.catalog.v1 import discount_lists_pb2, pricing_pb2
from crmctl.commands.catalog.lookup import get_product
from crmctl.lookup import looks_like_id
from crmctl.session import CliError, Session


def quote_line(
    session: Session, text: str, existing: bool, default_units: dict[str, str]
) -> pricing_pb2.QuoteLineInput:
    """``SKU:QUANTITY[:UNIT]`` (or a product id instead of the SKU) as a quote line."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
        raise CliError(f"line '{text}' is not PRODUCT:QUANTITY[:UNIT], e.g. WINE-RED:12:case")
    product, quantity = parts[0], parts[1]
    unit = parts[2] if len(parts) == 3 else ""
    if not unit:
        if product not in default_units:
            default_units[product] = get_product(session, product).default_unit
        unit = default_units[product]
    line = pricing_pb2.QuoteLineInput(unit=unit, quantity=quantity, existing_line=existing)
    if looks_like_id(product):
        line.product_id = product
    else:
        line.sku = product
    return line


def tier(text: str) -> discount_lists_pb2.DiscountTier:
    parts = text.split(":")
    if len(parts) != 3:
        raise CliError(
            f"tier '{text}' is not LOW:HIGH:VALUE (HIGH empty for no upper bound), e.g. 10:49:5"
        )
    return discount_lists_pb2.DiscountTier(low=parts[0], high=parts[1], value=parts[2])
