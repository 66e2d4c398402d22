"""My day's open deals beside the days deals usually stay in their stage: reporting's funnel
for the team of the person's deals (one call per page), the average marked "slower than usual"
only past the stage's expected days too; when reporting refuses or does not answer, the
pipeline's expected days, and the page says which comparison it shows."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from decimal import Decimal

import pytest

from crm_console.domain.deals import Deal
from crm_console.domain.errors import Refused, Unavailable
from crm_console.domain.reports import (
    FunnelStage,
    PipelineFunnel,
    ReportPeriod,
    ReportScope,
    TeamScope,
    last_twelve_months,
)
from crm_console.service_layer.my_day import AVERAGE, EXPECTED, MyDeal, compared, stage_days

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def stage(key: str, mean: str, expected: int) -> FunnelStage:
    return FunnelStage(key, key, 1, (), 3, "", mean, mean, expected, 0)


FUNNEL = (
    PipelineFunnel(
        "pipeline-1",
        "line-1",
        (stage("new", "4.5", 7), stage("proposal", "3.0", 0), stage("won_only", "", 0)),
        10,
        2,
        "20.0",
    ),
)


def deals_section(page: str) -> str:
    return page[page.index('id="my-deals"') :]


def row_of(section: str, name: str) -> str:
    start = section.index(f">{name}</a>")
    return section[start : section.index("</tr>", start)]


@pytest.fixture
def rep(world, figures_of):
    client, identity, _, _ = world
    person = identity.add("ann@example.com", "Ann")
    deps = client.app.state.console.deps
    deps.deals.teams["team-1"] = {person.user_id}
    for deal_id, stage_key, days in (("d1", "new", 10), ("d2", "new", 6), ("d3", "proposal", 5)):
        deps.deals.add(deal_id, stage_key, "1000")
        deps.deals.cards[deal_id] = dataclasses.replace(
            deps.deals.cards[deal_id], stage_entered_at=NOW - dt.timedelta(days=days, hours=1)
        )
    deps.reporting.team_scopes[person.user_id] = (TeamScope("team-1", "supervisor"),)
    deps.reporting.figures[("team", "team-1")] = dataclasses.replace(
        figures_of("2026"), funnel=FUNNEL
    )
    asked_pipelines: list[str] = []
    pipelines = deps.deals.pipeline_details

    def counted(token):
        asked_pipelines.append(token)
        return pipelines(token)

    deps.deals.pipeline_details = counted
    form = client.get("/sign-in")
    client.post(
        "/sign-in",
        data={
            "csrf_token": CSRF.search(form.text).group(1),
            "email": person.email,
            "password": PASSWORD,
        },
    )
    return client, deps, asked_pipelines


def test_each_deal_beside_its_team_average_from_one_funnel_call(rep):
    client, deps, asked_pipelines = rep
    deps.reporting.asked.clear()
    page = client.get("/")
    assert page.status_code == 200
    section = deals_section(page.text)
    assert "Usual days" in section
    assert "deals stayed in that stage over the last twelve months (2026;" in section
    assert "4.5 (average)" in row_of(section, "Deal d1") and "slower than usual" in row_of(
        section, "Deal d1"
    )
    # above the average but within the pipeline's 7 expected days: not flagged
    assert "4.5 (average)" in row_of(section, "Deal d2")
    assert "slower than usual" not in row_of(section, "Deal d2")
    assert "3 (average)" in row_of(section, "Deal d3") and "slower" in row_of(section, "Deal d3")
    assert deps.reporting.asked == [
        ("funnel", ReportScope("team", "team-1"), last_twelve_months(NOW.date()))
    ]
    assert last_twelve_months(NOW.date()) == ReportPeriod(
        "range", NOW.date(), start=NOW.date().replace(year=NOW.year - 1) + dt.timedelta(days=1)
    )
    assert asked_pipelines == []  # the funnel covered every deal: no call to deals for it


@pytest.mark.parametrize(
    "refusal",
    [
        Refused("you may not view the reports of team team-1"),  # PERMISSION_DENIED
        Unavailable("a service did not answer (UNAVAILABLE); try again"),
    ],
)
def test_reporting_refusing_or_silent_falls_back_to_the_expected_days(rep, refusal):
    client, deps, asked_pipelines = rep
    deps.reporting.funnel_refusal = refusal
    page = client.get("/")
    assert page.status_code == 200
    section = deals_section(page.text)
    assert "expected days from the pipeline" in section
    assert "7 (expected)" in row_of(section, "Deal d1")
    assert "slower than usual" in row_of(section, "Deal d1")
    assert "7 (expected)" in row_of(section, "Deal d2")
    assert "slower than usual" not in row_of(section, "Deal d2")
    # a stage without expected days has nothing to compare with
    assert "(expected)" not in row_of(section, "Deal d3") and "slower" not in row_of(
        section, "Deal d3"
    )
    assert len(asked_pipelines) == 1  # one ListPipelines for the page


def test_deals_and_reporting_both_silent_still_show_the_day(rep):
    client, deps, _ = rep
    deps.reporting.funnel_refusal = Unavailable("no answer")

    def silent(token):
        raise Unavailable("no answer")

    deps.deals.pipeline_details = silent
    page = client.get("/")
    assert page.status_code == 200
    section = deals_section(page.text)
    assert "Deal d1" in section and "slower" not in section


def test_the_comparison_in_persian_and_hebrew(rep):
    client, deps, _ = rep
    deps.reporting.funnel_refusal = Refused("no view_reports")
    for lang, words in (("fa", "کندتر از معمول"), ("he", "איטי מהרגיל")):
        client.post(
            "/language",
            data={"csrf_token": CSRF.search(client.get("/").text).group(1), "lang": lang},
        )
        assert words in deals_section(client.get("/").text)


def deal(team: str = "team-1", line: str = "line-1", stage_key: str = "new") -> Deal:
    return Deal(
        "d", "D", team, "", "", line, stage_key, stage_key, "open", 10, "EUR", None, "", "u"
    )


def test_comparison_rule():
    means, expected = stage_days(FUNNEL)
    assert means == {("line-1", "new"): Decimal("4.5"), ("line-1", "proposal"): Decimal("3.0")}
    assert expected == {("line-1", "new"): Decimal(7)}
    on_average = compared(MyDeal(deal(), 8), means, expected, "team-1")
    assert (on_average.compared_with, on_average.usual_days, on_average.slower) == (
        AVERAGE,
        Decimal("4.5"),
        True,
    )
    assert not compared(MyDeal(deal(), 7), means, expected, "team-1").slower  # not past 7
    assert not compared(MyDeal(deal(), 4), means, expected, "team-1").slower
    # another team's deal is not compared with this team's average
    other = compared(MyDeal(deal(team="team-2"), 8), means, expected, "team-1")
    assert (other.compared_with, other.usual_days, other.slower) == (EXPECTED, Decimal(7), True)
    # a stage without stays nor expectation: nothing to compare with
    bare = compared(MyDeal(deal(stage_key="won_only"), 99), means, expected, "team-1")
    assert (bare.compared_with, bare.usual_days, bare.slower) == ("", None, False)
