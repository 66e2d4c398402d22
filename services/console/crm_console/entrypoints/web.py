"""The console's web process: a Starlette app served by uvicorn (``python -m
crm_console.entrypoints.web``).

Pages are found, not listed: every module of ``crm_console.entrypoints.pages`` exports
``ROUTES`` (Starlette routes) and may export ``NAV`` ((order, label, path) entries of the
navigation bar), so a new area is a new module and its templates folder.
"""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import uvicorn
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from crm_chassis.gc_tuning import tune_for_service
from crm_chassis.http_observability import HttpObservability
from crm_chassis.logging import configure_logging, get_logger
from crm_chassis.metrics import start_metrics_server
from crm_chassis.settings import check_startup
from crm_console.adapters.cookie_vault import CookieVault
from crm_console.domain.errors import NotFound, SignedOut, Unavailable
from crm_console.entrypoints import i18n, pages, settings, wiring
from crm_console.entrypoints.security import SecurityHeaders, SessionCookies
from crm_console.entrypoints.web_kit import Console, SignInFirst, forget, render
from crm_console.service_layer.dependencies import Dependencies

PACKAGE = Path(__file__).resolve().parent.parent
_log = get_logger("crm.console")


def page_modules() -> list[Any]:
    return [
        importlib.import_module(f"{pages.__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(pages.__path__), key=lambda i: i.name)
    ]


def templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(PACKAGE / "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext_, i18n.ngettext_, newstyle=True
    )
    env.globals["say"] = i18n.say  # a ConsoleError's sentence in the page's language
    return env


async def _not_found(request: Request, exc: Exception) -> Response:
    return render(request, "errors/not_found.html", status=404)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return await _not_found(request, exc)
    return render(
        request,
        "errors/error.html",
        {"status": exc.status_code, "message": exc.detail},
        status=exc.status_code,
    )


async def _sign_in_first(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInFirst)
    target = "/sign-in?" + urlencode({"next": exc.next_path})
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


async def _signed_out(request: Request, exc: Exception) -> Response:
    forget(request)
    return await _sign_in_first(request, SignInFirst(request.url.path))


async def _unavailable(request: Request, exc: Exception) -> Response:
    return render(request, "errors/error.html", {"status": 503, "message": ""}, status=503)


async def _internal(request: Request, exc: Exception) -> Response:
    # The person sees a plain apology with the request id; the details go to the log only.
    _log.exception("page failed", path=request.url.path)
    try:
        return render(request, "errors/error.html", {"status": 500, "message": ""}, status=500)
    except Exception:  # noqa: BLE001 - the error page itself failed: still nothing internal
        return PlainTextResponse("Something went wrong.", status_code=500)


def build_app(
    console_settings: settings.ConsoleSettings, deps: Dependencies | None = None
) -> Starlette:
    deps = deps or wiring.build_dependencies(console_settings)
    modules = page_modules()
    routes: list[BaseRoute] = [r for m in modules for r in getattr(m, "ROUTES", ())]
    routes.append(Mount("/static", app=StaticFiles(directory=PACKAGE / "static"), name="static"))
    nav: Sequence[tuple[int, str, str]] = sorted(n for m in modules for n in getattr(m, "NAV", ()))
    # A module may hide its NAV entry from those who may not use it: NAV_GUARDS {path: check}.
    nav_guards = {p: g for m in modules for p, g in getattr(m, "NAV_GUARDS", {}).items()}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        deps.close()  # the channels to the services

    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={
            404: _not_found,
            HTTPException: _http_error,
            SignInFirst: _sign_in_first,
            SignedOut: _signed_out,
            NotFound: _not_found,
            Unavailable: _unavailable,
            Exception: _internal,
        },
    )
    app.state.console = Console(
        settings=console_settings,
        deps=deps,
        vault=CookieVault(console_settings.session_key, console_settings.session_max_age_seconds),
        templates=templates(),
        nav=tuple(nav),
        nav_guards=nav_guards,
    )
    app.add_middleware(SessionCookies, secure=console_settings.cookies_secure)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(HttpObservability)
    return app


def main() -> None:
    console_settings = settings.load()
    check_startup(console_settings, "web")
    configure_logging(console_settings)
    if console_settings.metrics_port:
        start_metrics_server(console_settings.metrics_port, console_settings.metrics_host)
    app = build_app(console_settings)
    tune_for_service()  # what start-up built stays out of the collector: docs/chassis.md
    _log.info(
        "console serving",
        url=f"http://{console_settings.http_host}:{console_settings.http_port}/",
    )
    uvicorn.run(
        app,
        host=console_settings.http_host,
        port=console_settings.http_port,
        log_config=None,  # the chassis' JSON logs, not uvicorn's own format
        access_log=False,  # HttpObservability logs each request with its request id
        timeout_graceful_shutdown=int(console_settings.shutdown_grace_seconds),
    )


if __name__ == "__main__":  # pragma: no cover
    main()
