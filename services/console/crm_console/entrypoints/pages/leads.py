"""Leads: the search (every filter in the URL), a lead's page and its actions."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crm_console.domain import lead_query
from crm_console.domain.errors import ConsoleError
from crm_console.domain.leads import (
    CHANNELS,
    COMPANY_SIZES,
    DISQUALIFICATION_REASONS,
    GRADES,
    STATUSES,
)
from crm_console.domain.session import Session
from crm_console.entrypoints.web_kit import (
    Form,
    console_of,
    posted,
    redirect,
    render,
    require,
    say,
    texts,
)
from crm_console.entrypoints.words import N_
from crm_console.service_layer import leads

# The create form's fields (LeadInput paths, as leads names them in its refusals).
FORM_FIELDS = (
    ("person.first_name", N_("First name")),
    ("person.last_name", N_("Last name")),
    ("person.title", N_("Title")),
    ("person.email", N_("E-mail")),
    ("person.phone", N_("Phone")),
    ("company.name", N_("Company")),
    ("company.industry", N_("Industry")),
    ("company.website", N_("Website")),
    ("location.country", N_("Country")),
    ("location.city", N_("City")),
    ("location.postal_code", N_("Postal code")),
    ("source.campaign_id", N_("Campaign id")),
    ("sales_line_id", N_("Sales line id")),
)

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
        query, problem = lead_query.LeadQuery(), say(request, error)
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


def _decide(request: Request, decision: Callable[..., object], /, **fields: object) -> Response:
    """``decision(deps, session, **fields)`` on the path's lead: back to the lead, or its page
    with the refusal (409)."""
    session = require(request)
    lead_id = request.path_params["lead_id"]
    try:
        decision(console_of(request).deps, session, **fields)
    except ConsoleError as error:
        return _lead_with_problem(request, session, lead_id, say(request, error))
    return redirect(f"/leads/{lead_id}")


@posted
def change_status(request: Request, form: Form) -> Response:
    return _decide(
        request,
        leads.change_status,
        lead_id=request.path_params["lead_id"],
        action=request.path_params["action"],
        **texts(form, "note", "reason"),
    )


def _lead_with_problem(request: Request, session: Session, lead_id: str, message: str) -> Response:
    found = leads.lead_file(console_of(request).deps, session, lead_id=lead_id)
    return render(
        request,
        "leads/lead.html",
        {"file": found, "lead": found.lead, "problem": message, **CHOICES},
        status=409,
    )


def new_lead(request: Request) -> Response:
    require(request)
    return render(request, "leads/new.html", _form_context(request, {}, "", ""))


def _form_context(request: Request, values: dict[str, str], problem: str, field: str) -> dict:
    # The refusal names a LeadInput path ("lead.person.email" or "person.email"): the message
    # goes next to the input whose path it ends with.
    at = next((name for name, _ in FORM_FIELDS if field and field.endswith(name)), "")
    return {
        "fields": FORM_FIELDS,
        "values": values,
        "problem": problem,
        "problem_field": at,
        "form_key": values.get("form_key") or console_of(request).deps.ids.new_id(),
        **CHOICES,
    }


@posted
def create_lead(request: Request, form: Form) -> Response:
    session = require(request)
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    inputs = {k: v for k, v in values.items() if k not in ("form_key",)}
    try:
        created = leads.create(
            console_of(request).deps, session, form_key=values.get("form_key", ""), values=inputs
        )
    except ConsoleError as error:
        context = _form_context(request, values, say(request, error), error.field)
        return render(request, "leads/new.html", context, status=422)
    return redirect(f"/leads/{created.id}")


@posted
def convert_lead(request: Request, form: Form) -> Response:
    lead_id = request.path_params["lead_id"]
    return _decide(request, leads.convert, lead_id=lead_id, **texts(form, "opportunity_name"))


def conversion_state(request: Request) -> Response:
    """The conversion's part of the lead page; htmx polls it until deals has answered."""
    session = require(request)
    lead = leads.lead_file(
        console_of(request).deps, session, lead_id=request.path_params["lead_id"]
    ).lead
    return render(request, "leads/_conversion.html", {"lead": lead})


@posted
def merge_lead(request: Request, form: Form) -> Response:
    survivor_id = request.path_params["lead_id"]
    return _decide(request, leads.merge, survivor_id=survivor_id, **texts(form, "duplicate_id"))


ROUTES = [
    Route("/leads", search, methods=["GET"]),
    Route("/leads/new", new_lead, methods=["GET"]),
    Route("/leads/new", create_lead, methods=["POST"]),
    Route("/leads/{lead_id:str}/conversion", conversion_state, methods=["GET"]),
    Route("/leads/{lead_id:str}/convert", convert_lead, methods=["POST"]),
    Route("/leads/{lead_id:str}/merge", merge_lead, methods=["POST"]),
    Route("/leads/{lead_id:str}", lead_page, methods=["GET"]),
    Route(
        "/leads/{lead_id:str}/{action:str}",
        change_status,
        methods=["POST"],
    ),
]
