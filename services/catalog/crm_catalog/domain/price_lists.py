"""Price lists: a currency, a validity window, a scope, and one item per (product, unit).

The scope says to whom a list applies: everyone (DEFAULT), the listed sales lines, or the
listed accounts (special offers for key customers). Seasonal specials are price lists with
validity dates. The currency is fixed at creation because every item is validated against it.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from crm_catalog.domain.aggregate import Aggregate, check_date_range, clean_name, describe_range
from crm_catalog.domain.discounts import DiscountList, DiscountType
from crm_catalog.domain.pricing_methods import PricingMethod, check_value
from crm_catalog.domain.products import Product
from crm_catalog.domain.rounding import RoundingPolicy
from crm_catalog.domain.units import UnitGroup, unit_key
from crm_chassis.currencies import check_currency
from crm_chassis.errors import FailedPrecondition, InvalidArgument, NotFound

MAX_SCOPE_IDS = 1000


class ScopeKind(enum.Enum):
    DEFAULT = "default"
    SALES_LINES = "sales_lines"
    ACCOUNTS = "accounts"


#: Specificity of each scope: the higher wins when several lists price the same line.
SPECIFICITY = {ScopeKind.ACCOUNTS: 3, ScopeKind.SALES_LINES: 2, ScopeKind.DEFAULT: 1}


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind = ScopeKind.DEFAULT
    ids: frozenset[str] = frozenset()

    @classmethod
    def create(cls, kind: ScopeKind, ids: list[str] | None) -> Scope:
        clean = frozenset(i.strip() for i in (ids or []) if i and i.strip())
        if kind is ScopeKind.DEFAULT:
            if clean:
                raise InvalidArgument(
                    "a default price list applies to everyone; give no sales line or account ids",
                    field="scope.ids",
                )
            return cls()
        if not clean:
            what = "sales line" if kind is ScopeKind.SALES_LINES else "account"
            raise InvalidArgument(
                f"a price list bound to {what}s needs at least one {what} id", field="scope.ids"
            )
        if len(clean) > MAX_SCOPE_IDS:
            raise InvalidArgument(
                f"a price list may be bound to at most {MAX_SCOPE_IDS} ids", field="scope.ids"
            )
        return cls(kind, clean)

    def matches(self, sales_line_id: str, account_id: str) -> bool:
        if self.kind is ScopeKind.DEFAULT:
            return True
        wanted = sales_line_id if self.kind is ScopeKind.SALES_LINES else account_id
        return bool(wanted) and wanted in self.ids

    def describe(self) -> str:
        return _SCOPE_NAMES[self.kind]


_SCOPE_NAMES = {
    ScopeKind.DEFAULT: "default",
    ScopeKind.SALES_LINES: "sales-line",
    ScopeKind.ACCOUNTS: "account-specific",
}


@dataclass(frozen=True)
class PriceListItem:
    product_id: str
    unit: str
    method: PricingMethod
    value: Decimal
    rounding: RoundingPolicy = RoundingPolicy()  # noqa: RUF009  # frozen: one shared default is safe
    discount_list_id: str = ""
    # The product's SKU, copied when the item is set: a SKU never changes once the product
    # exists, so responses and events show it without a product lookup per item.
    sku: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return self.product_id, unit_key(self.unit)


@dataclass(eq=False)
class PriceList(Aggregate):
    name: str = ""
    currency: str = ""
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    scope: Scope = Scope()
    items: dict[tuple[str, str], PriceListItem] = field(default_factory=dict)

    @classmethod
    def create(
        cls,
        *,
        id: str,
        name: str,
        currency: str,
        valid_from: dt.date | None = None,
        valid_to: dt.date | None = None,
        scope: Scope = Scope(),
        now: dt.datetime,
    ) -> PriceList:
        check_date_range(valid_from, valid_to)
        return cls(
            id=id,
            version=1,
            created_at=now,
            updated_at=now,
            name=clean_name(name, "name"),
            currency=check_currency(currency),
            valid_from=valid_from,
            valid_to=valid_to,
            scope=scope,
        )

    UPDATABLE = ("name", "valid_from", "valid_to", "scope")

    def update(self, changes: dict[str, Any], now: dt.datetime) -> list[str]:
        unknown = sorted(set(changes) - set(self.UPDATABLE))
        if unknown:
            raise InvalidArgument(
                f"cannot update {', '.join(unknown)}: updatable fields are "
                f"{', '.join(self.UPDATABLE)} (the currency is fixed)",
                field=unknown[0],
            )
        new = {name: getattr(self, name) for name in self.UPDATABLE}
        new.update(changes)
        new["name"] = clean_name(new["name"], "name")
        check_date_range(new["valid_from"], new["valid_to"])
        changed = [name for name in self.UPDATABLE if getattr(self, name) != new[name]]
        for name in changed:
            setattr(self, name, new[name])
        if changed:
            self._changed(now)
        return changed

    def is_valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )

    def validity_problem(self, day: dt.date) -> str | None:
        if self.is_valid_on(day):
            return None
        if self.valid_to is not None and day > self.valid_to:
            return f"price list '{self.name}' expired on {self.valid_to} (pricing date {day})"
        return f"price list '{self.name}' is valid from {self.valid_from}, not on {day}"

    def describe_validity(self) -> str:
        return describe_range(self.valid_from, self.valid_to)

    def item_for(self, product_id: str, unit: str) -> PriceListItem | None:
        return self.items.get((product_id, unit_key(unit)))

    def set_item(
        self,
        *,
        product: Product,
        unit_group: UnitGroup,
        unit: str,
        method: PricingMethod,
        value: str | Decimal,
        rounding: RoundingPolicy,
        discount_list: DiscountList | None,
        now: dt.datetime,
    ) -> PriceListItem:
        """Adds or replaces the item for (product, unit), checking it can be priced."""
        if product.unit_group_id != unit_group.id:
            raise ValueError("unit_group must be the product's unit group")
        unit_name = unit_group.require_unit(unit).name
        if method.needs_product_currency and product.currency != self.currency:
            raise FailedPrecondition(
                f"method {method.value} derives the price from product {product.sku}'s "
                f"{(method.basis or '').replace('_', ' ')} in {product.currency}, but price list "
                f"'{self.name}' is in {self.currency}; the catalog converts no currencies, so use "
                "currency_amount",
                field="method",
            )
        if (
            discount_list is not None
            and discount_list.type is DiscountType.AMOUNT
            and discount_list.currency != self.currency
        ):
            raise FailedPrecondition(
                f"discount list '{discount_list.name}' gives amounts in {discount_list.currency}, "
                f"but price list '{self.name}' is in {self.currency}",
                field="discount_list_id",
            )
        item = PriceListItem(
            product.id,
            unit_name,
            method,
            check_value(method, value, self.currency),
            rounding,
            discount_list.id if discount_list else "",
            product.sku,
        )
        if self.items.get(item.key) != item:
            self.items[item.key] = item
            self._changed(now)
        return item

    def remove_item(self, product_id: str, unit: str, now: dt.datetime) -> PriceListItem:
        item = self.items.pop((product_id, unit_key(unit)), None)
        if item is None:
            raise NotFound(
                f"price list '{self.name}' has no item for product {product_id} in unit '{unit}'",
                field="unit",
            )
        self._changed(now)
        return item

    def uses_unit(self, product_ids: set[str], unit: str) -> bool:
        key = unit_key(unit)
        return any(pid in product_ids and ukey == key for pid, ukey in self.items)
