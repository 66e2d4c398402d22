"""``crmctl quotes|orders|invoices ...``: catalog-priced quotes with revisions, orders from won
quotes, and invoices numbered gap-free when issued."""

from __future__ import annotations

import click

from crm.deals.v1 import billing_pb2, exports_pb2, resources_pb2
from crmctl.commands.deals.arguments import lines_options, priced_lines
from crmctl.commands.deals.rows import invoice_row, order_row, quote_row
from crmctl.commands.deals.stubs import Stubs
from crmctl.exports import FORMATS, export_options, write_export
from crmctl.options import output_option, pass_session
from crmctl.output import print_record, print_rows
from crmctl.shapes import id_command
from crmctl.wire import enum_choice, enum_value, money

QUOTE_COLUMNS = [
    ("id", "id"),
    ("display_number", "number"),
    ("status", "status"),
    ("title", "title"),
    ("total", "total"),
    ("valid_until", "valid until"),
]
QUOTE_FIELDS = [
    *QUOTE_COLUMNS,
    ("opportunity_id", "deal"),
    ("lines", "lines"),
    ("price_list_id", "price list"),
    ("replaces_quote_id", "replaces"),
    ("close_reason", "close reason"),
    ("version", "version"),
]
ORDER_FIELDS = [
    ("id", "id"),
    ("status", "status"),
    ("quote_id", "quote"),
    ("opportunity_id", "deal"),
    ("total", "total"),
    ("lines", "lines"),
    ("cancel_reason", "cancel reason"),
    ("version", "version"),
]
INVOICE_FIELDS = [
    ("id", "id"),
    ("number", "number"),
    ("status", "status"),
    ("order_id", "order"),
    ("total", "total"),
    ("issue_date", "issued"),
    ("due_date", "due"),
    ("paid_at", "paid"),
    ("payment_reference", "reference"),
    ("paid_amount", "paid amount"),
    ("balance", "balance"),
    ("payments", "payments"),
    ("cancel_reason", "cancel reason"),
    ("lines", "lines"),
    ("version", "version"),
]


def show_quote(session, quote) -> None:
    print_record(session.output, quote_row(quote), fields=QUOTE_FIELDS)


def show_order(session, order) -> None:
    print_record(session.output, order_row(order), fields=ORDER_FIELDS)


def show_invoice(session, invoice) -> None:
    print_record(session.output, invoice_row(invoice), fields=INVOICE_FIELDS)


@click.group()
def quotes() -> None:
    """Quotes on deals, priced by catalog, with numbered revisions."""


@quotes.command("create")
@click.option("--deal", "opportunity_id", required=True, help="The deal to quote.")
@click.option("--title", default="", help="Title (default: the deal's name).")
@click.option("--valid-until", default="", help="Last day of the offer YYYY-MM-DD.")
@output_option
@pass_session
def create_quote(session, opportunity_id, title, valid_until):
    """Create a draft quote (revision 1)."""
    show_quote(
        session,
        session.call(
            Stubs(session).quotes.CreateQuote,
            billing_pb2.CreateQuoteRequest(
                opportunity_id=opportunity_id, title=title, valid_until=valid_until
            ),
        ),
    )


@quotes.command("list")
@click.option("--deal", "opportunity_id", required=True, help="The deal.")
@output_option
@pass_session
def list_quotes(session, opportunity_id):
    """Every quote revision of a deal."""
    response = session.call(
        Stubs(session).quotes.ListQuotes,
        billing_pb2.ListQuotesRequest(opportunity_id=opportunity_id),
    )
    print_rows(
        session.output, [quote_row(q) for q in response.quotes], QUOTE_COLUMNS, empty="no quotes"
    )


@quotes.command("export")
@click.option("--deal", "opportunity_id", required=True, help="The deal.")
@export_options
@pass_session
def export_quotes(session, opportunity_id, format_word, path):
    """Export every quote revision of a deal to CSV or JSON Lines."""
    request = exports_pb2.ExportQuotesRequest(
        format=FORMATS[format_word],
        filter=billing_pb2.ListQuotesRequest(opportunity_id=opportunity_id),
    )
    write_export(session, Stubs(session).exports.ExportQuotes, request, path)


@quotes.command("price")
@click.argument("quote_id")
@lines_options(
    "PRODUCT:QUANTITY[:UNIT] (repeatable; PRODUCT: SKU or id): the complete list.", required=True
)
@output_option
@pass_session
def price(session, quote_id, lines, price_list):
    """Replace the lines of a draft with catalog's exact prices."""
    show_quote(
        session,
        session.call(
            Stubs(session).quotes.PriceQuoteLines,
            billing_pb2.PriceQuoteLinesRequest(
                id=quote_id, **priced_lines(session, lines, price_list)
            ),
        ),
    )


id_command(
    quotes,
    "show",
    Stubs,
    "quotes.GetQuote",
    billing_pb2.GetQuoteRequest,
    show_quote,
    "Show one quote revision.",
)
id_command(
    quotes,
    "activate",
    Stubs,
    "quotes.ActivateQuote",
    billing_pb2.ActivateQuoteRequest,
    show_quote,
    "Draft -> active (read-only); closes the revision it replaces.",
)
id_command(
    quotes,
    "revise",
    Stubs,
    "quotes.ReviseQuote",
    billing_pb2.ReviseQuoteRequest,
    show_quote,
    "A new draft revision of an active quote.",
)
id_command(
    quotes,
    "accept",
    Stubs,
    "quotes.AcceptQuote",
    billing_pb2.AcceptQuoteRequest,
    show_quote,
    "The customer accepted: won; the deal's other open quotes close.",
)
id_command(
    quotes,
    "reject",
    Stubs,
    "quotes.RejectQuote",
    billing_pb2.RejectQuoteRequest,
    show_quote,
    "The customer declined: lost.",
    with_reason=True,
)
id_command(
    quotes,
    "withdraw",
    Stubs,
    "quotes.WithdrawQuote",
    billing_pb2.WithdrawQuoteRequest,
    show_quote,
    "Withdraw a draft or active quote: closed.",
    with_reason=True,
)


@click.group()
def orders() -> None:
    """Orders made from won quotes."""


@orders.command("create")
@click.option("--quote", "quote_id", required=True, help="The won quote revision.")
@output_option
@pass_session
def create_order(session, quote_id):
    """Make the order of a won quote."""
    show_order(
        session,
        session.call(
            Stubs(session).orders.CreateOrder, billing_pb2.CreateOrderRequest(quote_id=quote_id)
        ),
    )


@click.group()
def invoices() -> None:
    """Invoices of orders (supervisors and above)."""


@invoices.command("create")
@click.option("--order", "order_id", required=True, help="The order to invoice.")
@output_option
@pass_session
def create_invoice(session, order_id):
    """Make a draft invoice (it gets its number when issued)."""
    show_invoice(
        session,
        session.call(
            Stubs(session).invoices.CreateInvoice,
            billing_pb2.CreateInvoiceRequest(order_id=order_id),
        ),
    )


@invoices.command("export")
@click.option("--deal", "opportunity_id", default="", help="Only the invoices of this deal.")
@click.option(
    "--status",
    type=enum_choice(resources_pb2.InvoiceStatus),
    help="Only the invoices in this status (partly_paid: issued, paid in part).",
)
@export_options
@pass_session
def export_invoices(session, opportunity_id, status, format_word, path):
    """Export every invoice you may see (of your teams) to CSV or JSON Lines."""
    request = exports_pb2.ExportInvoicesRequest(
        format=FORMATS[format_word],
        filter=billing_pb2.ListInvoicesRequest(
            opportunity_id=opportunity_id,
            status=enum_value(resources_pb2.InvoiceStatus, status),
        ),
    )
    write_export(session, Stubs(session).exports.ExportInvoices, request, path)


@invoices.command("pay")
@click.argument("invoice_id")
@click.option("--amount", required=True, help="Amount paid (the full total), e.g. 742.49.")
@click.option("--reference", default="", help="Payment reference.")
@output_option
@pass_session
def pay(session, invoice_id, amount, reference):
    """Record the payment of an issued invoice."""
    stub = Stubs(session).invoices
    currency = session.call(
        stub.GetInvoice, billing_pb2.GetInvoiceRequest(id=invoice_id)
    ).total.currency
    show_invoice(
        session,
        session.call(
            stub.MarkInvoicePaid,
            billing_pb2.MarkInvoicePaidRequest(
                id=invoice_id, amount=money(amount, currency), reference=reference
            ),
        ),
    )


id_command(
    orders,
    "show",
    Stubs,
    "orders.GetOrder",
    billing_pb2.GetOrderRequest,
    show_order,
    "Show one order.",
)
id_command(
    orders,
    "cancel",
    Stubs,
    "orders.CancelOrder",
    billing_pb2.CancelOrderRequest,
    show_order,
    "Cancel an open order without a live invoice (supervisor or above).",
    with_reason=True,
)
id_command(
    invoices,
    "show",
    Stubs,
    "invoices.GetInvoice",
    billing_pb2.GetInvoiceRequest,
    show_invoice,
    "Show one invoice.",
)
id_command(
    invoices,
    "issue",
    Stubs,
    "invoices.IssueInvoice",
    billing_pb2.IssueInvoiceRequest,
    show_invoice,
    "Issue a draft: it gets the next number of the year.",
)
id_command(
    invoices,
    "cancel",
    Stubs,
    "invoices.CancelInvoice",
    billing_pb2.CancelInvoiceRequest,
    show_invoice,
    "Cancel a draft (no number used) or an issued invoice (keeps its number).",
    with_reason=True,
)
