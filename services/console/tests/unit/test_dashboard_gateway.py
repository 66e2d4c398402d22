"""The reporting gateway on a recording channel: every call carries the person's own token and
the scope and period of the link, reporting's messages become the dashboards' figures (money per
currency, exact), territory's scopes become the scope choice, and a refusal keeps its sentence."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import grpc
import pytest

from crm.common.v1 import money_pb2
from crm.reporting.v1 import marketing_pb2
from crm.reporting.v1 import reports_pb2 as pb
from crm.territory.v1 import access_pb2, teams_pb2
from crm_console.adapters.reporting_grpc import ReportingGateway
from crm_console.domain.deals import Money
from crm_console.domain.errors import NotFound
from crm_console.domain.reports import ReportPeriod, ReportScope, TeamScope, last_twelve_months


class Refusal(grpc.RpcError):
    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        self._code, self._details = code, details

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details

    def trailing_metadata(self):
        return ()


class Channel:
    """Answers each method with the canned message (or raises it) and records the calls."""

    def __init__(self, answers: dict[str, object]) -> None:
        self.answers, self.calls = answers, []

    def unary_unary(self, method, request_serializer=None, response_deserializer=None, **_):
        def call(request, timeout=None, metadata=None):
            self.calls.append((method.rsplit("/", 1)[-1], request, dict(metadata or ())))
            answer = self.answers[method.rsplit("/", 1)[-1]]
            if isinstance(answer, Exception):
                raise answer
            return answer

        return call

    def __getattr__(self, name):  # streams: not used by the gateway
        return lambda *args, **kwargs: None


def eur(amount: str, currency: str = "EUR") -> money_pb2.Money:
    return money_pb2.Money(amount=amount, currency=currency)


SCOPE = ReportScope("team", "team-1", "line-1")
PERIOD = ReportPeriod("quarter", dt.date(2026, 12, 7))


def gateway(answers: dict[str, object], scopes: dict[str, object] | None = None):
    reporting, territory = Channel(answers), Channel(scopes or {})
    return ReportingGateway(reporting, territory, 5.0), reporting, territory


def test_a_call_carries_the_token_the_scope_and_the_period():
    funnel = pb.FunnelResponse(
        period=pb.ResolvedPeriod(label="2026-Q4"),
        pipelines=[
            pb.PipelineFunnel(
                pipeline_id="p1",
                sales_line_id="line-1",
                stages=[
                    pb.FunnelStage(
                        stage_key="new",
                        stage_name="New",
                        open_deals=3,
                        open_value=[eur("1500.50"), eur("90", "USD")],
                        reached=7,
                        conversion_to_next_percent="42.9",
                    )
                ],
                created=7,
                won=2,
            )
        ],
    )
    port, channel, _ = gateway({"Funnel": funnel})
    report = port.funnel("token-9", SCOPE, PERIOD)
    method, request, metadata = channel.calls[0]
    assert method == "Funnel" and metadata == {"authorization": "Bearer token-9"}
    assert (request.scope.kind, request.scope.id, request.scope.sales_line_id) == (
        pb.SCOPE_KIND_TEAM,
        "team-1",
        "line-1",
    )
    assert (request.period.kind, request.period.date) == (pb.PERIOD_KIND_QUARTER, "2026-12-07")
    assert report.label == "2026-Q4"
    (stage,) = report.figures[0].stages
    assert stage.open_value == (Money(Decimal("1500.50"), "EUR"), Money(Decimal("90"), "USD"))
    assert (stage.open_deals, stage.reached, stage.conversion_to_next_percent) == (3, 7, "42.9")


def test_a_range_goes_to_reporting_as_its_first_and_last_day():
    port, channel, _ = gateway({"Funnel": pb.FunnelResponse()})
    port.funnel("token-9", SCOPE, last_twelve_months(dt.date(2028, 2, 29)))
    period = channel.calls[0][1].period
    assert (period.kind, period.start_date, period.end_date, period.date) == (
        pb.PERIOD_KIND_RANGE,
        "2027-03-01",
        "2028-02-29",
        "",
    )


def test_the_forecast_keeps_each_currency_and_category_apart():
    answer = pb.ForecastResponse(
        rows=[
            pb.ForecastRow(
                close_period="2027-01",
                category=pb.FORECAST_CATEGORY_COMMIT,
                currency="ILS",
                deals=2,
                open_value=eur("100", "ILS"),
            )
        ],
        totals=[
            pb.ForecastTotals(close_period="2027-01", currency="ILS", commit=eur("100", "ILS")),
            pb.ForecastTotals(close_period="2027-01", currency="EUR", pipeline=eur("5")),
        ],
    )
    port, channel, _ = gateway({"Forecast": answer})
    forecast = port.forecast("t", SCOPE, PERIOD, "quarter").figures
    assert channel.calls[0][1].bucket == pb.PERIOD_KIND_QUARTER
    assert forecast.currencies == ("EUR", "ILS")
    assert forecast.rows[0].category == "commit" and forecast.rows[0].weighted_value is None
    assert forecast.totals_in("EUR")[0].commit is None  # unset is no figure, not zero


def test_campaign_roi_and_the_leaderboard():
    roi = marketing_pb2.CampaignRoiResponse(
        campaigns=[
            marketing_pb2.CampaignRoiRow(
                campaign_id="c1",
                name="Fair",
                cost=eur("1000"),
                won_revenue=eur("3000"),
                roi_percent="200.0",
                other_currencies=[eur("50", "USD")],
            )
        ]
    )
    board = pb.LeaderboardResponse(reps=[pb.LeaderboardRow(id="u1", won=4)])
    port, channel, _ = gateway({"CampaignRoi": roi, "Leaderboard": board})
    (campaign,) = port.campaign_roi("t", SCOPE, PERIOD).figures
    assert campaign.other_currencies == (Money(Decimal("50"), "USD"),)
    assert port.leaderboard("t", SCOPE, PERIOD, 20).figures.reps[0].won == 4
    assert channel.calls[1][1].limit == 20


def test_the_scopes_are_territorys_with_the_role_and_the_managed_unit():
    answer = access_pb2.ListScopesResponse(
        user_scopes=access_pb2.UserScopes(
            scopes=[
                access_pb2.Scope(team_id="t1", role=teams_pb2.TEAM_ROLE_SUPERVISOR),
                access_pb2.Scope(team_id="t2", role=teams_pb2.TEAM_ROLE_MANAGER, unit_id="west"),
            ]
        )
    )
    port, _, territory = gateway({}, {"ListScopes": answer})
    assert port.scopes("t", "u1") == (
        TeamScope("t1", "supervisor"),
        TeamScope("t2", "manager", "west"),
    )
    assert territory.calls[0][1].user_id == "u1"


def test_a_scope_reporting_hides_is_not_found_with_its_sentence():
    refusal = Refusal(grpc.StatusCode.NOT_FOUND, "team 'x' not found")
    port, _, _ = gateway({"Dashboard": refusal})
    with pytest.raises(NotFound, match="team 'x' not found"):
        port.dashboard("t", SCOPE, PERIOD)
