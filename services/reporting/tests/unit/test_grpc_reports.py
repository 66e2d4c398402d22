"""SalesReportsService over a real gRPC server: requests are validated with messages a person
can act on, figures leave rounded, and the visibility rules answer like an unknown id."""

from __future__ import annotations

import grpc
from reporting_events import Deal, at, org, pipeline

from crm.reporting.v1 import reports_pb2 as pb
from crm_chassis.caller import Caller
from crm_reporting.service_layer.consumption import record_event

WORKER = Caller.system("reporting-worker")
Q1 = pb.Period(kind=pb.PERIOD_KIND_QUARTER, date="2026-02-10")
TEAM_T1 = pb.Scope(kind=pb.SCOPE_KIND_TEAM, id="t1")


def feed(world, *events):
    for event in events:
        record_event(world.deps, WORKER, event=event)


def test_win_rate_over_grpc(world, api):
    a, b, c = Deal("a"), Deal("b", amount="500.00"), Deal("c", currency="USD", amount="20.00")
    feed(world, *org(), pipeline())
    feed(world, a.created(at("2026-01-05")), a.won(at("2026-02-01"), actual="1200.00"))
    feed(world, b.created(at("2026-01-06")), b.lost(at("2026-03-31", 23)))
    feed(world, c.created(at("2026-01-07")), c.won(at("2026-03-01")))
    answer = api.call(api.reports.WinRate, pb.WinRateRequest(scope=TEAM_T1, period=Q1))
    assert answer.period.label == "2026-Q1"
    assert (answer.win_rate.won, answer.win_rate.lost, answer.win_rate.percent) == (2, 1, "66.7")
    by_value = {
        v.currency: (v.won.amount, v.lost.amount, v.percent) for v in answer.win_rate.by_value
    }
    assert by_value == {"EUR": ("1200.00", "500.00", "70.6"), "USD": ("20.00", "0.00", "100.0")}


def test_bad_requests_say_what_to_send(api):
    refused = api.refused(
        grpc.StatusCode.INVALID_ARGUMENT,
        api.reports.WinRate,
        pb.WinRateRequest(scope=TEAM_T1, period=pb.Period(kind=pb.PERIOD_KIND_MONTH, date="soon")),
    )
    assert "period.date 'soon' is not a date" in refused
    refused = api.refused(
        grpc.StatusCode.INVALID_ARGUMENT,
        api.reports.WinRate,
        pb.WinRateRequest(scope=pb.Scope(id="t1"), period=Q1),
    )
    assert "scope.kind is required" in refused
    refused = api.refused(
        grpc.StatusCode.INVALID_ARGUMENT,
        api.reports.Funnel,
        pb.FunnelRequest(
            scope=TEAM_T1,
            period=pb.Period(kind=pb.PERIOD_KIND_DAY, date="2026-01-01", time_zone="Mars/Base"),
        ),
    )
    assert "not an IANA time zone" in refused


def test_a_team_the_caller_may_not_report_on_answers_like_an_unknown_one(world, api):
    feed(world, *org())
    hidden = api.refused(
        grpc.StatusCode.NOT_FOUND,
        api.reports.WinRate,
        pb.WinRateRequest(scope=pb.Scope(kind=pb.SCOPE_KIND_TEAM, id="t3"), period=Q1),
    )
    unknown = api.refused(
        grpc.StatusCode.NOT_FOUND,
        api.reports.WinRate,
        pb.WinRateRequest(scope=pb.Scope(kind=pb.SCOPE_KIND_TEAM, id="nope"), period=Q1),
    )
    assert hidden.replace("t3", "X") == unknown.replace("nope", "X")
    api.refused(
        grpc.StatusCode.PERMISSION_DENIED,
        api.reports.WinRate,
        pb.WinRateRequest(scope=TEAM_T1, period=Q1),
        user="root",
    )
    api.refused(
        grpc.StatusCode.UNAUTHENTICATED,
        lambda r, **kw: api.reports.WinRate(r, timeout=5),
        pb.WinRateRequest(scope=TEAM_T1, period=Q1),
    )


def test_the_dashboard_answers_every_part(world, api):
    a = Deal("a", close_date="2026-02-20")
    feed(
        world, *org(), pipeline(), a.created(at("2026-01-05")), a.moved("propose", at("2026-01-10"))
    )
    answer = api.call(api.reports.Dashboard, pb.DashboardRequest(scope=TEAM_T1, period=Q1))
    stages = answer.funnel.pipelines[0].stages
    assert [(s.stage_key, s.open_deals, s.reached) for s in stages] == [
        ("qualify", 0, 1),
        ("propose", 1, 1),
        ("negotiate", 0, 0),
    ]
    assert stages[0].mean_days == "5.0"
    assert answer.forecast.totals[0].close_period == "2026-02"
    assert answer.forecast.totals[0].best_case.amount == "1000.00"
    assert answer.forecast.totals[0].weighted.amount == "500.00"
    assert answer.targets.period.label == "2026-Q1"
