"""The Organisation area's sales lines (create; a line's teams, its pipelines with the default
marked and another one created for territories to name, targets per period, set a team's
target) and deals' pipelines (stages in order; automation rules, enable or
disable). territory and deals decide; a refusal shows their own message."""

from __future__ import annotations

from functools import partial

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crm_console.domain.organisation import (
    ACTION_KINDS,
    AUTOMATION_TRIGGERS,
    FORECAST_CATEGORIES,
    RECIPIENTS,
    WORKFLOW_KINDS,
    StageRow,
)
from crm_console.entrypoints.organisation_view import Refusal, change, words
from crm_console.entrypoints.pages.organisation import context
from crm_console.entrypoints.web_kit import Form, console_of, posted, render, require, texts
from crm_console.service_layer import organisation, organisation_routing


def _lines(request: Request, refusal: Refusal | None = None) -> Response:
    found = organisation.lines_overview(console_of(request).deps, require(request))
    return render(
        request,
        "organisation/lines.html",
        context(request, refusal, view=found, reading_refused=found.refusal, kinds=WORKFLOW_KINDS),
    )


def lines(request: Request) -> Response:
    return _lines(request)


@posted
def create_line(request: Request, form: Form) -> Response:
    action = partial(
        organisation.create_sales_line,
        console_of(request).deps,
        require(request),
        **texts(form, "name", "description", "workflow_kind"),
        team_ids=tuple(str(t) for t in form.getlist("team_ids") if t),
    )
    return change(
        request, form, action, page=_lines, done="/organisation/lines", notice="line_created"
    )


def _line(request: Request, refusal: Refusal | None = None) -> Response:
    period = request.query_params.get("period", "")
    if refusal is not None:
        period = refusal.values.get("period", period)
    found = organisation.line_file(
        console_of(request).deps,
        require(request),
        line_id=request.path_params["line_id"],
        period=period,
    )
    return render(request, "organisation/line.html", context(request, refusal, file=found))


def line(request: Request) -> Response:
    return _line(request)


@posted
def set_target(request: Request, form: Form) -> Response:
    line_id = request.path_params["line_id"]
    period = str(form.get("period", ""))
    action = partial(
        organisation.set_target,
        console_of(request).deps,
        require(request),
        line_id=line_id,
        period=period,
        **texts(form, "team_id", "amount", "currency", "deal_count"),
    )
    done = f"/organisation/lines/{line_id}"
    response = change(request, form, action, page=_line, done=done, notice="target_set")
    if response.status_code == 303:  # back to the period just set
        response.headers["location"] += "&period=" + period.strip()
    return response


@posted
def create_pipeline(request: Request, form: Form) -> Response:
    """Another pipeline of the line, for its territories to name."""
    line_id = request.path_params["line_id"]
    action = partial(
        organisation.create_pipeline,
        console_of(request).deps,
        require(request),
        line_id=line_id,
        name=str(form.get("name", "")),
    )
    done = f"/organisation/lines/{line_id}"
    return change(request, form, action, page=_line, done=done, notice="pipeline_created")


# ---------------------------------------------------------------- pipelines and automation
def pipelines(request: Request) -> Response:
    found = organisation_routing.pipelines(console_of(request).deps, require(request))
    return render(request, "organisation/pipelines.html", context(request, None, pipelines=found))


def _pipeline(request: Request, refusal: Refusal | None = None) -> Response:
    found = organisation_routing.pipeline_file(
        console_of(request).deps, require(request), pipeline_id=request.path_params["pipeline_id"]
    )
    return render(
        request,
        "organisation/pipeline.html",
        context(
            request,
            refusal,
            file=found,
            reading_refused=found.refusal,
            categories=FORECAST_CATEGORIES,
            new_rows=NEW_STAGE_ROWS,
            triggers=AUTOMATION_TRIGGERS,
            action_kinds=ACTION_KINDS,
            recipients=RECIPIENTS,
        ),
    )


def pipeline(request: Request) -> Response:
    return _pipeline(request)


NEW_STAGE_ROWS = 2


def _rows(form: Form) -> list[StageRow]:
    count = str(form.get("rows", ""))
    rows = []
    for number in range(min(int(count), 60) if count.isdigit() else 0):
        prefix = f"stage-{number}-"
        rows.append(
            StageRow(
                key=str(form.get(prefix + "key", "")),
                name=str(form.get(prefix + "name", "")),
                probability=str(form.get(prefix + "probability", "")),
                forecast_category=str(form.get(prefix + "category", "")),
                expected_days=str(form.get(prefix + "days", "")),
                position=str(form.get(prefix + "position", "")),
                remove=bool(form.get(prefix + "remove")),
                move_to=str(form.get(prefix + "move_to", "")),
            )
        )
    return rows


@posted
def revise_stages(request: Request, form: Form) -> Response:
    pipeline_id = request.path_params["pipeline_id"]
    action = partial(
        organisation_routing.revise_stages,
        console_of(request).deps,
        require(request),
        pipeline_id=pipeline_id,
        version=str(form.get("version", "")),
        rows=_rows(form),
    )
    done = f"/organisation/pipelines/{pipeline_id}"
    return change(request, form, action, page=_pipeline, done=done, notice="stages_revised")


@posted
def create_automation_rule(request: Request, form: Form) -> Response:
    pipeline_id = request.path_params["pipeline_id"]
    names = ("name", "trigger", "stage_key", "stalled_after_days", "action_kind")
    names += ("subject", "body", "url", "webhook_secret")
    action = partial(
        organisation_routing.create_automation_rule,
        console_of(request).deps,
        require(request),
        pipeline_id=pipeline_id,
        values=words(form, *names),
        recipients=tuple(str(r) for r in form.getlist("recipients")),
        team_ids=tuple(str(t) for t in form.getlist("team_ids") if t),
    )
    done = f"/organisation/pipelines/{pipeline_id}"
    return change(request, form, action, page=_pipeline, done=done, notice="rule_created")


@posted
def automation_enabled(request: Request, form: Form) -> Response:
    enabled = str(form.get("enabled", "")) == "1"
    action = partial(
        organisation_routing.set_automation_enabled,
        console_of(request).deps,
        require(request),
        rule_id=request.path_params["rule_id"],
        enabled=enabled,
    )
    done = f"/organisation/pipelines/{request.path_params['pipeline_id']}"
    notice = "rule_enabled" if enabled else "rule_disabled"
    return change(request, form, action, page=_pipeline, done=done, notice=notice)


ROUTES = [
    Route("/organisation/lines", lines, methods=["GET"]),
    Route("/organisation/lines", create_line, methods=["POST"]),
    Route("/organisation/lines/{line_id:str}", line, methods=["GET"]),
    Route("/organisation/lines/{line_id:str}/targets", set_target, methods=["POST"]),
    Route("/organisation/lines/{line_id:str}/pipelines", create_pipeline, methods=["POST"]),
    Route("/organisation/pipelines", pipelines, methods=["GET"]),
    Route("/organisation/pipelines/{pipeline_id:str}", pipeline, methods=["GET"]),
    Route("/organisation/pipelines/{pipeline_id:str}/stages", revise_stages, methods=["POST"]),
    Route(
        "/organisation/pipelines/{pipeline_id:str}/automation",
        create_automation_rule,
        methods=["POST"],
    ),
    Route(
        "/organisation/pipelines/{pipeline_id:str}/automation/{rule_id:str}",
        automation_enabled,
        methods=["POST"],
    ),
]
