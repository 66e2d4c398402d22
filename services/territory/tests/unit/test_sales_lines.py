from decimal import Decimal

import pytest

from crm.territory.v1 import sales_lines_pb2
from crm_chassis.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ValidationErrors,
)
from crm_territory.domain.sales_lines import WorkflowKind
from crm_territory.domain.teams import TeamRole
from crm_territory.service_layer import sales_lines

from .conftest import ADMIN, rule, user


@pytest.fixture
def setup(world):
    region = world.unit("R", world.unit("D"))
    a, b = world.team("A", region), world.team("B", region)
    return world, a, b, world.line("Public Sector", a, b)


def test_create_sales_line_publishes(setup):
    world, a, b, _line = setup
    event = world.uow.events("sales_line_changed")[-1]
    assert event.sales_line.workflow_kind == sales_lines_pb2.WORKFLOW_KIND_QUOTE
    assert list(event.sales_line.team_ids) == [a.id, b.id]
    with pytest.raises(AlreadyExists):
        world.line("public sector")


@pytest.mark.parametrize(
    "kwargs,error,needle",
    [
        (dict(workflow_kind=None), InvalidArgument, "contract or quote"),
        (dict(pipeline_id="smb pipeline!"), ValidationErrors, "pipeline id"),
        (dict(description="x" * 2001), ValidationErrors, "2000"),
        (dict(team_ids=["nope"]), NotFound, "unknown team"),
        (dict(name=""), InvalidArgument, "name must not be empty"),
    ],
)
def test_create_sales_line_bad_input(world, kwargs, error, needle):
    args = dict(
        name="L", description="", workflow_kind=WorkflowKind.CONTRACT, pipeline_id="p1", team_ids=[]
    )
    args.update(kwargs)
    with pytest.raises(error) as err:
        sales_lines.create_sales_line(world.deps, ADMIN, **args)
    assert needle in err.value.message


def test_a_line_needs_no_pipeline_id_deals_keeps_its_pipeline(world):
    line = sales_lines.create_sales_line(
        world.deps,
        ADMIN,
        name="SMB",
        description="",
        workflow_kind=WorkflowKind.QUOTE,
        pipeline_id="",
        team_ids=[],
    )
    assert line.pipeline_id == ""
    assert world.uow.events("sales_line_changed")[-1].sales_line.id == line.id


def test_update_refuses_removing_a_routing_team(setup):
    world, a, b, line = setup
    world.member(a, "rep")
    world.territory("T", line, a, 1, rule("DE", country=["DE"]))
    with pytest.raises(FailedPrecondition) as err:
        sales_lines.update_sales_line(
            world.deps, ADMIN, line_id=line.id, changes={"team_ids": [b.id]}
        )
    assert "active territories 'T'" in err.value.message
    updated = sales_lines.update_sales_line(
        world.deps,
        ADMIN,
        line_id=line.id,
        changes={"description": "Schools", "workflow_kind": WorkflowKind.CONTRACT},
    )
    assert updated.description == "Schools" and updated.version == 2
    with pytest.raises(InvalidArgument):
        sales_lines.update_sales_line(world.deps, ADMIN, line_id=line.id, changes={"colour": "red"})
    with pytest.raises(FailedPrecondition) as err:
        sales_lines.deactivate_sales_line(world.deps, ADMIN, line_id=line.id)
    assert "deactivate them first" in err.value.message


def test_targets_are_exact_and_merged_per_period(setup):
    world, a, b, line = setup
    sales_lines.set_targets(
        world.deps, ADMIN, line_id=line.id, period="2026-Q1", rows=[(a.id, "100000.10", "EUR", 12)]
    )
    result = sales_lines.set_targets(
        world.deps, ADMIN, line_id=line.id, period="2026-Q1", rows=[(b.id, "0.20", "EUR", 3)]
    )
    assert [(t.team_id, t.amount.amount) for t in result] == sorted(
        [(a.id, Decimal("100000.10")), (b.id, Decimal("0.20"))]
    )
    event = world.uow.events("targets_changed")[-1]
    assert event.period == "2026-Q1" and len(event.targets) == 2
    assert {t.amount.amount for t in event.targets} == {"100000.10", "0.20"}
    assert event.meta.aggregate_version == 2
    assert len(sales_lines.list_targets(world.deps, ADMIN, line_id=line.id, period="2026-Q1")) == 2
    assert sales_lines.list_targets(world.deps, ADMIN, line_id=line.id, period="2026-Q2") == []


def test_targets_in_units_of_a_product_or_a_product_group(setup):
    world, a, b, line = setup
    units = [("p-gadget", "", "120", "case"), ("", "Beverages", "2500.5", "")]
    result = sales_lines.set_targets(
        world.deps, ADMIN, line_id=line.id, period="2026", rows=[(a.id, "0", "EUR", 0, units)]
    )
    (target,) = result
    assert [(u.product_id, u.product_group, u.quantity, u.unit) for u in target.units] == [
        ("p-gadget", "", Decimal("120"), "case"),
        ("", "Beverages", Decimal("2500.5"), ""),
    ]
    event = world.uow.events("targets_changed")[-1]
    assert [(u.product_group, u.quantity) for u in event.targets[0].units] == [
        ("", "120"),
        ("Beverages", "2500.5"),
    ]
    (listed,) = sales_lines.list_targets(world.deps, ADMIN, line_id=line.id, period="2026")
    assert listed.units == target.units
    with pytest.raises(ValidationErrors) as err:
        sales_lines.set_targets(
            world.deps,
            ADMIN,
            line_id=line.id,
            period="2026",
            rows=[
                (a.id, "0", "EUR", 0, [("p-1", "Group", "1", ""), ("p-2", "", "-1", "")]),
                (b.id, "0", "EUR", 0, [("p-3", "", "1", ""), ("p-3", "", "2", "")]),
            ],
        )
    fields = dict(err.value.problems)
    assert "exactly one of product_id" in fields["targets[0].units[0]"]
    assert ">= 0" in fields["targets[0].units[1].quantity"]
    assert "appears twice" in fields["targets[1].units[1]"]


def test_targets_report_every_bad_row(setup):
    world, a, b, line = setup
    outsider = world.team("Outsider", world.unit("X"))
    with pytest.raises(ValidationErrors) as err:
        sales_lines.set_targets(
            world.deps,
            ADMIN,
            line_id=line.id,
            period="2026-03",
            rows=[(outsider.id, "1", "EUR", 1), (a.id, "-5", "EUR", 1), (b.id, "1.234", "EUR", 1)],
        )
    fields = dict(err.value.problems)
    assert "does not work sales line" in fields["targets[0].team_id"]
    assert "negative" in fields["targets[1].amount"]
    assert "2 decimal digits" in fields["targets[2].amount.amount"]
    sales_lines.set_targets(
        world.deps, ADMIN, line_id=line.id, period="2026", rows=[(a.id, "5", "EUR", 1)]
    )
    with pytest.raises(InvalidArgument) as err:
        sales_lines.set_targets(
            world.deps, ADMIN, line_id=line.id, period="2026", rows=[(b.id, "5", "USD", 1)]
        )
    assert "one currency" in err.value.message
    with pytest.raises(InvalidArgument):
        sales_lines.set_targets(
            world.deps, ADMIN, line_id=line.id, period="Q1", rows=[(a.id, "5", "EUR", 1)]
        )


def test_team_managers_set_their_own_targets_only(setup):
    world, a, b, line = setup
    world.member(a, "boss", role=TeamRole.MANAGER)
    sales_lines.set_targets(
        world.deps, user("boss"), line_id=line.id, period="2026", rows=[(a.id, "10", "EUR", 1)]
    )
    with pytest.raises(PermissionDenied) as err:
        sales_lines.set_targets(
            world.deps, user("boss"), line_id=line.id, period="2026", rows=[(b.id, "10", "EUR", 1)]
        )
    assert b.id in err.value.message
