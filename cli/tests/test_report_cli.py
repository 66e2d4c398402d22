"""crmctl report ... against a recording fake of reporting (conftest.py, on a real gRPC server):
the scope and period crmctl sends, the tables and JSON it prints, and the PNG charts it draws
(matplotlib, Agg backend) for funnel, forecast, targets and velocity."""

from __future__ import annotations

import json

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from crm.common.v1 import money_pb2
from crm.reporting.v1 import marketing_pb2, reports_pb2

PNG = b"\x89PNG\r\n\x1a\n"


def eur(amount: str) -> money_pb2.Money:
    return money_pb2.Money(amount=amount, currency="EUR")


def resolved(label: str, start: str = "2026-03-01T00:00:00Z") -> reports_pb2.ResolvedPeriod:
    moment = Timestamp()
    moment.FromJsonString(start)
    return reports_pb2.ResolvedPeriod(label=label, start=moment, time_zone="UTC")


def ok(result):
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def cli(logged_in, reporting):
    return logged_in


FUNNEL = reports_pb2.FunnelResponse(
    period=resolved("2026-03"),
    pipelines=[
        reports_pb2.PipelineFunnel(
            pipeline_id="p-1",
            sales_line_id="line-1",
            created=10,
            won=2,
            opportunity_to_won_percent="20.0",
            stages=[
                reports_pb2.FunnelStage(
                    stage_key="qualify",
                    stage_name="Qualify",
                    open_deals=4,
                    open_value=[eur("4000.00")],
                    reached=10,
                    conversion_to_next_percent="60.0",
                    mean_days="3.5",
                    median_days="3.0",
                    expected_days=14,
                ),
                reports_pb2.FunnelStage(
                    stage_key="propose", stage_name="Propose", reached=6, stuck_deals=1
                ),
            ],
        )
    ],
)


def test_funnel_sends_the_scope_and_period_and_prints_a_table(cli, reporting):
    reporting.replies["Funnel"] = FUNNEL
    out = ok(
        cli(
            "report",
            "funnel",
            "--team",
            "Team A",
            "--line",
            "Enterprise",
            "--period",
            "quarter",
            "--date",
            "2026-02-10",
            "--tz",
            "Europe/Berlin",
        )
    )
    (sent,) = reporting.sent("Funnel")
    assert (sent.scope.kind, sent.scope.id, sent.scope.sales_line_id) == (
        reports_pb2.SCOPE_KIND_TEAM,
        "team-a",
        "line-1",
    )
    assert (sent.period.kind, sent.period.date, sent.period.time_zone) == (
        reports_pb2.PERIOD_KIND_QUARTER,
        "2026-02-10",
        "Europe/Berlin",
    )
    assert "Qualify" in out and "4000.00 EUR" in out and "60.0%" in out
    assert "10 created, 2 won (20.0%)" in out


def test_a_range_and_json_output(cli, reporting):
    reporting.replies["WinRate"] = reports_pb2.WinRateResponse(
        period=resolved("2026-03-01..2026-03-09"),
        win_rate=reports_pb2.WinRate(won=3, lost=1, percent="75.0"),
    )
    out = ok(
        cli(
            "report",
            "winrate",
            "--company",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-09",
            "-o",
            "json",
        )
    )
    assert json.loads(out)["win_rate"]["percent"] == "75.0"
    (sent,) = reporting.sent("WinRate")
    assert sent.scope.kind == reports_pb2.SCOPE_KIND_COMPANY
    assert (sent.period.kind, sent.period.start_date, sent.period.end_date) == (
        reports_pb2.PERIOD_KIND_RANGE,
        "2026-03-01",
        "2026-03-09",
    )


@pytest.mark.parametrize(
    "args, message",
    [
        ((), "name a scope"),
        (("--company", "--team", "team-a"), "name one scope"),
        (("--company", "--from", "2026-03-01"), "both --from and --to"),
        (("--company", "--date", "03/01/2026"), "--date must be a day YYYY-MM-DD"),
        (("--company", "--tz", "Mars/Base"), "--tz must be an IANA time zone"),
    ],
)
def test_bad_scope_or_period_is_refused_before_any_call(cli, reporting, args, message):
    result = cli("report", "winrate", *args)
    assert result.exit_code == 1 and message in result.output
    assert reporting.sent("WinRate") == []


def test_a_refusal_of_reporting_reaches_the_person(cli, reporting):
    reporting.replies["Funnel"] = (grpc.StatusCode.NOT_FOUND, "team 'team-b' not found")
    result = cli("report", "funnel", "--team", "team-a")
    assert result.exit_code == 1 and "team 'team-b' not found" in result.output


def test_funnel_chart_is_a_png(cli, reporting, tmp_path):
    reporting.replies["Funnel"] = FUNNEL
    chart = tmp_path / "funnel.png"
    ok(cli("report", "funnel", "--company", "--chart", str(chart)))
    assert chart.read_bytes().startswith(PNG)


def test_forecast_table_and_stacked_bars(cli, reporting, tmp_path):
    reporting.replies["Forecast"] = reports_pb2.ForecastResponse(
        period=resolved("2026-Q2"),
        totals=[
            reports_pb2.ForecastTotals(
                close_period=month,
                currency="EUR",
                commit=eur(c),
                best_case=eur("100.00"),
                pipeline=eur("50.00"),
                weighted=eur("120.00"),
                won=eur("0.00"),
            )
            for month, c in (("2026-04", "300.00"), ("2026-05", "10.00"))
        ],
    )
    chart = tmp_path / "forecast.png"
    out = ok(
        cli(
            "report",
            "forecast",
            "--line",
            "line-1",
            "--period",
            "quarter",
            "--bucket",
            "month",
            "--chart",
            str(chart),
        )
    )
    assert "2026-04" in out and "300.00" in out
    assert chart.read_bytes().startswith(PNG)
    (sent,) = reporting.sent("Forecast")
    assert sent.bucket == reports_pb2.PERIOD_KIND_MONTH
    assert (sent.scope.kind, sent.scope.id) == (reports_pb2.SCOPE_KIND_SALES_LINE, "line-1")
    wrong = cli("report", "forecast", "--company", "--currency", "USD", "--chart", str(chart))
    assert wrong.exit_code == 1 and "no forecast in USD; currencies: EUR" in wrong.output


def test_targets_chart(cli, reporting, tmp_path):
    reporting.replies["TargetsVsActual"] = reports_pb2.TargetsVsActualResponse(
        period=resolved("2026-Q1"),
        targets=[
            reports_pb2.TargetVsActual(
                sales_line_id="line-1",
                team_id="team-a",
                period="2026-Q1",
                target_amount=eur("1000.00"),
                actual_amount=eur("800.00"),
                amount_attainment_percent="80.0",
                target_deals=5,
                actual_deals=4,
                deals_attainment_percent="80.0",
            )
        ],
    )
    chart = tmp_path / "targets.png"
    out = ok(cli("report", "targets", "--company", "--chart", str(chart)))
    assert "80.0%" in out and "4/5" in out
    assert chart.read_bytes().startswith(PNG)
    bad = cli("report", "targets", "--company", "--chart", str(tmp_path / "t.jpg"))
    assert bad.exit_code == 1 and "PNG" in bad.output


def test_velocity_trend_walks_back_through_reportings_previous_periods(cli, reporting, tmp_path):
    def answer(request):
        month = int(request.period.date[5:7])

        def velocity(m, per_day):
            return reports_pb2.Velocity(
                period=resolved(f"2026-{m:02d}", f"2026-{m:02d}-01T00:00:00Z"),
                currencies=[reports_pb2.CurrencyVelocity(currency="EUR", per_day=eur(per_day))],
            )

        return reports_pb2.SalesVelocityResponse(
            current=velocity(month, f"{month}0.00"),
            previous=velocity(month - 1, f"{month - 1}0.00"),
            changes=[reports_pb2.VelocityChange(currency="EUR", percent="12.5")],
        )

    reporting.replies["SalesVelocity"] = answer
    chart = tmp_path / "velocity.png"
    out = ok(
        cli(
            "report",
            "velocity",
            "--company",
            "--date",
            "2026-06-15",
            "--trend",
            "3",
            "--chart",
            str(chart),
        )
    )
    assert "60.00 EUR" in out and "12.5%" in out
    assert [r.period.date for r in reporting.sent("SalesVelocity")] == [
        "2026-06-15",
        "2026-05-01",
        "2026-04-01",
    ]
    assert chart.read_bytes().startswith(PNG)


def test_marketing_reports(cli, reporting):
    reporting.replies["LeadSources"] = marketing_pb2.LeadSourcesResponse(
        period=resolved("2026-03"),
        sources=[
            marketing_pb2.LeadSourceRow(
                channel="event", campaign_id="c-1", leads=4, won=1, lead_to_won_percent="25.0"
            )
        ],
    )
    reporting.replies["CampaignRoi"] = marketing_pb2.CampaignRoiResponse(
        period=resolved("2026-03"),
        campaigns=[
            marketing_pb2.CampaignRoiRow(
                campaign_id="c-1",
                name="Fair",
                cost=eur("100.00"),
                won_revenue=eur("250.00"),
                roi_percent="150.0",
            )
        ],
    )
    reporting.replies["Customers"] = marketing_pb2.CustomersResponse(
        period=resolved("2026-03"),
        accounts_won=2,
        customers_at_start=10,
        customers_lost=1,
        churn_percent="10.00",
        by_region=[marketing_pb2.RevenueRow(key="DE", revenue=eur("250.00"), deals=1)],
    )
    assert "25.0%" in ok(cli("report", "sources", "--company"))
    assert "150.0%" in ok(cli("report", "campaigns", "--company"))
    churn = ok(cli("report", "churn", "--company"))
    assert "1/10 customers = 10.00%" in churn and "DE" in churn


def test_leaders_name_people_and_teams(cli, reporting):
    reporting.replies["Leaderboard"] = reports_pb2.LeaderboardResponse(
        period=resolved("2026-03"),
        teams=[reports_pb2.LeaderboardRow(id="team-a", won=3, won_value=[eur("900.00")])],
    )
    out = ok(cli("report", "leaders", "--company", "--limit", "5"))
    assert "Team A (team-a)" in out and "900.00 EUR" in out
    assert reporting.sent("Leaderboard")[0].limit == 5


def test_a_reporting_currency_is_sent_and_the_rates_used_are_printed(cli, reporting):
    reporting.replies["WinRate"] = reports_pb2.WinRateResponse(
        period=resolved("2026-Q1"),
        win_rate=reports_pb2.WinRate(
            won=3,
            lost=2,
            percent="60.0",
            by_value=[
                reports_pb2.ValueWinRate(
                    currency="EUR", won=eur("1308.40"), lost=eur("2500.00"), percent="34.4"
                )
            ],
        ),
        conversion=reports_pb2.CurrencyConversion(
            currency="EUR",
            rates=[
                reports_pb2.AppliedRate(
                    currency="USD",
                    to="EUR",
                    rate="0.92",
                    rate_date="2026-02-15",
                    source="ECB",
                    amounts=1,
                    explanation="1 USD = 0.92 EUR (rate of 2026-02-15)",
                )
            ],
        ),
    )
    out = ok(cli("report", "winrate", "--company", "--period", "quarter", "--currency", "eur"))
    (sent,) = reporting.sent("WinRate")
    assert sent.currency == "eur"  # reporting checks and upper-cases it
    assert "1308.40 EUR" in out and "in EUR, at the rates of the days converted" in out
    assert "1 USD = 0.92 EUR (rate of 2026-02-15)" in out and "ECB" in out
    # Without --currency: nothing is sent and no rate is printed.
    reporting.replies["WinRate"] = reports_pb2.WinRateResponse(period=resolved("2026-Q1"))
    out = ok(cli("report", "winrate", "--company"))
    assert reporting.sent("WinRate")[-1].currency == "" and "rates of the days" not in out
