"""crmctl accounts|contacts|deals|activities|pipelines|automations|quotes|orders|invoices against
a recording fake of every deals service (conftest.py, on a real gRPC server): what crmctl sends
(names and e-mails resolved to ids, amounts with the record's currency, product lines, record
references, field masks), what it prints, and that deals' refusals reach the person verbatim.
deals' own behaviour is tested with deals."""

from __future__ import annotations

import json

import grpc
import pytest

from crm.catalog.v1 import products_pb2
from crm.common.v1 import actor_pb2, money_pb2
from crm.deals.v1 import (
    accounts_pb2,
    activities_pb2,
    customer_emails_pb2,
    deals_pb2,
    notifications_pb2,
    pipelines_pb2,
    resources_pb2,
    tasks_pb2,
)
from crm.territory.v1 import sales_lines_pb2, teams_pb2, territories_pb2

LINES = {"line-1": "Enterprise", "line-2": "SMB", "line-3": "Public sector"}
DEAL = "d" * 32


def eur(amount: str) -> money_pb2.Money:
    return money_pb2.Money(amount=amount, currency="EUR")


def catalog_skus(serve_fake) -> str:
    """catalog's ProductService.GetProduct knowing one SKU (GADGET = product p-gadget)."""

    def get_product(request, context):
        if request.sku == "GADGET":
            return products_pb2.GetProductResponse(
                product=products_pb2.Product(id="p-gadget", sku="GADGET")
            )
        context.abort(grpc.StatusCode.NOT_FOUND, "no such product")

    return serve_fake(
        [
            grpc.method_handlers_generic_handler(
                "crm.catalog.v1.ProductService",
                {
                    "GetProduct": grpc.unary_unary_rpc_method_handler(
                        get_product,
                        request_deserializer=products_pb2.GetProductRequest.FromString,
                        response_serializer=products_pb2.GetProductResponse.SerializeToString,
                    )
                },
            )
        ]
    )


@pytest.fixture
def cli(logged_in, deals, territory, serve_fake, monkeypatch):
    monkeypatch.setenv("CRM_CATALOG_ADDRESS", catalog_skus(serve_fake))
    # territory names the sales lines and teams: crmctl takes a line's or team's id or name.
    territory.replies["ListSalesLines"] = sales_lines_pb2.ListSalesLinesResponse(
        sales_lines=[sales_lines_pb2.SalesLine(id=i, name=n, active=True) for i, n in LINES.items()]
    )
    territory.replies["GetSalesLine"] = lambda request: sales_lines_pb2.GetSalesLineResponse(
        sales_line=sales_lines_pb2.SalesLine(id=request.id, name=LINES.get(request.id, ""))
    )
    territory.replies["ListTeams"] = teams_pb2.ListTeamsResponse(
        teams=[
            teams_pb2.Team(id=i, name=i.replace("team-", "Team ").upper(), active=True)
            for i in ("team-a", "team-b")
        ]
    )
    territory.replies["GetTeam"] = lambda request: teams_pb2.GetTeamResponse(
        team=teams_pb2.Team(id=request.id, name=request.id.replace("team-", "Team ").upper())
    )
    monkeypatch.setenv("CRM_TERRITORY_ADDRESS", territory.address)
    return logged_in


def ok_json(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def an_opportunity(**fields) -> resources_pb2.Opportunity:
    deal = resources_pb2.Opportunity(
        id=DEAL,
        name="Acme rollout",
        team_id="team-a",
        account_id="a-1",
        sales_line_id="line-1",
        stage_key="qualify",
        stage_name="Qualify",
        status=resources_pb2.DEAL_STATUS_OPEN,
        probability=10,
        currency="EUR",
        estimated_revenue=eur("1200.00"),
        owner_user_id="alice",
        version=1,
    )
    for name, value in fields.items():
        field = getattr(deal, name, None)
        if hasattr(field, "CopyFrom"):
            field.CopyFrom(value)
        else:
            setattr(deal, name, value)
    return deal


def test_accounts_and_contacts(cli, deals):
    deals.replies["CreateAccount"] = lambda request: resources_pb2.Account(
        id="a-1",
        name=request.name,
        team_id=request.team_id,
        industry=request.industry,
        relationship=resources_pb2.RELATIONSHIP_PROSPECT,
        owner_user_id="alice",
        version=1,
    )
    account = ok_json(
        cli(
            "accounts",
            "create",
            "--team",
            "team-a",
            "--name",
            "Acme GmbH",
            "--industry",
            "Chemicals",
            "-o",
            "json",
        )
    )
    (sent,) = deals.sent("CreateAccount")
    assert (sent.team_id, sent.name, sent.industry, sent.owner_user_id) == (
        "team-a",
        "Acme GmbH",
        "Chemicals",
        "",
    )
    assert (account["relationship"], account["owner_user_id"]) == ("prospect", "alice")

    deals.replies["ListAccounts"] = accounts_pb2.ListAccountsResponse(
        accounts=[
            resources_pb2.Account(
                id="a-1", name="Acme GmbH", relationship=resources_pb2.RELATIONSHIP_CUSTOMER
            )
        ]
    )
    listed = cli("accounts", "list", "--relationship", "Customer")
    assert listed.exit_code == 0 and "Acme GmbH" in listed.stdout and "a-1" in listed.stdout
    assert "customer" in listed.stdout
    assert deals.sent("ListAccounts")[0].relationship == resources_pb2.RELATIONSHIP_CUSTOMER
    deals.replies["ListAccounts"] = accounts_pb2.ListAccountsResponse()
    assert "no accounts match" in cli("accounts", "list").stdout

    deals.replies["CreateContact"] = lambda request: resources_pb2.Contact(
        id="c-1", account_id=request.account_id, last_name=request.last_name, email=request.email
    )
    contact = ok_json(
        cli(
            "contacts",
            "create",
            "--account",
            "a-1",
            "--last-name",
            "Doe",
            "--email",
            "jane@acme.example",
            "-o",
            "json",
        )
    )
    assert (contact["id"], contact["email"]) == ("c-1", "jane@acme.example")
    deals.replies["UpdateContact"] = lambda request: resources_pb2.Contact(
        id=request.id, last_name="Doe", job_title=request.contact.job_title
    )
    updated = ok_json(cli("contacts", "update", "c-1", "--title", "CTO", "-o", "json"))
    (change,) = deals.sent("UpdateContact")
    assert list(change.update_mask.paths) == ["job_title"] and change.contact.job_title == "CTO"
    assert updated["job_title"] == "CTO"
    nothing = cli("contacts", "update", "c-1")
    assert nothing.exit_code == 1 and "nothing to change" in nothing.stderr
    assert len(deals.sent("UpdateContact")) == 1

    deals.replies["UpdateAccount"] = lambda request: resources_pb2.Account(
        id=request.id, name=request.account.name, version=2
    )
    renamed = ok_json(
        cli(
            "accounts",
            "update",
            "a-1",
            "--name",
            "Acme AG",
            "--expected-version",
            "1",
            "-o",
            "json",
        )
    )
    (rename,) = deals.sent("UpdateAccount")
    assert (list(rename.update_mask.paths), rename.expected_version) == (["name"], 1)
    assert (renamed["name"], renamed["version"]) == ("Acme AG", 2)
    deals.replies["UpdateAccount"] = (
        grpc.StatusCode.PERMISSION_DENIED,
        "only the owner or a supervisor of the team may change it",
    )
    refused = cli("accounts", "update", "a-1", "--name", "x")
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: PERMISSION_DENIED: only the owner or a supervisor")


def test_deal_lifecycle_from_the_command_line(cli, deals, identity, territory):
    deals.replies["CreateDeal"] = lambda request: an_opportunity(
        name=request.name, estimated_revenue=request.estimated_revenue
    )
    deal = ok_json(
        cli(
            "deals",
            "create",
            "--name",
            "Acme rollout",
            "--account",
            "a-1",
            "--line",
            "Enterprise",
            "--currency",
            "eur",
            "--amount",
            "1200.00",
            "-o",
            "json",
        )
    )
    (created,) = deals.sent("CreateDeal")
    assert (created.sales_line_id, created.currency, created.estimated_revenue) == (
        "line-1",
        "eur",
        eur("1200.00"),
    )
    assert not created.HasField("probability")
    assert created.territory_id == ""
    assert (deal["stage_key"], deal["estimated_revenue"], deal["status"]) == (
        "qualify",
        "1200.00 EUR",
        "open",
    )
    # --territory takes the territory's name: its pipeline is used.
    territory.replies["ListTerritories"] = territories_pb2.ListTerritoriesResponse(
        territories=[territories_pb2.Territory(id="terr-north", name="North", active=True)]
    )
    cli(
        "deals",
        "create",
        "--name",
        "North rollout",
        "--account",
        "a-1",
        "--line",
        "Enterprise",
        "--currency",
        "EUR",
        "--territory",
        "North",
    )
    assert deals.sent("CreateDeal")[-1].territory_id == "terr-north"

    deals.replies["MoveDealToStage"] = an_opportunity(
        stage_key="propose", stage_name="Propose", probability=40
    )
    moved = ok_json(cli("deals", "move", DEAL, "propose", "--note", "demo done", "-o", "json"))
    assert (moved["stage_name"], moved["probability"]) == ("Propose", 40)
    (move,) = deals.sent("MoveDealToStage")
    assert (move.id, move.stage_key, move.note) == (DEAL, "propose", "demo done")

    deals.replies["SetDealProbability"] = an_opportunity(
        probability=65, probability_overridden=True
    )
    fixed = ok_json(cli("deals", "probability", DEAL, "65", "-o", "json"))
    assert (fixed["probability"], fixed["probability_overridden"]) == (65, True)
    assert cli("deals", "probability", DEAL, "--clear").exit_code == 0
    set_by_hand, cleared = deals.sent("SetDealProbability")
    assert set_by_hand.probability == 65 and not cleared.HasField("probability")
    neither = cli("deals", "probability", DEAL)
    assert neither.exit_code == 1 and "give a PERCENT 0..100 or --clear" in neither.stderr

    deals.replies["GetDeal"] = an_opportunity()
    deals.replies["CloseDealWon"] = lambda request: an_opportunity(
        status=resources_pb2.DEAL_STATUS_WON,
        actual_revenue=request.actual_revenue,
        actual_close_date=request.actual_close_date,
    )
    won = ok_json(
        cli("deals", "win", DEAL, "--revenue", "1100.00", "--date", "2026-03-02", "-o", "json")
    )
    (win,) = deals.sent("CloseDealWon")  # the amount in the deal's currency
    assert (win.actual_revenue, win.actual_close_date) == (eur("1100.00"), "2026-03-02")
    assert (won["status"], won["actual_revenue"]) == ("won", "1100.00 EUR")

    deals.replies["UpdateDeal"] = (
        grpc.StatusCode.FAILED_PRECONDITION,
        f"deal {DEAL} is won and read-only; reopen it first",
    )
    closed = cli("deals", "update", DEAL, "--name", "late change")
    assert closed.exit_code == 1 and "is won and read-only" in closed.stderr
    (update,) = deals.sent("UpdateDeal")
    assert list(update.update_mask.paths) == ["name"] and update.deal.name == "late change"

    deals.replies["ReopenDeal"] = an_opportunity()
    reopened = ok_json(cli("deals", "reopen", DEAL, "--reason", "customer came back", "-o", "json"))
    assert reopened["status"] == "open"
    assert deals.sent("ReopenDeal")[0].reason == "customer came back"

    deals.replies["GetHistory"] = deals_pb2.GetHistoryResponse(
        entries=[
            resources_pb2.HistoryEntry(
                version=1, action="created", actor=actor_pb2.Actor(id="alice")
            ),
            resources_pb2.HistoryEntry(
                version=4,
                action="reopened",
                note="customer came back",
                actor=actor_pb2.Actor(id="mia", display_name="Mia"),
                changes=[
                    resources_pb2.FieldChange(field="status", old_value="won", new_value="open")
                ],
            ),
        ]
    )
    history = cli("deals", "history", DEAL)
    assert history.exit_code == 0, history.output
    for word in ("created", "reopened", "customer came back", "Mia", "status: won -> open"):
        assert word in history.stdout
    assert deals.sent("GetHistory")[0].record == resources_pb2.RecordRef(
        type="opportunity", id=DEAL
    )

    deals.replies["CloseDealLost"] = (
        grpc.StatusCode.INVALID_ARGUMENT,
        "reason competitor: name the competitor (--competitor)",
    )
    lost = cli("deals", "lose", DEAL, "--reason", "competitor")
    assert lost.exit_code == 1 and "name the competitor" in lost.stderr
    assert deals.sent("CloseDealLost")[0].reason == "competitor"

    owner = identity.users[0]
    deals.replies["GetDeal"] = an_opportunity(stage_name="Propose", owner_user_id=owner.id)
    table = cli("deals", "show", DEAL)
    assert "Propose" in table.stdout and "1200.00 EUR" in table.stdout
    for named in (f"{owner.display_name} ({owner.id})", "TEAM A (team-a)", "Enterprise (line-1)"):
        assert named in table.stdout, named


def test_board_prints_one_column_per_stage_with_deals_owners_and_sums(cli, deals):
    def card(name, owner, amount):
        return resources_pb2.Opportunity(
            name=name, owner_user_id=owner, estimated_revenue=eur(amount)
        )

    deals.replies["GetBoard"] = deals_pb2.GetBoardResponse(
        pipeline=resources_pb2.Pipeline(name="Enterprise", version=1),
        columns=[
            deals_pb2.BoardColumn(
                stage=resources_pb2.Stage(key="qualify", name="Qualify"),
                deals=[
                    card("Acme rollout", "bob", "1000.00"),
                    card("Acme add-on", "alice", "0.10"),
                ],
                totals=[eur("1000.10")],
            ),
            deals_pb2.BoardColumn(stage=resources_pb2.Stage(key="propose", name="Propose")),
            deals_pb2.BoardColumn(
                stage=resources_pb2.Stage(key="negotiate", name="Negotiate"),
                deals=[card("Globex pilot", "alice", "500.00")],
                totals=[eur("500.00")],
            ),
        ],
    )
    board = cli("deals", "board", "--line", "Enterprise", "--team", "team b")
    assert board.exit_code == 0, board.output
    (asked,) = deals.sent("GetBoard")
    assert (asked.sales_line_id, asked.team_id) == ("line-1", "team-b")
    text = board.stdout
    assert "Enterprise" in text
    for heading in (
        "Qualify",
        "Propose",
        "Negotiate",
        "2 deal(s) · 1000.10 EUR",
        "1 deal(s) · 500.00 EUR",
        "0 deal(s) · -",
    ):
        assert heading in text, heading
    for card_text in (
        "Acme rollout",
        "bob · 1000.00 EUR",
        "alice · 0.10 EUR",
        "Globex pilot",
        "alice · 500.00 EUR",
    ):
        assert card_text in text, card_text
    as_json = ok_json(cli("deals", "board", "--line", "line-1", "-o", "json"))
    assert [c["stage"]["key"] for c in as_json["columns"]] == ["qualify", "propose", "negotiate"]
    deals.replies["GetBoard"] = (
        grpc.StatusCode.FAILED_PRECONDITION,
        "sales line 'line-3' has no pipeline yet: create it with "
        "`crmctl pipelines create --line line-3`",
    )
    missing = cli("deals", "board", "--line", "Public sector")
    assert missing.exit_code == 1 and "has no pipeline yet" in missing.stderr
    assert "crmctl pipelines create --line" in missing.stderr


def test_activities_logged_by_a_teammate(cli, deals):
    deals.replies["LogActivity"] = lambda request: resources_pb2.Activity(
        id="act-1",
        kind=request.kind,
        subject=request.subject,
        target=request.target,
        owner_user_id=request.owner_user_id or "bob",
        logged_by="bob",
    )
    note = ok_json(
        cli(
            "activities",
            "log",
            f"deal:{DEAL}",
            "--kind",
            "Call",
            "--subject",
            "covering",
            "--owner",
            "alice",
            "--direction",
            "outbound",
            "--at",
            "2026-03-01T10:00",
            "-o",
            "json",
        )
    )
    assert (note["logged_by"], note["owner_user_id"], note["kind"], note["target"]) == (
        "bob",
        "alice",
        "call",
        f"opportunity:{DEAL}",
    )
    (logged,) = deals.sent("LogActivity")
    assert (logged.target.type, logged.target.id, logged.kind, logged.direction) == (
        "opportunity",
        DEAL,
        resources_pb2.ACTIVITY_KIND_CALL,
        "outbound",
    )
    assert logged.occurred_at.ToJsonString() == "2026-03-01T10:00:00Z"  # UTC unless given
    assert not logged.HasField("due_at")
    assert (
        cli(
            "activities", "log", f"deal:{DEAL}", "-k", "task", "-s", "send", "--due", "2026-03-05"
        ).exit_code
        == 0
    )
    assert deals.sent("LogActivity")[1].due_at.ToJsonString() == "2026-03-05T00:00:00Z"
    deals.replies["CompleteTask"] = lambda request: resources_pb2.Activity(id=request.id)
    assert cli("activities", "done", "act-1", "--undo").exit_code == 0
    assert deals.sent("CompleteTask")[0].done is False
    deals.replies["ListTimeline"] = activities_pb2.ListTimelineResponse(
        activities=[
            resources_pb2.Activity(id="act-1", subject="covering"),
            resources_pb2.Activity(id="act-2", subject="send"),
        ]
    )
    timeline = cli("activities", "timeline", "account:a-1", "--kind", "call")
    assert "covering" in timeline.stdout and "send" in timeline.stdout
    (asked,) = deals.sent("ListTimeline")
    assert (asked.target.type, list(asked.kinds)) == ("account", [resources_pb2.ACTIVITY_KIND_CALL])
    bad = cli("activities", "log", "lead:1", "-k", "note", "-s", "x")
    assert bad.exit_code == 1 and "a record is TYPE:ID" in bad.stderr
    late = cli("activities", "log", "deal:1", "-k", "note", "-s", "x", "--at", "yesterday")
    assert late.exit_code == 1 and "--at: 'yesterday' is not an ISO 8601 time" in late.stderr
    assert len(deals.sent("LogActivity")) == 2


def test_quotes_orders_and_invoices(cli, deals):
    def a_quote(**fields):
        return resources_pb2.Quote(
            id="q-1", display_number="Q-1", status=resources_pb2.QUOTE_STATUS_DRAFT, **fields
        )

    deals.replies["CreateQuote"] = a_quote()
    quote = ok_json(cli("quotes", "create", "--deal", DEAL, "-o", "json"))
    assert deals.sent("CreateQuote")[0].opportunity_id == DEAL and quote["status"] == "draft"
    deals.replies["PriceQuoteLines"] = a_quote(
        total=eur("742.49"),
        lines=[
            resources_pb2.PricedLine(
                product_id="p-gadget", description="Gadget", quantity="3", line_total=eur("712.50")
            ),
            resources_pb2.PricedLine(
                product_id="p-widget", description="Widget", quantity="1.5", line_total=eur("29.99")
            ),
        ],
    )
    priced = ok_json(
        cli(
            "quotes",
            "price",
            "q-1",
            "--line",
            "GADGET:3:piece",
            "--line",
            "p-widget:1.5",
            "-o",
            "json",
        )
    )
    (price,) = deals.sent("PriceQuoteLines")
    assert [(line.product_id, line.quantity, line.unit) for line in price.lines] == [
        ("p-gadget", "3", "piece"),
        ("p-widget", "1.5", ""),
    ]  # a SKU catalog knows -> its id
    assert priced["total"] == "742.49 EUR"
    assert priced["lines"] == ["3 x Gadget = 712.50 EUR", "1.5 x Widget = 29.99 EUR"]
    for command in ("activate", "revise", "accept"):
        assert cli("quotes", command, "q-1").exit_code == 0
    assert [
        r.id
        for r in deals.sent("ActivateQuote") + deals.sent("ReviseQuote") + deals.sent("AcceptQuote")
    ] == ["q-1"] * 3
    assert cli("quotes", "reject", "q-1").exit_code == 2  # --reason is required
    assert cli("quotes", "reject", "q-1", "--reason", "too dear").exit_code == 0
    assert deals.sent("RejectQuote")[0].reason == "too dear"

    deals.replies["CreateOrder"] = resources_pb2.Order(id="o-1")
    order = ok_json(cli("orders", "create", "--quote", "q-1", "-o", "json"))
    assert order["id"] == "o-1" and deals.sent("CreateOrder")[0].quote_id == "q-1"
    deals.replies["CreateInvoice"] = (
        grpc.StatusCode.PERMISSION_DENIED,
        "invoices are made by supervisors and above",
    )
    refused = cli("invoices", "create", "--order", "o-1")
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: PERMISSION_DENIED: invoices are made by")
    deals.replies["IssueInvoice"] = resources_pb2.Invoice(
        id="i-1",
        number="INV-2026-000001",
        status=resources_pb2.INVOICE_STATUS_ISSUED,
        total=eur("742.49"),
    )
    issued = ok_json(cli("invoices", "issue", "i-1", "-o", "json"))
    assert (issued["number"], issued["status"], issued["total"]) == (
        "INV-2026-000001",
        "issued",
        "742.49 EUR",
    )
    deals.replies["GetInvoice"] = resources_pb2.Invoice(id="i-1", total=eur("742.49"))
    deals.replies["MarkInvoicePaid"] = (
        grpc.StatusCode.INVALID_ARGUMENT,
        "the payment 1.00 EUR is not the total 742.49 EUR",
    )
    wrong = cli("invoices", "pay", "i-1", "--amount", "1.00")
    assert wrong.exit_code == 1 and wrong.stderr.startswith("error: INVALID_ARGUMENT")
    deals.replies["MarkInvoicePaid"] = resources_pb2.Invoice(
        id="i-1", status=resources_pb2.INVOICE_STATUS_PAID
    )
    paid = ok_json(
        cli("invoices", "pay", "i-1", "--amount", "742.49", "--reference", "TX-1", "-o", "json")
    )
    assert paid["status"] == "paid"
    payment = deals.sent("MarkInvoicePaid")[-1]  # the amount in the invoice's currency
    assert (payment.amount, payment.reference) == (eur("742.49"), "TX-1")
    not_money = cli("invoices", "pay", "i-1", "--amount", "a lot")
    assert not_money.exit_code == 1 and "'a lot' is not an amount" in not_money.stderr
    bad = cli("quotes", "price", "q-1", "--line", "p-gadget")
    assert bad.exit_code == 1 and "a line is PRODUCT:QUANTITY" in bad.stderr
    assert len(deals.sent("PriceQuoteLines")) == 1


def test_pipelines_are_created_and_revised_with_their_line_named(cli, deals):
    stages = ["--stage", "discover:Discover:20:pipeline:14", "--stage", "commit:Commit:80:commit"]
    deals.replies["CreatePipeline"] = lambda request: resources_pb2.Pipeline(
        id="p-2",
        name=request.name,
        sales_line_id=request.sales_line_id,
        version=1,
        stages=request.stages,
    )
    created = ok_json(
        cli("pipelines", "create", "--line", "SMB", "--name", "SMB", *stages, "-o", "json")
    )
    assert created["sales_line_id"] == "line-2"  # the line's name resolved to its id
    (sent,) = deals.sent("CreatePipeline")
    assert not sent.additional
    cli("pipelines", "create", "--line", "SMB", "--name", "North", "--additional", *stages)
    assert deals.sent("CreatePipeline")[-1].additional
    assert [
        (s.key, s.name, s.default_probability, s.forecast_category, s.expected_days)
        for s in sent.stages
    ] == [
        ("discover", "Discover", 20, resources_pb2.FORECAST_CATEGORY_PIPELINE, 14),
        ("commit", "Commit", 80, resources_pb2.FORECAST_CATEGORY_COMMIT, 0),
    ]
    deals.replies["CreatePipeline"] = (
        grpc.StatusCode.PERMISSION_DENIED,
        "only administrators and management change pipelines",
    )
    denied = cli("pipelines", "create", "--line", "line-2", "--name", "SMB", *stages)
    assert denied.exit_code == 1 and "only administrators" in denied.stderr

    deals.replies["GetPipeline"] = lambda request: resources_pb2.Pipeline(
        id="p-2",
        name="SMB",
        sales_line_id=request.sales_line_id,
        version=request.version or 3,
        stages=[
            resources_pb2.Stage(key="discover", name="Discover"),
            resources_pb2.Stage(
                key="commit",
                name="Commit",
                forecast_category=resources_pb2.FORECAST_CATEGORY_COMMIT,
            ),
        ],
    )
    deals.replies["RevisePipeline"] = lambda request: resources_pb2.Pipeline(
        id=request.id, name="SMB", sales_line_id="line-2", version=4, stages=request.stages
    )
    revised = cli(
        "pipelines",
        "revise",
        "SMB",
        "--stage",
        "discover:Discover:25:pipeline",
        "--move",
        "commit=discover",
    )
    assert revised.exit_code == 0, revised.output
    assert "version 4" in revised.stdout and "Commit" not in revised.stdout
    (revise,) = deals.sent("RevisePipeline")
    assert (revise.id, revise.expected_version, dict(revise.moves)) == (
        "p-2",
        3,
        {"commit": "discover"},
    )  # the version it was read at
    old = cli("pipelines", "show", "line-2", "--version", "1")
    assert "Commit" in old.stdout and "commit" in old.stdout
    assert "sales line SMB (line-2)" in old.stdout
    assert deals.sent("GetPipeline")[-1].version == 1
    deals.replies["ListPipelines"] = pipelines_pb2.ListPipelinesResponse(
        pipelines=[
            resources_pb2.Pipeline(id="p-1", name="Enterprise", sales_line_id="line-1"),
            resources_pb2.Pipeline(id="p-2", name="SMB", sales_line_id="line-2"),
        ]
    )
    listed = cli("pipelines", "list")
    assert "Enterprise" in listed.stdout and "SMB" in listed.stdout
    bad = cli("pipelines", "create", "--line", "SMB", "--name", "x", "--stage", "a:b")
    assert bad.exit_code == 1 and "a stage is KEY:NAME:PROBABILITY:FORECAST" in bad.stderr
    unknown = cli("pipelines", "create", "--line", "Mid Market", "--name", "x", *stages)
    assert unknown.exit_code == 1
    assert "no sales line named 'Mid Market'" in unknown.stderr
    assert "`crmctl lines list` shows them" in unknown.stderr
    assert len(deals.sent("CreatePipeline")) == 3


def test_automation_rules_from_a_file_and_their_deliveries(cli, deals, tmp_path):
    rule_file = tmp_path / "rule.json"
    rule_file.write_text(
        json.dumps(
            {
                "name": "Tell the owner",
                "trigger": "AUTOMATION_TRIGGER_STAGE_ENTERED",
                "stage_key": "propose",
                "actions": [
                    {
                        "kind": "AUTOMATION_ACTION_KIND_EMAIL",
                        "recipients": ["owner"],
                        "subject": "{{ deal.name }} is at Propose",
                        "body": "Time to send the quote.",
                    }
                ],
            }
        )
    )
    deals.replies["CreateAutomationRule"] = (
        grpc.StatusCode.PERMISSION_DENIED,
        "a rule needs the manager role over each of its teams",
    )
    refused = cli("automations", "create", "p-1", str(rule_file), "--team", "team-a")
    assert refused.exit_code == 1 and "needs the manager role over each" in refused.stderr
    deals.replies["CreateAutomationRule"] = lambda request: request.rule
    created = ok_json(
        cli(
            "automations",
            "create",
            "p-1",
            str(rule_file),
            "--team",
            "team-a",
            "--personal-data",
            "-o",
            "json",
        )
    )
    sent = deals.sent("CreateAutomationRule")[-1]
    assert (
        sent.pipeline_id,
        sent.rule.name,
        list(sent.rule.team_ids),
        sent.rule.include_personal_data,
    ) == ("p-1", "Tell the owner", ["team-a"], True)
    assert created["name"] == "Tell the owner" and created["team_ids"] == ["team-a"]
    deals.replies["ListAutomationRules"] = pipelines_pb2.ListAutomationRulesResponse(
        rules=[
            resources_pb2.AutomationRule(
                id="r-1",
                name="Tell the owner",
                team_ids=["team-a"],
                trigger=resources_pb2.AUTOMATION_TRIGGER_STAGE_ENTERED,
                stage_key="propose",
                enabled=True,
            )
        ]
    )
    listed = cli("automations", "list", "p-1")
    assert listed.exit_code == 0 and "Tell the owner" in listed.stdout
    assert "stage_entered" in listed.stdout and "team-a" in listed.stdout
    deals.replies["SetAutomationRuleEnabled"] = lambda request: resources_pb2.AutomationRule(
        id=request.id, enabled=request.enabled
    )
    off = ok_json(cli("automations", "enable", "r-1", "--off", "-o", "json"))
    assert off["enabled"] is False
    bad = tmp_path / "bad.json"
    bad.write_text('{"trigger": "SOMETIME"}')
    not_a_rule = cli("automations", "create", "p-1", str(bad))
    assert not_a_rule.exit_code == 1 and "not an automation rule" in not_a_rule.stderr
    assert len(deals.sent("CreateAutomationRule")) == 2
    assert cli("automations", "deliveries", "--rule", "r-1", "--failed").exit_code == 0
    assert deals.sent("ListAutomationDeliveries")[0].failed_only is True


def test_a_transfer_out_of_sight_says_it_was_done_without_the_deal(cli, deals):
    deals.replies["TransferDeal"] = lambda request: resources_pb2.Opportunity(
        id=request.id, team_id=request.to_team_id, withheld=True
    )
    done = cli(
        "deals", "transfer", DEAL, "--team", "team-b", "--reason", "region", "--owner", "tom"
    )
    assert done.exit_code == 0, done.output
    assert f"deal {DEAL} transferred to team team-b" in done.stdout
    (sent,) = deals.sent("TransferDeal")
    assert (sent.to_team_id, sent.reason, sent.new_owner_user_id) == ("team-b", "region", "tom")
    assert not sent.HasField("move_account")
    back = ok_json(
        cli(
            "deals",
            "transfer",
            DEAL,
            "--team",
            "team-a",
            "--reason",
            "back",
            "--keep-account",
            "-o",
            "json",
        )
    )
    assert back == {"id": DEAL, "team_id": "team-a", "withheld": True}
    assert deals.sent("TransferDeal")[1].move_account is False
    deals.replies["TransferDeal"] = lambda request: an_opportunity(team_id=request.to_team_id)
    shown = cli("deals", "transfer", DEAL, "--team", "team-b", "--reason", "visible")
    assert shown.exit_code == 0 and "Acme rollout" in shown.stdout


def test_teams_and_owners_are_typed_as_people_name_them(cli, deals, identity):
    assert cli("accounts", "create", "--team", "team a", "--name", "Named GmbH").exit_code == 0
    assert deals.sent("CreateAccount")[0].team_id == "team-a"
    owner = identity.users[0]
    listed = cli(
        "deals", "list", "--team", "TEAM B", "--owner", owner.email.upper(), "--status", "won"
    )
    assert listed.exit_code == 0, listed.output
    (asked,) = deals.sent("ListDeals")
    assert (asked.team_id, asked.owner_user_id, asked.status) == (
        "team-b",
        owner.id,
        resources_pb2.DEAL_STATUS_WON,
    )
    unknown = cli("deals", "list", "--team", "Paris")
    assert unknown.exit_code == 1 and "no team named 'Paris'" in unknown.stderr
    assert len(deals.sent("ListDeals")) == 1


# --- exports -----------------------------------------------------------------------------------


def test_exports_write_the_stream_to_a_file_or_stdout(cli, deals, tmp_path):
    from crm.common.v1 import export_pb2
    from crm.deals.v1 import billing_pb2

    deals.replies["ExportAccounts"] = [
        export_pb2.ExportChunk(data=b"id,name\r\n", records=0),
        export_pb2.ExportChunk(data=b"a-1,'=1+1\r\n", records=1),
    ]
    target = tmp_path / "accounts.csv"
    result = cli("accounts", "export", "--query", "acme", "--file", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == b"id,name\r\na-1,'=1+1\r\n" and not list(tmp_path.glob("*.part"))
    (sent,) = deals.sent("ExportAccounts")
    assert (sent.filter.query, sent.format) == ("acme", export_pb2.EXPORT_FORMAT_CSV)

    deals.replies["ExportQuotes"] = [export_pb2.ExportChunk(data=b'{"id":"q"}\n', records=1)]
    result = cli("quotes", "export", "--deal", DEAL, "--format", "jsonl")
    assert result.exit_code == 0 and result.output == '{"id":"q"}\n'
    (sent,) = deals.sent("ExportQuotes")
    assert sent.filter == billing_pb2.ListQuotesRequest(opportunity_id=DEAL)
    assert sent.format == export_pb2.EXPORT_FORMAT_JSON_LINES


def test_invoices_export_and_duplicates_and_merges(cli, deals, tmp_path):
    from crm.common.v1 import export_pb2
    from crm.deals.v1 import billing_pb2
    from crm.deals.v1 import duplicates_pb2 as D

    deals.replies["ExportInvoices"] = [export_pb2.ExportChunk(data=b'{"id":"i"}\n', records=1)]
    result = cli("invoices", "export", "--deal", DEAL, "--format", "jsonl")
    assert result.exit_code == 0 and result.output == '{"id":"i"}\n'
    (sent,) = deals.sent("ExportInvoices")
    assert sent.filter == billing_pb2.ListInvoicesRequest(opportunity_id=DEAL)

    deals.replies["FindAccountDuplicates"] = D.FindDuplicatesResponse(
        matches=[D.DuplicateMatch(id="a-1", name="ACME GmbH", matched_keys=["name", "phone"])]
    )
    result = cli("accounts", "duplicates", "--name", "Acme")
    assert result.exit_code == 0 and "a-1" in result.output and "name, phone" in result.output
    assert deals.sent("FindAccountDuplicates")[0].name == "Acme"
    assert cli("accounts", "duplicates").exit_code != 0  # nothing to look for
    result = cli("accounts", "merge", "a-1", "a-2")
    assert result.exit_code == 0, result.output
    (merge,) = deals.sent("MergeAccounts")
    assert (merge.survivor_id, merge.duplicate_id) == ("a-1", "a-2")
    assert cli("contacts", "duplicates", "--email", "jo@x.example").exit_code == 0
    assert deals.sent("FindContactDuplicates")[0].email == "jo@x.example"
    assert cli("contacts", "merge", "c-1", "c-2").exit_code == 0
    assert deals.sent("MergeContacts")[0].duplicate_id == "c-2"


def test_a_refused_export_leaves_no_file(cli, deals, tmp_path):
    deals.replies["ExportDeals"] = (grpc.StatusCode.INVALID_ARGUMENT, "status: unknown word")
    target = tmp_path / "deals.csv"
    result = cli("deals", "export", "--file", str(target))
    assert result.exit_code == 1 and "unknown word" in result.output
    assert not target.exists() and not list(tmp_path.glob("deals.csv*"))


# --- migration import --------------------------------------------------------------------------


def test_import_resolves_team_names_and_owner_emails_then_streams_the_rows(
    cli, deals, identity, tmp_path
):
    from crm.deals.v1 import migration_pb2 as M

    owner = identity.users[1]
    path = tmp_path / "accounts.csv"
    path.write_text(
        "Id,Company,team,owner_email,created_at\n"
        f"SF-1,Acme GmbH,Team A,{owner.email},2019-03-01\n"
        "SF-2,Beta AG,team b,,\n"
    )
    deals.replies["ImportAccounts"] = [
        M.MigrationImportResponse(
            accepted=[
                M.MigrationAcceptedRow(
                    row_number=1, record_id="a-1", possible_duplicate_ids=["a-0"]
                )
            ],
            problems=[M.MigrationRowProblem(row_number=2, field="team_id", reason="not yours")],
            rows_read=2,
            rows_accepted=1,
            rows_rejected=1,
        ),
        M.MigrationImportResponse(rows_read=2, rows_accepted=1, rows_rejected=1, done=True),
    ]
    result = cli(
        "import",
        "accounts",
        str(path),
        "--map",
        "Id=external_id",
        "--map",
        "Company=name",
        "--dry-run",
    )
    assert result.exit_code == 0, result.output
    assert "not yours" in result.output and "2 rows read: 1 would be accepted" in result.output
    assert "row 1: a-1 looks like a-0 (crmctl accounts duplicates / merge)" in result.output
    (stream,) = deals.sent("ImportAccounts")
    header, *rows = stream
    assert header.header.dry_run
    mapping = dict(header.header.column_mapping)
    assert mapping["Id"] == "external_id" and mapping["team (team_id)"] == "team_id"
    assert mapping["owner_email (owner_user_id)"] == "owner_user_id"
    first = dict(rows[0].row.values)
    assert (first["team (team_id)"], first["owner_email (owner_user_id)"]) == ("team-a", owner.id)
    assert dict(rows[1].row.values)["team (team_id)"] == "team-b"


def test_import_stops_before_sending_when_a_team_is_unknown(cli, deals, tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text("external_id,name,team\nSF-1,Acme,Nowhere\n")
    result = cli("import", "accounts", str(path))
    assert result.exit_code == 1 and "Nowhere" in result.output
    assert not deals.sent("ImportAccounts")


def test_notifications_are_listed_counted_and_marked_read(cli, deals):
    deals.replies["ListNotifications"] = notifications_pb2.ListNotificationsResponse(
        notifications=[
            notifications_pb2.Notification(
                id="reminder:t1:2026-03-02T09:30:00+00:00",
                kind="reminder",
                record_type="opportunity",
                record_id="d1",
                title="Task due",
            )
        ]
    )
    (row,) = ok_json(cli("notifications", "list", "--unread", "-o", "json"))
    assert (row["kind"], row["record"]) == ("reminder", "opportunity:d1")
    assert deals.sent("ListNotifications")[0].unread_only
    deals.replies["CountUnreadNotifications"] = notifications_pb2.CountUnreadNotificationsResponse(
        unread=3
    )
    assert ok_json(cli("notifications", "unread", "-o", "json"))["unread"] == 3
    deals.replies["MarkNotificationsRead"] = notifications_pb2.MarkNotificationsReadResponse(
        marked=1
    )
    assert "1 marked read" in cli("notifications", "read", "n1").output
    assert list(deals.sent("MarkNotificationsRead")[0].ids) == ["n1"]
    assert cli("notifications", "read").exit_code != 0  # neither ids nor --all


def test_tasks_of_a_team_for_its_supervisor(cli, deals, fake_leads):
    from google.protobuf.timestamp_pb2 import Timestamp

    from crm.leads.v1 import interactions_pb2

    deals.replies["ListMyTasks"] = tasks_pb2.ListMyTasksResponse(
        tasks=[
            tasks_pb2.DueTask(
                task=resources_pb2.Activity(
                    id="t1",
                    kind=resources_pb2.ACTIVITY_KIND_TASK,
                    subject="Send pricing",
                    owner_user_id="bob",
                    target=resources_pb2.RecordRef(type="opportunity", id="d1"),
                    due_at=Timestamp(seconds=1_800_000_000),
                ),
                bucket="today",
            )
        ]
    )
    fake_leads.interactions.replies["ListMyLeadTasks"] = interactions_pb2.ListMyLeadTasksResponse(
        tasks=[
            interactions_pb2.DueLeadTask(
                task=interactions_pb2.LeadInteraction(
                    id="i1",
                    lead_id="lead-1",
                    kind=interactions_pb2.INTERACTION_KIND_TASK,
                    subject="Call the lead",
                    owner_user_id="bob",
                    due_at=Timestamp(seconds=1_799_990_000),
                ),
                bucket="today",
                lead_name="Jo Doe",
            )
        ]
    )
    lead_row, row = ok_json(
        cli(
            "tasks",
            "list",
            "--team",
            "team-a",
            "--bucket",
            "today",
            "--tz",
            "Europe/Berlin",
            "-o",
            "json",
        )
    )
    assert (row["subject"], row["bucket"], row["target"]) == (
        "Send pricing",
        "today",
        "opportunity:d1",
    )
    assert (lead_row["subject"], lead_row["target"]) == ("Call the lead", "lead:lead-1")
    (sent,) = deals.sent("ListMyTasks")
    assert (sent.team_id, sent.bucket, sent.time_zone) == ("team-a", "today", "Europe/Berlin")
    (to_leads,) = fake_leads.interactions.sent("ListMyLeadTasks")
    assert (to_leads.team_id, to_leads.bucket, to_leads.time_zone) == (
        "team-a",
        "today",
        "Europe/Berlin",
    )
    assert cli("tasks", "list", "--user", "bob").exit_code != 0  # --user needs --team


def test_customer_emails_preview_and_sending_state(cli, deals):
    deals.replies["PreviewCustomerEmail"] = customer_emails_pb2.PreviewCustomerEmailResponse(
        emails=[
            customer_emails_pb2.CustomerEmailPreview(
                to_address="ada@example.test", subject="Next steps", html_body="<p>Hi</p>"
            )
        ],
        skipped=["contact c2: no consent to e-mails"],
    )
    out = cli("customer-emails", "preview", DEAL, "--stage", "propose")
    assert out.exit_code == 0, out.output
    assert "ada@example.test" in out.output and "no consent" in out.output
    (sent,) = deals.sent("PreviewCustomerEmail")
    assert (sent.deal_id, sent.stage_key) == (DEAL, "propose")
    deals.replies["ListCustomerEmails"] = customer_emails_pb2.ListCustomerEmailsResponse(
        emails=[
            customer_emails_pb2.CustomerEmailDelivery(
                id="k1", state="failed", attempts=7, last_error="SMTP server refused x"
            )
        ]
    )
    (row,) = ok_json(cli("customer-emails", "list", DEAL, "-o", "json"))
    assert (row["state"], row["last_error"]) == ("failed", "SMTP server refused x")


def test_contracts_pro_formas_payments_and_account_hierarchy(cli, deals):
    from crm.deals.v1 import contracts_pb2, payments_pb2

    deals.replies["CreateContract"] = contracts_pb2.Contract(
        id="c-1", status=contracts_pb2.CONTRACT_STATUS_DRAFT, value=eur("12000.00")
    )
    created = ok_json(
        cli(
            "contracts",
            "create",
            "--deal",
            "d-1",
            "--party",
            "Acme GmbH",
            "--party",
            "Us Ltd",
            "--value",
            "12000.00 EUR",
            "--start",
            "2026-04-01",
            "--end",
            "2027-03-31",
            "--notice-days",
            "60",
            "-o",
            "json",
        )
    )
    assert (created["status"], created["value"]) == ("draft", "12000.00 EUR")
    sent = deals.sent("CreateContract")[-1]
    assert (list(sent.parties), sent.value, sent.start_date, sent.notice_days) == (
        ["Acme GmbH", "Us Ltd"],
        eur("12000.00"),
        "2026-04-01",
        60,
    )
    deals.replies["SignContract"] = contracts_pb2.Contract(
        id="c-1", status=contracts_pb2.CONTRACT_STATUS_SIGNED
    )
    signed = ok_json(cli("contracts", "sign", "c-1", "--signed-by", "Dr. Vogel", "-o", "json"))
    assert signed["status"] == "signed"
    assert deals.sent("SignContract")[-1].signed_by == "Dr. Vogel"
    deals.replies["IssueProForma"] = (
        grpc.StatusCode.FAILED_PRECONDITION,
        "cannot issue a pro-forma invoice for deal 'X': its sales line 'L' is a contract line",
    )
    refused = cli("proformas", "issue", "--quote", "q-1", "--valid-until", "2026-04-01")
    assert refused.exit_code == 1 and "is a contract line" in refused.stderr
    deals.replies["AcceptProForma"] = contracts_pb2.ProForma(
        id="pf-1", number="PF-1-1", status=contracts_pb2.PRO_FORMA_STATUS_ACCEPTED, order_id="o-1"
    )
    accepted = ok_json(cli("proformas", "accept", "pf-1", "-o", "json"))
    assert (accepted["status"], accepted["order_id"]) == ("accepted", "o-1")
    deals.replies["GetInvoice"] = resources_pb2.Invoice(id="i-1", total=eur("750.00"))
    deals.replies["RecordPayment"] = resources_pb2.Invoice(
        id="i-1",
        status=resources_pb2.INVOICE_STATUS_ISSUED,
        total=eur("750.00"),
        paid_amount=eur("500.00"),
        balance=eur("250.00"),
        payments=[
            resources_pb2.InvoicePayment(
                amount=eur("500.00"), paid_on="2026-03-02", method="card", reference="TX-1"
            )
        ],
    )
    part = ok_json(
        cli(
            "invoices",
            "record-payment",
            "i-1",
            "--amount",
            "500.00",
            "--method",
            "card",
            "--reference",
            "TX-1",
            "-o",
            "json",
        )
    )
    assert (part["balance"], part["payments"]) == (
        "250.00 EUR",
        ["2026-03-02 500.00 EUR card TX-1"],
    )
    payment = deals.sent("RecordPayment")[-1]
    assert (payment.amount, payment.method, payment.paid_on) == (eur("500.00"), "card", "")
    cli("invoices", "create-from-deal", "--deal", "d-9")
    assert deals.sent("CreateInvoiceFromDeal")[-1].opportunity_id == "d-9"
    deals.replies["ListDealDocuments"] = payments_pb2.ListDealDocumentsResponse(
        orders=[resources_pb2.Order(id="o-1", status=resources_pb2.ORDER_STATUS_INVOICED)],
        invoices=[
            resources_pb2.Invoice(
                id="i-1",
                number="INV-2026-000001",
                status=resources_pb2.INVOICE_STATUS_ISSUED,
                total=eur("750.00"),
                balance=eur("250.00"),
            )
        ],
    )
    listed = ok_json(cli("invoices", "list", "--deal", "d-9", "-o", "json"))
    assert [(i["number"], i["balance"]) for i in listed] == [("INV-2026-000001", "250.00 EUR")]
    assert deals.sent("ListDealDocuments")[-1].opportunity_id == "d-9"
    assert ok_json(cli("orders", "list", "--deal", "d-9", "-o", "json"))[0]["status"] == "invoiced"
    deals.replies["ListDealDocuments"] = (grpc.StatusCode.NOT_FOUND, "deal d-x not found")
    hidden = cli("invoices", "list", "--deal", "d-x")
    assert hidden.exit_code == 1 and "not found" in hidden.stderr
    cli("accounts", "move", "a-2", "--under", "a-1")
    assert deals.sent("SetParentAccount")[-1].parent_account_id == "a-1"
    neither = cli("accounts", "move", "a-2")
    assert neither.exit_code == 1 and "exactly one of --under" in neither.stderr
    cli(
        "accounts",
        "addresses",
        "set",
        "a-1",
        "--billing",
        "Hauptstr. 1|Berlin|10115||DE",
    )
    (address,) = deals.sent("SetAccountAddresses")[-1].addresses
    assert (address.kind, address.city, address.region, address.country) == (
        resources_pb2.ADDRESS_KIND_BILLING,
        "Berlin",
        "",
        "DE",
    )
    bad = cli("accounts", "addresses", "set", "a-1", "--shipping", "Dock 4|Hamburg")
    assert bad.exit_code == 1 and "STREET|CITY|POSTAL CODE|REGION|COUNTRY" in bad.stderr
    cli("accounts", "social", "set", "a-1", "--profile", "linkedin=https://linkedin.com/x")
    (profile,) = deals.sent("SetSocialProfiles")[-1].social_profiles
    assert (profile.network, profile.url) == ("linkedin", "https://linkedin.com/x")
    from crm.deals.v1 import account_profiles_pb2

    deals.replies["GetAccountRollup"] = account_profiles_pb2.AccountRollup(
        account_id="a-1", account_ids=["a-1", "a-2"], open_deals=3, open_value=[eur("300.31")]
    )
    rolled = ok_json(cli("accounts", "rollup", "a-1", "-o", "json"))
    assert (rolled["accounts"], rolled["open_value"]) == (2, "300.31 EUR")


def test_invoices_listed_and_exported_by_status(cli, deals):
    from crm.common.v1 import export_pb2
    from crm.deals.v1 import billing_pb2, resources_pb2

    deals.replies["ListInvoices"] = billing_pb2.ListInvoicesResponse(
        invoices=[
            resources_pb2.Invoice(
                id="i-2",
                number="INV-2026-000002",
                status=resources_pb2.INVOICE_STATUS_PAID,
                total=eur("10.00"),
            )
        ]
    )
    listed = ok_json(cli("invoices", "list", "--status", "paid", "-o", "json"))
    assert [(i["id"], i["status"]) for i in listed] == [("i-2", "paid")]
    sent = deals.sent("ListInvoices")[-1]
    assert (sent.status, sent.opportunity_id) == (resources_pb2.INVOICE_STATUS_PAID, "")
    cli("invoices", "list", "--deal", DEAL, "--status", "issued")
    sent = deals.sent("ListInvoices")[-1]
    assert (sent.status, sent.opportunity_id) == (resources_pb2.INVOICE_STATUS_ISSUED, DEAL)
    cli("invoices", "list", "--status", "partly_paid")
    sent = deals.sent("ListInvoices")[-1]
    assert sent.status == resources_pb2.INVOICE_STATUS_PARTLY_PAID
    wrong = cli("invoices", "list", "--status", "overdue")
    assert wrong.exit_code == 2 and "partly_paid" in wrong.output + wrong.stderr
    deals.replies["ExportInvoices"] = [export_pb2.ExportChunk(data=b'{"id":"i-2"}\n', records=1)]
    result = cli("invoices", "export", "--status", "cancelled", "--format", "jsonl")
    assert result.exit_code == 0 and result.output == '{"id":"i-2"}\n'
    (exported,) = deals.sent("ExportInvoices")
    assert exported.filter == billing_pb2.ListInvoicesRequest(
        status=resources_pb2.INVOICE_STATUS_CANCELLED
    )
