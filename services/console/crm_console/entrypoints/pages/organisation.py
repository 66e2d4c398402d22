"""The Organisation area's units and teams: the unit tree (three levels; create, rename, move,
managers, deactivate), the teams (create, rename, deactivate) and a team's members (add, end a
membership). territory decides
who may change what; a refusal shows its own message at the field it names or at the top."""

from __future__ import annotations

from functools import partial

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crm_console.domain.organisation import ROUTING_STRATEGIES
from crm_console.domain.team import TEAM_ROLES
from crm_console.entrypoints.organisation_view import SUBNAV, Refusal, change
from crm_console.entrypoints.web_kit import Form, console_of, posted, render, require, texts
from crm_console.service_layer import organisation

NAV = [(70, "Organisation", "/organisation")]


def context(request: Request, refusal: Refusal | None, **values: object) -> dict[str, object]:
    """What every Organisation page gets: the area's navigation, the refusal, the notice."""
    return {
        "organisation_nav": SUBNAV,
        "refusal": refusal,
        "notice": request.query_params.get("notice", ""),
        **values,
    }


def _overview(request: Request, refusal: Refusal | None = None) -> Response:
    session = require(request)
    found = organisation.overview(console_of(request).deps, session)
    return render(
        request,
        "organisation/units.html",
        context(
            request,
            refusal,
            view=found,
            reading_refused=found.refusal,
            strategies=ROUTING_STRATEGIES,
        ),
    )


def overview(request: Request) -> Response:
    return _overview(request)


def _units_change(request: Request, form: Form, action, notice: str) -> Response:  # type: ignore[no-untyped-def]
    return change(request, form, action, page=_overview, done="/organisation", notice=notice)


@posted
def create_unit(request: Request, form: Form) -> Response:
    deps, session = console_of(request).deps, require(request)
    action = partial(
        organisation.create_unit,
        deps,
        session,
        **texts(form, "name", "parent_id", "department"),
    )
    return _units_change(request, form, action, "unit_created")


@posted
def unit_change(request: Request, form: Form) -> Response:
    """Rename, move, deactivate, or assign / remove a manager of one unit (the form's
    ``intent``)."""
    deps, session = console_of(request).deps, require(request)
    unit_id = request.path_params["unit_id"]
    version = str(form.get("version", ""))
    intent = str(form.get("intent", ""))
    if intent == "rename":
        action = partial(
            organisation.rename_unit,
            deps,
            session,
            unit_id=unit_id,
            name=str(form.get("name", "")),
            version=version,
        )
    elif intent == "deactivate":
        action = partial(organisation.deactivate_unit, deps, session, unit_id=unit_id)
    elif intent == "move":
        action = partial(
            organisation.move_unit,
            deps,
            session,
            unit_id=unit_id,
            parent_id=str(form.get("new_parent_id", "")),
            version=version,
        )
    else:
        action = partial(
            organisation.set_manager,
            deps,
            session,
            unit_id=unit_id,
            person=str(form.get("person", "")),
            assign=intent != "remove_manager",
        )
    return _units_change(request, form, action, f"unit_{intent or 'assign_manager'}")


@posted
def create_team(request: Request, form: Form) -> Response:
    deps, session = console_of(request).deps, require(request)
    action = partial(
        organisation.create_team,
        deps,
        session,
        **texts(form, "name", "unit_id", "strategy", "time_zone"),
    )
    return _units_change(request, form, action, "team_created")


# ---------------------------------------------------------------- a team's members
def _team(request: Request, refusal: Refusal | None = None) -> Response:
    session = require(request)
    found = organisation.team_file(
        console_of(request).deps, session, team_id=request.path_params["team_id"]
    )
    return render(
        request,
        "organisation/team.html",
        context(request, refusal, file=found, team=found.team, roles=TEAM_ROLES),
    )


def team(request: Request) -> Response:
    return _team(request)


@posted
def team_change(request: Request, form: Form) -> Response:
    """Rename or deactivate the team (the form's ``intent``)."""
    deps, session = console_of(request).deps, require(request)
    team_id = request.path_params["team_id"]
    if form.get("intent") == "deactivate":
        action = partial(organisation.deactivate_team, deps, session, team_id=team_id)
        notice = "team_deactivated"
    else:
        action = partial(
            organisation.rename_team,
            deps,
            session,
            team_id=team_id,
            **texts(form, "name", "version"),
        )
        notice = "team_renamed"
    done = f"/organisation/teams/{team_id}"
    return change(request, form, action, page=_team, done=done, notice=notice)


@posted
def add_member(request: Request, form: Form) -> Response:
    deps, session = console_of(request).deps, require(request)
    team_id = request.path_params["team_id"]
    action = partial(
        organisation.add_member,
        deps,
        session,
        team_id=team_id,
        **texts(form, "person", "role", "daily_capacity"),
    )
    done = f"/organisation/teams/{team_id}"
    return change(request, form, action, page=_team, done=done, notice="member_added")


@posted
def end_membership(request: Request, form: Form) -> Response:
    deps, session = console_of(request).deps, require(request)
    team_id = request.path_params["team_id"]
    action = partial(
        organisation.end_membership,
        deps,
        session,
        membership_id=request.path_params["membership_id"],
        reason=str(form.get("reason", "")),
    )
    done = f"/organisation/teams/{team_id}"
    return change(request, form, action, page=_team, done=done, notice="membership_ended")


ROUTES = [
    Route("/organisation", overview, methods=["GET"]),
    Route("/organisation/units", create_unit, methods=["POST"]),
    Route("/organisation/units/{unit_id:str}", unit_change, methods=["POST"]),
    Route("/organisation/teams", create_team, methods=["POST"]),
    Route("/organisation/teams/{team_id:str}", team, methods=["GET"]),
    Route("/organisation/teams/{team_id:str}", team_change, methods=["POST"]),
    Route("/organisation/teams/{team_id:str}/members", add_member, methods=["POST"]),
    Route(
        "/organisation/teams/{team_id:str}/members/{membership_id:str}/end",
        end_membership,
        methods=["POST"],
    ),
]
