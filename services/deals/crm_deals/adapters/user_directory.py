"""deals' copy of identity's users (id -> e-mail, name, active), kept from identity's user_*
events (each carries the full snapshot; an older version than the stored one is ignored), so
automation e-mails find their recipients' addresses without calling identity."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from crm_deals.adapters import orm

ACTIVE = "active"


def apply_user_snapshot(session: Session, user) -> bool:
    """Store ``user`` (crm.identity.v1.UserSnapshot); False when a newer one is stored."""
    t = orm.user_addresses
    values = dict(
        email=user.email,
        display_name=user.display_name,
        active=1 if user.status == ACTIVE else 0,
        version=user.version,
    )
    stored = session.execute(select(t.c.version).where(t.c.user_id == user.id)).scalar()
    if stored is None:
        session.execute(insert(t).values(user_id=user.id, **values))
        return True
    if stored > user.version:
        return False
    session.execute(update(t).where(t.c.user_id == user.id).values(**values))
    return True


def addresses_of(session: Session, user_ids: list[str]) -> dict[str, tuple[str, str]]:
    """{user id: (display name, e-mail)} of the active users among ``user_ids``."""
    t = orm.user_addresses
    rows = session.execute(
        select(t.c.user_id, t.c.display_name, t.c.email).where(
            t.c.user_id.in_(sorted(set(user_ids))), t.c.active == 1
        )
    )
    return {row.user_id: (row.display_name, row.email) for row in rows}
