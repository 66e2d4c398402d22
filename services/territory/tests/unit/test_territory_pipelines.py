"""A territory may name the deals pipeline its deals go into: kept, published, changed and
cleared by UpdateTerritory; the active territories of one line and team agree on it."""

import pytest

from crm.territory.v1 import events_pb2
from crm_chassis.errors import FailedPrecondition, InvalidArgument
from crm_territory.service_layer import territories

from .conftest import ADMIN, rule


@pytest.fixture
def setup(world):
    region = world.unit("R", world.unit("D"))
    team, other_team = world.team("A", region), world.team("B", region)
    world.member(team, "rep")
    world.member(other_team, "rep2")
    return world, team, other_team, world.line("SMB", team, other_team)


def _create(world, name, line, team, priority, pipeline_id=""):
    return territories.create_territory(
        world.deps,
        ADMIN,
        name=name,
        sales_line_id=line.id,
        team_id=team.id,
        priority=priority,
        rules=[rule("r", country=[name[:2].upper()])],
        pipeline_id=pipeline_id,
    )


def test_a_territory_names_its_pipeline_and_the_event_carries_it(setup):
    world, team, _, line = setup
    north = _create(world, "NO", line, team, 1, pipeline_id="pipe-north")
    assert world.uow.territories.get(north.id).pipeline_id == "pipe-north"
    event = world.uow.events("territory_rules_changed")[-1]
    assert (event.change, event.territory.pipeline_id) == (
        events_pb2.CHANGE_KIND_CREATED,
        "pipe-north",
    )
    plain = _create(world, "DE", line, team, 2)
    assert plain.pipeline_id == ""


def test_update_changes_clears_or_keeps_the_pipeline(setup):
    world, team, _, line = setup
    north = _create(world, "NO", line, team, 1, pipeline_id="pipe-north")
    kept = territories.update_territory(world.deps, ADMIN, territory_id=north.id, name="Nordic")
    assert (kept.name, kept.pipeline_id) == ("Nordic", "pipe-north")
    changed = territories.update_territory(
        world.deps, ADMIN, territory_id=north.id, pipeline_id="pipe-nordic"
    )
    assert changed.pipeline_id == "pipe-nordic"
    assert world.uow.events("territory_rules_changed")[-1].territory.pipeline_id == "pipe-nordic"
    events = len(world.uow.events("territory_rules_changed"))
    same = territories.update_territory(
        world.deps, ADMIN, territory_id=north.id, pipeline_id="pipe-nordic"
    )
    assert same.version == changed.version  # nothing changed: nothing published
    assert len(world.uow.events("territory_rules_changed")) == events
    cleared = territories.update_territory(world.deps, ADMIN, territory_id=north.id, pipeline_id="")
    assert cleared.pipeline_id == ""
    assert world.uow.events("territory_rules_changed")[-1].territory.pipeline_id == ""


def test_a_malformed_pipeline_id_is_invalid(setup):
    world, team, _, line = setup
    with pytest.raises(InvalidArgument) as err:
        _create(world, "NO", line, team, 1, pipeline_id="north pipeline!")
    assert err.value.field == "pipeline_id"
    assert "crmctl pipelines list" in err.value.message


def test_territories_of_one_line_and_team_name_one_pipeline(setup):
    world, team, other_team, line = setup
    _create(world, "NO", line, team, 1, pipeline_id="pipe-north")
    with pytest.raises(FailedPrecondition) as err:
        _create(world, "SE", line, team, 2, pipeline_id="pipe-south")
    assert err.value.field == "pipeline_id"
    assert "territory 'NO'" in err.value.message and "'pipe-north'" in err.value.message
    # The same pipeline, none, or another team's territory: all fine.
    _create(world, "SE", line, team, 2, pipeline_id="pipe-north")
    de = _create(world, "DE", line, team, 3)
    _create(world, "FI", line, other_team, 4, pipeline_id="pipe-south")
    with pytest.raises(FailedPrecondition):
        territories.update_territory(world.deps, ADMIN, territory_id=de.id, pipeline_id="pipe-x")


def test_a_deactivated_territory_no_longer_binds_the_others(setup):
    world, team, _, line = setup
    north = _create(world, "NO", line, team, 1, pipeline_id="pipe-north")
    territories.deactivate_territory(world.deps, ADMIN, territory_id=north.id)
    assert _create(world, "SE", line, team, 2, pipeline_id="pipe-south").pipeline_id == "pipe-south"
    with pytest.raises(FailedPrecondition) as err:
        territories.update_territory(
            world.deps, ADMIN, territory_id=north.id, pipeline_id="pipe-north"
        )
    assert "deactivated" in err.value.message
