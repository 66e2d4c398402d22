"""QuoteService, OrderService and InvoiceService servicers: proto in, use case, proto out."""

from __future__ import annotations

from crm.deals.v1 import billing_pb2, billing_pb2_grpc
from crm_deals.adapters import grpc_mapping
from crm_deals.service_layer import billing, quotes


class QuoteServicer(grpc_mapping.UseCases, billing_pb2_grpc.QuoteServiceServicer):
    def CreateQuote(self, request, context):
        return grpc_mapping.quote(
            self.run(
                quotes.create_quote,
                deal_id=request.opportunity_id,
                title=request.title,
                valid_until=grpc_mapping.date(request.valid_until, "valid_until"),
            )
        )

    def GetQuote(self, request, context):
        return grpc_mapping.quote(self.run(quotes.get_quote, request.id))

    def ListQuotes(self, request, context):
        return billing_pb2.ListQuotesResponse(
            quotes=[
                grpc_mapping.quote(q) for q in self.run(quotes.list_quotes, request.opportunity_id)
            ]
        )

    def PriceQuoteLines(self, request, context):
        return grpc_mapping.quote(
            self.run(
                quotes.price_quote_lines,
                request.id,
                grpc_mapping.line_requests(request.lines),
                price_list_id=request.price_list_id,
            )
        )

    def ActivateQuote(self, request, context):
        return grpc_mapping.quote(self.run(quotes.activate_quote, request.id))

    def ReviseQuote(self, request, context):
        return grpc_mapping.quote(self.run(quotes.revise_quote, request.id))

    def AcceptQuote(self, request, context):
        return grpc_mapping.quote(self.run(quotes.accept_quote, request.id))

    def RejectQuote(self, request, context):
        return grpc_mapping.quote(self.run(quotes.reject_quote, request.id, request.reason))

    def WithdrawQuote(self, request, context):
        return grpc_mapping.quote(self.run(quotes.withdraw_quote, request.id, request.reason))


class OrderServicer(grpc_mapping.UseCases, billing_pb2_grpc.OrderServiceServicer):
    def CreateOrder(self, request, context):
        return grpc_mapping.order(self.run(billing.create_order, request.quote_id))

    def GetOrder(self, request, context):
        return grpc_mapping.order(self.run(billing.get_order, request.id))

    def CancelOrder(self, request, context):
        return grpc_mapping.order(self.run(billing.cancel_order, request.id, request.reason))


class InvoiceServicer(grpc_mapping.UseCases, billing_pb2_grpc.InvoiceServiceServicer):
    def CreateInvoice(self, request, context):
        return grpc_mapping.invoice(self.run(billing.create_invoice, request.order_id))

    def GetInvoice(self, request, context):
        return grpc_mapping.invoice(self.run(billing.get_invoice, request.id))

    def IssueInvoice(self, request, context):
        return grpc_mapping.invoice(self.run(billing.issue_invoice, request.id))

    def MarkInvoicePaid(self, request, context):
        return grpc_mapping.invoice(
            self.run(
                billing.mark_invoice_paid,
                request.id,
                amount=grpc_mapping.required_money(request, "amount"),
                reference=request.reference,
            )
        )

    def CancelInvoice(self, request, context):
        return grpc_mapping.invoice(self.run(billing.cancel_invoice, request.id, request.reason))

    def ListInvoices(self, request, context):
        page = self.run(
            billing.list_invoices,
            opportunity_id=request.opportunity_id,
            status=grpc_mapping.enum_value(grpc_mapping.INVOICE_STATUS, request.status, "status"),
            page=grpc_mapping.page_query(request.page),
        )
        return billing_pb2.ListInvoicesResponse(
            invoices=[grpc_mapping.invoice(i) for i in page.items],
            page=grpc_mapping.page_info(page),
        )
