"""What every page module uses: the signed-in session, CSRF checks, rendering, redirects.

Sessions live in the encrypted ``crm_session`` cookie (``adapters.cookie_vault``); a page that
renews the access token or signs someone in or out leaves the new cookie in the request's state,
and :class:`SessionCookies` writes it on the response. Forms carry a CSRF token: the session's
own once signed in, the pre-session cookie's before.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from crm_console.adapters.cookie_vault import CookieVault
from crm_console.domain.errors import T_, ConsoleError, SignedOut
from crm_console.domain.session import Preferences, Session
from crm_console.entrypoints import i18n
from crm_console.entrypoints.settings import LANGUAGES, ConsoleSettings
from crm_console.service_layer import auth
from crm_console.service_layer.dependencies import Dependencies

SESSION_COOKIE = "crm_session"
PRESESSION_COOKIE = "crm_csrf"
LANGUAGE_COOKIE = "crm_lang"
TIME_ZONE_COOKIE = "crm_tz"  # "<user id>|<IANA zone>": the signed-in person's own choice
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
STATE_SET = "console_set_cookies"


@dataclass
class Console:
    """The process's one console: settings, dependencies, cookie vault and templates."""

    settings: ConsoleSettings
    deps: Dependencies
    vault: CookieVault
    templates: Environment
    nav: tuple[tuple[int, str, str], ...] = ()  # (order, label, path) of every page module
    # path -> whether this request's person is offered that entry (absent: everyone)
    nav_guards: Mapping[str, Callable[[Request], bool]] = field(default_factory=dict)


def console_of(request: Request) -> Console:
    return request.app.state.console  # type: ignore[no-any-return]


def _queue_cookie(request: Request, name: str, value: str, max_age: int) -> None:
    pending: dict[str, tuple[str, int]] = request.scope.setdefault("state", {}).setdefault(
        STATE_SET, {}
    )
    pending[name] = (value, max_age)


def remember(request: Request, session: Session) -> None:
    console = console_of(request)
    _queue_cookie(
        request,
        SESSION_COOKIE,
        console.vault.seal(session),
        console.settings.session_max_age_seconds,
    )
    request.state.session = session


def forget(request: Request) -> None:
    _queue_cookie(request, SESSION_COOKIE, "", 0)
    request.state.session = None


def session_of(request: Request) -> Session | None:
    """The signed-in session with a usable access token, or None (renewal refused or none)."""
    if "session" in request.state._state:
        return request.state.session  # type: ignore[no-any-return]
    console = console_of(request)
    session = console.vault.open(request.cookies.get(SESSION_COOKIE, ""))
    if session is not None:
        try:
            fresh = auth.current(console.deps, session)
        except SignedOut:
            forget(request)
            return None
        if fresh is not session:
            remember(request, fresh)
        session = fresh
    request.state.session = session
    return session


class SignInFirst(Exception):
    """Raised by :func:`require`; the app answers with a redirect to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def require(request: Request) -> Session:
    session = session_of(request)
    if session is None:
        raise SignInFirst(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    return session


def expected_csrf(request: Request) -> str:
    session = session_of(request)
    if session is not None:
        return session.csrf_token
    token = request.cookies.get(PRESESSION_COOKIE, "")
    if not token:
        token = request.state._state.get("presession") or secrets.token_urlsafe(24)
        request.state.presession = token
        _queue_cookie(request, PRESESSION_COOKIE, token, 3600)
    return token


Form = FormData  # .get(name), .getlist(name); uploads are UploadFile values


def texts(form: Form, *names: str, **renamed: str) -> dict[str, str]:
    """Form fields as text, "" when absent, to pass on as keyword arguments: each of ``names``
    under its own name, ``renamed`` as ``parameter="field"``."""
    wanted = {**{name: name for name in names}, **renamed}
    return {parameter: str(form.get(field, "")) for parameter, field in wanted.items()}


def verify_csrf(request: Request, form: Form) -> None:
    """403 unless the form's CSRF token (field or header) is the expected one."""
    sent = str(form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or "")
    session = session_of(request)
    expected = session.csrf_token if session else request.cookies.get(PRESESSION_COOKIE, "")
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise HTTPException(403, "the form expired; reload the page and try again")


def posted(
    handler: Callable[[Request, Form], Response],
) -> Callable[[Request], Awaitable[Response]]:
    """A POST endpoint: reads the form, checks its CSRF token, then runs ``handler`` in a
    worker thread (the services are called with blocking gRPC calls)."""

    async def endpoint(request: Request) -> Response:
        form = await request.form()

        def run() -> Response:
            verify_csrf(request, form)
            return handler(request, form)

        return await run_in_threadpool(run)

    endpoint.__name__ = handler.__name__
    return endpoint


def language_of(request: Request) -> i18n.Language:
    """The person's language and time zone (both remembered like the language choice)."""
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    if chosen not in LANGUAGES:
        chosen = console_of(request).settings.default_language
    return i18n.Language(chosen, time_zone_of(request))


def say(request: Request, error: ConsoleError) -> str:
    """``error``'s sentence in the request's language (``i18n.say``)."""
    return i18n.say(error, language_of(request))


def set_language(request: Request, code: str) -> None:
    if code in LANGUAGES:
        _queue_cookie(request, LANGUAGE_COOKIE, code, 365 * 24 * 3600)


def time_zone_of(request: Request) -> str:
    """The signed-in person's chosen time zone, else the console's ``CRM_CONSOLE_TIME_ZONE``.
    The choice names its person: someone else signing in on the same browser gets the default."""
    session = session_of(request)
    user_id, _, zone = request.cookies.get(TIME_ZONE_COOKIE, "").rpartition("|")
    if session is not None and user_id == session.person.user_id and i18n.zone_of(zone):
        return zone
    return console_of(request).settings.time_zone


def check_time_zone(zone: str) -> None:
    """ConsoleError (field ``time_zone``) unless ``zone`` is an IANA time zone name."""
    if i18n.zone_of(zone) is None:
        raise ConsoleError(
            T_(
                "%(value)s is not a time zone: choose one from the list (e.g. Asia/Tehran)",
                value=repr(zone),
            ),
            field="time_zone",
        )


def set_time_zone(request: Request, zone: str) -> None:
    """Remember ``zone`` for the signed-in person for a year; an unknown name is refused."""
    session = require(request)
    check_time_zone(zone)
    _queue_cookie(request, TIME_ZONE_COOKIE, f"{session.person.user_id}|{zone}", 365 * 24 * 3600)


def apply_preferences(request: Request, preferences: Preferences) -> None:
    """The person's saved choices (identity's, at sign-in) become this browser's cookies, the
    per-browser cache every page reads; what they never chose keeps the browser's own."""
    set_language(request, preferences.language)
    if preferences.time_zone and i18n.zone_of(preferences.time_zone) is not None:
        set_time_zone(request, preferences.time_zone)


def safe_next(target: str) -> str:
    """Only a path of this site (no scheme, no host): never an open redirect."""
    parts = urlsplit(target or "/")
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _everyone(request: Request) -> bool:
    return True


def render(
    request: Request, template: str, context: Mapping[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    console = console_of(request)
    language = language_of(request)
    i18n.use(language)
    values = {
        "request": request,
        "lang": language,
        "languages": i18n.LANGUAGES,
        "session": session_of(request),
        "csrf_token": expected_csrf(request),
        "nav": tuple(n for n in console.nav if console.nav_guards.get(n[2], _everyone)(request)),
        **(context or {}),
    }
    html = console.templates.get_template(template).render(values)
    return HTMLResponse(html, status_code=status)


def redirect(path: str) -> Response:
    """After a successful POST: see the result with a GET (htmx follows HX-Redirect)."""
    response = RedirectResponse(path, status_code=303)
    return response
