"""``crmctl quotes|orders|invoices ...``: catalog-priced quotes with revisions, orders from won
quotes, and invoices numbered gap-free when issued."""
from __future__ import annotations

import click

from crm.deals.v1 import billing_pb2

from crmctl.commands import _deals_api as api
from crmctl.commands.common import output_option, pass_session
from crmctl.output import print_record, print_rows

QUOTE_COLUMNS = [("id", "id"), ("display_number", "number"), ("status", "status"),
                 ("title", "title"), ("total", "total"), ("valid_until", "valid until")]
QUOTE_FIELDS = [*QUOTE_COLUMNS, ("opportunity_id", "deal"), ("lines", "lines"),
                ("price_list_id", "price list"), ("replaces_quote_id", "replaces"),
                ("close_reason", "close reason"), ("version", "version")]
ORDER_FIELDS = [("id", "id"), ("status", "status"), ("quote_id", "quote"),
                ("opportunity_id", "deal"), ("total", "total"), ("lines", "lines"),
                ("cancel_reason", "cancel reason"), ("version", "version")]
INVOICE_FIELDS = [("id", "id"), ("number", "number"), ("status", "status"),
                  ("order_id", "order"), ("total", "total"), ("issue_date", "issued"),
                  ("due_date", "due"), ("paid_at", "paid"), ("payment_reference", "reference"),
                  ("cancel_reason", "cancel reason"), ("lines", "lines"), ("version", "version")]


def show_quote(session, quote) -> None:
    print_record(session.output, api.quote_row(quote), fields=QUOTE_FIELDS)


def show_order(session, order) -> None:
    print_record(session.output, api.order_row(order), fields=ORDER_FIELDS)


def show_invoice(session, invoice) -> None:
    print_record(session.output, api.invoice_row(invoice), fields=INVOICE_FIELDS)


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
    show_quote(session, session.call(api.quotes(session).CreateQuote, billing_pb2.CreateQuoteRequest(
        opportunity_id=opportunity_id, title=title, valid_until=valid_until)))


@quotes.command("list")
@click.option("--deal", "opportunity_id", required=True, help="The deal.")
@output_option
@pass_session
def list_quotes(session, opportunity_id):
    """Every quote revision of a deal."""
    response = session.call(api.quotes(session).ListQuotes,
                            billing_pb2.ListQuotesRequest(opportunity_id=opportunity_id))
    print_rows(session.output, [api.quote_row(q) for q in response.quotes], QUOTE_COLUMNS,
               empty="no quotes")


@quotes.command("show")
@click.argument("quote_id")
@output_option
@pass_session
def show(session, quote_id):
    """Show one quote revision."""
    show_quote(session, session.call(api.quotes(session).GetQuote,
                                     billing_pb2.GetQuoteRequest(id=quote_id)))


@quotes.command("price")
@click.argument("quote_id")
@click.option("--line", "lines", multiple=True, required=True,
              help="PRODUCT:QUANTITY[:UNIT] (repeatable): the complete list.")
@click.option("--price-list", "price_list_id", default="", help="Price with this list only.")
@output_option
@pass_session
def price(session, quote_id, lines, price_list_id):
    """Replace the lines of a draft with catalog's exact prices."""
    show_quote(session, session.call(api.quotes(session).PriceQuoteLines,
                                     billing_pb2.PriceQuoteLinesRequest(
                                         id=quote_id, lines=api.line_inputs(lines),
                                         price_list_id=price_list_id)))


def _quote_step(name: str, method: str, request_type, doc: str, with_reason: bool = False):
    """A command that takes a quote id (and a reason) and calls one QuoteService method."""
    @click.argument("quote_id")
    @output_option
    @pass_session
    def command(session, quote_id, reason=None):
        request = request_type(id=quote_id, **({"reason": reason} if with_reason else {}))
        show_quote(session, session.call(getattr(api.quotes(session), method), request))
    command.__doc__ = doc
    if with_reason:
        command = click.option("--reason", required=True, help="Why.")(command)
    quotes.command(name)(command)


_quote_step("activate", "ActivateQuote", billing_pb2.ActivateQuoteRequest,
            "Draft -> active (read-only); closes the revision it replaces.")
_quote_step("revise", "ReviseQuote", billing_pb2.ReviseQuoteRequest,
            "A new draft revision of an active quote.")
_quote_step("accept", "AcceptQuote", billing_pb2.AcceptQuoteRequest,
            "The customer accepted: won; the deal's other open quotes close.")
_quote_step("reject", "RejectQuote", billing_pb2.RejectQuoteRequest,
            "The customer declined: lost.", with_reason=True)
_quote_step("withdraw", "WithdrawQuote", billing_pb2.WithdrawQuoteRequest,
            "Withdraw a draft or active quote: closed.", with_reason=True)


@click.group()
def orders() -> None:
    """Orders made from won quotes."""


@orders.command("create")
@click.option("--quote", "quote_id", required=True, help="The won quote revision.")
@output_option
@pass_session
def create_order(session, quote_id):
    """Make the order of a won quote."""
    show_order(session, session.call(api.orders(session).CreateOrder,
                                     billing_pb2.CreateOrderRequest(quote_id=quote_id)))


@orders.command("show")
@click.argument("order_id")
@output_option
@pass_session
def show_order_command(session, order_id):
    """Show one order."""
    show_order(session, session.call(api.orders(session).GetOrder,
                                     billing_pb2.GetOrderRequest(id=order_id)))


@orders.command("cancel")
@click.argument("order_id")
@click.option("--reason", required=True, help="Why.")
@output_option
@pass_session
def cancel_order(session, order_id, reason):
    """Cancel an open order without a live invoice (supervisor or above)."""
    show_order(session, session.call(api.orders(session).CancelOrder,
                                     billing_pb2.CancelOrderRequest(id=order_id, reason=reason)))


@click.group()
def invoices() -> None:
    """Invoices of orders (supervisors and above)."""


@invoices.command("create")
@click.option("--order", "order_id", required=True, help="The order to invoice.")
@output_option
@pass_session
def create_invoice(session, order_id):
    """Make a draft invoice (it gets its number when issued)."""
    show_invoice(session, session.call(api.invoices(session).CreateInvoice,
                                       billing_pb2.CreateInvoiceRequest(order_id=order_id)))


@invoices.command("show")
@click.argument("invoice_id")
@output_option
@pass_session
def show_invoice_command(session, invoice_id):
    """Show one invoice."""
    show_invoice(session, session.call(api.invoices(session).GetInvoice,
                                       billing_pb2.GetInvoiceRequest(id=invoice_id)))


@invoices.command("issue")
@click.argument("invoice_id")
@output_option
@pass_session
def issue(session, invoice_id):
    """Issue a draft: it gets the next number of the year."""
    show_invoice(session, session.call(api.invoices(session).IssueInvoice,
                                       billing_pb2.IssueInvoiceRequest(id=invoice_id)))


@invoices.command("pay")
@click.argument("invoice_id")
@click.option("--amount", required=True, help="Amount paid (the full total), e.g. 742.49.")
@click.option("--reference", default="", help="Payment reference.")
@output_option
@pass_session
def pay(session, invoice_id, amount, reference):
    """Record the payment of an issued invoice."""
    stub = api.invoices(session)
    currency = session.call(stub.GetInvoice,
                            billing_pb2.GetInvoiceRequest(id=invoice_id)).total.currency
    show_invoice(session, session.call(stub.MarkInvoicePaid, billing_pb2.MarkInvoicePaidRequest(
        id=invoice_id, amount=api.money(amount, currency), reference=reference)))


@invoices.command("cancel")
@click.argument("invoice_id")
@click.option("--reason", required=True, help="Why.")
@output_option
@pass_session
def cancel_invoice(session, invoice_id, reason):
    """Cancel a draft (no number used) or an issued invoice (keeps its number)."""
    show_invoice(session, session.call(api.invoices(session).CancelInvoice,
                                       billing_pb2.CancelInvoiceRequest(id=invoice_id,
                                                                        reason=reason)))


COMMANDS = [quotes, orders, invoices]
