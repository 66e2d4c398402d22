"""identity's user directory over gRPC (implements service_layer.ports.UserDirectory), and the
translation of identity's user snapshots (gRPC answers and user events) into DirectoryUser.

Used the first time a person is placed in the organisation (a member, a unit manager); from
then on identity's user events keep territory's copy current (entrypoints/worker.py). Calls
carry this service's service-account token (``service_client_id`` / ``service_client_secret``).
"""

from __future__ import annotations

import threading

import grpc

from crm.identity.v1 import users_pb2, users_pb2_grpc
from crm_chassis.errors import Unauthenticated, Unavailable
from crm_chassis.grpc.client import ServiceTokenProvider, make_channel
from crm_territory.service_layer.ports import DirectoryUser, UserDirectory

ACTIVE = "active"  # UserSnapshot.status of an active user in identity's events


def from_user(user: users_pb2.User) -> DirectoryUser:
    return DirectoryUser(
        user.id,
        user.display_name,
        user.status == users_pb2.User.STATUS_ACTIVE,
        frozenset(user.departments),
        frozenset(user.roles),
        user.version,
    )


def from_snapshot(snapshot) -> DirectoryUser:
    """A crm.identity.v1.UserSnapshot (carried by every user event)."""
    return DirectoryUser(
        snapshot.id,
        snapshot.display_name,
        snapshot.status == ACTIVE,
        frozenset(snapshot.departments),
        frozenset(snapshot.roles),
        snapshot.version,
    )


class GrpcUserDirectory(UserDirectory):
    """Opens its channel and service token on first use, so the api and worker start (and
    serve everything else) while identity is down or the credentials are still missing."""

    def __init__(
        self,
        identity_address: str,
        client_id: str,
        client_secret: str,
        *,
        timeout_seconds: float = 3.0,
    ):
        self._address = identity_address
        self._client_id = client_id
        self._client_secret = client_secret
        self._timeout = timeout_seconds
        self._lock = threading.Lock()
        self._stub: users_pb2_grpc.UserServiceStub | None = None
        self._channel: grpc.Channel | None = None

    @classmethod
    def from_settings(cls, settings) -> GrpcUserDirectory:
        return cls(
            settings.identity_address,
            settings.service_client_id,
            settings.service_client_secret,
            timeout_seconds=settings.directory_timeout_seconds,
        )

    def _users(self) -> users_pb2_grpc.UserServiceStub:
        with self._lock:
            if self._stub is None:
                if not self._client_id or not self._client_secret:
                    raise Unavailable(
                        "territory cannot ask identity about users: set "
                        "CRM_TERRITORY_SERVICE_CLIENT_ID and "
                        "CRM_TERRITORY_SERVICE_CLIENT_SECRET (a service account)"
                    )
                tokens = ServiceTokenProvider(self._address, self._client_id, self._client_secret)
                self._channel = make_channel(self._address, tokens)
                self._stub = users_pb2_grpc.UserServiceStub(self._channel)
            return self._stub

    def lookup(self, user_id: str) -> DirectoryUser | None:
        users = self._users()
        try:
            user = users.GetUser(users_pb2.GetUserRequest(id=user_id), timeout=self._timeout)
        except (Unauthenticated, Unavailable) as exc:
            # No service token (identity down, or territory's own service account refused): not
            # the caller's fault — territory cannot ask until identity or an operator acts.
            raise Unavailable(
                f"territory cannot ask identity about user {user_id}: {exc.message}"
            ) from None
        except grpc.RpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise Unavailable(
                f"identity did not answer the lookup of user {user_id}: "
                f"{exc.code().name} {exc.details()}"
            ) from None
        return from_user(user)

    def close(self) -> None:
        with self._lock:
            if self._channel is not None:
                self._channel.close()
            self._channel = self._stub = None
