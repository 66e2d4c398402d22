"""The last step: reporting has caught up with what was seeded, so every dashboard shows it. The
head of sales (who reports on every team) reads the company's figures over the whole history and
they must equal what the seeding put in: deals won and lost, open deals over the pipelines'
stages, campaigns with attributed revenue, targets against actual."""

from __future__ import annotations

import datetime as dt
import time

from crm.reporting.v1 import marketing_pb2
from crm.reporting.v1 import reports_pb2 as pb
from crm_devrun.demo.calls import StepFailed, refusal
from crm_devrun.demo.state import Seeding

CATCH_UP_TIMEOUT_SECONDS = 120.0


def expected(seeding: Seeding) -> dict[str, int]:
    history = seeding.history
    return {
        "won": history.closed("won") + len(history.campaign_wins),
        "lost": history.closed("lost"),
        "open": len(history.expected_close),
        "campaign wins": len(history.campaign_wins),
    }


def reporting(seeding: Seeding) -> dict[str, int]:
    step = "reporting"
    stubs, head = seeding.stubs, seeding.head
    start = seeding.today - dt.timedelta(days=round(seeding.months * 30.44) + 1)
    period = pb.Period(
        kind=pb.PERIOD_KIND_RANGE, start_date=start.isoformat(), end_date=seeding.today.isoformat()
    )
    company = pb.Scope(kind=pb.SCOPE_KIND_COMPANY)
    want = expected(seeding)
    deadline = time.monotonic() + CATCH_UP_TIMEOUT_SECONDS
    while True:
        try:
            with refusal(step, "reading the company's figures"):
                rate = head(
                    stubs.reports.WinRate, pb.WinRateRequest(scope=company, period=period)
                ).win_rate
                funnel = head(stubs.reports.Funnel, pb.FunnelRequest(scope=company, period=period))
                roi = head(
                    stubs.marketing.CampaignRoi,
                    marketing_pb2.CampaignRoiRequest(scope=company, period=period),
                )
        except StepFailed as failed:
            # The figures are polled until they match anyway: a moment of UNAVAILABLE while
            # reporting catches up (its database briefly out of connections) is asked again.
            if not failed.retryable or time.monotonic() > deadline:
                raise
            time.sleep(2)
            continue
        seen = {
            "won": rate.won,
            "lost": rate.lost,
            "open": sum(s.open_deals for p in funnel.pipelines for s in p.stages),
            "campaign wins": sum(c.won_deals for c in roi.campaigns),
        }
        seeding.say(
            "reporting: " + ", ".join(f"{k} {seen[k]}/{want[k]}" for k in want), transient=True
        )
        if seen == want:
            break
        if time.monotonic() > deadline:
            raise StepFailed(
                step,
                f"after {CATCH_UP_TIMEOUT_SECONDS:.0f} s the company's figures are {seen}, the seeding made {want}",
            )
        time.sleep(2)
    empty_stages = [s.stage_key for p in funnel.pipelines for s in p.stages if not s.open_deals]
    if empty_stages:
        raise StepFailed(step, f"no open deal at stages {empty_stages}")
    year = pb.Period(kind=pb.PERIOD_KIND_YEAR, date=seeding.today.isoformat())
    with refusal(step, "reading targets vs actual"):
        targets = head(
            stubs.reports.TargetsVsActual, pb.TargetsVsActualRequest(scope=company, period=year)
        ).targets
    if not targets:
        raise StepFailed(step, "no target of this year in the company's targets vs actual")
    seeding.say(
        f"reporting: caught up — win rate {rate.percent} % ({rate.won} won, {rate.lost} lost), "
        f"{seen['open']} open deals, {seen['campaign wins']} campaign-won deals, "
        f"{len(targets)} targets this year"
    )
    return seen
