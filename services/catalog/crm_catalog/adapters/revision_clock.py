"""When a revision becomes valid, stamped in commit order, so an "as of" read never changes.

The problem (docs/services/catalog.md, "As of"): if a revision were valid from the use case's
clock reading, taken before its commit, a quote priced between that reading and the commit would
not see the change, yet a later re-price "as of" the quote's instant would: the same request
would give another answer.

The rule on PostgreSQL: every catalog write takes an exclusive transaction-level advisory lock
before it stamps its revisions with the database clock, and holds it until commit; PriceQuote
takes the same lock *shared* and reads the database clock as its "now" (the default ``as_of``
and the bound for a given one). So a reader's instant is taken either before a writer stamps
(the writer waits for the reader, then stamps later than the reader's instant) or after the
writer committed (the reader sees the change, stamped earlier). Either way every change
committed after a quote is stamped after its ``as_of``. Catalog writes are serialised by the
lock: they are rare administrative changes, and a PriceQuote holds it for a few milliseconds.

SQLite (local runs) serialises every transaction anyway (``BEGIN IMMEDIATE``), so the
process clock read inside the transaction gives the same guarantee on one machine.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy.orm import Session

from crm_chassis.db import utcnow

#: The advisory-lock key of catalog writes (distinct from the relay's, which shares the database).
REVISION_LOCK_KEY = int.from_bytes(
    hashlib.sha256(b"crm.catalog.revisions").digest()[:8], "big", signed=True
)

# OFFSET 0 keeps the lock in a subquery evaluated before the clock is read. Sent through the
# driver's cursor: every PriceQuote runs one, and SQLAlchemy's statement handling cost twice
# the round trip.
_WRITE_STAMP = (
    "SELECT clock_timestamp() FROM (SELECT pg_advisory_xact_lock(%(key)s) OFFSET 0) AS locked"
)
_READ_INSTANT = (
    "SELECT clock_timestamp() FROM "
    "(SELECT pg_advisory_xact_lock_shared(%(key)s) OFFSET 0) AS locked"
)


class RevisionClock:
    """One per unit of work (transaction)."""

    def __init__(self, session: Session):
        self._session = session
        self._postgres = session.get_bind().dialect.name == "postgresql"
        self._stamp: dt.datetime | None = None

    def write_stamp(self) -> dt.datetime:
        """The instant this transaction's revisions become valid; the first call takes the
        write lock, which is held until the transaction ends."""
        if self._stamp is None:
            self._stamp = self._read(_WRITE_STAMP)
        return self._stamp

    def read_instant(self) -> dt.datetime:
        """An instant after which no committed change can be stamped (see module docstring);
        the shared lock is held until the transaction ends."""
        return self._read(_READ_INSTANT)

    def _read(self, statement: str) -> dt.datetime:
        if not self._postgres:
            return utcnow()
        cursor = self._session.connection().connection.cursor()
        try:
            cursor.execute(statement, {"key": REVISION_LOCK_KEY})
            (value,) = cursor.fetchone()
        finally:
            cursor.close()
        return value.astimezone(dt.UTC)
