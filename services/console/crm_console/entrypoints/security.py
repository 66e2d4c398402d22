"""Security headers of every answer and the cookies pages leave in the request's state.

The Content-Security-Policy allows scripts and styles from the console itself only: no inline
script, no inline style, no other origin (htmx is told not to inject its indicator style, see
base.html). Cookies are HttpOnly (page JavaScript never reads the session), SameSite=Lax for
the session (a link from a mail opens the console signed in; every change is a POST with a
CSRF token) and Strict for the pre-session CSRF cookie, Secure outside local runs.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crm_console.entrypoints.web_kit import LANGUAGE_COOKIE, PRESESSION_COOKIE, STATE_SET

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                headers.extend(HEADERS)
                if not scope["path"].startswith("/static/"):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def cookie_header(name: str, value: str, max_age: int, *, secure: bool) -> bytes:
    cookie: SimpleCookie = SimpleCookie()
    cookie[name] = value
    morsel: Any = cookie[name]
    morsel["path"] = "/"
    morsel["max-age"] = max_age
    morsel["httponly"] = True
    morsel["samesite"] = "Strict" if name == PRESESSION_COOKIE else "Lax"
    if name == LANGUAGE_COOKIE:
        morsel["samesite"] = "Lax"
    if secure:
        morsel["secure"] = True
    return morsel.OutputString().encode("latin-1")


class SessionCookies:
    """Writes the cookies a page queued (``web_kit.remember``, ``forget``, ``set_language``)."""

    def __init__(self, app: ASGIApp, *, secure: bool) -> None:
        self.app = app
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                pending = scope.get("state", {}).get(STATE_SET) or {}
                headers = list(message.get("headers") or [])
                for name, (value, max_age) in pending.items():
                    headers.append(
                        (b"set-cookie", cookie_header(name, value, max_age, secure=self.secure))
                    )
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_cookies)
