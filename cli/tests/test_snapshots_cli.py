"""crmctl deals|leads|rates snapshots publish (the backfill of a consumer joining a running platform)
against recording fakes of the SnapshotServices: every page is followed to its end, one kind
after the other, the counts are printed, and a refusal reaches the person verbatim."""

from __future__ import annotations

import json

import grpc

from crm.catalog.v1 import snapshots_pb2 as catalog_snapshots
from crm.common.v1 import pagination_pb2
from crm.deals.v1 import snapshots_pb2 as deals_snapshots
from crm.leads.v1 import snapshots_pb2 as leads_snapshots
from crm.territory.v1 import snapshots_pb2 as territory_snapshots


def _pages(module, sizes: dict[int, list[int]]):
    """A PublishSnapshots answer: for each kind, page i publishes sizes[kind][i]."""

    def answer(request):
        pages = sizes[request.kind]
        index = int(request.page.cursor or 0)
        last = index + 1 == len(pages)
        return module.PublishSnapshotsResponse(
            published=pages[index],
            page=pagination_pb2.PageInfo(next_cursor="" if last else str(index + 1)),
        )

    return answer


def test_deals_snapshots_follow_every_page_of_both_kinds(logged_in, snapshot_fakes):
    fake = snapshot_fakes["deals"]
    fake.replies["PublishSnapshots"] = _pages(
        deals_snapshots,
        {
            deals_snapshots.SNAPSHOT_KIND_DEALS: [500, 500, 7],
            deals_snapshots.SNAPSHOT_KIND_ACCOUNTS: [3],
            deals_snapshots.SNAPSHOT_KIND_PIPELINES: [2],
        },
    )
    result = logged_in("deals", "snapshots", "publish", "-o", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {"kind": "deals", "published": 1007, "calls": 3},
        {"kind": "accounts", "published": 3, "calls": 1},
        {"kind": "pipelines", "published": 2, "calls": 1},
    ]
    sent = fake.sent("PublishSnapshots")
    assert [(r.kind, r.page.cursor, r.page.page_size) for r in sent] == [
        (deals_snapshots.SNAPSHOT_KIND_DEALS, "", 500),
        (deals_snapshots.SNAPSHOT_KIND_DEALS, "1", 500),
        (deals_snapshots.SNAPSHOT_KIND_DEALS, "2", 500),
        (deals_snapshots.SNAPSHOT_KIND_ACCOUNTS, "", 500),
        (deals_snapshots.SNAPSHOT_KIND_PIPELINES, "", 500),
    ]


def test_leads_snapshots_of_one_kind_print_a_table(logged_in, snapshot_fakes):
    fake = snapshot_fakes["leads"]
    fake.replies["PublishSnapshots"] = _pages(
        leads_snapshots, {leads_snapshots.SNAPSHOT_KIND_CAMPAIGNS: [4]}
    )
    result = logged_in("leads", "snapshots", "publish", "--kind", "campaigns")
    assert result.exit_code == 0, result.output
    assert "campaigns" in result.stdout and "4" in result.stdout
    assert [r.kind for r in fake.sent("PublishSnapshots")] == [
        leads_snapshots.SNAPSHOT_KIND_CAMPAIGNS
    ]


def test_a_refusal_is_printed_as_the_service_says_it(logged_in, snapshot_fakes):
    snapshot_fakes["deals"].replies["PublishSnapshots"] = (
        grpc.StatusCode.PERMISSION_DENIED,
        "re-publishing snapshots is for the management department",
    )
    result = logged_in("deals", "snapshots", "publish", "--kind", "deals")
    assert result.exit_code == 1
    assert "management department" in result.output


def test_org_snapshots_of_units_teams_and_targets(logged_in, snapshot_fakes):
    fake = snapshot_fakes["territory"]
    fake.replies["PublishSnapshots"] = _pages(
        territory_snapshots,
        {
            territory_snapshots.SNAPSHOT_KIND_ORG_UNITS: [3],
            territory_snapshots.SNAPSHOT_KIND_TEAMS: [500, 1],
            territory_snapshots.SNAPSHOT_KIND_TARGETS: [8],
        },
    )
    result = logged_in("org", "snapshots", "publish", "-o", "json")
    assert result.exit_code == 0, result.output
    assert [(r["kind"], r["published"], r["calls"]) for r in json.loads(result.stdout)] == [
        ("units", 3, 1),
        ("teams", 501, 2),
        ("targets", 8, 1),
    ]


def test_rates_snapshots_publish_every_page_of_catalogs_rates(logged_in, snapshot_fakes):
    fake = snapshot_fakes["catalog"]
    fake.replies["PublishSnapshots"] = _pages(
        catalog_snapshots, {catalog_snapshots.SNAPSHOT_KIND_EXCHANGE_RATES: [500, 12]}
    )
    result = logged_in("rates", "snapshots", "publish", "-o", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"kind": "exchange_rates", "published": 512, "calls": 2}]
    sent = fake.sent("PublishSnapshots")
    assert [(r.kind, r.page.cursor) for r in sent] == [
        (catalog_snapshots.SNAPSHOT_KIND_EXCHANGE_RATES, ""),
        (catalog_snapshots.SNAPSHOT_KIND_EXCHANGE_RATES, "1"),
    ]
