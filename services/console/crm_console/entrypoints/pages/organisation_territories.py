"""The Organisation area's territories: routing order, each territory's name, priority and
deactivation, its ordered rules (add, remove: a new rules version each time) and their
versions, and the live route preview — type a lead's attributes and territory's PreviewRoute
answers which territory, rule, team and owner would take it and why (htmx updates the answer
while typing; without script the form submits). Nothing is routed by a preview."""

from __future__ import annotations

from functools import partial

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crm_console.domain.errors import ConsoleError, NotFound
from crm_console.domain.organisation import PREVIEW_FIELDS, RoutePreview
from crm_console.entrypoints.organisation_view import Refusal, change
from crm_console.entrypoints.pages.organisation import context
from crm_console.entrypoints.web_kit import Form, console_of, posted, render, require, texts
from crm_console.service_layer import organisation_routing


def _overview(
    request: Request,
    refusal: Refusal | None = None,
    *,
    preview: RoutePreview | None = None,
    preview_problem: ConsoleError | None = None,
) -> Response:
    found = organisation_routing.territories_overview(console_of(request).deps, require(request))
    return render(
        request,
        "organisation/territories.html",
        context(
            request,
            refusal,
            view=found,
            reading_refused=found.refusal,
            lead={name: request.query_params.get(name, "") for name in PREVIEW_FIELDS},
            preview=preview,
            preview_problem=preview_problem,
        ),
    )


def territories(request: Request) -> Response:
    return _overview(request)


def preview(request: Request) -> Response:
    """The route preview's answer: the fragment for htmx, the whole page without script."""
    values = {name: request.query_params.get(name, "") for name in PREVIEW_FIELDS}
    answer: RoutePreview | None = None
    problem: ConsoleError | None = None
    try:
        answer = organisation_routing.preview_route(
            console_of(request).deps, require(request), values=values
        )
    except NotFound:
        raise
    except ConsoleError as error:
        problem = error
    if request.headers.get("hx-request"):
        return render(
            request,
            "organisation/_preview.html",
            {"preview": answer, "preview_problem": problem, "lead": values},
        )
    return _overview(request, preview=answer, preview_problem=problem)


@posted
def create_territory(request: Request, form: Form) -> Response:
    action = partial(
        organisation_routing.create_territory,
        console_of(request).deps,
        require(request),
        **texts(
            form,
            "name",
            "sales_line_id",
            "team_id",
            "priority",
            "rule_name",
            "attribute",
            "values",
            "currency",
            "pipeline_id",
        ),
    )
    return change(
        request,
        form,
        action,
        page=_overview,
        done="/organisation/territories",
        notice="territory_created",
    )


def _territory(request: Request, refusal: Refusal | None = None) -> Response:
    found = organisation_routing.territory_file(
        console_of(request).deps, require(request), territory_id=request.path_params["territory_id"]
    )
    return render(
        request,
        "organisation/territory.html",
        context(request, refusal, file=found, territory=found.territory),
    )


def territory(request: Request) -> Response:
    return _territory(request)


@posted
def rules(request: Request, form: Form) -> Response:
    """Adds a rule (at a position) or removes one (the form's ``intent``)."""
    deps, session = console_of(request).deps, require(request)
    territory_id = request.path_params["territory_id"]
    common = dict(
        territory_id=territory_id,
        **texts(form, "rules_version", "comment"),
    )
    if form.get("intent") == "remove":
        action = partial(
            organisation_routing.remove_rule,
            deps,
            session,
            rule_id=str(form.get("rule_id", "")),
            **common,
        )
        notice = "rule_removed"
    else:
        action = partial(
            organisation_routing.add_rule,
            deps,
            session,
            **texts(form, "rule_name", "attribute", "values", "currency", "position"),
            **common,
        )
        notice = "rule_added"
    done = f"/organisation/territories/{territory_id}"
    return change(request, form, action, page=_territory, done=done, notice=notice)


@posted
def territory_change(request: Request, form: Form) -> Response:
    """Rename / reorder / name its pipeline, or deactivate the territory (``intent``)."""
    deps, session = console_of(request).deps, require(request)
    territory_id = request.path_params["territory_id"]
    if form.get("intent") == "deactivate":
        action = partial(
            organisation_routing.deactivate_territory, deps, session, territory_id=territory_id
        )
        notice = "territory_deactivated"
    else:
        action = partial(
            organisation_routing.update_territory,
            deps,
            session,
            territory_id=territory_id,
            **texts(form, "name", "priority", "version"),
            # the form's choice ("" = the line's pipeline); a form without it keeps it
            pipeline_id=str(form["pipeline_id"]) if "pipeline_id" in form else None,
        )
        notice = "territory_updated"
    done = f"/organisation/territories/{territory_id}"
    return change(request, form, action, page=_territory, done=done, notice=notice)


ROUTES = [
    Route("/organisation/territories", territories, methods=["GET"]),
    Route("/organisation/territories", create_territory, methods=["POST"]),
    Route("/organisation/territories/preview", preview, methods=["GET"]),
    Route("/organisation/territories/{territory_id:str}", territory, methods=["GET"]),
    Route("/organisation/territories/{territory_id:str}", territory_change, methods=["POST"]),
    Route("/organisation/territories/{territory_id:str}/rules", rules, methods=["POST"]),
]
