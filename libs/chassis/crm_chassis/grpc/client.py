"""Calling other services: ``make_channel(address, token_provider)``.

The channel's interceptors add ``authorization: Bearer <token>`` (when a token provider is given)
and propagate the current request's ``x-request-id`` and ``traceparent`` (from
:mod:`crm_chassis.context`), so one user action can be followed across services in the logs.
UNAVAILABLE calls are retried by grpc itself (service config below), with backoff. A call made
without a deadline gets the channel's default one (``unary_timeout_seconds`` /
``stream_timeout_seconds``), so a stuck server never holds a caller's thread for ever.

Deadlines propagate: a call made while serving a gRPC call (``RequestContext.deadline``, bound
by the server chain) carries at most the time that call has left, whatever timeout the caller
asked for, so the downstream service stops working on an answer nobody waits for any more. Once
that time is spent, the call is not sent at all: it raises :class:`DeadlinePassed` (a
``grpc.RpcError`` with code DEADLINE_EXCEEDED, as a timed-out call would).

Token providers: :class:`StaticTokenProvider` (a token you already hold, e.g. the user's) and
:class:`ServiceTokenProvider` (a service account's client-credentials token from identity, cached
until 60 s before it expires).
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import grpc

from crm_chassis import context as _context
from crm_chassis import tracing
from crm_chassis.errors import Unauthenticated, Unavailable

# Retries only what is safe to retry blindly: the call never reached a server (UNAVAILABLE).
RETRY_SERVICE_CONFIG = json.dumps(
    {
        "methodConfig": [
            {
                "name": [{}],
                "retryPolicy": {
                    "maxAttempts": 4,
                    "initialBackoff": "0.1s",
                    "maxBackoff": "1s",
                    "backoffMultiplier": 2,
                    "retryableStatusCodes": ["UNAVAILABLE"],
                },
            }
        ],
    }
)


# Default deadlines of calls that name none (the servers' own limits, crm_chassis.grpc.limits).
DEFAULT_UNARY_TIMEOUT_SECONDS = 30.0
DEFAULT_STREAM_TIMEOUT_SECONDS = 900.0


class DeadlinePassed(grpc.RpcError):
    """The call being served has no time left: the downstream call was not sent."""

    def __init__(self, method: str):
        super().__init__(f"{method} not called: the deadline of the call being served has passed")
        self._details = str(self)

    def code(self) -> grpc.StatusCode:
        return grpc.StatusCode.DEADLINE_EXCEEDED

    def details(self) -> str:
        return self._details

    def trailing_metadata(self) -> tuple[()]:
        return ()

    def initial_metadata(self) -> tuple[()]:
        return ()


class TokenProvider(Protocol):
    def token(self) -> str:  # pragma: no cover - protocol
        ...


class StaticTokenProvider:
    """Always the same token (a user's token being forwarded, a token in a CLI session)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def token(self) -> str:
        return self._token


class ServiceTokenProvider:
    """A service account's access token from identity's IssueServiceToken, cached until
    ``refresh_margin_seconds`` before it expires (then the next call fetches a new one)."""

    def __init__(
        self,
        identity_address: str | grpc.Channel,
        client_id: str,
        client_secret: str,
        *,
        refresh_margin_seconds: float = 60.0,
        timeout_seconds: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        from crm.identity.v1 import auth_pb2, auth_pb2_grpc

        if not client_id or not client_secret:
            raise ValueError(
                "a service token needs service_client_id and service_client_secret "
                "(CRM_<SERVICE>_SERVICE_CLIENT_ID / _SECRET)"
            )
        self._pb = auth_pb2
        if isinstance(identity_address, str):
            self._channel = make_channel(identity_address)
            self._owns_channel = True
        else:
            self._channel = identity_address
            self._owns_channel = False
        self._stub = auth_pb2_grpc.AuthServiceStub(self._channel)
        self._client_id = client_id
        self._client_secret = client_secret
        self.refresh_margin_seconds = refresh_margin_seconds
        self.timeout_seconds = timeout_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._token = ""
        self._expires_at = 0.0
        self.fetch_count = 0

    def token(self) -> str:
        with self._lock:
            if not self._token or self._clock() >= self._expires_at - self.refresh_margin_seconds:
                self._fetch_locked()
            return self._token

    def invalidate(self) -> None:
        """Forget the cached token (e.g. after a call answered UNAUTHENTICATED)."""
        with self._lock:
            self._token = ""

    def close(self) -> None:
        if self._owns_channel:
            self._channel.close()

    def _fetch_locked(self) -> None:
        self.fetch_count += 1
        request = self._pb.IssueServiceTokenRequest(
            client_id=self._client_id, client_secret=self._client_secret
        )
        try:
            pair = self._stub.IssueServiceToken(request, timeout=self.timeout_seconds)
        except grpc.RpcError as exc:
            if exc.code() == grpc.StatusCode.UNAUTHENTICATED:
                raise Unauthenticated(
                    f"identity refused the service credentials of "
                    f"{self._client_id!r}: {exc.details()}"
                ) from None
            raise Unavailable(
                f"cannot obtain a service token from identity: {exc.code().name} {exc.details()}"
            ) from None
        self._token = pair.access_token
        expires = pair.access_token_expires_at
        self._expires_at = expires.seconds + expires.nanos / 1e9


class _MetadataInterceptor(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    """Adds authorization, the current request's ids and a deadline (the default one, capped by
    the time left to the call being served) to every call."""

    def __init__(
        self,
        token_provider: TokenProvider | None,
        unary_timeout: float | None,
        stream_timeout: float | None,
    ) -> None:
        self._token_provider = token_provider
        self._unary_timeout = unary_timeout
        self._stream_timeout = stream_timeout

    def _details(
        self, details: grpc.ClientCallDetails, default_timeout: float | None
    ) -> tuple[grpc.ClientCallDetails, tracing.Span | None]:
        metadata = list(details.metadata or ())
        present = {key for key, _ in metadata}
        ctx = _context.peek()  # raw: no invented request id outside a request
        span = None
        if tracing.enabled() and "traceparent" not in present:
            span = tracing.start(
                details.method.lstrip("/"),
                tracing.CLIENT,
                attributes={"rpc.system": "grpc", "rpc.method": details.method},
            )
        if ctx is not None:
            if "x-request-id" not in present:
                metadata.append(("x-request-id", ctx.request_id))
            if span is None and ctx.traceparent and "traceparent" not in present:
                metadata.append(("traceparent", ctx.traceparent))
        if span is not None:  # the server's span is a child of this call's
            metadata.append(("traceparent", span.traceparent))
        try:
            if self._token_provider is not None and "authorization" not in present:
                metadata.append(("authorization", f"Bearer {self._token_provider.token()}"))
            timeout = details.timeout if details.timeout is not None else default_timeout
            left = ctx.time_left() if ctx is not None else None
            if left is not None:
                if left <= 0:
                    raise DeadlinePassed(details.method)
                timeout = left if timeout is None else min(timeout, left)
        except BaseException as exc:
            if span is not None:
                span.end(type(exc).__name__)
            raise
        call_details = _CallDetails(
            details.method,
            timeout,
            metadata,
            details.credentials,
            details.wait_for_ready,
            details.compression,
        )
        return call_details, span

    def _call(
        self,
        continuation: Callable[..., Any],
        details: grpc.ClientCallDetails,
        request: Any,
        default_timeout: float | None,
    ) -> Any:
        call_details, span = self._details(details, default_timeout)
        if span is None:
            return continuation(call_details, request)
        try:
            outcome = continuation(call_details, request)
        except BaseException as exc:
            span.end(type(exc).__name__)
            raise
        outcome.add_done_callback(functools.partial(_end_client_span, span))
        return outcome

    def intercept_unary_unary(
        self, continuation: Callable[..., Any], details: grpc.ClientCallDetails, request: Any
    ) -> Any:
        return self._call(continuation, details, request, self._unary_timeout)

    def intercept_unary_stream(
        self, continuation: Callable[..., Any], details: grpc.ClientCallDetails, request: Any
    ) -> Any:
        return self._call(continuation, details, request, self._stream_timeout)

    def intercept_stream_unary(
        self,
        continuation: Callable[..., Any],
        details: grpc.ClientCallDetails,
        request_iterator: Any,
    ) -> Any:
        return self._call(continuation, details, request_iterator, self._stream_timeout)

    def intercept_stream_stream(
        self,
        continuation: Callable[..., Any],
        details: grpc.ClientCallDetails,
        request_iterator: Any,
    ) -> Any:
        return self._call(continuation, details, request_iterator, self._stream_timeout)


def _end_client_span(span: tracing.Span, call: Any) -> None:
    code = call.code()
    name = code.name if isinstance(code, grpc.StatusCode) else "UNKNOWN"
    span.set("rpc.grpc.status_code", name)
    span.end("" if name == "OK" else name)


class _CallDetails(grpc.ClientCallDetails):
    def __init__(
        self,
        method: str,
        timeout: float | None,
        metadata: Any,
        credentials: Any,
        wait_for_ready: bool | None,
        compression: Any,
    ) -> None:
        self.method = method
        self.timeout = timeout
        self.metadata = metadata
        self.credentials = credentials
        self.wait_for_ready = wait_for_ready
        self.compression = compression


def make_channel(
    address: str,
    token_provider: TokenProvider | None = None,
    *,
    options: list[tuple[str, object]] | None = None,
    unary_timeout_seconds: float | None = DEFAULT_UNARY_TIMEOUT_SECONDS,
    stream_timeout_seconds: float | None = DEFAULT_STREAM_TIMEOUT_SECONDS,
) -> grpc.Channel:
    """An insecure channel to ``address`` (host:port) with auth + context propagation + retries
    and default deadlines (``None``: calls without a deadline wait as long as the server lets
    them).

    Close it with ``channel.close()`` when done (channels are meant to be long-lived: one per
    dependency per process, not one per call).
    """
    channel_options = [("grpc.enable_retries", 1), ("grpc.service_config", RETRY_SERVICE_CONFIG)]
    channel_options.extend(options or ())
    channel = grpc.insecure_channel(address, options=channel_options)
    return grpc.intercept_channel(
        channel, _MetadataInterceptor(token_provider, unary_timeout_seconds, stream_timeout_seconds)
    )
