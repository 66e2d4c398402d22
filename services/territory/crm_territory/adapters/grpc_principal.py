"""The per-call principal check of territory's api: tokens of people territory knows to be
deactivated are refused at once, not when they expire (the platform promises revocation within
a second). Service accounts are not people: their calls (the hot CheckAccess and ChooseOwners
traffic) skip the read, so no cache is needed to keep it cheap."""

from __future__ import annotations

from collections.abc import Callable

from crm_chassis.auth import Principal
from crm_chassis.errors import Unauthenticated
from crm_territory.service_layer import people
from crm_territory.service_layer.dependencies import Dependencies


def refuse_deactivated_users(deps: Dependencies) -> Callable[[Principal], None]:
    def check(principal: Principal) -> None:
        if principal.kind == "user" and people.is_deactivated(deps, user_id=principal.subject_id):
            raise Unauthenticated("this account is deactivated; its tokens are no longer accepted")

    return check
