"""The state one crmctl invocation shares between commands: addresses, output, tokens, channels.

Every authenticated call goes through :meth:`Session.metadata`, which refreshes the access token
first when it has expired or expires within ``REFRESH_MARGIN_SECONDS`` (AuthService/Refresh
rotates the refresh token, so the new pair is saved at once).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import grpc

from crm.identity.v1 import auth_pb2, auth_pb2_grpc
from crm_chassis.grpc.client import make_channel
from crmctl.config import Credentials, CredentialStore, config_dir, resolve_address

REFRESH_MARGIN_SECONDS = 30
CALL_TIMEOUT_SECONDS = 15


class CliError(Exception):
    """An error to show as ``error: <message>`` with exit status 1 (no traceback)."""


class NotLoggedIn(CliError):
    def __init__(self, reason: str = "not logged in"):
        super().__init__(f"{reason}: run `crmctl login` first")


def to_datetime(timestamp) -> datetime | None:
    if not timestamp.seconds and not timestamp.nanos:
        return None
    return timestamp.ToDatetime(tzinfo=UTC)


def credentials_from(pair: auth_pb2.TokenPair, *, address: str, email: str) -> Credentials:
    return Credentials(
        identity_address=address,
        email=email,
        access_token=pair.access_token,
        access_token_expires_at=to_datetime(pair.access_token_expires_at) or datetime.now(UTC),
        refresh_token=pair.refresh_token,
        refresh_token_expires_at=to_datetime(pair.refresh_token_expires_at),
    )


class Session:
    def __init__(
        self,
        *,
        output: str = "table",
        overrides: dict[str, str | None] | None = None,
        directory: Path | None = None,
    ):
        self.output = output
        self.overrides = dict(overrides or {})
        self.directory = directory or config_dir()
        self.store = CredentialStore(self.directory)
        self._channels: dict[str, grpc.Channel] = {}
        self.last_address: str | None = None  # named in "cannot reach" errors

    # ------------------------------------------------------------------ addresses and channels
    def address(self, service: str) -> str:
        return resolve_address(
            service, override=self.overrides.get(service), directory=self.directory
        )

    def channel(self, service: str) -> grpc.Channel:
        # The chassis channel (retries UNAVAILABLE with backoff) without a token provider:
        # crmctl sets `authorization` per call (see metadata()) because login/refresh/logout go
        # out without it and the token may be refreshed between calls of one invocation.
        address = self.address(service)
        self.last_address = address
        if address not in self._channels:
            self._channels[address] = make_channel(address)
        return self._channels[address]

    def close(self) -> None:
        for channel in self._channels.values():
            channel.close()
        self._channels.clear()

    # ------------------------------------------------------------------ tokens
    def credentials(self) -> Credentials:
        credentials = self.store.load()
        if credentials is None:
            raise NotLoggedIn()
        if credentials.access_expires_within(REFRESH_MARGIN_SECONDS):
            credentials = self._refresh(credentials)
        return credentials

    def _refresh(self, credentials: Credentials) -> Credentials:
        if not credentials.refresh_token:
            raise NotLoggedIn("the session has expired")
        now = datetime.now(UTC)
        if credentials.refresh_token_expires_at and credentials.refresh_token_expires_at <= now:
            raise NotLoggedIn("the session has expired")
        stub = auth_pb2_grpc.AuthServiceStub(self.channel("identity"))
        try:
            pair = stub.Refresh(
                auth_pb2.RefreshRequest(refresh_token=credentials.refresh_token),
                timeout=CALL_TIMEOUT_SECONDS,
                metadata=self.request_metadata(),
            )
        except grpc.RpcError as exc:
            if exc.code() == grpc.StatusCode.UNAUTHENTICATED:
                self.store.delete()
                raise NotLoggedIn("the session has ended or was revoked") from None
            raise
        refreshed = credentials_from(
            pair, address=credentials.identity_address, email=credentials.email
        )
        self.store.save(refreshed)
        return refreshed

    @staticmethod
    def request_metadata() -> list[tuple[str, str]]:
        return [("x-request-id", uuid.uuid4().hex)]

    def metadata(self) -> list[tuple[str, str]]:
        """Metadata of an authenticated call (refreshing the access token when needed)."""
        token = self.credentials().access_token
        return [("authorization", f"Bearer {token}"), *self.request_metadata()]

    def call(self, method, request, *, authenticated: bool = True):
        """Invoke a unary stub method with the session's metadata and the standard timeout."""
        metadata = self.metadata() if authenticated else self.request_metadata()
        return method(request, timeout=CALL_TIMEOUT_SECONDS, metadata=metadata)
