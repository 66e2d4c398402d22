"""AuthService servicer: proto in, use case, proto out. Errors are CrmErrors the chassis maps."""

from __future__ import annotations

from collections.abc import Callable

from crm.identity.v1 import auth_pb2, auth_pb2_grpc
from crm_identity.adapters import grpc_mapping
from crm_identity.adapters.client_address import ClientAddressResolver
from crm_identity.adapters.signing import PublishedKeysCache
from crm_identity.service_layer import authentication, signing_keys
from crm_identity.service_layer.dependencies import Dependencies

# Methods callable without an access token (the chassis auth step skips them).
PUBLIC_METHODS = tuple(
    f"/crm.identity.v1.AuthService/{name}"
    for name in ("Login", "Refresh", "Logout", "IssueServiceToken", "GetSigningKeys")
)


class AuthServicer(auth_pb2_grpc.AuthServiceServicer):
    def __init__(
        self,
        deps: Dependencies,
        issuer: str,
        client_address: ClientAddressResolver | None = None,
        published: PublishedKeysCache | None = None,
        on_revocation: Callable[[], None] = lambda: None,
    ):
        self.deps = deps
        self.issuer = issuer
        self.client_address = client_address or ClientAddressResolver()
        self.published = published or PublishedKeysCache(
            lambda: signing_keys.published_key_set(deps), max_age_seconds=0
        )
        self._on_revocation = on_revocation

    def Login(self, request, context):
        return grpc_mapping.tokens_to_proto(
            authentication.login(
                self.deps, request.email, request.password, self.client_address(context)
            )
        )

    def Refresh(self, request, context):
        return grpc_mapping.tokens_to_proto(
            authentication.refresh(self.deps, request.refresh_token)
        )

    def Logout(self, request, context):
        authentication.logout(self.deps, request.refresh_token)
        return auth_pb2.LogoutResponse()

    def IssueServiceToken(self, request, context):
        return grpc_mapping.tokens_to_proto(
            authentication.issue_service_token(
                self.deps, request.client_id, request.client_secret, self.client_address(context)
            )
        )

    def GetSigningKeys(self, request, context):
        current = self.published.current()
        response = auth_pb2.GetSigningKeysResponse(issuer=self.issuer, version=current.version)
        if request.known_version and request.known_version == current.version:
            response.unchanged = True
            return response
        for published in current.keys:
            response.keys.append(
                grpc_mapping.signing_key_to_proto(published.key, published.verify_until)
            )
        return response

    def ListSigningKeys(self, request, context):
        return auth_pb2.ListSigningKeysResponse(
            keys=[
                grpc_mapping.key_state_to_proto(state)
                for state in signing_keys.list_keys(self.deps, grpc_mapping.caller())
            ]
        )

    def WithdrawSigningKey(self, request, context):
        withdrawal = signing_keys.withdraw_key(self.deps, grpc_mapping.caller(), request.kid)
        self.published.invalidate()  # this process refuses the key's tokens from now on
        self._on_revocation()
        return auth_pb2.WithdrawSigningKeyResponse(
            withdrawn=grpc_mapping.key_state_to_proto(withdrawal.withdrawn),
            active_kid=withdrawal.active.kid if withdrawal.active else "",
        )

    def WhoAmI(self, request, context):
        who = authentication.who_am_i(self.deps, grpc_mapping.caller())
        return grpc_mapping.who_am_i_to_proto(who, grpc_mapping.current_token_expiry())
