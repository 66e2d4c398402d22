"""Turning failures into one line on stderr and exit status 1 — never a traceback.

gRPC errors print as ``error: <STATUS>: <message>``; RESOURCE_EXHAUSTED adds ``retry after N s``
from the trailing metadata ``retry-after`` that identity sends.
"""

from __future__ import annotations

import click
import grpc

from crmctl.config import ConfigError
from crmctl.session import CliError


def _trailing(error: grpc.RpcError, key: str) -> str | None:
    try:
        metadata = error.trailing_metadata() or ()
    except Exception:  # noqa: BLE001 - a failed channel may have no metadata at all
        return None
    for name, value in metadata:
        if name == key:
            return value.decode() if isinstance(value, bytes) else value
    return None


def describe_rpc_error(error: grpc.RpcError, address: str | None = None) -> str:
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    details = (error.details() if hasattr(error, "details") else None) or str(error)
    if code == grpc.StatusCode.UNAVAILABLE and address:
        details = f"cannot reach {address} ({details}); is the service running? (`make run`)"
    elif code == grpc.StatusCode.DEADLINE_EXCEEDED:
        details = f"no answer in time ({details})"
    line = f"error: {code.name}: {details}"
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        retry_after = _trailing(error, "retry-after")
        if retry_after:
            line += f" (retry after {retry_after} s)"
    return line


def report(error: BaseException, address: str | None = None) -> None:
    """Print ``error`` to stderr in the one format; the caller exits with status 1."""
    if isinstance(error, grpc.RpcError):
        message = describe_rpc_error(error, address)
    elif isinstance(error, (CliError, ConfigError)):
        message = f"error: {error}"
    else:  # pragma: no cover - handled by the caller's re-raise
        raise error
    click.echo(message, err=True)
