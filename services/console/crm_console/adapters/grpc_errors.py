"""gRPC refusals -> the console's errors, keeping the service's own sentence (it is written for
people); an id the caller may not see is NOT_FOUND like one that does not exist."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import grpc

from crm_chassis.grpc.status import ERROR_FIELD_KEY
from crm_console.domain.errors import T_, ConsoleError, NotFound, Refused, SignedOut, Unavailable

REFUSALS = {
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.ALREADY_EXISTS,
    grpc.StatusCode.ABORTED,
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.OUT_OF_RANGE,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
}


def field_of(error: grpc.RpcError) -> str:
    """The request field a refusal names (trailing metadata ``x-error-field``)."""
    for key, value in error.trailing_metadata() or ():  # type: ignore[attr-defined]
        if key == ERROR_FIELD_KEY and isinstance(value, str):
            return value
    return ""


def translate(error: grpc.RpcError) -> ConsoleError:
    code, details = error.code(), error.details() or ""  # type: ignore[attr-defined]
    if code == grpc.StatusCode.NOT_FOUND:
        return NotFound(details)
    if code == grpc.StatusCode.UNAUTHENTICATED:
        return SignedOut(details or T_("your session has ended; sign in again"))
    if code in REFUSALS:
        return Refused(details, field=field_of(error))
    return Unavailable(T_("a service did not answer (%(code)s); try again", code=code.name))


@contextmanager
def refusals() -> Iterator[None]:
    try:
        yield
    except grpc.RpcError as error:
        raise translate(error) from None
