"""crm.identity.v1 requests -> use-case arguments, and domain objects -> responses (no logic)."""

from __future__ import annotations

import datetime as dt

from crm.identity.v1 import auth_pb2, users_pb2
from crm_chassis.auth import current_principal
from crm_chassis.caller import Caller
from crm_identity.domain.preferences import Preferences
from crm_identity.domain.service_accounts import ServiceAccount
from crm_identity.domain.signing_keys import SigningKey
from crm_identity.domain.users import ACTIVE, DEACTIVATED, User
from crm_identity.service_layer.authentication import Tokens, WhoAmI
from crm_identity.service_layer.signing_keys import KeyState

STATUS_TO_PROTO = {
    ACTIVE: users_pb2.User.STATUS_ACTIVE,
    DEACTIVATED: users_pb2.User.STATUS_DEACTIVATED,
}
STATUS_FROM_PROTO = {
    users_pb2.User.STATUS_UNSPECIFIED: "",
    users_pb2.User.STATUS_ACTIVE: ACTIVE,
    users_pb2.User.STATUS_DEACTIVATED: DEACTIVATED,
}


def caller() -> Caller | None:
    """The verified principal of the current call, as the use cases see it."""
    principal = current_principal()
    return None if principal is None else Caller.from_principal(principal)


def _timestamp(target, value: dt.datetime | None) -> None:
    if value is not None:
        target.FromDatetime(value)


def user_to_proto(user: User) -> users_pb2.User:
    message = users_pb2.User(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        status=STATUS_TO_PROTO[user.status],
        departments=sorted(user.departments),
        roles=sorted(user.roles),
        version=user.version,
    )
    _timestamp(message.created_at, user.created_at)
    _timestamp(message.updated_at, user.updated_at)
    return message


def service_account_to_proto(account: ServiceAccount) -> users_pb2.ServiceAccount:
    message = users_pb2.ServiceAccount(
        client_id=account.client_id,
        name=account.name,
        roles=sorted(account.roles),
        active=account.active,
    )
    _timestamp(message.created_at, account.created_at)
    return message


def signing_key_to_proto(key: SigningKey, verify_until: dt.datetime) -> auth_pb2.SigningKey:
    message = auth_pb2.SigningKey(
        kid=key.kid, algorithm=key.algorithm, public_key_pem=key.public_key_pem, active=key.active
    )
    _timestamp(message.created_at, key.created_at)
    _timestamp(message.verify_until, verify_until)
    return message


def key_state_to_proto(state: KeyState) -> auth_pb2.SigningKeyState:
    message = auth_pb2.SigningKeyState(
        key=signing_key_to_proto(state.key, state.verify_until), published=state.published
    )
    _timestamp(message.retired_at, state.key.retired_at)
    _timestamp(message.withdrawn_at, state.key.withdrawn_at)
    return message


def tokens_to_proto(tokens: Tokens) -> auth_pb2.TokenPair:
    message = auth_pb2.TokenPair(
        access_token=tokens.access_token, refresh_token=tokens.refresh_token, token_type="Bearer"
    )
    _timestamp(message.access_token_expires_at, tokens.access_expires_at)
    _timestamp(message.refresh_token_expires_at, tokens.refresh_expires_at)
    return message


def who_am_i_to_proto(who: WhoAmI, token_expires_at: dt.datetime | None) -> auth_pb2.WhoAmIResponse:
    message = auth_pb2.WhoAmIResponse(
        subject_kind=who.kind,
        subject_id=who.subject_id,
        email=who.email,
        display_name=who.display_name,
        roles=who.roles,
        departments=who.departments,
        preferences=preferences_to_proto(who.preferences),
    )
    _timestamp(message.token_expires_at, token_expires_at)
    return message


def preferences_to_proto(preferences: Preferences) -> users_pb2.Preferences:
    return users_pb2.Preferences(language=preferences.language, time_zone=preferences.time_zone)


def preferences_from_proto(message: users_pb2.Preferences) -> Preferences:
    return Preferences(language=message.language, time_zone=message.time_zone)


def current_token_expiry() -> dt.datetime | None:
    principal = current_principal()
    return principal.expires_at if principal is not None else None
