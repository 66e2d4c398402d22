import pytest

from crm_chassis.caller import Caller
from crm_chassis.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    ValidationErrors,
)
from crm_identity.service_layer import users


def test_create_user_stores_hashed_password_and_emits_user_created(world):
    user = world.add_user(email="Sam@Example.com", departments=["sales"])
    stored = world.store.users[user.id]
    assert stored.password_hash == f"fake-v1${world.strong}"
    assert world.event_types() == ["user_created"]
    event = world.events[0][1]
    assert event.user.email == "Sam@example.com" and list(event.user.departments) == ["sales"]
    assert event.meta.aggregate_id == user.id and event.meta.aggregate_version == 1
    assert event.meta.actor.id == world.admin.subject_id


@pytest.mark.parametrize(
    "caller, error", [(None, Unauthenticated), (Caller("u", roles=frozenset()), PermissionDenied)]
)
def test_create_user_needs_the_admin_role(world, caller, error):
    with pytest.raises(error) as err:
        users.create_user(
            world.deps, caller, email="a@example.com", display_name="A", password=world.strong
        )
    if error is PermissionDenied:
        assert err.value.message == "this call requires the admin role"
    assert world.store.users == {} and world.events == []


def test_duplicate_email_in_any_case_is_already_exists(world):
    world.add_user(email="sam@example.com")
    with pytest.raises(AlreadyExists) as err:
        world.add_user(email="SAM@EXAMPLE.COM")
    assert err.value.field == "email"
    assert world.event_types() == ["user_created"]


def test_weak_password_is_refused_before_anything_is_stored(world):
    with pytest.raises(ValidationErrors) as err:
        world.add_user(password="sam@example.com")
    assert err.value.field == "password" and "e-mail" in err.value.message
    assert world.store.users == {} and world.events == []


def test_get_user_unknown_is_not_found_and_needs_authentication(world):
    with pytest.raises(NotFound) as err:
        users.get_user(world.deps, world.plain, "nope")
    assert err.value.field == "id"
    with pytest.raises(Unauthenticated):
        users.get_user(world.deps, None, "nope")


def test_list_users_pages_by_cursor_and_filters(world):
    for i in range(5):
        world.add_user(
            email=f"user{i}@example.com",
            display_name=f"User {i}",
            departments=["sales"] if i % 2 else ["marketing"],
        )
    first = users.list_users(world.deps, world.plain, page_size=2)
    assert [u.email for u in first.items] == ["user0@example.com", "user1@example.com"]
    second = users.list_users(world.deps, world.plain, page_size=2, cursor=first.next_cursor)
    assert [u.email for u in second.items] == ["user2@example.com", "user3@example.com"]
    third = users.list_users(world.deps, world.plain, page_size=2, cursor=second.next_cursor)
    assert [u.email for u in third.items] == ["user4@example.com"] and third.next_cursor == ""
    sales = users.list_users(world.deps, world.plain, department="sales")
    assert [u.email for u in sales.items] == ["user1@example.com", "user3@example.com"]
    assert [u.email for u in users.list_users(world.deps, world.plain, query="USER 4").items] == [
        "user4@example.com"
    ]


@pytest.mark.parametrize(
    "kwargs, field",
    [
        (dict(page_size=501), "page.page_size"),
        (dict(cursor="***"), "page.cursor"),
        (dict(department="finance"), "department"),
        (dict(role="root"), "role"),
        (dict(status="?"), "status"),
    ],
)
def test_list_users_bad_input(world, kwargs, field):
    with pytest.raises(InvalidArgument) as err:
        users.list_users(world.deps, world.plain, **kwargs)
    assert err.value.field == field


def test_update_user_applies_mask_and_emits_before_after(world):
    user = world.add_user()
    updated = users.update_user(
        world.deps,
        world.admin,
        user.id,
        fields=["display_name", "roles"],
        display_name="Samantha",
        roles=["admin"],
        email="ignored@x.io",
        expected_version=1,
    )
    assert (updated.display_name, updated.roles, updated.version) == (
        "Samantha",
        frozenset({"admin"}),
        2,
    )
    assert updated.email == "sam@example.com"
    event_type, event = world.events[-1]
    assert event_type == "user_updated" and list(event.changed_fields) == ["display_name", "roles"]
    assert event.before.display_name == "Sam Seller" and event.after.display_name == "Samantha"
    assert event.meta.aggregate_version == 2


def test_update_user_version_mismatch_is_failed_precondition(world):
    user = world.add_user()
    with pytest.raises(FailedPrecondition) as err:
        users.update_user(
            world.deps,
            world.admin,
            user.id,
            fields=["display_name"],
            display_name="X",
            expected_version=5,
        )
    assert err.value.field == "expected_version"
    assert world.event_types() == ["user_created"]


@pytest.mark.parametrize(
    "fields, words", [([], "names no field"), (["departments"], "SetUserDepartments")]
)
def test_update_user_bad_mask(world, fields, words):
    user = world.add_user()
    with pytest.raises(InvalidArgument) as err:
        users.update_user(world.deps, world.admin, user.id, fields=fields)
    assert err.value.field == "update_mask" and words in err.value.message


def test_update_user_email_taken_by_another(world):
    world.add_user(email="taken@example.com")
    user = world.add_user(email="sam@example.com")
    with pytest.raises(AlreadyExists):
        users.update_user(
            world.deps, world.admin, user.id, fields=["email"], email="Taken@example.com"
        )


def test_deactivate_revokes_sessions_emits_once_and_is_idempotent(world):
    from crm_identity.service_layer import authentication

    user = world.add_user()
    tokens = authentication.login(world.deps, "sam@example.com", world.strong)
    users.deactivate_user(world.deps, world.admin, user.id, reason="left the company")
    again = users.deactivate_user(world.deps, world.admin, user.id)
    assert again.version == 2
    assert world.event_types() == ["user_created", "user_deactivated"]
    assert world.events[-1][1].reason == "left the company"
    assert all(t.revoked_at is not None for t in world.store.tokens.values())
    with pytest.raises(Unauthenticated):
        authentication.refresh(world.deps, tokens.refresh_token)


def test_admin_cannot_deactivate_themselves(world):
    with pytest.raises(InvalidArgument, match="yourself"):
        users.deactivate_user(world.deps, world.admin, world.admin.subject_id)


def test_reactivate(world):
    user = world.add_user()
    with pytest.raises(FailedPrecondition):
        users.reactivate_user(world.deps, world.admin, user.id)
    users.deactivate_user(world.deps, world.admin, user.id)
    assert users.reactivate_user(world.deps, world.admin, user.id).status == "active"
    assert world.event_types()[-1] == "user_reactivated"


def test_set_departments_emits_added_and_removed(world):
    user = world.add_user(departments=["sales"])
    users.set_user_departments(world.deps, world.admin, user.id, ["marketing", "management"])
    event_type, event = world.events[-1]
    assert event_type == "user_departments_changed"
    assert (list(event.added), list(event.removed)) == (["management", "marketing"], ["sales"])
    users.set_user_departments(world.deps, world.admin, user.id, ["management", "marketing"])
    assert world.event_types().count("user_departments_changed") == 1  # no-op: no event
    with pytest.raises(PermissionDenied):
        users.set_user_departments(world.deps, world.plain, user.id, [])


def test_reset_password_ends_sessions_and_emits_without_secret(world):
    from crm_identity.service_layer import authentication

    user = world.add_user()
    tokens = authentication.login(world.deps, "sam@example.com", world.strong)
    world.clock.advance(seconds=5)
    users.reset_password(world.deps, world.admin, user.id, "a brand new long secret")
    event_type, event = world.events[-1]
    assert event_type == "user_password_changed" and event.reset_by_admin
    assert "brand new" not in str(event) and "fake-" not in str(event)
    assert world.store.users[user.id].tokens_valid_after == world.clock.now()
    with pytest.raises(Unauthenticated):
        authentication.refresh(world.deps, tokens.refresh_token)
    with pytest.raises(ValidationErrors) as err:
        users.reset_password(world.deps, world.admin, user.id, "short")
    assert err.value.field == "new_password"


def test_change_own_password(world):
    user = world.add_user()
    me = Caller(user.id)
    with pytest.raises(InvalidArgument, match="current password is wrong") as err:
        users.change_own_password(world.deps, me, "not it", "another long passphrase")
    assert err.value.field == "current_password"
    with pytest.raises(InvalidArgument, match="differ"):
        users.change_own_password(world.deps, me, world.strong, world.strong)
    users.change_own_password(world.deps, me, world.strong, "another long passphrase")
    assert world.store.users[user.id].password_hash == "fake-v1$another long passphrase"
    assert world.events[-1][1].reset_by_admin is False
    with pytest.raises(PermissionDenied):
        users.change_own_password(world.deps, Caller("svc-x", kind="service"), "a", "b")


def test_list_departments_names_all_four(world):
    assert [name for name, _ in users.list_departments(world.plain)] == [
        "management",
        "sales",
        "marketing",
        "after_sales_service",
    ]


def test_update_user_invalid_value_names_the_request_field(world):
    user = world.add_user()
    with pytest.raises(InvalidArgument) as err:
        users.update_user(world.deps, world.admin, user.id, fields=["email"], email="nope")
    assert err.value.field == "user.email"


def test_deactivate_reason_is_bounded(world):
    user = world.add_user()
    with pytest.raises(InvalidArgument) as err:
        users.deactivate_user(world.deps, world.admin, user.id, reason="x" * 501)
    assert err.value.field == "reason"


def test_admin_cannot_remove_their_own_admin_role(world):
    me = world.add_user(email="boss@example.com", roles=["admin"])
    with pytest.raises(InvalidArgument, match="your own admin role"):
        users.update_user(
            world.deps, Caller(me.id, roles=frozenset({"admin"})), me.id, fields=["roles"], roles=[]
        )
