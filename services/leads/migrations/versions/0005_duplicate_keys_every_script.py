"""Company-and-name duplicate keys recomputed for names with letters outside ASCII.

Duplicate keys once kept only the letters a-z, so a Persian or Hebrew name stored the key
"<company>|" that every colleague of that company shared (and a company name in such a script
stored no key at all). The keys now hold the letters of every script; this data migration gives
every stored lead whose first name, last name or company name has a non-ASCII character the key
the current rule computes, so a new capture of the same person is found again and colleagues
no longer count as one person. Leads whose names are all ASCII keep their key: it has not
changed.

The key is computed by the domain function (crm_leads.domain.duplicates, plain Python, no I/O)
rather than a copy of it: the stored key must equal, letter for letter, what a capture computes,
and two copies of a Unicode rule drift apart. The migration reads only the three name columns,
so later changes to the lead model do not reach it.

The rows are read by keyset on id, 1,000 at a time, and each batch is one UPDATE. The key is
unique among the leads taking part in the duplicate check (uq_leads_duplicate_company_person):
when a recomputed key is already held by another lead taking part (two stored leads that the
current rule calls one person), the second lead keeps no company-and-name key instead of
failing the upgrade; the e-mail and phone keys are untouched, and both ids are logged so the
two leads can be merged.

Revision ID: 0005_duplicate_keys_every_script
Revises: 0004_capture_function
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

from crm_leads.domain.duplicates import DuplicateKeys
from crm_leads.domain.values import Company, LeadData, Person

revision = "0005_duplicate_keys_every_script"
down_revision = "0004_capture_function"
branch_labels = None
depends_on = None

BATCH = 1000
# The statuses of the partial unique index's predicate (domain/duplicates.py TAKING_PART).
TAKING_PART = ("new", "working", "qualified", "disqualified")

log = logging.getLogger("alembic.runtime.migration")

leads = sa.table(
    "leads",
    sa.column("id", sa.String),
    sa.column("status", sa.String),
    sa.column("first_name", sa.String),
    sa.column("last_name", sa.String),
    sa.column("company_name", sa.String),
    sa.column("duplicate_company_person", sa.String),
)


def company_person_key(first_name: str | None, last_name: str | None, company: str | None) -> str:
    data = LeadData(
        person=Person(first_name=first_name or "", last_name=last_name or ""),
        company=Company(name=company or ""),
    )
    return DuplicateKeys.of(data).company_person


def _held_elsewhere(connection, keys: set[str], ids: set[str]) -> dict[str, str]:
    """Key -> id of the lead taking part outside ``ids`` that already holds it."""
    if not keys:
        return {}
    rows = connection.execute(
        sa.select(leads.c.duplicate_company_person, leads.c.id).where(
            leads.c.duplicate_company_person.in_(sorted(keys)),
            leads.c.status.in_(TAKING_PART),
            leads.c.id.not_in(sorted(ids)),
        )
    )
    return {key: lead_id for key, lead_id in rows}


def _recompute(connection, rows) -> tuple[int, int]:
    """Give the non-ASCII rows of one batch their current key; (changed, left without key)."""
    changes: dict[str, str | None] = {}
    taking_part: dict[str, str] = {}
    for row in rows:
        names = (row.first_name or "", row.last_name or "", row.company_name or "")
        if all(name.isascii() for name in names):
            continue
        key = company_person_key(*names) or None
        if key != row.duplicate_company_person:
            changes[row.id] = key
        if key and row.status in TAKING_PART:
            taking_part[row.id] = key
    if not changes:
        return 0, 0
    # A lead already holding its key keeps it; among the others the lower id wins.
    held = _held_elsewhere(connection, set(taking_part.values()), set(changes) | set(taking_part))
    dropped = 0
    for lead_id, key in sorted(taking_part.items(), key=lambda item: (item[0] in changes, item[0])):
        if key in held:
            changes[lead_id] = None
            dropped += 1
            # Ids only: the names are personal data and stay out of the log.
            log.warning(
                "duplicate keys: lead %s names the same person as open lead %s and keeps no "
                "company-and-name key; merge the two (MergeLeads)",
                lead_id,
                held[key],
            )
        else:
            held[key] = lead_id
    # NULL first: a key moving from one row of the batch to another must be free before the
    # row taking it is written (the unique index is checked row by row).
    connection.execute(
        leads.update().where(leads.c.id.in_(sorted(changes))).values(duplicate_company_person=None)
    )
    keyed = [{"lead_id": lead_id, "key": key} for lead_id, key in changes.items() if key]
    if keyed:
        connection.execute(
            leads.update()
            .where(leads.c.id == sa.bindparam("lead_id"))
            .values(duplicate_company_person=sa.bindparam("key")),
            keyed,
        )
    return len(changes), dropped


def upgrade() -> None:
    connection = op.get_bind()
    after = ""
    changed = dropped = 0
    while True:
        rows = connection.execute(
            sa.select(
                leads.c.id,
                leads.c.status,
                leads.c.first_name,
                leads.c.last_name,
                leads.c.company_name,
                leads.c.duplicate_company_person,
            )
            .where(leads.c.id > after)
            .order_by(leads.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        batch_changed, batch_dropped = _recompute(connection, rows)
        changed += batch_changed
        dropped += batch_dropped
        after = rows[-1].id
    log.info("duplicate keys: %d leads recomputed", changed)
    if dropped:
        log.warning("duplicate keys: %d leads keep no company-and-name key (above)", dropped)


def downgrade() -> None:
    # Nothing to undo: the keys of the old form (letters a-z only) made colleagues one person
    # and are not wanted back; the recomputed keys are valid under every earlier revision.
    pass
