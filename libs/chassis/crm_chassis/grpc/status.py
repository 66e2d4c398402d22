"""How application errors become gRPC statuses (the only place that knows the mapping).

A :class:`crm_chassis.errors.CrmError` becomes its ``.code`` status with its message as details.
``field`` is sent as trailing metadata ``x-error-field`` (so a client can point at the input);
``ResourceExhausted.retry_after_seconds`` as ``retry-after``. Anything else is a bug: the caller
gets INTERNAL "internal error (request id …)" and the traceback goes to the log only.
"""
from __future__ import annotations

import grpc

from crm_chassis.errors import CrmError, ResourceExhausted

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
