"""UserService servicer: proto in, use case, proto out. Errors are CrmErrors the chassis maps."""

from __future__ import annotations

from collections.abc import Callable

from crm.identity.v1 import users_pb2, users_pb2_grpc
from crm_identity.adapters import grpc_mapping
from crm_identity.adapters.client_address import ClientAddressResolver
from crm_identity.service_layer import preferences, service_accounts, users
from crm_identity.service_layer.dependencies import Dependencies


class UserServicer(users_pb2_grpc.UserServiceServicer):
    def __init__(
        self,
        deps: Dependencies,
        on_revocation: Callable[[], None] = lambda: None,
        client_address: ClientAddressResolver | None = None,
    ):
        self.deps = deps
        self.client_address = client_address or ClientAddressResolver()
        # Called after a change that revokes tokens, so no recently accepted token outlives it.
        self._on_revocation = on_revocation

    def CreateUser(self, request, context):
        return grpc_mapping.user_to_proto(
            users.create_user(
                self.deps,
                grpc_mapping.caller(),
                email=request.email,
                display_name=request.display_name,
                password=request.password,
                departments=list(request.departments),
                roles=list(request.roles),
            )
        )

    def GetUser(self, request, context):
        return grpc_mapping.user_to_proto(
            users.get_user(self.deps, grpc_mapping.caller(), request.id)
        )

    def ListUsers(self, request, context):
        page = users.list_users(
            self.deps,
            grpc_mapping.caller(),
            page_size=request.page.page_size,
            cursor=request.page.cursor,
            status=grpc_mapping.STATUS_FROM_PROTO.get(request.status, "?"),
            department=request.department,
            role=request.role,
            query=request.query,
        )
        response = users_pb2.ListUsersResponse(
            users=[grpc_mapping.user_to_proto(user) for user in page.items]
        )
        response.page.next_cursor = page.next_cursor
        return response

    def UpdateUser(self, request, context):
        return grpc_mapping.user_to_proto(
            users.update_user(
                self.deps,
                grpc_mapping.caller(),
                request.id,
                fields=list(request.update_mask.paths),
                email=request.user.email,
                display_name=request.user.display_name,
                roles=list(request.user.roles),
                expected_version=request.expected_version,
            )
        )

    def DeactivateUser(self, request, context):
        user = users.deactivate_user(self.deps, grpc_mapping.caller(), request.id, request.reason)
        self._on_revocation()
        return grpc_mapping.user_to_proto(user)

    def ReactivateUser(self, request, context):
        return grpc_mapping.user_to_proto(
            users.reactivate_user(self.deps, grpc_mapping.caller(), request.id)
        )

    def SetUserDepartments(self, request, context):
        return grpc_mapping.user_to_proto(
            users.set_user_departments(
                self.deps, grpc_mapping.caller(), request.id, list(request.departments)
            )
        )

    def ResetPassword(self, request, context):
        users.reset_password(self.deps, grpc_mapping.caller(), request.id, request.new_password)
        self._on_revocation()
        return users_pb2.ResetPasswordResponse()

    def ChangeOwnPassword(self, request, context):
        users.change_own_password(
            self.deps,
            grpc_mapping.caller(),
            request.current_password,
            request.new_password,
            self.client_address(context),
        )
        self._on_revocation()
        return users_pb2.ChangeOwnPasswordResponse()

    def UpdateOwnPreferences(self, request, context):
        return grpc_mapping.preferences_to_proto(
            preferences.update_own_preferences(
                self.deps,
                grpc_mapping.caller(),
                grpc_mapping.preferences_from_proto(request.preferences),
                fields=list(request.update_mask.paths),
            )
        )

    def CreateServiceAccount(self, request, context):
        created = service_accounts.create_service_account(
            self.deps, grpc_mapping.caller(), request.name, list(request.roles)
        )
        return users_pb2.CreateServiceAccountResponse(
            client_id=created.account.client_id, client_secret=created.client_secret
        )

    def ListServiceAccounts(self, request, context):
        return users_pb2.ListServiceAccountsResponse(
            service_accounts=[
                grpc_mapping.service_account_to_proto(account)
                for account in service_accounts.list_service_accounts(
                    self.deps, grpc_mapping.caller()
                )
            ]
        )

    def UpdateServiceAccountRoles(self, request, context):
        account = service_accounts.set_service_account_roles(
            self.deps, grpc_mapping.caller(), request.client_id, list(request.roles)
        )
        self._on_revocation()
        return grpc_mapping.service_account_to_proto(account)

    def ListDepartments(self, request, context):
        return users_pb2.ListDepartmentsResponse(
            departments=[
                users_pb2.Department(name=name, description=description)
                for name, description in users.list_departments(grpc_mapping.caller())
            ]
        )
