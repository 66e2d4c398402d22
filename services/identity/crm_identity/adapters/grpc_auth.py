"""AuthService servicer: proto in, use case, proto out. Errors are CrmErrors the chassis maps."""
from __future__ import annotations

from crm.identity.v1 import auth_pb2, auth_pb2_grpc

from crm_identity.adapters import proto_mapping as mapping
from crm_identity.adapters.client_address import ClientAddressResolver
from crm_identity.service_layer import authentication, signing_keys
from crm_identity.service_layer.dependencies import Dependencies

# Methods callable without an access token (the chassis auth step skips them).
PUBLIC_METHODS = tuple(f"/crm.identity.v1.AuthService/{name}" for name in
                       ("Login", "Refresh", "Logout", "IssueServiceToken", "GetSigningKeys"))


class AuthServicer(auth_pb2_grpc.AuthServiceServicer):
    def __init__(self, deps: Dependencies, issuer: str,
                 client_address: ClientAddressResolver | None = None):
        self.deps = deps
        self.issuer = issuer
        self.client_address = client_address or ClientAddressResolver()

    def Login(self, request, context):
        return mapping.tokens_to_proto(authentication.login(
            self.deps, request.email, request.password, self.client_address(context)))

    def Refresh(self, request, context):
        return mapping.tokens_to_proto(authentication.refresh(self.deps, request.refresh_token))

    def Logout(self, request, context):
        authentication.logout(self.deps, request.refresh_token)
        return auth_pb2.LogoutResponse()

    def IssueServiceToken(self, request, context):
        return mapping.tokens_to_proto(authentication.issue_service_token(
            self.deps, request.client_id, request.client_secret, self.client_address(context)))

    def GetSigningKeys(self, request, context):
        response = auth_pb2.GetSigningKeysResponse(issuer=self.issuer)
        for published in signing_keys.verification_keys(self.deps):
            key = published.key
            item = response.keys.add(kid=key.kid, algorithm=key.algorithm,
                                     public_key_pem=key.public_key_pem, active=key.active)
            item.created_at.FromDatetime(key.created_at)
            item.verify_until.FromDatetime(published.verify_until)
        return response

    def WhoAmI(self, request, context):
        who = authentication.who_am_i(self.deps, mapping.caller())
        return mapping.who_am_i_to_proto(who, mapping.current_token_expiry())
