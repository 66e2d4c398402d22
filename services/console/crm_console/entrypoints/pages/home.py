"""A rep's day: their open leads by score (grade and top factors)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crm_console.entrypoints.web_kit import console_of, render, require
from crm_console.service_layer import leads

NAV = [(10, "My day", "/")]


def my_day(request: Request) -> Response:
    session = require(request)
    page = leads.my_open_leads(console_of(request).deps, session)
    return render(request, "home/my_day.html", {"leads": page.leads})


ROUTES = [Route("/", my_day, methods=["GET"])]
