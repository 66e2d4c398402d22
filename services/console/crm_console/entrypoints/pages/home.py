"""A rep's day: their tasks due today and overdue, their open leads by score (grade and top factors) and their open deals with
the days in their stage, the longest first, beside the usual days (service_layer/my_day.py)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crm_console.entrypoints.web_kit import console_of, render, require, time_zone_of
from crm_console.service_layer.my_day import my_day as day_of

NAV = [(10, "My day", "/")]


def my_day(request: Request) -> Response:
    session = require(request)
    console = console_of(request)
    day = day_of(console.deps, session, time_zone=time_zone_of(request))
    return render(request, "home/my_day.html", {"day": day})


ROUTES = [Route("/", my_day, methods=["GET"])]
