"""``crmctl products ...``: SKU, unit group, list price and costs per default unit, lifecycle
(changes: catalog_manager). PRODUCT arguments are an id or a SKU."""

from __future__ import annotations

import click
from google.protobuf import field_mask_pb2

from crm.catalog.v1 import products_pb2
from crmctl.commands.catalog.lookup import get_product, product_id, unit_group_id
from crmctl.commands.catalog.rows import product_row
from crmctl.commands.catalog.stubs import Stubs
from crmctl.options import limit_option, output_option, pass_session
from crmctl.output import print_record, print_rows
from crmctl.paging import pages
from crmctl.session import CliError
from crmctl.wire import enum_words, money

STATUSES = enum_words(products_pb2.ProductStatus)
PRODUCT_COLUMNS = [
    ("id", "id"),
    ("sku", "SKU"),
    ("name", "name"),
    ("status", "status"),
    ("default_unit", "unit"),
    ("list_price", "list price"),
    ("version", "version"),
]
PRODUCT_FIELDS = [
    *PRODUCT_COLUMNS[:4],
    ("family", "family"),
    ("description", "description"),
    ("unit_group_id", "unit group"),
    ("default_unit", "default unit"),
    ("list_price", "list price"),
    ("standard_cost", "standard cost"),
    ("current_cost", "current cost"),
    ("quantity_decimals", "quantity decimals"),
    ("valid_from", "valid from"),
    ("valid_to", "valid to"),
    ("version", "version"),
    ("updated_at", "updated"),
]


def _product_options(func):
    for option in reversed(
        [
            click.option("--name", "-n", help="Name shown on quotes."),
            click.option("--description", help="Longer description."),
            click.option("--family", help="Product family, e.g. Wine."),
            click.option("--default-unit", help="Unit the amounts are per."),
            click.option("--list-price", help="List price per default unit, e.g. 12.00."),
            click.option("--standard-cost", help="Standard cost per default unit."),
            click.option("--current-cost", help="Current cost per default unit."),
            click.option(
                "--quantity-decimals",
                type=click.IntRange(0, 6),
                help="Decimals a quote quantity may have (0 = whole units).",
            ),
            click.option("--valid-from", help="First day of sale, YYYY-MM-DD."),
            click.option("--valid-to", help="Last day of sale, YYYY-MM-DD."),
        ]
    ):
        func = option(func)
    return func


@click.group()
def products() -> None:
    """Products: SKU, unit group, list price and costs per default unit, lifecycle."""


@products.command("create")
@click.option("--sku", required=True, help="Stock keeping unit (fixed for life).")
@click.option("--unit-group", "unit_group", required=True, help="Its unit group (id or name).")
@click.option("--currency", required=True, help="ISO 4217 currency of its amounts (fixed).")
@_product_options
@output_option
@pass_session
def products_create(session, sku, unit_group, currency, **values):
    """Create a product (as a draft; `activate` makes it sellable)."""
    if not values["name"] or not values["default_unit"] or not values["list_price"]:
        raise CliError("--name, --default-unit and --list-price are required")
    request = products_pb2.CreateProductRequest(
        sku=sku,
        unit_group_id=unit_group_id(session, unit_group),
        currency=currency,
        **{k: v for k, v in values.items() if v is not None},
    )
    product = session.call(Stubs(session).products.CreateProduct, request).product
    print_record(session.output, product_row(product), fields=PRODUCT_FIELDS)


@products.command("update")
@click.argument("product")
@_product_options
@click.option("--expected-version", type=int, default=0, help="Refuse if it changed since.")
@output_option
@pass_session
def products_update(session, product, expected_version, **values):
    """Change the given fields of PRODUCT (id or SKU)."""
    current = get_product(session, product)
    changes = products_pb2.Product()
    paths = []
    for name, value in values.items():
        if value is None:
            continue
        paths.append(name)
        if name in ("list_price", "standard_cost", "current_cost"):
            getattr(changes, name).CopyFrom(money(value, current.list_price.currency))
        else:
            setattr(changes, name, value)
    if not paths:
        raise CliError("nothing to change: give at least one option")
    updated = session.call(
        Stubs(session).products.UpdateProduct,
        products_pb2.UpdateProductRequest(
            id=current.id,
            product=changes,
            update_mask=field_mask_pb2.FieldMask(paths=paths),
            expected_version=expected_version,
        ),
    ).product
    print_record(session.output, product_row(updated), fields=PRODUCT_FIELDS)


@products.command("activate")
@click.argument("product")
@output_option
@pass_session
def products_activate(session, product):
    """Make PRODUCT sellable (a draft, or a retired product again)."""
    found = session.call(
        Stubs(session).products.ActivateProduct,
        products_pb2.ActivateProductRequest(id=product_id(session, product)),
    )
    print_record(session.output, product_row(found.product), fields=PRODUCT_FIELDS)


@products.command("retire")
@click.argument("product")
@output_option
@pass_session
def products_retire(session, product):
    """Retire PRODUCT: no new quote lines; lines already on quotes keep their price."""
    found = session.call(
        Stubs(session).products.RetireProduct,
        products_pb2.RetireProductRequest(id=product_id(session, product)),
    )
    print_record(session.output, product_row(found.product), fields=PRODUCT_FIELDS)


@products.command("list")
@click.option("--status", type=click.Choice(sorted(STATUSES)), help="Only this status.")
@click.option("--family", default="", help="Only this family.")
@click.option("--query", "-q", default="", help="Text the SKU or name contains.")
@limit_option(200)
@output_option
@pass_session
def products_list(session, status, family, query, limit):
    """List products by SKU."""
    request = products_pb2.ListProductsRequest(
        status=STATUSES.get(status, 0), family=family, query=query
    )
    rows = [
        product_row(p)
        for p in pages(session, Stubs(session).products.ListProducts, request, limit=limit)
    ]
    print_rows(session.output, rows, PRODUCT_COLUMNS, empty="no products match")


@products.command("show")
@click.argument("product")
@output_option
@pass_session
def products_show(session, product):
    """Show PRODUCT (id or SKU)."""
    print_record(session.output, product_row(get_product(session, product)), fields=PRODUCT_FIELDS)
