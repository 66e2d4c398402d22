"""Transaction-scoped advisory locks (PostgreSQL) that serialise work on one natural key.

Two concurrent captures with the same idempotency key, or of the same person (same duplicate
key), would otherwise both read "nothing there yet" and both insert; the unique indexes would
then refuse the second with a bare integrity error. Taking ``pg_advisory_xact_lock`` on the key
before reading makes the second wait until the first commits and then see its lead, so it
answers exactly as a sequential retry would (replayed, ALREADY_EXISTS, or merged). The unique
indexes stay as the last line of defence. SQLite needs none of this: its writers are serialised
by BEGIN IMMEDIATE (crm_chassis.db).
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.orm import Session

# One round trip for all keys; unnest yields them in the array's (sorted) order.
LOCK_SQL = "SELECT pg_advisory_xact_lock(key) FROM unnest(CAST(:keys AS bigint[])) AS key"
_LOCK = text(LOCK_SQL)


def lock_key(*parts: str) -> int:
    digest = hashlib.sha256("\x1f".join(("leads",) + parts).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def lock_keys(session: Session, keys: list[tuple[str, ...]]) -> None:
    """Lock each key for the rest of the transaction, in one global order (no deadlock between
    two transactions locking the same keys)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    ordered = ordered_keys(keys)
    if ordered:
        session.execute(_LOCK, {"keys": ordered})


def ordered_keys(keys: list[tuple[str, ...]]) -> list[int]:
    """The ``:keys`` parameter of LOCK_SQL, for callers sending it with another statement."""
    return sorted({lock_key(*parts) for parts in keys})
