"""A person's own preferences: language and time zone, validated, changed by the person only,
returned by WhoAmI; no version change and no event (no other service reads them)."""

from __future__ import annotations

import pytest

from crm_chassis.caller import SERVICE, Caller
from crm_chassis.errors import InvalidArgument, PermissionDenied, Unauthenticated
from crm_identity.domain.preferences import Preferences
from crm_identity.service_layer import authentication, users
from crm_identity.service_layer.preferences import update_own_preferences


def test_a_person_sets_their_language_and_zone_and_who_am_i_returns_them(world):
    user = world.add_user()
    events_before = list(world.events)
    chosen = update_own_preferences(world.deps, Caller(user.id), Preferences("fa", "Asia/Tehran"))
    assert chosen == Preferences("fa", "Asia/Tehran")
    who = authentication.who_am_i(world.deps, Caller(user.id))
    assert who.preferences == Preferences("fa", "Asia/Tehran")
    assert world.store.users[user.id].version == user.version  # not the user aggregate's change
    assert world.events == events_before


def test_a_person_who_chose_nothing_has_empty_preferences(world):
    user = world.add_user()
    assert authentication.who_am_i(world.deps, Caller(user.id)).preferences == Preferences()


def test_the_mask_changes_only_the_named_field(world):
    user = world.add_user()
    me = Caller(user.id)
    update_own_preferences(world.deps, me, Preferences("he", "Asia/Jerusalem"))
    assert update_own_preferences(
        world.deps, me, Preferences(language="fa"), ["language"]
    ) == Preferences("fa", "Asia/Jerusalem")
    assert update_own_preferences(
        world.deps, me, Preferences(time_zone="Europe/Berlin"), ["time_zone"]
    ) == Preferences("fa", "Europe/Berlin")


@pytest.mark.parametrize(
    "values, field",
    [
        (Preferences("de", "Europe/Berlin"), "language"),
        (Preferences("FA", "Asia/Tehran"), "language"),
        (Preferences("fa", "Mars/Olympus"), "time_zone"),
        (Preferences("fa", "../../etc/passwd"), "time_zone"),
        (Preferences("fa", "asia/tehran"), "time_zone"),
        (Preferences("fa", "Asia/" + "x" * 500), "time_zone"),
    ],
)
def test_an_unknown_language_or_zone_is_invalid_argument_and_nothing_changes(world, values, field):
    user = world.add_user()
    me = Caller(user.id)
    update_own_preferences(world.deps, me, Preferences("en", "UTC"))
    with pytest.raises(InvalidArgument) as err:
        update_own_preferences(world.deps, me, values)
    assert err.value.field == field
    assert "e.g. Asia/Tehran" in err.value.message or "en (English)" in err.value.message
    assert world.store.preferences[user.id] == Preferences("en", "UTC")


def test_an_unknown_mask_field_is_invalid_argument(world):
    user = world.add_user()
    with pytest.raises(InvalidArgument) as err:
        update_own_preferences(world.deps, Caller(user.id), Preferences("fa"), ["calendar"])
    assert err.value.field == "update_mask" and "language, time_zone" in err.value.message


def test_empty_values_clear_a_choice(world):
    user = world.add_user()
    me = Caller(user.id)
    update_own_preferences(world.deps, me, Preferences("fa", "Asia/Tehran"))
    assert update_own_preferences(world.deps, me, Preferences()) == Preferences()


def test_only_the_person_themself_and_only_a_person(world):
    sam = world.add_user()
    other = world.add_user(email="kim@example.com")
    update_own_preferences(world.deps, Caller(sam.id), Preferences("fa", "Asia/Tehran"))
    # There is no way to name another person: an administrator changes their own only.
    admin = world.add_user(email="ada@example.com", roles=["admin"])
    update_own_preferences(
        world.deps, Caller(admin.id, roles=frozenset({"admin"})), Preferences("he")
    )
    assert world.store.preferences == {
        sam.id: Preferences("fa", "Asia/Tehran"),
        admin.id: Preferences("he", ""),
    }
    assert other.id not in world.store.preferences
    with pytest.raises(PermissionDenied):
        update_own_preferences(world.deps, Caller("svc-x", kind=SERVICE), Preferences("fa"))
    with pytest.raises(Unauthenticated):
        update_own_preferences(world.deps, None, Preferences("fa"))


def test_a_deactivated_person_cannot_change_them(world):
    user = world.add_user()
    users.deactivate_user(world.deps, world.admin, user.id, "left")
    with pytest.raises(Unauthenticated):
        update_own_preferences(world.deps, Caller(user.id), Preferences("fa"))
