"""Exports over gRPC: streamed CSV and JSON Lines holding exactly what the caller's list holds
(a team's records for its members and managers only, none for an administrator), spreadsheet
formulas neutralised, every page walked."""

import csv
import io
import json

import grpc
import pytest

from crm.common.v1 import export_pb2
from crm.deals.v1 import (
    accounts_pb2,
    activities_pb2,
    billing_pb2,
    deals_pb2,
    exports_pb2,
    resources_pb2,
)
from crm_deals.adapters import grpc_exports

CSV, JSONL = export_pb2.EXPORT_FORMAT_CSV, export_pb2.EXPORT_FORMAT_JSON_LINES


def exported(api, method, request, user="alice") -> bytes:
    chunks = list(method(request, metadata=api.auth(user), timeout=10))
    return b"".join(chunk.data for chunk in chunks)


def csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode())))


@pytest.fixture
def books(api):
    """Team A's account with a contact whose name is a formula, and a deal; team B's account."""
    call = api.call
    mine = call(
        api.accounts.CreateAccount,
        accounts_pb2.CreateAccountRequest(
            team_id="team-a", name='=HYPERLINK("http://evil","x")', phone="+49 30 123"
        ),
    )
    call(
        api.contacts.CreateContact,
        accounts_pb2.CreateContactRequest(
            account_id=mine.id, first_name="@SUM(1+1)", last_name="-2+3", email="ann@example.com"
        ),
    )
    deal = call(
        api.deals.CreateDeal,
        deals_pb2.CreateDealRequest(
            name="Rollout", account_id=mine.id, sales_line_id="line-1", currency="EUR"
        ),
    )
    theirs = call(
        api.accounts.CreateAccount,
        accounts_pb2.CreateAccountRequest(team_id="team-b", name="Other team GmbH"),
        "tom",
    )
    return {"mine": mine, "deal": deal, "theirs": theirs}


@pytest.mark.parametrize(
    "user,names",
    [
        ("alice", ['\'=HYPERLINK("http://evil","x")']),
        ("mia", ['\'=HYPERLINK("http://evil","x")']),  # manages the unit above team A
        ("tom", ["Other team GmbH"]),
        ("root", []),  # an administrator in no team sees none of it
        ("boss", []),
    ],
)
def test_an_account_export_holds_only_what_the_caller_may_see(api, books, user, names):
    request = exports_pb2.ExportAccountsRequest(format=CSV)
    rows = csv_rows(exported(api, api.exports.ExportAccounts, request, user))
    assert [row["name"] for row in rows] == names


def test_formula_cells_are_neutralised_and_numbers_and_plain_text_kept(api, books):
    data = exported(api, api.exports.ExportContacts, exports_pb2.ExportContactsRequest(format=CSV))
    (row,) = csv_rows(data)
    assert (row["first_name"], row["last_name"], row["email"]) == (
        "'@SUM(1+1)",
        "'-2+3",
        "ann@example.com",
    )
    # the raw bytes hold no cell that begins with a trigger character
    for cells in csv.reader(io.StringIO(data.decode())):
        assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in cells), cells
    accounts = csv_rows(
        exported(api, api.exports.ExportAccounts, exports_pb2.ExportAccountsRequest(format=CSV))
    )
    assert accounts[0]["phone"] == "'+49 30 123"


def test_json_lines_carry_the_records_as_the_api_returns_them(api, books):
    data = exported(
        api,
        api.exports.ExportDeals,
        exports_pb2.ExportDealsRequest(format=JSONL, filter=deals_pb2.ListDealsRequest()),
    )
    (line,) = data.decode().splitlines()
    record = json.loads(line)
    assert record["id"] == books["deal"].id and record["name"] == "Rollout"
    assert (
        exported(api, api.exports.ExportDeals, exports_pb2.ExportDealsRequest(format=JSONL), "tom")
        == b""
    )


def test_every_page_is_exported(api, books, monkeypatch):
    monkeypatch.setattr(grpc_exports, "PAGE_SIZE", 2)  # three pages of the list
    for number in range(4):
        api.world.account(name=f"Account {number}")
    rows = csv_rows(
        exported(api, api.exports.ExportAccounts, exports_pb2.ExportAccountsRequest(format=CSV))
    )
    assert len(rows) == 5 and len({row["id"] for row in rows}) == 5


def test_activities_and_quotes_of_a_deal_and_their_errors(api, books):
    deal_ref = resources_pb2.RecordRef(type="opportunity", id=books["deal"].id)
    api.call(
        api.activities.LogActivity,
        activities_pb2.LogActivityRequest(
            target=deal_ref, kind=resources_pb2.ACTIVITY_KIND_NOTE, subject="=1+1 kick-off"
        ),
    )
    api.call(api.quotes.CreateQuote, billing_pb2.CreateQuoteRequest(opportunity_id=deal_ref.id))
    activities = csv_rows(
        exported(
            api,
            api.exports.ExportActivities,
            exports_pb2.ExportActivitiesRequest(
                format=CSV, filter=activities_pb2.ListTimelineRequest(target=deal_ref)
            ),
        )
    )
    assert "'=1+1 kick-off" in [row["subject"] for row in activities]
    quotes = exports_pb2.ExportQuotesRequest(
        format=CSV, filter=billing_pb2.ListQuotesRequest(opportunity_id=deal_ref.id)
    )
    assert len(csv_rows(exported(api, api.exports.ExportQuotes, quotes))) == 1
    # another team's deal answers like an unknown one; a missing format is named
    for user, request, code in (
        ("tom", quotes, grpc.StatusCode.NOT_FOUND),
        (
            "alice",
            exports_pb2.ExportQuotesRequest(filter=quotes.filter),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
    ):
        with pytest.raises(grpc.RpcError) as err:
            exported(api, api.exports.ExportQuotes, request, user)
        assert err.value.code() == code


def test_invoices_export_holds_only_the_callers_teams_with_formulas_neutralised(api, books):
    call, deal_id = api.call, books["deal"].id
    quote = call(api.quotes.CreateQuote, billing_pb2.CreateQuoteRequest(opportunity_id=deal_id))
    line = deals_pb2.LineInput(product_id="p-gadget", quantity="3", unit="piece")
    call(api.quotes.PriceQuoteLines, billing_pb2.PriceQuoteLinesRequest(id=quote.id, lines=[line]))
    call(api.quotes.ActivateQuote, billing_pb2.ActivateQuoteRequest(id=quote.id))
    call(api.quotes.AcceptQuote, billing_pb2.AcceptQuoteRequest(id=quote.id))
    order = call(api.orders.CreateOrder, billing_pb2.CreateOrderRequest(quote_id=quote.id))
    invoice = call(
        api.invoices.CreateInvoice, billing_pb2.CreateInvoiceRequest(order_id=order.id), "sam"
    )
    call(
        api.invoices.CancelInvoice,
        billing_pb2.CancelInvoiceRequest(id=invoice.id, reason='=HYPERLINK("http://evil","x")'),
        "sam",
    )
    again = call(
        api.invoices.CreateInvoice, billing_pb2.CreateInvoiceRequest(order_id=order.id), "sam"
    )
    request = exports_pb2.ExportInvoicesRequest(
        format=CSV, filter=billing_pb2.ListInvoicesRequest()
    )
    rows = csv_rows(exported(api, api.exports.ExportInvoices, request))
    assert [row["id"] for row in rows] == [invoice.id, again.id]
    assert rows[0]["cancel_reason"] == '\'=HYPERLINK("http://evil","x")'
    assert rows[0]["total.amount"] == again.total.amount  # a plain number stays a number
    of_deal = exports_pb2.ExportInvoicesRequest(
        format=JSONL, filter=billing_pb2.ListInvoicesRequest(opportunity_id=deal_id)
    )
    lines = exported(api, api.exports.ExportInvoices, of_deal, "mia").decode().splitlines()
    assert [json.loads(line)["id"] for line in lines] == [invoice.id, again.id]
    # another team, an administrator in no team, management outside it: none of it
    for user in ("tom", "root", "boss"):
        assert csv_rows(exported(api, api.exports.ExportInvoices, request, user)) == []
    with pytest.raises(grpc.RpcError) as err:
        exported(api, api.exports.ExportInvoices, exports_pb2.ExportInvoicesRequest())
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
