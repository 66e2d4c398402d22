"""``crmctl catalog units|products|pricelists|discounts|price``: the product catalog.

PRODUCT arguments are an id or a SKU; every other record is named by its id (``list`` shows
them). ``crmctl catalog price`` prices quote lines written ``SKU:QUANTITY[:UNIT]`` (the unit
defaults to the product's default unit) and prints every line's figures and the totals.
Changes need the catalog_manager role (units, products) or pricing_manager (price and discount
lists); reading and pricing are open to the sales and management departments.
"""
from __future__ import annotations

import datetime as dt
import re

import click
from google.protobuf import field_mask_pb2
from rich.markup import escape
from rich.table import Table

from crm.catalog.v1 import (discount_lists_pb2, discount_lists_pb2_grpc, price_lists_pb2,
                            price_lists_pb2_grpc, pricing_pb2, pricing_pb2_grpc, products_pb2,
                            products_pb2_grpc, units_pb2, units_pb2_grpc)
from crm.common.v1 import money_pb2

from crmctl.commands.common import output_option, pass_session
from crmctl.config import DEFAULT_ADDRESSES
from crmctl.output import _console, message_to_dict, print_record, print_rows
from crmctl.session import CliError, Session

DEFAULT_ADDRESSES.setdefault("catalog", "127.0.0.1:50053")

_ID = re.compile(r"^[0-9a-f]{32}$")
METHODS = {name.removeprefix("PRICING_METHOD_").lower().replace("_", "-"): value
           for name, value in price_lists_pb2.PricingMethod.items() if value}
ROUNDING = {name.removeprefix("ROUNDING_MODE_").lower(): value
            for name, value in price_lists_pb2.RoundingMode.items() if value}
ROUNDING_OPTIONS = {name.removeprefix("ROUNDING_OPTION_").lower(): value
                    for name, value in price_lists_pb2.RoundingOption.items() if value}
SCOPES = {name.removeprefix("SCOPE_KIND_").lower().replace("_", "-"): value
          for name, value in price_lists_pb2.ScopeKind.items() if value}
STATUSES = {name.removeprefix("PRODUCT_STATUS_").lower(): value
            for name, value in products_pb2.ProductStatus.items() if value}
DISCOUNT_TYPES = {"amount": discount_lists_pb2.DISCOUNT_TYPE_AMOUNT,
                  "percentage": discount_lists_pb2.DISCOUNT_TYPE_PERCENTAGE}


class Stubs:
    def __init__(self, session: Session):
        channel = session.channel("catalog")
        self.units = units_pb2_grpc.UnitGroupServiceStub(channel)
        self.products = products_pb2_grpc.ProductServiceStub(channel)
        self.price_lists = price_lists_pb2_grpc.PriceListServiceStub(channel)
        self.discount_lists = discount_lists_pb2_grpc.DiscountListServiceStub(channel)
        self.pricing = pricing_pb2_grpc.PricingServiceStub(channel)


def _short(data: dict, **prefixes: str) -> dict:
    """Enum fields without their prefix: PRODUCT_STATUS_ACTIVE -> active."""
    for field, prefix in prefixes.items():
        if isinstance(data.get(field), str):
            data[field] = data[field].removeprefix(prefix).lower()
    return data


def _money(data: dict, *fields: str) -> dict:
    for field in fields:
        money = data.get(field)
        if isinstance(money, dict):
            data[field] = f"{money.get('amount', '')} {money.get('currency', '')}".strip()
    return data


def all_pages(session: Session, method, request, items: str, limit: int = 0):
    request.page.page_size = 500
    count = 0
    while True:
        response = session.call(method, request)
        for item in getattr(response, items):
            yield item
            count += 1
            if limit and count >= limit:
                return
        if not response.page.next_cursor:
            return
        request.page.cursor = response.page.next_cursor


def get_product(session: Session, product: str) -> products_pb2.Product:
    request = (products_pb2.GetProductRequest(id=product) if _ID.match(product)
               else products_pb2.GetProductRequest(sku=product))
    return session.call(Stubs(session).products.GetProduct, request).product


def product_id(session: Session, product: str) -> str:
    return product if _ID.match(product) else get_product(session, product).id


@click.group()
def catalog() -> None:
    """Unit groups, products, price lists, discount lists and quote pricing."""


# ---------------------------------------------------------------------------- units
UNIT_GROUP_FIELDS = [("id", "id"), ("name", "name"), ("base_unit", "base unit"),
                     ("units", "units"), ("version", "version")]


def unit_group_row(group: units_pb2.UnitGroup) -> dict:
    data = message_to_dict(group)
    data["units"] = [f"{u.name} = {u.quantity} {u.of_unit}" if u.name != group.base_unit
                     else f"{u.name} (base)" for u in group.units]
    return data


@catalog.group()
def units() -> None:
    """Unit groups: a base unit and units defined in each other (case = 4 6-pack)."""


@units.command("create")
@click.argument("name")
@click.option("--base-unit", "-b", required=True, help="The group's base unit, e.g. bottle.")
@output_option
@pass_session
def units_create(session, name, base_unit):
    """Create a unit group NAME."""
    group = session.call(Stubs(session).units.CreateUnitGroup,
                         units_pb2.CreateUnitGroupRequest(name=name, base_unit=base_unit))
    print_record(session.output, unit_group_row(group.unit_group), fields=UNIT_GROUP_FIELDS)


@units.command("add")
@click.argument("group_id")
@click.argument("name")
@click.argument("quantity")
@click.argument("of_unit")
@click.option("--expected-version", type=int, default=0, help="Refuse if the group changed.")
@output_option
@pass_session
def units_add(session, group_id, name, quantity, of_unit, expected_version):
    """Add unit NAME = QUANTITY OF_UNIT to GROUP_ID (e.g. case 4 6-pack)."""
    group = session.call(Stubs(session).units.AddUnit, units_pb2.AddUnitRequest(
        unit_group_id=group_id, name=name, quantity=quantity, of_unit=of_unit,
        expected_version=expected_version))
    print_record(session.output, unit_group_row(group.unit_group), fields=UNIT_GROUP_FIELDS)


@units.command("remove")
@click.argument("group_id")
@click.argument("name")
@output_option
@pass_session
def units_remove(session, group_id, name):
    """Remove unit NAME from GROUP_ID (refused while anything uses it)."""
    group = session.call(Stubs(session).units.RemoveUnit,
                         units_pb2.RemoveUnitRequest(unit_group_id=group_id, name=name))
    print_record(session.output, unit_group_row(group.unit_group), fields=UNIT_GROUP_FIELDS)


@units.command("list")
@click.option("--query", "-q", default="", help="Text the name contains.")
@output_option
@pass_session
def units_list(session, query):
    """List unit groups by name."""
    rows = [unit_group_row(g) for g in all_pages(
        session, Stubs(session).units.ListUnitGroups,
        units_pb2.ListUnitGroupsRequest(query=query), "unit_groups")]
    print_rows(session.output, rows, UNIT_GROUP_FIELDS, empty="no unit groups")


@units.command("show")
@click.argument("group_id")
@output_option
@pass_session
def units_show(session, group_id):
    """Show one unit group."""
    group = session.call(Stubs(session).units.GetUnitGroup,
                         units_pb2.GetUnitGroupRequest(id=group_id)).unit_group
    print_record(session.output, unit_group_row(group), fields=UNIT_GROUP_FIELDS)


# ---------------------------------------------------------------------------- products
PRODUCT_COLUMNS = [("id", "id"), ("sku", "SKU"), ("name", "name"), ("status", "status"),
                   ("default_unit", "unit"), ("list_price", "list price"),
                   ("version", "version")]
PRODUCT_FIELDS = [*PRODUCT_COLUMNS[:4], ("family", "family"), ("description", "description"),
                  ("unit_group_id", "unit group"), ("default_unit", "default unit"),
                  ("list_price", "list price"), ("standard_cost", "standard cost"),
                  ("current_cost", "current cost"), ("quantity_decimals", "quantity decimals"),
                  ("valid_from", "valid from"), ("valid_to", "valid to"),
                  ("version", "version"), ("updated_at", "updated")]
_PRODUCT_TEXT_OPTIONS = ("name", "description", "family", "default_unit", "valid_from",
                         "valid_to")


def product_row(product: products_pb2.Product) -> dict:
    return _money(_short(message_to_dict(product), status="PRODUCT_STATUS_"),
                  "list_price", "standard_cost", "current_cost")


def _product_options(func):
    for option in reversed([
            click.option("--name", "-n", help="Name shown on quotes."),
            click.option("--description", help="Longer description."),
            click.option("--family", help="Product family, e.g. Wine."),
            click.option("--default-unit", help="Unit the amounts are per."),
            click.option("--list-price", help="List price per default unit, e.g. 12.00."),
            click.option("--standard-cost", help="Standard cost per default unit."),
            click.option("--current-cost", help="Current cost per default unit."),
            click.option("--quantity-decimals", type=click.IntRange(0, 6),
                         help="Decimals a quote quantity may have (0 = whole units)."),
            click.option("--valid-from", help="First day of sale, YYYY-MM-DD."),
            click.option("--valid-to", help="Last day of sale, YYYY-MM-DD.")]):
        func = option(func)
    return func


@catalog.group()
def products() -> None:
    """Products: SKU, unit group, list price and costs per default unit, lifecycle."""


@products.command("create")
@click.option("--sku", required=True, help="Stock keeping unit (fixed for life).")
@click.option("--unit-group", "unit_group_id", required=True, help="Id of its unit group.")
@click.option("--currency", required=True, help="ISO 4217 currency of its amounts (fixed).")
@_product_options
@output_option
@pass_session
def products_create(session, sku, unit_group_id, currency, **values):
    """Create a product (as a draft; `activate` makes it sellable)."""
    if not values["name"] or not values["default_unit"] or not values["list_price"]:
        raise CliError("--name, --default-unit and --list-price are required")
    request = products_pb2.CreateProductRequest(
        sku=sku, unit_group_id=unit_group_id, currency=currency,
        **{k: v for k, v in values.items() if v is not None})
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
            getattr(changes, name).CopyFrom(money_pb2.Money(amount=value,
                                                            currency=current.list_price.currency))
        else:
            setattr(changes, name, value)
    if not paths:
        raise CliError("nothing to change: give at least one option")
    updated = session.call(Stubs(session).products.UpdateProduct,
                           products_pb2.UpdateProductRequest(
                               id=current.id, product=changes,
                               update_mask=field_mask_pb2.FieldMask(paths=paths),
                               expected_version=expected_version)).product
    print_record(session.output, product_row(updated), fields=PRODUCT_FIELDS)


@products.command("activate")
@click.argument("product")
@output_option
@pass_session
def products_activate(session, product):
    """Make PRODUCT sellable (a draft, or a retired product again)."""
    found = session.call(Stubs(session).products.ActivateProduct,
                         products_pb2.ActivateProductRequest(id=product_id(session, product)))
    print_record(session.output, product_row(found.product), fields=PRODUCT_FIELDS)


@products.command("retire")
@click.argument("product")
@output_option
@pass_session
def products_retire(session, product):
    """Retire PRODUCT: no new quote lines; lines already on quotes keep their price."""
    found = session.call(Stubs(session).products.RetireProduct,
                         products_pb2.RetireProductRequest(id=product_id(session, product)))
    print_record(session.output, product_row(found.product), fields=PRODUCT_FIELDS)


@products.command("list")
@click.option("--status", type=click.Choice(sorted(STATUSES)), help="Only this status.")
@click.option("--family", default="", help="Only this family.")
@click.option("--query", "-q", default="", help="Text the SKU or name contains.")
@click.option("--limit", type=click.IntRange(min=0), default=200, show_default=True,
              help="At most this many (0 = all).")
@output_option
@pass_session
def products_list(session, status, family, query, limit):
    """List products by SKU."""
    request = products_pb2.ListProductsRequest(status=STATUSES.get(status, 0), family=family,
                                               query=query)
    rows = [product_row(p) for p in all_pages(session, Stubs(session).products.ListProducts,
                                              request, "products", limit)]
    print_rows(session.output, rows, PRODUCT_COLUMNS, empty="no products match")


@products.command("show")
@click.argument("product")
@output_option
@pass_session
def products_show(session, product):
    """Show PRODUCT (id or SKU)."""
    print_record(session.output, product_row(get_product(session, product)),
                 fields=PRODUCT_FIELDS)


# ---------------------------------------------------------------------------- price lists
PRICE_LIST_COLUMNS = [("id", "id"), ("name", "name"), ("currency", "currency"),
                      ("valid_from", "from"), ("valid_to", "to"), ("scope", "scope"),
                      ("item_count", "items"), ("version", "version")]
ITEM_COLUMNS = [("product_id", "product"), ("unit", "unit"), ("method", "method"),
                ("value", "value"), ("rounding", "rounding"), ("discount_list_id", "discounts")]


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
    if session.output == "json":
        print_record("json", data)
        return
    print_record("table", data, fields=PRICE_LIST_COLUMNS)
    print_rows("table", data.get("items", []), ITEM_COLUMNS, empty="no items")


@catalog.group()
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
@click.argument("price_list_id")
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
def pricelists_set_item(session, price_list_id, product, unit, method, value, rounding,
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
                               price_list_id=price_list_id, item=item,
                               expected_version=expected_version))
    _print_price_list(session, updated.price_list)


@pricelists.command("remove-item")
@click.argument("price_list_id")
@click.argument("product")
@click.argument("unit")
@output_option
@pass_session
def pricelists_remove_item(session, price_list_id, product, unit):
    """Remove the item of PRODUCT in UNIT from PRICE_LIST_ID."""
    updated = session.call(Stubs(session).price_lists.RemovePriceListItem,
                           price_lists_pb2.RemovePriceListItemRequest(
                               price_list_id=price_list_id,
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
@click.argument("price_list_id")
@output_option
@pass_session
def pricelists_show(session, price_list_id):
    """Show a price list with its items."""
    found = session.call(Stubs(session).price_lists.GetPriceList,
                         price_lists_pb2.GetPriceListRequest(id=price_list_id))
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


@catalog.group()
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


# ---------------------------------------------------------------------------- price
def quote_line(session: Session, text: str, existing: bool,
               default_units: dict[str, str]) -> pricing_pb2.QuoteLineInput:
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
    if _ID.match(product):
        line.product_id = product
    else:
        line.sku = product
    return line


def print_quote(response: pricing_pb2.PriceQuoteResponse, explain: bool) -> None:
    table = Table(title=f"quote in {response.currency}, priced {response.pricing_date} "
                        f"as of {response.as_of.ToDatetime():%Y-%m-%d %H:%M:%S.%f} UTC")
    for heading in ("#", "product", "qty", "unit", "list price", "unit price", "gross",
                    "discount", "extended", "price list / problem"):
        table.add_column(heading, justify="right" if heading in (
            "#", "qty", "list price", "unit price", "gross", "discount", "extended") else "left")
    for line in response.lines:
        if line.HasField("error"):
            code = pricing_pb2.LineErrorCode.Name(line.error.code).removeprefix(
                "LINE_ERROR_CODE_").lower()
            table.add_row(str(line.index + 1), line.sku or line.product_id, line.quantity,
                          line.unit, "", "", "", "", "",
                          f"[red]{code}: {escape(line.error.message)}[/red]")
            continue
        source = escape(f"{line.price_list_name} v{line.price_list_version}")
        if line.discount_list_id:
            source += f", tier {line.discount_tier_index + 1}"
        table.add_row(str(line.index + 1), line.sku, line.quantity, line.unit,
                      line.list_price.amount, line.unit_price.amount, line.gross_amount.amount,
                      line.discount.amount, line.extended_amount.amount, source)
    totals = response.totals
    table.add_section()
    table.add_row("", "total", "", "", "", "", totals.gross_amount.amount,
                  totals.discount.amount, totals.net_amount.amount,
                  f"{totals.priced_lines} priced" + (f", {totals.failed_lines} not priced"
                                                     if totals.failed_lines else ""))
    console = _console()
    console.print(table)
    if explain:
        for line in response.lines:
            console.print(f"line {line.index + 1}:", highlight=False)
            for sentence in line.explanation:
                console.print(f"  {sentence}", highlight=False, markup=False)


@catalog.command("price")
@click.argument("lines", nargs=-1, required=True)
@click.option("--currency", default="", help="Quote currency (default: the named list's).")
@click.option("--price-list", "price_list_id", default="", help="Use this price list only.")
@click.option("--sales-line", "sales_line_id", default="", help="Sales line of the quote.")
@click.option("--account", "account_id", default="", help="Account of the quote.")
@click.option("--date", "pricing_date", default="", help="Pricing date YYYY-MM-DD (today).")
@click.option("--as-of", "as_of", default="",
              help="Catalog instant (ISO 8601 with time zone) to re-price a past quote.")
@click.option("--existing", is_flag=True, help="The lines are already on the quote.")
@click.option("--explain", is_flag=True, help="Print how every figure was obtained.")
@output_option
@pass_session
def price(session, lines, currency, price_list_id, sales_line_id, account_id, pricing_date,
          as_of, existing, explain):
    """Price quote LINES, each PRODUCT:QUANTITY[:UNIT] (PRODUCT: SKU or id)."""
    default_units: dict[str, str] = {}
    context = pricing_pb2.PricingContext(currency=currency, price_list_id=price_list_id,
                                         sales_line_id=sales_line_id, account_id=account_id,
                                         pricing_date=pricing_date)
    if as_of:
        try:
            instant = dt.datetime.fromisoformat(as_of)
        except ValueError:
            raise CliError(f"--as-of '{as_of}' is not an ISO 8601 date and time") from None
        if instant.tzinfo is None:
            raise CliError("--as-of needs a time zone, e.g. 2026-03-02T09:00:00+00:00")
        context.as_of.FromDatetime(instant.astimezone(dt.timezone.utc))
    request = pricing_pb2.PriceQuoteRequest(
        lines=[quote_line(session, text, existing, default_units) for text in lines],
        context=context)
    response = session.call(Stubs(session).pricing.PriceQuote, request)
    if session.output == "json":
        print_record("json", message_to_dict(response))
    else:
        print_quote(response, explain)
    if not response.complete:
        raise SystemExit(2)   # scripts can tell a partly priced quote from a complete one


COMMANDS = [catalog]
