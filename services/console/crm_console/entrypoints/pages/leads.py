"""Leads: the search (every filter in the URL), a lead's page and its actions."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crm_console.domain import lead_query
from crm_console.domain.errors import ConsoleError, Refused
from crm_console.domain.leads import (
    CHANNELS,
    COMPANY_SIZES,
    DISQUALIFICATION_REASONS,
    GRADES,
    STATUSES,
)
from crm_console.entrypoints.web_kit import Form, console_of, posted, redirect, render, require
from crm_console.service_layer import leads

NAV = [(20, "Leads", "/leads")]
CHOICES = dict(
    statuses=STATUSES,
    grades=GRADES,
    channels=CHANNELS,
    sizes=COMPANY_SIZES,
    reasons=DISQUALIFICATION_REASONS,
)


def search(request: Request) -> Response:
    session = require(request)
    problem, page = "", None
    try:
        query = lead_query.parse(list(request.query_params.multi_items()))
        page = leads.search(console_of(request).deps, session, query=query)
    except ConsoleError as error:
        query, problem = lead_query.LeadQuery(), error.message
    context = {"query": query, "page": page, "problem": problem, **CHOICES}
    if request.headers.get("hx-request") and request.headers.get("hx-target") == "results":
        return render(request, "leads/_results.html", context)
    return render(request, "leads/search.html", context, status=400 if problem else 200)


def lead_page(request: Request) -> Response:
    session = require(request)
    found = leads.lead_file(
        console_of(request).deps, session, lead_id=request.path_params["lead_id"]
    )
    return render(request, "leads/lead.html", {"file": found, "lead": found.lead, **CHOICES})


@posted
def change_status(request: Request, form: Form) -> Response:
    session = require(request)
    lead_id = request.path_params["lead_id"]
    try:
        leads.change_status(
            console_of(request).deps,
            session,
            lead_id=lead_id,
            action=request.path_params["action"],
            note=str(form.get("note", "")),
            reason=str(form.get("reason", "")),
        )
    except (Refused, ConsoleError) as error:
        return _lead_with_problem(request, session, lead_id, error.message)
    return redirect(f"/leads/{lead_id}")


def _lead_with_problem(request: Request, session: object, lead_id: str, message: str) -> Response:
    found = leads.lead_file(console_of(request).deps, require(request), lead_id=lead_id)
    return render(
        request,
        "leads/lead.html",
        {"file": found, "lead": found.lead, "problem": message, **CHOICES},
        status=409,
    )


ROUTES = [
    Route("/leads", search, methods=["GET"]),
    Route("/leads/{lead_id:str}", lead_page, methods=["GET"]),
    Route(
        "/leads/{lead_id:str}/{action:str}",
        change_status,
        methods=["POST"],
    ),
]
