"""The backfill: every lead and campaign re-published as a snapshot at its current version, one
page per call, only for the management department or a service account with the role."""

import grpc
import pytest

from crm.common.v1 import pagination_pb2
from crm.leads.v1 import snapshots_pb2
from crm_chassis.caller import SERVICE, Caller
from crm_chassis.errors import InvalidArgument, PermissionDenied
from crm_leads.service_layer import campaigns, lifecycle, snapshots

REPORTING = Caller("reporting", kind=SERVICE, roles=frozenset({"publish_lead_snapshots"}))


def _publish_all(world, caller, kind, page_size):
    """Every page of ``kind``: the snapshot messages written, and the number of calls."""
    before, calls, cursor = len(world.events), 0, ""
    while True:
        page = snapshots.publish_snapshots(
            world.deps, caller, kind=kind, page_size=page_size, cursor=cursor
        )
        calls += 1
        cursor = page.next_cursor
        if not cursor:
            return [message for _, message in world.events[before:]], calls


def test_every_lead_of_any_team_and_status_is_published_at_its_version(world):
    fresh = world.capture().lead
    worked = world.lead_in(team="team-b", owner="ben")
    lifecycle.start_working(world.deps, world.ben, worked.id)
    lifecycle.qualify(world.deps, world.ben, worked.id)
    published, calls = _publish_all(world, world.meg, "leads", page_size=1)
    assert calls == 2
    by_id = {m.lead.id: m for m in published}
    assert set(by_id) == {fresh.id, worked.id}
    for lead_id, message in by_id.items():
        stored = world.store.leads[lead_id]
        assert message.meta.event_type == "lead_snapshot"
        assert message.meta.aggregate_version == stored.version == message.lead.version
        assert (message.meta.aggregate_type, message.meta.aggregate_id) == ("lead", lead_id)
    assert by_id[worked.id].lead.assignment.team_id == "team-b"
    assert by_id[worked.id].meta.aggregate_version > by_id[fresh.id].meta.aggregate_version


def test_campaigns_are_published_with_their_cost(world):
    spring = campaigns.create_campaign(
        world.deps,
        world.mia,
        {"name": "Spring", "channel": "event", "starts_on": "2026-04-01", "cost": "100.00 EUR"},
    )
    published, _ = _publish_all(world, REPORTING, "campaigns", page_size=50)
    assert [(m.meta.event_type, m.campaign.id) for m in published] == [
        ("campaign_snapshot", spring.id)
    ]
    assert published[0].campaign.cost.amount == "100.00"
    assert published[0].meta.aggregate_version == spring.version


@pytest.mark.parametrize("who", ["ann", "ada", "mia", "form"])
def test_people_outside_management_and_other_services_may_not_publish(world, who):
    with pytest.raises(PermissionDenied, match="management department"):
        snapshots.publish_snapshots(world.deps, getattr(world, who), kind="leads")


def test_an_unknown_kind_and_a_bad_page_size_are_refused(world):
    with pytest.raises(InvalidArgument, match="kind must be one of leads, campaigns"):
        snapshots.publish_snapshots(world.deps, world.meg, kind="deals")
    with pytest.raises(InvalidArgument, match="page_size"):
        snapshots.publish_snapshots(world.deps, world.meg, kind="leads", page_size=501)


def test_over_grpc(rpc, world):
    world.capture()
    world.capture()
    request = snapshots_pb2.PublishSnapshotsRequest(
        kind=snapshots_pb2.SNAPSHOT_KIND_LEADS, page=pagination_pb2.PageRequest(page_size=5)
    )
    done = rpc.call(rpc.snapshots.PublishSnapshots, request, world.meg)
    assert (done.published, done.page.next_cursor) == (2, "")
    assert world.event_types()[-2:] == ["lead_snapshot", "lead_snapshot"]
    refused = rpc.error(rpc.snapshots.PublishSnapshots, request, world.ada)
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED
    unknown = rpc.error(
        rpc.snapshots.PublishSnapshots, snapshots_pb2.PublishSnapshotsRequest(), world.meg
    )
    assert unknown.code() == grpc.StatusCode.INVALID_ARGUMENT
