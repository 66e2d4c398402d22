"""DealService over gRPC: field masks, stage moves, probability override, close won / lost,
read-only when closed, reopen rules, board, transfer, and bad input with codes and messages."""

import grpc
import pytest
from deals_testkit import T0
from google.protobuf import field_mask_pb2

from crm.common.v1 import money_pb2
from crm.deals.v1 import accounts_pb2, activities_pb2, billing_pb2, deals_pb2, resources_pb2

FAILED_PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION
INVALID_ARGUMENT = grpc.StatusCode.INVALID_ARGUMENT
PERMISSION_DENIED = grpc.StatusCode.PERMISSION_DENIED
TODAY = T0.date().isoformat()


def eur(amount: str) -> money_pb2.Money:
    return money_pb2.Money(amount=amount, currency="EUR")


@pytest.fixture
def account(api):
    return api.call(
        api.accounts.CreateAccount,
        accounts_pb2.CreateAccountRequest(team_id="team-a", name="Acme GmbH"),
    )


@pytest.fixture
def deal(api, account):
    return api.call(
        api.deals.CreateDeal,
        deals_pb2.CreateDealRequest(
            name="Acme rollout",
            account_id=account.id,
            sales_line_id="line-1",
            currency="EUR",
            estimated_revenue=eur("1000.00"),
            estimated_close_date="2026-06-30",
        ),
    )


def move(api, deal_id, stage, user="alice"):
    return api.call(
        api.deals.MoveDealToStage,
        deals_pb2.MoveDealToStageRequest(id=deal_id, stage_key=stage),
        user,
    )


def won(api, deal_id, user="alice"):
    return api.call(
        api.deals.CloseDealWon,
        deals_pb2.CloseDealWonRequest(
            id=deal_id, actual_revenue=eur("900.00"), actual_close_date=TODAY
        ),
        user,
    )


def test_create_answers_the_full_snapshot(api, deal):
    assert (deal.stage_key, deal.stage_name, deal.status) == (
        "qualify",
        "Qualify",
        resources_pb2.DEAL_STATUS_OPEN,
    )
    assert (deal.probability, deal.probability_overridden) == (10, False)
    assert deal.estimated_revenue == eur("1000.00")
    assert (deal.owner_user_id, deal.team_id, deal.version) == ("alice", "team-a", 1)
    assert api.call(api.deals.GetDeal, deals_pb2.GetDealRequest(id=deal.id), "bob") == deal


def test_update_changes_exactly_the_masked_fields(api, deal):
    updated = api.call(
        api.deals.UpdateDeal,
        deals_pb2.UpdateDealRequest(
            id=deal.id,
            deal=resources_pb2.Opportunity(
                name="Acme EU rollout", campaign_id="c-9", estimated_close_date="2026-07-15"
            ),
            update_mask=field_mask_pb2.FieldMask(paths=["name", "estimated_close_date"]),
        ),
    )
    assert (updated.name, updated.estimated_close_date, updated.campaign_id) == (
        "Acme EU rollout",
        "2026-07-15",
        "",
    )
    assert "someone changed it meanwhile" in api.refused(
        FAILED_PRECONDITION,
        api.deals.UpdateDeal,
        deals_pb2.UpdateDealRequest(
            id=deal.id,
            deal=resources_pb2.Opportunity(name="late"),
            expected_version=1,
            update_mask=field_mask_pb2.FieldMask(paths=["name"]),
        ),
    )
    assert "update_mask is empty" in api.refused(
        INVALID_ARGUMENT,
        api.deals.UpdateDeal,
        deals_pb2.UpdateDealRequest(id=deal.id, deal=resources_pb2.Opportunity(name="x")),
    )
    assert "field(s) owner_user_id cannot be changed here" in api.refused(
        INVALID_ARGUMENT,
        api.deals.UpdateDeal,
        deals_pb2.UpdateDealRequest(
            id=deal.id,
            deal=resources_pb2.Opportunity(owner_user_id="bob"),
            update_mask=field_mask_pb2.FieldMask(paths=["owner_user_id"]),
        ),
    )
    assert "must be a date YYYY-MM-DD" in api.refused(
        INVALID_ARGUMENT,
        api.deals.UpdateDeal,
        deals_pb2.UpdateDealRequest(
            id=deal.id,
            deal=resources_pb2.Opportunity(estimated_close_date="30.06.2026"),
            update_mask=field_mask_pb2.FieldMask(paths=["estimated_close_date"]),
        ),
    )


def test_a_teammate_may_not_edit_but_a_supervisor_may(api, deal):
    assert "only the owner or a supervisor" in api.refused(
        PERMISSION_DENIED,
        api.deals.MoveDealToStage,
        deals_pb2.MoveDealToStageRequest(id=deal.id, stage_key="propose"),
        "bob",
    )
    assert move(api, deal.id, "propose", "sam").stage_key == "propose"


def test_probability_override_survives_stage_moves_until_cleared(api, deal):
    set_ = api.call(
        api.deals.SetDealProbability,
        deals_pb2.SetDealProbabilityRequest(id=deal.id, probability=55),
    )
    assert (set_.probability, set_.probability_overridden) == (55, True)
    moved = move(api, deal.id, "negotiate")
    assert (moved.stage_key, moved.probability, moved.probability_overridden) == (
        "negotiate",
        55,
        True,
    )
    cleared = api.call(
        api.deals.SetDealProbability, deals_pb2.SetDealProbabilityRequest(id=deal.id)
    )
    assert (cleared.probability, cleared.probability_overridden) == (70, False)
    api.refused(
        INVALID_ARGUMENT,
        api.deals.SetDealProbability,
        deals_pb2.SetDealProbabilityRequest(id=deal.id, probability=101),
    )
    assert "stage" in api.refused(
        INVALID_ARGUMENT,
        api.deals.MoveDealToStage,
        deals_pb2.MoveDealToStageRequest(id=deal.id, stage_key="nope"),
    )


def test_close_won_needs_revenue_and_date_then_the_deal_is_read_only(api, deal):
    assert "actual_revenue is required" in api.refused(
        INVALID_ARGUMENT,
        api.deals.CloseDealWon,
        deals_pb2.CloseDealWonRequest(id=deal.id, actual_close_date=TODAY),
    )
    assert "actual_close_date is required" in api.refused(
        INVALID_ARGUMENT,
        api.deals.CloseDealWon,
        deals_pb2.CloseDealWonRequest(id=deal.id, actual_revenue=eur("900.00")),
    )
    assert "actual_revenue.amount '9e2' is not a plain decimal number" in api.refused(
        INVALID_ARGUMENT,
        api.deals.CloseDealWon,
        deals_pb2.CloseDealWonRequest(
            id=deal.id, actual_revenue=eur("9e2"), actual_close_date=TODAY
        ),
    )
    closed = won(api, deal.id)
    assert (closed.status, closed.probability, closed.actual_revenue) == (
        resources_pb2.DEAL_STATUS_WON,
        100,
        eur("900.00"),
    )
    assert closed.forecast_category == resources_pb2.FORECAST_CATEGORY_CLOSED
    account = api.call(api.accounts.GetAccount, accounts_pb2.GetAccountRequest(id=deal.account_id))
    assert account.relationship == resources_pb2.RELATIONSHIP_CUSTOMER
    for method, request in [
        (
            api.deals.MoveDealToStage,
            deals_pb2.MoveDealToStageRequest(id=deal.id, stage_key="propose"),
        ),
        (
            api.deals.SetDealProbability,
            deals_pb2.SetDealProbabilityRequest(id=deal.id, probability=5),
        ),
        (
            api.deals.UpdateDeal,
            deals_pb2.UpdateDealRequest(
                id=deal.id,
                deal=resources_pb2.Opportunity(name="x"),
                update_mask=field_mask_pb2.FieldMask(paths=["name"]),
            ),
        ),
        (api.deals.CloseDealLost, deals_pb2.CloseDealLostRequest(id=deal.id, reason="price")),
    ]:
        assert "is won and read-only" in api.refused(FAILED_PRECONDITION, method, request)
    # Logging a note on a closed deal is not an edit of the deal.
    note = api.call(
        api.activities.LogActivity,
        activities_pb2.LogActivityRequest(
            target=resources_pb2.RecordRef(type="opportunity", id=deal.id),
            kind=resources_pb2.ACTIVITY_KIND_NOTE,
            subject="signed",
        ),
    )
    assert note.logged_by == "alice"


def test_close_lost_needs_a_listed_reason_and_the_competitor(api, deal):
    reasons = api.call(api.deals.ListLostReasons, deals_pb2.ListLostReasonsRequest()).reasons
    assert "competitor" in [r.key for r in reasons]
    assert "lost reason must be one of" in api.refused(
        INVALID_ARGUMENT,
        api.deals.CloseDealLost,
        deals_pb2.CloseDealLostRequest(id=deal.id, reason="bad luck"),
    )
    assert "name the competitor" in api.refused(
        INVALID_ARGUMENT,
        api.deals.CloseDealLost,
        deals_pb2.CloseDealLostRequest(id=deal.id, reason="competitor"),
    )
    lost = api.call(
        api.deals.CloseDealLost,
        deals_pb2.CloseDealLostRequest(
            id=deal.id, reason="competitor", competitor="Globex", note="cheaper"
        ),
    )
    assert (lost.status, lost.lost_competitor, lost.probability, lost.actual_close_date) == (
        resources_pb2.DEAL_STATUS_LOST,
        "Globex",
        0,
        TODAY,
    )


def test_reopen_by_the_owner_or_a_manager_above_is_audited(api, deal):
    won(api, deal.id)
    for user in ("bob", "sam", "max"):
        code = PERMISSION_DENIED if user != "max" else grpc.StatusCode.NOT_FOUND
        api.refused(
            code,
            api.deals.ReopenDeal,
            deals_pb2.ReopenDealRequest(id=deal.id, reason="mistake"),
            user,
        )
    api.refused(
        INVALID_ARGUMENT,
        api.deals.ReopenDeal,
        deals_pb2.ReopenDealRequest(id=deal.id, reason=" "),
        "mia",
    )
    reopened = api.call(
        api.deals.ReopenDeal,
        deals_pb2.ReopenDealRequest(id=deal.id, reason="customer came back"),
        "mia",
    )
    assert (reopened.status, reopened.probability) == (resources_pb2.DEAL_STATUS_OPEN, 10)
    won(api, deal.id)
    assert (
        api.call(
            api.deals.ReopenDeal, deals_pb2.ReopenDealRequest(id=deal.id, reason="typo in revenue")
        ).status
        == resources_pb2.DEAL_STATUS_OPEN
    )
    history = api.call(
        api.deals.GetHistory,
        deals_pb2.GetHistoryRequest(record=resources_pb2.RecordRef(type="opportunity", id=deal.id)),
        "bob",
    ).entries
    reopens = [(e.actor.id, e.note) for e in history if e.action == "reopened"]
    assert reopens == [("mia", "customer came back"), ("alice", "typo in revenue")]
    assert [e.version for e in history] == sorted(e.version for e in history)


def test_board_shows_open_deals_per_stage_with_exact_sums(api, account, deal):
    second = api.call(
        api.deals.CreateDeal,
        deals_pb2.CreateDealRequest(
            name="Acme add-on",
            account_id=account.id,
            sales_line_id="line-1",
            currency="EUR",
            estimated_revenue=eur("0.10"),
            stage_key="qualify",
        ),
    )
    third = api.call(
        api.deals.CreateDeal,
        deals_pb2.CreateDealRequest(
            name="Acme support", account_id=account.id, sales_line_id="line-1", currency="EUR"
        ),
    )
    move(api, third.id, "propose")
    board = api.call(api.deals.GetBoard, deals_pb2.GetBoardRequest(sales_line_id="line-1"))
    columns = {c.stage.key: c for c in board.columns}
    assert [c.stage.key for c in board.columns] == ["qualify", "propose", "negotiate"]
    assert sorted(d.id for d in columns["qualify"].deals) == sorted([deal.id, second.id])
    assert list(columns["qualify"].totals) == [eur("1000.10")]
    assert list(columns["qualify"].weighted_totals) == [eur("100.01")]
    assert [d.id for d in columns["propose"].deals] == [third.id]
    assert list(columns["propose"].totals) == [] and not board.truncated
    assert "has no pipeline yet" in api.refused(
        FAILED_PRECONDITION, api.deals.GetBoard, deals_pb2.GetBoardRequest(sales_line_id="x")
    )


def test_transfer_needs_a_manager_and_moves_visibility(api, deal):
    request = deals_pb2.TransferDealRequest(id=deal.id, to_team_id="team-b", reason="region change")
    assert "only a manager of the source team's units" in api.refused(
        PERMISSION_DENIED, api.deals.TransferDeal, request, "sam"
    )
    assert "reason is required" in api.refused(
        INVALID_ARGUMENT,
        api.deals.TransferDeal,
        deals_pb2.TransferDealRequest(id=deal.id, to_team_id="team-b"),
        "mia",
    )
    assert "deal_id is required" in api.refused(
        INVALID_ARGUMENT,
        api.deals.TransferDeal,
        deals_pb2.TransferDealRequest(to_team_id="team-b", reason="r"),
        "mia",
    )
    done = api.call(api.deals.TransferDeal, request, "mia")
    # mia manages only the unit above team A: the answer says it was done, without the deal.
    assert done == resources_pb2.Opportunity(id=deal.id, team_id="team-b", withheld=True)
    moved = api.call(api.deals.GetDeal, deals_pb2.GetDealRequest(id=deal.id), "tom")
    assert (moved.team_id, moved.owner_user_id) in {("team-b", "tom"), ("team-b", "max")}
    assert not moved.withheld
    api.refused(
        grpc.StatusCode.NOT_FOUND, api.deals.GetDeal, deals_pb2.GetDealRequest(id=deal.id), "alice"
    )
    history = api.call(
        api.deals.GetHistory,
        deals_pb2.GetHistoryRequest(record=resources_pb2.RecordRef(type="opportunity", id=deal.id)),
        "tom",
    ).entries
    assert history[0].action == "created" and history[-1].action == "transferred"
    back = api.call(
        api.deals.TransferDeal,
        deals_pb2.TransferDealRequest(
            id=deal.id, to_team_id="team-a", reason="back", new_owner_user_id="alice"
        ),
        "max",
    )
    assert back.withheld and back.name == "" and back.owner_user_id == ""


def test_the_management_department_cannot_transfer_a_deal_it_does_not_see(api, deal):
    request = deals_pb2.TransferDealRequest(
        id=deal.id, to_team_id="team-b", reason="reorg", new_owner_user_id="tom"
    )
    foreign = api.refused(grpc.StatusCode.NOT_FOUND, api.deals.TransferDeal, request, "boss")
    request.id = "0" * 32
    unknown = api.refused(grpc.StatusCode.NOT_FOUND, api.deals.TransferDeal, request, "boss")
    assert foreign.replace(deal.id, "X") == unknown.replace("0" * 32, "X")
    assert api.call(api.deals.GetDeal, deals_pb2.GetDealRequest(id=deal.id)).team_id == "team-a"


def test_bad_create_input_names_the_field(api, account):
    def create(**fields):
        fields = {
            "name": "D",
            "account_id": account.id,
            "sales_line_id": "line-1",
            "currency": "EUR",
            **fields,
        }
        return api.refused(
            INVALID_ARGUMENT, api.deals.CreateDeal, deals_pb2.CreateDealRequest(**fields)
        )

    assert "currency" in create(currency="EURO")
    assert "must be a date YYYY-MM-DD" in create(estimated_close_date="tomorrow")
    assert "more than 2 decimal places" in create(estimated_revenue=eur("1.001"))
    assert "is not a member of team" in create(owner_user_id="tom")
    assert "has no pipeline yet" in api.refused(
        FAILED_PRECONDITION,
        api.deals.CreateDeal,
        deals_pb2.CreateDealRequest(
            name="D", account_id=account.id, sales_line_id="line-x", currency="EUR"
        ),
    )


def test_revenue_from_priced_lines_and_typed_revenue_exclude_each_other(api, deal):
    priced = api.call(
        api.deals.SetDealLines,
        deals_pb2.SetDealLinesRequest(
            id=deal.id,
            lines=[
                deals_pb2.LineInput(product_id="p-widget", quantity="3"),
                deals_pb2.LineInput(product_id="p-thing", quantity="0.5"),
            ],
        ),
    )
    assert priced.estimated_revenue == eur("60.02")
    assert priced.revenue_source == resources_pb2.REVENUE_SOURCE_LINES
    assert [line.line_total.amount for line in priced.lines] == ["59.97", "0.05"]
    assert "clear the lines" in api.refused(
        FAILED_PRECONDITION,
        api.deals.SetDealRevenue,
        deals_pb2.SetDealRevenueRequest(id=deal.id, estimated_revenue=eur("5.00")),
    )
    assert "lines[0].quantity" in api.refused(
        INVALID_ARGUMENT,
        api.deals.SetDealLines,
        deals_pb2.SetDealLinesRequest(
            id=deal.id, lines=[deals_pb2.LineInput(product_id="p-widget", quantity="lots")]
        ),
    )
    # Quantities follow the platform's decimal rule: plain digits, no exponent.
    assert "lines[0].quantity '1e3' is not a plain decimal number" in api.refused(
        INVALID_ARGUMENT,
        api.deals.SetDealLines,
        deals_pb2.SetDealLinesRequest(
            id=deal.id, lines=[deals_pb2.LineInput(product_id="p-widget", quantity="1e3")]
        ),
    )
    assert "product 'nope' not found" in api.refused(
        INVALID_ARGUMENT,
        api.deals.SetDealLines,
        deals_pb2.SetDealLinesRequest(
            id=deal.id, lines=[deals_pb2.LineInput(product_id="nope", quantity="1")]
        ),
    )
    api.world.pricing.broken_total = True
    assert "not the sum of its lines" in api.refused(
        grpc.StatusCode.UNAVAILABLE,
        api.deals.SetDealLines,
        deals_pb2.SetDealLinesRequest(
            id=deal.id, lines=[deals_pb2.LineInput(product_id="p-widget", quantity="1")]
        ),
    )


def test_a_supervisor_reassigns_an_open_deal_to_a_teammate(api, deal):
    assert "only a supervisor of the team" in api.refused(
        PERMISSION_DENIED,
        api.deals.ReassignDeal,
        deals_pb2.ReassignDealRequest(id=deal.id, owner_user_id="bob"),
        "alice",
    )
    assert "is not a member of team" in api.refused(
        INVALID_ARGUMENT,
        api.deals.ReassignDeal,
        deals_pb2.ReassignDealRequest(id=deal.id, owner_user_id="tom"),
        "sam",
    )
    moved = api.call(
        api.deals.ReassignDeal,
        deals_pb2.ReassignDealRequest(id=deal.id, owner_user_id="bob", reason="holiday cover"),
        "sam",
    )
    assert (moved.owner_user_id, moved.version) == ("bob", 2)
    event = api.world.uow.events("deal_updated")[-1]
    assert (list(event.changed_fields), event.reason) == (["owner_user_id"], "holiday cover")


def test_an_empty_id_is_bad_input_not_an_unknown_record(api):
    for method, request, field in (
        (api.deals.GetDeal, deals_pb2.GetDealRequest(id=" "), "deal_id"),
        (api.deals.CloseDealLost, deals_pb2.CloseDealLostRequest(reason="price"), "deal_id"),
        (api.accounts.GetAccount, accounts_pb2.GetAccountRequest(), "account_id"),
        (api.quotes.GetQuote, billing_pb2.GetQuoteRequest(), "quote_id"),
        (api.invoices.GetInvoice, billing_pb2.GetInvoiceRequest(), "invoice_id"),
    ):
        assert api.refused(INVALID_ARGUMENT, method, request).startswith(f"{field} is required")
