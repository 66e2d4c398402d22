"""Republishing every person's scopes, for a consumer whose replica is empty or behind."""

from crm_territory.domain.teams import TeamRole
from crm_territory.service_layer.access_state import republish_all

from .conftest import ADMIN


def test_everyone_is_republished_with_current_scopes_and_a_newer_version(world):
    unit = world.unit("EMEA")
    berlin = world.team("Berlin", unit)
    world.member(berlin, "ann")
    world.member(berlin, "bob", role=TeamRole.SUPERVISOR)
    world.person("cid")  # known, in no team
    before = {
        m.user_scopes.user_id: m.user_scopes.access_version
        for m in world.uow.events("user_access_changed")
    }
    world.uow.emitted.clear()
    count = republish_all(world.deps, ADMIN, page=2)
    snapshots = {
        m.user_scopes.user_id: m.user_scopes for m in world.uow.events("user_access_changed")
    }
    assert count == len(snapshots) == 3 and set(snapshots) == {"ann", "bob", "cid"}
    assert [s.team_id for s in snapshots["ann"].scopes] == [berlin.id]
    assert list(snapshots["cid"].scopes) == []
    for user_id, version in before.items():
        assert snapshots[user_id].access_version > version  # replicas take it as newer
