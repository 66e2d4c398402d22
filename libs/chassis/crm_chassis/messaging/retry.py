"""Transient or poison: which handler failures wait and retry, and how long a retry waits.

A delivery fails *transiently* when the infrastructure under the handler failed, not the event:
the database unreachable or restarting, a serialization failure, a deadlock, a lock or pool
timeout, a dropped connection to the broker or to another service. The same delivery succeeds
once the infrastructure is back, so the handler holds it and runs it again after a backoff
(exponential, jittered, capped), as often as it takes, without counting a delivery: a
database outage of any length dead-letters nothing. While a worker's deliveries wait, its
prefetch is full, so the broker hands it nothing new until they pass.

Every other failure is the event's own (a domain refusal, a bug on this body): it is retried
by redelivery and dead-lettered after ``event_max_deliveries`` deliveries.

An exception may decide for itself with a ``transient`` attribute (True or False).
"""

from __future__ import annotations

import random
import re

#: SQLSTATEs of failures that pass by themselves: connection exceptions (class 08),
#: serialization failure, deadlock, lock not available (lock_timeout, NOWAIT), statement
#: timeout, too many connections, and the server shutting down or starting up.
_TRANSIENT_SQLSTATES = frozenset(
    {
        "40001",
        "40P01",
        "55P03",
        "57014",
        "53300",
        "53400",
        "57P01",
        "57P02",
        "57P03",
        "58000",
        "58030",
    }
)
#: SQLite reports schema and syntax mistakes as OperationalError too; those never pass.
_PERMANENT_SQLITE = re.compile(
    r"no such (table|column)|syntax error|has no column|"
    r"already exists|readonly database",
    re.IGNORECASE,
)

BASE_DELAY_SECONDS = 0.2
MAX_DELAY_SECONDS = 5.0


def is_transient(exc: BaseException | None) -> bool:
    """True when ``exc`` (or an exception it was raised from) is an infrastructure failure."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        verdict = _verdict(exc)
        if verdict is not None:
            return verdict
        exc = exc.__cause__
    return False


def _verdict(exc: BaseException) -> bool | None:
    declared = getattr(exc, "transient", None)
    if isinstance(declared, bool):
        return declared
    from sqlalchemy import exc as sa

    if isinstance(exc, (sa.DisconnectionError, sa.TimeoutError)):
        return True
    if isinstance(exc, sa.DBAPIError):
        if exc.connection_invalidated:
            return True
        code = getattr(exc.orig, "pgcode", None) or getattr(exc.orig, "sqlstate", None)
        if code:
            return code.startswith("08") or code in _TRANSIENT_SQLSTATES
        if isinstance(exc, (sa.OperationalError, sa.InterfaceError)):
            # No SQLSTATE: a connection that failed or broke (PostgreSQL), or SQLite's locked,
            # busy and I/O errors - unless SQLite names a schema or syntax mistake.
            return not _PERMANENT_SQLITE.search(str(exc.orig))
        return False
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return True
    return _broker_or_rpc_verdict(exc)


def _broker_or_rpc_verdict(exc: BaseException) -> bool | None:
    try:
        from amqp.exceptions import RecoverableConnectionError
        from kombu.exceptions import OperationalError as BrokerUnreachable
    except ImportError:  # pragma: no cover - the worker always has kombu
        pass
    else:
        if isinstance(exc, (RecoverableConnectionError, BrokerUnreachable)):
            return True
    try:
        import grpc
    except ImportError:  # pragma: no cover
        return None
    if isinstance(exc, grpc.RpcError) and callable(getattr(exc, "code", None)):
        return exc.code() in (grpc.StatusCode.UNAVAILABLE,)
    return None


def backoff_seconds(
    attempt: int,
    *,
    base: float = BASE_DELAY_SECONDS,
    cap: float = MAX_DELAY_SECONDS,
    rng: random.Random | None = None,
) -> float:
    """Wait before retry number ``attempt`` (1, 2, ...): uniform in [c/2, c] with
    c = min(cap, base * 2^(attempt-1)) ("equal jitter"), so that the deliveries held through an
    outage do not all return at the same instant, yet each waits a while."""
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    return (rng or random).uniform(ceiling / 2, ceiling)
