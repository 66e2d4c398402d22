"""``crmctl catalog units|products|pricelists|discounts|price``: the product catalog.

PRODUCT arguments are an id or a SKU; every other record is named by its id (``list`` shows
them). ``crmctl catalog price`` prices quote lines written ``SKU:QUANTITY[:UNIT]`` (the unit
defaults to the product's default unit) and prints every line's figures and the totals.
Changes need the catalog_manager role (units, products) or pricing_manager (price and discount
lists); reading and pricing are open to the sales and management departments.
"""
from __future__ import annotations

import datetime as dt

import click
from rich.markup import escape
from rich.table import Table

from crm.catalog.v1 import pricing_pb2
from crmctl.commands._catalog_api import _ID, Stubs, get_product, price_list_id
from crmctl.commands._catalog_lists import discounts, pricelists
from crmctl.commands._catalog_products import products, units
from crmctl.commands.common import output_option, pass_session
from crmctl.commands.territory import line_id
from crmctl.output import _console, message_to_dict, print_record
from crmctl.session import CliError, Session


@click.group()
def catalog() -> None:
    """Unit groups, products, price lists, discount lists and quote pricing."""


for _group in (units, products, pricelists, discounts):
    catalog.add_command(_group)


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
@click.option("--price-list", "price_list", default="",
              help="Use this price list only (id or name).")
@click.option("--sales-line", "sales_line", default="",
              help="Sales line of the quote (id or name).")
@click.option("--account", "account_id", default="", help="Account of the quote.")
@click.option("--date", "pricing_date", default="", help="Pricing date YYYY-MM-DD (today).")
@click.option("--as-of", "as_of", default="",
              help="Catalog instant (ISO 8601 with time zone) to re-price a past quote.")
@click.option("--existing", is_flag=True, help="The lines are already on the quote.")
@click.option("--explain", is_flag=True, help="Print how every figure was obtained.")
@output_option
@pass_session
def price(session, lines, currency, price_list, sales_line, account_id, pricing_date,
          as_of, existing, explain):
    """Price quote LINES, each PRODUCT:QUANTITY[:UNIT] (PRODUCT: SKU or id)."""
    default_units: dict[str, str] = {}
    context = pricing_pb2.PricingContext(
        currency=currency, price_list_id=price_list_id(session, price_list) if price_list else "",
        sales_line_id=line_id(session, sales_line) if sales_line else "", account_id=account_id,
        pricing_date=pricing_date)
    if as_of:
        try:
            instant = dt.datetime.fromisoformat(as_of)
        except ValueError:
            raise CliError(f"--as-of '{as_of}' is not an ISO 8601 date and time") from None
        if instant.tzinfo is None:
            raise CliError("--as-of needs a time zone, e.g. 2026-03-02T09:00:00+00:00")
        context.as_of.FromDatetime(instant.astimezone(dt.UTC))
    request = pricing_pb2.PriceQuoteRequest(
        lines=[quote_line(session, text, existing, default_units) for text in lines],
        context=context)
    response = session.call(Stubs(session).pricing.PriceQuote, request)
    if session.output != "table":
        print_record(session.output, message_to_dict(response))
    else:
        print_quote(response, explain)
    if not response.complete:
        raise SystemExit(2)   # scripts can tell a partly priced quote from a complete one


COMMANDS = [catalog]
