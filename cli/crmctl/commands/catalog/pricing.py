"""``crmctl pricing quote``: price quote lines written ``SKU:QUANTITY[:UNIT]`` (the unit
defaults to the product's default unit) and print every line's figures and the totals. Pricing is
open to the sales and management departments."""

from __future__ import annotations

import datetime as dt

import click
from rich.markup import escape
from rich.table import Table

from crm.catalog.v1 import pricing_pb2
from crmctl.commands.catalog.arguments import quote_line
from crmctl.commands.catalog.lookup import price_list_id
from crmctl.commands.catalog.stubs import Stubs
from crmctl.commands.territory.lookup import line_id
from crmctl.options import output_option, pass_session
from crmctl.output import console, message_to_dict, print_record
from crmctl.session import CliError
from crmctl.wire import enum_word


@click.group()
def pricing() -> None:
    """Exact prices of quote lines from the catalog, as of now or any past instant."""


def print_quote(response: pricing_pb2.PriceQuoteResponse, explain: bool) -> None:
    table = Table(
        title=f"quote in {response.currency}, priced {response.pricing_date} "
        f"as of {response.as_of.ToDatetime():%Y-%m-%d %H:%M:%S.%f} UTC"
    )
    for heading in (
        "#",
        "product",
        "qty",
        "unit",
        "list price",
        "unit price",
        "gross",
        "discount",
        "extended",
        "price list / problem",
    ):
        table.add_column(
            heading,
            justify="right"
            if heading in ("#", "qty", "list price", "unit price", "gross", "discount", "extended")
            else "left",
        )
    for line in response.lines:
        if line.HasField("error"):
            code = enum_word(pricing_pb2.LineErrorCode, line.error.code)
            table.add_row(
                str(line.index + 1),
                line.sku or line.product_id,
                line.quantity,
                line.unit,
                "",
                "",
                "",
                "",
                "",
                f"[red]{code}: {escape(line.error.message)}[/red]",
            )
            continue
        source = escape(f"{line.price_list_name} v{line.price_list_version}")
        if line.discount_list_id:
            source += f", tier {line.discount_tier_index + 1}"
        table.add_row(
            str(line.index + 1),
            line.sku,
            line.quantity,
            line.unit,
            line.list_price.amount,
            line.unit_price.amount,
            line.gross_amount.amount,
            line.discount.amount,
            line.extended_amount.amount,
            source,
        )
    totals = response.totals
    table.add_section()
    table.add_row(
        "",
        "total",
        "",
        "",
        "",
        "",
        totals.gross_amount.amount,
        totals.discount.amount,
        totals.net_amount.amount,
        f"{totals.priced_lines} priced"
        + (f", {totals.failed_lines} not priced" if totals.failed_lines else ""),
    )
    out = console()
    out.print(table)
    if explain:
        for line in response.lines:
            out.print(f"line {line.index + 1}:", highlight=False)
            for sentence in line.explanation:
                out.print(f"  {sentence}", highlight=False, markup=False)


@pricing.command("quote")
@click.argument("lines", nargs=-1, required=True)
@click.option("--currency", default="", help="Quote currency (default: the named list's).")
@click.option(
    "--price-list", "price_list", default="", help="Use this price list only (id or name)."
)
@click.option(
    "--sales-line", "sales_line", default="", help="Sales line of the quote (id or name)."
)
@click.option("--account", "account_id", default="", help="Account of the quote.")
@click.option("--date", "pricing_date", default="", help="Pricing date YYYY-MM-DD (today).")
@click.option(
    "--as-of",
    "as_of",
    default="",
    help="Catalog instant (ISO 8601 with time zone) to re-price a past quote.",
)
@click.option("--existing", is_flag=True, help="The lines are already on the quote.")
@click.option("--explain", is_flag=True, help="Print how every figure was obtained.")
@output_option
@pass_session
def quote(
    session,
    lines,
    currency,
    price_list,
    sales_line,
    account_id,
    pricing_date,
    as_of,
    existing,
    explain,
):
    """Price quote LINES, each PRODUCT:QUANTITY[:UNIT] (PRODUCT: SKU or id)."""
    default_units: dict[str, str] = {}
    context = pricing_pb2.PricingContext(
        currency=currency,
        price_list_id=price_list_id(session, price_list) if price_list else "",
        sales_line_id=line_id(session, sales_line) if sales_line else "",
        account_id=account_id,
        pricing_date=pricing_date,
    )
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
        context=context,
    )
    response = session.call(Stubs(session).pricing.PriceQuote, request)
    if session.output != "table":
        print_record(session.output, message_to_dict(response))
    else:
        print_quote(response, explain)
    if not response.complete:
        raise SystemExit(2)  # scripts can tell a partly priced quote from a complete one
