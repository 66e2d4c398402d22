"""TeamService: teams under the units (proto -> use case -> proto)."""

from __future__ import annotations

from crm.territory.v1 import teams_pb2, teams_pb2_grpc
from crm_territory.adapters import grpc_mapping
from crm_territory.adapters.grpc_servicer import Servicer, caller, listed, paged
from crm_territory.service_layer import teams


class TeamServicer(Servicer, teams_pb2_grpc.TeamServiceServicer):
    def CreateTeam(self, request, context):
        team = teams.create_team(
            self.deps,
            caller(),
            name=request.name,
            unit_id=request.unit_id,
            strategy=grpc_mapping.routing_strategy(request.strategy),
            time_zone=request.time_zone,
        )
        return teams_pb2.CreateTeamResponse(team=grpc_mapping.team(team))

    def GetTeam(self, request, context):
        return teams_pb2.GetTeamResponse(
            team=grpc_mapping.team(teams.get_team(self.deps, caller(), team_id=request.id))
        )

    def ListTeams(self, request, context):
        page = teams.list_teams(
            self.deps,
            caller(),
            unit_id=request.unit_id,
            include_inactive=request.include_inactive,
            **paged(request),
        )
        return listed(teams_pb2.ListTeamsResponse, "teams", page, grpc_mapping.team)

    def RenameTeam(self, request, context):
        team = teams.rename_team(
            self.deps,
            caller(),
            team_id=request.id,
            name=request.name,
            expected_version=request.expected_version,
        )
        return teams_pb2.RenameTeamResponse(team=grpc_mapping.team(team))

    def MoveTeam(self, request, context):
        team = teams.move_team(
            self.deps,
            caller(),
            team_id=request.id,
            new_unit_id=request.new_unit_id,
            expected_version=request.expected_version,
        )
        return teams_pb2.MoveTeamResponse(team=grpc_mapping.team(team))

    def SetTeamRouting(self, request, context):
        team = teams.set_team_routing(
            self.deps,
            caller(),
            team_id=request.id,
            strategy=grpc_mapping.routing_strategy(request.strategy),
            time_zone=request.time_zone,
        )
        return teams_pb2.SetTeamRoutingResponse(team=grpc_mapping.team(team))

    def DeactivateTeam(self, request, context):
        team = teams.deactivate_team(self.deps, caller(), team_id=request.id)
        return teams_pb2.DeactivateTeamResponse(team=grpc_mapping.team(team))

    def DeleteTeam(self, request, context):
        teams.delete_team(self.deps, caller(), team_id=request.id)
        return teams_pb2.DeleteTeamResponse()
