"""Use cases of pipelines: one per sales line, versioned revisions that keep open deals valid.

Pipelines are sales structure: administrators and the management department change them; every
authenticated person may read them (they hold no team data). Deals moved by a revision get a
`deal_stage_changed` event each; automation rules do not fire for such moves (nobody moved the
deal on purpose, and a revision must not mail every owner of a removed stage).
"""

from __future__ import annotations

from typing import Any

from crm_chassis.errors import AlreadyExists, NotFound, Unauthenticated, ValidationErrors
from crm_deals.domain.pipelines import Pipeline, PipelineVersion, Stage, make_stage
from crm_deals.domain.text import require_id
from crm_deals.service_layer import event_messages
from crm_deals.service_layer.access import Access, Caller
from crm_deals.service_layer.dependencies import Dependencies
from crm_deals.service_layer.recording import keep_history, publish
from crm_deals.service_layer.sales_lines import no_pipeline_message, require_active_line


def stages_from(specs: list[dict[str, Any]]) -> list[Stage]:
    """Stages from plain specs {key, name, default_probability, forecast_category,
    expected_days}; every problem of every stage names its position, e.g. ``stages[2].key``
    (all at once, so a form shows them in one round trip)."""
    stages, problems = [], []
    for i, spec in enumerate(specs):
        try:
            stages.append(
                make_stage(
                    spec.get("key", ""),
                    spec.get("name", ""),
                    spec.get("default_probability", -1),
                    spec.get("forecast_category", ""),
                    spec.get("expected_days", 0),
                    index=i,
                )
            )
        except ValidationErrors as exc:
            problems.extend(exc.problems)
    if problems:
        raise ValidationErrors(problems)
    return stages


def create_pipeline(
    deps: Dependencies,
    caller: Caller,
    *,
    sales_line_id: str,
    name: str,
    stages: list[dict[str, Any]],
    additional: bool = False,
) -> Pipeline:
    """The line's pipeline; with ``additional`` another one of a line that has its pipeline, for
    its territories (or the line) to name (service_layer/pipeline_choice.py). A line's first
    pipeline is its default one either way."""
    access = Access.of(caller, deps.scopes)
    access.require_structure_admin("create pipelines")
    sales_line_id = require_id(sales_line_id, "sales_line_id")
    with deps.uow() as uow:
        require_active_line(uow, deps, sales_line_id)
        has_default = uow.pipelines.get_by_sales_line(sales_line_id) is not None
        if has_default and not additional:
            raise AlreadyExists(
                f"sales line {sales_line_id!r} already has a pipeline; revise it "
                "instead (`crmctl pipelines revise`), or create another one for a territory "
                "of the line with `--additional`",
                field="sales_line_id",
            )
        pipeline = Pipeline.create(
            id=deps.ids.new_id(),
            sales_line_id=sales_line_id,
            name=name,
            stages=stages_from(stages),
            actor=caller.actor,
            at=deps.clock.now(),
            line_default=not has_default,
        )
        uow.pipelines.add(pipeline)
        uow.pipelines.add_version(pipeline.snapshot())
        keep_history(uow, pipeline)
        publish(
            uow, "pipeline_created", event_messages.pipeline_created(pipeline), pipeline, caller
        )
        uow.commit()
    return pipeline


def _require_reader(caller: Caller | None) -> None:
    if caller is None or not caller.subject_id:
        raise Unauthenticated("this call needs an access token")


def get_pipeline(
    deps: Dependencies, caller: Caller, *, pipeline_id: str = "", sales_line_id: str = ""
) -> Pipeline:
    _require_reader(caller)
    with deps.uow() as uow:
        pipeline = (
            uow.pipelines.get(pipeline_id)
            if pipeline_id
            else uow.pipelines.get_by_sales_line(sales_line_id)
        )
        if pipeline is None:
            if pipeline_id:
                raise NotFound(f"pipeline {pipeline_id!r} not found", field="pipeline_id")
            raise NotFound(
                f"a pipeline for sales line {sales_line_id!r} not found: "
                + no_pipeline_message(uow, sales_line_id),
                field="sales_line_id",
            )
        return pipeline


def get_pipeline_version(
    deps: Dependencies, caller: Caller, pipeline_id: str, version: int
) -> PipelineVersion:
    """A pipeline as it was at ``version`` (what a deal closed long ago was measured against)."""
    _require_reader(caller)
    with deps.uow() as uow:
        found = uow.pipelines.get_version(pipeline_id, version)
        if found is None:
            raise NotFound(f"pipeline {pipeline_id!r} has no version {version}", field="version")
        return found


def list_pipelines(deps: Dependencies, caller: Caller) -> list[Pipeline]:
    _require_reader(caller)
    with deps.uow() as uow:
        return sorted(uow.pipelines.all(), key=lambda p: p.name.lower())


def revise_pipeline(
    deps: Dependencies,
    caller: Caller,
    *,
    pipeline_id: str,
    stages: list[dict[str, Any]],
    moves: dict[str, str] | None = None,
    name: str | None = None,
    expected_version: int = 0,
) -> Pipeline:
    access = Access.of(caller, deps.scopes)
    access.require_structure_admin("revise pipelines")
    now = deps.clock.now()
    with deps.uow() as uow:
        pipeline = uow.pipelines.get(pipeline_id)
        if pipeline is None:
            raise NotFound(f"pipeline {pipeline_id!r} not found", field="pipeline_id")
        open_deals = uow.opportunities.open_in_pipeline(pipeline.id)
        applied = pipeline.revise(
            caller.actor,
            now,
            stages=stages_from(stages),
            moves=dict(moves or {}),
            name=name,
            keys_with_open_deals={d.stage_key for d in open_deals},
            expected_version=expected_version,
        )
        uow.pipelines.save(pipeline)
        uow.pipelines.add_version(pipeline.snapshot())
        keep_history(uow, pipeline)
        publish(
            uow,
            "pipeline_revised",
            event_messages.pipeline_revised(pipeline, applied),
            pipeline,
            caller,
        )
        for deal in open_deals:
            before_key, entered = deal.stage_key, deal.stage_entered_at
            if not deal.follow_pipeline_revision(caller.actor, now, pipeline, applied):
                continue
            uow.opportunities.save(deal)
            keep_history(uow, deal)
            if deal.stage_key != before_key:
                publish(
                    uow,
                    "deal_stage_changed",
                    event_messages.deal_stage_changed(
                        deal, before_key, int((now - entered).total_seconds())
                    ),
                    deal,
                    caller,
                )
            else:
                publish(
                    uow,
                    "deal_updated",
                    event_messages.deal_updated(
                        deal, ["stage_definition"], f"pipeline version {pipeline.version}"
                    ),
                    deal,
                    caller,
                )
        uow.commit()
    return pipeline
