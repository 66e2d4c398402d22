"""The backfill: every org unit, team and sales-line target re-published as a snapshot at its
current version, one page per call, for administrators and service accounts with the role."""

import pytest

from crm_chassis.errors import InvalidArgument, PermissionDenied
from crm_territory.service_layer import sales_lines, snapshots
from crm_territory.service_layer.caller import Caller

from .conftest import ADMIN, OWNER_CHOOSER, user

REPORTING = Caller("reporting", kind="service", roles=frozenset({"publish_territory_snapshots"}))


def _publish_all(world, caller, kind, page_size):
    world.uow.emitted.clear()
    cursor, calls = "", 0
    while True:
        done = snapshots.publish_snapshots(
            world.deps, caller, kind=kind, page_size=page_size, cursor=cursor
        )
        calls += 1
        cursor = done.next_cursor
        if not cursor:
            return world.uow.emitted, calls


def test_units_and_teams_at_their_versions(world):
    emea = world.unit("EMEA")
    dach = world.unit("DACH", emea)
    berlin, munich = world.team("Berlin", dach), world.team("Munich", dach)
    units, calls = _publish_all(world, ADMIN, "org_units", page_size=1)
    assert calls == 2 and {m.unit.id for _, m in units} == {emea.id, dach.id}
    assert {t for t, _ in units} == {"org_unit_snapshot"}
    by_id = {m.unit.id: m for _, m in units}
    assert by_id[dach.id].unit.parent_id == emea.id
    assert by_id[dach.id].meta.aggregate_version == world.uow.units.get(dach.id).version
    teams, _ = _publish_all(world, REPORTING, "teams", page_size=50)
    assert {(m.team.id, m.team.unit_id) for _, m in teams} == {
        (berlin.id, dach.id),
        (munich.id, dach.id),
    }
    assert all(m.meta.aggregate_type == "team" for _, m in teams)


def test_targets_one_event_per_line_and_period_at_the_lines_targets_version(world):
    unit = world.unit("EMEA")
    a, b = world.team("A", unit), world.team("B", unit)
    line = world.line("Enterprise", a, b)
    for period, team in (("2026-Q1", a), ("2026-Q1", b), ("2026-Q2", a)):
        sales_lines.set_targets(
            world.deps, ADMIN, line_id=line.id, period=period, rows=[(team.id, "100.00", "EUR", 2)]
        )
    published, _ = _publish_all(world, ADMIN, "targets", page_size=50)
    by_period = {m.period: m for _, m in published}
    assert set(by_period) == {"2026-Q1", "2026-Q2"}
    assert sorted(t.team_id for t in by_period["2026-Q1"].targets) == sorted([a.id, b.id])
    # Both periods at the line's current targets version (3 changes): a consumer keeps the
    # newest per period.
    assert {m.meta.aggregate_version for m in by_period.values()} == {3}
    assert {m.meta.aggregate_id for m in by_period.values()} == {line.id}


@pytest.mark.parametrize("who", [user("ann"), OWNER_CHOOSER])
def test_anyone_else_is_refused(world, who):
    with pytest.raises(PermissionDenied, match="publish_territory_snapshots"):
        snapshots.publish_snapshots(world.deps, who, kind="teams")


def test_an_unknown_kind_is_refused(world):
    with pytest.raises(InvalidArgument, match="kind must be one of org_units, teams, targets"):
        snapshots.publish_snapshots(world.deps, ADMIN, kind="")
