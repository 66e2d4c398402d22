"""Payload tombstoning: a person's values removed from the outbox copies of events.

The outbox keeps every event's JSON body (published rows until retention deletes them, pending
rows until the relay publishes them). Erasing a person tombstones every row that mentions them:
each string value holding one of the person's values becomes ``crm_chassis.privacy.ERASED``,
the rest of the payload is kept, so a pending row is still published as a valid message (its
consumers receive the tombstone, never the person). The inbox keeps no payloads, only event ids.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import Table, func, or_, select, update
from sqlalchemy.orm import Session

from crm_chassis.privacy import PersonValues, redact


def tombstone_outbox(
    session: Session, outbox: Table, person: PersonValues, *, aggregate_ids: Iterable[str] = ()
) -> int:
    """In the caller's transaction: tombstone the rows mentioning the person's unique values
    (everywhere) and, in the rows about ``aggregate_ids`` (the person's own records), every one
    of their values; returns how many rows changed. Write the erasure's own events after."""
    ids = set(aggregate_ids)
    if not person.unique:
        return 0
    conditions = [func.lower(outbox.c.payload).contains(v, autoescape=True) for v in person.unique]
    if ids:
        conditions.append(outbox.c.aggregate_id.in_(sorted(ids)))
    rows = session.execute(
        select(outbox.c.id, outbox.c.aggregate_id, outbox.c.payload).where(or_(*conditions))
    ).all()
    changed = 0
    for row in rows:
        document = json.loads(row.payload)
        cleaned = redact(document, person.all if row.aggregate_id in ids else person.unique)
        if cleaned != document:
            session.execute(
                update(outbox)
                .where(outbox.c.id == row.id)
                .values(payload=json.dumps(cleaned, ensure_ascii=False, separators=(",", ":")))
            )
            changed += 1
    return changed
