"""Computing a person's scopes from the repositories, and publishing changes of them.

Every use case that may change someone's access wraps the change in an :class:`AccessWatch`:
it notes the watched people's scopes before, recomputes after, and for each person whose
scopes differ bumps ``access_version`` and emits ``user_access_changed`` with the complete new
scopes — in the same transaction, so replicas in other services converge on commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from crm.territory.v1 import events_pb2
from crm_chassis.context import Actor
from crm_territory.domain.access import Scope, compute_scopes
from crm_territory.service_layer import event_messages
from crm_territory.service_layer.caller import Caller
from crm_territory.service_layer.dependencies import Dependencies
from crm_territory.service_layer.unit_of_work import TerritoryUnitOfWork


def scopes_of(uow: TerritoryUnitOfWork, user_id: str, at: dt.datetime) -> list[Scope]:
    if not user_id:
        return []
    person = uow.people.get(user_id)
    return compute_scopes(
        person, uow.memberships.for_user(user_id), uow.teams.all(), uow.units.all(), at
    )


def all_unit_managers(uow: TerritoryUnitOfWork) -> set[str]:
    return {uid for unit in uow.units.all().values() for uid in unit.manager_user_ids}


class AccessWatch:
    def __init__(self, uow: TerritoryUnitOfWork, at: dt.datetime):
        self._uow = uow
        self._at = at
        self._before: dict[str, list[Scope]] = {}

    def watch(self, user_ids: Iterable[str]) -> AccessWatch:
        for uid in user_ids:
            if uid and uid not in self._before:
                self._before[uid] = scopes_of(self._uow, uid, self._at)
        return self

    def watch_team_members(self, team_id: str) -> AccessWatch:
        return self.watch(m.user_id for m in self._uow.memberships.for_team(team_id))

    def publish(self, actor: Actor | None, *, force: tuple[str, ...] = ()) -> list[str]:
        """Emit user_access_changed for every watched person whose scopes changed (and for
        ``force``d ones, e.g. a deactivated person). Returns the ids published."""
        changed = []
        for uid, before in sorted(self._before.items()):
            after = scopes_of(self._uow, uid, self._at)
            if after == before and uid not in force:
                continue
            person = self._uow.people.get(uid)
            if person is None:
                continue
            person.access_version += 1
            self._uow.people.save(person)
            message = events_pb2.UserAccessChanged(
                user_scopes=event_messages.user_scopes(person, after)
            )
            self._uow.emit(
                "user_access_changed",
                message,
                aggregate_type="user_access",
                aggregate_id=uid,
                aggregate_version=person.access_version,
                actor=actor,
            )
            changed.append(uid)
        return changed


def republish_all(deps: Dependencies, caller: Caller, *, page: int = 500) -> int:
    """Emit every known person's current scopes again (``user_access_changed``, a new
    ``access_version`` each), one transaction per ``page`` people; returns how many.

    For a consumer whose replica is empty or behind: a service deployed after snapshots were
    published (they were unroutable for its queue), or a replica restored from a backup.
    Replicas keep the newest snapshot, so running it twice, or while people change, is safe.
    """
    published, after = 0, ""
    at = deps.clock.now()
    while True:
        with deps.uow() as uow:
            ids = uow.people.ids_after(after, page)
            if not ids:
                return published
            watch = AccessWatch(uow, at).watch(ids)
            published += len(watch.publish(caller.actor, force=tuple(ids)))
            uow.commit()
        after = ids[-1]
