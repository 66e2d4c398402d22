"""Products: what is sold, in which unit group, at which list price and cost.

List price, standard cost and current cost are amounts per **default unit**, in the product's
currency (fixed at creation: prices and price list items are validated against it). A product is
created as a draft, becomes sellable when activated, and is retired when it may no longer be
added to new quotes; lines already on a quote keep being priced (see ``sellability``).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from crm_catalog.domain.aggregate import Aggregate, check_date_range, clean_name
from crm_catalog.domain.money import parse_amount
from crm_catalog.domain.units import UnitGroup
from crm_chassis.currencies import check_currency
from crm_chassis.errors import FailedPrecondition, InvalidArgument
from crm_chassis.wire.decimals import decimals_of, parse_decimal

SKU_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9._/-]{0,63}$")
MAX_QUANTITY_DECIMALS = 6


class ProductStatus(enum.Enum):
    DRAFT = "draft"
    ACTIVE = "active"
    RETIRED = "retired"


def normalise_sku(sku: str) -> str:
    """SKUs are compared upper-case and trimmed; 1..64 of A-Z 0-9 . _ / - (not leading)."""
    value = (sku or "").strip().upper()
    if not SKU_PATTERN.match(value):
        raise InvalidArgument(
            f"sku '{sku}' is not valid: 1 to 64 characters of letters, digits, '.', '_', '/', "
            "'-', starting with a letter or digit",
            field="sku",
        )
    return value


@dataclass(eq=False)
class Product(Aggregate):
    sku: str = ""
    name: str = ""
    description: str = ""
    family: str = ""
    unit_group_id: str = ""
    default_unit: str = ""
    currency: str = ""
    list_price: Decimal = Decimal(0)
    standard_cost: Decimal = Decimal(0)
    current_cost: Decimal = Decimal(0)
    quantity_decimals: int = 0
    status: ProductStatus = ProductStatus.DRAFT
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    retired_at: dt.datetime | None = None

    @classmethod
    def create(
        cls,
        *,
        id: str,
        sku: str,
        name: str,
        unit_group: UnitGroup,
        default_unit: str,
        currency: str,
        list_price: str,
        standard_cost: str = "0",
        current_cost: str = "0",
        description: str = "",
        family: str = "",
        quantity_decimals: int = 0,
        valid_from: dt.date | None = None,
        valid_to: dt.date | None = None,
        now: dt.datetime,
    ) -> Product:
        code = check_currency(currency)
        product = cls(
            id=id,
            version=1,
            created_at=now,
            updated_at=now,
            sku=normalise_sku(sku),
            name=clean_name(name, "name"),
            unit_group_id=unit_group.id,
            currency=code,
        )
        product._apply(
            unit_group=unit_group,
            description=description,
            family=family,
            default_unit=default_unit,
            list_price=list_price,
            standard_cost=standard_cost,
            current_cost=current_cost,
            quantity_decimals=quantity_decimals,
            valid_from=valid_from,
            valid_to=valid_to,
        )
        return product

    #: Fields ``update`` accepts (the unit group, currency and SKU are fixed at creation).
    UPDATABLE = (
        "name",
        "description",
        "family",
        "default_unit",
        "list_price",
        "standard_cost",
        "current_cost",
        "quantity_decimals",
        "valid_from",
        "valid_to",
    )

    def update(
        self, changes: dict[str, Any], *, unit_group: UnitGroup, now: dt.datetime
    ) -> list[str]:
        """Applies ``changes`` (field -> raw value); returns the fields that really changed."""
        unknown = sorted(set(changes) - set(self.UPDATABLE))
        if unknown:
            raise InvalidArgument(
                f"cannot update {', '.join(unknown)}: updatable fields are "
                f"{', '.join(self.UPDATABLE)} (sku, currency and unit group are fixed)",
                field=unknown[0],
            )
        before = {name: getattr(self, name) for name in self.UPDATABLE}
        if "name" in changes:
            self.name = clean_name(changes["name"], "name")
        self._apply(unit_group=unit_group, **{k: v for k, v in changes.items() if k != "name"})
        changed = [name for name in self.UPDATABLE if getattr(self, name) != before[name]]
        if changed:
            self._changed(now)
        return changed

    def _apply(self, *, unit_group: UnitGroup, **values: Any) -> None:
        if "description" in values:
            self.description = (values["description"] or "").strip()
            if len(self.description) > 4000:
                raise InvalidArgument(
                    "description is longer than 4000 characters", field="description"
                )
        if "family" in values:
            self.family = " ".join((values["family"] or "").split())
            if len(self.family) > 200:
                raise InvalidArgument("family is longer than 200 characters", field="family")
        if "default_unit" in values:
            self.default_unit = unit_group.require_unit(
                values["default_unit"], field="default_unit"
            ).name
        for money_field in ("list_price", "standard_cost", "current_cost"):
            if money_field in values:
                setattr(
                    self, money_field, parse_amount(values[money_field], self.currency, money_field)
                )
        if "quantity_decimals" in values:
            decimals = values["quantity_decimals"]
            if not isinstance(decimals, int) or not 0 <= decimals <= MAX_QUANTITY_DECIMALS:
                raise InvalidArgument(
                    f"quantity_decimals must be a whole number from 0 (whole units only) to "
                    f"{MAX_QUANTITY_DECIMALS}, got {decimals!r}",
                    field="quantity_decimals",
                )
            self.quantity_decimals = decimals
        if "valid_from" in values:
            self.valid_from = values["valid_from"]
        if "valid_to" in values:
            self.valid_to = values["valid_to"]
        check_date_range(self.valid_from, self.valid_to)

    # ------------------------------------------------------------------ lifecycle
    def activate(self, now: dt.datetime) -> None:
        """Draft or retired -> active (re-activating a retired product is allowed)."""
        if self.status is ProductStatus.ACTIVE:
            raise FailedPrecondition(f"product {self.sku} is already active", field="id")
        self.status = ProductStatus.ACTIVE
        self.retired_at = None
        self._changed(now)

    def retire(self, now: dt.datetime) -> None:
        if self.status is not ProductStatus.ACTIVE:
            raise FailedPrecondition(
                f"product {self.sku} is {self.status.value}; only an active product can be retired",
                field="id",
            )
        self.status = ProductStatus.RETIRED
        self.retired_at = now
        self._changed(now)

    def sellability(self, pricing_date: dt.date, *, existing_line: bool) -> str | None:
        """Why this product cannot be priced on ``pricing_date``, or None when it can.

        A line that is already on a quote (``existing_line``) stays priceable after the product
        was retired or its validity ended; a new line is not. A draft is never priced.
        """
        if self.status is ProductStatus.DRAFT:
            return f"product {self.sku} is a draft and cannot be sold until it is activated"
        if self.valid_from and pricing_date < self.valid_from:
            return f"product {self.sku} is sold from {self.valid_from}, not on {pricing_date}"
        if existing_line:
            return None
        if self.status is ProductStatus.RETIRED:
            return (
                f"product {self.sku} was retired on {self.retired_at:%Y-%m-%d} and cannot be "
                "added to new quotes (lines already on a quote keep their price)"
            )
        if self.valid_to and pricing_date > self.valid_to:
            return (
                f"product {self.sku} was sold until {self.valid_to}, not on {pricing_date}; "
                "it cannot be added to new quotes"
            )
        return None

    def check_quantity(self, quantity: str | Decimal, field: str = "quantity") -> Decimal:
        """The quantity as a Decimal, or InvalidArgument saying what is wrong with it."""
        value = parse_decimal(quantity, field)
        if value <= 0:
            raise InvalidArgument(f"quantity must be greater than zero, got {value}", field=field)
        if decimals_of(value) > self.quantity_decimals:
            allowed = (
                "whole units only"
                if self.quantity_decimals == 0
                else f"quantities with at most {self.quantity_decimals} decimal places"
            )
            raise InvalidArgument(
                f"product {self.sku} sells in {allowed}; quantity {value} is not allowed",
                field=field,
            )
        return value
