"""A deactivated person's token is refused by a service that keeps the access replica."""

import pytest

from crm_chassis.auth import Principal
from crm_chassis.errors import Unauthenticated
from crm_chassis.scopes import Grant, UserScopes
from crm_chassis.scopes.principal_check import refuse_deactivated_users


class Replica:
    def __init__(self, **scopes):
        self.scopes = scopes

    def scopes_of(self, user_id):
        return self.scopes.get(user_id, UserScopes(user_id=user_id))


def test_a_deactivated_person_is_refused_and_others_pass():
    check = refuse_deactivated_users(
        Replica(
            gone=UserScopes("gone", version=3, active=False),
            ann=UserScopes(
                "ann", version=2, active=True, grants=(Grant("t1", "expert", "membership"),)
            ),
            lone=UserScopes("lone", version=1, active=True),
        )
    )
    with pytest.raises(Unauthenticated, match="deactivated"):
        check(Principal(subject_id="gone"))
    for user in ("ann", "lone", "never-published"):
        check(Principal(subject_id=user))  # no exception
    check(Principal(subject_id="gone", kind="service"))  # not a person: not the replica's
