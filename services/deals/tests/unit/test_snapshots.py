"""The backfill: every deal and account re-published as a snapshot at its current version, one
page per call, only for the management department or a service account with the role."""

import grpc
import pytest
from deals_testkit import STAGES, T0, eur

from crm.common.v1 import pagination_pb2
from crm.deals.v1 import snapshots_pb2, snapshots_pb2_grpc
from crm_chassis.errors import InvalidArgument, PermissionDenied
from crm_deals.service_layer import closing, deals, pipelines, snapshots
from crm_deals.service_layer.access import Caller
from crm_deals.service_layer.repositories import PageQuery

SERVICE = Caller("reporting", kind="service", roles=frozenset({"publish_deal_snapshots"}))


def _win(world, deal_id):
    world.call(
        closing.close_won,
        world.alice,
        deal_id,
        actual_revenue=eur("1000"),
        actual_close_date=T0.date(),
    )


def _publish_all(world, caller, kind, limit):
    """Every page of ``kind``; returns the (event type, message) pairs written and the calls."""
    before, calls, key = len(world.uow.emitted), 0, ""
    while True:
        done = world.call(
            snapshots.publish_snapshots, caller, kind=kind, page=PageQuery(limit, key)
        )
        calls += 1
        key = done.next_key
        if not key:
            return world.uow.emitted[before:], calls


def test_every_deal_open_or_closed_is_published_at_its_current_version(world):
    opened = world.deal(name="one")
    won = world.deal(name="two")
    world.call(deals.move_deal_to_stage, world.alice, won.id, "propose")
    _win(world, won.id)
    lost = world.deal(name="three")
    world.call(closing.close_lost, world.alice, lost.id, reason="price")
    published, calls = _publish_all(world, world.boss, "deals", limit=2)
    assert calls == 2, "three deals in pages of two"
    assert {t for t, _ in published} == {"deal_snapshot"}
    by_id = {m.deal.id: m for _, m in published}
    assert set(by_id) == {opened.id, won.id, lost.id}
    for deal_id, message in by_id.items():
        stored = world.get("opportunities", deal_id)
        # The consumer's version rule makes the snapshot harmless when it already holds it.
        assert message.meta.aggregate_version == stored.version == message.deal.version
        assert (message.meta.aggregate_type, message.meta.aggregate_id) == ("opportunity", deal_id)
    assert by_id[won.id].deal.status == 2 and by_id[won.id].deal.HasField("closed_at")
    assert by_id[lost.id].deal.lost_reason == "price"
    assert by_id[opened.id].deal.created_at.ToDatetime().year == 2026


def test_accounts_are_published_as_account_snapshots(world):
    prospect = world.account(name="Initech")
    account = world.account(name="Globex")
    _win(world, world.deal(account=account).id)
    published, _ = _publish_all(world, SERVICE, "accounts", limit=50)
    assert [t for t, _ in published] == ["account_snapshot", "account_snapshot"]
    assert {m.account.id for _, m in published} == {prospect.id, account.id}
    globex = next(m for _, m in published if m.account.id == account.id)
    stored = world.get("accounts", account.id)
    assert globex.meta.aggregate_version == stored.version
    assert globex.account.relationship == 2, "the won deal made the account a customer"


def test_pipelines_are_published_at_their_version_in_pages(world):
    world.call(
        pipelines.create_pipeline,
        world.admin,
        sales_line_id="line-2",
        name="SMB",
        stages=STAGES,
    )
    published, calls = _publish_all(world, world.boss, "pipelines", limit=1)
    assert calls == 2
    assert [t for t, _ in published] == ["pipeline_snapshot", "pipeline_snapshot"]
    for _, message in published:
        stored = world.get("pipelines", message.pipeline.id)
        assert message.meta.aggregate_version == stored.version
        assert [s.key for s in message.pipeline.stages] == ["qualify", "propose", "negotiate"]


def test_repeating_the_backfill_publishes_the_same_versions_again(world):
    world.deal()
    first, _ = _publish_all(world, world.boss, "deals", limit=50)
    second, _ = _publish_all(world, world.boss, "deals", limit=50)
    versions = [(m.deal.id, m.meta.aggregate_version) for _, m in first]
    assert versions == [(m.deal.id, m.meta.aggregate_version) for _, m in second]


@pytest.mark.parametrize("who", ["alice", "mia", "admin"])
def test_members_managers_and_administrators_may_not_publish(world, who):
    with pytest.raises(PermissionDenied, match="management department"):
        world.call(snapshots.publish_snapshots, getattr(world, who), kind="deals", page=PageQuery())


def test_a_service_account_needs_the_role(world):
    other = Caller("leads", kind="service", roles=frozenset({"choose_owners"}))
    with pytest.raises(PermissionDenied, match="publish_deal_snapshots"):
        world.call(snapshots.publish_snapshots, other, kind="deals", page=PageQuery())


def test_an_unknown_kind_is_refused_after_the_right_is_checked(world):
    with pytest.raises(InvalidArgument, match="kind must be one of deals, accounts, pipelines"):
        world.call(snapshots.publish_snapshots, world.boss, kind="", page=PageQuery())


def test_over_grpc_counts_pages_and_refusals(api, world, keys):
    world.deal(name="one")
    world.deal(name="two")
    stub = snapshots_pb2_grpc.SnapshotServiceStub(api.channel)
    kind = snapshots_pb2.SNAPSHOT_KIND_DEALS
    first = api.call(
        stub.PublishSnapshots,
        snapshots_pb2.PublishSnapshotsRequest(
            kind=kind, page=pagination_pb2.PageRequest(page_size=1)
        ),
        "boss",
    )
    assert first.published == 1 and first.page.next_cursor
    last = api.call(
        stub.PublishSnapshots,
        snapshots_pb2.PublishSnapshotsRequest(
            kind=kind, page=pagination_pb2.PageRequest(page_size=1, cursor=first.page.next_cursor)
        ),
        "boss",
    )
    assert (last.published, last.page.next_cursor) == (1, "")
    message = api.refused(
        grpc.StatusCode.PERMISSION_DENIED,
        stub.PublishSnapshots,
        snapshots_pb2.PublishSnapshotsRequest(kind=kind),
        "root",
    )
    assert "management department" in message
    api.refused(
        grpc.StatusCode.INVALID_ARGUMENT,
        stub.PublishSnapshots,
        snapshots_pb2.PublishSnapshotsRequest(
            kind=kind, page=pagination_pb2.PageRequest(cursor="x")
        ),
        "boss",
    )
