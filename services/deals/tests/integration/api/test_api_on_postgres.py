"""The deals gRPC API on PostgreSQL with the scope replica: visibility and revocation, closed
deals, automations written in the stage move's transaction, quotes to gap-free invoices,
optimistic concurrency, transfers and paging."""

import datetime as dt
import uuid

import grpc
import pytest
from google.protobuf import field_mask_pb2
from sqlalchemy import text

from crm.common.v1 import money_pb2, pagination_pb2
from crm.deals.v1 import (
    accounts_pb2,
    billing_pb2,
    deals_pb2,
    payments_pb2,
    pipelines_pb2,
    resources_pb2,
)

pytestmark = pytest.mark.integration

NOT_FOUND = grpc.StatusCode.NOT_FOUND
STAGES = [
    resources_pb2.Stage(
        key="qualify",
        name="Qualify",
        default_probability=10,
        forecast_category=resources_pb2.FORECAST_CATEGORY_PIPELINE,
    ),
    resources_pb2.Stage(
        key="propose",
        name="Propose",
        default_probability=40,
        forecast_category=resources_pb2.FORECAST_CATEGORY_BEST_CASE,
    ),
    resources_pb2.Stage(
        key="negotiate",
        name="Negotiate",
        default_probability=70,
        forecast_category=resources_pb2.FORECAST_CATEGORY_COMMIT,
    ),
]


def eur(amount: str) -> money_pb2.Money:
    return money_pb2.Money(amount=amount, currency="EUR")


def today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


@pytest.fixture(scope="module")
def pipeline(pg_api):
    return pg_api.call(
        pg_api.pipelines.CreatePipeline,
        pipelines_pb2.CreatePipelineRequest(
            sales_line_id="line-1", name="Enterprise", stages=STAGES
        ),
        "root",
    )


@pytest.fixture
def deal(pg_api, pipeline):
    account = pg_api.call(
        pg_api.accounts.CreateAccount,
        accounts_pb2.CreateAccountRequest(team_id="team-a", name=f"Acme {uuid.uuid4().hex[:6]}"),
    )
    return pg_api.call(
        pg_api.deals.CreateDeal,
        deals_pb2.CreateDealRequest(
            name="Acme rollout",
            account_id=account.id,
            sales_line_id="line-1",
            currency="EUR",
            estimated_revenue=eur("1200.00"),
        ),
    )


def outbox(engine, aggregate_id: str) -> list[tuple[str, int]]:
    with engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                text(
                    "SELECT event_type, aggregate_version FROM outbox WHERE aggregate_id = :id "
                    "ORDER BY id"
                ),
                {"id": aggregate_id},
            )
        ]


@pytest.mark.parametrize(
    "user,sees",
    [
        ("alice", True),
        ("bob", True),
        ("sam", True),
        ("mia", True),
        ("tom", False),
        ("max", False),
        ("root", False),
        ("boss", False),
    ],
)
def test_visibility_comes_from_the_replica(pg_api, deal, user, sees):
    request = deals_pb2.GetDealRequest(id=deal.id)
    listed = pg_api.call(pg_api.deals.ListDeals, deals_pb2.ListDealsRequest(), user).deals
    if sees:
        assert pg_api.call(pg_api.deals.GetDeal, request, user) == deal
        assert deal.id in [d.id for d in listed]
        return
    foreign = pg_api.refused(NOT_FOUND, pg_api.deals.GetDeal, request, user)
    unknown = pg_api.refused(
        NOT_FOUND, pg_api.deals.GetDeal, deals_pb2.GetDealRequest(id=uuid.uuid4().hex), user
    )
    assert foreign.split("'")[0] == unknown.split("'")[0] == "deal "
    assert listed == []


def test_a_revoked_member_is_refused_at_the_next_read(pg_api, scopes, deal):
    request = deals_pb2.GetDealRequest(id=deal.id)
    assert pg_api.call(pg_api.deals.GetDeal, request, "bob").id == deal.id
    scopes.publish("bob", [])
    try:
        pg_api.refused(NOT_FOUND, pg_api.deals.GetDeal, request, "bob")
    finally:
        scopes.restore("bob")
    assert pg_api.call(pg_api.deals.GetDeal, request, "bob").id == deal.id


def test_a_closed_deal_is_read_only_until_reopened_by_a_manager_above(pg_api, engine, deal):
    won = pg_api.call(
        pg_api.deals.CloseDealWon,
        deals_pb2.CloseDealWonRequest(
            id=deal.id, actual_revenue=eur("1100.00"), actual_close_date=today()
        ),
    )
    assert (won.status, won.probability) == (resources_pb2.DEAL_STATUS_WON, 100)
    assert "is won and read-only" in pg_api.refused(
        grpc.StatusCode.FAILED_PRECONDITION,
        pg_api.deals.UpdateDeal,
        deals_pb2.UpdateDealRequest(
            id=deal.id,
            deal=resources_pb2.Opportunity(name="x"),
            update_mask=field_mask_pb2.FieldMask(paths=["name"]),
        ),
    )
    pg_api.refused(
        grpc.StatusCode.PERMISSION_DENIED,
        pg_api.deals.ReopenDeal,
        deals_pb2.ReopenDealRequest(id=deal.id, reason="oops"),
        "sam",
    )
    reopened = pg_api.call(
        pg_api.deals.ReopenDeal,
        deals_pb2.ReopenDealRequest(id=deal.id, reason="signature withdrawn"),
        "mia",
    )
    assert (reopened.status, reopened.actual_revenue.amount) == (resources_pb2.DEAL_STATUS_OPEN, "")
    history = pg_api.call(
        pg_api.deals.GetHistory,
        deals_pb2.GetHistoryRequest(record=resources_pb2.RecordRef(type="opportunity", id=deal.id)),
        "bob",
    ).entries
    assert [(e.action, e.actor.id) for e in history] == [
        ("created", "alice"),
        ("won", "alice"),
        ("reopened", "mia"),
    ]
    assert history[-1].note == "signature withdrawn"
    assert [t for t, _ in outbox(engine, deal.id)] == ["deal_created", "deal_won", "deal_reopened"]
    account = pg_api.call(
        pg_api.accounts.GetAccount, accounts_pb2.GetAccountRequest(id=deal.account_id)
    )
    assert account.relationship == resources_pb2.RELATIONSHIP_CUSTOMER


def test_a_stage_rule_is_written_in_the_same_transaction_as_the_move(
    pg_api, engine, pipeline, deal
):
    pg_api.call(
        pg_api.automations.CreateAutomationRule,
        pipelines_pb2.CreateAutomationRuleRequest(
            pipeline_id=pipeline.id,
            rule=resources_pb2.AutomationRule(
                name=f"negotiation {deal.id[:6]}",
                trigger=resources_pb2.AUTOMATION_TRIGGER_STAGE_ENTERED,
                stage_key="negotiate",
                team_ids=["team-a"],
                actions=[
                    resources_pb2.AutomationAction(
                        kind=resources_pb2.AUTOMATION_ACTION_KIND_EMAIL,
                        recipients=["owner"],
                        subject="{{ deal.name }}: {{ deal.amount }}",
                        body="b",
                    )
                ],
            ),
        ),
        "mia",
    )
    moved = pg_api.call(
        pg_api.deals.MoveDealToStage,
        deals_pb2.MoveDealToStageRequest(
            id=deal.id, stage_key="negotiate", expected_version=deal.version
        ),
    )
    assert (moved.stage_key, moved.probability, moved.version) == ("negotiate", 70, 2)
    assert outbox(engine, deal.id)[-2:] == [
        ("deal_stage_changed", 2),
        ("automation_email_requested", 2),
    ]
    before = outbox(engine, deal.id)
    assert "not 1" in pg_api.refused(
        grpc.StatusCode.FAILED_PRECONDITION,
        pg_api.deals.MoveDealToStage,
        deals_pb2.MoveDealToStageRequest(id=deal.id, stage_key="propose", expected_version=1),
    )
    assert outbox(engine, deal.id) == before  # a refused move writes nothing


def test_quote_revisions_to_an_order_and_gap_free_invoice_numbers(pg_api, deal):
    quote = pg_api.call(
        pg_api.quotes.CreateQuote, billing_pb2.CreateQuoteRequest(opportunity_id=deal.id)
    )
    lines = [deals_pb2.LineInput(product_id="p-gadget", quantity="2")]
    pg_api.call(
        pg_api.quotes.PriceQuoteLines, billing_pb2.PriceQuoteLinesRequest(id=quote.id, lines=lines)
    )
    pg_api.call(pg_api.quotes.ActivateQuote, billing_pb2.ActivateQuoteRequest(id=quote.id))
    revision = pg_api.call(pg_api.quotes.ReviseQuote, billing_pb2.ReviseQuoteRequest(id=quote.id))
    lines.append(deals_pb2.LineInput(product_id="p-widget", quantity="1.5"))
    priced = pg_api.call(
        pg_api.quotes.PriceQuoteLines,
        billing_pb2.PriceQuoteLinesRequest(id=revision.id, lines=lines),
    )
    assert (priced.revision, priced.total) == (2, eur("504.99"))  # 2 x 237.50 + 29.99
    pg_api.call(pg_api.quotes.ActivateQuote, billing_pb2.ActivateQuoteRequest(id=revision.id))
    pg_api.call(pg_api.quotes.AcceptQuote, billing_pb2.AcceptQuoteRequest(id=revision.id))
    listed = pg_api.call(
        pg_api.quotes.ListQuotes, billing_pb2.ListQuotesRequest(opportunity_id=deal.id)
    ).quotes
    assert [(q.revision, q.status) for q in listed] == [
        (1, resources_pb2.QUOTE_STATUS_CLOSED),
        (2, resources_pb2.QUOTE_STATUS_WON),
    ]
    order = pg_api.call(
        pg_api.orders.CreateOrder, billing_pb2.CreateOrderRequest(quote_id=revision.id)
    )
    numbers = []
    for _ in range(2):
        draft = pg_api.call(
            pg_api.invoices.CreateInvoice,
            billing_pb2.CreateInvoiceRequest(order_id=order.id),
            "sam",
        )
        issued = pg_api.call(
            pg_api.invoices.IssueInvoice, billing_pb2.IssueInvoiceRequest(id=draft.id), "sam"
        )
        numbers.append(issued.number)
        pg_api.call(
            pg_api.invoices.CancelInvoice,
            billing_pb2.CancelInvoiceRequest(id=draft.id, reason="redo"),
            "sam",
        )
    year = dt.datetime.now(dt.UTC).year
    assert numbers == [f"INV-{year}-000001", f"INV-{year}-000002"]
    listing = payments_pb2.ListDealDocumentsRequest(opportunity_id=deal.id)
    found = pg_api.call(pg_api.invoicing.ListDealDocuments, listing, "bob")
    assert [o.id for o in found.orders] == [order.id]
    assert [(i.number, i.status) for i in found.invoices] == [
        (number, resources_pb2.INVOICE_STATUS_CANCELLED) for number in numbers
    ]
    pg_api.refused(grpc.StatusCode.NOT_FOUND, pg_api.invoicing.ListDealDocuments, listing, "tom")


def test_two_people_editing_one_version_do_not_overwrite_each_other(pg_api, deal):
    def rename(name, user):
        return deals_pb2.UpdateDealRequest(
            id=deal.id,
            deal=resources_pb2.Opportunity(name=name),
            expected_version=deal.version,
            update_mask=field_mask_pb2.FieldMask(paths=["name"]),
        )

    assert pg_api.call(pg_api.deals.UpdateDeal, rename("first", "alice")).name == "first"
    assert "someone changed it meanwhile" in pg_api.refused(
        grpc.StatusCode.FAILED_PRECONDITION, pg_api.deals.UpdateDeal, rename("second", "sam"), "sam"
    )
    assert pg_api.call(pg_api.deals.GetDeal, deals_pb2.GetDealRequest(id=deal.id)).name == "first"


def test_a_transfer_moves_the_deal_and_its_history_to_the_other_team(pg_api, deal):
    pg_api.refused(
        grpc.StatusCode.PERMISSION_DENIED,
        pg_api.deals.TransferDeal,
        deals_pb2.TransferDealRequest(id=deal.id, to_team_id="team-b", reason="region"),
        "sam",
    )
    # The management department in no team does not see the deal: unknown, nothing moves.
    assert (
        pg_api.refused(
            NOT_FOUND,
            pg_api.deals.TransferDeal,
            deals_pb2.TransferDealRequest(id=deal.id, to_team_id="team-b", reason="region"),
            "boss",
        )
        == f"deal {deal.id!r} not found"
    )
    done = pg_api.call(
        pg_api.deals.TransferDeal,
        deals_pb2.TransferDealRequest(
            id=deal.id, to_team_id="team-b", reason="region", new_owner_user_id="tom"
        ),
        "mia",
    )
    # mia manages only the unit above team A: told it was done, not shown the deal.
    assert done == resources_pb2.Opportunity(id=deal.id, team_id="team-b", withheld=True)
    moved = pg_api.call(pg_api.deals.GetDeal, deals_pb2.GetDealRequest(id=deal.id), "tom")
    assert (moved.team_id, moved.owner_user_id) == ("team-b", "tom")
    pg_api.refused(NOT_FOUND, pg_api.deals.GetDeal, deals_pb2.GetDealRequest(id=deal.id))
    history = pg_api.call(
        pg_api.deals.GetHistory,
        deals_pb2.GetHistoryRequest(record=resources_pb2.RecordRef(type="opportunity", id=deal.id)),
        "tom",
    ).entries
    assert [e.action for e in history] == ["created", "transferred"]
    account = pg_api.call(
        pg_api.accounts.GetAccount, accounts_pb2.GetAccountRequest(id=deal.account_id), "tom"
    )
    assert account.team_id == "team-b"  # no other deal of team A used it


def test_lists_page_with_opaque_cursors(pg_api, pipeline):
    account = pg_api.call(
        pg_api.accounts.CreateAccount,
        accounts_pb2.CreateAccountRequest(team_id="team-a", name="Paged"),
    )
    created = [
        pg_api.call(
            pg_api.deals.CreateDeal,
            deals_pb2.CreateDealRequest(
                name=f"paged {i}", account_id=account.id, sales_line_id="line-1", currency="EUR"
            ),
        ).id
        for i in range(3)
    ]
    seen, cursor = [], ""
    while True:
        response = pg_api.call(
            pg_api.deals.ListDeals,
            deals_pb2.ListDealsRequest(
                account_id=account.id, page=pagination_pb2.PageRequest(page_size=2, cursor=cursor)
            ),
        )
        seen += [d.id for d in response.deals]
        cursor = response.page.next_cursor
        if not cursor:
            break
    assert seen == created


def test_the_board_of_a_line_sums_exactly_per_stage(pg_api):
    pg_api.call(
        pg_api.pipelines.CreatePipeline,
        pipelines_pb2.CreatePipelineRequest(
            sales_line_id="line-board", name="Board", stages=STAGES
        ),
        "root",
    )
    account = pg_api.call(
        pg_api.accounts.CreateAccount,
        accounts_pb2.CreateAccountRequest(team_id="team-a", name="Board GmbH"),
    )
    for name, amount, stage in (
        ("a", "0.10", "qualify"),
        ("b", "0.20", "qualify"),
        ("c", "99.99", "negotiate"),
    ):
        pg_api.call(
            pg_api.deals.CreateDeal,
            deals_pb2.CreateDealRequest(
                name=name,
                account_id=account.id,
                sales_line_id="line-board",
                currency="EUR",
                estimated_revenue=eur(amount),
                stage_key=stage,
            ),
        )
    board = pg_api.call(
        pg_api.deals.GetBoard, deals_pb2.GetBoardRequest(sales_line_id="line-board"), "mia"
    )
    columns = {c.stage.key: c for c in board.columns}
    assert [d.name for d in columns["qualify"].deals] == ["a", "b"]
    assert list(columns["qualify"].totals) == [eur("0.30")]
    assert list(columns["qualify"].weighted_totals) == [eur("0.03")]
    assert list(columns["negotiate"].weighted_totals) == [eur("69.99")]  # 70 % of 99.99
    empty = pg_api.call(
        pg_api.deals.GetBoard, deals_pb2.GetBoardRequest(sales_line_id="line-board"), "tom"
    )
    assert [len(c.deals) for c in empty.columns] == [0, 0, 0]
