"""Signing in, staying signed in and signing out (identity's Login, Refresh, Logout)."""

from __future__ import annotations

from crm_console.domain.errors import T_, ConsoleError, SignedOut
from crm_console.domain.session import Preferences, Session
from crm_console.service_layer.dependencies import Dependencies


def sign_in(
    deps: Dependencies, *, email: str, password: str, client_address: str
) -> tuple[Session, Preferences]:
    """A new session for the person with their saved preferences (the one WhoAmI call that
    names them brings those too), or WrongCredentials / AccountLocked / ConsoleError."""
    if not email.strip():
        raise ConsoleError(T_("enter your e-mail address"), field="email")
    if not password:
        raise ConsoleError(T_("enter your password"), field="password")
    tokens = deps.identity.login(email.strip(), password, client_address)
    me = deps.identity.who_am_i(tokens.access_token)
    return Session(person=me.person, tokens=tokens, csrf_token=deps.ids.new_id()), me.preferences


def save_preferences(
    deps: Dependencies,
    caller: Session,
    *,
    language: str | None = None,
    time_zone: str | None = None,
) -> Preferences:
    """Store the given choices (None: leave it as saved) with identity, for the caller only."""
    fields = tuple(
        name for name, value in (("language", language), ("time_zone", time_zone)) if value
    )
    chosen = Preferences(language=language or "", time_zone=time_zone or "")
    if not fields:  # identity reads an empty mask as "every field": never clear by omission
        return chosen
    return deps.identity.save_preferences(caller.tokens.access_token, chosen, fields)


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
