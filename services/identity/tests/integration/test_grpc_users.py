"""UserService end to end through a real channel and the chassis server."""

import json
import uuid

import grpc
import pytest
from google.protobuf import field_mask_pb2
from sqlalchemy import select

from crm.common.v1 import pagination_pb2
from crm.identity.v1 import auth_pb2, users_pb2
from crm_identity.adapters import orm

pytestmark = pytest.mark.integration
SC = grpc.StatusCode


def outbox_rows(engine, user_id):
    with engine.connect() as conn:
        return conn.execute(
            select(orm.outbox).where(orm.outbox.c.aggregate_id == user_id).order_by(orm.outbox.c.id)
        ).all()


def test_create_login_whoami_and_outbox(client, admin_token, engine):
    email = f"Jo.{uuid.uuid4().hex[:8]}@Example.COM"
    created = client.call(
        client.users.CreateUser,
        users_pb2.CreateUserRequest(
            email=email,
            display_name="Jo Doe",
            password="violet tractor hums at dawn",
            departments=["sales"],
        ),
        admin_token,
    )
    assert created.email == email.split("@")[0] + "@example.com"
    assert created.status == users_pb2.User.STATUS_ACTIVE and created.version == 1
    pair = client.login(email.lower(), "violet tractor hums at dawn")
    assert pair.token_type == "Bearer" and pair.refresh_token
    me = client.call(client.auth.WhoAmI, auth_pb2.WhoAmIRequest(), pair.access_token)
    assert (me.subject_kind, me.subject_id, me.email, list(me.departments)) == (
        "user",
        created.id,
        created.email,
        ["sales"],
    )
    rows = outbox_rows(engine, created.id)
    assert [(r.event_type, r.exchange, r.aggregate_version, r.status) for r in rows] == [
        ("user_created", "identity.events", 1, "pending")
    ]
    body = json.loads(rows[0].payload)
    assert body["user"]["email"] == created.email and body["meta"]["aggregate_type"] == "user"
    assert "password" not in rows[0].payload and "argon2" not in rows[0].payload
    assert json.loads(rows[0].headers)["nameko.call_id_stack"]


def test_refused_create_writes_no_outbox_row(client, admin_token, engine, expect_error):
    with engine.connect() as conn:
        before = conn.execute(select(orm.outbox.c.id)).all()
    err = expect_error(
        client.call,
        client.users.CreateUser,
        users_pb2.CreateUserRequest(
            email="bad-address", display_name="X", password="violet tractor hums at dawn"
        ),
        admin_token,
    )
    assert err.code() == SC.INVALID_ARGUMENT
    with engine.connect() as conn:
        assert conn.execute(select(orm.outbox.c.id)).all() == before


@pytest.mark.parametrize(
    "request_kwargs, field, words",
    [
        (dict(email="no-at", display_name="X", password="violet tractor hums"), "email", "'@'"),
        (
            dict(email="a@example.com", display_name=" ", password="violet tractor hums"),
            "display_name",
            "required",
        ),
        (
            dict(email="a@example.com", display_name="A", password="short"),
            "password",
            "at least 12",
        ),
        (
            dict(
                email="a@example.com",
                display_name="A",
                password="violet tractor hums",
                departments=["finance"],
            ),
            "departments",
            "finance",
        ),
        (
            dict(
                email="a@example.com",
                display_name="A",
                password="violet tractor hums",
                roles=["root"],
            ),
            "roles",
            "root",
        ),
    ],
)
def test_create_user_invalid_argument_names_the_field(
    client, admin_token, expect_error, trailing, request_kwargs, field, words
):
    err = expect_error(
        client.call,
        client.users.CreateUser,
        users_pb2.CreateUserRequest(**request_kwargs),
        admin_token,
    )
    assert err.code() == SC.INVALID_ARGUMENT and words in err.details()
    assert trailing(err)["x-error-field"] == field


def test_duplicate_email_not_found_and_permission_denied(
    client, admin_token, new_user, expect_error
):
    user, password = new_user()
    err = expect_error(
        client.call,
        client.users.CreateUser,
        users_pb2.CreateUserRequest(
            email=user.email.upper(), display_name="Dup", password=password
        ),
        admin_token,
    )
    assert err.code() == SC.ALREADY_EXISTS
    err = expect_error(
        client.call, client.users.GetUser, users_pb2.GetUserRequest(id="0" * 32), admin_token
    )
    assert err.code() == SC.NOT_FOUND
    plain = client.login(user.email, password).access_token
    err = expect_error(
        client.call, client.users.DeactivateUser, users_pb2.DeactivateUserRequest(id=user.id), plain
    )
    assert err.code() == SC.PERMISSION_DENIED and "requires the admin role" in err.details()
    # reads are open to every authenticated principal
    assert (
        client.call(client.users.GetUser, users_pb2.GetUserRequest(id=user.id), plain).id == user.id
    )
    err = expect_error(client.call, client.users.GetUser, users_pb2.GetUserRequest(id=user.id))
    assert err.code() == SC.UNAUTHENTICATED


def test_update_user_with_mask_and_version(client, admin_token, new_user, expect_error, trailing):
    user, _ = new_user()
    request = users_pb2.UpdateUserRequest(
        id=user.id,
        user=users_pb2.User(display_name="Renamed", roles=["admin"]),
        update_mask=field_mask_pb2.FieldMask(paths=["display_name"]),
        expected_version=1,
    )
    updated = client.call(client.users.UpdateUser, request, admin_token)
    assert (updated.display_name, list(updated.roles), updated.version) == ("Renamed", [], 2)
    err = expect_error(client.call, client.users.UpdateUser, request, admin_token)
    assert err.code() == SC.FAILED_PRECONDITION and "version 2, not 1" in err.details()
    assert trailing(err)["x-error-field"] == "expected_version"
    bad_mask = users_pb2.UpdateUserRequest(
        id=user.id, update_mask=field_mask_pb2.FieldMask(paths=["password_hash"])
    )
    err = expect_error(client.call, client.users.UpdateUser, bad_mask, admin_token)
    assert err.code() == SC.INVALID_ARGUMENT and trailing(err)["x-error-field"] == "update_mask"


def test_list_users_pages_and_filters(client, admin_token, new_user, expect_error):
    made = [new_user(departments=["after_sales_service"])[0] for _ in range(3)]
    ids = {u.id for u in made}
    seen, cursor = [], ""
    while True:
        page = client.call(
            client.users.ListUsers,
            users_pb2.ListUsersRequest(
                page=pagination_pb2.PageRequest(page_size=2, cursor=cursor),
                department="after_sales_service",
            ),
            admin_token,
        )
        seen += [u.id for u in page.users]
        cursor = page.page.next_cursor
        if not cursor:
            break
    assert ids <= set(seen) and len(seen) == len(set(seen))
    err = expect_error(
        client.call,
        client.users.ListUsers,
        users_pb2.ListUsersRequest(page=pagination_pb2.PageRequest(page_size=1000)),
        admin_token,
    )
    assert err.code() == SC.INVALID_ARGUMENT


def test_set_departments_and_list_departments(client, admin_token, new_user, engine):
    user, _ = new_user(departments=["sales"])
    changed = client.call(
        client.users.SetUserDepartments,
        users_pb2.SetUserDepartmentsRequest(id=user.id, departments=["management"]),
        admin_token,
    )
    assert list(changed.departments) == ["management"] and changed.version == 2
    assert [r.event_type for r in outbox_rows(engine, user.id)] == [
        "user_created",
        "user_departments_changed",
    ]
    departments = client.call(
        client.users.ListDepartments, users_pb2.ListDepartmentsRequest(), admin_token
    )
    assert [d.name for d in departments.departments] == [
        "management",
        "sales",
        "marketing",
        "after_sales_service",
    ]
