"""Service accounts end to end: narrow roles only, and the directory needs read_users."""

import grpc
import pytest

from crm.identity.v1 import auth_pb2, users_pb2

pytestmark = pytest.mark.integration
SC = grpc.StatusCode


def service_token(client, account):
    return client.call(
        client.auth.IssueServiceToken,
        auth_pb2.IssueServiceTokenRequest(
            client_id=account.client_id, client_secret=account.client_secret
        ),
    ).access_token


def create(client, admin_token, name, *roles):
    return client.call(
        client.users.CreateServiceAccount,
        users_pb2.CreateServiceAccountRequest(name=name, roles=list(roles)),
        admin_token,
    )


def test_a_person_role_is_refused_for_a_service_account(client, admin_token, expect_error):
    err = expect_error(create, client, admin_token, "territory", "admin")
    assert err.code() == SC.INVALID_ARGUMENT
    assert "belong(s) to people" in err.details() and "read_users" in err.details()


def test_reading_users_needs_read_users_for_a_service(client, admin_token, new_user, expect_error):
    user, _ = new_user()
    bare = service_token(client, create(client, admin_token, "marketing-sync"))
    for method, request in (
        (client.users.GetUser, users_pb2.GetUserRequest(id=user.id)),
        (client.users.ListUsers, users_pb2.ListUsersRequest()),
    ):
        err = expect_error(client.call, method, request, bare)
        assert err.code() == SC.PERMISSION_DENIED
        assert "read_users" in err.details()
    reader = create(client, admin_token, "territory", "read_users")
    token = service_token(client, reader)
    assert (
        client.call(client.users.GetUser, users_pb2.GetUserRequest(id=user.id), token).id == user.id
    )
    # The role withdrawn: identity refuses the token that still names it, at once.
    changed = client.call(
        client.users.UpdateServiceAccountRoles,
        users_pb2.UpdateServiceAccountRolesRequest(client_id=reader.client_id),
        admin_token,
    )
    assert list(changed.roles) == []
    err = expect_error(
        client.call, client.users.GetUser, users_pb2.GetUserRequest(id=user.id), token
    )
    assert err.code() == SC.UNAUTHENTICATED


def test_service_accounts_are_listed_with_their_roles_for_admins_only(
    client, admin_token, new_user, expect_error
):
    created = create(client, admin_token, "deals", "choose_owners", "quote_prices")
    listed = client.call(
        client.users.ListServiceAccounts, users_pb2.ListServiceAccountsRequest(), admin_token
    )
    mine = [a for a in listed.service_accounts if a.client_id == created.client_id]
    assert [list(a.roles) for a in mine] == [["choose_owners", "quote_prices"]]
    user, password = new_user()
    plain = client.login(user.email, password).access_token
    err = expect_error(
        client.call, client.users.ListServiceAccounts, users_pb2.ListServiceAccountsRequest(), plain
    )
    assert err.code() == SC.PERMISSION_DENIED
