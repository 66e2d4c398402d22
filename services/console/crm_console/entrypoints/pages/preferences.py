"""A person's own settings: the language and the time zone the console shows them. Signed in,
they are saved with identity (UpdateOwnPreferences), so every browser and device the person
signs in from gets them back; the cookies are this browser's cache of them, and all there is
before sign-in. The time zone decides which tasks are due today or overdue on my day and the
day and clock of every moment shown."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crm_console.domain.errors import ConsoleError, SignedOut, Unavailable
from crm_console.entrypoints import i18n
from crm_console.entrypoints.settings import LANGUAGES
from crm_console.entrypoints.web_kit import (
    Form,
    check_time_zone,
    console_of,
    language_of,
    posted,
    redirect,
    render,
    require,
    safe_next,
    say,
    session_of,
    set_language,
    set_time_zone,
)
from crm_console.service_layer import auth


def N_(message: str) -> str:  # marks the navigation label for the catalogue
    return message


NAV = [(90, N_("Settings"), "/settings")]


def _page(request: Request, *, problem: str = "", chosen: str = "", status: int = 200) -> Response:
    require(request)
    lang = language_of(request)
    context = {
        "zones": i18n.time_zones(),
        "zone": chosen or lang.zone,
        "now": console_of(request).deps.clock.now(),
        "problem": problem,
        "notice": request.query_params.get("notice", ""),
    }
    return render(request, "settings/settings.html", context, status=status)


def _refused(request: Request, error: ConsoleError, chosen: str = "") -> Response:
    """The settings page saying why nothing was saved (the API's own sentence when it refused)."""
    if isinstance(error, SignedOut):
        raise error
    status = 503 if isinstance(error, Unavailable) else 400
    return _page(request, problem=say(request, error), chosen=chosen, status=status)


def show(request: Request) -> Response:
    return _page(request)


@posted
def save(request: Request, form: Form) -> Response:
    zone = str(form.get("time_zone", "")).strip()
    code = str(form.get("lang", ""))
    language = code if code in LANGUAGES else None
    try:
        check_time_zone(zone)
        auth.save_preferences(
            console_of(request).deps, require(request), language=language, time_zone=zone
        )
    except ConsoleError as error:
        return _refused(request, error, chosen=zone)
    set_time_zone(request, zone)
    set_language(request, code)
    return redirect("/settings?notice=saved")


@posted
def choose_language(request: Request, form: Form) -> Response:
    """The header's language form: for this browser, and saved for the signed-in person."""
    code = str(form.get("lang", ""))
    session = session_of(request)
    if session is not None and code in LANGUAGES:
        try:
            auth.save_preferences(console_of(request).deps, session, language=code)
        except ConsoleError as error:
            return _refused(request, error)
    set_language(request, code)
    return redirect(safe_next(str(form.get("next", "/"))))


ROUTES = [
    Route("/settings", show, methods=["GET"]),
    Route("/settings", save, methods=["POST"]),
    Route("/language", choose_language, methods=["POST"]),
]
