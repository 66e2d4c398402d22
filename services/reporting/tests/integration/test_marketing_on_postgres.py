"""The marketing read models on PostgreSQL: events recorded by the consumption use case land in
the marketing tables and the marketing reports read them back (amounts exact, lines kept), a
reopened deal leaves them, and a rebuild from the event store gives the same report."""

from __future__ import annotations

import pathlib
import sys
from decimal import Decimal

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent.parent / "unit"))

from reporting_events import Deal, at, org
from test_marketing_consumption import account_event, campaign_event, lead_events

from crm.common.v1 import money_pb2
from crm.deals.v1 import resources_pb2 as deals_res
from crm_chassis.caller import Caller
from crm_reporting import migrate
from crm_reporting.domain.periods import PeriodKind, resolve
from crm_reporting.domain.scope import Scope, ScopeKind
from crm_reporting.entrypoints import settings, wiring
from crm_reporting.service_layer import marketing
from crm_reporting.service_layer.consumption import rebuild, record_event
from crm_reporting.service_layer.ports import ScopeReader
from crm_testkit import database_fixtures

pytestmark = pytest.mark.integration

database_url, engine = database_fixtures("reporting_marketing", migrate.upgrade)
WORKER = Caller.system("reporting-worker")
MARCH = resolve(PeriodKind.MONTH, date="2026-03-10")
TEAM = Scope.of(ScopeKind.TEAM, "t1", "")


class Scopes(ScopeReader):
    """mia manages team t1 (territory's view_reports right)."""

    def roles_by_team(self, user_id: str) -> dict[str, str]:
        return {"t1": "manager"} if user_id == "mia" else {}

    def members(self, team_id: str) -> list[tuple[str, str]]:
        return [("mia", "manager")] if team_id == "t1" else []


def test_marketing_reports_read_what_the_events_wrote(database_url, engine):
    deps = wiring.build_dependencies(
        settings.load(env={}, database_url=database_url), engine=engine, scopes=Scopes()
    )
    deal = Deal("d1")
    line = deal.message.lines.add(product_id="p-1")
    line.line_total.CopyFrom(money_pb2.Money(amount="1200.50", currency="EUR"))
    deal.message.account_id, deal.message.campaign_id = "a1", "fair"
    events = [
        *org(),
        *lead_events(),
        campaign_event("1000.00"),
        account_event(2, deals_res.RELATIONSHIP_CUSTOMER),
        deal.created(at("2026-03-01")),
        deal.won(at("2026-03-05"), actual="1200.50"),
    ]
    for event in events:
        record_event(deps, WORKER, event=event)
    mia = Caller("mia")

    def reports():
        return (
            marketing.lead_sources_report(deps, mia, scope=TEAM, period=MARCH),
            marketing.campaign_roi_report(deps, mia, scope=TEAM, period=MARCH),
            marketing.customers_report(deps, mia, scope=TEAM, period=MARCH),
        )

    sources, roi, customers = reports()
    assert [(s.channel, s.leads, s.won) for s in sources] == [("event", 1, 1)]
    assert (roi[0].won_revenue, roi[0].roi_percent) == (
        Decimal("1200.50"),
        Decimal("20.0"),
    )  # 20.05 half-even
    assert [(r.key, r.revenue) for r in customers.by_product] == [("p-1", Decimal("1200.50"))]
    assert [(r.key, r.revenue) for r in customers.by_region] == [("north", Decimal("1200.50"))]
    live = reports()
    rebuild(deps, WORKER)
    assert reports() == live
    record_event(deps, WORKER, event=deal.reopened(at("2026-03-06")))
    assert marketing.campaign_roi_report(deps, mia, scope=TEAM, period=MARCH)[0].won_deals == 0
