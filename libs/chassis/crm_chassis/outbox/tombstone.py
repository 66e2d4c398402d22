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

from crm_chassis.privacy import redact


def tombstone_outbox(
    session: Session, outbox: Table, values: Iterable[str], *, aggregate_ids: Iterable[str] = ()
) -> int:
    """In the caller's transaction: tombstone the rows mentioning ``values`` (lower-case
    needles, see ``crm_chassis.privacy.needles``) or about ``aggregate_ids``; returns how many
    rows changed. Write the erasure's own events after calling this."""
    wanted = tuple(values)
    ids = tuple(aggregate_ids)
    if not wanted:
        return 0
    conditions = [func.lower(outbox.c.payload).contains(v, autoescape=True) for v in wanted]
    if ids:
        conditions.append(outbox.c.aggregate_id.in_(ids))
    rows = session.execute(select(outbox.c.id, outbox.c.payload).where(or_(*conditions))).all()
    changed = 0
    for row in rows:
        document = json.loads(row.payload)
        cleaned = redact(document, wanted)
        if cleaned != document:
            session.execute(
                update(outbox)
                .where(outbox.c.id == row.id)
                .values(payload=json.dumps(cleaned, ensure_ascii=False, separators=(",", ":")))
            )
            changed += 1
    return changed
