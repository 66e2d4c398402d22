from types import SimpleNamespace

import pytest

from crm_chassis.caller import SYSTEM, Caller, require_authenticated
from crm_chassis.errors import Unauthenticated


def test_from_principal_keeps_identity_roles_and_departments():
    principal = SimpleNamespace(
        subject_id="u1", kind="user", roles=["admin"], departments=["sales"], display_name="Ann"
    )
    caller = Caller.from_principal(principal)
    assert caller.is_admin and caller.in_department("sales", "marketing")
    assert not caller.in_department("management")
    assert (caller.actor.id, caller.actor.kind, caller.actor.display_name) == ("u1", "user", "Ann")


def test_system_caller_and_missing_caller():
    assert Caller.system("timer").kind == SYSTEM and not Caller.system("timer").roles
    with pytest.raises(Unauthenticated, match="access token"):
        require_authenticated(None)
    with pytest.raises(Unauthenticated):
        require_authenticated(Caller(subject_id=""))


def test_only_service_accounts_are_services():
    assert Caller(subject_id="deals", kind="service").is_service
    assert not Caller(subject_id="u1").is_service
    assert not Caller.system("leads-worker").is_service
