"""TerritoryService: territories and their versioned routing rules."""

from __future__ import annotations

from crm.territory.v1 import territories_pb2, territories_pb2_grpc
from crm_territory.adapters import grpc_mapping
from crm_territory.adapters.grpc_servicer import Servicer, caller, listed, paged
from crm_territory.service_layer import territories


class TerritoryServicer(Servicer, territories_pb2_grpc.TerritoryServiceServicer):
    def CreateTerritory(self, request, context):
        territory = territories.create_territory(
            self.deps,
            caller(),
            name=request.name,
            sales_line_id=request.sales_line_id,
            team_id=request.team_id,
            priority=request.priority,
            rules=grpc_mapping.rule_inputs(request.rules),
            pipeline_id=request.pipeline_id,
        )
        return territories_pb2.CreateTerritoryResponse(territory=grpc_mapping.territory(territory))

    def GetTerritory(self, request, context):
        territory = territories.get_territory(self.deps, caller(), territory_id=request.id)
        return territories_pb2.GetTerritoryResponse(territory=grpc_mapping.territory(territory))

    def ListTerritories(self, request, context):
        page = territories.list_territories(
            self.deps,
            caller(),
            sales_line_id=request.sales_line_id,
            team_id=request.team_id,
            include_inactive=request.include_inactive,
            **paged(request),
        )
        return listed(
            territories_pb2.ListTerritoriesResponse, "territories", page, grpc_mapping.territory
        )

    def UpdateTerritory(self, request, context):
        territory = territories.update_territory(
            self.deps,
            caller(),
            territory_id=request.id,
            name=request.name,
            priority=request.priority,
            expected_version=request.expected_version,
            pipeline_id=request.pipeline_id if request.HasField("pipeline_id") else None,
        )
        return territories_pb2.UpdateTerritoryResponse(territory=grpc_mapping.territory(territory))

    def SetTerritoryRules(self, request, context):
        territory = territories.set_rules(
            self.deps,
            caller(),
            territory_id=request.id,
            rules=grpc_mapping.rule_inputs(request.rules),
            expected_rules_version=request.expected_rules_version,
            comment=request.comment,
        )
        return territories_pb2.SetTerritoryRulesResponse(
            territory=grpc_mapping.territory(territory)
        )

    def ListRuleVersions(self, request, context):
        versions = territories.list_rule_versions(self.deps, caller(), territory_id=request.id)
        return territories_pb2.ListRuleVersionsResponse(
            versions=[grpc_mapping.rule_set_version(v) for v in versions]
        )

    def DeactivateTerritory(self, request, context):
        territory = territories.deactivate_territory(self.deps, caller(), territory_id=request.id)
        return territories_pb2.DeactivateTerritoryResponse(
            territory=grpc_mapping.territory(territory)
        )

    def ListRuleAttributes(self, request, context):
        caller()
        return territories_pb2.ListRuleAttributesResponse(attributes=grpc_mapping.rule_attributes())
