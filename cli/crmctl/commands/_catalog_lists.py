"""``crmctl catalog pricelists|discounts``: price and discount lists (changes:
pricing_manager or catalog_manager)."""
from __future__ import annotations

import click

from crm.catalog.v1 import discount_lists_pb2, price_lists_pb2
from crmctl.commands._catalog_api import (
    DISCOUNT_TYPES,
    METHODS,
    ROUNDING,
    ROUNDING_OPTIONS,
    SCOPES,
    Stubs,
    _short,
    all_pages,
    price_list_id,
    product_id,
)
from crmctl.commands.common import output_option, pass_session
from crmctl.output import message_to_dict, print_record, print_rows
from crmctl.session import CliError, Session

PRICE_LIST_COLUMNS = [("id", "id"), ("name", "name"), ("currency", "currency"),
                      ("valid_from", "from"), ("valid_to", "to"), ("scope", "scope"),
                      ("item_count", "items"), ("version", "version")]
ITEM_COLUMNS = [("sku", "sku"), ("product_id", "product"), ("unit", "unit"),
                ("method", "method"), ("value", "value"), ("rounding", "rounding"),
                ("discount_list_id", "discounts")]


def price_list_row(price_list: price_lists_pb2.PriceList) -> dict:
    data = message_to_dict(price_list)
    scope = price_list.scope
    kind = price_lists_pb2.ScopeKind.Name(scope.kind).removeprefix("SCOPE_KIND_").lower()
    data["scope"] = kind + (f": {', '.join(scope.ids)}" if scope.ids else "")
    for item in data.get("items", []):
        _short(item, method="PRICING_METHOD_")
        rounding = item.get("rounding", {})
        mode = str(rounding.get("mode", "")).removeprefix("ROUNDING_MODE_").lower()
        option = str(rounding.get("option", "")).removeprefix("ROUNDING_OPTION_").lower()
        item["rounding"] = (f"{mode} {option} {rounding.get('amount', '')}"
                            if mode not in ("", "none", "unspecified") else "")
    return data


def _print_price_list(session: Session, price_list: price_lists_pb2.PriceList) -> None:
    data = price_list_row(price_list)
    if session.output != "table":
        print_record(session.output, data)
        return
    print_record("table", data, fields=PRICE_LIST_COLUMNS)
    print_rows("table", data.get("items", []), ITEM_COLUMNS, empty="no items")


@click.group()
def pricelists() -> None:
    """Price lists: a currency, validity dates, a scope, and one item per product and unit."""


@pricelists.command("create")
@click.argument("name")
@click.option("--currency", required=True, help="ISO 4217 currency of the list (fixed).")
@click.option("--valid-from", default="", help="First day, YYYY-MM-DD (empty: always).")
@click.option("--valid-to", default="", help="Last day, YYYY-MM-DD (empty: open end).")
@click.option("--scope", type=click.Choice(sorted(SCOPES)), default="default",
              show_default=True, help="Who the list applies to.")
@click.option("--scope-id", "scope_ids", multiple=True,
              help="A sales line or account id of the scope (repeatable).")
@output_option
@pass_session
def pricelists_create(session, name, currency, valid_from, valid_to, scope, scope_ids):
    """Create a price list NAME."""
    created = session.call(Stubs(session).price_lists.CreatePriceList,
                           price_lists_pb2.CreatePriceListRequest(
                               name=name, currency=currency, valid_from=valid_from,
                               valid_to=valid_to, scope=price_lists_pb2.PriceListScope(
                                   kind=SCOPES[scope], ids=list(scope_ids))))
    _print_price_list(session, created.price_list)


@pricelists.command("set-item")
@click.argument("price_list")
@click.argument("product")
@click.argument("unit")
@click.option("--method", type=click.Choice(sorted(METHODS)), default="currency-amount",
              show_default=True, help="How the unit price is obtained.")
@click.option("--value", required=True, help="Amount, or percentage for the other methods.")
@click.option("--rounding", type=click.Choice(sorted(ROUNDING)), default="none",
              show_default=True, help="Rounding direction of the computed price.")
@click.option("--rounding-option", type=click.Choice(sorted(ROUNDING_OPTIONS)),
              help="Round to a multiple of, or to end in, --rounding-amount.")
@click.option("--rounding-amount", default="", help="e.g. 0.05 (multiple) or 0.99 (ending).")
@click.option("--discount-list", "discount_list_id", default="", help="Volume discounts.")
@click.option("--expected-version", type=int, default=0, help="Refuse if the list changed.")
@output_option
@pass_session
def pricelists_set_item(session, price_list, product, unit, method, value, rounding,
                        rounding_option, rounding_amount, discount_list_id, expected_version):
    """Price PRODUCT (id or SKU) in UNIT on PRICE_LIST_ID (adds or replaces the item)."""
    item = price_lists_pb2.PriceListItem(
        product_id=product_id(session, product), unit=unit, method=METHODS[method],
        value=value, discount_list_id=discount_list_id,
        rounding=price_lists_pb2.RoundingPolicy(mode=ROUNDING[rounding],
                                                option=ROUNDING_OPTIONS.get(rounding_option, 0),
                                                amount=rounding_amount))
    updated = session.call(Stubs(session).price_lists.SetPriceListItem,
                           price_lists_pb2.SetPriceListItemRequest(
                               price_list_id=price_list_id(session, price_list), item=item,
                               expected_version=expected_version))
    _print_price_list(session, updated.price_list)


@pricelists.command("remove-item")
@click.argument("price_list")
@click.argument("product")
@click.argument("unit")
@output_option
@pass_session
def pricelists_remove_item(session, price_list, product, unit):
    """Remove the item of PRODUCT in UNIT from PRICE_LIST_ID."""
    updated = session.call(Stubs(session).price_lists.RemovePriceListItem,
                           price_lists_pb2.RemovePriceListItemRequest(
                               price_list_id=price_list_id(session, price_list),
                               product_id=product_id(session, product), unit=unit))
    _print_price_list(session, updated.price_list)


@pricelists.command("list")
@click.option("--currency", default="", help="Only lists in this currency.")
@click.option("--valid-on", default="", help="Only lists valid on this day, YYYY-MM-DD.")
@click.option("--query", "-q", default="", help="Text the name contains.")
@output_option
@pass_session
def pricelists_list(session, currency, valid_on, query):
    """List price lists by name (without their items)."""
    request = price_lists_pb2.ListPriceListsRequest(currency=currency, valid_on=valid_on,
                                                    query=query)
    rows = [price_list_row(pl) for pl in all_pages(
        session, Stubs(session).price_lists.ListPriceLists, request, "price_lists")]
    print_rows(session.output, rows, PRICE_LIST_COLUMNS, empty="no price lists match")


@pricelists.command("show")
@click.argument("price_list")
@output_option
@pass_session
def pricelists_show(session, price_list):
    """Show a price list with its items."""
    found = session.call(Stubs(session).price_lists.GetPriceList,
                         price_lists_pb2.GetPriceListRequest(id=price_list_id(session, price_list)))
    _print_price_list(session, found.price_list)


# ---------------------------------------------------------------------------- discounts
DISCOUNT_FIELDS = [("id", "id"), ("name", "name"), ("type", "type"), ("currency", "currency"),
                   ("quantity_decimals", "quantity decimals"), ("tiers", "tiers"),
                   ("version", "version")]


def discount_row(discount_list: discount_lists_pb2.DiscountList) -> dict:
    data = _short(message_to_dict(discount_list), type="DISCOUNT_TYPE_")
    data["tiers"] = [f"{t.low}..{t.high or 'more'}: {t.value}" for t in discount_list.tiers]
    return data


def parse_tier(text: str) -> discount_lists_pb2.DiscountTier:
    parts = text.split(":")
    if len(parts) != 3:
        raise CliError(f"tier '{text}' is not LOW:HIGH:VALUE (HIGH empty for no upper bound), "
                       "e.g. 10:49:5")
    return discount_lists_pb2.DiscountTier(low=parts[0], high=parts[1], value=parts[2])


_TIER_HELP = "A tier LOW:HIGH:VALUE, e.g. 1:9:0, 10:49:5, 50::10 (repeatable, contiguous)."


@click.group()
def discounts() -> None:
    """Discount lists: volume tiers giving a percentage or an amount off each unit."""


@discounts.command("create")
@click.argument("name")
@click.option("--type", "kind", type=click.Choice(sorted(DISCOUNT_TYPES)),
              default="percentage", show_default=True, help="Percent off, or amount per unit.")
@click.option("--currency", default="", help="Currency of an amount list.")
@click.option("--quantity-decimals", type=click.IntRange(0, 6), default=0,
              help="Decimals of the tier bounds.")
@click.option("--tier", "tiers", multiple=True, required=True, help=_TIER_HELP)
@output_option
@pass_session
def discounts_create(session, name, kind, currency, quantity_decimals, tiers):
    """Create a discount list NAME."""
    created = session.call(Stubs(session).discount_lists.CreateDiscountList,
                           discount_lists_pb2.CreateDiscountListRequest(
                               name=name, type=DISCOUNT_TYPES[kind], currency=currency,
                               quantity_decimals=quantity_decimals,
                               tiers=[parse_tier(t) for t in tiers]))
    print_record(session.output, discount_row(created.discount_list), fields=DISCOUNT_FIELDS)


@discounts.command("update")
@click.argument("discount_list_id")
@click.option("--name", default="", help="New name.")
@click.option("--tier", "tiers", multiple=True, help=_TIER_HELP + " Replaces every tier.")
@click.option("--quantity-decimals", type=click.IntRange(0, 6), default=0,
              help="Decimals of the new tier bounds.")
@click.option("--expected-version", type=int, default=0, help="Refuse if it changed since.")
@output_option
@pass_session
def discounts_update(session, discount_list_id, name, tiers, quantity_decimals,
                     expected_version):
    """Rename DISCOUNT_LIST_ID and/or replace its tiers."""
    updated = session.call(Stubs(session).discount_lists.UpdateDiscountList,
                           discount_lists_pb2.UpdateDiscountListRequest(
                               id=discount_list_id, name=name, replace_tiers=bool(tiers),
                               tiers=[parse_tier(t) for t in tiers],
                               quantity_decimals=quantity_decimals,
                               expected_version=expected_version))
    print_record(session.output, discount_row(updated.discount_list), fields=DISCOUNT_FIELDS)


@discounts.command("list")
@click.option("--query", "-q", default="", help="Text the name contains.")
@output_option
@pass_session
def discounts_list(session, query):
    """List discount lists by name."""
    rows = [discount_row(d) for d in all_pages(
        session, Stubs(session).discount_lists.ListDiscountLists,
        discount_lists_pb2.ListDiscountListsRequest(query=query), "discount_lists")]
    print_rows(session.output, rows, DISCOUNT_FIELDS, empty="no discount lists match")


@discounts.command("show")
@click.argument("discount_list_id")
@output_option
@pass_session
def discounts_show(session, discount_list_id):
    """Show one discount list."""
    found = session.call(Stubs(session).discount_lists.GetDiscountList,
                         discount_lists_pb2.GetDiscountListRequest(id=discount_list_id))
    print_record(session.output, discount_row(found.discount_list), fields=DISCOUNT_FIELDS)

