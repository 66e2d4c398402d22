"""A person's own preferences (language, time zone): read with WhoAmI, changed by the person
only (UpdateOwnPreferences). No event: no other service reads them (domain/preferences.py)."""

from __future__ import annotations

from collections.abc import Iterable

from crm_chassis.caller import Caller
from crm_chassis.errors import Unauthenticated
from crm_identity.domain.preferences import Preferences
from crm_identity.service_layer.authorization import require_user
from crm_identity.service_layer.dependencies import Dependencies


def update_own_preferences(
    deps: Dependencies, caller: Caller | None, values: Preferences, fields: Iterable[str] = ()
) -> Preferences:
    """The caller's preferences with ``fields`` (all when empty) set from ``values``."""
    caller = require_user(caller)
    with deps.uow() as uow:
        user = uow.users.get(caller.subject_id)
        if user is None or not user.is_active:
            raise Unauthenticated("the user of this token no longer exists or is deactivated")
        current = uow.users.preferences(user.id)
        chosen = current.changed(values, tuple(fields))
        if chosen != current:
            uow.users.set_preferences(user.id, chosen, deps.clock.now())
            uow.commit()
    return chosen
