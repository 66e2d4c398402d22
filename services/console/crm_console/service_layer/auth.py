"""Signing in, staying signed in and signing out (identity's Login, Refresh, Logout)."""

from __future__ import annotations

from crm_console.domain.errors import T_, ConsoleError, SignedOut
from crm_console.domain.session import Session
from crm_console.service_layer.dependencies import Dependencies


def sign_in(deps: Dependencies, *, email: str, password: str, client_address: str) -> Session:
    """A new session for the person, or WrongCredentials / AccountLocked / ConsoleError."""
    if not email.strip():
        raise ConsoleError(T_("enter your e-mail address"), field="email")
    if not password:
        raise ConsoleError(T_("enter your password"), field="password")
    tokens = deps.identity.login(email.strip(), password, client_address)
    person = deps.identity.who_am_i(tokens.access_token)
    return Session(person=person, tokens=tokens, csrf_token=deps.ids.new_id())


def current(deps: Dependencies, caller: Session) -> Session:
    """The caller's session with a fresh access token (renewed through the refresh token when
    it is about to expire); SignedOut when it can no longer be renewed."""
    now = deps.clock.now()
    if not caller.tokens.needs_refresh(now):
        return caller
    if caller.tokens.refresh_expired(now):
        raise SignedOut(T_("your session has ended; sign in again"))
    return caller.with_tokens(deps.identity.refresh(caller.tokens.refresh_token))


def sign_out(deps: Dependencies, caller: Session) -> None:
    """Revoke the refresh token; a session identity already ended is signed out all the same."""
    try:
        deps.identity.logout(caller.tokens.refresh_token)
    except SignedOut:
        pass
