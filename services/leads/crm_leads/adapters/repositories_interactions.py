"""SQLAlchemy repository of the sales interactions logged on leads."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.orm import Session

from crm_chassis import due_buckets
from crm_leads.adapters import orm
from crm_leads.domain.interactions import TASK, Interaction
from crm_leads.domain.lead import OPEN
from crm_leads.service_layer import repositories

I = orm.interactions  # noqa: E741 (the table, as H/A/K in repositories_records)
_COLUMNS = (
    "id",
    "lead_id",
    "team_id",
    "kind",
    "subject",
    "body",
    "direction",
    "outcome",
    "duration_minutes",
    "logged_by",
    "owner_user_id",
    "occurred_at",
    "created_at",
    "due_at",
    "done_at",
    "reminded_for",
)
_INSERT = insert(I)


def _row(interaction: Interaction) -> dict[str, object]:
    return {name: getattr(interaction, name) for name in _COLUMNS}


def _interaction(row) -> Interaction:
    return Interaction(**{name: getattr(row, name) for name in _COLUMNS})


class SqlInteractionRepository(repositories.InteractionRepository):
    def __init__(self, session: Session):
        self.session = session

    def get(self, interaction_id: str) -> Interaction | None:
        row = self.session.execute(select(I).where(I.c.id == interaction_id)).first()
        return _interaction(row) if row else None

    def add(self, interaction: Interaction) -> None:
        self.session.execute(_INSERT, _row(interaction))

    def save(self, interaction: Interaction) -> None:
        values = _row(interaction)
        del values["id"]
        self.session.execute(update(I).where(I.c.id == interaction.id).values(**values))

    def for_lead(self, lead_id: str) -> list[Interaction]:
        statement = (
            select(I).where(I.c.lead_id == lead_id).order_by(I.c.occurred_at.desc(), I.c.id.desc())
        )
        return [_interaction(row) for row in self.session.execute(statement)]

    def move(self, from_lead_id: str, to_lead_id: str) -> None:
        self.session.execute(
            update(I).where(I.c.lead_id == from_lead_id).values(lead_id=to_lead_id)
        )

    def open_tasks(
        self,
        team_ids: frozenset[str],
        owner_user_id: str = "",
        due_before: dt.datetime | None = None,
        *,
        assigned_only: bool = False,
    ) -> list[tuple[Interaction, str]]:
        if not team_ids:
            return []
        L = orm.leads
        team = L.c.team_id if assigned_only else func.coalesce(L.c.team_id, L.c.queue_team_id)
        where = [
            I.c.kind == TASK,
            I.c.done_at.is_(None),
            L.c.status.in_(sorted(s.value for s in OPEN)),
            team.in_(sorted(team_ids)),
        ]
        if owner_user_id:
            where.append(I.c.owner_user_id == owner_user_id)
        if due_before is not None:
            where.append(I.c.due_at < due_before)
        return [(task, name) for task, name, _, _ in self._open(where)]

    def _open(self, where, limit: int | None = None):
        L = orm.leads
        statement = (
            select(
                I,
                L.c.first_name,
                L.c.last_name,
                L.c.company_name,
                func.coalesce(L.c.team_id, L.c.queue_team_id).label("lead_team_id"),
                L.c.version.label("lead_version"),
            )
            .join(L, L.c.id == I.c.lead_id)
            .where(*where)
            .order_by(I.c.due_at, I.c.id)
        )
        if limit is not None:
            statement = statement.limit(limit)
        return [
            (
                _interaction(row),
                " ".join(p for p in (row.first_name, row.last_name) if p) or row.company_name,
                row.lead_team_id or "",
                row.lead_version,
            )
            for row in self.session.execute(statement)
        ]

    def reminders_due(
        self, now: dt.datetime, lead: dt.timedelta, limit: int
    ) -> list[tuple[Interaction, str, str, int]]:
        L = orm.leads
        candidates = self._open(
            [
                I.c.kind == TASK,
                I.c.done_at.is_(None),
                L.c.status.in_(sorted(s.value for s in OPEN)),
                I.c.due_at.between(now - lead, now + lead),
                or_(I.c.reminded_for.is_(None), I.c.reminded_for != I.c.due_at),
            ],
            limit,
        )
        return [
            c
            for c in candidates
            if due_buckets.reminder_due(c[0].due_at, c[0].reminded_for, now, lead)
        ]
