"""ExportService servicer: deals' lists streamed as CSV or JSON Lines.

Each export walks the list RPC of the same servicer, page after page, as the calling person:
the records are exactly those the list gives that caller (its use case applies the team
visibility rule), so an export can never show more than the screen. Formatting and formula
neutralisation are the chassis' (``crm_chassis.wire.export``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from google.protobuf.message import Message

from crm.deals.v1 import (
    accounts_pb2,
    activities_pb2,
    billing_pb2,
    deals_pb2,
    exports_pb2_grpc,
)
from crm_chassis.paging import MAX_PAGE_SIZE
from crm_chassis.wire import export
from crm_deals.adapters.grpc_accounts import AccountServicer, ContactServicer
from crm_deals.adapters.grpc_activities import ActivityServicer
from crm_deals.adapters.grpc_billing import InvoiceServicer, QuoteServicer
from crm_deals.adapters.grpc_deals import DealServicer

#: Records asked for per page of the walked list (the platform's maximum).
PAGE_SIZE = MAX_PAGE_SIZE


def _paged(
    list_call: Callable[[Message, object], Message],
    request: Message,
    records: str,
    context: object,
) -> Callable[[str], tuple[list[Message], str]]:
    def fetch(cursor: str) -> tuple[list[Message], str]:
        page_request = type(request)()
        page_request.CopyFrom(request)
        page_request.page.page_size, page_request.page.cursor = PAGE_SIZE, cursor
        response = list_call(page_request, context)
        return list(getattr(response, records)), response.page.next_cursor

    return fetch


class ExportServicer(exports_pb2_grpc.ExportServiceServicer):
    def __init__(self, deps):
        self.deps = deps
        self.accounts, self.contacts = AccountServicer(deps), ContactServicer(deps)
        self.deals, self.activities = DealServicer(deps), ActivityServicer(deps)
        self.quotes, self.invoices = QuoteServicer(deps), InvoiceServicer(deps)

    @staticmethod
    def _stream(request, list_call, response_type, records: str, context) -> Iterator:
        format = export.check_format(request.format)
        record_type = response_type.DESCRIPTOR.fields_by_name[records].message_type
        # the first page is read before the first chunk is sent, so a refused filter or an
        # unknown record ends the call with its status before any data
        records_ = export.walk_pages(_paged(list_call, request.filter, records, context))
        return export.export_chunks(records_, record_type, format)

    def ExportAccounts(self, request, context):
        yield from self._stream(
            request,
            self.accounts.ListAccounts,
            accounts_pb2.ListAccountsResponse,
            "accounts",
            context,
        )

    def ExportContacts(self, request, context):
        yield from self._stream(
            request,
            self.contacts.ListContacts,
            accounts_pb2.ListContactsResponse,
            "contacts",
            context,
        )

    def ExportDeals(self, request, context):
        yield from self._stream(
            request, self.deals.ListDeals, deals_pb2.ListDealsResponse, "deals", context
        )

    def ExportActivities(self, request, context):
        yield from self._stream(
            request,
            self.activities.ListTimeline,
            activities_pb2.ListTimelineResponse,
            "activities",
            context,
        )

    def ExportQuotes(self, request, context):
        format = export.check_format(request.format)
        quotes = self.quotes.ListQuotes(request.filter, context).quotes
        quote_type = billing_pb2.ListQuotesResponse.DESCRIPTOR.fields_by_name["quotes"]
        yield from export.export_chunks(quotes, quote_type.message_type, format)

    def ExportInvoices(self, request, context):
        yield from self._stream(
            request,
            self.invoices.ListInvoices,
            billing_pb2.ListInvoicesResponse,
            "invoices",
            context,
        )
