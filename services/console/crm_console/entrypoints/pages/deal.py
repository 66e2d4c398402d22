"""A deal's page: details, contacts, the activity timeline (log a call, e-mail, meeting, note or
task; complete a task, also on a teammate's deal), the quote builder priced by catalog with the
explained price, revisions, accept -> order -> invoice, the deal's orders and invoices (an
invoice also straight from a won deal's priced lines; issue it, record payments in parts). A deal
the person may not see answers with the same not-found page as an id that does not exist."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crm_console.domain.deals import ACTIVITY_KINDS, DIRECTIONS, Pricing, with_base_units
from crm_console.domain.errors import T_, ConsoleError, NotFound
from crm_console.entrypoints.web_kit import (
    Form,
    console_of,
    language_of,
    posted,
    redirect,
    render,
    require,
    say,
    texts,
)
from crm_console.service_layer import deal_page, pipeline

BUILDER_ROWS = 5


def _page(
    request: Request,
    deal_id: str,
    *,
    problem: str = "",
    pricing: Pricing | None = None,
    status: int = 200,
) -> Response:
    console = console_of(request)
    session = require(request)
    found = deal_page.deal_file(console.deps, session, deal_id=deal_id)
    context = {
        "file": found,
        "deal": found.deal,
        "kinds": ACTIVITY_KINDS,
        "directions": DIRECTIONS,
        "products": deal_page.products(console.deps, session) if found.deal.is_open else (),
        "lost_reasons": pipeline.lost_reasons(console.deps, session) if found.deal.is_open else (),
        "builder_rows": range(BUILDER_ROWS),
        "pricing": pricing,
        "problem": problem or request.query_params.get("problem", ""),
        "notice": request.query_params.get("notice", ""),
        "now": console.deps.clock.now(),
        "today": language_of(request).today(console.deps.clock.now()),
    }
    return render(request, "deal/deal.html", context, status=status)


def show(request: Request) -> Response:
    return _page(request, request.path_params["deal_id"])


def _done(deal_id: str, notice: str, **extra: str) -> Response:
    return redirect(f"/deals/{deal_id}?{urlencode({'notice': notice, **extra})}")


def _decide(
    request: Request, notice: str, decision: Callable[..., object], /, **fields: object
) -> Response:
    """``decision(deps, session, **fields)`` for the path's deal: back to the deal with ``notice``,
    or its page with the refusal (409); not found stays the not-found page."""
    session = require(request)
    deal_id = request.path_params["deal_id"]
    try:
        decision(console_of(request).deps, session, **fields)
    except NotFound:
        raise
    except ConsoleError as error:
        return _page(request, deal_id, problem=say(request, error), status=409)
    return _done(deal_id, notice)


@posted
def log_activity(request: Request, form: Form) -> Response:
    return _decide(
        request,
        "logged",
        deal_page.log_activity,
        deal_id=request.path_params["deal_id"],
        **texts(form, "kind", "subject", "body", "direction", "duration_minutes", due="due_at"),
    )


@posted
def complete_task(request: Request, form: Form) -> Response:
    return _decide(
        request,
        "task_done",
        deal_page.complete_task,
        activity_id=request.path_params["activity_id"],
        done=str(form.get("done", "1")) == "1",
    )


def _lines(form: Form):  # type: ignore[no-untyped-def]
    return deal_page.parse_lines(
        [str(v) for v in form.getlist("product_id")],
        [str(v) for v in form.getlist("quantity")],
        [str(v) for v in form.getlist("unit")],
    )


@posted
def quote_builder(request: Request, form: Form) -> Response:
    """ "Explain the price" shows catalog's figures without saving; "Save as quote" creates the
    draft (or prices the draft named) with those lines."""
    console = console_of(request)
    session = require(request)
    deal_id = request.path_params["deal_id"]
    try:
        products = deal_page.products(console.deps, session)
        lines = with_base_units(_lines(form), products)
        if form.get("intent") == "explain":
            pricing = deal_page.explain_price(console.deps, session, deal_id=deal_id, lines=lines)
            return _page(request, deal_id, pricing=pricing)
        quote_id = str(form.get("quote_id", ""))
        if not quote_id:
            quote_id = deal_page.create_quote(
                console.deps, session, deal_id=deal_id, title=str(form.get("title", ""))
            ).id
        deal_page.price_quote(console.deps, session, quote_id=quote_id, lines=lines)
    except NotFound:
        raise
    except ConsoleError as error:
        return _page(request, deal_id, problem=say(request, error), status=409)
    return _done(deal_id, "quote_priced")


@posted
def quote_action(request: Request, form: Form) -> Response:
    console = console_of(request)
    session = require(request)
    deal_id = request.path_params["deal_id"]
    action = request.path_params["action"]
    quote_id = request.path_params["quote_id"]
    try:
        if action == "order":
            deal_page.order_quote(console.deps, session, quote_id=quote_id)
            return _done(deal_id, "ordered")
        if action == "invoice":
            deal_page.invoice_order(console.deps, session, order_id=str(form.get("order_id", "")))
            return _done(deal_id, "invoiced")
        deal_page.quote_action(
            console.deps,
            session,
            quote_id=quote_id,
            action=action,
            reason=str(form.get("reason", "")),
        )
    except NotFound:
        raise
    except ConsoleError as error:
        return _page(request, deal_id, problem=say(request, error), status=409)
    return _done(deal_id, f"quote_{action}")


@posted
def invoice_deal(request: Request, form: Form) -> Response:
    """A draft invoice of the won deal's priced lines (no order)."""
    deal_id = request.path_params["deal_id"]
    return _decide(request, "invoiced", deal_page.invoice_deal, deal_id=deal_id)


@posted
def invoice_action(request: Request, form: Form) -> Response:
    """Issue a draft invoice, or record a payment of an issued one."""
    invoice_id = request.path_params["invoice_id"]
    action = request.path_params["action"]
    if action == "issue":
        return _decide(request, "invoice_issued", deal_page.issue_invoice, invoice_id=invoice_id)
    if action == "payments":
        fields = texts(form, "amount", "currency", "paid_on", "method", "reference")
        return _decide(
            request, "payment_recorded", deal_page.record_payment, invoice_id=invoice_id, **fields
        )
    require(request)  # signed out: the sign-in page, as for the known actions
    raise NotFound(T_("no invoice action %(value)s", value=repr(action)))


ROUTES = [
    Route("/deals/{deal_id:str}", show, methods=["GET"]),
    Route("/deals/{deal_id:str}/activities", log_activity, methods=["POST"]),
    Route("/deals/{deal_id:str}/tasks/{activity_id:str}/complete", complete_task, methods=["POST"]),
    Route("/deals/{deal_id:str}/quote-builder", quote_builder, methods=["POST"]),
    Route(
        "/deals/{deal_id:str}/quotes/{quote_id:str}/{action:str}", quote_action, methods=["POST"]
    ),
    Route("/deals/{deal_id:str}/invoice", invoice_deal, methods=["POST"]),
    Route(
        "/deals/{deal_id:str}/invoices/{invoice_id:str}/{action:str}",
        invoice_action,
        methods=["POST"],
    ),
]
