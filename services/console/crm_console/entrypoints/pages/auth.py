"""Sign in (taking the person's saved preferences into this browser) and sign out."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crm_console.domain.errors import AccountLocked, ConsoleError, WrongCredentials
from crm_console.entrypoints.web_kit import (
    Form,
    apply_preferences,
    console_of,
    forget,
    posted,
    redirect,
    remember,
    render,
    safe_next,
    session_of,
)
from crm_console.service_layer import auth


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


def sign_in_form(request: Request) -> Response:
    next_path = safe_next(request.query_params.get("next", "/"))
    if session_of(request) is not None:
        return redirect(next_path)
    return render(request, "auth/sign_in.html", {"next": next_path, "email": ""})


@posted
def sign_in(request: Request, form: Form) -> Response:
    next_path = safe_next(str(form.get("next", "/")))
    email = str(form.get("email", ""))
    problem, status = "", 200
    try:
        session, preferences = auth.sign_in(
            console_of(request).deps,
            email=email,
            password=str(form.get("password", "")),
            client_address=client_address(request),
        )
    except AccountLocked as locked:
        problem, status = "locked", 429
        detail = locked.retry_after_seconds
    except WrongCredentials:
        problem, status, detail = "wrong", 401, 0
    except ConsoleError:
        problem, status, detail = "missing", 400, 0
    else:
        remember(request, session)
        apply_preferences(request, preferences)
        return redirect(next_path)
    return render(
        request,
        "auth/sign_in.html",
        {"next": next_path, "email": email, "problem": problem, "retry_after": detail},
        status=status,
    )


@posted
def sign_out(request: Request, form: Form) -> Response:
    session = session_of(request)
    if session is not None:
        auth.sign_out(console_of(request).deps, session)
    forget(request)
    return redirect("/sign-in")


def healthz(request: Request) -> Response:
    return Response("ok", media_type="text/plain")


ROUTES = [
    Route("/sign-in", sign_in_form, methods=["GET"]),
    Route("/sign-in", sign_in, methods=["POST"]),
    Route("/sign-out", sign_out, methods=["POST"]),
    Route("/healthz", healthz, methods=["GET"]),
]
