"""The Team area, for supervisors and managers: a team's members with their workload and
absences, the unassigned queue with who is free and an assign action, a member's open items to
reassign (or, for a deal, to transfer to another team with a reason), absences, and moving a
member to another team with the hand-over polled until their open items have new owners.

A person who runs no team (a rep, an administrator in no team) gets the "not allowed" page, and
the navigation shows the area only to those who run a team."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crm_console.domain.errors import ConsoleError, NotFound
from crm_console.domain.session import Session
from crm_console.domain.team import NotAllowed
from crm_console.entrypoints.web_kit import (
    Form,
    console_of,
    posted,
    redirect,
    render,
    require,
    say,
    session_of,
    time_zone_of,
)
from crm_console.service_layer import team as use
from crm_console.service_layer.dependencies import Dependencies

NAV = [(40, "Team", "/team")]
NAV_SECONDS = 30.0  # how long whether a person runs a team is remembered for the navigation


def may_see_nav(request: Request) -> bool:
    """Whether the navigation offers the Team area: only to a supervisor or a manager. Asked of
    territory at most every ``NAV_SECONDS`` per person (kept in the app's state), not on every
    page; an unanswered question counts as "no" for as long, so a slow territory slows no page
    but the Team pages themselves."""
    session = session_of(request)
    if session is None:
        return False
    checks: dict[str, tuple[float, bool]] = getattr(request.app.state, "team_nav_checks", {})
    request.app.state.team_nav_checks = checks
    user_id, now = session.person.user_id, time.monotonic()
    checked = checks.get(user_id)
    if checked is None or now - checked[0] > NAV_SECONDS:
        try:
            runs = use.may_run_a_team(console_of(request).deps, session)
        except ConsoleError:
            runs = False  # territory did not answer: the Team page itself will say so
        checked = checks[user_id] = (now, runs)
    return checked[1]


NAV_GUARDS: dict[str, Callable[[Request], bool]] = {"/team": may_see_nav}


def _not_allowed(request: Request) -> Response:
    return render(request, "team/not_allowed.html", status=403)


def _guarded(page: Callable[[Request], Response]) -> Callable[[Request], Response]:
    def endpoint(request: Request) -> Response:
        try:
            return page(request)
        except NotAllowed:
            return _not_allowed(request)

    endpoint.__name__ = page.__name__
    return endpoint


def _notice(request: Request) -> dict[str, Any]:
    # Only a key of the templates' own notices: no text of the address reaches the page.
    return {"notice": request.query_params.get("notice", "")}


@_guarded
def overview(request: Request) -> Response:
    session = require(request)
    mine = use.teams_i_run(console_of(request).deps, session)
    if len(mine) == 1:
        return redirect(f"/team/{mine[0].team.id}")
    return render(request, "team/overview.html", {"mine": mine})


def _team(request: Request, *, problem: str = "", status: int = 200) -> Response:
    session = require(request)
    team_id = request.path_params["team_id"]
    try:
        page = use.team_page(console_of(request).deps, session, team_id=team_id)
    except NotAllowed:
        return _not_allowed(request)
    context = {"page": page, "problem": problem, **_notice(request)}
    return render(request, "team/team.html", context, status=status)


def team(request: Request) -> Response:
    return _team(request)


def _member(request: Request, *, problem: str = "", status: int = 200) -> Response:
    session = require(request)
    try:
        page = use.member_page(
            console_of(request).deps,
            session,
            team_id=request.path_params["team_id"],
            user_id=request.path_params["user_id"],
        )
    except NotAllowed:
        return _not_allowed(request)
    context = {"page": page, "problem": problem, **_notice(request)}
    return render(request, "team/member.html", context, status=status)


def member(request: Request) -> Response:
    return _member(request)


def _back(request: Request, notice: str, *, member_page: bool = True) -> Response:
    path = f"/team/{request.path_params['team_id']}"
    if member_page:
        path += f"/members/{request.path_params['user_id']}"
    return redirect(f"{path}?{urlencode({'notice': notice})}")


def _changing(
    change: Callable[[Request, Form], str], *, member_page: bool = True
) -> Callable[[Request, Form], Response]:
    """Runs a change; on a refusal the page again with the service's own message (409)."""

    def handler(request: Request, form: Form) -> Response:
        require(request)
        try:
            notice = change(request, form)
        except NotFound:
            raise
        except ConsoleError as error:
            page = _member if member_page else _team
            return page(request, problem=say(request, error), status=409)
        if notice.startswith("/"):
            return redirect(notice)
        return _back(request, notice, member_page=member_page)

    handler.__name__ = change.__name__
    return handler


def _field(form: Form, name: str) -> str:
    return str(form.get(name, "")).strip()


def _deps_caller(request: Request) -> tuple[Dependencies, Session]:
    return console_of(request).deps, require(request)


def _form(
    use_case: Callable[..., object],
    notice: str,
    *,
    paths: tuple[str, ...] = (),
    fields: tuple[str, ...] = (),
    member_page: bool = True,
    per_request: tuple[tuple[str, Callable[[Request], str]], ...] = (),
) -> Callable[[Request, Form], Response]:
    """A form's change: ``use_case(deps, caller, **values)`` with the named path parameters,
    form fields (stripped) and values taken from the request (``per_request``: name and how to
    read it), then back to the page with ``notice``."""

    def change(request: Request, form: Form) -> str:
        deps, caller = _deps_caller(request)
        values: dict[str, str] = {name: request.path_params[name] for name in paths}
        values.update((name, _field(form, name)) for name in fields)
        values.update((name, read(request)) for name, read in per_request)
        use_case(deps, caller, **values)
        return notice

    change.__name__ = f"_{use_case.__name__}"
    return posted(_changing(change, member_page=member_page))


def _retry(request: Request, form: Form) -> str:
    deps, caller = _deps_caller(request)
    routed = use.retry_routing(deps, caller, lead_id=request.path_params["lead_id"])
    return "routed" if routed else "still_queued"


def _move(request: Request, form: Form) -> str:
    deps, caller = _deps_caller(request)
    team_id, user_id = request.path_params["team_id"], request.path_params["user_id"]
    to_team_id = _field(form, "to_team_id")
    use.move_member(deps, caller, user_id=user_id, team_id=team_id, to_team_id=to_team_id)
    return f"/team/{team_id}/handover/{user_id}?{urlencode({'to': to_team_id})}"


def _handover_context(request: Request) -> dict[str, Any]:
    deps, caller = _deps_caller(request)
    team_id, user_id = request.path_params["team_id"], request.path_params["user_id"]
    return {
        "team_id": team_id,
        "user_id": user_id,
        "to": request.query_params.get("to", ""),
        "handover": use.handover(deps, caller, team_id=team_id, user_id=user_id),
    }


@_guarded
def handover(request: Request) -> Response:
    """After a move: the member's open items in the team they left, polled until none."""
    return render(request, "team/handover.html", _handover_context(request))


@_guarded
def handover_state(request: Request) -> Response:
    return render(request, "team/_handover.html", _handover_context(request))


MEMBER = "/team/{team_id:str}/members/{user_id:str}"
OWNER, REASON = ("owner_user_id",), ("reason",)
ROUTES = [
    Route("/team", overview, methods=["GET"]),
    Route("/team/{team_id:str}", team, methods=["GET"]),
    Route(
        "/team/{team_id:str}/queue/{lead_id:str}/assign",
        _form(
            use.assign_from_queue,
            "assigned",
            paths=("lead_id", "team_id"),
            fields=OWNER,
            member_page=False,
        ),
        methods=["POST"],
    ),
    Route(
        "/team/{team_id:str}/queue/{lead_id:str}/retry",
        posted(_changing(_retry, member_page=False)),
        methods=["POST"],
    ),
    Route(MEMBER, member, methods=["GET"]),
    Route(
        MEMBER + "/leads/{lead_id:str}/reassign",
        _form(use.reassign_lead, "lead_reassigned", paths=("lead_id",), fields=OWNER),
        methods=["POST"],
    ),
    Route(
        MEMBER + "/deals/{deal_id:str}/reassign",
        _form(use.reassign_deal, "deal_reassigned", paths=("deal_id",), fields=OWNER + REASON),
        methods=["POST"],
    ),
    Route(
        MEMBER + "/deals/{deal_id:str}/transfer",
        _form(
            use.transfer_deal,
            "deal_transferred",
            paths=("deal_id",),
            fields=("to_team_id", *REASON),
        ),
        methods=["POST"],
    ),
    Route(
        MEMBER + "/absences",
        _form(
            use.record_absence,
            "absence_recorded",
            paths=("user_id",),
            fields=("first_day", "last_day", *REASON),
            # whole days counted in the signed-in person's own time zone (the settings page's)
            per_request=(("time_zone", time_zone_of),),
        ),
        methods=["POST"],
    ),
    Route(
        MEMBER + "/absences/{absence_id:str}/cancel",
        _form(use.cancel_absence, "absence_cancelled", paths=("absence_id",)),
        methods=["POST"],
    ),
    Route(MEMBER + "/move", posted(_changing(_move)), methods=["POST"]),
    Route("/team/{team_id:str}/handover/{user_id:str}", handover, methods=["GET"]),
    Route("/team/{team_id:str}/handover/{user_id:str}/state", handover_state, methods=["GET"]),
]
