"""End to end over the real processes of identity, territory, catalog, deals and reporting:
deals moved and closed through the running platform show up in the reports of the people allowed
to see them (the team's supervisor, the manager of the unit above), and in no one else's; a rate
set in catalog reaches reporting, which converts the won deals to a reporting currency with it;
a rate that never reached reporting (set before it subscribed) reaches it by catalog's backfill."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import grpc
import pytest
from e2e_platform import PASSWORD, As, Stubs, create_pipeline, german_line, small_company, unique

from crm.catalog.v1 import (
    exchange_rates_pb2,
    exchange_rates_pb2_grpc,
    snapshots_pb2,
    snapshots_pb2_grpc,
)
from crm.common.v1 import money_pb2
from crm.deals.v1 import accounts_pb2, deals_pb2
from crm.identity.v1 import users_pb2
from crm.reporting.v1 import reports_pb2 as pb
from crm.reporting.v1 import reports_pb2_grpc
from crm_chassis import manifest as manifests
from crm_devrun.bed import PlatformBed
from crm_testkit import amqp_channel

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    services = ["identity", "territory", "catalog", "deals", "reporting"]
    with PlatformBed(services, tmp_path_factory.mktemp("bed")) as bed:
        stubs = Stubs(bed)
        admin = As(bed.admin_token())
        company = small_company(bed, stubs, admin)
        line = german_line(stubs, admin, company)
        create_pipeline(bed, admin, line.id)
        reports = reports_pb2_grpc.SalesReportsServiceStub(bed.channel("reporting"))
        yield dict(bed=bed, stubs=stubs, admin=admin, line=line, reports=reports, **company)


def eur(amount: str) -> money_pb2.Money:
    return money_pb2.Money(amount=amount, currency="EUR")


def test_deals_moved_through_the_platform_show_up_in_the_reports(platform):
    stubs, people, bed, reports = (
        platform["stubs"],
        platform["people"],
        platform["bed"],
        platform["reports"],
    )
    ann, sue, dee = people["ann"], people["sue"], people["dee"]
    berlin, line = platform["berlin"], platform["line"]
    account = ann(
        stubs.accounts.CreateAccount,
        accounts_pb2.CreateAccountRequest(team_id=berlin.id, name="Vogel GmbH"),
    )
    today = dt.datetime.now(dt.UTC).date().isoformat()

    def deal(name: str, amount: str):
        return ann(
            stubs.deals.CreateDeal,
            deals_pb2.CreateDealRequest(
                name=name,
                account_id=account.id,
                sales_line_id=line.id,
                currency="EUR",
                estimated_revenue=eur(amount),
                estimated_close_date=today,
            ),
        )

    won, lost, open_ = deal("Won", "1000.00"), deal("Lost", "400.00"), deal("Open", "2000.00")
    ann(
        stubs.deals.MoveDealToStage,
        deals_pb2.MoveDealToStageRequest(id=won.id, stage_key="proposal"),
    )
    ann(
        stubs.deals.CloseDealWon,
        deals_pb2.CloseDealWonRequest(
            id=won.id, actual_revenue=eur("1200.00"), actual_close_date=today
        ),
    )
    ann(
        stubs.deals.CloseDealLost,
        deals_pb2.CloseDealLostRequest(
            id=lost.id, reason="price", competitor="Rival", close_date=today
        ),
    )
    ann(
        stubs.deals.MoveDealToStage,
        deals_pb2.MoveDealToStageRequest(id=open_.id, stage_key="negotiation"),
    )

    month = pb.Period(kind=pb.PERIOD_KIND_MONTH, date=today)
    team = pb.Scope(kind=pb.SCOPE_KIND_TEAM, id=berlin.id)

    def dashboard_once_complete():
        answer = sue(reports.Dashboard, pb.DashboardRequest(scope=team, period=month))
        rate = answer.win_rate.win_rate
        stages = {s.stage_key: s.open_deals for p in answer.funnel.pipelines for s in p.stages}
        return answer if (rate.won, rate.lost, stages.get("negotiation")) == (1, 1, 1) else None

    answer = bed.wait_for(dashboard_once_complete, 30, "the deals never reached the reports")
    rate = answer.win_rate.win_rate
    assert rate.percent == "50.0"
    assert [(v.currency, v.won.amount, v.lost.amount) for v in rate.by_value] == [
        ("EUR", "1200.00", "400.00")
    ]
    (commit,) = [t for t in answer.forecast.totals if t.close_period == today[:7]]
    assert (commit.commit.amount, commit.won.amount) == ("2000.00", "1200.00")
    # the manager of the unit above sees the same; the admin in no team and a rep do not
    dach = pb.Scope(kind=pb.SCOPE_KIND_UNIT, id=platform["dach"].id)
    unit = dee(reports.WinRate, pb.WinRateRequest(scope=dach, period=month))
    assert (unit.win_rate.won, unit.win_rate.lost) == (1, 1)
    admin = platform["admin"]
    assert admin.code(reports.WinRate, pb.WinRateRequest(scope=team, period=month)) == (
        grpc.StatusCode.PERMISSION_DENIED
    )
    assert people["cid"].code(reports.WinRate, pb.WinRateRequest(scope=team, period=month)) == (
        grpc.StatusCode.PERMISSION_DENIED
    )
    mine = ann(
        reports.WinRate,
        pb.WinRateRequest(scope=pb.Scope(kind=pb.SCOPE_KIND_PERSON, id=ann.user_id), period=month),
    )
    assert (mine.win_rate.won, mine.win_rate.lost) == (1, 1)


def test_a_rate_set_in_catalog_converts_the_reports(platform):
    stubs, people, bed, reports = (
        platform["stubs"],
        platform["people"],
        platform["bed"],
        platform["reports"],
    )
    ann, sue, admin = people["ann"], people["sue"], platform["admin"]
    email = f"{unique('cora')}@example.com"
    admin(
        stubs.users.CreateUser,
        users_pb2.CreateUserRequest(
            email=email, display_name="Cora Catalog", password=PASSWORD, roles=["catalog_manager"]
        ),
    )
    cora = As(bed.login(email, PASSWORD))
    rates = exchange_rates_pb2_grpc.ExchangeRateServiceStub(bed.channel("catalog"))
    cora(
        rates.SetExchangeRate,
        exchange_rates_pb2.SetExchangeRateRequest(
            rate=exchange_rates_pb2.ExchangeRate(
                base="EUR", quote="USD", effective_on="2020-01-01", rate="2", source="e2e"
            )
        ),
    )
    account = ann(
        stubs.accounts.CreateAccount,
        accounts_pb2.CreateAccountRequest(team_id=platform["berlin"].id, name="Rate GmbH"),
    )
    today = dt.datetime.now(dt.UTC).date().isoformat()
    deal = ann(
        stubs.deals.CreateDeal,
        deals_pb2.CreateDealRequest(
            name="Converted",
            account_id=account.id,
            sales_line_id=platform["line"].id,
            currency="EUR",
            estimated_revenue=eur("250.00"),
            estimated_close_date=today,
        ),
    )
    ann(
        stubs.deals.CloseDealWon,
        deals_pb2.CloseDealWonRequest(
            id=deal.id, actual_revenue=eur("250.00"), actual_close_date=today
        ),
    )
    month = pb.Period(kind=pb.PERIOD_KIND_MONTH, date=today)
    team = pb.Scope(kind=pb.SCOPE_KIND_TEAM, id=platform["berlin"].id)

    def converted():
        # Both the rate (catalog's relay -> reporting's worker) and the deal must have arrived.
        plain = sue(reports.WinRate, pb.WinRateRequest(scope=team, period=month))
        eur_won = {v.currency: v.won.amount for v in plain.win_rate.by_value}.get("EUR", "")
        if not plain.win_rate.won or eur_won == "":
            return None
        try:
            answer = sue(
                reports.WinRate, pb.WinRateRequest(scope=team, period=month, currency="USD")
            )
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.FAILED_PRECONDITION:  # the rate not there yet
                return None
            raise
        return (plain, answer) if answer.win_rate.won == plain.win_rate.won else None

    plain, answer = bed.wait_for(converted, 30, "the rate never reached reporting's reports")
    (by_value,) = answer.win_rate.by_value
    eur_won = {v.currency: v.won.amount for v in plain.win_rate.by_value}["EUR"]
    assert by_value.currency == "USD" and by_value.won.amount == f"{2 * Decimal(eur_won):.2f}"
    (used,) = answer.conversion.rates
    assert (used.currency, used.to, used.rate, used.rate_date) == ("EUR", "USD", "2", "2020-01-01")
    assert used.explanation == "1 EUR = 2 USD (rate of 2020-01-01)" and used.source == "e2e"


def test_migrated_deals_reach_reporting_in_their_own_quarter_with_their_stage_times(platform):
    """ImportDeals over gRPC: a deal won in 2019 after ten days in New and thirty in Proposal
    is filed in 2019's second quarter (win rate, sales cycle) with those stays (funnel)."""
    from crm.deals.v1 import migration_pb2, migration_pb2_grpc

    stubs, people, bed, reports = (
        platform["stubs"],
        platform["people"],
        platform["bed"],
        platform["reports"],
    )
    ann, sue = people["ann"], people["sue"]
    account = ann(
        stubs.accounts.CreateAccount,
        accounts_pb2.CreateAccountRequest(team_id=platform["berlin"].id, name="Alt GmbH"),
    )
    columns = ["id", "account", "line", "name", "currency", "amount", "status", "closed"]
    columns += ["created", "stages"]
    mapping = {
        "id": "external_id",
        "account": "account_id",
        "line": "sales_line_id",
        "name": "name",
        "currency": "currency",
        "amount": "amount",
        "status": "status",
        "closed": "close_date",
        "created": "created_at",
        "stages": "stage_history",
    }
    row = [
        "OLD-2019-1",
        account.id,
        platform["line"].id,
        "Alt rollout",
        "EUR",
        "5000.00",
        "won",
        "2019-05-21",
        "2019-04-01",
        "new=2019-04-01;proposal=2019-04-11",
    ]

    def stream():
        yield migration_pb2.ImportDealsRequest(
            header=migration_pb2.MigrationHeader(column_mapping=mapping, columns=columns)
        )
        yield migration_pb2.ImportDealsRequest(
            row=migration_pb2.MigrationRow(
                row_number=1, values=dict(zip(columns, row, strict=True))
            )
        )

    migration = migration_pb2_grpc.MigrationServiceStub(bed.channel("deals"))
    answers = list(ann(migration.ImportDeals, stream(), timeout=60))
    assert (answers[-1].done, answers[-1].rows_accepted) == (True, 1), answers
    team = pb.Scope(kind=pb.SCOPE_KIND_TEAM, id=platform["berlin"].id)
    quarter = pb.Period(kind=pb.PERIOD_KIND_QUARTER, date="2019-05-01")

    def funnel_and_win_once_applied():
        # The import relays the deal's created, stage and won events one by one: the funnel's
        # stay is complete at the stage change, the win counts only once deal_won is applied.
        answer = sue(reports.Funnel, pb.FunnelRequest(scope=team, period=quarter))
        stages = {s.stage_key: s for p in answer.pipelines for s in p.stages}
        new = stages.get("new")
        rate = sue(reports.WinRate, pb.WinRateRequest(scope=team, period=quarter)).win_rate
        applied = new is not None and new.completed_stays == 1 and rate.won == 1
        return (stages, rate) if applied else None

    stages, rate = bed.wait_for(
        funnel_and_win_once_applied, 30, "the imported deal never reached the funnel and win rate"
    )
    assert stages["new"].mean_days == "10.0"
    assert (rate.won, [v.won.amount for v in rate.by_value]) == (1, ["5000.00"])
    cycle = sue(reports.SalesCycle, pb.SalesCycleRequest(scope=team, period=quarter)).cycle
    assert (cycle.won, cycle.mean_days) == (1, "50.0")


def test_a_rate_set_before_reporting_subscribed_reaches_it_by_catalogs_backfill(platform):
    """The rate's exchange_rate_set is published while reporting's worker is down and dropped
    from its queue (as for a reporting installed later, whose queue did not exist yet): a
    report converted with it is refused; ``crmctl rates snapshots publish``'s RPC re-publishes
    the rate and the same report answers with it."""
    stubs, bed, reports = platform["stubs"], platform["bed"], platform["reports"]
    sue, admin = platform["people"]["sue"], platform["admin"]
    email = f"{unique('pia')}@example.com"
    admin(
        stubs.users.CreateUser,
        users_pb2.CreateUserRequest(
            email=email, display_name="Pia Pricing", password=PASSWORD, roles=["pricing_manager"]
        ),
    )
    pia = As(bed.login(email, PASSWORD))
    (queue,) = [
        s.queue
        for m in manifests.discover()
        if m.name == "reporting"
        for s in m.subscriptions
        if s.event == "exchange_rate_set"
    ]
    bed.stop("reporting.worker")
    pia(
        exchange_rates_pb2_grpc.ExchangeRateServiceStub(bed.channel("catalog")).SetExchangeRate,
        exchange_rates_pb2.SetExchangeRateRequest(
            rate=exchange_rates_pb2.ExchangeRate(
                base="EUR", quote="CHF", effective_on="2020-01-01", rate="0.5", source="late"
            )
        ),
    )
    connection, channel = amqp_channel()
    try:
        bed.wait_for(
            lambda: channel.queue_declare(queue, passive=True).method.message_count,
            30,
            "catalog's relay never published the rate",
        )
        channel.queue_purge(queue)  # the event reporting never received
    finally:
        connection.close()
    bed.start_again("reporting.worker")

    today = dt.datetime.now(dt.UTC).date().isoformat()
    team = pb.Scope(kind=pb.SCOPE_KIND_TEAM, id=platform["berlin"].id)
    request = pb.WinRateRequest(
        scope=team, period=pb.Period(kind=pb.PERIOD_KIND_MONTH, date=today), currency="CHF"
    )
    with pytest.raises(grpc.RpcError) as refused:
        sue(reports.WinRate, request)
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "crmctl rates set EUR CHF RATE" in (refused.value.details() or "")

    snapshots = snapshots_pb2_grpc.SnapshotServiceStub(bed.channel("catalog"))
    cursor, published = "", 0
    while True:
        answer = pia(
            snapshots.PublishSnapshots,
            snapshots_pb2.PublishSnapshotsRequest(
                kind=snapshots_pb2.SNAPSHOT_KIND_EXCHANGE_RATES,
                page={"page_size": 500, "cursor": cursor},
            ),
        )
        published, cursor = published + answer.published, answer.page.next_cursor
        if not cursor:
            break
    assert published >= 2  # this rate and the earlier test's EUR/USD

    def converted():
        try:
            return sue(reports.WinRate, request)
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.FAILED_PRECONDITION:  # not arrived yet
                return None
            raise

    answer = bed.wait_for(converted, 30, "the backfilled rate never reached reporting")
    (used,) = answer.conversion.rates
    assert (used.currency, used.to, used.rate, used.rate_date, used.source) == (
        "EUR",
        "CHF",
        "0.5",
        "2020-01-01",
        "late",
    )
    plain = sue(reports.WinRate, pb.WinRateRequest(scope=team, period=request.period))
    eur_won = {v.currency: v.won.amount for v in plain.win_rate.by_value}["EUR"]
    (by_value,) = answer.win_rate.by_value
    assert by_value.currency == "CHF" and by_value.won.amount == f"{Decimal(eur_won) / 2:.2f}"
