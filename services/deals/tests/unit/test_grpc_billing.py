"""QuoteService, OrderService and InvoiceService over gRPC: catalog-priced revisions, draft ->
active -> won/closed, orders and gap-free invoice numbers, who may do what."""

import grpc

from crm.common.v1 import money_pb2
from crm.deals.v1 import billing_pb2, deals_pb2, payments_pb2, resources_pb2

FAILED_PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION
LINES = [
    deals_pb2.LineInput(product_id="p-gadget", quantity="3", unit="piece"),
    deals_pb2.LineInput(product_id="p-widget", quantity="1.5"),
]


def eur(amount: str) -> money_pb2.Money:
    return money_pb2.Money(amount=amount, currency="EUR")


def priced_draft(api, deal, lines=LINES):
    quote = api.call(
        api.quotes.CreateQuote,
        billing_pb2.CreateQuoteRequest(opportunity_id=deal.id, valid_until="2026-04-30"),
    )
    return api.call(
        api.quotes.PriceQuoteLines, billing_pb2.PriceQuoteLinesRequest(id=quote.id, lines=lines)
    )


def test_quote_revisions_draft_active_superseded(api, deal):
    draft = priced_draft(api, deal)
    assert (draft.status, draft.revision, draft.title) == (
        resources_pb2.QUOTE_STATUS_DRAFT,
        1,
        "Acme rollout",
    )
    # 3 x 250.00 - 3 x 12.50 = 712.50; 1.5 x 19.99 = 29.985 -> 29.99 (catalog's rounding)
    assert [line.line_total for line in draft.lines] == [eur("712.50"), eur("29.99")]
    assert draft.total == eur("742.49") and draft.lines[0].quantity == "3"
    assert "a draft can be edited directly" in api.refused(
        FAILED_PRECONDITION, api.quotes.ReviseQuote, billing_pb2.ReviseQuoteRequest(id=draft.id)
    )
    active = api.call(api.quotes.ActivateQuote, billing_pb2.ActivateQuoteRequest(id=draft.id))
    assert active.status == resources_pb2.QUOTE_STATUS_ACTIVE
    assert "is active and read-only" in api.refused(
        FAILED_PRECONDITION,
        api.quotes.PriceQuoteLines,
        billing_pb2.PriceQuoteLinesRequest(id=draft.id, lines=LINES[:1]),
    )
    revision = api.call(api.quotes.ReviseQuote, billing_pb2.ReviseQuoteRequest(id=draft.id))
    assert (revision.revision, revision.replaces_quote_id, revision.number) == (
        2,
        draft.id,
        draft.number,
    )
    assert revision.display_number == f"{draft.number}-R2"
    api.call(
        api.quotes.PriceQuoteLines,
        billing_pb2.PriceQuoteLinesRequest(id=revision.id, lines=LINES[:1]),
    )
    api.call(api.quotes.ActivateQuote, billing_pb2.ActivateQuoteRequest(id=revision.id))
    listed = api.call(
        api.quotes.ListQuotes, billing_pb2.ListQuotesRequest(opportunity_id=deal.id), "bob"
    ).quotes
    assert [(q.revision, q.status) for q in listed] == [
        (1, resources_pb2.QUOTE_STATUS_CLOSED),
        (2, resources_pb2.QUOTE_STATUS_ACTIVE),
    ]
    assert listed[1].total == eur("712.50")


def test_unpriceable_lines_are_named(api, deal):
    quote = api.call(api.quotes.CreateQuote, billing_pb2.CreateQuoteRequest(opportunity_id=deal.id))
    message = api.refused(
        grpc.StatusCode.INVALID_ARGUMENT,
        api.quotes.PriceQuoteLines,
        billing_pb2.PriceQuoteLinesRequest(
            id=quote.id, lines=[deals_pb2.LineInput(product_id="ghost", quantity="1")]
        ),
    )
    assert message == "lines[0].product_id: product 'ghost' not found"
    assert "valid_until must be a date" in api.refused(
        grpc.StatusCode.INVALID_ARGUMENT,
        api.quotes.CreateQuote,
        billing_pb2.CreateQuoteRequest(opportunity_id=deal.id, valid_until="soon"),
    )
    assert "only the owner or a supervisor" in api.refused(
        grpc.StatusCode.PERMISSION_DENIED,
        api.quotes.ActivateQuote,
        billing_pb2.ActivateQuoteRequest(id=quote.id),
        "bob",
    )


def test_won_quote_to_order_to_gap_free_invoices(api, deal):
    quote = priced_draft(api, deal)
    api.call(api.quotes.ActivateQuote, billing_pb2.ActivateQuoteRequest(id=quote.id))
    other = api.call(
        api.quotes.CreateQuote,
        billing_pb2.CreateQuoteRequest(opportunity_id=deal.id, title="alternative"),
    )
    won = api.call(api.quotes.AcceptQuote, billing_pb2.AcceptQuoteRequest(id=quote.id))
    assert won.status == resources_pb2.QUOTE_STATUS_WON
    assert (
        api.call(api.quotes.GetQuote, billing_pb2.GetQuoteRequest(id=other.id)).status
        == resources_pb2.QUOTE_STATUS_CLOSED
    )
    order = api.call(api.orders.CreateOrder, billing_pb2.CreateOrderRequest(quote_id=quote.id))
    assert (order.status, order.total) == (resources_pb2.ORDER_STATUS_OPEN, eur("742.49"))
    assert "already has an order" in api.refused(
        FAILED_PRECONDITION,
        api.orders.CreateOrder,
        billing_pb2.CreateOrderRequest(quote_id=quote.id),
    )
    # Invoices are for supervisors and above.
    api.refused(
        grpc.StatusCode.PERMISSION_DENIED,
        api.invoices.CreateInvoice,
        billing_pb2.CreateInvoiceRequest(order_id=order.id),
    )
    first = api.call(
        api.invoices.CreateInvoice, billing_pb2.CreateInvoiceRequest(order_id=order.id), "sam"
    )
    assert (first.status, first.number) == (resources_pb2.INVOICE_STATUS_DRAFT, "")
    issued = api.call(
        api.invoices.IssueInvoice, billing_pb2.IssueInvoiceRequest(id=first.id), "sam"
    )
    assert (issued.number, issued.issue_date) == ("INV-2026-000001", "2026-03-02")
    cancelled = api.call(
        api.invoices.CancelInvoice,
        billing_pb2.CancelInvoiceRequest(id=first.id, reason="wrong address"),
        "sam",
    )
    assert (cancelled.status, cancelled.number) == (
        resources_pb2.INVOICE_STATUS_CANCELLED,
        "INV-2026-000001",
    )
    again = api.call(
        api.invoices.CreateInvoice, billing_pb2.CreateInvoiceRequest(order_id=order.id), "sam"
    )
    again = api.call(api.invoices.IssueInvoice, billing_pb2.IssueInvoiceRequest(id=again.id), "mia")
    assert again.number == "INV-2026-000002"
    assert "amount is required" in api.refused(
        grpc.StatusCode.INVALID_ARGUMENT,
        api.invoices.MarkInvoicePaid,
        billing_pb2.MarkInvoicePaidRequest(id=again.id),
        "sam",
    )
    api.refused(
        grpc.StatusCode.INVALID_ARGUMENT,
        api.invoices.MarkInvoicePaid,
        billing_pb2.MarkInvoicePaidRequest(id=again.id, amount=eur("742.48")),
        "sam",
    )
    paid = api.call(
        api.invoices.MarkInvoicePaid,
        billing_pb2.MarkInvoicePaidRequest(id=again.id, amount=eur("742.49"), reference="TX-1"),
        "sam",
    )
    assert (paid.status, paid.payment_reference) == (resources_pb2.INVOICE_STATUS_PAID, "TX-1")
    assert (
        api.call(api.orders.GetOrder, billing_pb2.GetOrderRequest(id=order.id)).status
        == resources_pb2.ORDER_STATUS_INVOICED
    )
    api.refused(
        grpc.StatusCode.NOT_FOUND,
        api.invoices.GetInvoice,
        billing_pb2.GetInvoiceRequest(id=again.id),
        "root",
    )


def test_a_deals_orders_and_invoices_are_listed_by_the_deal(api, deal):
    listing = payments_pb2.ListDealDocumentsRequest(opportunity_id=deal.id)
    assert api.call(api.invoicing.ListDealDocuments, listing) == (
        payments_pb2.ListDealDocumentsResponse()
    )
    quote = priced_draft(api, deal)
    api.call(api.quotes.ActivateQuote, billing_pb2.ActivateQuoteRequest(id=quote.id))
    api.call(api.quotes.AcceptQuote, billing_pb2.AcceptQuoteRequest(id=quote.id))
    order = api.call(api.orders.CreateOrder, billing_pb2.CreateOrderRequest(quote_id=quote.id))
    invoice = api.call(
        api.invoices.CreateInvoice, billing_pb2.CreateInvoiceRequest(order_id=order.id), "sam"
    )
    found = api.call(api.invoicing.ListDealDocuments, listing, "bob")
    assert [(o.id, o.total) for o in found.orders] == [(order.id, eur("742.49"))]
    assert [(i.id, i.order_id, i.status) for i in found.invoices] == [
        (invoice.id, order.id, resources_pb2.INVOICE_STATUS_DRAFT)
    ]
    # Outside the deal's team (another team's expert, an administrator): as for an unknown id.
    for outsider in ("tom", "root"):
        hidden = api.refused(
            grpc.StatusCode.NOT_FOUND, api.invoicing.ListDealDocuments, listing, outsider
        )
        assert hidden == api.refused(
            grpc.StatusCode.NOT_FOUND,
            api.invoicing.ListDealDocuments,
            payments_pb2.ListDealDocumentsRequest(opportunity_id="no-such-deal"),
            outsider,
        ).replace("no-such-deal", deal.id)


def test_rejected_and_withdrawn_quotes_keep_their_reason(api, deal):
    active = priced_draft(api, deal)
    api.call(api.quotes.ActivateQuote, billing_pb2.ActivateQuoteRequest(id=active.id))
    lost = api.call(
        api.quotes.RejectQuote, billing_pb2.RejectQuoteRequest(id=active.id, reason="too expensive")
    )
    assert (lost.status, lost.close_reason) == (resources_pb2.QUOTE_STATUS_LOST, "too expensive")
    draft = api.call(api.quotes.CreateQuote, billing_pb2.CreateQuoteRequest(opportunity_id=deal.id))
    assert "reason is required" in api.refused(
        grpc.StatusCode.INVALID_ARGUMENT,
        api.quotes.WithdrawQuote,
        billing_pb2.WithdrawQuoteRequest(id=draft.id),
    )
    withdrawn = api.call(
        api.quotes.WithdrawQuote, billing_pb2.WithdrawQuoteRequest(id=draft.id, reason="duplicate")
    )
    assert (withdrawn.status, withdrawn.close_reason) == (
        resources_pb2.QUOTE_STATUS_CLOSED,
        "duplicate",
    )


def test_invoices_are_listed_by_status_over_grpc(api, deal):
    quote = priced_draft(api, deal)
    api.call(api.quotes.ActivateQuote, billing_pb2.ActivateQuoteRequest(id=quote.id))
    api.call(api.quotes.AcceptQuote, billing_pb2.AcceptQuoteRequest(id=quote.id))
    order = api.call(api.orders.CreateOrder, billing_pb2.CreateOrderRequest(quote_id=quote.id))
    draft = api.call(
        api.invoices.CreateInvoice, billing_pb2.CreateInvoiceRequest(order_id=order.id), "sam"
    )

    def listed(status, caller="sam"):
        request = billing_pb2.ListInvoicesRequest(status=status)
        return [i.id for i in api.call(api.invoices.ListInvoices, request, caller).invoices]

    assert listed(resources_pb2.INVOICE_STATUS_DRAFT) == [draft.id]
    assert listed(resources_pb2.INVOICE_STATUS_UNSPECIFIED) == [draft.id]
    assert listed(resources_pb2.INVOICE_STATUS_ISSUED) == []
    api.call(api.invoices.IssueInvoice, billing_pb2.IssueInvoiceRequest(id=draft.id), "sam")
    assert listed(resources_pb2.INVOICE_STATUS_ISSUED) == [draft.id]
    assert listed(resources_pb2.INVOICE_STATUS_DRAFT) == []
    assert listed(resources_pb2.INVOICE_STATUS_PARTLY_PAID) == []
    payment = payments_pb2.RecordPaymentRequest(
        invoice_id=draft.id,
        amount=money_pb2.Money(amount="1.00", currency=draft.total.currency),
        method="card",
    )
    part = api.call(api.invoicing.RecordPayment, payment, "sam")
    # a partly paid invoice stays ISSUED; the filter finds it, the issued filter too
    assert part.status == resources_pb2.INVOICE_STATUS_ISSUED
    assert listed(resources_pb2.INVOICE_STATUS_PARTLY_PAID) == [draft.id]
    assert listed(resources_pb2.INVOICE_STATUS_ISSUED) == [draft.id]
    assert listed(resources_pb2.INVOICE_STATUS_PARTLY_PAID, "tom") == []
    # another team's member and an administrator in no team: none, in any status
    assert listed(resources_pb2.INVOICE_STATUS_ISSUED, "tom") == []
    assert listed(resources_pb2.INVOICE_STATUS_ISSUED, "root") == []
    refusal = api.refused(
        grpc.StatusCode.INVALID_ARGUMENT,
        api.invoices.ListInvoices,
        billing_pb2.ListInvoicesRequest(status=99),
        "sam",
    )
    assert "status has an unknown value 99" in refusal
    assert "draft, issued, paid, cancelled, partly_paid" in refusal
