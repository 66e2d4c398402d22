"""A person's own settings: the language and the time zone the console shows them (remembered
for a year, the time zone for the signed-in person only). The time zone decides which tasks are
due today or overdue on my day and the day and clock of every moment shown."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crm_console.domain.errors import ConsoleError
from crm_console.entrypoints import i18n
from crm_console.entrypoints.web_kit import (
    Form,
    console_of,
    language_of,
    posted,
    redirect,
    render,
    require,
    say,
    set_language,
    set_time_zone,
)


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


def show(request: Request) -> Response:
    return _page(request)


@posted
def save(request: Request, form: Form) -> Response:
    zone = str(form.get("time_zone", "")).strip()
    try:
        set_time_zone(request, zone)
    except ConsoleError as error:
        return _page(request, problem=say(request, error), chosen=zone, status=400)
    set_language(request, str(form.get("lang", "")))
    return redirect("/settings?notice=saved")


ROUTES = [
    Route("/settings", show, methods=["GET"]),
    Route("/settings", save, methods=["POST"]),
]
