"""The visibility matrix over gRPC: a team's records answer only its members and the managers
above it; an administrator or a manager of another team gets NOT_FOUND, word for word the answer
for an unknown id; no token is UNAUTHENTICATED."""

import datetime as dt

import grpc
import pytest

from crm.common.v1 import pagination_pb2
from crm.deals.v1 import accounts_pb2, activities_pb2, billing_pb2, deals_pb2, resources_pb2

UNKNOWN = "0" * 32
# owner, teammate, supervisor, manager of the unit above | other team's expert and manager,
# administrator in no team, management department in no team.
SEES = {
    "alice": True,
    "bob": True,
    "sam": True,
    "mia": True,
    "tom": False,
    "max": False,
    "root": False,
    "boss": False,
}


@pytest.fixture
def records(api):
    call = api.call
    account = call(
        api.accounts.CreateAccount,
        accounts_pb2.CreateAccountRequest(team_id="team-a", name="Acme GmbH"),
    )
    contact = call(
        api.contacts.CreateContact,
        accounts_pb2.CreateContactRequest(account_id=account.id, last_name="Doe"),
    )
    deal = call(
        api.deals.CreateDeal,
        deals_pb2.CreateDealRequest(
            name="Acme rollout", account_id=account.id, sales_line_id="line-1", currency="EUR"
        ),
    )
    quote = call(api.quotes.CreateQuote, billing_pb2.CreateQuoteRequest(opportunity_id=deal.id))
    deal_ref = resources_pb2.RecordRef(type="opportunity", id=deal.id)
    call(
        api.activities.LogActivity,
        activities_pb2.LogActivityRequest(
            target=deal_ref, kind=resources_pb2.ACTIVITY_KIND_NOTE, subject="kick-off"
        ),
    )
    return {
        "account": (
            api.accounts.GetAccount,
            lambda i: accounts_pb2.GetAccountRequest(id=i),
            account.id,
        ),
        "contact": (
            api.contacts.GetContact,
            lambda i: accounts_pb2.GetContactRequest(id=i),
            contact.id,
        ),
        "deal": (api.deals.GetDeal, lambda i: deals_pb2.GetDealRequest(id=i), deal.id),
        "quote": (api.quotes.GetQuote, lambda i: billing_pb2.GetQuoteRequest(id=i), quote.id),
        "quotes": (
            api.quotes.ListQuotes,
            lambda i: billing_pb2.ListQuotesRequest(opportunity_id=i),
            deal.id,
        ),
        "history": (
            api.deals.GetHistory,
            lambda i: deals_pb2.GetHistoryRequest(
                record=resources_pb2.RecordRef(type="opportunity", id=i)
            ),
            deal.id,
        ),
        "timeline": (
            api.activities.ListTimeline,
            lambda i: activities_pb2.ListTimelineRequest(
                target=resources_pb2.RecordRef(type="opportunity", id=i)
            ),
            deal.id,
        ),
    }


@pytest.mark.parametrize("user,sees", sorted(SEES.items()))
def test_visibility_matrix(api, records, user, sees):
    for what, (method, request, record_id) in records.items():
        if sees:
            assert api.call(method, request(record_id), user), what
            continue
        foreign = api.refused(grpc.StatusCode.NOT_FOUND, method, request(record_id), user)
        unknown = api.refused(grpc.StatusCode.NOT_FOUND, method, request(UNKNOWN), user)
        # A foreign record answers exactly like an unknown one: its existence does not leak.
        assert foreign.replace(record_id, "X") == unknown.replace(UNKNOWN, "X"), what


@pytest.mark.parametrize("user,sees", sorted(SEES.items()))
def test_lists_and_the_board_show_only_visible_teams(api, records, user, sees):
    deals = api.call(api.deals.ListDeals, deals_pb2.ListDealsRequest(), user).deals
    accounts = api.call(
        api.accounts.ListAccounts, accounts_pb2.ListAccountsRequest(), user
    ).accounts
    contacts = api.call(
        api.contacts.ListContacts, accounts_pb2.ListContactsRequest(), user
    ).contacts
    board = api.call(api.deals.GetBoard, deals_pb2.GetBoardRequest(sales_line_id="line-1"), user)
    on_board = [d.name for column in board.columns for d in column.deals]
    expected = 1 if sees else 0
    assert (len(deals), len(accounts), len(contacts), len(on_board)) == (expected,) * 4


def test_a_member_who_leaves_loses_access_at_the_next_call(api, records):
    method, request, deal_id = records["deal"]
    assert api.call(method, request(deal_id), "bob").id == deal_id
    api.world.teams.remove_member("team-a", "bob")
    api.refused(grpc.StatusCode.NOT_FOUND, method, request(deal_id), "bob")


def test_no_token_is_unauthenticated_and_a_forged_one_too(api, records):
    method, request, deal_id = records["deal"]
    with pytest.raises(grpc.RpcError) as raised:
        method(request(deal_id), timeout=10)
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.RpcError) as raised:
        method(request(deal_id), metadata=(("authorization", "Bearer not.a.token"),), timeout=10)
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_writes_on_an_invisible_record_are_not_found_too(api, records):
    _, _, deal_id = records["deal"]
    message = api.refused(
        grpc.StatusCode.NOT_FOUND,
        api.deals.MoveDealToStage,
        deals_pb2.MoveDealToStageRequest(id=deal_id, stage_key="propose"),
        "tom",
    )
    assert message == f"deal {deal_id!r} not found"
    api.refused(
        grpc.StatusCode.NOT_FOUND,
        api.activities.LogActivity,
        activities_pb2.LogActivityRequest(
            target=resources_pb2.RecordRef(type="opportunity", id=deal_id),
            kind=resources_pb2.ACTIVITY_KIND_NOTE,
            subject="peek",
        ),
        "root",
    )


def test_pages_are_linked_by_an_opaque_cursor(api, records):
    for name in ("Beta", "Gamma"):
        api.call(
            api.accounts.CreateAccount,
            accounts_pb2.CreateAccountRequest(team_id="team-a", name=name),
        )
        api.world.clock.advance(dt.timedelta(seconds=1))
    seen, cursor = [], ""
    while True:
        response = api.call(
            api.accounts.ListAccounts,
            accounts_pb2.ListAccountsRequest(
                page=pagination_pb2.PageRequest(page_size=2, cursor=cursor)
            ),
        )
        seen += [a.name for a in response.accounts]
        cursor = response.page.next_cursor
        if not cursor:
            break
    assert sorted(seen) == ["Acme GmbH", "Beta", "Gamma"]
    message = api.refused(
        grpc.StatusCode.INVALID_ARGUMENT,
        api.accounts.ListAccounts,
        accounts_pb2.ListAccountsRequest(page=pagination_pb2.PageRequest(cursor="%%%")),
    )
    assert "is not a cursor this service issued" in message
    api.refused(
        grpc.StatusCode.INVALID_ARGUMENT,
        api.accounts.ListAccounts,
        accounts_pb2.ListAccountsRequest(page=pagination_pb2.PageRequest(page_size=501)),
    )
