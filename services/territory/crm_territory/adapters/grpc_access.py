"""AccessService: CheckAccess and ListScopes, the one authority on record visibility."""

from __future__ import annotations

from crm.territory.v1 import access_pb2, access_pb2_grpc
from crm_territory.adapters import grpc_mapping
from crm_territory.adapters.grpc_servicer import Servicer, caller
from crm_territory.service_layer import access


class AccessServicer(Servicer, access_pb2_grpc.AccessServiceServicer):
    def CheckAccess(self, request, context):
        decision = access.check_access(
            self.deps,
            caller(),
            user_id=request.user_id,
            action=grpc_mapping.access_action(request.action),
            team_id=request.team_id,
            record_owner_id=request.record_owner_id,
        )
        return grpc_mapping.access_decision(decision)

    def ListScopes(self, request, context):
        scopes = access.list_scopes(self.deps, caller(), user_id=request.user_id)
        return access_pb2.ListScopesResponse(
            user_scopes=access_pb2.UserScopes(
                user_id=scopes.user_id,
                scopes=[grpc_mapping.scope(s) for s in scopes.scopes],
                access_version=scopes.access_version,
                active=scopes.active,
            )
        )
