"""Write side of the replica: store a snapshot if it is newer than the one held."""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from crm_chassis.db import utcnow
from crm_chassis.scopes.messages import from_proto
from crm_chassis.scopes.model import UserScopes
from crm_chassis.scopes.tables import scope_tables

# Table objects for SQL only: the replica is the same two tables in every consumer's database.
_VERSIONS, _SCOPES = scope_tables(MetaData())

# Locks the user's version row, so two workers applying snapshots of one user serialise and the
# newer one wins whatever order they commit in.
_HELD_VERSION = (
    select(_VERSIONS.c.access_version)
    .where(_VERSIONS.c.user_id == bindparam("user_id"))
    .with_for_update()
)


def apply_snapshot(session: Session, snapshot: UserScopes) -> bool:
    """Replace the user's stored scopes by ``snapshot`` unless a newer-or-equal one is stored.

    Runs in the caller's transaction (the event handler's unit of work, with its inbox row);
    returns whether it changed anything.
    """
    held = session.execute(_HELD_VERSION, {"user_id": snapshot.user_id}).scalar()
    if held is not None and held >= snapshot.version:
        return False
    now = utcnow()
    if held is None:
        # A concurrent first snapshot of the same user hits the primary key and fails its
        # transaction; the event is redelivered and then compared with the stored version.
        session.execute(
            insert(_VERSIONS).values(
                user_id=snapshot.user_id,
                access_version=snapshot.version,
                active=snapshot.active,
                updated_at=now,
            )
        )
    else:
        session.execute(
            update(_VERSIONS)
            .where(_VERSIONS.c.user_id == snapshot.user_id)
            .values(access_version=snapshot.version, active=snapshot.active, updated_at=now)
        )
    session.execute(delete(_SCOPES).where(_SCOPES.c.user_id == snapshot.user_id))
    # Duplicate grants in one snapshot (same team, source and unit) would break the primary key;
    # keep the strongest, as the reader would.
    rows = {}
    for grant in snapshot.grants:
        rows[(grant.team_id, grant.source, grant.unit_id)] = grant
    if rows:
        session.execute(
            insert(_SCOPES),
            [
                {
                    "user_id": snapshot.user_id,
                    "team_id": g.team_id,
                    "source": g.source,
                    "unit_id": g.unit_id,
                    "role": g.role,
                }
                for g in rows.values()
            ],
        )
    return True


def apply_user_access_changed(session: Session, message: Any) -> bool:
    """Store territory's ``UserAccessChanged`` snapshot (see :func:`apply_snapshot`)."""
    return apply_snapshot(session, from_proto(message))
