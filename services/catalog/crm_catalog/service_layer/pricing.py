"""PriceQuote: loads the catalog as it was at ``as_of`` and lets the domain price the lines.

Reproducibility: everything read goes through ``get_as_of``/``pricing_any_of_as_of`` at one
instant, which the result returns; the same lines with that ``as_of`` give the same figures
however the catalog changed since (see docs/services/catalog.md, "As of").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crm_catalog.domain.aggregate import parse_date
from crm_catalog.domain.price_lists import PriceList
from crm_catalog.domain.products import normalise_sku
from crm_catalog.domain.quote import LineRequest, PricedLine, PricingData, Totals, price_quote
from crm_catalog.domain.selection import QuoteContext
from crm_catalog.service_layer.authorization import require_quoter
from crm_catalog.service_layer.dependencies import Dependencies
from crm_catalog.service_layer.unit_of_work import CatalogUnitOfWork
from crm_chassis.caller import Caller
from crm_chassis.currencies import check_currency
from crm_chassis.errors import InvalidArgument, NotFound

MAX_LINES = 1000


@dataclass(slots=True)  # not frozen: one per quote line, see domain.quote.LineRequest
class LineInput:
    """One line as the caller wrote it: the product by id or by SKU."""

    unit: str
    quantity: str
    product_id: str = ""
    sku: str = ""
    existing_line: bool = False


@dataclass(frozen=True)
class QuoteResult:
    lines: list[PricedLine]
    totals: Totals
    context: QuoteContext

    @property
    def complete(self) -> bool:
        return self.totals.failed_lines == 0


def price_quote_lines(
    deps: Dependencies,
    caller: Caller,
    *,
    lines: list[LineInput],
    price_list_id: str = "",
    sales_line_id: str = "",
    account_id: str = "",
    currency: str = "",
    pricing_date: str = "",
    as_of: dt.datetime | None = None,
) -> QuoteResult:
    """``deps.unit_prices`` remembers each line's price before its quantity between quotes (it
    is keyed by the versions it was computed from, so it never needs invalidating)."""
    require_quoter(caller)
    if not lines:
        raise InvalidArgument("a quote needs at least one line", field="lines")
    if len(lines) > MAX_LINES:
        raise InvalidArgument(
            f"a quote has at most {MAX_LINES} lines, got {len(lines)}; price it in parts",
            field="lines",
        )
    if as_of is not None and as_of.tzinfo is None:
        raise InvalidArgument("context.as_of must carry a time zone (UTC)", field="context.as_of")
    with deps.uow() as uow:
        # "now" is taken inside the transaction, in commit order: see pricing_instant.
        now = uow.pricing_instant(deps.clock)
        if as_of is None:
            as_of = now
        elif as_of > now:
            raise InvalidArgument(
                f"context.as_of {as_of.isoformat()} is in the future; the "
                "catalog can only be read as it is or was",
                field="context.as_of",
            )
        as_of = as_of.astimezone(dt.UTC)
        day = parse_date(pricing_date, "context.pricing_date") or as_of.date()
        named = None
        if price_list_id:
            named = uow.price_lists.get_as_of(price_list_id, as_of)
            if named is None:
                raise NotFound(
                    f"no price list with id '{price_list_id}' existed as of {as_of.isoformat()}",
                    field="context.price_list_id",
                )
            quote_currency = (
                check_currency(currency, "context.currency") if currency.strip() else named.currency
            )
        elif not currency.strip():
            raise InvalidArgument(
                "context.currency is required when no price list is named", field="context.currency"
            )
        else:
            quote_currency = check_currency(currency, "context.currency")
        requests = _resolve(uow, lines)
        data = _load(uow, requests, named, as_of)
    context = QuoteContext(
        currency=quote_currency,
        pricing_date=day,
        as_of=as_of,
        price_list_id=price_list_id,
        sales_line_id=sales_line_id.strip(),
        account_id=account_id.strip(),
    )
    priced, totals = price_quote(requests, data, context, deps.unit_prices)
    return QuoteResult(priced, totals, context)


def _resolve(uow: CatalogUnitOfWork, lines: list[LineInput]) -> list[LineRequest]:
    """SKUs are fixed for a product's life, so today's SKU -> id mapping holds for any as_of.
    Every SKU of the quote is resolved in one repository call."""
    skus: dict[int, str] = {}
    for index, line in enumerate(lines):
        if not line.product_id.strip() and line.sku.strip():
            try:
                skus[index] = normalise_sku(line.sku)
            except InvalidArgument:
                pass  # reported on the line as an unknown product
    ids = uow.products.ids_by_sku(set(skus.values())) if skus else {}
    requests = []
    for index, line in enumerate(lines):
        product_id = ref = line.product_id.strip()
        if not product_id and line.sku.strip():
            ref = line.sku.strip()
            product_id = ids.get(skus.get(index, ""), "")
        requests.append(
            LineRequest(
                product_id=product_id,
                unit=line.unit,
                quantity=line.quantity,
                existing_line=line.existing_line,
                product_ref=ref,
            )
        )
    return requests


def _load(
    uow: CatalogUnitOfWork, requests: list[LineRequest], named: PriceList | None, as_of: dt.datetime
) -> PricingData:
    """The catalog as of ``as_of``: one repository call per kind of aggregate."""
    products = uow.products.get_many_as_of({r.product_id for r in requests if r.product_id}, as_of)
    unit_groups = uow.unit_groups.get_many_as_of(
        {p.unit_group_id for p in products.values()}, as_of
    )
    price_lists = [named] if named else uow.price_lists.pricing_any_of_as_of(set(products), as_of)
    wanted = {
        item.discount_list_id
        for pl in price_lists
        for item in pl.items.values()
        if item.product_id in products and item.discount_list_id
    }
    discount_lists = uow.discount_lists.get_many_as_of(wanted, as_of) if wanted else {}
    return PricingData(
        products=products,
        unit_groups=unit_groups,
        price_lists=price_lists,
        discount_lists=discount_lists,
        named_price_list=named,
    )
