"""gRPC requests -> use-case arguments, and aggregates -> responses, for every catalog service
but PricingService (grpc_mapping_pricing.py).

Responses carry the same aggregate messages as the events (service_layer/event_messages.py), so
an event and a Get answer always show the same thing. Enum numbers become domain enums by name
(crm_chassis.wire.enums): UNSPECIFIED is "not given", a number this server does not know is
refused with INVALID_ARGUMENT.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crm.catalog.v1 import discount_lists_pb2, price_lists_pb2, products_pb2
from crm_catalog.domain.discounts import DiscountType
from crm_catalog.domain.price_lists import ScopeKind
from crm_catalog.domain.pricing_methods import PricingMethod
from crm_catalog.domain.products import ProductStatus
from crm_catalog.domain.rounding import RoundingMode, RoundingOption
from crm_chassis.auth import current_principal
from crm_chassis.caller import Caller, require_authenticated
from crm_chassis.errors import InvalidArgument
from crm_chassis.wire import enums

_PRODUCT_MONEY_FIELDS = ("list_price", "standard_cost", "current_cost")


def caller() -> Caller:
    """The verified caller of the current call (the chassis server verified the token)."""
    principal = current_principal()
    return require_authenticated(None if principal is None else Caller.from_principal(principal))


# ---------------------------------------------------------------------------- enums
def product_status(number: int, field: str = "status") -> ProductStatus | None:
    return enums.to_domain(products_pb2.ProductStatus, number, ProductStatus, field)


def discount_type(number: int, field: str = "type") -> DiscountType | None:
    return enums.to_domain(discount_lists_pb2.DiscountType, number, DiscountType, field)


def pricing_method(number: int, field: str = "item.method") -> PricingMethod | None:
    return enums.to_domain(price_lists_pb2.PricingMethod, number, PricingMethod, field)


def rounding_mode(number: int, field: str = "item.rounding.mode") -> RoundingMode | None:
    return enums.to_domain(price_lists_pb2.RoundingMode, number, RoundingMode, field)


def rounding_option(number: int, field: str = "item.rounding.option") -> RoundingOption | None:
    return enums.to_domain(price_lists_pb2.RoundingOption, number, RoundingOption, field)


def scope(
    message: price_lists_pb2.PriceListScope, field: str = "scope"
) -> tuple[ScopeKind | None, list[str]]:
    """(kind, ids) of a price list scope; kind None when unspecified (the default scope)."""
    return (
        enums.to_domain(price_lists_pb2.ScopeKind, message.kind, ScopeKind, f"{field}.kind"),
        list(message.ids),
    )


# ---------------------------------------------------------------------------- requests
def product_changes(request: products_pb2.UpdateProductRequest) -> tuple[dict[str, Any], str]:
    """The masked fields of ``request.product`` as use-case changes, and the one currency the
    caller wrote next to amounts ("" if none)."""
    changes: dict[str, Any] = {}
    currencies: set[str] = set()
    for path in request.update_mask.paths:
        name = path.split(".", 1)[0]
        if name in _PRODUCT_MONEY_FIELDS:
            money = getattr(request.product, name)
            changes[name] = money.amount
            if money.currency:
                currencies.add(money.currency.strip().upper())
        elif name in products_pb2.Product.DESCRIPTOR.fields_by_name:
            changes[name] = getattr(request.product, name)
        else:
            raise InvalidArgument(
                f"update_mask names '{path}', which is not a product field", field="update_mask"
            )
    if len(currencies) > 1:
        raise InvalidArgument(
            f"amounts are given in several currencies "
            f"({', '.join(sorted(currencies))}); a product's amounts are all "
            "in its own currency",
            field="currency",
        )
    return changes, next(iter(currencies), "")


def price_list_changes(request: price_lists_pb2.UpdatePriceListRequest) -> dict[str, Any]:
    """The masked fields as use-case changes; unknown names are refused by the domain."""
    changes: dict[str, Any] = {}
    for path in request.update_mask.paths:
        name = path.split(".", 1)[0]
        changes[name] = (
            scope(request.price_list.scope, "price_list.scope")
            if name == "scope"
            else getattr(request.price_list, name, None)
        )
    return changes


def tiers(messages: Iterable[discount_lists_pb2.DiscountTier]) -> list[dict[str, str]]:
    """Discount tiers as the domain takes them: decimal strings, "" for an open high end."""
    return [{"low": tier.low, "high": tier.high, "value": tier.value} for tier in messages]
