"""Use cases of authentication: login, refresh, logout, service tokens, who-am-i, token checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from crm_chassis.caller import SERVICE, USER, Caller, require_authenticated
from crm_chassis.errors import InvalidArgument, Unauthenticated
from crm_identity.domain import sessions
from crm_identity.domain.preferences import Preferences
from crm_identity.domain.sessions import RefreshToken
from crm_identity.domain.throttling import CLIENT_SECRET, PASSWORD
from crm_identity.domain.users import User, email_key, token_accepted
from crm_identity.service_layer import signing_keys, throttle
from crm_identity.service_layer.dependencies import Dependencies
from crm_identity.service_layer.unit_of_work import IdentityUnitOfWork

BAD_CREDENTIALS = "wrong e-mail or password, or the account is deactivated"
BAD_CLIENT = "unknown client id or wrong client secret"


@dataclass(frozen=True)
class Tokens:
    access_token: str
    access_expires_at: dt.datetime
    refresh_token: str = ""
    refresh_expires_at: dt.datetime | None = None


def _access_token(
    deps: Dependencies,
    uow: IdentityUnitOfWork,
    *,
    subject_id: str,
    kind: str,
    roles: Iterable[str],
    departments: Iterable[str],
    display_name: str,
) -> tuple[str, dt.datetime]:
    key = signing_keys.active_key_in(uow)
    return deps.tokens.issue(
        key,
        subject_id=subject_id,
        kind=kind,
        roles=sorted(roles),
        departments=sorted(departments),
        display_name=display_name,
        ttl_seconds=deps.config.access_token_ttl_seconds,
    )


def _user_tokens(
    deps: Dependencies,
    uow: IdentityUnitOfWork,
    user: User,
    now: dt.datetime,
    *,
    family_id: str | None = None,
    family_expires_at: dt.datetime | None = None,
) -> Tokens:
    refresh, value = RefreshToken.issue(
        id=deps.ids.new_id(),
        family_id=family_id or deps.ids.new_id(),
        user_id=user.id,
        now=now,
        ttl=dt.timedelta(seconds=deps.config.refresh_token_ttl_seconds),
        family_expires_at=family_expires_at
        or now + dt.timedelta(seconds=deps.config.refresh_family_max_seconds),
    )
    uow.sessions.add(refresh)
    access, access_expires = _access_token(
        deps,
        uow,
        subject_id=user.id,
        kind=USER,
        roles=user.roles,
        departments=user.departments,
        display_name=user.display_name,
    )
    return Tokens(access, access_expires, value, refresh.expires_at)


def login(deps: Dependencies, email: str, password: str, client_address: str = "") -> Tokens:
    """``client_address``: the caller's address as the edge determined it (throttling)."""
    if not email or not email.strip():
        raise InvalidArgument("e-mail is required", field="email")
    if not password:
        raise InvalidArgument("password is required", field="password")
    key = email_key(email)
    throttle.ensure_allowed(deps, PASSWORD, key, client_address)
    with deps.uow() as uow:
        user = uow.users.get_by_email(key)
    # Verify outside any transaction (the hash is slow on purpose), always: an unknown e-mail is
    # verified against a dummy hash of the same parameters, so timing tells nothing.
    matches = deps.hasher.verify(user.password_hash if user else deps.hasher.dummy_hash, password)
    if not (matches and user is not None and user.is_active):
        throttle.record_failure(deps, PASSWORD, key, client_address)
        raise Unauthenticated(BAD_CREDENTIALS)
    now = deps.clock.now()
    with deps.uow() as uow:
        throttle.clear_failures(uow, PASSWORD, key, client_address)
        user = uow.users.get(user.id)
        if user is None or not user.is_active:  # deactivated while we verified the password
            raise Unauthenticated(BAD_CREDENTIALS)
        if deps.hasher.needs_rehash(user.password_hash):
            # Same password, stronger parameters: not a change of the user (no version, no event).
            user.password_hash = deps.hasher.hash(password)
            uow.users.update(user, user.version)
        tokens = _user_tokens(deps, uow, user, now)
        uow.commit()
    return tokens


def refresh(deps: Dependencies, refresh_token: str) -> Tokens:
    if not refresh_token:
        raise InvalidArgument("refresh token is required", field="refresh_token")
    now = deps.clock.now()
    with deps.uow() as uow:
        token = uow.sessions.get_by_hash(sessions.hash_token(refresh_token))
        if token is None:
            raise Unauthenticated("refresh token is not valid; log in again")
        state = token.state(now)
        if state == sessions.REUSED:
            uow.sessions.revoke_family(token.family_id, now)
            uow.commit()
            raise Unauthenticated(
                "refresh token was already used: every session of that sign-in "
                "is revoked to protect the account; log in again"
            )
        if state != sessions.VALID:
            raise Unauthenticated(f"refresh token {state}; log in again")
        user = uow.users.get(token.user_id)
        if user is None or not user.is_active or token.issued_at < user.tokens_valid_after:
            uow.sessions.revoke_family(token.family_id, now)
            uow.commit()
            raise Unauthenticated(
                "this session has ended (account deactivated or password changed); log in again"
            )
        if not uow.sessions.mark_used(token.id, now):
            # A concurrent refresh consumed it between our read and our write: a replay.
            uow.sessions.revoke_family(token.family_id, now)
            uow.commit()
            raise Unauthenticated(
                "refresh token was already used: every session of that sign-in "
                "is revoked to protect the account; log in again"
            )
        tokens = _user_tokens(
            deps,
            uow,
            user,
            now,
            family_id=token.family_id,
            family_expires_at=token.family_expires_at,
        )
        uow.commit()
    return tokens


def logout(deps: Dependencies, refresh_token: str) -> None:
    """Revoke the session of the token; unknown or spent tokens are accepted silently."""
    if not refresh_token:
        raise InvalidArgument("refresh token is required", field="refresh_token")
    with deps.uow() as uow:
        token = uow.sessions.get_by_hash(sessions.hash_token(refresh_token))
        if token is not None:
            uow.sessions.revoke_family(token.family_id, deps.clock.now())
            uow.commit()


def issue_service_token(
    deps: Dependencies, client_id: str, client_secret: str, client_address: str = ""
) -> Tokens:
    if not client_id:
        raise InvalidArgument("client id is required", field="client_id")
    if not client_secret:
        raise InvalidArgument("client secret is required", field="client_secret")
    client_id = client_id[:120]
    throttle.ensure_allowed(deps, CLIENT_SECRET, client_id, client_address)
    with deps.uow() as uow:
        account = uow.service_accounts.get(client_id)
    secret_hash = account.secret_hash if account else deps.hasher.dummy_hash
    matches = deps.hasher.verify(secret_hash, client_secret)
    if not (matches and account is not None and account.active):
        throttle.record_failure(deps, CLIENT_SECRET, client_id, client_address)
        raise Unauthenticated(BAD_CLIENT)
    with deps.uow() as uow:
        throttle.clear_failures(uow, CLIENT_SECRET, client_id, client_address)
        uow.commit()
    with deps.uow() as uow:
        access, expires = _access_token(
            deps,
            uow,
            subject_id=account.client_id,
            kind=SERVICE,
            roles=account.roles,
            departments=(),
            display_name=account.display_name,
        )
    return Tokens(access, expires)


@dataclass(frozen=True)
class WhoAmI:
    kind: str
    subject_id: str
    email: str
    display_name: str
    roles: list[str]
    departments: list[str]
    # a person's own; empty for a service account
    preferences: Preferences = field(default_factory=Preferences)


def who_am_i(deps: Dependencies, caller: Caller | None) -> WhoAmI:
    """The caller as identity knows them now (not as the token said at issue)."""
    caller = require_authenticated(caller)
    with deps.uow() as uow:
        if caller.kind == SERVICE:
            account = uow.service_accounts.get(caller.subject_id)
            if account is None:
                raise Unauthenticated("the service account of this token no longer exists")
            return WhoAmI(
                SERVICE, account.client_id, "", account.display_name, sorted(account.roles), []
            )
        user = uow.users.get(caller.subject_id)
        if user is None or not user.is_active:
            raise Unauthenticated("the user of this token no longer exists or is deactivated")
        preferences = uow.users.preferences(user.id)
    return WhoAmI(
        USER,
        user.id,
        user.email,
        user.display_name,
        sorted(user.roles),
        sorted(user.departments),
        preferences,
    )


def token_still_valid(
    deps: Dependencies,
    kind: str,
    subject_id: str,
    issued_at: dt.datetime | None,
    roles: Iterable[str] = frozenset(),
) -> bool:
    """Per-call revocation check: one read by primary key (user) or of the service account.

    A service token is refused once its account lost a role the token names (the roles were
    changed after issue), so identity's own rights follow the account at once."""
    with deps.uow() as uow:
        if kind == SERVICE:
            account = uow.service_accounts.get(subject_id)
            return account is not None and account.active and set(roles) <= account.roles
        state = uow.users.token_state(subject_id)
    if state is None or issued_at is None:
        return False
    status, valid_after = state
    return token_accepted(status, valid_after, issued_at)
