"""Pipelines: validation, one per sales line, versioned revisions keeping open deals valid."""

import pytest
from deals_testkit import STAGES, T0, eur

from crm_chassis.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ValidationErrors,
)
from crm_deals.service_layer import closing, deals, pipelines

NEW_STAGES = [
    {
        "key": "discover",
        "name": "Discover",
        "default_probability": 5,
        "forecast_category": "pipeline",
    },
    {
        "key": "propose",
        "name": "Proposal",
        "default_probability": 35,
        "forecast_category": "best_case",
    },
    {
        "key": "negotiate",
        "name": "Negotiate",
        "default_probability": 75,
        "forecast_category": "commit",
    },
]


def test_only_admins_and_management_manage_pipelines_everyone_reads(world):
    for caller in (world.alice, world.mia):
        with pytest.raises(PermissionDenied, match="administrators and the management"):
            world.call(
                pipelines.create_pipeline, caller, sales_line_id="line-2", name="x", stages=STAGES
            )
    p = world.call(
        pipelines.create_pipeline, world.boss, sales_line_id="line-2", name="SMB", stages=STAGES
    )
    assert world.call(pipelines.get_pipeline, world.tom, sales_line_id="line-2").id == p.id
    assert [x.name for x in world.call(pipelines.list_pipelines, world.alice)] == [
        "Enterprise",
        "SMB",
    ]
    with pytest.raises(NotFound, match="a pipeline for sales line 'nope'"):
        world.call(pipelines.get_pipeline, world.alice, sales_line_id="nope")


def test_one_pipeline_per_sales_line(world):
    with pytest.raises(AlreadyExists, match="already has a pipeline; revise it"):
        world.call(
            pipelines.create_pipeline, world.admin, sales_line_id="line-1", name="x", stages=STAGES
        )


def test_stage_validation_reports_every_problem_with_its_position(world):
    bad = [
        {
            "key": "Qualify!",
            "name": "",
            "default_probability": 120,
            "forecast_category": "maybe",
            "expected_days": -1,
        },
        {"key": "ok", "name": "OK", "default_probability": 10, "forecast_category": "commit"},
    ]
    with pytest.raises(ValidationErrors) as err:
        world.call(
            pipelines.create_pipeline, world.admin, sales_line_id="line-3", name="x", stages=bad
        )
    assert set(err.value.details) == {
        "stages[0].key",
        "stages[0].name",
        "stages[0].default_probability",
        "stages[0].forecast_category",
        "stages[0].expected_days",
    }
    dup = [STAGES[0], dict(STAGES[1], key="qualify")]
    with pytest.raises(ValidationErrors, match="duplicate stage key 'qualify'"):
        world.call(
            pipelines.create_pipeline, world.admin, sales_line_id="line-3", name="x", stages=dup
        )
    with pytest.raises(InvalidArgument, match="at least one stage"):
        world.call(
            pipelines.create_pipeline, world.admin, sales_line_id="line-3", name="x", stages=[]
        )


def test_a_revision_moves_open_deals_off_removed_stages_and_bumps_the_version(world):
    open_deal = world.deal()
    overridden = world.deal(name="override", probability=60)
    won = world.deal(name="won")
    world.call(
        closing.close_won, world.alice, won.id, actual_revenue=eur("1"), actual_close_date=T0.date()
    )
    with pytest.raises(ValidationErrors, match="stage 'qualify' still holds open deals"):
        world.call(
            pipelines.revise_pipeline, world.admin, pipeline_id=world.pipeline.id, stages=NEW_STAGES
        )
    with pytest.raises(ValidationErrors, match="target stage 'gone' is not in the revised"):
        world.call(
            pipelines.revise_pipeline,
            world.admin,
            pipeline_id=world.pipeline.id,
            stages=NEW_STAGES,
            moves={"qualify": "gone"},
        )
    with pytest.raises(FailedPrecondition, match="at version 1, not 7"):
        world.call(
            pipelines.revise_pipeline,
            world.admin,
            pipeline_id=world.pipeline.id,
            stages=NEW_STAGES,
            moves={"qualify": "discover"},
            expected_version=7,
        )
    p = world.call(
        pipelines.revise_pipeline,
        world.admin,
        pipeline_id=world.pipeline.id,
        stages=NEW_STAGES,
        moves={"qualify": "discover"},
        expected_version=1,
    )
    assert p.version == 2 and [s.key for s in p.stages] == ["discover", "propose", "negotiate"]
    moved = world.get("opportunities", open_deal.id)
    assert (moved.stage_key, moved.probability) == ("discover", 5)
    assert world.get("opportunities", overridden.id).probability == 60
    closed = world.get("opportunities", won.id)
    assert (closed.stage_key, closed.stage_name) == ("qualify", "Qualify")  # stays where it closed
    revised = world.uow.events("pipeline_revised")[0]
    assert dict(revised.moves) == {"qualify": "discover"}
    changes = world.uow.events("deal_stage_changed")
    assert {e.deal.id for e in changes} == {open_deal.id, overridden.id}
    # Every version stays readable.
    v1 = world.call(pipelines.get_pipeline_version, world.alice, p.id, 1)
    assert [s.key for s in v1.stages] == ["qualify", "propose", "negotiate"]
    assert world.call(pipelines.get_pipeline_version, world.alice, p.id, 2).stages == p.stages
    with pytest.raises(NotFound, match="has no version 3"):
        world.call(pipelines.get_pipeline_version, world.alice, p.id, 3)
    # Reopening the won deal puts it on a valid stage: the first one, as its stage is gone.
    reopened = world.call(closing.reopen, world.alice, won.id, "mistake")
    assert reopened.stage_key == "discover"


def test_a_renamed_stage_updates_open_deals_on_it(world):
    deal = world.deal()
    world.call(deals.move_deal_to_stage, world.alice, deal.id, "propose")
    stages = [dict(s) for s in STAGES]
    stages[1]["name"], stages[1]["default_probability"] = "Proposal sent", 45
    world.call(pipelines.revise_pipeline, world.admin, pipeline_id=world.pipeline.id, stages=stages)
    deal = world.get("opportunities", deal.id)
    assert (deal.stage_name, deal.probability) == ("Proposal sent", 45)
    assert world.uow.events("deal_updated")[-1].changed_fields == ["stage_definition"]
    with pytest.raises(FailedPrecondition, match="changes nothing"):
        world.call(
            pipelines.revise_pipeline, world.admin, pipeline_id=world.pipeline.id, stages=stages
        )
