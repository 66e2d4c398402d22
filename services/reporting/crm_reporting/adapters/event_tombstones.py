"""Tombstoning one person in reporting's event store (deals' erasure requests).

The stored events are the bodies as received (proto3 JSON). The person is found by e-mail
(a case-insensitive substring of the body); the names and phone those events give with the
address (a lead's ``person``) are then tombstoned too: the phone and full name in every stored
event, a first or last name or title alone only in the events of the same aggregates (they would
match other people elsewhere). A tombstoned body still decodes as its message, so the
rebuild (``python -m crm_reporting.rebuild``) derives the same figures without the person.
"""

from __future__ import annotations

import json

from sqlalchemy import func, or_, select, tuple_, update
from sqlalchemy.orm import Session

from crm_chassis.privacy import PersonValues, person_values, redact
from crm_reporting.adapters.orm import event_store


def _mentioning(values: tuple[str, ...]):
    return or_(*(func.lower(event_store.c.body).contains(v, autoescape=True) for v in values))


def tombstone_events(session: Session, email: str) -> int:
    t = event_store
    first = session.execute(
        select(t.c.aggregate_type, t.c.aggregate_id, t.c.body).where(_mentioning((email,)))
    ).all()
    if not first:
        return 0
    person = PersonValues.of(email)
    for row in first:
        person = person.merged(person_values(json.loads(row.body), email))
    aggregates = {(row.aggregate_type, row.aggregate_id) for row in first}
    condition = or_(
        _mentioning(person.unique),
        tuple_(t.c.aggregate_type, t.c.aggregate_id).in_(sorted(aggregates)),
    )
    changed = 0
    rows = session.execute(
        select(t.c.seq, t.c.aggregate_type, t.c.aggregate_id, t.c.body).where(condition)
    )
    for row in rows.all():
        document = json.loads(row.body)
        own = (row.aggregate_type, row.aggregate_id) in aggregates
        cleaned = redact(document, person.all if own else person.unique)
        if cleaned != document:
            body = json.dumps(cleaned, ensure_ascii=False, separators=(",", ":"))
            session.execute(update(t).where(t.c.seq == row.seq).values(body=body))
            changed += 1
    return changed
