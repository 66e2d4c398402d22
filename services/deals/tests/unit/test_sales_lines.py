"""deals' copy of territory's sales lines: a pipeline belongs to a line territory has, and the
messages about a line without a pipeline say which line and how to create its pipeline."""

import pytest
from deals_testkit import STAGES, WORKER

from crm_chassis.errors import FailedPrecondition, NotFound
from crm_deals.domain.sales_lines import SalesLine
from crm_deals.service_layer import pipelines, sales_lines


def _line(world, line: SalesLine) -> None:
    sales_lines.record_sales_line(world.deps, WORKER, line)


def test_a_pipeline_for_a_line_territory_does_not_have_is_refused_naming_it(world):
    with pytest.raises(NotFound) as refused:
        world.call(
            pipelines.create_pipeline, world.admin, sales_line_id="SMB", name="SMB", stages=STAGES
        )
    assert "sales line 'SMB' not found" in refused.value.message
    assert "crmctl lines list" in refused.value.message
    assert world.uow.pipelines.get_by_sales_line("SMB") is None


def test_a_line_known_from_territorys_events_needs_no_question(world):
    _line(world, SalesLine("line-9", "Enterprise EMEA", "contract", True, 3))
    created = world.call(
        pipelines.create_pipeline,
        world.admin,
        sales_line_id="line-9",
        name="Enterprise",
        stages=STAGES,
    )
    assert created.sales_line_id == "line-9"
    assert "line-9" not in world.territory_lines.asked


def test_a_brand_new_line_is_asked_of_territory_once_and_kept(world):
    world.call(
        pipelines.create_pipeline, world.admin, sales_line_id="line-2", name="SMB", stages=STAGES
    )
    assert world.territory_lines.asked.count("line-2") == 1
    assert world.uow.sales_lines.get("line-2").name == "Line line-2"
    with world.uow:
        assert sales_lines.known_line(world.uow, world.deps, "line-2").name == "Line line-2"
    assert world.territory_lines.asked.count("line-2") == 1


def test_a_deactivated_line_gets_no_pipeline(world):
    _line(world, SalesLine("line-old", "Retired", "quote", False, 4))
    with pytest.raises(FailedPrecondition, match="'Retired' is deactivated"):
        world.call(
            pipelines.create_pipeline,
            world.admin,
            sales_line_id="line-old",
            name="x",
            stages=STAGES,
        )


def test_an_older_snapshot_never_replaces_a_newer_one(world):
    _line(world, SalesLine("line-9", "New name", "quote", True, 5))
    assert not sales_lines.record_sales_line(
        world.deps, WORKER, SalesLine("line-9", "Old name", "quote", True, 4)
    )
    assert not sales_lines.record_sales_line(
        world.deps, WORKER, SalesLine("line-9", "Same version", "quote", True, 5)
    )
    assert sales_lines.record_sales_line(
        world.deps, WORKER, SalesLine("line-9", "Deactivated", "quote", False, 6)
    )
    stored = world.uow.sales_lines.get("line-9")
    assert (stored.name, stored.active) == ("Deactivated", False)


def test_a_line_without_pipeline_is_named_with_the_command_that_creates_it(world):
    _line(world, SalesLine("line-9", "Mid Market", "quote", True, 1))
    with pytest.raises(FailedPrecondition) as refused:
        world.deal(sales_line_id="line-9")
    assert (
        "sales line 'Mid Market' (line-9) has no pipeline yet; an administrator creates it "
        'with `crmctl pipelines create --line "Mid Market"'
    ) in refused.value.message
    with pytest.raises(NotFound, match="crmctl pipelines create --line"):
        world.call(pipelines.get_pipeline, world.alice, sales_line_id="line-9")
