"""``crmctl price-lists ...``: a currency, validity dates, a scope, and one item per product
and unit (changes: pricing_manager or catalog_manager)."""

from __future__ import annotations

import click

from crm.catalog.v1 import price_lists_pb2
from crmctl.commands.catalog.lookup import price_list_id, product_id
from crmctl.commands.catalog.rows import price_list_row
from crmctl.commands.catalog.stubs import Stubs
from crmctl.options import output_option, pass_session
from crmctl.output import print_record, print_rows
from crmctl.paging import pages
from crmctl.session import Session
from crmctl.wire import enum_words

METHODS = enum_words(price_lists_pb2.PricingMethod, separator="-")
ROUNDING = enum_words(price_lists_pb2.RoundingMode)
ROUNDING_OPTIONS = enum_words(price_lists_pb2.RoundingOption)
SCOPES = enum_words(price_lists_pb2.ScopeKind, separator="-")
PRICE_LIST_COLUMNS = [
    ("id", "id"),
    ("name", "name"),
    ("currency", "currency"),
    ("valid_from", "from"),
    ("valid_to", "to"),
    ("scope", "scope"),
    ("item_count", "items"),
    ("version", "version"),
]
ITEM_COLUMNS = [
    ("sku", "sku"),
    ("product_id", "product"),
    ("unit", "unit"),
    ("method", "method"),
    ("value", "value"),
    ("rounding", "rounding"),
    ("discount_list_id", "discounts"),
]


def _print_price_list(session: Session, price_list: price_lists_pb2.PriceList) -> None:
    data = price_list_row(price_list)
    if session.output != "table":
        print_record(session.output, data)
        return
    print_record("table", data, fields=PRICE_LIST_COLUMNS)
    print_rows("table", data.get("items", []), ITEM_COLUMNS, empty="no items")


@click.group("price-lists")
def price_lists() -> None:
    """Price lists: a currency, validity dates, a scope, and one item per product and unit."""


@price_lists.command("create")
@click.argument("name")
@click.option("--currency", required=True, help="ISO 4217 currency of the list (fixed).")
@click.option("--valid-from", default="", help="First day, YYYY-MM-DD (empty: always).")
@click.option("--valid-to", default="", help="Last day, YYYY-MM-DD (empty: open end).")
@click.option(
    "--scope",
    type=click.Choice(sorted(SCOPES)),
    default="default",
    show_default=True,
    help="Who the list applies to.",
)
@click.option(
    "--scope-id",
    "scope_ids",
    multiple=True,
    help="A sales line or account id of the scope (repeatable).",
)
@output_option
@pass_session
def price_lists_create(session, name, currency, valid_from, valid_to, scope, scope_ids):
    """Create a price list NAME."""
    created = session.call(
        Stubs(session).price_lists.CreatePriceList,
        price_lists_pb2.CreatePriceListRequest(
            name=name,
            currency=currency,
            valid_from=valid_from,
            valid_to=valid_to,
            scope=price_lists_pb2.PriceListScope(kind=SCOPES[scope], ids=list(scope_ids)),
        ),
    )
    _print_price_list(session, created.price_list)


@price_lists.command("set-item")
@click.argument("price_list")
@click.argument("product")
@click.argument("unit")
@click.option(
    "--method",
    type=click.Choice(sorted(METHODS)),
    default="currency-amount",
    show_default=True,
    help="How the unit price is obtained.",
)
@click.option("--value", required=True, help="Amount, or percentage for the other methods.")
@click.option(
    "--rounding",
    type=click.Choice(sorted(ROUNDING)),
    default="none",
    show_default=True,
    help="Rounding direction of the computed price.",
)
@click.option(
    "--rounding-option",
    type=click.Choice(sorted(ROUNDING_OPTIONS)),
    help="Round to a multiple of, or to end in, --rounding-amount.",
)
@click.option("--rounding-amount", default="", help="e.g. 0.05 (multiple) or 0.99 (ending).")
@click.option("--discount-list", "discount_list_id", default="", help="Volume discounts.")
@click.option("--expected-version", type=int, default=0, help="Refuse if the list changed.")
@output_option
@pass_session
def price_lists_set_item(
    session,
    price_list,
    product,
    unit,
    method,
    value,
    rounding,
    rounding_option,
    rounding_amount,
    discount_list_id,
    expected_version,
):
    """Price PRODUCT (id or SKU) in UNIT on PRICE_LIST_ID (adds or replaces the item)."""
    item = price_lists_pb2.PriceListItem(
        product_id=product_id(session, product),
        unit=unit,
        method=METHODS[method],
        value=value,
        discount_list_id=discount_list_id,
        rounding=price_lists_pb2.RoundingPolicy(
            mode=ROUNDING[rounding],
            option=ROUNDING_OPTIONS.get(rounding_option, 0),
            amount=rounding_amount,
        ),
    )
    updated = session.call(
        Stubs(session).price_lists.SetPriceListItem,
        price_lists_pb2.SetPriceListItemRequest(
            price_list_id=price_list_id(session, price_list),
            item=item,
            expected_version=expected_version,
        ),
    )
    _print_price_list(session, updated.price_list)


@price_lists.command("remove-item")
@click.argument("price_list")
@click.argument("product")
@click.argument("unit")
@output_option
@pass_session
def price_lists_remove_item(session, price_list, product, unit):
    """Remove the item of PRODUCT in UNIT from PRICE_LIST_ID."""
    updated = session.call(
        Stubs(session).price_lists.RemovePriceListItem,
        price_lists_pb2.RemovePriceListItemRequest(
            price_list_id=price_list_id(session, price_list),
            product_id=product_id(session, product),
            unit=unit,
        ),
    )
    _print_price_list(session, updated.price_list)


@price_lists.command("list")
@click.option("--currency", default="", help="Only lists in this currency.")
@click.option("--valid-on", default="", help="Only lists valid on this day, YYYY-MM-DD.")
@click.option("--query", "-q", default="", help="Text the name contains.")
@output_option
@pass_session
def price_lists_list(session, currency, valid_on, query):
    """List price lists by name (without their items)."""
    request = price_lists_pb2.ListPriceListsRequest(
        currency=currency, valid_on=valid_on, query=query
    )
    rows = [
        price_list_row(pl)
        for pl in pages(session, Stubs(session).price_lists.ListPriceLists, request)
    ]
    print_rows(session.output, rows, PRICE_LIST_COLUMNS, empty="no price lists match")


@price_lists.command("show")
@click.argument("price_list")
@output_option
@pass_session
def price_lists_show(session, price_list):
    """Show a price list with its items."""
    found = session.call(
        Stubs(session).price_lists.GetPriceList,
        price_lists_pb2.GetPriceListRequest(id=price_list_id(session, price_list)),
    )
    _print_price_list(session, found.price_list)
