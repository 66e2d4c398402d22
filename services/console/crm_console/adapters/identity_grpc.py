"""identity for the console: AuthService's Login, Refresh, Logout, WhoAmI, and UserService's
ListUsers to find a person by name or e-mail and UpdateOwnPreferences (as the signed-in
person)."""

from __future__ import annotations

import datetime as dt

import grpc

from crm.common.v1 import pagination_pb2
from crm.identity.v1 import auth_pb2, auth_pb2_grpc, users_pb2, users_pb2_grpc
from crm_console.adapters.grpc_errors import refusals, translate
from crm_console.domain.errors import T_, AccountLocked, ConsoleError, WrongCredentials
from crm_console.domain.organisation import DirectoryPerson
from crm_console.domain.session import Me, Person, Preferences, Tokens

FORWARDED_FOR = "x-forwarded-for"
MATCHES = 20  # people one search reads: more means "type more", not another page


def _time(ts: object) -> dt.datetime:
    return ts.ToDatetime(tzinfo=dt.UTC)  # type: ignore[attr-defined, no-any-return]


def tokens_of(pair: auth_pb2.TokenPair) -> Tokens:
    return Tokens(
        access_token=pair.access_token,
        access_expires_at=_time(pair.access_token_expires_at),
        refresh_token=pair.refresh_token,
        refresh_expires_at=_time(pair.refresh_token_expires_at),
    )


def _preferences(message: users_pb2.Preferences) -> Preferences:
    return Preferences(language=message.language, time_zone=message.time_zone)


class IdentityGateway:
    def __init__(self, channel: grpc.Channel, timeout: float) -> None:
        self._stub = auth_pb2_grpc.AuthServiceStub(channel)
        self._users = users_pb2_grpc.UserServiceStub(channel)
        self._timeout = timeout

    def login(self, email: str, password: str, client_address: str) -> Tokens:
        # identity throttles wrong passwords per address: it reads the browser's address from
        # x-forwarded-for when the console is one of its trusted proxies.
        metadata = ((FORWARDED_FOR, client_address),) if client_address else ()
        try:
            pair = self._stub.Login(
                auth_pb2.LoginRequest(email=email, password=password),
                timeout=self._timeout,
                metadata=metadata,
            )
        except grpc.RpcError as error:
            code = error.code()
            if code == grpc.StatusCode.UNAUTHENTICATED:
                raise WrongCredentials(error.details()) from None
            if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
                retry = dict(error.trailing_metadata() or ()).get("retry-after", "0")
                raise AccountLocked(error.details(), int(retry or 0)) from None
            raise translate(error) from None
        return tokens_of(pair)

    def refresh(self, refresh_token: str) -> Tokens:
        with refusals():
            pair = self._stub.Refresh(
                auth_pb2.RefreshRequest(refresh_token=refresh_token), timeout=self._timeout
            )
        return tokens_of(pair)

    def logout(self, refresh_token: str) -> None:
        with refusals():
            self._stub.Logout(
                auth_pb2.LogoutRequest(refresh_token=refresh_token), timeout=self._timeout
            )

    def who_am_i(self, access_token: str) -> Me:
        with refusals():
            me = self._stub.WhoAmI(
                auth_pb2.WhoAmIRequest(),
                timeout=self._timeout,
                metadata=(("authorization", f"Bearer {access_token}"),),
            )
        if me.subject_kind != "user":
            raise ConsoleError(T_("only people sign in to the console, not service accounts"))
        person = Person(
            user_id=me.subject_id,
            email=me.email,
            display_name=me.display_name,
            roles=tuple(me.roles),
        )
        return Me(person, _preferences(me.preferences))

    def save_preferences(
        self, token: str, preferences: Preferences, fields: tuple[str, ...]
    ) -> Preferences:
        request = users_pb2.UpdateOwnPreferencesRequest(
            preferences=users_pb2.Preferences(
                language=preferences.language, time_zone=preferences.time_zone
            )
        )
        request.update_mask.paths.extend(fields)
        with refusals():
            saved = self._users.UpdateOwnPreferences(
                request, timeout=self._timeout, metadata=(("authorization", f"Bearer {token}"),)
            )
        return _preferences(saved)

    def find_people(
        self, token: str, text: str, *, active_only: bool
    ) -> tuple[tuple[DirectoryPerson, ...], bool]:
        request = users_pb2.ListUsersRequest(
            page=pagination_pb2.PageRequest(page_size=MATCHES),
            query=text,
            status=users_pb2.User.STATUS_ACTIVE
            if active_only
            else users_pb2.User.STATUS_UNSPECIFIED,
        )
        with refusals():
            answer = self._users.ListUsers(
                request, timeout=self._timeout, metadata=(("authorization", f"Bearer {token}"),)
            )
        found = tuple(DirectoryPerson(u.id, u.email, u.display_name) for u in answer.users)
        return found, bool(answer.page.next_cursor)
