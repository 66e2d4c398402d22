"""How application errors become gRPC statuses (the only place that knows the mapping).

A :class:`crm_chassis.errors.CrmError` becomes its ``.code`` status with its message as details.
``field`` is sent as trailing metadata ``x-error-field`` (so a client can point at the input);
``ResourceExhausted.retry_after_seconds`` as ``retry-after``. The database failing under a call
is not the caller's fault nor a bug in the call: a lost or refused connection, or a pool that
stays exhausted, becomes UNAVAILABLE, and a deadlock or serialization failure (a concurrent
transaction won) ABORTED — both say "retry". A value the database refuses as too long or out
of range for its column (a check the service layer missed) is the caller's input: INVALID_ARGUMENT
"a value is longer than its field allows" / "… outside the range its field allows". Anything else is a bug: the caller gets INTERNAL
"internal error (request id …)" and the traceback goes to the log only.
"""

from __future__ import annotations

import grpc

from crm_chassis.errors import Aborted, CrmError, InvalidArgument, ResourceExhausted, Unavailable

RETRY_AFTER_KEY = "retry-after"
ERROR_FIELD_KEY = "x-error-field"

_CODES = {code.name: code for code in grpc.StatusCode}


def status_code_of(error: CrmError) -> grpc.StatusCode:
    """The gRPC status code named by ``error.code`` (INTERNAL if it names none)."""
    return _CODES.get(error.code, grpc.StatusCode.INTERNAL)


def trailing_metadata_of(error: CrmError) -> tuple[tuple[str, str], ...]:
    metadata = []
    if isinstance(error, ResourceExhausted):
        metadata.append((RETRY_AFTER_KEY, str(int(error.retry_after_seconds))))
    if error.field:
        metadata.append((ERROR_FIELD_KEY, str(error.field)))
    return tuple(metadata)


def internal_error_message(request_id: str) -> str:
    return f"internal error (request id {request_id}); the details are in the service's log"


# PostgreSQL SQLSTATEs of "a concurrent transaction won": deadlock_detected, serialization_failure.
_RETRYABLE_SQLSTATES = {"40P01", "40001"}
# string_data_right_truncation ("value too long for type character varying(n)").
_TOO_LONG_SQLSTATE = "22001"
# numeric_value_out_of_range, datetime_field_overflow.
_OUT_OF_RANGE_SQLSTATES = {"22003", "22008"}


def infrastructure_error(exc: BaseException) -> CrmError | None:
    """The user-facing error for a database failure under a call, or None for anything else."""
    try:
        from sqlalchemy import exc as sa
    except ImportError:  # pragma: no cover - every service has SQLAlchemy
        return None
    if isinstance(exc, sa.TimeoutError):  # the connection pool stayed exhausted: overload
        return ResourceExhausted(
            "the service is overloaded (no database connection came free "
            "in time); retry in a moment",
            retry_after_seconds=1,
        )
    if not isinstance(exc, sa.DBAPIError):
        return None
    sqlstate = getattr(exc.orig, "pgcode", None) or getattr(exc.orig, "sqlstate", None)
    if sqlstate in _RETRYABLE_SQLSTATES:
        return Aborted("a concurrent change got in first; retry the request")
    if sqlstate == _TOO_LONG_SQLSTATE:
        return InvalidArgument("a value is longer than its field allows; shorten it")
    if sqlstate in _OUT_OF_RANGE_SQLSTATES:
        return InvalidArgument("a value is outside the range its field allows")
    if exc.connection_invalidated or isinstance(exc, (sa.OperationalError, sa.InterfaceError)):
        return Unavailable("the service's database is unreachable right now; retry in a moment")
    return None
