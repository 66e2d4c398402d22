"""Territory's copy of identity's people: created on first use from the directory, then kept
current from identity's user events (user_created, user_updated, user_department_changed,
user_deactivated, user_reactivated — wired by the worker)."""

from __future__ import annotations

from crm_chassis.errors import FailedPrecondition, NotFound
from crm_territory.domain.people import Person
from crm_territory.service_layer.access_state import AccessWatch
from crm_territory.service_layer.caller import Caller
from crm_territory.service_layer.dependencies import Dependencies
from crm_territory.service_layer.ports import DirectoryUser, UserDirectory
from crm_territory.service_layer.unit_of_work import TerritoryUnitOfWork


def ensure_person(uow: TerritoryUnitOfWork, directory: UserDirectory, user_id: str) -> Person:
    """The person, fetched from identity the first time; must be active and in a department
    to be given a place in the organisation."""
    if not user_id:
        from crm_chassis.errors import InvalidArgument

        raise InvalidArgument("user_id must not be empty", field="user_id")
    person = uow.people.get(user_id)
    if person is None:
        found = directory.lookup(user_id)
        if found is None:
            raise NotFound(f"user {user_id} is not known to identity")
        person = _from_directory(found)
        uow.people.add(person)
    if not person.active:
        raise FailedPrecondition(f"user {user_id} is deactivated")
    if not person.departments:
        raise FailedPrecondition(
            f"user {user_id} belongs to no department; identity must put them in one first"
        )
    return person


def _from_directory(found: DirectoryUser) -> Person:
    return Person(
        found.user_id,
        found.display_name,
        found.active,
        frozenset(found.departments),
        frozenset(found.roles),
        identity_version=found.version,
    )


def record_user(deps: Dependencies, caller: Caller, *, user: DirectoryUser) -> list[str]:
    """Apply identity's latest facts about a user (from any user event). Publishes
    user_access_changed when the person's access changes, e.g. deactivation revokes every
    scope at once. Idempotent: applying the same facts twice changes nothing, and facts older
    than those already applied (``user.version`` below the stored one) are ignored, so events
    arriving out of order cannot resurrect a deactivated user."""
    with deps.uow() as uow:
        watch = AccessWatch(uow, deps.clock.now()).watch([user.user_id])
        person = uow.people.get(user.user_id)
        if person is not None and user.version and user.version < person.identity_version:
            return []
        deactivated = False
        if person is None:
            person = _from_directory(user)
            uow.people.add(person)
        else:
            deactivated = person.active and not user.active
            person.display_name = user.display_name
            person.active = user.active
            person.departments = frozenset(user.departments)
            person.roles = frozenset(user.roles)
            person.identity_version = max(person.identity_version, user.version)
            uow.people.save(person)
        published = watch.publish(caller.actor, force=(user.user_id,) if deactivated else ())
        uow.commit()
    return published


def is_deactivated(deps: Dependencies, *, user_id: str) -> bool:
    """True when identity's events told territory the person is deactivated. Their access
    tokens stay valid until they expire; the api refuses them at once with this answer. No
    caller: it runs for the api's principal check, before a caller is admitted."""
    with deps.uow() as uow:
        person = uow.people.get(user_id)
        return person is not None and not person.active
