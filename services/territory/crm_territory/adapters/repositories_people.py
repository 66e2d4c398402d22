"""Repositories of people and their places: territory's copy of identity's users, dated
memberships and absences. Each keeps the objects it handed out in this unit of work, so two
reads of one row return the same object (a use case sees its own unsaved changes)."""

from __future__ import annotations

import json

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from crm_territory.adapters import orm
from crm_territory.adapters.json_columns import dumps
from crm_territory.domain.people import Person
from crm_territory.domain.teams import Absence, Membership, TeamRole
from crm_territory.service_layer import repositories

# Built once at import: building and cache-keying a statement per call costs more than running it.
_M = orm.memberships
_MEMBERSHIP_BY_ID = select(_M).where(_M.c.id == bindparam("id"))
_MEMBERSHIPS_OF_USER = select(_M).where(_M.c.user_id == bindparam("user_id"))
_MEMBERSHIPS_OF_TEAM = select(_M).where(_M.c.team_id == bindparam("team_id"))
_MEMBERSHIPS_OF_TEAMS = select(_M).where(_M.c.team_id.in_(bindparam("team_ids", expanding=True)))
_A = orm.absences
_ABSENCE_BY_ID = select(_A).where(_A.c.id == bindparam("id"))
_ABSENCES_OF_USERS = select(_A).where(_A.c.user_id.in_(bindparam("user_ids", expanding=True)))
_P = orm.people
_PEOPLE = select(_P).where(_P.c.user_id.in_(bindparam("user_ids", expanding=True)))


def _membership(row) -> Membership:
    return Membership(
        row.id,
        row.team_id,
        row.user_id,
        TeamRole[row.role.upper()],
        row.starts_at,
        row.ends_at,
        row.daily_capacity,
        row.takes_leads,
        row.paused,
        row.end_reason,
        row.version,
    )


def _membership_values(m: Membership) -> dict:
    return dict(
        team_id=m.team_id,
        user_id=m.user_id,
        role=m.role.name.lower(),
        starts_at=m.starts_at,
        ends_at=m.ends_at,
        daily_capacity=m.daily_capacity,
        takes_leads=m.takes_leads,
        paused=m.paused,
        end_reason=m.end_reason,
        version=m.version,
    )


class SqlMembershipRepository(repositories.MembershipRepository):
    def __init__(self, session: Session):
        self._session = session
        self._seen: dict[str, Membership] = {}

    def _known(self, rows) -> list[Membership]:
        return [self._seen.setdefault(row.id, _membership(row)) for row in rows]

    def get(self, membership_id: str) -> Membership | None:
        if membership_id in self._seen:
            return self._seen[membership_id]
        found = self._known(self._session.execute(_MEMBERSHIP_BY_ID, {"id": membership_id}))
        return found[0] if found else None

    def for_user(self, user_id: str) -> list[Membership]:
        return self._known(self._session.execute(_MEMBERSHIPS_OF_USER, {"user_id": user_id}))

    def for_team(self, team_id: str) -> list[Membership]:
        return self._known(self._session.execute(_MEMBERSHIPS_OF_TEAM, {"team_id": team_id}))

    def for_teams(self, team_ids: list[str]) -> dict[str, list[Membership]]:
        wanted = list(dict.fromkeys(team_ids))
        result: dict[str, list[Membership]] = {team_id: [] for team_id in wanted}
        if wanted:
            for m in self._known(
                self._session.execute(_MEMBERSHIPS_OF_TEAMS, {"team_ids": wanted})
            ):
                if m.team_id in result:  # an object this unit of work moved stays moved
                    result[m.team_id].append(m)
        return result

    def add(self, membership: Membership) -> None:
        self._session.execute(insert(_M).values(id=membership.id, **_membership_values(membership)))
        self._seen[membership.id] = membership

    def save(self, membership: Membership) -> None:
        self._session.execute(
            update(_M).where(_M.c.id == membership.id).values(**_membership_values(membership))
        )
        self._seen[membership.id] = membership


def _absence(row) -> Absence:
    return Absence(row.id, row.user_id, row.starts_at, row.ends_at, row.reason, row.cancelled)


def _absence_values(a: Absence) -> dict:
    return dict(
        user_id=a.user_id,
        starts_at=a.starts_at,
        ends_at=a.ends_at,
        reason=a.reason,
        cancelled=a.cancelled,
    )


class SqlAbsenceRepository(repositories.AbsenceRepository):
    def __init__(self, session: Session):
        self._session = session
        self._seen: dict[str, Absence] = {}

    def _known(self, rows) -> list[Absence]:
        return [self._seen.setdefault(row.id, _absence(row)) for row in rows]

    def get(self, absence_id: str) -> Absence | None:
        if absence_id in self._seen:
            return self._seen[absence_id]
        found = self._known(self._session.execute(_ABSENCE_BY_ID, {"id": absence_id}))
        return found[0] if found else None

    def for_users(self, user_ids: list[str]) -> list[Absence]:
        if not user_ids:
            return []
        return self._known(self._session.execute(_ABSENCES_OF_USERS, {"user_ids": list(user_ids)}))

    def add(self, absence: Absence) -> None:
        self._session.execute(insert(_A).values(id=absence.id, **_absence_values(absence)))
        self._seen[absence.id] = absence

    def save(self, absence: Absence) -> None:
        self._session.execute(
            update(_A).where(_A.c.id == absence.id).values(**_absence_values(absence))
        )
        self._seen[absence.id] = absence


def _person(row) -> Person:
    return Person(
        row.user_id,
        row.display_name,
        row.active,
        frozenset(json.loads(row.departments)),
        frozenset(json.loads(row.roles)),
        row.access_version,
        row.identity_version,
    )


def _person_values(p: Person) -> dict:
    return dict(
        display_name=p.display_name,
        active=p.active,
        departments=dumps(sorted(p.departments)),
        roles=dumps(sorted(p.roles)),
        access_version=p.access_version,
        identity_version=p.identity_version,
    )


class SqlPersonRepository(repositories.PersonRepository):
    def __init__(self, session: Session):
        self._session = session
        self._seen: dict[str, Person] = {}
        self._missing: set[str] = set()  # asked for and not found in this unit of work

    def get(self, user_id: str) -> Person | None:
        return self.many([user_id]).get(user_id)

    def many(self, user_ids: list[str]) -> dict[str, Person]:
        wanted = [
            u for u in dict.fromkeys(user_ids) if u not in self._seen and u not in self._missing
        ]
        if wanted:
            for row in self._session.execute(_PEOPLE, {"user_ids": wanted}):
                self._seen[row.user_id] = _person(row)
            self._missing.update(u for u in wanted if u not in self._seen)
        return {u: self._seen[u] for u in user_ids if u in self._seen}

    def ids_after(self, user_id: str, limit: int) -> list[str]:
        return list(
            self._session.execute(
                select(_P.c.user_id)
                .where(_P.c.user_id > user_id)
                .order_by(_P.c.user_id)
                .limit(limit)
            ).scalars()
        )

    def add(self, person: Person) -> None:
        self._session.execute(insert(_P).values(user_id=person.user_id, **_person_values(person)))
        self._seen[person.user_id] = person
        self._missing.discard(person.user_id)

    def save(self, person: Person) -> None:
        self._session.execute(
            update(_P).where(_P.c.user_id == person.user_id).values(**_person_values(person))
        )
        self._seen[person.user_id] = person
