"""The console's dashboards in headless Chromium, over the real processes of identity, territory,
deals and reporting: deals won, lost and moved through the platform, and a target set on the
line, show on the team supervisor's dashboard with exactly the numbers reporting's API gives
her for the same scope and period; an administrator who is not a member sees an empty dashboard
that says why; the manager of a sibling unit sees none of the other unit's numbers. The page
passes the accessibility check, its charts draw under the CSP, and it is photographed for
docs/console.md (English, Persian)."""

from __future__ import annotations

import datetime as dt

import grpc
import pytest
from console_sales_floor import console
from e2e_platform import (
    PASSWORD,
    As,
    Stubs,
    create_person,
    create_pipeline,
    german_line,
    small_company,
    unique,
)

from crm.common.v1 import money_pb2
from crm.deals.v1 import accounts_pb2, deals_pb2
from crm.reporting.v1 import reports_pb2 as pb
from crm.reporting.v1 import reports_pb2_grpc
from crm.territory.v1 import org_pb2, sales_lines_pb2, teams_pb2
from crm_devrun.bed import ADMIN_EMAIL, ADMIN_PASSWORD, PlatformBed
from crm_testkit.browser import check_accessibility, screenshot

pytestmark = [pytest.mark.integration, pytest.mark.browser]

SERVICES = ["identity", "territory", "deals", "reporting"]


def eur(amount: str) -> money_pb2.Money:
    return money_pb2.Money(amount=amount, currency="EUR")


def sibling_unit(bed, stubs: Stubs, admin: As, company: dict) -> dict:
    """Nordics beside DACH under EMEA, with team Oslo (ola) and its manager nia."""
    nia, ola = create_person(bed, stubs, admin, "nia"), create_person(bed, stubs, admin, "ola")
    nordics = admin(
        stubs.org.CreateOrgUnit,
        org_pb2.CreateOrgUnitRequest(
            name=unique("Nordics"), parent_id=company["emea"].id, department="sales"
        ),
    ).unit
    oslo = admin(
        stubs.teams.CreateTeam, teams_pb2.CreateTeamRequest(name=unique("Oslo"), unit_id=nordics.id)
    ).team
    admin(
        stubs.members.AddMember,
        teams_pb2.AddMemberRequest(
            team_id=oslo.id, user_id=ola.user_id, role=teams_pb2.TEAM_ROLE_EXPERT
        ),
    )
    admin(
        stubs.org.AssignUnitManager,
        org_pb2.AssignUnitManagerRequest(unit_id=nordics.id, user_id=nia.user_id),
    )
    return dict(nia=nia, nordics=nordics, oslo=oslo)


def email_of(stubs: Stubs, admin: As, person: As) -> str:
    from crm.identity.v1 import users_pb2

    return admin(stubs.users.GetUser, users_pb2.GetUserRequest(id=person.user_id)).email


def answers(caller: As, method, request) -> bool:
    """True once reporting answers ``caller`` (it learns the organisation from events)."""
    try:
        caller(method, request)
    except grpc.RpcError:
        return False
    return True


@pytest.fixture(scope="module")
def floor(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("bed")
    with PlatformBed(SERVICES, workdir) as bed:
        stubs = Stubs(bed)
        admin = As(bed.admin_token())
        company = small_company(bed, stubs, admin)
        line = german_line(stubs, admin, company)
        create_pipeline(bed, admin, line.id)
        sibling = sibling_unit(bed, stubs, admin, company)
        today = dt.datetime.now(dt.UTC).date()
        admin(
            stubs.lines.SetTargets,
            sales_lines_pb2.SetTargetsRequest(
                sales_line_id=line.id,
                period=today.strftime("%Y-%m"),
                targets=[
                    sales_lines_pb2.TargetInput(
                        team_id=company["berlin"].id, amount=eur("5000.00"), deal_count=3
                    )
                ],
            ),
        )
        ann, sue = company["people"]["ann"], company["people"]["sue"]
        account = bed.wait_for(
            lambda: _account(ann, stubs, company["berlin"].id), 60, "deals never learnt Berlin"
        )

        def deal(name: str, amount: str):
            return ann(
                stubs.deals.CreateDeal,
                deals_pb2.CreateDealRequest(
                    name=name,
                    account_id=account.id,
                    sales_line_id=line.id,
                    currency="EUR",
                    estimated_revenue=eur(amount),
                    estimated_close_date=today.isoformat(),
                ),
            )

        won, lost, _ = deal("Won", "1000.00"), deal("Lost", "400.00"), deal("Open", "2000.00")
        ann(
            stubs.deals.CloseDealWon,
            deals_pb2.CloseDealWonRequest(
                id=won.id, actual_revenue=eur("1200.00"), actual_close_date=today.isoformat()
            ),
        )
        ann(
            stubs.deals.CloseDealLost,
            deals_pb2.CloseDealLostRequest(
                id=lost.id, reason="price", competitor="Rival", close_date=today.isoformat()
            ),
        )
        reports = reports_pb2_grpc.SalesReportsServiceStub(bed.channel("reporting"))
        scope = pb.Scope(kind=pb.SCOPE_KIND_TEAM, id=company["berlin"].id)
        period = pb.Period(kind=pb.PERIOD_KIND_MONTH, date=today.isoformat())

        def complete():
            rate = sue(reports.WinRate, pb.WinRateRequest(scope=scope, period=period)).win_rate
            return (rate.won, rate.lost) == (1, 1)

        bed.wait_for(complete, 60, "the deals never reached the reports")
        nordics = pb.Scope(kind=pb.SCOPE_KIND_UNIT, id=sibling["nordics"].id)
        bed.wait_for(
            lambda: answers(
                sibling["nia"], reports.Dashboard, pb.DashboardRequest(scope=nordics, period=period)
            ),
            60,
            "reporting never learnt the Nordics unit",
        )
        emails = {
            name: email_of(stubs, admin, who)
            for name, who in (("sue", sue), ("nia", sibling["nia"]))
        }
        with console(bed, workdir) as url:
            yield dict(
                bed=bed,
                url=url,
                reports=reports,
                scope=scope,
                period=period,
                today=today,
                sue=sue,
                emails=emails,
                **company,
                **sibling,
            )


def _account(owner: As, stubs: Stubs, team_id: str):
    try:
        return owner(
            stubs.accounts.CreateAccount,
            accounts_pb2.CreateAccountRequest(team_id=team_id, name=unique("Vogel")),
        )
    except grpc.RpcError as error:
        if error.code() in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND):
            return None
        raise


def signed_in(browser, url: str, email: str, password: str = PASSWORD, language: str = "en"):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.goto(f"{url}/sign-in")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    try:
        page.wait_for_url(lambda address: "/sign-in" not in address, timeout=90_000)
    except Exception as error:
        raise AssertionError(f"{email} not signed in: {page.inner_text('main')}") from error
    if language != "en":
        context.add_cookies([{"name": "crm_lang", "value": language, "url": url}])
    return page, problems


def test_the_dashboards_funnel_and_targets_are_reportings_numbers(browser, floor):
    sue, reports, scope, period = floor["sue"], floor["reports"], floor["scope"], floor["period"]
    link = f"{floor['url']}/dashboards?scope=team:{scope.id}&period=month&date={period.date}"
    page, problems = signed_in(browser, floor["url"], floor["emails"]["sue"])
    answer = page.goto(link)
    assert answer.status == 200
    page.locator(".chart-box.drawn canvas").first.wait_for()  # Chart.js drew under the CSP
    assert not [p for p in problems if "Content Security Policy" in p], problems

    funnel = sue(reports.Funnel, pb.FunnelRequest(scope=scope, period=period))
    for pipeline in funnel.pipelines:
        for stage in pipeline.stages:
            row = page.locator(f"#funnel-{pipeline.pipeline_id} tr[data-stage='{stage.stage_key}']")
            assert row.get_attribute("data-open") == str(stage.open_deals)
            assert row.get_attribute("data-reached") == str(stage.reached)
    targets = sue(reports.TargetsVsActual, pb.TargetsVsActualRequest(scope=scope, period=period))
    assert targets.targets, "reporting has the target set on the line"
    for target in targets.targets:
        row = page.locator(f"#targets tr[data-team='{target.team_id}']")
        assert row.get_attribute("data-target") == target.target_amount.amount
        assert row.get_attribute("data-actual") == target.actual_amount.amount
        assert row.get_attribute("data-actual-deals") == str(target.actual_deals)
    assert targets.targets[0].actual_amount.amount == "1200.00"
    check_accessibility(page)
    screenshot(page, "dashboard-en")

    page.goto(f"{floor['url']}/dashboards/lost-reasons?scope=team:{scope.id}")
    assert "Rival" in page.content()
    check_accessibility(page)

    persian, _ = signed_in(browser, floor["url"], floor["emails"]["sue"], language="fa")
    persian.goto(link)
    assert persian.locator("html").get_attribute("dir") == "rtl"
    persian.locator(".chart-box.drawn canvas").first.wait_for()
    check_accessibility(persian)
    screenshot(persian, "dashboard-fa")


def test_an_administrator_who_is_not_a_member_sees_an_empty_dashboard_saying_why(browser, floor):
    page, _ = signed_in(browser, floor["url"], ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto(f"{floor['url']}/dashboards")
    empty = page.locator("#dash-empty")
    assert "You are not a member of any team" in empty.inner_text()
    assert page.locator("[data-chart]").count() == 0
    check_accessibility(page)
    answer = page.goto(f"{floor['url']}/dashboards?scope=team:{floor['scope'].id}")
    assert "1,200" not in page.content() and answer.status == 200
    assert page.locator("#dash-empty").is_visible()


def test_a_sibling_units_manager_sees_none_of_the_other_units_numbers(browser, floor):
    url, berlin, dach = floor["url"], floor["berlin"], floor["dach"]
    page, _ = signed_in(browser, url, floor["emails"]["nia"])
    answer = page.goto(f"{url}/dashboards")
    assert answer.status == 200
    content = page.content()
    assert floor["nordics"].id in content  # her own unit is the default scope
    assert berlin.id not in content and dach.id not in content and "Rival" not in content
    for scope in (f"team:{berlin.id}", f"unit:{dach.id}"):
        answer = page.goto(f"{url}/dashboards/targets?scope={scope}")
        assert answer.status == 404
        assert page.get_by_role("heading", name="Not found").is_visible()
        assert "1,200" not in page.content() and "5,000" not in page.content()


def test_a_supervisor_sees_the_people_of_the_figures_by_name(browser, floor):
    """The leaderboard's reps and the slow deals' owners by the names territory gives the
    supervisor (her team's members), never by their user ids."""
    sue, reports, scope, period = floor["sue"], floor["reports"], floor["scope"], floor["period"]
    ann = floor["people"]["ann"]
    board = sue(reports.Leaderboard, pb.LeaderboardRequest(scope=scope, period=period, limit=20))
    assert [r.id for r in board.reps] == [ann.user_id]  # Ann closed the team's deals
    query = f"scope=team:{scope.id}&period=month&date={period.date}"
    page, _ = signed_in(browser, floor["url"], floor["emails"]["sue"])
    page.goto(f"{floor['url']}/dashboards/leaderboard?{query}")
    reps = page.locator("#leaders-reps").inner_text()
    assert "Ann" in reps and ann.user_id not in reps
    page.locator(".chart-box.drawn canvas").first.wait_for()
    check_accessibility(page)
    screenshot(page, "dashboard-leaderboard-en")
    persian, _ = signed_in(browser, floor["url"], floor["emails"]["sue"], language="fa")
    persian.goto(f"{floor['url']}/dashboards/leaderboard?{query}")
    assert "Ann" in persian.locator("#leaders-reps").inner_text()
    persian.locator(".chart-box.drawn canvas").first.wait_for()
    check_accessibility(persian)
    screenshot(persian, "dashboard-leaderboard-fa")
    cycle = sue(reports.SalesCycle, pb.SalesCycleRequest(scope=scope, period=period))
    page.goto(f"{floor['url']}/dashboards/cycle?{query}")
    slow = page.locator("#slow-deals").inner_text()
    for deal in cycle.open_deals:
        assert deal.owner_user_id not in slow
    if cycle.open_deals:
        assert "Ann" in slow


def test_a_reporting_currency_chosen_in_the_form_stays_in_the_links(browser, floor):
    """No rate is set on this floor: in USD reporting refuses (the page shows its sentence and
    the command); in EUR, the deals' own currency, nothing needs a rate and the page says so."""
    url, scope, period = floor["url"], floor["scope"], floor["period"]
    page, _ = signed_in(browser, url, floor["emails"]["sue"])
    page.goto(f"{url}/dashboards?scope=team:{scope.id}&period=month&date={period.date}")
    page.get_by_label("Reporting currency").select_option("USD")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(lambda address: "currency=USD" in address)
    refused = page.locator("#dash-empty").inner_text()
    assert "crmctl rates set EUR USD RATE" in refused
    check_accessibility(page)

    page.get_by_label("Reporting currency").select_option("EUR")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(lambda address: "currency=EUR" in address)
    assert "Every amount was already in EUR" in page.locator("#dash-rates").inner_text()
    assert page.locator("#targets").is_visible()
    win_rate = page.get_by_role("link", name="Win rate").get_attribute("href") or ""
    assert "currency=EUR" in win_rate and f"team%3A{scope.id}" in win_rate
    check_accessibility(page)
